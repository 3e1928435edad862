"""The set-up promises, checked without network.

- `.ci/run` runs exactly the README's marked test command, and refuses a
  README whose marked block is ambiguous;
- every package that pyproject.toml names (dependencies and every extra) is
  pinned with `==` in constraints.txt, once for each supported Python;
- requires-python covers 3.11-3.13, and the classifiers name exactly the
  versions it allows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"
MARKER = "<!-- test-command -->"
BUILD_FLAG = "CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)'"
SUPPORTED = [(3, 11), (3, 12), (3, 13)]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def normalise(name: str) -> str:
    """PEP 503."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read a package name in {requirement!r}"
    return normalise(match.group(1))


def marked_block(readme: str, marker: str) -> list[str]:
    """The lines of the ```sh block right after the marker line."""
    lines = readme.splitlines()
    positions = [i for i, line in enumerate(lines) if line == marker]
    assert len(positions) == 1, f"README.md must have exactly one line {marker!r}, has {len(positions)}"
    i = positions[0] + 1
    assert lines[i] == "```sh", f"the line after {marker!r} must be ```sh, is {lines[i]!r}"
    end = lines.index("```", i + 1)
    return lines[i + 1 : end]


def readme_command(marker: str) -> str:
    block = marked_block((ROOT / "README.md").read_text(encoding="utf-8"), marker)
    assert len(block) == 1, f"the block after {marker!r} must be one line, is {block!r}"
    return block[0]


def ci_print_test_command(ci_run: Path = CI_RUN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ci_run), "--print-test-command"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# --- README and .ci/run ---------------------------------------------------------


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    result = ci_print_test_command()
    assert result.returncode == 0, result.stderr
    assert result.stdout == readme_command(MARKER) + "\n"


def test_readme_commands_install_from_the_lock_with_the_313_build_flag() -> None:
    test_command = readme_command(MARKER)
    run_command = readme_command("<!-- run-command -->")
    for command in (test_command, run_command):
        assert " -c constraints.txt " in command
        assert BUILD_FLAG in command
        # a wheel built earlier without the flag must not be reused from pip's cache
        assert "--no-cache-dir" in command
    assert test_command.endswith("&& python -m pytest")
    assert run_command.endswith("&& forecast scenarios/heavy_fighting.yaml")


