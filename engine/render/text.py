"""The forecast for a terminal: a summary of every question's verdict, then each question's claims, chances and reasons.

The summary comes first, one line a question (`--brief` prints it alone).
A certain scenario then shows each question's verdict, each speaker's
claims with the event each rates and what they make him favour, a table of
chances per outcome, and the reasoning step by step (a rule that fired by
several branches is one step, its other branches an "or because"). An
uncertain scenario has no single chain of reasoning: it shows how likely
each status is, each claim with how often it applies, the same table of
chances, and the rules and facts with their probabilities.

Lines wrap at the report's width (100 unless the command line says
otherwise). With the report's `colour`, the status, what each speaker
favours, a self-conflict and every assumption are coloured; the words are
the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.model import ExpertKind, RuleBase, Scenario
from engine.render.odds import (
    assumed_text,
    claims_text,
    conclusion_text,
    method_text,
    percent,
    reading_text,
    stance_claim_text,
    weights_text,
)
from engine.render.report import Report, hedges_text, input_text, silent_everywhere
from engine.render.style import Style
from engine.render.verdicts import event_name, statuses_text, view_text
from engine.resolve.odds import ClaimOdds, Figure, Probabilities, QuestionOdds, StanceOdds
from engine.resolve.results import QuestionResult, Stance, Step

STATUS_COLOURS = {"agree": "green", "one voice": "green", "compatible": "cyan", "conflict": "red", "no stance": "yellow"}


def _claims(report: Report, question: str, expert: str) -> str:
    """What an expert's claims on a question say of the events they rate."""
    odds = report.stance_odds(question, expert)
    if odds is None:
        return ""
    return claims_text(odds)


def _because(step: Step) -> str:
    if not step.conditions:
        return "stated without condition"
    return "; ".join(f"{condition.text} [{condition.matched}]" for condition in step.conditions)


def _step_text(number: int, step: Step, rule_base: RuleBase, claim: ClaimOdds | None, style: Style) -> list[str]:
    """One step: the rule, why it fired, its words and how they are read."""
    wrap = style.wrap
    expert = rule_base.experts[step.expert]
    tag = "ASSUMPTION " if step.is_assumption else ""
    head = f"{number}. {tag}{step.rule} ({expert.name}) -> {conclusion_text(step.concludes, step.hedge, step.rates)}"
    lines = wrap(head, "         ", "      ")
    lines[0] = style.within(lines[0], tag.strip(), fg="yellow", bold=True)
    lines += wrap(f"because {_because(step)}", "         ")
    if step.assumption:
        lines += wrap(f"assumes: {step.assumption}", "         ")
    if step.quote:
        where = f"{step.seed}:{step.span.start}-{step.span.end}" if step.span else str(step.seed)
        basis = "basis: " if step.is_assumption else ""
        lines += wrap(f'{basis}"{step.quote}" ({where}) ({rule_base.provenance(step.rule)})', "         ")
    if step.note:
        lines += wrap(f"reading: {step.note}", "         ")
    if claim is not None:
        lines += wrap(reading_text(claim), "         ")
    return lines


def _apart(rule_base: RuleBase, speaker: str) -> str:
    """Why a speaker's stance does not count in the verdict, or nothing for an expert."""
    kind = rule_base.experts[speaker].kind
    if kind is ExpertKind.SOURCE:
        return "  (partisan source: reported apart, not counted)"
    if kind is ExpertKind.ANALYST:
        return "  (analyst's assumption: not counted)"
    return ""


def _stance_line(report: Report, result: QuestionResult, stance: Stance, width: int, style: Style) -> list[str]:
    wrap = style.wrap
    rule_base = report.rule_base
    verdict = result.verdict
    view = verdict.views.get(stance.expert) or verdict.others[stance.expert]
    if rule_base.experts[stance.expert].kind is not ExpertKind.ANALYST and stance.rests_on_assumption:
        assumed = "  (rests on an analyst's assumption)"
    else:
        assumed = ""
    said = _claims(report, result.id, stance.expert) or hedges_text(stance, rule_base)
    judged = view_text(result.scale, view, possible=False) if view.bounds is not None else ""
    judged_text = f"  -> {judged}" if judged else ""
    apart = _apart(rule_base, stance.expert)
    lines = wrap(f"{stance.expert:<{width}}  {said}{judged_text}{apart}{assumed}", " " * (width + 6), "  ")
    lines[0] = style.within(lines[0], judged, fg="cyan", bold=True)
    lines[-1] = style.within(lines[-1], assumed.strip(), fg="yellow")
    if view.bounds is None:
        clash = " vs ".join(claim_words(report, result.id, rule_id) for rule_id in view.clashing)
        conflict = wrap(f"SELF-CONFLICT, reported, not resolved: {clash}", " " * (width + 6), " " * (width + 4))
        conflict[0] = style.within(conflict[0], "SELF-CONFLICT", fg="red", bold=True)
        lines += conflict
        if stance.accepted is not None:
            accepted = f"accepted in checks.yaml as {stance.accepted.name}: {stance.accepted.reason}"
            lines += wrap(accepted, " " * (width + 6), " " * (width + 4))
    return lines


