"""Render a forecast as text, JSON or Markdown.

The JSON form is a versioned contract (docs/json.md); the text form is for a
terminal; the Markdown form is for a report, with a Mermaid graph of the
reasoning per question. Every renderer is a pure function of the forecast:
same input, same bytes. Nothing here prints.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.compile import Value
from engine.load import RuleBase
from engine.model import ExpertKind, ScenarioFile, StanceConclusion
from engine.pipeline import Mismatch
from engine.resolve import Forecast, QuestionResult, Stance, Step, allowed

SCHEMA_VERSION = "1.0"
WIDTH = 100


@dataclass(frozen=True)
class Report:
    """What a renderer needs: the forecast and where it came from."""

    scenario: ScenarioFile
    scenario_path: str
    rules_path: str
    rule_base: RuleBase
    forecast: Forecast
    unmet: tuple[Mismatch, ...]
    questions: tuple[str, ...] = ()

    @property
    def shown(self) -> tuple[QuestionResult, ...]:
        if not self.questions:
            return self.forecast.questions
        return tuple(result for result in self.forecast.questions if result.id in self.questions)


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _outcomes(outcomes: Sequence[str]) -> str:
    return " | ".join(outcomes) if outcomes else "(none)"


def _hedges(stance: Stance, rule_base: RuleBase) -> str:
    if stance.hedges:
        return ", ".join(f'"{hedge}"' for hedge in stance.hedges)
    return "assumed" if rule_base.experts[stance.expert].kind is ExpertKind.ANALYST else "stated as fact"


def _status(result: QuestionResult) -> str:
    """The status, and how many stances it rests on when one cannot agree with anyone."""
    return f"{result.status}, 1 stance" if len(result.stances) == 1 else result.status


# --- JSON -----------------------------------------------------------------


def _step_json(step: Step, rule_base: RuleBase) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "expert": step.expert,
        "expert_name": rule_base.experts[step.expert].name,
        "assumption": step.is_assumption,
        "assumes": step.assumption,
        "concludes": step.concludes,
        "hedge": step.hedge,
        "because": [{"condition": condition.text, "matched": condition.matched} for condition in step.conditions],
        "quote": step.quote,
        "seed": step.seed,
        "span": [step.span.start, step.span.end] if step.span else None,
        "context": [{"quote": text, "span": [span.start, span.end] if span else None} for text, span in step.context],
        "note": step.note,
    }


def _stance_json(stance: Stance, rule_base: RuleBase) -> dict[str, Any]:
    expert = rule_base.experts[stance.expert]
    return {
        "expert": stance.expert,
        "expert_name": expert.name,
        "expert_kind": expert.kind.value,
        "outcomes": list(stance.outcomes),
        "status": stance.status,
        "hedges": list(stance.hedges),
        "rules": list(stance.rules),
        "rests_on_assumption": stance.rests_on_assumption,
        "trace": [_step_json(step, rule_base) for step in stance.trace],
    }


def to_json(report: Report) -> dict[str, Any]:
    """The forecast as the documented JSON contract (docs/json.md)."""
    forecast = report.forecast
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {
            "name": report.scenario.name,
            "file": report.scenario_path,
            "variables": {name: forecast.values[name] for name in report.rule_base.vocabulary.variables},
        },
        "rule_base": {"directory": report.rules_path, "rules": len(report.rule_base.rules)},
        "questions": [
            {
                "id": result.id,
                "text": result.text,
                "scale": list(result.scale),
                "outcome": list(result.outcome),
                "status": result.status,
                "stances": [_stance_json(stance, report.rule_base) for stance in result.stances],
            }
            for result in report.shown
        ],
        "facts": {fact: list(rules) for fact, rules in forecast.facts.items()},
        "expectations": {
            "checked": len(report.scenario.expect),
            "unmet": [
                {"question": item.question, "field": item.field, "expected": item.expected, "actual": item.actual} for item in report.unmet
            ],
        },
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


# --- text -----------------------------------------------------------------


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


def _allows(rule_base: RuleBase, rule_id: str, scale: Sequence[str]) -> str:
    then = rule_base.rule(rule_id).then
    assert isinstance(then, StanceConclusion)
    return _outcomes(allowed(then.op, then.values, scale))


def _question_text(result: QuestionResult, rule_base: RuleBase) -> list[str]:
    lines = _wrap(f"{result.id}: {result.text}", " " * (len(result.id) + 2), "")
    lines.append(f"  scale    {' < '.join(result.scale)}")
    lines.append(f"  outcome  {_outcomes(result.outcome)}  [{_status(result)}]")
    width = max(len(stance.expert) for stance in result.stances)
    for stance in result.stances:
        if rule_base.experts[stance.expert].kind.value == "analyst":
            assumed = "  (analyst's assumption)"
        elif stance.rests_on_assumption:
            assumed = "  (rests on an analyst's assumption)"
        else:
            assumed = ""
        lines += _wrap(f"{stance.expert:<{width}}  {_outcomes(stance.outcomes)}  {_hedges(stance, rule_base)}{assumed}", " " * (width + 6), "  ")
        if stance.status == "self-conflict":
            clash = " vs ".join(f"{rule_id} ({_allows(rule_base, rule_id, result.scale)})" for rule_id in stance.rules)
            lines += _wrap(f"SELF-CONFLICT, reported, not resolved: {clash}", " " * (width + 6), " " * (width + 4))
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
    values = ", ".join(f"{name}={_show(report.forecast.values[name])}" for name in rule_base.vocabulary.variables)
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


# --- Markdown -------------------------------------------------------------


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _mermaid(result: QuestionResult) -> list[str]:
    """A reasoning graph: scenario conditions -> rules -> facts -> stances -> outcome."""
    ids: dict[str, str] = {}
    definitions: list[str] = []
    edges: list[str] = []
    shapes = {"box": '["{}"]', "round": '("{}")', "hex": '{{{{"{}"}}}}', "stadium": '(["{}"])'}

    def node(key: str, label: str, shape: str = "box") -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            definitions.append(ids[key] + shapes[shape].format(label.replace('"', "'")))
        return ids[key]

    outcome = node("outcome", f"{result.id}: {_outcomes(result.outcome)} ({result.status})", "stadium")
    for stance in result.stances:
        stance_node = node(f"stance:{stance.expert}", f"{stance.expert}: {_outcomes(stance.outcomes)}", "round")
        edges.append(f"  {stance_node} --> {outcome}")
        for step in stance.trace:
            label = f"{'ASSUMPTION ' if step.is_assumption else ''}{step.rule}"
            rule_node = node(f"rule:{step.rule}", label, "hex" if step.is_assumption else "box")
            for condition in step.conditions:
                if condition.text.startswith("fact "):
                    source = node(f"fact:{condition.text[5:]}", condition.text[5:], "round")
                else:
                    source = node(f"cond:{condition.text}", condition.text)
                edge = f"  {source} --> {rule_node}"
                if edge not in edges:
                    edges.append(edge)
            if step.concludes.startswith("fact "):
                target = node(f"fact:{step.concludes[5:]}", step.concludes[5:], "round")
            else:
                target = stance_node
            edge = f"  {rule_node} --> {target}"
            if edge not in edges:
                edges.append(edge)
    return ["```mermaid", "flowchart LR", *(f"  {definition}" for definition in definitions), *edges, "```"]


def render_markdown(report: Report) -> str:
    """A Markdown report with a stance table, a reasoning graph and quotes per question."""
    rule_base = report.rule_base
    lines = [f"# Forecast: {report.scenario.name}", ""]
    if report.scenario.description:
        lines += [report.scenario.description.strip(), ""]
    lines += [f"Scenario file `{report.scenario_path}`, rule base `{report.rules_path}`.", "", "| variable | value |", "| --- | --- |"]
    lines += [f"| {name} | {_show(report.forecast.values[name])} |" for name in rule_base.vocabulary.variables]
    silent = [result.id for result in report.shown if not result.stances]
    for result in report.shown:
        if not result.stances:
            continue
        lines += ["", f"## {result.id}: {result.text}", ""]
        lines += [f"Scale: {' < '.join(result.scale)}. **Outcome: {_outcomes(result.outcome)}** ({_status(result)}).", ""]
        lines += ["| expert | allows | hedge | rules |", "| --- | --- | --- | --- |"]
        for stance in result.stances:
            expert = rule_base.experts[stance.expert]
            who = f"{expert.name} ({'assumption' if expert.kind.value == 'analyst' else expert.kind.value})"
            status = " **self-conflict**" if stance.status == "self-conflict" else ""
            lines.append(f"| {_md_escape(who)} | {_md_escape(_outcomes(stance.outcomes))}{status} | {_md_escape(_hedges(stance, rule_base))} | {', '.join(stance.rules)} |")
        lines += ["", *_mermaid(result), ""]
        for stance in result.stances:
            lines += [f"### Why {rule_base.experts[stance.expert].name}", ""]
            for number, step in enumerate(stance.trace, start=1):
                tag = "**Assumption** " if step.is_assumption else ""
                lines.append(f"{number}. {tag}`{step.rule}` ({rule_base.experts[step.expert].name}) concludes {step.concludes}.")
                reasons = "; ".join(f"{condition.text} ({condition.matched})" for condition in step.conditions) or "stated without condition"
                lines.append(f"   Because {reasons}.")
                if step.assumption:
                    lines.append(f"   Assumes: {step.assumption}")
                if step.quote:
                    where = f"{step.seed}, characters {step.span.start}-{step.span.end}" if step.span else str(step.seed)
                    basis = "Basis: " if step.is_assumption else ""
                    lines += ["", f"   > {basis}{step.quote}", f"   > — {where}"]
                lines.append("")
    if silent:
        lines += ["", f"No stance on: {', '.join(silent)}."]
    if report.unmet:
        lines += ["", "## Unmet expectations", ""] + [f"- {item}" for item in report.unmet]
    return "\n".join(lines).rstrip("\n") + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
