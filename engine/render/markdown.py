"""The forecast as a Markdown report, with a Mermaid graph of the reasoning for each question."""

from __future__ import annotations

from collections.abc import Mapping

from engine.model import ExpertKind
from engine.render.odds import (
    assumed_text,
    bar,
    claims_text,
    conclusion_text,
    method_text,
    percent,
    reading_text,
    stance_claim_text,
    weights_text,
)
from engine.render.report import Report, hedges_text, input_text, silent_everywhere
from engine.render.verdicts import statuses_text, view_text
from engine.resolve.odds import Figure, QuestionOdds
from engine.resolve.results import QuestionResult, Step


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _mermaid(report: Report, result: QuestionResult) -> list[str]:
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

    outcome = node("outcome", f"{result.id}: {report.verdict_words(result)}", "stadium")
    branches: dict[str, set[int]] = {}
    for stance in result.stances:
        for step in stance.trace:
            branches.setdefault(step.rule, set()).add(step.branch)
    for stance in result.stances:
        view = result.verdict.views.get(stance.expert) or result.verdict.others[stance.expert]
        judged = view_text(result.scale, view)
        stance_node = node(f"stance:{stance.expert}", f"{stance.expert}: {judged or 'no number'}", "round")
        counted = stance.expert in result.verdict.views
        edges.append(f"  {stance_node} --> {outcome}" if counted else f"  {stance_node} -. not counted .-> {outcome}")
        for step in stance.trace:
            label = f"{'ASSUMPTION ' if step.is_assumption else ''}{step.rule}"
            alternative = len(branches[step.rule]) > 1  # each branch its own node: alternatives, not joint inputs
            if alternative:
                label += f" (branch {step.branch + 1}, or)"
            key = f"rule:{step.rule}:{step.branch}" if alternative else f"rule:{step.rule}"
            rule_node = node(key, label, "hex" if step.is_assumption else "box")
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


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_md_escape(cell) for cell in cells) + " |"


def _who(report: Report, expert_id: str) -> str:
    expert = report.rule_base.experts[expert_id]
    return f"{expert.name} ({'assumption' if expert.kind is ExpertKind.ANALYST else expert.kind.value})"


def _says(report: Report, question: str, expert: str) -> str:
    odds = report.stance_odds(question, expert)
    return claims_text(odds) if odds else ""


def _chances(question: QuestionOdds) -> list[str]:
    """Each outcome's chances by expert, together and pooled, each with a bar of its range."""
    tables = [(_md_escape(stance.expert), stance.bounds) for stance in question.stances]
    if all(silent_everywhere(dict(table) if table else None) for _, table in tables):
        return ["No one gives a likelihood on this question: every outcome is 0-100%.", ""]
    tables += [("together", question.together), (f"pooled ({weights_text(question.weights)})", question.pooled)]
    lines = [_row(["chances", *question.scale]), "| " + " | ".join(["---"] * (len(question.scale) + 1)) + " |"]
    for name, table in tables:
        if table is None:
            conflict = "no distribution meets these ranges" + (
                f" ({', '.join(question.conflicting)})" if question.conflicting and name == "together" else ""
            )
            lines.append(_row([name, conflict, *[""] * (len(question.scale) - 1)]))
        else:
            lines.append(_row([name, *(f"{percent(table[outcome])} `{bar(table[outcome])}`" for outcome in question.scale)]))
    return [*lines, ""]


def _uncertain_question(report: Report, question: QuestionOdds) -> list[str]:
    rule_base = report.rule_base
    lines = ["", f"## {question.id}: {rule_base.vocabulary.questions[question.id].text}", "", f"Scale: {' < '.join(question.scale)}.", ""]
    lines += [f"Status: {statuses_text(question.statuses)}.", ""]
    if question.conflict.high > 0:
        who = f" ({', '.join(question.conflicting)})" if question.conflicting else ""
        lines += [f"The experts' likelihoods conflict in {percent(question.conflict)} of scenarios{who}.", ""]
    lines += [_row(["who", "says", "applies in"]), "| --- | --- | --- |"]
    for stance in question.stances:
        for claim in stance.claims:
            rests = assumed_text(claim)
            analyst = rule_base.experts[rule_base.rule(claim.rule).expert].kind is ExpertKind.ANALYST  # labelled so already
            said = stance_claim_text(stance, claim) + (f" ({rests})" if rests and not analyst else "")
            lines.append(_row([_who(report, stance.expert), said, percent(claim.fires)]))
        if stance.conflict.high > 0:
            lines.append(
                _row([_who(report, stance.expert), "**self-conflict**: no distribution meets these ranges", percent(stance.conflict)])
            )
    return [*lines, "", *_chances(question)]


def _figures(title: str, figures: Mapping[str, Figure]) -> list[str]:
    return ["", f"## {title}", "", _row([title.split()[0].rstrip("s"), "probability"]), "| --- | --- |"] + [
        _row([f"`{name}`", f"{percent(figure)} `{bar(figure)}`"]) for name, figure in figures.items()
    ]


def _says_rule(report: Report, question: str, rule_id: str) -> str:
    """One claim's words with its reading, `P(withdraw) 20-45% "unlikely"`."""
    found = report.odds_of(question)
    for stance in found.stances if found else ():
        for claim in stance.claims:
            if claim.rule == rule_id:
                return stance_claim_text(stance, claim)
    return ""


