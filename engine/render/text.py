"""The forecast for a terminal: each question's outcome, the stances and the reasons, in words."""

from __future__ import annotations

import textwrap

from engine.language import show_plain
from engine.model import ExpertKind, RuleBase
from engine.render.report import Report, allows_text, hedges_text, outcomes_text, status_text
from engine.resolve.results import QuestionResult, Step

WIDTH = 100


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first or indent]


def _step_text(number: int, step: Step, rule_base: RuleBase, repeat: bool) -> list[str]:
    """One step; a rule that fired again by another branch is not quoted twice."""
    expert = rule_base.experts[step.expert]
    tag = "ASSUMPTION " if step.is_assumption else ""
    head = f"{number}. {tag}{step.rule} ({expert.name}) -> {step.concludes}"
    if step.hedge:
        head += f', hedged "{step.hedge}"'
    lines = _wrap(head, "         ", "      ")
    if step.conditions:
        because = "; ".join(f"{condition.text} [{condition.matched}]" for condition in step.conditions)
    else:
        because = "stated without condition"
    lines += _wrap(f"because {because}", "         ")
    if repeat:
        return lines
    if step.assumption:
        lines += _wrap(f"assumes: {step.assumption}", "         ")
    if step.quote:
        where = f"{step.seed}:{step.span.start}-{step.span.end}" if step.span else str(step.seed)
        basis = "basis: " if step.is_assumption else ""
        lines += _wrap(f'{basis}"{step.quote}" ({where})', "         ")
    if step.note:
        lines += _wrap(f"reading: {step.note}", "         ")
    return lines


def _question_text(result: QuestionResult, rule_base: RuleBase) -> list[str]:
    lines = _wrap(f"{result.id}: {result.text}", " " * (len(result.id) + 2), "")
    lines.append(f"  scale    {' < '.join(result.scale)}")
    lines.append(f"  outcome  {outcomes_text(result.outcome)}  [{status_text(result)}]")
    width = max(len(stance.expert) for stance in result.stances)
    for stance in result.stances:
        if rule_base.experts[stance.expert].kind is ExpertKind.ANALYST:
            assumed = "  (analyst's assumption)"
        elif stance.rests_on_assumption:
            assumed = "  (rests on an analyst's assumption)"
        else:
            assumed = ""
        lines += _wrap(
            f"{stance.expert:<{width}}  {outcomes_text(stance.outcomes)}  {hedges_text(stance, rule_base)}{assumed}",
            " " * (width + 6),
            "  ",
        )
        if stance.status == "self-conflict":
            clash = " vs ".join(f"{rule_id} ({allows_text(rule_base, rule_id, result.scale)})" for rule_id in stance.rules)
            lines += _wrap(f"SELF-CONFLICT, reported, not resolved: {clash}", " " * (width + 6), " " * (width + 4))
            if stance.accepted is not None:
                accepted = f"accepted in checks.yaml as {stance.accepted.name}: {stance.accepted.reason}"
                lines += _wrap(accepted, " " * (width + 6), " " * (width + 4))
    lines.append("  why")
    for stance in result.stances:
        lines.append(f"    {stance.expert}:")
        shown: set[str] = set()
        for number, step in enumerate(stance.trace, start=1):
            lines += _step_text(number, step, rule_base, step.rule in shown)
            shown.add(step.rule)
    return lines


def render_text(report: Report) -> str:
    """A terminal-friendly report: each question's outcome, stances and reasons."""
    rule_base = report.rule_base
    lines = [f"{report.scenario.name}  ({report.scenario_path})"]
    if report.scenario.description:
        lines += _wrap(report.scenario.description.strip(), "")
    values = ", ".join(f"{name}={show_plain(report.forecast.values[name])}" for name in rule_base.vocabulary.variables)
    lines += _wrap(f"given: {values}", "       ", "")
    silent: list[str] = []
    for result in report.shown:
        if not result.stances:
            silent.append(result.id)
            continue
        lines.append("")
        lines += _question_text(result, rule_base)
    if silent:
        lines.append("")
        lines += _wrap(f"no stance: {', '.join(silent)}", "           ", "")
    if report.scenario.expect:
        lines.append("")
        if report.unmet:
            lines.append(f"expectations: {len(report.unmet)} of the scenario's expectations not met")
            lines += [f"  {item}" for item in report.unmet]
        else:
            count = len(report.scenario.expect)
            lines.append(f"expectations: all met ({count} question{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"