def claim_words(report: Report, question: str, rule_id: str) -> str:
    """One claim of a rule with its reading, `weiss.no_pullout (P(withdraw) 20-45% "unlikely")`."""
    found = report.odds_of(question)
    for stance in found.stances if found else ():
        for claim in stance.claims:
            if claim.rule == rule_id:
                return f"{rule_id} ({stance_claim_text(stance, claim)})"
    return rule_id


def _chances(question: QuestionOdds, experts: Sequence[str], style: Style) -> list[str]:
    """A table: each outcome's chances by each expert, together and pooled; or that no one gave a number.

    An expert who only raised possibilities gets no figure (a source that gives no likelihood gets no number): his
    row says so.
    """
    rows: list[tuple[str, dict[str, Figure] | None, str]] = []
    for stance in question.stances:
        if stance.expert not in experts:
            continue
        if all(not claim.reading.assessed for claim in stance.claims):
            rows.append((stance.expert, None, "no number: a possibility only"))
        else:
            rows.append((stance.expert, dict(stance.bounds) if stance.bounds else None, ""))
    if all(silent_everywhere(table) for _, table, _ in rows):
        return ["  chances  no likelihood given: every outcome 0-100%"]
    conflict = "no distribution meets these ranges: a probabilistic conflict"
    together_note = conflict + (f" ({', '.join(question.conflicting)})" if question.conflicting else "")
    rows += [
        ("together", dict(question.together) if question.together else None, together_note),
        ("pooled", dict(question.pooled) if question.pooled else None, "no expert gave a number"),
    ]
    label = max(len(name) for name, _, _ in rows) + 2
    widths = [max([len(outcome), *(len(percent(table[outcome])) for _, table, _ in rows if table)]) for outcome in question.scale]
    lines = [
        "  chances"
        + " " * (label - 4)
        + "  ".join(f"{outcome:<{width}}" for outcome, width in zip(question.scale, widths, strict=True)).rstrip()
    ]
    narrow = len(lines[0]) > style.width or label + 6 + sum(widths) + 2 * len(widths) > style.width
    if narrow:  # too wide for the terminal: one line per row, each outcome named
        lines = ["  chances"]
    for name, table, note in rows:
        if table is None:
            cells = note or conflict
        elif narrow:
            cells = ", ".join(f"{outcome} {percent(table[outcome])}" for outcome in question.scale)
        else:
            cells = "  ".join(f"{percent(table[outcome]):<{width}}" for outcome, width in zip(question.scale, widths, strict=True)).rstrip()
        if narrow:
            lines += style.wrap(f"{name}: {cells}", "      ", "    ")
        elif table is None:
            lines += style.wrap(cells, " " * (label + 6), f"    {name:<{label}}  ")
        else:
            lines.append(f"    {name:<{label}}  {cells}".rstrip())
    if question.pooled and question.weights:
        without = [stance.expert for stance in question.stances if stance.expert in experts and stance.expert not in question.weights]
        missing = f"; not pooled: {', '.join(without)}" if without else ""
        note = f"(pooled over the experts who gave a number, {weights_text(question.weights)}{missing})"
        lines += style.wrap(note, "      ", "    ") if narrow else style.wrap(note, " " * (label + 7), " " * (label + 6))
    return lines


