"""The cache of validated rule bases: faster, never different.

Each test gives the cache a directory of its own (`FORECAST_CACHE_DIR`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine import inputs
from engine.load import cache, cachefolder
from engine.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
FORMATS = ("text", "json", "markdown")


def forecast(*args: str | Path, cache_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    """The installed command in a fresh process, with its cache in `cache_dir`."""
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, "-m", "engine", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False, timeout=300)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def rule_base_copy(tmp_path: Path) -> Path:
    """A copy of rules/, seeds/ and scenarios/ that a test may edit."""
    for name in ("rules", "seeds", "scenarios"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def entries(directory: Path) -> list[Path]:
    """The tool's entries in a cache directory: in the user's own folder."""
    return sorted(directory.glob(f"rulebases-v3-{os.getuid()}/*.json"))


def repacked(entry: Path, change: Callable[[bytes], bytes]) -> bytes:
    """The entry with `change` made to its answer, under a checksum that fits: what someone who can write the folder could make."""
    _, _, rest = entry.read_bytes().partition(b"\n")
    manifest, _, body = rest.partition(b"\n")
    changed = change(body)
    assert changed != body
    rest = manifest + b"\n" + changed
    return f"{cache.FORMAT} {inputs.digest(rest)}\n".encode() + rest


UNLIKELY = b'"words":["unlikely","improbable"],"low":{"@fraction":"1/5"},"high":{"@fraction":"9/20"}'


def misread(body: bytes) -> bytes:
    """The audit's planted answer: "unlikely" read as 90-99%."""
    return body.replace(UNLIKELY, UNLIKELY.replace(b'"1/5"', b'"9/10"').replace(b'"9/20"', b'"99/100"'))


@pytest.mark.slow
def test_output_is_byte_identical_with_and_without_the_cache(cache_dir: Path) -> None:
    """Every shipped scenario in every format: uncached, a cache miss and a cache hit give the same bytes."""
    from engine.render.formats import renderer
    from engine.render.report import Report
    from engine.resolve.expectations import unmet_expectations

    uncached_engine = Engine.open(ROOT / "rules", cache=False)
    for path in SCENARIOS:
        relative = path.relative_to(ROOT)
        for fmt in FORMATS:
            scenario = uncached_engine.read_scenario(path)
            result, odds = uncached_engine.forecast_scenario(scenario)
            unmet = tuple(unmet_expectations(scenario, result, odds))
            uncached = renderer(fmt)(Report(scenario, relative.as_posix(), "rules", uncached_engine.rule_base, result, unmet, (), odds))
            miss = forecast(relative, "--format", fmt, cache_dir=cache_dir)
            hit = forecast(relative, "--format", fmt, cache_dir=cache_dir)
            assert miss.returncode == hit.returncode == 0, hit.stderr
            assert miss.stdout == hit.stdout == uncached.encode(), (relative, fmt)
    assert len(entries(cache_dir)) == 1


def test_a_hit_needs_neither_pydantic_nor_the_checks(cache_dir: Path) -> None:
    """The point of the cache: a run that finds its rule base there never loads the validating edge."""
    code = (
        "import sys\n"
        "sys.argv = ['forecast', 'scenarios/heavy_fighting.yaml']\n"
        "from engine.console import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "watched = ('pydantic', 'hypothesis')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in watched or name.startswith('engine.load.')))\n"
    )
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    miss, hit = (run.stdout.splitlines()[-1] for run in runs)
    assert "'pydantic'" in miss and "'engine.load.surface'" in miss
    assert hit == "['engine.load.cache', 'engine.load.cachefolder', 'engine.load.extends', 'engine.load.scenario', 'engine.load.yamlfile']"


