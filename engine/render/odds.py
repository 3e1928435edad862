"""How probabilities are said, honestly, in every format.

- A figure known exactly (`low == high`) is one number; any other is a range,
  its low rounded down and its high rounded up, so a range is never shown as
  a point and never narrower than it is.
- A hedge is always shown with the event it rates: `P(withdraw) 20-45% "unlikely"`.
- Words that give no likelihood ("may", "could") get no number: they raise
  their event as possible, and the output says so.
- A range read from words outside the cited scale says it is the analyst's reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from engine.resolve.odds import ClaimOdds, Figure, Probabilities, StanceOdds

BAR_WIDTH = 10
_NOISE = 1e-9


def _tenths(value: float, rounding: str) -> float:
    """`value` as a percentage to one decimal place, rounded `down`, `up` or to the `nearest`."""
    scaled = value * 1000
    nearest = round(scaled)
    if abs(scaled - nearest) < _NOISE * 1000:
        scaled = nearest
    rounded = math.floor(scaled) if rounding == "down" else math.ceil(scaled) if rounding == "up" else round(scaled)
    return rounded / 10


def _number(percent: float) -> str:
    return f"{percent:.1f}".rstrip("0").rstrip(".")


def percent(figure: Figure) -> str:
    """`58.3%` for an exact figure, `20-45%` for a range."""
    if figure.point:
        return f"{_number(_tenths(figure.low, 'nearest'))}%"
    return f"{_number(_tenths(figure.low, 'down'))}-{_number(_tenths(figure.high, 'up'))}%"


def event_text(event: Sequence[str]) -> str:
    return " or ".join(event)


def rated_text(event: str, words: str, chance: Figure | None = None) -> str:
    """Words with the event they rate, the one wording of every output: `P(withdraw) "unlikely"`.

    `words` as shown (a hedge in quotes, `stated as fact` bare); with the
    `chance` an output shows, its range too: `P(withdraw) 20-45% "unlikely"`.
    """
    return f"P({event}) {percent(chance)} {words}" if chance is not None else f"P({event}) {words}"


def hedge_text(hedge: str | None, rates: Sequence[str] | None, concludes: str) -> str:
    """A rule's hedge with the event it rates, `P(withdraw) "unlikely"`, `P(curtail) "may"`; "" for a rule without one.

    `rates` are the rated event's outcomes; a rule that derives a fact
    (`rates` None) rates what it `concludes`: `P(fact x) "may"`. No number:
    an output that shows the lexicon's range shows it as it did.
    """
    if hedge is None:
        return ""
    return rated_text(event_text(rates) if rates is not None else concludes, f'"{hedge}"')


def conclusion_text(concludes: str, hedge: str | None, rates: Sequence[str] | None) -> str:
    """A rule's conclusion and its hedge with the event that rates: `russia_presence is not withdraw, P(withdraw) "unlikely"`."""
    hedged = hedge_text(hedge, rates, concludes)
    return f"{concludes}, {hedged}" if hedged else concludes


def claim_text(claim: ClaimOdds, chance: Figure | None = None) -> str:
    """What one rule says of its rated event: the range with its words, or that the words give no number.

    `chance` is the expert's figure for the event (the reading's own range when None).
    """
    event = event_text(claim.event)
    words = f'"{claim.words}"' if claim.hedged else claim.words
    if not claim.reading.assessed:
        return f"{event}: possible, {words} gives no likelihood" if claim.hedged else f"{event}: {words}, no likelihood given"
    assert claim.reading.low is not None and claim.reading.high is not None
    shown = chance or Figure(float(claim.reading.low), float(claim.reading.high))
    reading = "" if claim.reading.standard else " (analyst's reading)"
    return rated_text(event, words, shown) + reading


def stance_claim_text(stance: StanceOdds, claim: ClaimOdds) -> str:
    """`claim_text` with the expert's figure for the event; where his ranges admit no distribution, there is none: the reading's own."""
    return claim_text(claim, stance.events.get(claim.event) if stance.bounds is not None else None)


def assumed_text(claim: ClaimOdds) -> str:
    """Whether a claim of an uncertain scenario rests on an analyst's assumption, and how often: `` for never (or unknown)."""
    if claim.assumed is None or claim.assumed.high == 0:
        return ""
    if claim.assumed == claim.fires:
        return "rests on an analyst's assumption"
    return f"rests on an analyst's assumption in {percent(claim.assumed)} of scenarios"


def claims_text(stance: StanceOdds) -> str:
    """What an expert's claims on a question say of the events they rate, one after another."""
    return "; ".join(stance_claim_text(stance, claim) for claim in stance.claims)


def reading_text(claim: ClaimOdds) -> str:
    """The lexicon's reading of a rule's words, for a trace: what it says, and why when it is the analyst's."""
    words = f'"{claim.words}"' if claim.hedged else claim.words
    if not claim.reading.assessed:
        reason = "" if claim.reading.standard else f" (the analyst's reading: {claim.reading.note})"
        if not claim.hedged:
            return f"likelihood: none given, {event_text(claim.event)} is {words}{reason}"
        return f"likelihood: {words} gives none: {event_text(claim.event)} is possible{reason}"
    assert claim.reading.low is not None and claim.reading.high is not None
    span = percent(Figure(float(claim.reading.low), float(claim.reading.high)))
    if claim.reading.standard:
        return f"likelihood: {words} reads {span} for {event_text(claim.event)}"
    return f"likelihood: {words} reads {span} for {event_text(claim.event)}, the analyst's reading: {claim.reading.note or ''}".rstrip()


def bar(figure: Figure) -> str:
    """A small bar of tenths: `··███·····` for 20-45%."""
    cells = []
    for tenth in range(BAR_WIDTH):
        start, end = tenth / BAR_WIDTH, (tenth + 1) / BAR_WIDTH
        touched = (figure.low < end - _NOISE and figure.high > start + _NOISE) or (figure.low == figure.high and start <= figure.low < end)
        cells.append("█" if touched else "·")
    return "".join(cells)


def method_text(odds: Probabilities) -> str:
    """How the figures were found, and with which lexicon."""
    lexicon = f"likelihoods read with {odds.lexicon.title} (lexicon {odds.lexicon.name})"
    if odds.method == "exact":
        return f"{lexicon}; exact"
    largest = max(
        (error for figure in _figures(odds) for error in (figure.se_low, figure.se_high) if error is not None),
        default=0.0,
    )
    return (
        f"{lexicon}; Monte Carlo, {odds.samples:,} scenarios drawn with seed {odds.seed}, standard errors up to {largest * 100:.2f} points"
    )


def _figures(odds: Probabilities) -> list[Figure]:
    found = [*odds.rules.values(), *odds.facts.values()]
    for question in odds.questions:
        for table in (question.together, question.pooled, *(stance.bounds for stance in question.stances)):
            if table:
                found += table.values()
    return found


def weights_text(weights: Mapping[str, float]) -> str:
    """`equal weights: weiss, elischer`, or each expert with his weight: `weiss 0.75, elischer 0.25`."""
    if len(set(weights.values())) <= 1:
        return f"equal weights: {', '.join(weights)}"
    return ", ".join(f"{expert} {weight:.2g}" for expert, weight in weights.items())