def _question_text(report: Report, result: QuestionResult, style: Style) -> list[str]:
    rule_base = report.rule_base
    lines = style.wrap(f"{result.id}: {result.text}", " " * (len(result.id) + 2), "")
    lines += style.fit(f"  scale    {' < '.join(result.scale)}", " " * 11)
    verdict = report.verdict_words(result)
    head = style.wrap(f"verdict  {verdict}", " " * 11, "  ")
    head[0] = style.within(head[0], result.status, fg=STATUS_COLOURS[result.status], bold=True)
    lines += head
    if result.status == "conflict" and result.verdict.clashing:
        meet = " vs ".join(claim_words(report, result.id, rule_id) for rule_id in result.verdict.clashing)
        lines += style.wrap(f"ranges that cannot meet: {meet}", " " * 11, "           ")
    width = max(len(stance.expert) for stance in result.stances)
    for stance in result.stances:
        lines += _stance_line(report, result, stance, width, style)
    question = report.odds_of(result.id)
    if question is not None:
        lines += _chances(question, [stance.expert for stance in result.stances], style)
    lines.append("  why")
    for stance in result.stances:
        lines.append(f"    {stance.expert}:")
        odds = report.stance_odds(result.id, stance.expert)
        claims = {claim.rule: claim for claim in odds.claims} if odds else {}
        branches: dict[str, list[Step]] = {}
        for step in stance.trace:  # a rule that fired by several branches is one step, with each branch's reasons
            branches.setdefault(step.rule, []).append(step)
        for number, (rule_id, fired) in enumerate(branches.items(), start=1):
            lines += _step_text(number, fired[0], rule_base, claims.get(rule_id), style)
            for other in fired[1:]:
                lines += style.wrap(f"or because {_because(other)}", "         ")
    return lines


def _uncertain_question(report: Report, question: QuestionOdds, style: Style) -> list[str]:
    wrap = style.wrap
    rule_base = report.rule_base
    text = rule_base.vocabulary.questions[question.id].text
    lines = wrap(f"{question.id}: {text}", " " * (len(question.id) + 2), "")
    lines += style.fit(f"  scale    {' < '.join(question.scale)}", " " * 11)
    lines += wrap(f"status   {statuses_text(question.statuses)}", "           ", "  ")
    favoured = [f"{event_name(question.scale, event)} {percent(figure)}" for event, figure in question.favours.items()]
    if favoured:
        lines += wrap(f"favours  {', '.join(favoured)}", "           ", "  ")
    width = max(len(stance.expert) for stance in question.stances)
    for stance in question.stances:
        lines += _uncertain_stance(report, question, stance, width, style)
    if question.conflict.high > 0:
        lines += wrap(
            f"experts conflict in {percent(question.conflict)} of scenarios"
            + (f" ({', '.join(question.conflicting)})" if question.conflicting else ""),
            "    ",
            "  ",
        )
    lines += _chances(question, [stance.expert for stance in question.stances], style)
    return lines


def _uncertain_stance(report: Report, question: QuestionOdds, stance: StanceOdds, width: int, style: Style) -> list[str]:
    wrap = style.wrap
    rule_base = report.rule_base
    lines: list[str] = []
    for position, claim in enumerate(stance.claims):
        rule = rule_base.rule(claim.rule)
        rests = assumed_text(claim)
        if rule_base.experts[rule.expert].kind is ExpertKind.ANALYST:
            assumed = "  (analyst's assumption)"
        else:
            assumed = f"  ({rests})" if rests else ""
        name = stance.expert if position == 0 else ""
        said = stance_claim_text(stance, claim)
        applies = "" if claim.fires.low == 1 else f"  (applies in {percent(claim.fires)} of scenarios)"
        said_lines = wrap(f"{name:<{width}}  {said}{applies}{assumed}", " " * (width + 6), "  ")
        said_lines[-1] = style.within(said_lines[-1], assumed.strip(), fg="yellow")
        lines += said_lines
    indent, first = " " * (width + 6), " " * (width + 4)
    if stance.clash.high > 0:
        clash = wrap(f"SELF-CONFLICT in {percent(stance.clash)} of scenarios: these rules allow no outcome together", indent, first)
        clash[0] = style.within(clash[0], "SELF-CONFLICT", fg="red", bold=True)
        lines += clash
    if stance.conflict.high > 0:
        lines += wrap(f"no distribution meets these ranges in {percent(stance.conflict)} of scenarios", indent, first)
    return lines


