"""The figures of a probabilistic forecast, as plain records: what `engine.resolve.probability` gives.

A `Figure` is one probability, a point or a range, with standard errors
when it was estimated. `Probabilities` holds every figure of one scenario's
forecast: how likely each rule is to fire and each fact to be derived, and
for each question (`QuestionOdds`) each expert's claims (`ClaimOdds`), how
often he speaks and his bounds on each outcome (`StanceOdds`), the experts'
bounds together and pooled, and how likely each status of the set view is.
`Said` is what one set of firings means for one question, in the `Span`s
the figures are mixed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from engine.model import Lexicon, Reading
from engine.records import record
from engine.resolve.verdict import Verdict

Method = Literal["exact", "monte-carlo"]


@record
class Figure:
    """A probability: exact when `low == high`, else a range; with standard errors when estimated."""

    low: float
    high: float
    se_low: float | None = None
    se_high: float | None = None

    @property
    def point(self) -> bool:
        return self.low == self.high


@record
class ClaimOdds:
    """What one stance rule says of its rated event, and how likely it is to speak."""

    rule: str
    event: tuple[str, ...]
    words: str
    hedged: bool
    reading: Reading
    fires: Figure
    assumed: Figure | None = None
    """How likely the rule fires resting on an analyst's assumption (see `Fired`); None for one certain scenario, whose trace says."""


@record
class StanceOdds:
    """One expert on one question: the claims, how often they speak, and the bounds on every outcome.

    `events` bounds the probability of each event the claims rate (a set of
    outcomes, which per-outcome bounds cannot give); like `bounds`, it counts
    the scenarios where the expert is silent as 0 to 1.
    """

    expert: str
    claims: tuple[ClaimOdds, ...]
    speaks: Figure
    conflict: Figure
    bounds: Mapping[str, Figure] | None
    """None when the expert's ranges admit no distribution in every scenario where he speaks."""
    events: Mapping[tuple[str, ...], Figure]
    clash: Figure
    """How likely the expert's own rules allow no outcome together (the set view's self-conflict)."""


@record
class QuestionOdds:
    id: str
    scale: tuple[str, ...]
    stances: tuple[StanceOdds, ...]
    together: Mapping[str, Figure] | None
    conflict: Figure
    conflicting: tuple[str, ...]
    pooled: Mapping[str, Figure] | None
    weights: Mapping[str, float]
    statuses: Mapping[str, Figure]
    """How likely each status of the verdict is (engine.resolve.verdict.STATUSES)."""
    favours: Mapping[tuple[str, ...], Figure]
    """How likely the verdict favours each event (what `agree` agrees on, or what `one voice` favours)."""
    verdict: Verdict | None = None
    """The one verdict, when every scenario the inputs leave open gives the same (a certain scenario)."""


@record
class Probabilities:
    """Every figure of one scenario's forecast, read with one lexicon."""

    lexicon: Lexicon
    method: Method
    samples: int | None
    seed: int | None
    rules: Mapping[str, Figure]
    facts: Mapping[str, Figure]
    questions: tuple[QuestionOdds, ...]

    def question(self, question_id: str) -> QuestionOdds:
        return next(result for result in self.questions if result.id == question_id)


Span = tuple[float, float]
"""An outcome's lower and upper bound as floats, for mixing."""


@record
class Said:
    """What one set of firings of a question's stance rules means for it."""

    experts: Mapping[str, dict[str, Span] | None]
    """Each speaking expert's bounds (None: his ranges admit no distribution)."""
    together: dict[str, Span] | None
    """Every claim at once: the silent bounds when nobody speaks, None on a conflict."""
    conflicting: tuple[str, ...]
    status: str
    """The verdict's status."""
    clashes: frozenset[str]
    """The speakers whose own ranges admit no distribution (a self-conflict)."""
    pooled: dict[str, Span] | None
    """The pool over the experts who gave a number; None when none did."""
    verdict: Verdict
