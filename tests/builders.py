"""Build parts of a rule base in tests from the written form, exactly as the loader does."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from engine import language, model
from engine.load import convert, surface

_CONDITION: TypeAdapter[Any] = TypeAdapter(surface.Condition)


def vocabulary(written: dict[str, Any]) -> model.Vocabulary:
    """A vocabulary from its YAML-shaped data."""
    return convert.vocabulary(surface.Vocabulary.model_validate(written))


def condition(written: dict[str, Any]) -> language.Condition:
    """A condition from its written form, e.g. `{"var": "n", "at_least": 3}`."""
    return convert.condition(_CONDITION.validate_python(written))


def rule(rule_id: str, when: dict[str, Any] | None, then: dict[str, Any], **fields: Any) -> model.Rule:
    """A rule of expert `rule_id`'s prefix, from its written `when` and `then` (and any other key)."""
    written = surface.Rule.model_validate({"id": rule_id, "expert": rule_id.split(".")[0], "when": when, "then": then, **fields})
    return convert.rule(written)


def invariant(written: dict[str, Any]) -> model.Invariant:
    return convert.checks(surface.ChecksFile.model_validate({"invariants": [written]})).invariants[0]


def accepted(written: dict[str, Any]) -> model.Accepted:
    return convert.checks(surface.ChecksFile.model_validate({"accepted": [written]})).accepted[0]


def checks(written: dict[str, Any]) -> model.Checks:
    """checks.yaml's invariants and acceptances from their written form."""
    return convert.checks(surface.ChecksFile.model_validate(written))


def rule_base(
    written: dict[str, Any], rules: tuple[model.Rule, ...], lexicon: model.Lexicon, checks: model.Checks | None = None
) -> model.RuleBase:
    """A rule base of experts (every speaker a rule names, `kind: expert`) with one default lexicon, and `literal`, as loaded."""
    from pathlib import Path

    experts = {name: model.Expert(name.title(), "tests") for name in dict.fromkeys(rule.expert for rule in rules)}
    return model.RuleBase(
        directory=Path("."),
        vocabulary=vocabulary(written),
        experts=experts,
        rules=rules,
        seeds={},
        checks=checks or model.Checks(),
        lexicons={lexicon.name: lexicon, model.LITERAL.name: model.LITERAL},
    )
