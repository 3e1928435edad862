"""What every renderer of a forecast needs: the report, and the words shared by each format.

The JSON form is a versioned contract (docs/json.md); the text form is for a
terminal; the Markdown form is for a report, with a Mermaid graph of the
reasoning per question. Every renderer is a pure function of the report:
same input, same bytes. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.language import StanceClaim, allowed
from engine.model import ExpertKind, RuleBase, Scenario
from engine.resolve.expectations import Mismatch
from engine.resolve.results import Forecast, QuestionResult, Stance


@dataclass(frozen=True)
class Report:
    """What a renderer needs: the forecast and where it came from."""

    scenario: Scenario
    scenario_path: str
    rules_path: str
    rule_base: RuleBase
    forecast: Forecast
    unmet: tuple[Mismatch, ...]
    questions: tuple[str, ...] = ()
    width: int = 100
    """The text form's line width (the command line follows the terminal; a pipe gets 100)."""
    colour: bool = False
    """Whether the text form may colour stances, conflicts and assumptions (on a terminal only)."""

    @property
    def shown(self) -> tuple[QuestionResult, ...]:
        if not self.questions:
            return self.forecast.questions
        return tuple(result for result in self.forecast.questions if result.id in self.questions)


def outcomes_text(outcomes: Sequence[str]) -> str:
    return " | ".join(outcomes) if outcomes else "(none)"


def hedges_text(stance: Stance, rule_base: RuleBase) -> str:
    if stance.hedges:
        return ", ".join(f'"{hedge}"' for hedge in stance.hedges)
    return "assumed" if rule_base.experts[stance.expert].kind is ExpertKind.ANALYST else "stated as fact"


def status_text(result: QuestionResult) -> str:
    """The status, and how many stances it rests on when one cannot agree with anyone."""
    return f"{result.status}, 1 stance" if len(result.stances) == 1 else result.status


def allows_text(rule_base: RuleBase, rule_id: str, scale: Sequence[str]) -> str:
    """What one stance rule allows on a scale."""
    then = rule_base.rule(rule_id).then
    assert isinstance(then, StanceClaim)
    return outcomes_text(allowed(then.op, then.values, scale))


def renderer(fmt: str) -> Callable[[Report], str]:
    """The renderer of a format: `text`, `json` or `markdown` (each imported only when used)."""
    if fmt == "json":
        from engine.render.jsonout import render_json

        return render_json
    if fmt == "markdown":
        from engine.render.markdown import render_markdown

        return render_markdown
    from engine.render.text import render_text

    return render_text