def _probabilities(report: Report, odds: Probabilities, style: Style) -> list[str]:
    """The rules and facts, each with its probability, the facts first."""
    lines = ["", "facts"]
    width = max((len(name) for name in odds.facts), default=0)
    lines += [f"  {fact:<{width}}  {percent(figure)}" for fact, figure in odds.facts.items()]
    lines += ["", "rules that may fire"]
    fires = [(rule, figure) for rule, figure in odds.rules.items() if figure.high > 0]
    width = max((len(rule) for rule, _ in fires), default=0)
    for rule_id, figure in fires:
        rule = report.rule_base.rule(rule_id)
        tag = "  ASSUMPTION" if report.rule_base.experts[rule.expert].kind is ExpertKind.ANALYST else ""
        lines.append(style.within(f"  {rule_id:<{width}}  {percent(figure)}{tag}", tag.strip(), fg="yellow", bold=True))
    return lines


def _expectations(report: Report, style: Style) -> list[str]:
    if not report.scenario.expect:
        return []
    if report.unmet:
        unmet = [line for item in report.unmet for line in style.fit(f"  {item}", "    ")]
        return ["", f"expectations: {len(report.unmet)} of the scenario's expectations not met", *unmet]
    count = len(report.scenario.expect)
    return ["", f"expectations: all met ({count} question{'s' if count != 1 else ''})"]


def _summary(report: Report, style: Style) -> list[str]:
    """The bottom line first: one line per question that someone spoke on, then those nobody did."""
    rows: list[tuple[str, str]] = []
    silent: list[str] = []
    if report.forecast is not None:
        for result in report.shown:
            if result.stances:
                rows.append((result.id, report.verdict_words(result)))
            else:
                silent.append(result.id)
    elif report.odds is not None:
        for question_id in report.shown_ids:
            question = report.odds.question(question_id)
            if question.stances:
                rows.append((question_id, statuses_text(question.statuses)))
            else:
                silent.append(question_id)
    lines = ["", "summary"]
    width = max((len(name) for name, _ in rows), default=0)
    for name, said in rows:
        lines += style.wrap(f"{name:<{width}}  {said}", " " * (width + 6), "  ")
    if silent:
        lines += style.wrap(f"no stance: {', '.join(silent)}", "             ", "  ")
    return lines


def _given(scenario: Scenario, name: str, shown: str) -> str:
    """`name=value`, marked `(default)` or `(from base.yaml)` when the scenario file does not give it."""
    origin = scenario.origin(name)
    return f"{name}={shown}" + (f" ({origin})" if origin else "")


def render_text(report: Report) -> str:
    """A terminal-friendly report: each question's outcome, stances, chances and reasons."""
    style = Style(report.colour, report.width)
    wrap = style.wrap
    rule_base = report.rule_base
    lines = [f"{report.scenario.name}  ({report.scenario_path})"]  # the heading, never broken
    if report.scenario.description:
        lines += wrap(report.scenario.description.strip(), "")
    inputs = report.scenario.inputs
    given = ", ".join(_given(report.scenario, name, input_text(inputs[name])) for name in rule_base.vocabulary.variables)
    lines += wrap(f"given: {given}", "       ", "")
    if report.odds is not None:
        lines += wrap(method_text(report.odds), "  ", "")
    lines += _summary(report, style)
    if report.brief:
        lines += _expectations(report, style)
        return "\n".join(lines) + "\n"
    silent: list[str] = []
    if report.forecast is not None:
        for result in report.shown:
            if not result.stances:
                silent.append(result.id)
                continue
            lines.append("")
            lines += _question_text(report, result, style)
        if report.odds is not None and any(figure.low != figure.high or 0 < figure.low < 1 for figure in report.odds.facts.values()):
            lines += _probabilities(report, report.odds, style)  # hedges carried along chains: the facts are uncertain
    elif report.odds is not None:
        for question_id in report.shown_ids:
            question = report.odds.question(question_id)
            if not question.stances:
                silent.append(question_id)
                continue
            lines.append("")
            lines += _uncertain_question(report, question, style)
        lines += _probabilities(report, report.odds, style)
    if silent:
        lines.append("")
        lines += wrap(f"no stance: {', '.join(silent)}", "           ", "")
    if report.why_not is not None:
        from engine.render.whynot import section_text

        lines += section_text(report.why_not, rule_base, style)
    lines += _expectations(report, style)
    return "\n".join(lines) + "\n"
