"""Every file the engine writes: whole or not at all, with the umask's mode, only over a regular file, only where asked.

`-o FILE` (run, schema), `forecast new` and the counterexample files all go
through `engine.writing`. A device, a pipe, a directory or a symbolic link
at the target is refused and left as it was; nothing here ever points
`-o` at a real device: a named pipe in a temporary directory stands for one.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Invoke

import engine.writing
from engine.errors import InputError
from engine.writing import write_atomically, write_within


@pytest.fixture
def umask() -> Iterator[None]:
    """Run under umask 022, whatever the caller's; put it back after."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def forecast_to(forecast_cli: Invoke, repo_root: Path, target: Path | str) -> object:
    return forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules", "-o", target)


def one_line(result: object, path: Path, message: str) -> None:
    """Exit 2, nothing on stdout, and exactly the one expected line on stderr."""
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    assert result.stderr == f"forecast: error: {path}: {message}\n"  # type: ignore[attr-defined]


def test_a_named_pipe_is_refused_and_left_alone(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """The issue's `-o /dev/stdout` and `-o /dev/null`, on a pipe: exit 2, and the pipe is still a pipe."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = forecast_to(forecast_cli, repo_root, pipe)
    one_line(result, pipe, "is a named pipe, and only a regular file is replaced (choose a file name)")
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(tmp_path.iterdir()) == [pipe]


def test_a_directory_is_refused_with_one_line(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """Not click's usage error: one located line, and the directory untouched."""
    folder = tmp_path / "reports"
    folder.mkdir()
    one_line(
        forecast_to(forecast_cli, repo_root, folder), folder, "is a directory, and only a regular file is replaced (choose a file name)"
    )
    assert list(folder.iterdir()) == []


def test_a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = forecast_to(forecast_cli, repo_root, link)
    one_line(result, link, "is a symbolic link, and only a regular file is replaced (name the file it points to instead)")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "mine\n"


def test_dash_is_standard_output(tmp_path: Path, forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    printed = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules")
    dashed = forecast_to(forecast_cli, repo_root, "-")
    assert dashed.exit_code == 0  # type: ignore[attr-defined]
    assert dashed.stdout == printed.stdout  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == [], "no file named '-'"


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(mask: int, mode: int, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    previous = os.umask(mask)
    try:
        written = forecast_to(forecast_cli, repo_root, tmp_path / "report.txt")
        created = forecast_cli("new", "x", "--rules", repo_root / "rules", "-o", tmp_path / "x.yaml")
    finally:
        os.umask(previous)
    assert written.exit_code == 0 and created.exit_code == 0  # type: ignore[attr-defined]
    assert stat.S_IMODE((tmp_path / "report.txt").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "x.yaml").stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "report.txt"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["disk-full", "interrupt"])
def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(
    failure: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.txt"
    path.write_text("old\n", encoding="utf-8")

    def fail(*args: object) -> None:
        raise failure

    monkeypatch.setattr(engine.writing.os, "replace", fail)
    with pytest.raises(type(failure) if isinstance(failure, KeyboardInterrupt) else InputError):
        write_atomically(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("name", ["../evil", "a/b", "", ".", "..", "-o", ".hidden", "two words"])
def test_new_takes_a_file_name_not_a_path(
    name: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`forecast new ../evil` once wrote outside scenarios/, and `forecast new ""` wrote scenarios/.yaml."""
    (tmp_path / "scenarios").mkdir()
    monkeypatch.chdir(tmp_path)
    result = forecast_cli("new", "--rules", repo_root / "rules", "--", name)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"forecast: error: NAME: {name!r} is not a scenario name (use letters, digits, '_' and '-'")
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["scenarios"]


def test_new_takes_the_name_without_yaml(forecast_cli: Invoke, repo_root: Path) -> None:
    result = forecast_cli("new", "ceasefire.yaml", "--rules", repo_root / "rules")
    assert result.exit_code == 2
    assert result.stderr.startswith("forecast: error: NAME: 'ceasefire.yaml' is not a scenario name (did you mean 'ceasefire'? use ")


def test_new_writes_into_scenarios(tmp_path: Path, forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scenarios").mkdir()
    monkeypatch.chdir(tmp_path)
    result = forecast_cli("new", "cease-fire_2", "--rules", repo_root / "rules")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote scenarios/cease-fire_2.yaml\n"
    assert [path.name for path in (tmp_path / "scenarios").iterdir()] == ["cease-fire_2.yaml"]


def test_new_to_standard_output(forecast_cli: Invoke, repo_root: Path) -> None:
    result = forecast_cli("new", "x", "--rules", repo_root / "rules", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Scenario for `forecast SCENARIO.yaml`.\n")
    assert 'name: "x"\n' in result.stdout


@pytest.mark.parametrize("name", ["../escape.yaml", "sub/file.yaml", "", ".", ".."])
def test_write_within_keeps_inside_its_directory(name: str, tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    with pytest.raises(InputError, match="is not a file name"):
        write_within(inside, name, "text\n")
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["inside"]


as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file to another user")


@as_root
def test_a_replaced_file_keeps_its_owner_group_and_mode(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """Written by root over another user's file: the file stays theirs, with its mode, and holds the new report."""
    path = tmp_path / "report.txt"
    path.write_text("old\n", encoding="utf-8")
    os.chown(path, 12345, 23456)
    path.chmod(0o640)
    assert forecast_to(forecast_cli, repo_root, path).exit_code == 0  # type: ignore[attr-defined]
    status = path.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (12345, 23456, 0o640)
    assert path.read_text(encoding="utf-8").startswith("Heavy fighting")


def test_a_file_whose_owner_cannot_be_kept_is_refused_and_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who may write another's file but not give a file away: the replacement would change hands, so nothing is written."""
    path = tmp_path / "report.txt"
    path.write_text("old\n", encoding="utf-8")
    status = path.stat()

    def refuse(handle: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(engine.writing.os, "fchown", refuse)
    monkeypatch.setattr(engine.writing.os, "fstat", lambda handle: os.stat_result((0, 0, 0, 1, status.st_uid + 1, 0, 0, 0, 0, 0)))
    with pytest.raises(InputError, match="could not keep"):
        write_atomically(path, "new\n")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_file_with_other_hard_links_is_refused_and_every_link_left_alone(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A rename would give one name the new text and leave the others the old: refused, one line, exit 2."""
    path = tmp_path / "report.txt"
    path.write_text("old\n", encoding="utf-8")
    other = tmp_path / "kept.txt"
    os.link(path, other)
    result = forecast_to(forecast_cli, repo_root, path)
    one_line(
        result,
        path,
        "has 2 hard links, and replacing it would leave the others with the old text "
        "(choose another file name, then copy it over this one)",
    )
    assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8") == "old\n"
    assert path.stat().st_ino == other.stat().st_ino


@pytest.fixture
def scenario_copy(tmp_path: Path, repo_root: Path) -> Path:
    copy = tmp_path / "heavy.yaml"
    copy.write_bytes((repo_root / "scenarios" / "heavy_fighting.yaml").read_bytes())
    return copy


def test_the_output_never_replaces_the_scenario_it_reads(scenario_copy: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`forecast S.yaml -o S.yaml`: refused with one line, exit 2, and the scenario is as it was."""
    before = scenario_copy.read_bytes()
    result = forecast_cli(scenario_copy, "--rules", repo_root / "rules", "-o", scenario_copy)
    one_line(result, scenario_copy, "is read by this run, and the output would replace it (choose another file name)")
    assert scenario_copy.read_bytes() == before


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_the_output_never_replaces_the_scenario_through_a_link(
    link: str, scenario_copy: Path, forecast_cli: Invoke, repo_root: Path
) -> None:
    """The scenario read through a symbolic link, or the output named by a hard link to it: the same file, caught by its inode."""
    other = scenario_copy.with_name("other.yaml")
    before = scenario_copy.read_bytes()
    if link == "symbolic":
        other.symlink_to(scenario_copy)
        read, written = other, scenario_copy
    else:
        os.link(scenario_copy, other)
        read, written = scenario_copy, other
    result = forecast_cli(read, "--rules", repo_root / "rules", "-o", written)
    via = f" (as {read})" if read != written else ""
    one_line(result, written, f"is read by this run{via}, and the output would replace it (choose another file name)")
    assert scenario_copy.read_bytes() == before


def test_the_output_never_replaces_a_rule_file_of_the_run_cached_or_not(
    tmp_path: Path, forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule file is an input too: on a cache miss it is read, on a hit the cache checks it; either way it is refused."""
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("rules", "seeds"):
        shutil.copytree(repo_root / name, tmp_path / name)
    weiss = tmp_path / "rules" / "weiss.yaml"
    before = weiss.read_bytes()
    for _ in ("miss", "hit"):
        result = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", tmp_path / "rules", "-o", weiss)
        one_line(result, weiss, "is read by this run, and the output would replace it (choose another file name)")
        assert weiss.read_bytes() == before
    assert list((tmp_path / "cache").glob("rulebases-v3-*/*.json")), "the second run was a hit"
