"""A sweep as text, Markdown and CSV (`forecast sweep`); the plot is in `engine.render.plot`.

One variable: a table, a row per question, a column per run of the
variable. Two: a grid per question, the first variable down, the second
across. Each cell is the question's verdict there, as every command words it
in a cell (`agree: crumbles`, `one voice: not withdraw`, `conflict (a, b)`).
The questions whose verdict changes nowhere in the sweep (`QuestionGlance.key`)
are listed once, below, unless they were asked for with -q.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.explore.glance import QuestionGlance
from engine.explore.sweep import Axis, QuestionSweep, Sweep
from engine.language import show_plain
from engine.model import RuleBase, Scenario
from engine.render.tables import csv_text, markdown_table, text_table
from engine.render.verdicts import cell_text as verdict_cell
from engine.render.verdicts import event_name, verdict_text, view_text


def cell_text(question: QuestionGlance, scale: Sequence[str]) -> str:
    """The verdict in a cell, as every command words it: `agree: not withdraw`, `conflict (a, b)`, `no stance`."""
    return verdict_cell(scale, question.verdict)


def run_heading(axis: Axis, index: int) -> str:
    """A run as a column or row heading: `3 to 30 (now 4)` for the scenario's own run."""
    run = axis.runs[index]
    if index != axis.current:
        return run.label
    value = show_plain(axis.values[index])
    return f"{run.label} (now)" if value == run.label else f"{run.label} (now {value})"


def shown(sweep: Sweep, asked: bool) -> tuple[list[QuestionSweep], list[QuestionSweep]]:
    """The questions to draw (all of them when asked for by name, else those that change) and the rest."""
    if asked:
        return list(sweep.questions), []
    return [question for question in sweep.questions if not question.constant], [
        question for question in sweep.questions if question.constant
    ]


def _scale(rule_base: RuleBase, question: str) -> tuple[str, ...]:
    return rule_base.vocabulary.questions[question].outcomes


def _held(sweep: Sweep, rule_base: RuleBase) -> str:
    swept = {axis.variable for axis in sweep.axes}
    held = [f"{name}={show_plain(sweep.values[name])}" for name in rule_base.vocabulary.variables if name not in swept]
    return ", ".join(held) or "nothing"


def _constant_text(constant: Sequence[QuestionSweep], rule_base: RuleBase) -> str:
    return "; ".join(
        f"{question.id} {cell_text(next(iter(question.cells.values())), _scale(rule_base, question.id))}" for question in constant
    )


Table = tuple[str | None, str, list[str], list[list[str]]]
"""A title (None for the one table of a 1-D sweep), what the columns are, the header and the rows."""


def tables(sweep: Sweep, rule_base: RuleBase, asked: bool) -> list[Table]:
    """Each table to show."""
    drawn, _ = shown(sweep, asked)
    if len(sweep.axes) == 1:
        axis = sweep.axes[0]
        header = ["question", *(run_heading(axis, index) for index in range(len(axis.runs)))]
        rows = [
            [question.id, *(cell_text(question.cells[(index,)], _scale(rule_base, question.id)) for index in range(len(axis.runs)))]
            for question in drawn
        ]
        return [(None, axis.variable, header, rows)] if rows else []
    down, across = sweep.axes
    found: list[Table] = []
    for question in drawn:
        header = [down.variable, *(run_heading(across, index) for index in range(len(across.runs)))]
        rows = [
            [
                run_heading(down, row),
                *(cell_text(question.cells[(row, column)], _scale(rule_base, question.id)) for column in range(len(across.runs))),
            ]
            for row in range(len(down.runs))
        ]
        found.append((f"{question.id}: {question.text}", across.variable, header, rows))
    return found


def _intro(sweep: Sweep, scenario: Scenario, path: str) -> tuple[str, str]:
    varied = " and ".join(f"{axis.variable} ({' | '.join(run.label for run in axis.runs)})" for axis in sweep.axes)
    return f"Sweep of {scenario.name}  ({path})", f"{varied}, each across every threshold of the rules"


def render_text(sweep: Sweep, scenario: Scenario, path: str, rule_base: RuleBase, asked: bool = False, width: int = 100) -> str:
    from engine.render.style import Style

    style = Style(False, width)
    title, varied = _intro(sweep, scenario, path)
    lines = [title, *style.wrap(varied, "  ", ""), *style.wrap(f"held: {_held(sweep, rule_base)}", "      ", "")]
    _, constant = shown(sweep, asked)
    found = tables(sweep, rule_base, asked)
    for heading, caption, header, rows in found:
        lines.append("")
        if heading is not None:
            lines += style.wrap(heading, "  ", "")
        lines += text_table(header, rows, width, indent="  " if heading is not None else "", caption=caption)
    if not found:
        lines += ["", "no question changes anywhere in the sweep"]
    if constant:
        lines += ["", *style.wrap(f"the same across the sweep: {_constant_text(constant, rule_base)}", "  ", "")]
    return "\n".join(lines) + "\n"


def render_markdown(sweep: Sweep, scenario: Scenario, path: str, rule_base: RuleBase, asked: bool = False) -> str:
    title, varied = _intro(sweep, scenario, path)
    lines = [f"# {title.split('  (')[0]}", "", f"Scenario `{path}`: {varied}; held: {_held(sweep, rule_base)}.", ""]
    _, constant = shown(sweep, asked)
    found = tables(sweep, rule_base, asked)
    for heading, caption, header, rows in found:
        if heading is not None:
            lines += [f"## {heading}", ""]
        lines += [*markdown_table([f"{header[0]} \\ {caption}", *header[1:]], rows), ""]
    if not found:
        lines += ["No question changes anywhere in the sweep.", ""]
    if constant:
        lines += [f"The same across the sweep: {_constant_text(constant, rule_base)}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_csv(sweep: Sweep, rule_base: RuleBase) -> str:
    """One row per cell and question: each swept variable's value and run, then the question's verdict there.

    `status`; `favours`, what the experts favour together (named as every
    command names an event); `conflicting` and `experts`, joined by `|`;
    `verdict`, the one line every command prints; `views`, each speaker's
    view (`weiss: favours not withdraw | elischer: curtail possible`).
    """
    header = [name for axis in sweep.axes for name in (axis.variable, f"{axis.variable}_run")]
    header += ["question", "status", "favours", "conflicting", "experts", "verdict", "views"]
    rows = []
    for question in sweep.questions:
        scale = _scale(rule_base, question.id)
        for index, cell in question.cells.items():
            place = [
                text
                for axis, position in zip(sweep.axes, index, strict=True)
                for text in (axis.values[position], axis.runs[position].label)
            ]
            verdict = cell.verdict
            views = {**verdict.others, **verdict.views}
            rows.append(
                [
                    *(show_plain(value) if isinstance(value, bool) else value for value in place),
                    question.id,
                    cell.status,
                    event_name(scale, verdict.favours) if verdict.favours is not None else "",
                    "|".join(verdict.conflicting),
                    "|".join(verdict.experts),
                    verdict_text(scale, verdict),
                    " | ".join(f"{stance.expert}: {view_text(scale, views[stance.expert])}" for stance in cell.stances),
                ]
            )
    return csv_text(header, rows)
