"""The cache of validated rule bases: faster, never different.

Each test gives the cache a directory of its own (`FORECAST_CACHE_DIR`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.load import cache
from engine.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
FORMATS = ("text", "json", "markdown")


def forecast(*args: str | Path, cache_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    """The installed command in a fresh process, with its cache in `cache_dir`."""
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-m", "engine", *map(str, args)], cwd=cwd, env=env, capture_output=True, check=False)


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
    return sorted(directory.glob("*.json"))


def test_output_is_byte_identical_with_and_without_the_cache(cache_dir: Path) -> None:
    """Every shipped scenario in every format: uncached, a cache miss and a cache hit give the same bytes."""
    from engine.render.report import Report, renderer
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
        "from engine.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "watched = ('pydantic', 'hypothesis')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in watched or name.startswith('engine.load.')))\n"
    )
    env = {**os.environ, "FORECAST_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    miss, hit = (run.stdout.splitlines()[-1] for run in runs)
    assert "'pydantic'" in miss and "'engine.load.surface'" in miss
    assert hit == "['engine.load.cache', 'engine.load.scenario', 'engine.load.yamlfile']"


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
    assert len(entries(cache_dir)) == 2


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


@pytest.mark.parametrize("damage", ["truncated", "garbled", "not-json", "wrong-shape", "empty"])
def test_a_corrupt_entry_is_rebuilt_silently(cache_dir: Path, damage: str) -> None:
    first = forecast("scenarios/heavy_fighting.yaml", cache_dir=cache_dir)
    (entry,) = entries(cache_dir)
    raw = entry.read_bytes()
    header, _, body = raw.partition(b"\n")
    damaged = {
        "truncated": raw[: len(raw) // 2],
        "garbled": header + b"\n" + body.replace(b"withdraw", b"increase"),
        "not-json": b"\x00\xff" * 50,
        "wrong-shape": f"{cache.FORMAT} {cache.blake2b(b'[1, 2]', digest_size=32).hexdigest()}\n[1, 2]".encode(),
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
    assert cache.directory() == tmp_path / "chosen"
    monkeypatch.delenv("FORECAST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache.directory() == tmp_path / "xdg" / "forecast"


def test_the_key_follows_the_engines_own_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A change to the engine's code is a change of key: an entry made by other code is never read."""
    copy = tmp_path / "engine"
    shutil.copytree(ROOT / "engine", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "_ENGINE", copy)
    before = cache.key(ROOT / "rules", ROOT / "seeds")
    assert cache.key(ROOT / "rules", ROOT / "seeds") == before
    language = copy / "language" / "operators.py"
    language.write_text(language.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    assert cache.key(ROOT / "rules", ROOT / "seeds") != before


def test_old_entries_are_pruned(cache_dir: Path, rule_base_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    vocabulary = rule_base_copy / "rules" / "vocabulary.yaml"
    original = vocabulary.read_text(encoding="utf-8")
    for count in range(4):
        vocabulary.write_text(original + f"# edit {count}\n", encoding="utf-8")
        Engine.open(rule_base_copy / "rules")
    assert len(entries(cache_dir)) == 2
