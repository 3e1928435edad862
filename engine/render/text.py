"""The forecast for a terminal: each question's outcome, the stances and the reasons, in words.

Lines wrap at the report's width (100 unless the command line says
otherwise). With the report's `colour`, the outcome and its status, each
stance's outcomes, a self-conflict and every assumption are coloured; the
words are the same either way.
"""

from __future__ import annotations

import textwrap
from typing import Any

from engine.language import show_plain
from engine.model import ExpertKind, RuleBase
from engine.render.report import Report, allows_text, hedges_text, outcomes_text, status_text
from engine.resolve.results import QuestionResult, Step

STATUS_COLOURS = {"consensus": "green", "compatible": "cyan", "conflict": "red", "no-stance": "yellow"}


class _Style:
    """Paints a piece of a line, or leaves it plain when colour is off."""

    def __init__(self, colour: bool, width: int) -> None:
        self.colour = colour
        self.width = width

    def __call__(self, text: str, **style: Any) -> str:
        if not self.colour:
            return text
        import click

        return click.style(text, **style)

    def within(self, line: str, piece: str, **style: Any) -> str:
        """`line` with its first `piece` painted (a piece that wrapping split stays plain)."""
        return line.replace(piece, self(piece, **style), 1) if piece and piece in line else line

    def fit(self, line: str, indent: str) -> list[str]:
        """`line` as it is when it fits; else wrapped, its continuation lines indented."""
        return [line] if len(line) <= self.width else self.wrap(line, indent, "")

    def wrap(self, text: str, indent: str, first: str | None = None) -> list[str]:
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=first if first is not None else indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first or indent]


def _step_text(number: int, step: Step, rule_base: RuleBase, repeat: bool, style: _Style) -> list[str]:
    """One step; a rule that fired again by another branch is not quoted twice."""
    wrap = style.wrap
    expert = rule_base.experts[step.expert]
    tag = "ASSUMPTION " if step.is_assumption else ""
    head = f"{number}. {tag}{step.rule} ({expert.name}) -> {step.concludes}"
    if step.hedge:
        head += f', hedged "{step.hedge}"'
    lines = wrap(head, "         ", "      ")
    lines[0] = style.within(lines[0], tag.strip(), fg="yellow", bold=True)
    if step.conditions:
        because = "; ".join(f"{condition.text} [{condition.matched}]" for condition in step.conditions)
    else:
        because = "stated without condition"
    lines += wrap(f"because {because}", "         ")
    if repeat:
        return lines
    if step.assumption:
        lines += wrap(f"assumes: {step.assumption}", "         ")
    if step.quote:
        where = f"{step.seed}:{step.span.start}-{step.span.end}" if step.span else str(step.seed)
        basis = "basis: " if step.is_assumption else ""
        lines += wrap(f'{basis}"{step.quote}" ({where})', "         ")
    if step.note:
        lines += wrap(f"reading: {step.note}", "         ")
    return lines


def _question_text(result: QuestionResult, rule_base: RuleBase, style: _Style) -> list[str]:
    wrap = style.wrap
    lines = wrap(f"{result.id}: {result.text}", " " * (len(result.id) + 2), "")
    lines += style.fit(f"  scale    {' < '.join(result.scale)}", " " * 11)
    outcome = f"  outcome  {outcomes_text(result.outcome)}  [{status_text(result)}]"
    if len(outcome) <= style.width:  # painted only when it is one line, as it nearly always is
        status = style(f"[{status_text(result)}]", fg=STATUS_COLOURS[result.status], bold=result.status == "conflict")
        lines.append(f"  outcome  {style(outcomes_text(result.outcome), bold=True)}  {status}")
    else:
        lines += style.fit(outcome, " " * 11)
    width = max(len(stance.expert) for stance in result.stances)
    for stance in result.stances:
        if rule_base.experts[stance.expert].kind is ExpertKind.ANALYST:
            assumed = "  (analyst's assumption)"
        elif stance.rests_on_assumption:
            assumed = "  (rests on an analyst's assumption)"
        else:
            assumed = ""
        said = wrap(
            f"{stance.expert:<{width}}  {outcomes_text(stance.outcomes)}  {hedges_text(stance, rule_base)}{assumed}",
            " " * (width + 6),
            "  ",
        )
        prefix = f"  {stance.expert:<{width}}  "
        if said[0].startswith(prefix + outcomes_text(stance.outcomes)):
            painted = style(outcomes_text(stance.outcomes), fg="red" if not stance.outcomes else "cyan", bold=True)
            said[0] = prefix + painted + said[0][len(prefix) + len(outcomes_text(stance.outcomes)) :]
        said[-1] = style.within(said[-1], assumed.strip(), fg="yellow")
        lines += said
        if stance.status == "self-conflict":
            clash = " vs ".join(f"{rule_id} ({allows_text(rule_base, rule_id, result.scale)})" for rule_id in stance.rules)
            conflict = wrap(f"SELF-CONFLICT, reported, not resolved: {clash}", " " * (width + 6), " " * (width + 4))
            conflict[0] = style.within(conflict[0], "SELF-CONFLICT", fg="red", bold=True)
            lines += conflict
            if stance.accepted is not None:
                accepted = f"accepted in checks.yaml as {stance.accepted.name}: {stance.accepted.reason}"
                lines += wrap(accepted, " " * (width + 6), " " * (width + 4))
    lines.append("  why")
    for stance in result.stances:
        lines.append(f"    {stance.expert}:")
        shown: set[str] = set()
        for number, step in enumerate(stance.trace, start=1):
            lines += _step_text(number, step, rule_base, step.rule in shown, style)
            shown.add(step.rule)
    return lines


def render_text(report: Report) -> str:
    """A terminal-friendly report: each question's outcome, stances and reasons."""
    style = _Style(report.colour, report.width)
    wrap = style.wrap
    rule_base = report.rule_base
    lines = [f"{report.scenario.name}  ({report.scenario_path})"]  # the heading, never broken
    if report.scenario.description:
        lines += wrap(report.scenario.description.strip(), "")
    values = ", ".join(f"{name}={show_plain(report.forecast.values[name])}" for name in rule_base.vocabulary.variables)
    lines += wrap(f"given: {values}", "       ", "")
    silent: list[str] = []
    for result in report.shown:
        if not result.stances:
            silent.append(result.id)
            continue
        lines.append("")
        lines += _question_text(result, rule_base, style)
    if silent:
        lines.append("")
        lines += wrap(f"no stance: {', '.join(silent)}", "           ", "")
    if report.scenario.expect:
        lines.append("")
        if report.unmet:
            lines.append(f"expectations: {len(report.unmet)} of the scenario's expectations not met")
            lines += [line for item in report.unmet for line in style.fit(f"  {item}", "    ")]
        else:
            count = len(report.scenario.expect)
            lines.append(f"expectations: all met ({count} question{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"
