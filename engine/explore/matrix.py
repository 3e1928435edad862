"""A stance matrix: each expert's claims and view on each question, in one or several scenarios.

Each cell of a certain scenario holds an expert's claims (each rule's words
with the event they rate and the lexicon's reading of them) and his view:
what he favours, or his self-conflict when his ranges admit no distribution.
In an uncertain scenario an expert has no single view: the cell holds each
claim that may apply, with how likely it applies. Each scenario also has,
per question, its verdict (certain), or the chance of each status (uncertain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from engine.model import ExpertKind, Reading, Scenario
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.odds import Figure, Probabilities
from engine.resolve.verdict import Verdict, View


@record
class Claim:
    """One rule's say: the event its words rate, the words, the lexicon's reading of them, and how likely it applies."""

    rule: str
    event: tuple[str, ...]
    words: str
    hedged: bool
    """Whether the words are the expert's hedge (else: stated as fact, or the analyst's assumption)."""
    reading: Reading
    fires: Figure


@record
class StanceCell:
    """An expert on a question in one scenario: the claims, and the view they make (None in an uncertain scenario)."""

    view: View | None
    claims: tuple[Claim, ...]
    counted: bool = True
    """Whether the verdict counts him: false for a partisan source or the analyst, whose views are reported apart."""

    @property
    def self_conflict(self) -> bool:
        """The expert's ranges admit no distribution (the verdict's reading)."""
        return self.view is not None and self.view.bounds is None


@record
class OutcomeCell:
    """A question in one scenario: its verdict (certain), or each status's chance (uncertain)."""

    verdict: Verdict | None
    statuses: Mapping[str, Figure]

    @property
    def status(self) -> str | None:
        return self.verdict.status if self.verdict is not None else None


@record
class MatrixScenario:
    name: str
    path: str
    certain: bool
    stances: Mapping[tuple[str, str], StanceCell]
    """(expert, question) -> the cell, for every expert who speaks (or may) on the question."""
    outcomes: Mapping[str, OutcomeCell]


@record
class Matrix:
    """Scenarios, the questions shown, and the experts who speak on one of them in one of the scenarios."""

    scenarios: tuple[MatrixScenario, ...]
    questions: tuple[str, ...]
    experts: tuple[str, ...]


def _claims(engine: Engine, odds: Probabilities, question: str, expert: str) -> tuple[Claim, ...]:
    stance = next((found for found in odds.question(question).stances if found.expert == expert), None)
    if stance is None:
        return ()
    return tuple(
        Claim(claim.rule, claim.event, claim.words, claim.hedged, claim.reading, claim.fires)
        for claim in stance.claims
        if claim.fires.high > 0
    )


def matrix_of(
    engine: Engine,
    scenarios: Sequence[tuple[str, Scenario]],
    questions: Iterable[str] | None = None,
    experts: Iterable[str] | None = None,
    *,
    lexicon: str | None = None,
) -> Matrix:
    """The matrix of some scenarios (each with the path it was read from), for `questions` and `experts` (default: all)."""
    asked = tuple(questions) if questions else tuple(engine.vocabulary.questions)
    wanted = set(experts) if experts else None
    rows = []
    speaking: set[str] = set()
    for path, scenario in scenarios:
        forecast, odds = engine.forecast_scenario(scenario, lexicon=lexicon)
        stances: dict[tuple[str, str], StanceCell] = {}
        outcomes: dict[str, OutcomeCell] = {}
        for question in asked:
            question_odds = odds.question(question)
            statuses = {status: figure for status, figure in question_odds.statuses.items() if figure.high > 0}
            if forecast is not None:
                result = forecast.question(question)
                outcomes[question] = OutcomeCell(result.verdict, statuses)
                views = {**result.verdict.others, **result.verdict.views}
                said: dict[str, View | None] = {stance.expert: views[stance.expert] for stance in result.stances}
            else:
                outcomes[question] = OutcomeCell(None, statuses)
                said = {stance.expert: None for stance in question_odds.stances if stance.speaks.high > 0}
            for expert, view in said.items():
                if wanted is not None and expert not in wanted:
                    continue
                counted = engine.rule_base.experts[expert].kind is ExpertKind.EXPERT
                stances[(expert, question)] = StanceCell(view, _claims(engine, odds, question, expert), counted)
                speaking.add(expert)
        rows.append(MatrixScenario(scenario.name, path, scenario.certain, stances, outcomes))
    shown = [expert for expert in engine.rule_base.experts if expert in speaking]
    if wanted is not None:
        shown = [expert for expert in engine.rule_base.experts if expert in wanted]
    return Matrix(scenarios=tuple(rows), questions=asked, experts=tuple(shown))