def test_an_edited_rule_is_never_answered_from_the_cache(cache_dir: Path, rule_base_copy: Path) -> None:
    scenario = rule_base_copy / "scenarios" / "heavy_fighting.yaml"
    assert forecast(scenario, "--rules", rule_base_copy / "rules", cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    weiss = rule_base_copy / "rules" / "weiss.yaml"
    weiss.write_text(
        weiss.read_text(encoding="utf-8").replace(
            "then: {question: russia_presence, is_not: withdraw}", "then: {question: russia_presence, is: maintain}"
        ),
        encoding="utf-8",
    )
    edited = forecast(scenario, "--rules", rule_base_copy / "rules", "-q", "russia_presence", cache_dir=cache_dir, cwd=rule_base_copy)
    assert b"weiss.no_pullout (Caleb Weiss) -> russia_presence is maintain" in edited.stdout
    assert len(entries(cache_dir)) == 1, "a rule base's entry is replaced, never added to"


def test_an_edited_seed_is_never_answered_from_the_cache(cache_dir: Path, rule_base_copy: Path) -> None:
    """A changed seed text is caught by its hash on the next run, cache or no cache."""
    rules = rule_base_copy / "rules"
    assert forecast("check", "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    scenario = rule_base_copy / "scenarios" / "junta_pays.yaml"
    assert forecast(scenario, "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    seed = next((rule_base_copy / "seeds").glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA sentence added later.\n", encoding="utf-8")
    changed = forecast(scenario, "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy)
    assert changed.returncode == 2 and b"sha256" in changed.stderr


@pytest.mark.parametrize("damage", ["truncated", "garbled", "not-json", "wrong-shape", "huge-exponent", "long-number", "empty"])
def test_a_corrupt_entry_is_rebuilt_silently(cache_dir: Path, damage: str) -> None:
    first = forecast("scenarios/heavy_fighting.yaml", cache_dir=cache_dir)
    (entry,) = entries(cache_dir)
    raw = entry.read_bytes()
    header, _, body = raw.partition(b"\n")
    damaged = {
        "truncated": raw[: len(raw) // 2],
        "garbled": header + b"\n" + body.replace(b"withdraw", b"increase"),
        "not-json": b"\x00\xff" * 50,
        "wrong-shape": repacked(entry, lambda body: b"[1, 2]"),
        "huge-exponent": repacked(entry, lambda body: body.replace(b'"9/20"', b'"1e-999999999"')),
        "long-number": repacked(entry, lambda body: body.replace(b'"standard":true', b'"standard":' + b"7" * 5000)),
        "empty": b"",
    }[damage]
    entry.write_bytes(damaged)
    again = forecast("scenarios/heavy_fighting.yaml", cache_dir=cache_dir)
    assert again.returncode == 0 and again.stderr == b""
    assert again.stdout == first.stdout
    assert entry.read_bytes() == raw, "the entry is rebuilt"


def test_an_unwritable_cache_is_bypassed_silently(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = forecast("scenarios/heavy_fighting.yaml", cache_dir=blocker / "cache")
    assert result.returncode == 0 and result.stderr == b""
    assert b"expectations: all met" in result.stdout


def test_the_cache_lives_where_a_user_expects(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "chosen"))
    assert cachefolder.directory() == tmp_path / "chosen"
    monkeypatch.delenv("FORECAST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cachefolder.directory() == tmp_path / "xdg" / "forecast"


def test_the_entry_follows_the_engines_own_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache_dir: Path) -> None:
    """A change to the engine's code (or a new module beside the others) makes the entry stale: other code's entry is never read."""
    copy = tmp_path / "engine"
    shutil.copytree(ROOT / "engine", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "_ENGINE", copy)
    Engine.open(ROOT / "rules")
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is not None
    (copy / "language" / "extra.py").write_text("# a new module\n", encoding="utf-8")
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is None
    Engine.open(ROOT / "rules")
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is not None
    language = copy / "language" / "operators.py"
    language.write_text(language.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is None


def test_old_entries_are_pruned_and_nothing_else(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the tool's own entries, in its own folder, are removed: a user's notes.json (or an old entry beside it) stays."""
    monkeypatch.setattr(cachefolder, "KEEP", 2)
    cache_dir.mkdir()
    mine = {"notes.json": b'{"mine": true}', f"{'0' * 64}.json": b"an entry of an older version"}
    for name, content in mine.items():
        (cache_dir / name).write_bytes(content)
    for count in range(4):
        place = tmp_path / f"copy-{count}"
        shutil.copytree(ROOT / "rules", place / "rules")
        shutil.copytree(ROOT / "seeds", place / "seeds")
        Engine.open(place / "rules")
    assert len(entries(cache_dir)) == 2
    assert cache.lookup(tmp_path / "copy-3" / "rules", tmp_path / "copy-3" / "seeds") is not None, "the newest are kept"
    assert {name: (cache_dir / name).read_bytes() for name in mine} == mine


HEAVY = "scenarios/heavy_fighting.yaml"
OTHER_UID = 12345
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file to another user")


def test_a_symlinked_lexicons_folder_edited_after_a_first_run_is_read_again(cache_dir: Path, rule_base_copy: Path, tmp_path: Path) -> None:
    """The loader reads through the link, so the entry checks the files behind it: the edit (same size) is seen at once."""
    lexicons = rule_base_copy / "rules" / "lexicons"
    elsewhere = tmp_path / "elsewhere"
    lexicons.rename(elsewhere)
    lexicons.symlink_to(elsewhere, target_is_directory=True)
    run = (rule_base_copy / HEAVY, "--rules", rule_base_copy / "rules")
    first = forecast(*run, cache_dir=cache_dir, cwd=rule_base_copy)
    assert b"P(punctured) 80-99% stated as fact" in first.stdout
    assert forecast(*run, cache_dir=cache_dir, cwd=rule_base_copy).stdout == first.stdout
    icd = elsewhere / "icd203.yaml"
    icd.write_text(icd.read_text(encoding="utf-8").replace("range: [0.80, 0.99]", "range: [0.85, 0.99]", 1), encoding="utf-8")
    edited = forecast(*run, cache_dir=cache_dir, cwd=rule_base_copy)
    assert b"P(punctured) 85-99% stated as fact" in edited.stdout
    assert edited.stdout == forecast(*run, cache_dir=tmp_path / "empty-cache", cwd=rule_base_copy).stdout


def test_a_seed_text_in_a_subfolder_edited_after_a_first_run_is_caught(cache_dir: Path, rule_base_copy: Path) -> None:
    """A seed's `text: texts/NAME.txt` is read, so it is in the entry's manifest: its edit is caught by its sha256 on the next run."""
    seeds = rule_base_copy / "seeds"
    meta = next(seeds.glob("*.yaml"))
    text = meta.with_suffix(".txt")
    (seeds / "texts").mkdir()
    text.rename(seeds / "texts" / text.name)
    meta.write_text(meta.read_text(encoding="utf-8").replace(f"text: {text.name}", f"text: texts/{text.name}"), encoding="utf-8")
    rules = rule_base_copy / "rules"
    scenario = rule_base_copy / "scenarios" / "junta_pays.yaml"
    assert forecast("check", "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    assert forecast(scenario, "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    moved = seeds / "texts" / text.name
    moved.write_text(moved.read_text(encoding="utf-8") + "\nA sentence added later.\n", encoding="utf-8")
    changed = forecast(scenario, "--rules", rules, cache_dir=cache_dir, cwd=rule_base_copy)
    assert changed.returncode == 2 and b"sha256" in changed.stderr


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(cache_dir: Path, rule_base_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp holds the ctime, which an edit moves and no program can set back."""
    monkeypatch.setattr(inputs, "RACY_NS", 0)  # every file gets a stamp, however recently it was copied
    rules, seeds = rule_base_copy / "rules", rule_base_copy / "seeds"
    first = Engine.open(rules).rule_base
    assert cache.lookup(rules, seeds) is not None
    weiss = rules / "weiss.yaml"
    before = weiss.stat()
    old = "then: {question: russia_presence, is_not: withdraw}"
    same_size = "then: {question: russia_presence, is: maintain    }"
    weiss.write_text(weiss.read_text(encoding="utf-8").replace(old, same_size), encoding="utf-8")
    os.utime(weiss, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (weiss.stat().st_size, weiss.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert cache.lookup(rules, seeds) is None
    assert Engine.open(rules).rule_base != first


def test_a_touched_file_is_still_a_hit_and_its_stamp_is_renewed(
    cache_dir: Path, rule_base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new stamp with the same content (a `touch`, a checkout) is confirmed by the hash, and the entry takes the new stamp."""
    monkeypatch.setattr(inputs, "RACY_NS", 0)
    rules, seeds = rule_base_copy / "rules", rule_base_copy / "seeds"
    Engine.open(rules)
    weiss = rules / "weiss.yaml"
    os.utime(weiss, ns=(weiss.stat().st_atime_ns, weiss.stat().st_mtime_ns + 10**9))
    assert cache.lookup(rules, seeds) is not None
    (entry,) = entries(cache_dir)
    manifest = json.loads(entry.read_bytes().split(b"\n")[1])
    stamps = {path: stamp for path, stamp, _ in manifest["files"]}
    assert stamps[str(weiss)] == list(inputs.stamp(weiss.stat()))


def test_a_file_changed_just_before_it_is_read_has_no_stamp(tmp_path: Path) -> None:
    """Within `RACY_NS` of a change, a second edit could keep every field of the stamp: such a file is compared by content."""
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("a: 1\n", encoding="utf-8")
    os.utime(fresh, ns=(0, 0))  # an old mtime; the ctime is now
    assert inputs.settled(fresh.stat()) is None
    settled = os.stat(ROOT / "pyproject.toml")
    assert inputs.settled(settled) == inputs.stamp(settled)


def honest_and_planted(cache_dir: Path) -> tuple[bytes, Path, bytes]:
    """The honest output of a run, its entry, and that entry changed to read "unlikely" as 90-99%."""
    honest = forecast(HEAVY, cache_dir=cache_dir)
    assert b'P(withdraw) 20-45% "unlikely"' in honest.stdout
    (entry,) = entries(cache_dir)
    return honest.stdout, entry, repacked(entry, misread)


def assert_bypassed_with_a_note(cache_dir: Path, honest: bytes) -> bytes:
    """The run gives the honest answer, with one note on stderr; returns the note."""
    result = forecast(HEAVY, cache_dir=cache_dir)
    assert result.returncode == 0 and result.stdout == honest
    assert result.stderr.count(b"\n") == 1 and result.stderr.startswith(b"forecast: note: the rule base cache is not used: ")
    return result.stderr


def test_a_planted_entry_would_be_believed_if_it_were_trusted(cache_dir: Path) -> None:
    """The control for the tests below: the changed entry, in the user's own folder, is what a run prints."""
    honest, entry, planted = honest_and_planted(cache_dir)
    entry.write_bytes(planted)
    believed = forecast(HEAVY, cache_dir=cache_dir)
    assert b'P(withdraw) 90-99% "unlikely"' in believed.stdout and believed.stdout != honest


@as_root
def test_a_planted_folder_in_a_world_writable_cache_is_bypassed_with_a_note(tmp_path: Path) -> None:
    """Another user swapped the user's folder in a shared, world-writable directory for one of their own."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    honest, entry, planted = honest_and_planted(shared)
    entry.parent.rename(shared / "moved-away")
    entry.parent.mkdir()
    entry.write_bytes(planted)
    for path in (entry, entry.parent):
        os.chown(path, OTHER_UID, OTHER_UID)
        path.chmod(0o777)
    note = assert_bypassed_with_a_note(shared, honest)
    assert f"belongs to another user (uid {OTHER_UID})".encode() in note
    assert entry.read_bytes() == planted, "another user's file is left alone"


@as_root
def test_an_entry_in_a_folder_writable_by_others_is_bypassed_with_a_note(cache_dir: Path) -> None:
    honest, entry, planted = honest_and_planted(cache_dir)
    entry.write_bytes(planted)
    entry.parent.chmod(0o777)
    assert b"is writable by others" in assert_bypassed_with_a_note(cache_dir, honest)


@as_root
def test_an_entry_owned_by_another_user_is_bypassed_with_a_note(cache_dir: Path) -> None:
    honest, entry, planted = honest_and_planted(cache_dir)
    entry.write_bytes(planted)
    os.chown(entry, OTHER_UID, OTHER_UID)
    assert f"{entry} belongs to another user".encode() in assert_bypassed_with_a_note(cache_dir, honest)


def test_a_link_in_place_of_the_folder_is_bypassed_with_a_note(cache_dir: Path, tmp_path: Path) -> None:
    """A link could lead the cache into someone else's folder: it is not followed, and nothing is written where it points."""
    honest, entry, _ = honest_and_planted(cache_dir)
    shutil.rmtree(entry.parent)
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    entry.parent.symlink_to(target, target_is_directory=True)
    assert_bypassed_with_a_note(cache_dir, honest)
    assert list(target.iterdir()) == []


def test_a_named_pipe_at_an_entry_does_not_hang_a_run(cache_dir: Path) -> None:
    """Only a regular file is read, opened without blocking: the pipe is taken as a corrupt entry and replaced."""
    honest, entry, _ = honest_and_planted(cache_dir)
    entry.unlink()
    os.mkfifo(entry, 0o600)
    result = forecast(HEAVY, cache_dir=cache_dir)  # the helper's timeout fails the test rather than hang it
    assert result.returncode == 0 and result.stdout == honest and result.stderr == b""
    assert stat.S_ISREG(entry.lstat().st_mode)


def test_the_entries_live_in_a_folder_of_the_users_own(cache_dir: Path) -> None:
    """Made with mode 0700 whatever the umask allows, in the cache directory; nothing else is written there."""
    previous = os.umask(0)
    try:
        Engine.open(ROOT / "rules")
    finally:
        os.umask(previous)
    (entry,) = entries(cache_dir)
    assert [path.name for path in cache_dir.iterdir()] == [entry.parent.name] == [cachefolder.folder().name]
    status = entry.parent.lstat()
    assert stat.S_ISDIR(status.st_mode) and stat.S_IMODE(status.st_mode) == 0o700 and status.st_uid == os.getuid()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_an_entry_past_the_size_bound_is_not_read(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Engine.open(ROOT / "rules")
    (entry,) = entries(cache_dir)
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is not None
    monkeypatch.setattr(cachefolder, "MAX_BYTES", entry.stat().st_size - 1)
    assert cache.lookup(ROOT / "rules", ROOT / "seeds") is None


def test_a_rule_file_turned_into_a_named_pipe_after_a_run_is_refused_never_waited_on(cache_dir: Path, rule_base_copy: Path) -> None:
    """The entry's check of what the loader read stats each file and opens none that is not regular: the loader then refuses it."""
    scenario = rule_base_copy / "scenarios" / "heavy_fighting.yaml"
    assert forecast(scenario, "--rules", rule_base_copy / "rules", cache_dir=cache_dir, cwd=rule_base_copy).returncode == 0
    weiss = rule_base_copy / "rules" / "weiss.yaml"
    weiss.unlink()
    os.mkfifo(weiss)
    command = [sys.executable, "-m", "engine", str(scenario), "--rules", str(rule_base_copy / "rules")]
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache_dir)}
    refused = subprocess.run(command, cwd=rule_base_copy, env=env, capture_output=True, check=False, timeout=60)
    assert refused.returncode == 2
    assert b"is a named pipe" in refused.stderr and refused.stdout == b""
