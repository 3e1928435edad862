"""What a forecast is: per question, each expert's stance and the reasoning behind it.

A `Forecast` carries the reasoning (each stance's trace of steps); a
`ForecastSummary`, what bulk work asks for (`Engine.forecast_many` without
`trace`), carries the same outcomes, statuses and stances and no trace at
all: its stances are `StanceSummary`s, which have no `trace` to read, so code
that reads traces fails loudly on a summary instead of finding them empty.
`Forecast.summary()` gives the summary of a full forecast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from engine.language import Value
from engine.matching.matcher import Firing
from engine.model import Accepted, ExpertKind
from engine.quotes import Span
from engine.records import record
from engine.resolve.verdict import Status, Verdict

StanceStatus = Literal["stated", "self-conflict"]


@record
class MatchedCondition:
    """One condition of a fired branch, with what it matched."""

    text: str
    matched: str


@record
class Step:
    """One fired rule in a chain of reasoning."""

    rule: str
    expert: str
    expert_kind: ExpertKind
    branch: int
    conditions: tuple[MatchedCondition, ...]
    concludes: str
    hedge: str | None
    rates: tuple[str, ...] | None
    """The outcomes of the event the hedge (or the flat statement) rates; None for a rule that derives a fact."""
    quote: str | None
    seed: str | None
    span: Span | None
    context: tuple[tuple[str, Span | None], ...]
    assumption: str | None
    note: str | None

    @property
    def is_assumption(self) -> bool:
        return self.expert_kind is ExpertKind.ANALYST


@record
class Stance:
    """One speaker's stance on one question: what their fired rules conclude, and the trace behind it.

    `outcomes` is what the conclusions allow together, taken at their word
    (the words of the claims); `status` is `self-conflict` when the
    speaker's ranges admit no distribution (the verdict's reading).
    """

    expert: str
    outcomes: tuple[str, ...]
    status: StanceStatus
    rules: tuple[str, ...]
    hedges: tuple[str, ...]
    trace: tuple[Step, ...]
    accepted: Accepted | None = None
    """For a self-conflict that checks.yaml accepts: that declaration, with its reason."""

    @property
    def rests_on_assumption(self) -> bool:
        return any(step.is_assumption for step in self.trace)


@record
class QuestionResult:
    id: str
    text: str
    scale: tuple[str, ...]
    status: Status
    verdict: Verdict
    stances: tuple[Stance, ...]


@record
class Forecast:
    """Everything one scenario yields."""

    values: Mapping[str, Value]
    questions: tuple[QuestionResult, ...]
    facts: Mapping[str, tuple[str, ...]]
    firings: tuple[Firing, ...]

    def question(self, question_id: str) -> QuestionResult:
        for result in self.questions:
            if result.id == question_id:
                return result
        raise KeyError(question_id)

    def summary(self) -> ForecastSummary:
        """The same forecast without its traces: what `Engine.forecast_many` gives without `trace`."""
        return ForecastSummary(
            values=self.values,
            questions=tuple(
                QuestionSummary(
                    id=result.id,
                    text=result.text,
                    scale=result.scale,
                    status=result.status,
                    verdict=result.verdict,
                    stances=tuple(
                        StanceSummary(stance.expert, stance.outcomes, stance.status, stance.rules, stance.hedges, stance.accepted)
                        for stance in result.stances
                    ),
                )
                for result in self.questions
            ),
            facts=self.facts,
            firings=self.firings,
        )


@record
class StanceSummary:
    """One expert's stance on one question, without its trace (see `Stance`)."""

    expert: str
    outcomes: tuple[str, ...]
    status: StanceStatus
    rules: tuple[str, ...]
    hedges: tuple[str, ...]
    accepted: Accepted | None = None


@record
class QuestionSummary:
    """A question's verdict and stances, without traces (see `QuestionResult`)."""

    id: str
    text: str
    scale: tuple[str, ...]
    status: Status
    verdict: Verdict
    stances: tuple[StanceSummary, ...]


@record
class ForecastSummary:
    """What one scenario yields, without the reasoning: outcomes, statuses, stances, facts and firings."""

    values: Mapping[str, Value]
    questions: tuple[QuestionSummary, ...]
    facts: Mapping[str, tuple[str, ...]]
    firings: tuple[Firing, ...]

    def question(self, question_id: str) -> QuestionSummary:
        for result in self.questions:
            if result.id == question_id:
                return result
        raise KeyError(question_id)
