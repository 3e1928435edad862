"""The forecast as a Markdown report, with a Mermaid graph of the reasoning for each question."""

from __future__ import annotations

from engine.language import show_plain
from engine.model import ExpertKind
from engine.render.report import Report, hedges_text, outcomes_text, status_text
from engine.resolve.results import QuestionResult


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

    outcome = node("outcome", f"{result.id}: {outcomes_text(result.outcome)} ({result.status})", "stadium")
    for stance in result.stances:
        stance_node = node(f"stance:{stance.expert}", f"{stance.expert}: {outcomes_text(stance.outcomes)}", "round")
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
            concludes_fact = step.concludes.startswith("fact ")
            target = node(f"fact:{step.concludes[5:]}", step.concludes[5:], "round") if concludes_fact else stance_node
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
    lines += [f"| {name} | {show_plain(report.forecast.values[name])} |" for name in rule_base.vocabulary.variables]
    silent = [result.id for result in report.shown if not result.stances]
    for result in report.shown:
        if not result.stances:
            continue
        lines += ["", f"## {result.id}: {result.text}", ""]
        lines += [f"Scale: {' < '.join(result.scale)}. **Outcome: {outcomes_text(result.outcome)}** ({status_text(result)}).", ""]
        lines += ["| expert | allows | hedge | rules |", "| --- | --- | --- | --- |"]
        for stance in result.stances:
            expert = rule_base.experts[stance.expert]
            who = f"{expert.name} ({'assumption' if expert.kind is ExpertKind.ANALYST else expert.kind.value})"
            status = " **self-conflict**" if stance.status == "self-conflict" else ""
            cells = [who, outcomes_text(stance.outcomes) + status, hedges_text(stance, rule_base), ", ".join(stance.rules)]
            lines.append("| " + " | ".join(_md_escape(cell) for cell in cells) + " |")
        for stance in result.stances:
            if stance.accepted is not None:
                name = rule_base.experts[stance.expert].name
                lines += ["", f"{name}'s self-conflict is accepted in checks.yaml as `{stance.accepted.name}`: {stance.accepted.reason}"]
        lines += ["", *_mermaid(result), ""]
        for stance in result.stances:
            lines += [f"### Why {rule_base.experts[stance.expert].name}", ""]
            for number, step in enumerate(stance.trace, start=1):
                tag = "**Assumption** " if step.is_assumption else ""
                lines.append(f"{number}. {tag}`{step.rule}` ({rule_base.experts[step.expert].name}) concludes {step.concludes}.")
                reasons = (
                    "; ".join(f"{condition.text} ({condition.matched})" for condition in step.conditions) or "stated without condition"
                )
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
