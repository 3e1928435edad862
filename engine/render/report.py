"""What every renderer of a forecast needs: the report, and the words shared by each format.

The JSON form is a versioned contract (docs/json.md); the text form is for a
terminal; the Markdown form is for a report, with a Mermaid graph of the
reasoning per question. Every renderer is a pure function of the report:
same input, same bytes. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.language import describe_conclusion
from engine.model import Between, ChanceRange, Chances, ExpertKind, Input, RuleBase, Scenario
from engine.records import record
from engine.render.odds import hedge_text, percent
from engine.resolve.expectations import Mismatch
from engine.resolve.odds import Figure, Probabilities, QuestionOdds, StanceOdds
from engine.resolve.results import Forecast, QuestionResult, Stance

if TYPE_CHECKING:  # only `--why-not` loads the explaining package
    from engine.explore.whynot import WhyNot

WIDTH = 100
"""The width of text output when nothing says otherwise (a pipe, a file)."""


@record
class Report:
    """What a renderer needs: the forecast, its probabilities, and where they came from.

    `forecast` (the verdicts, stances and traces) exists for a
    certain scenario only; `odds` for every scenario the CLI runs.
    """

    scenario: Scenario
    scenario_path: str
    rules_path: str
    rule_base: RuleBase
    forecast: Forecast | None
    unmet: tuple[Mismatch, ...]
    questions: tuple[str, ...] = ()
    odds: Probabilities | None = None
    width: int = WIDTH
    """The text form's line width (the command line follows the terminal; a pipe gets `WIDTH`)."""
    colour: bool = False
    """Whether the text form may colour stances, conflicts and assumptions (on a terminal only)."""
    brief: bool = False
    """The summary alone: one line per question."""
    why_not: tuple[tuple[str, WhyNot], ...] | None = None
    """With `--why-not`: each question's silent rules of the experts who spoke on it, explained."""

    @property
    def shown_ids(self) -> tuple[str, ...]:
        """The questions shown, in vocabulary order: those asked for with -q, else all."""
        return tuple(question for question in self.rule_base.vocabulary.questions if not self.questions or question in self.questions)

    @property
    def shown(self) -> tuple[QuestionResult, ...]:
        """The shown questions' results (a certain scenario's)."""
        if self.forecast is None:
            return ()
        return tuple(result for result in self.forecast.questions if result.id in self.shown_ids)

    def odds_of(self, question: str) -> QuestionOdds | None:
        return self.odds.question(question) if self.odds is not None else None

    def verdict_words(self, result: QuestionResult) -> str:
        """A certain scenario's verdict on a question in words; where a hedged link leaves it open, how likely each status is."""
        from engine.render.verdicts import statuses_text, verdict_text

        odds = self.odds_of(result.id)
        if odds is not None and odds.verdict is None:
            return f"{statuses_text(odds.statuses)} (a hedged link in the chain leaves it open)"
        return verdict_text(result.scale, result.verdict)

    def stance_odds(self, question: str, expert: str) -> StanceOdds | None:
        found = self.odds_of(question)
        return next((stance for stance in found.stances if stance.expert == expert), None) if found else None


def outcomes_text(outcomes: Sequence[str]) -> str:
    return " | ".join(outcomes) if outcomes else "(none)"


def hedges_text(stance: Stance, rule_base: RuleBase) -> str:
    """Without probabilities: each hedge of the stance's rules with the event it rates, `P(withdraw) "unlikely"`."""
    rules = [rule_base.rule(rule_id) for rule_id in stance.rules]
    said = dict.fromkeys(hedge_text(rule.hedge, rule_base.rated_event(rule), describe_conclusion(rule.then)) for rule in rules)
    if any(said):
        return "; ".join(words for words in said if words)
    return "assumed" if rule_base.experts[stance.expert].kind is ExpertKind.ANALYST else "stated as fact"


def input_text(given: Input) -> str:
    """An input as a person reads it: `true`, `high 70% / moderate 20% / low 10%`, `likely (55-80%)`."""
    from engine.language import show_plain

    if isinstance(given, ChanceRange):
        return f"{given.word} ({percent(Figure(float(given.low), float(given.high)))})"
    if isinstance(given, Between):
        return f"{given.low} to {given.high} (equally likely)"
    if isinstance(given, Chances):
        return " / ".join(
            f"{show_plain(value)} {percent(Figure(float(weight), float(weight)))}"
            for value, weight in zip(given.values, given.weights, strict=True)
        )
    return show_plain(given)


def silent_everywhere(table: dict[str, Figure] | None) -> bool:
    """Whether a table of bounds says nothing at all: every outcome from 0 to 100%."""
    return table is None or all(figure.low == 0 and figure.high == 1 for figure in table.values())
