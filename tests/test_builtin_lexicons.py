"""The icd203 and kent lexicons ship inside the engine package: a rule base needs no lexicons/ folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import Invoke

from engine.errors import InputError
from engine.load.lexicons import BUILT_IN_LEXICONS, built_in, left_out
from engine.load.rulebase import load_rule_base
from engine.load.validate import problems
from engine.pipeline import Engine
from engine.render.listing import listing

ROOT = Path(__file__).resolve().parent.parent


def test_a_base_without_lexicons_reads_unlikely_as_20_to_45(tmp_path: Path) -> None:
    for folder in ("rules", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.rmtree(tmp_path / "rules" / "lexicons")
    rule_base = load_rule_base(tmp_path / "rules")
    assert sorted(rule_base.lexicons) == ["icd203", "literal"], "kent, not chosen, reads not 'seems': left out"
    assert "seems" in left_out("kent", rule_base)
    reading = rule_base.lexicon().reading("unlikely")
    assert rule_base.lexicon().name == "icd203"
    assert reading is not None and (reading.low, reading.high) == (Fraction(1, 5), Fraction(9, 20))
    assert rule_base.lexicon().reading("may") is not None and rule_base.lexicon().reading("seems") is None


def test_the_packaged_lexicons_are_package_data() -> None:
    assert sorted(path.name for path in BUILT_IN_LEXICONS.glob("*.yaml")) == ["icd203.yaml", "kent.yaml"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'engine = ["lexicons/*.yaml"]' in pyproject


def _base(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the shipped rule base whose lexicons/ holds only `files` (name: text)."""
    for folder in ("rules", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.rmtree(tmp_path / "rules" / "lexicons")
    (tmp_path / "rules" / "lexicons").mkdir()
    for name, text in files.items():
        (tmp_path / "rules" / "lexicons" / name).write_text(text, encoding="utf-8")
    return tmp_path / "rules"


WAGNER_ICD203 = (ROOT / "rules" / "lexicons" / "icd203.yaml").read_text(encoding="utf-8")
STANDARD_ICD203 = (BUILT_IN_LEXICONS / "icd203.yaml").read_text(encoding="utf-8")
REPLACING = "readings:\n  - words: [seems]\n    range: [0.5, 0.6]\n    replaces: true\n    note: n\n"


def test_an_extending_file_is_the_standard_plus_its_readings_and_the_other_built_ins_stay(tmp_path: Path) -> None:
    rule_base = load_rule_base(_base(tmp_path, {"icd203.yaml": WAGNER_ICD203}))
    assert list(rule_base.lexicons) == ["icd203", "literal"], "kent reads not the Wagner words: left out (kept below, on a base it reads)"
    icd203 = rule_base.lexicons["icd203"]
    assert (icd203.file, icd203.extends, icd203.default) == ("lexicons/icd203.yaml", "icd203", True)
    assert [reading.standard for reading in icd203.readings].count(True) == 8
    seems = icd203.reading("seems")
    assert seems is not None and not seems.standard and (seems.low, seems.high) == (Fraction(11, 20), Fraction(4, 5))
    plain = load_rule_base(_small_base(tmp_path / "small", "unlikely", {"icd203.yaml": "extends: icd203\ndefault: true\n"}))
    assert list(plain.lexicons) == ["icd203", "kent", "literal"]
    kent = plain.lexicons["kent"]
    assert (kent.file, kent.extends, kent.default) == (None, None, False)


def test_a_base_of_its_own_files_that_extend_nothing_reads_only_them() -> None:
    rule_base = load_rule_base(ROOT / "tests" / "fixtures" / "picnic" / "rules")
    assert list(rule_base.lexicons) == ["plain", "literal"]


def test_a_built_in_kept_beside_a_default_extending_file_is_no_second_default(tmp_path: Path) -> None:
    rule_base = load_rule_base(_base(tmp_path, {"wagner.yaml": WAGNER_ICD203}))
    assert [name for name, lexicon in rule_base.lexicons.items() if lexicon.default] == ["wagner"]
    assert sorted(rule_base.lexicons) == ["literal", "wagner"], "the built-ins read not the Wagner words: left out"
    assert rule_base.lexicons["wagner"].title == built_in()[0]["icd203"].title


def test_replaces_true_takes_the_words_from_the_standard(tmp_path: Path) -> None:
    text = WAGNER_ICD203 + "  - words: [unlikely]\n    range: [0.10, 0.30]\n    replaces: true\n    note: read lower here.\n"
    icd203 = load_rule_base(_base(tmp_path, {"icd203.yaml": text})).lexicons["icd203"]
    unlikely, improbable = icd203.reading("unlikely"), icd203.reading("improbable")
    assert unlikely is not None and not unlikely.standard and unlikely.high == Fraction(3, 10)
    assert improbable is not None and improbable.standard and improbable.words == ("improbable",)


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        (WAGNER_ICD203 + "  - words: [seems, likely]\n    range: [0.5, 0.6]\n    note: n\n", "readings[5].words[1]", 34, "'likely'"),
        (WAGNER_ICD203 + "  - words: [so]\n    range: [0.5, 0.6]\n    replaces: true\n    note: n\n", "readings[5].replaces", 36, "'so'"),
        (WAGNER_ICD203.replace("extends: icd203", "extends: icd230"), "extends", 5, "did you mean 'icd203'?"),
        (WAGNER_ICD203.replace("extends: icd203", "title: T\nsource: S\nterms: []"), "terms", 7, "'terms'"),
        (
            WAGNER_ICD203.replace("extends: icd203", "extends: icd203\nterms: [{words: [x], range: [0.1, 0.2]}]"),
            "terms",
            6,
            "has its terms",
        ),
        (STANDARD_ICD203 + REPLACING, "readings[0].replaces", STANDARD_ICD203.count("\n") + 4, "needs 'extends:'"),
    ],
    ids=[
        "read-by-the-standard",
        "nothing-to-replace",
        "unknown-standard",
        "no-terms-no-extends",
        "terms-and-extends",
        "replaces-no-extends",
    ],
)
def test_a_wrong_extending_file_is_one_located_error_exit_2(tmp_path: Path, text: str, key: str, line: int, words: str) -> None:
    rules = _base(tmp_path, {"icd203.yaml": text})
    with pytest.raises(InputError) as raised:
        load_rule_base(rules)
    error = raised.value
    assert error.location is not None and error.location.path.name == "icd203.yaml" and error.location.line == line
    assert (error.key or "") == key and words in str(error) and error.exit_code == 2
    result = subprocess.run(
        [sys.executable, "-m", "engine", ROOT / "scenarios" / "junta_pays.yaml", "--rules", rules, "--seeds", tmp_path / "seeds"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "FORECAST_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and f"icd203.yaml:{line}:" in result.stderr


def test_list_lexicons_says_where_each_comes_from_and_whose_readings_it_has(tmp_path: Path) -> None:
    rule_base = load_rule_base(_base(tmp_path, {"icd203.yaml": WAGNER_ICD203}))
    shown = listing(rule_base, "lexicons")
    rows = {row["id"]: row for row in shown.to_json()["lexicons"]}
    assert {name: (row["file"], row["extends"], row["standard_readings"], row["own_readings"]) for name, row in rows.items()} == {
        "icd203": ("lexicons/icd203.yaml", "icd203", 8, 5),
        "literal": (None, None, 0, 0),
    }
    text = shown.render_text()
    assert "lexicons/icd203.yaml extends icd203: 13 readings, 8 the standard's, 5 the base's" in text
    small = listing(load_rule_base(_small_base(tmp_path / "small", "unlikely", {})), "lexicons").render_text()
    assert "Sherman Kent's words of estimative probability: built in, 6 readings" in small
    picnic = listing(load_rule_base(ROOT / "tests" / "fixtures" / "picnic" / "rules"), "lexicons").render_text()
    assert "lexicons/plain.yaml: 3 readings, 1 the scale's, 2 the base's" in picnic


def test_a_built_in_the_base_never_chose_is_left_out_when_it_cannot_read_its_words(tmp_path: Path) -> None:
    """A new base says "roughly even odds" (ICD 203's, not Kent's): it passes with no Kent file, and --lexicon kent says why not."""
    rules = _small_base(tmp_path, "roughly even odds", {})
    rule_base = load_rule_base(rules)
    assert list(rule_base.lexicons) == ["icd203", "literal"] and problems(rule_base) == []
    with pytest.raises(InputError, match="the built-in lexicon 'kent' does not read this rule base's 'roughly even odds'"):
        Engine.from_rule_base(rule_base, matcher="compiled").lexicon("kent")
    default_lacks = load_rule_base(_small_base(tmp_path / "again", "seems", {}))
    (problem,) = [str(problem) for problem in problems(default_lacks)]
    assert "in no entry of lexicon 'icd203'" in problem and "a new lexicons/icd203.yaml that says 'extends: icd203'" in problem


def _small_base(root: Path, hedge: str, lexicons: dict[str, str]) -> Path:
    """A base of our own: one expert saying `hedge` of a cut, with its seed; `lexicons` its lexicon files (name: text)."""
    (root / "rules" / "lexicons").mkdir(parents=True)
    (root / "seeds").mkdir()
    text = f"Falk said there are {hedge} chances of a cut.\n"
    (root / "seeds" / "grid.txt").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (root / "seeds" / "grid.yaml").write_text(
        f"id: grid\nlabel: Grid\npublisher: Test\ndate: 2025-01-01\nreports: a test\ntext: grid.txt\nsha256: {digest}\n", encoding="utf-8"
    )
    (root / "rules" / "vocabulary.yaml").write_text(
        "variables:\n  cold: {type: boolean, meaning: a cold week}\n"
        "questions:\n  supply: {text: Will the power hold?, outcomes: [cuts, no_cuts]}\n",
        encoding="utf-8",
    )
    (root / "rules" / "experts.yaml").write_text("experts:\n  falk: {name: Falk, affiliation: test}\n", encoding="utf-8")
    (root / "rules" / "falk.yaml").write_text(
        "rules:\n  - id: falk.cut\n    expert: falk\n"
        f'    source: {{seed: grid, quote: "Falk said there are {hedge} chances of a cut."}}\n'
        f"    hedge: {hedge}\n    when: {{var: cold, is: true}}\n    then: {{question: supply, is: cuts}}\n",
        encoding="utf-8",
    )
    for name, written in lexicons.items():
        (root / "rules" / "lexicons" / name).write_text(written, encoding="utf-8")
    return root / "rules"


def test_a_built_wheel_carries_the_built_in_lexicons(tmp_path: Path) -> None:
    """The wheel pip builds from the project holds engine/lexicons/*.yaml: an installed forecast has its standards.

    Built from a copy of the project (pyproject.toml, README.md, engine/), so
    nothing is written into the source tree. Building without isolation needs
    setuptools in the environment, at least the version pyproject.toml's
    build-system asks (77, for the licence expression); `pip install -e
    '.[test]'` brings none on Python 3.12 and an older one on 3.11, so
    without it the test is skipped and says why.
    """
    setuptools = pytest.importorskip("setuptools", reason="building the wheel needs setuptools in this environment: pip install setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(
            f"building the wheel needs setuptools >= 77 (pyproject.toml's build-system), this environment has {setuptools.__version__}"
        )
    source = tmp_path / "project"
    shutil.copytree(ROOT / "engine", source / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist", source],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("forecast-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        carried = sorted(name for name in archive.namelist() if name.startswith("engine/lexicons/"))
    assert carried == ["engine/lexicons/icd203.yaml", "engine/lexicons/kent.yaml"]


def test_check_reads_the_scenarios_in_nested_folders_as_test_runs_them(tmp_path: Path, forecast_cli: Invoke) -> None:
    """A scenario in scenarios/deep/ with a mistake: `check` names its file, line and key (it used to read the top folder only)."""
    rules = _small_base(tmp_path, "roughly even odds", {})
    (tmp_path / "scenarios" / "deep").mkdir(parents=True)
    (tmp_path / "scenarios" / "deep" / "cold.yaml").write_text("name: Cold\nvariables:\n  cold: yes\n", encoding="utf-8")
    result = forecast_cli("check", "--rules", rules)
    assert result.exit_code == 1
    assert f"{tmp_path / 'scenarios' / 'deep' / 'cold.yaml'}:3:3: variables.cold: expected true or false" in result.stdout
    assert "1 problem in 1 rule" in result.stdout and "1 scenario" in result.stdout