def _summary(report: Report) -> list[str]:
    """The bottom line first: each question's verdict, or how likely each status is."""
    rows = []
    for question_id in report.shown_ids:
        if report.forecast is not None:
            result = report.forecast.question(question_id)
            rows.append(_row([question_id, _md_escape(report.verdict_words(result))]))
        elif report.odds is not None:
            rows.append(_row([question_id, statuses_text(report.odds.question(question_id).statuses) or "no stance"]))
    return ["", "## Summary", "", "| question | verdict |", "| --- | --- |", *rows]


def render_markdown(report: Report) -> str:
    """A Markdown report with stance and chances tables, a reasoning graph and quotes per question."""
    rule_base = report.rule_base
    lines = [f"# Forecast: {report.scenario.name}", ""]
    if report.scenario.description:
        lines += [report.scenario.description.strip(), ""]
    lines += [f"Scenario file `{report.scenario_path}`, rule base `{report.rules_path}`.", ""]
    if report.odds is not None:
        said = method_text(report.odds)
        lines += [f"*{said[:1].upper()}{said[1:]}.*", ""]
    lines += ["| variable | value |", "| --- | --- |"]
    inputs = report.scenario.inputs
    origin = report.scenario.origin
    lines += [
        _row([name, input_text(inputs[name]) + (f" ({origin(name)})" if origin(name) else "")]) for name in rule_base.vocabulary.variables
    ]
    lines += _summary(report)
    if report.forecast is None and report.odds is not None:
        silent = [question for question in report.shown_ids if not report.odds.question(question).stances]
        for question_id in report.shown_ids:
            if question_id not in silent:
                lines += _uncertain_question(report, report.odds.question(question_id))
        lines += _figures("Facts derived", report.odds.facts)
        lines += _figures("Rules firing", {rule: figure for rule, figure in report.odds.rules.items() if figure.high > 0})
        return _finish(report, lines, silent)
    silent = [result.id for result in report.shown if not result.stances]
    for result in report.shown:
        if not result.stances:
            continue
        lines += ["", f"## {result.id}: {result.text}", ""]
        lines += [f"Scale: {' < '.join(result.scale)}. **Verdict: {_md_escape(report.verdict_words(result))}**.", ""]
        if result.status == "conflict" and result.verdict.clashing:
            meet = " vs ".join(f"`{rule_id}` {_says_rule(report, result.id, rule_id)}" for rule_id in result.verdict.clashing)
            lines += [f"Ranges that cannot meet: {_md_escape(meet)}.", ""]
        lines += ["| who | says | reads as | rules |", "| --- | --- | --- | --- |"]
        for stance in result.stances:
            view = result.verdict.views.get(stance.expert) or result.verdict.others[stance.expert]
            judged = "**self-conflict**: " + " vs ".join(view.clashing) if view.bounds is None else view_text(result.scale, view)
            if stance.expert not in result.verdict.views:
                judged += " (not counted)"
            said = _says(report, result.id, stance.expert) or hedges_text(stance, rule_base)
            lines.append(_row([_who(report, stance.expert), said, _md_escape(judged), ", ".join(stance.rules)]))
        for stance in result.stances:
            if stance.accepted is not None:
                name = rule_base.experts[stance.expert].name
                lines += ["", f"{name}'s self-conflict is accepted in checks.yaml as `{stance.accepted.name}`: {stance.accepted.reason}"]
        lines.append("")
        question_odds = report.odds_of(result.id)
        if question_odds is not None:
            lines += _chances(question_odds)
        lines += [*_mermaid(report, result), ""]
        for stance in result.stances:
            lines += [f"### Why {rule_base.experts[stance.expert].name}", ""]
            odds = report.stance_odds(result.id, stance.expert)
            claims = {claim.rule: claim for claim in odds.claims} if odds else {}
            branches: dict[str, list[Step]] = {}
            for step in stance.trace:  # a rule that fired by several branches is one step, with each branch's reasons
                branches.setdefault(step.rule, []).append(step)
            for number, fired in enumerate(branches.values(), start=1):
                step = fired[0]
                tag = "**Assumption** " if step.is_assumption else ""
                concludes = conclusion_text(step.concludes, step.hedge, step.rates)
                lines.append(f"{number}. {tag}`{step.rule}` ({rule_base.experts[step.expert].name}) concludes {concludes}.")
                for index, branch in enumerate(fired):
                    reasons = (
                        "; ".join(f"{condition.text} ({condition.matched})" for condition in branch.conditions)
                        or "stated without condition"
                    )
                    lines.append(f"   {'Because' if index == 0 else 'Or because'} {reasons}.")
                if step.assumption:
                    lines.append(f"   Assumes: {step.assumption}")
                if step.quote:
                    where = f"{step.seed}, characters {step.span.start}-{step.span.end}" if step.span else str(step.seed)
                    basis = "Basis: " if step.is_assumption else ""
                    lines += ["", f"   > {basis}{step.quote}", f"   > — {where} ({rule_base.provenance(step.rule)})"]
                claim = claims.get(step.rule)
                if claim is not None:
                    lines += ["", f"   {reading_text(claim).capitalize()}"]
                lines.append("")
    return _finish(report, lines, silent)


def _finish(report: Report, lines: list[str], silent: list[str]) -> str:
    if silent:
        lines += ["", f"No stance on: {', '.join(silent)}."]
    if report.why_not is not None:
        from engine.render.whynot import section_markdown

        lines += section_markdown(report.why_not, report.rule_base)
    if report.unmet:
        lines += ["", "## Unmet expectations", ""] + [f"- {item}" for item in report.unmet]
    return "\n".join(lines).rstrip("\n") + "\n"
