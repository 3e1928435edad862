"""The icd203 and kent lexicons ship inside the engine package: a rule base needs no lexicons/ folder."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

from engine.load.rulebase import BUILT_IN_LEXICONS, load_rule_base

ROOT = Path(__file__).resolve().parent.parent


def test_a_base_without_lexicons_reads_unlikely_as_20_to_45(tmp_path: Path) -> None:
    for folder in ("rules", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.rmtree(tmp_path / "rules" / "lexicons")
    rule_base = load_rule_base(tmp_path / "rules")
    assert sorted(rule_base.lexicons) == ["icd203", "kent", "literal"]
    reading = rule_base.lexicon().reading("unlikely")
    assert rule_base.lexicon().name == "icd203"
    assert reading is not None and (reading.low, reading.high) == (Fraction(1, 5), Fraction(9, 20))
    assert rule_base.lexicon().reading("may") is not None and rule_base.lexicon().reading("seems") is None


def test_the_packaged_lexicons_are_package_data() -> None:
    assert sorted(path.name for path in BUILT_IN_LEXICONS.glob("*.yaml")) == ["icd203.yaml", "kent.yaml"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'engine = ["lexicons/*.yaml"]' in pyproject
