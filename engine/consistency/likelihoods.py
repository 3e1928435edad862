"""The consistency check's view of likelihoods: lexicon sensitivity.

Lexicon sensitivity is found without a search: a conclusion's direction is
whether its hedge, read with a lexicon, puts its rated event above even
odds (likely), below them (unlikely), or neither (a range across 50%, or
no number at all). A conclusion whose direction differs between lexicons
depends on how its words are read, not only on what was said. The
`literal` lexicon is left out: it reads no words, only the conclusion,
certain, and so would set every conclusion apart. (The verdicts under each
lexicon, `literal` included, are `engine.consistency.verdicts`'.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from engine.language import StanceClaim
from engine.model import Reading, Rule, RuleBase
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
    """How each lexicon that reads words (all but `literal`) reads a stance rule's words, default lexicon first, the others by name."""
    words = rule_base.hedge_words(rule)
    ordered = sorted(rule_base.lexicons.values(), key=lambda lexicon: (not lexicon.default, lexicon.name))
    found: dict[str, tuple[Reading, Direction]] = {}
    for lexicon in (lexicon for lexicon in ordered if not lexicon.literal):
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
