"""The consistency check's view of likelihoods: probabilistic self-conflicts and lexicon sensitivity.

A probabilistic self-conflict: in some scenario, one expert's fired rules,
their hedges read with a lexicon, give ranges that no distribution over
the question's outcomes meets ("unlikely to pull out", P(withdraw) 20-45%,
beside "almost no chance of a pull-out", 1-5%), although the outcomes they
allow overlap. Each lexicon is checked, since each reads the words
differently. Where the outcomes do not overlap, that is the self-conflict
the search reports already, and it is not reported twice.

Lexicon sensitivity is found without a search: a conclusion's direction is
whether its hedge, read with a lexicon, puts its rated event above even
odds (likely), below them (unlikely), or neither (a range across 50%, or
no number at all). A conclusion whose direction differs between lexicons
depends on how its words are read, not only on what was said.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

from engine.language import StanceClaim
from engine.model import Reading, Rule, RuleBase
from engine.pipeline import Engine
from engine.render.odds import percent, rated_text
from engine.resolve.odds import Figure

Direction = Literal["likely", "unlikely", "either way"]


def direction(reading: Reading) -> Direction:
    """Where a reading puts its event against even odds."""
    if reading.low is None or reading.high is None:
        return "either way"
    if reading.low > 0.5:
        return "likely"
    if reading.high < 0.5:
        return "unlikely"
    return "either way"


def _range(reading: Reading) -> str:
    if reading.low is None or reading.high is None:
        return "no number"
    return percent(Figure(float(reading.low), float(reading.high)))


def readings(rule_base: RuleBase, rule: Rule) -> dict[str, tuple[Reading, Direction]]:
    """How each lexicon reads a stance rule's words, default lexicon first, the others by name."""
    words = rule_base.hedge_words(rule)
    ordered = sorted(rule_base.lexicons.values(), key=lambda lexicon: (not lexicon.default, lexicon.name))
    found: dict[str, tuple[Reading, Direction]] = {}
    for lexicon in ordered:
        reading = lexicon.reading(words)
        if reading is not None:
            found[lexicon.name] = (reading, direction(reading))
    return found


def rated_rules(rule_base: RuleBase) -> Iterator[Rule]:
    """The stance rules whose words some lexicon reads: the conclusions with a likelihood."""
    for rule in rule_base.rules:
        if isinstance(rule.then, StanceClaim) and rule.rated is not None:
            yield rule


def sensitive_rules(rule_base: RuleBase) -> Iterator[tuple[Rule, str]]:
    """Each conclusion whose direction changes between lexicons, with what each lexicon says."""
    for rule in rated_rules(rule_base):
        found = readings(rule_base, rule)
        if len({found_direction for _, found_direction in found.values()}) > 1:
            event = " or ".join(rule_base.rated_event(rule) or ())
            said = "; ".join(f"{name} reads {_range(reading)} ({where})" for name, (reading, where) in found.items())
            words = f'"{rule_base.hedge_words(rule)}"'
            yield rule, f"{rule.id} rates {rated_text(event, words)}: {said}"


def conflicts(engine: Engine, fired: Iterable[str]) -> Iterator[tuple[str, str, str, tuple[str, ...], str]]:
    """Every probabilistic self-conflict of a set of fired rules: (lexicon, question, expert, rules, what they say)."""
    fired = frozenset(fired)
    rule_base = engine.rule_base
    for lexicon in sorted(rule_base.lexicons.values(), key=lambda lexicon: (not lexicon.default, lexicon.name)):
        estimator = engine.estimator(lexicon.name)
        for question in rule_base.vocabulary.questions:
            said = estimator.said(question, fired)
            for expert, bounds in said.experts.items():
                if bounds is not None:
                    continue
                rules = tuple(
                    sorted(rule_id for rule_id in fired & estimator.stance_rules[question] if rule_base.rule(rule_id).expert == expert)
                )
                claims = []
                for rule_id in rules:
                    rule = rule_base.rule(rule_id)
                    reading = lexicon.reading(rule_base.hedge_words(rule))
                    assert reading is not None
                    event = " or ".join(rule_base.rated_event(rule) or ())
                    words = f'"{rule.hedge}"' if rule.hedge else rule_base.hedge_words(rule)
                    low, high = reading.low, reading.high
                    chance = Figure(float(low), float(high)) if low is not None and high is not None else None
                    claims.append(f"{rule_id} puts {rated_text(event, words, chance)}")
                yield lexicon.name, question, expert, rules, "; ".join(claims)