@pytest.mark.parametrize(
    "readme",
    [
        pytest.param("no marker\n```sh\necho hi\n```\n", id="no-marker"),
        pytest.param(f"{MARKER}\n```sh\necho a\n```\n{MARKER}\n```sh\necho b\n```\n", id="two-markers"),
        pytest.param(f"{MARKER}\n```sh\necho a\necho b\n```\n", id="two-lines"),
        pytest.param(f"{MARKER}\n```\necho a\n```\n", id="not-sh"),
        pytest.param(f"{MARKER}\n```sh\necho a\n", id="unterminated"),
    ],
)
def test_ci_refuses_an_ambiguous_readme(tmp_path: Path, readme: str) -> None:
    (tmp_path / ".ci").mkdir()
    shutil.copy(CI_RUN, tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    result = ci_print_test_command(tmp_path / ".ci" / "run")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "README.md" in result.stderr


def test_ci_extracts_a_well_formed_block(tmp_path: Path) -> None:
    (tmp_path / ".ci").mkdir()
    shutil.copy(CI_RUN, tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(f"text\n```sh\nnot this\n```\n{MARKER}\n```sh\necho 'a b' && true\n```\n", encoding="utf-8")
    result = ci_print_test_command(tmp_path / ".ci" / "run")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "echo 'a b' && true\n"


def test_ci_fails_clearly_when_no_interpreter_is_found() -> None:
    result = subprocess.run(
        ["bash", str(CI_RUN)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "CI_PYTHONS": "9.97 9.98"},
    )
    assert result.returncode == 1
    assert "none of Python 9.97 9.98 was found" in result.stderr


# --- constraints.txt ----------------------------------------------------------

Pin = tuple[str, str, str]  # name, version, marker ("" for none)


def pins() -> list[Pin]:
    found = []
    for number, raw in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", requirement.strip())
        assert match, f"constraints.txt:{number}: not an exact pin `name==version`: {raw!r}"
        found.append((normalise(match.group(1)), match.group(2), marker.strip()))
    return found


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def marker_holds(marker: str, python: tuple[int, int, int]) -> bool:
    """Evaluate a PEP 508 marker for CPython `python` on Linux (the forms uv writes)."""
    if not marker:
        return True
    environment = {
        "python_version": f"{python[0]}.{python[1]}",
        "python_full_version": ".".join(map(str, python)),
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "platform_machine": "x86_64",
    }
    compare = {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }

    def one(match: re.Match[str]) -> str:
        variable, operator, value = match.groups()
        assert variable in environment, f"marker variable {variable!r} unknown to this test: {marker!r}"
        actual: object = environment[variable]
        expected: object = value
        if variable.startswith("python_"):
            actual, expected = version_tuple(environment[variable]), version_tuple(value)
        return str(compare[operator](actual, expected))

    expression = re.sub(r"(\w+)\s*(==|!=|<=|>=|<|>)\s*'([^']*)'", one, marker)
    assert re.fullmatch(r"[\s()]*(True|False)([\s()]*(and|or)[\s()]*(True|False))*[\s()]*", expression), (
        f"marker this test cannot evaluate: {marker!r}"
    )
    return bool(eval(expression, {"__builtins__": {}}))  # only True/False/and/or/parentheses remain


def declared_packages() -> set[str]:
    project = pyproject()["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return {requirement_name(r) for r in requirements}


def test_the_marker_evaluator_can_say_no() -> None:
    assert marker_holds("python_full_version < '3.12'", (3, 11, 7))
    assert not marker_holds("python_full_version < '3.12'", (3, 12, 0))
    assert not marker_holds("sys_platform == 'win32'", (3, 13, 0))
    assert marker_holds("python_version >= '3.9' and (sys_platform == 'win32' or os_name == 'posix')", (3, 13, 0))


def test_constraints_pin_every_declared_package_once_per_supported_python() -> None:
    all_pins = pins()
    declared = declared_packages()
    assert {"durable-rules", "pydantic", "pytest", "problog", "matplotlib"} <= declared
    for minor in SUPPORTED:
        for patch in (0, 9):
            python = (*minor, patch)
            applicable = [(name, version) for name, version, marker in all_pins if marker_holds(marker, python)]
            names = [name for name, _ in applicable]
            missing = declared - set(names)
            assert not missing, f"not pinned in constraints.txt for Python {python}: {sorted(missing)} (run scripts/lock)"
            repeated = sorted({name for name in names if names.count(name) > 1})
            assert not repeated, f"pinned more than once for Python {python}: {repeated}"


def test_durable_rules_pin_matches_pyproject() -> None:
    (durable,) = [r for r in pyproject()["project"]["dependencies"] if requirement_name(r) == "durable-rules"]
    assert [v for name, v, _ in pins() if name == "durable-rules"] == [durable.split("==")[1].strip()]


def test_constraints_say_how_to_regenerate_them() -> None:
    header = (ROOT / "constraints.txt").read_text(encoding="utf-8").split("\n\n")[0]
    assert "scripts/lock" in header
    lock = ROOT / "scripts" / "lock"
    assert lock.stat().st_mode & 0o111, "scripts/lock must be executable"
    assert "uv pip compile" in lock.read_text(encoding="utf-8")


# --- requires-python and classifiers -------------------------------------------


def allows(requires_python: str, version: tuple[int, int, int]) -> bool:
    ok = True
    for clause in requires_python.split(","):
        match = re.fullmatch(r"\s*(>=|<=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*", clause)
        assert match, f"requires-python clause this test cannot read: {clause!r}"
        operator, bound_text = match.groups()
        bound = version_tuple(bound_text)
        here = version[: len(bound)] if operator in ("==", "!=") else version
        ok = (
            ok
            and {
                ">=": here >= bound,
                "<=": here <= bound,
                ">": here > bound,
                "<": here < bound,
                "==": here == bound,
                "!=": here != bound,
            }[operator]
        )
    return ok


def allowed_minors(requires_python: str, candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [minor for minor in candidates if any(allows(requires_python, (*minor, patch)) for patch in range(30))]


def test_the_version_reader_can_say_no() -> None:
    assert allowed_minors(">=3.11,<3.13", [(3, 11), (3, 12), (3, 13), (3, 14)]) == [(3, 11), (3, 12)]
    assert allowed_minors(">=3.12.4", [(3, 11), (3, 12)]) == [(3, 12)]


def test_requires_python_covers_the_supported_versions() -> None:
    requires_python = pyproject()["project"]["requires-python"]
    assert allowed_minors(requires_python, SUPPORTED) == SUPPORTED


def test_classifiers_name_exactly_the_allowed_versions() -> None:
    project = pyproject()["project"]
    classified = sorted(
        version_tuple(c.rsplit("::", 1)[1].strip())
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    candidates = [(3, 11), (3, 12), (3, 13), (3, 14)]
    assert classified == allowed_minors(project["requires-python"], candidates)


def test_the_readme_layout_table_matches_the_folders() -> None:
    """Every path the README's "How it works" table names exists, and every part of engine/ is named."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it works", 1)[1].split("\n## ", 1)[0]
    named = {
        path
        for row in section.splitlines()
        if row.startswith("| `engine/")
        for path in re.findall(r"`(engine/[^`]*)`", row.split(" | ")[0])
    }
    assert named, "the table names no path"
    for path in named:
        assert (ROOT / path).exists(), f"the README names {path}, which does not exist"
    parts = {
        f"engine/{entry.name}" + ("/" if entry.is_dir() else "")
        for entry in (ROOT / "engine").iterdir()
        if entry.name not in ("__init__.py", "__main__.py", "__pycache__")
    }
    assert parts == named, f"not in the table: {sorted(parts - named)}; gone: {sorted(named - parts)}"
