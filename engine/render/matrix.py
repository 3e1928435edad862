"""A stance matrix as text, Markdown and CSV (`forecast matrix`).

By expert: a table per scenario, an expert a row, a question a column,
each cell the expert's claims in words with their ranges, then what they
make him favour (`P(withdraw) 20-45% "unlikely" -> favours not withdraw`,
`curtail possible ("may")`), or his self-conflict. By scenario: a scenario
a row, each cell the question's verdict (`agree: crumbles`, `conflict (a,
b)`), or one expert's cell. In an uncertain scenario a cell lists each claim
that may apply and how likely it applies, or each status's chance. Every
wording is engine.render.verdicts'. Questions no one speaks on in any
scenario shown are named below the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.explore.matrix import Claim, Matrix, MatrixScenario, OutcomeCell, StanceCell
from engine.model import RuleBase
from engine.render.odds import percent
from engine.render.tables import csv_text, markdown_table, text_table
from engine.render.verdicts import cell_text as verdict_cell
from engine.render.verdicts import claim_text, statuses_text, view_text

Table = tuple[str | None, list[str], list[list[str]]]


def _claim(claim: Claim, scale: Sequence[str]) -> str:
    return claim_text(scale, claim.event, claim.words, claim.hedged, claim.reading)


def stance_text(cell: StanceCell | None, scale: Sequence[str]) -> str:
    """An expert's cell: his claims in words with ranges, then what he favours; a self-conflict names the claims that clash.

    `P(withdraw) 20-45% "unlikely" -> favours not withdraw`, `curtail possible ("may")`,
    `self-conflict: P(curtail) 100% "may" vs P(increase) 100% "could potentially"`. An uncertain
    cell: each claim that may apply, `increase possible ("could potentially") (applies in 20-45%)`. A partisan
    source's or the analyst's cell ends `(not counted)`: the verdict leaves them out.
    """
    if cell is None:
        return ""
    return _said(cell, scale) + ("" if cell.counted else " (not counted)")


def _said(cell: StanceCell, scale: Sequence[str]) -> str:
    view = cell.view
    if view is None:
        return "; ".join(
            _claim(claim, scale) + ("" if claim.fires.low == 1 else f" (applies in {percent(claim.fires)})") for claim in cell.claims
        )
    if view.bounds is None:
        clashing = [claim for claim in cell.claims if claim.rule in view.clashing]
        others = [claim for claim in cell.claims if claim.rule not in view.clashing]
        said = "self-conflict: " + " vs ".join(_claim(claim, scale) for claim in clashing)
        return "; ".join([said, *(_claim(claim, scale) for claim in others)])
    said = "; ".join(_claim(claim, scale) for claim in cell.claims)
    judged = view_text(scale, view, possible=False)
    return f"{said} -> {judged}" if judged else said


def outcome_text(cell: OutcomeCell, scale: Sequence[str]) -> str:
    """The verdict as every command words it, `agree: not withdraw`, `no stance`; uncertain: `agree 55-80%, conflict 20-45%`."""
    if cell.verdict is None:
        return statuses_text(cell.statuses)
    return verdict_cell(scale, cell.verdict)


def _spoken(matrix: Matrix) -> tuple[list[str], list[str]]:
    """The questions someone speaks on in some scenario, and the others."""
    spoken = {question for row in matrix.scenarios for _, question in row.stances}
    return [question for question in matrix.questions if question in spoken], [q for q in matrix.questions if q not in spoken]


def _scale(rule_base: RuleBase, question: str) -> tuple[str, ...]:
    return rule_base.vocabulary.questions[question].outcomes


def _title(row: MatrixScenario) -> str:
    return f"{row.name}  ({row.path})" + ("" if row.certain else ", uncertain: what may apply, and how likely")


def tables(matrix: Matrix, rule_base: RuleBase, by: str, expert: str | None = None, *, every: bool = False) -> list[Table]:
    """The tables of a matrix: one per scenario by expert, one in all by scenario; the questions someone speaks on, or `every` one."""
    questions = list(matrix.questions) if every else _spoken(matrix)[0]
    if by == "expert":
        found: list[Table] = []
        for row in matrix.scenarios:
            rows = [
                [name, *(stance_text(row.stances.get((name, question)), _scale(rule_base, question)) for question in questions)]
                for name in matrix.experts
                if any((name, question) in row.stances for question in questions)
            ]
            found.append((_title(row), ["expert", *questions], rows))
        return found
    rows = []
    for row in matrix.scenarios:
        if expert is not None:
            cells = [stance_text(row.stances.get((expert, question)), _scale(rule_base, question)) for question in questions]
        else:
            cells = [outcome_text(row.outcomes[question], _scale(rule_base, question)) for question in questions]
        rows.append([row.path, *cells])
    return [(None if expert is None else f"{expert}'s stances", ["scenario", *questions], rows)]


def render_text(matrix: Matrix, rule_base: RuleBase, by: str, expert: str | None = None, width: int = 100) -> str:
    from engine.render.style import Style

    style = Style(False, width)
    lines: list[str] = []
    for title, header, rows in tables(matrix, rule_base, by, expert):
        if lines:
            lines.append("")
        if title is not None:
            lines += style.wrap(title, "  ", "")
        lines += text_table(header, rows, width) if rows else ["  no expert speaks on these questions"]
    _, silent = _spoken(matrix)
    if silent:
        lines += ["", *style.wrap(f"no stance in any of these scenarios: {', '.join(silent)}", "  ", "")]
    return "\n".join(lines) + "\n"


def render_markdown(matrix: Matrix, rule_base: RuleBase, by: str, expert: str | None = None) -> str:
    lines = ["# Stance matrix", ""]
    for title, header, rows in tables(matrix, rule_base, by, expert):
        if title is not None:
            lines += [f"## {title}", ""]
        lines += [*(markdown_table(header, rows) if rows else ["No expert speaks on these questions."]), ""]
    _, silent = _spoken(matrix)
    if silent:
        lines += [f"No stance in any of these scenarios: {', '.join(silent)}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_csv(matrix: Matrix, rule_base: RuleBase, by: str, expert: str | None = None) -> str:
    """Wide CSV, every question asked a column: by expert, a row per scenario and expert; by scenario, a row per scenario."""
    found = tables(matrix, rule_base, by, expert, every=True)
    if by == "expert":
        rows = [[row.path, *cells] for row, (_, _, table) in zip(matrix.scenarios, found, strict=True) for cells in table]
        return csv_text(["scenario", "expert", *matrix.questions], rows)
    return csv_text(["scenario", *matrix.questions], found[0][2])
