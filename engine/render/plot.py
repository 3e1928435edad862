"""A sweep drawn with matplotlib (`forecast sweep --plot FILE.svg|png`), coloured by status and favoured event.

matplotlib is an optional extra (`pip install '.[plot]'`), imported only
here and only when a plot is asked for. One variable: a strip per question,
a cell per run. Two: a grid per question, the first variable down, the
second across. Within a question each status with what the experts favour
(`agree` on crumbles, `one voice` favouring nothing) has its colour, and the
cell says it as the sweep's table does; a conflict is red, no stance grey.
The drawing is deterministic: an SVG has a fixed hash salt and no date, so
the same sweep gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, SetupError
from engine.explore.glance import QuestionGlance
from engine.explore.sweep import QuestionSweep, Sweep
from engine.model import RuleBase, Scenario
from engine.render.sweep import cell_text, run_heading, shown
from engine.writing import write_atomically

FORMATS = (".svg", ".png")
PALETTE = ("#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5")
CONFLICT = "#ff9896"
SILENT = "#e5e5e5"
INSTALL = "pip install '.[plot]'"


def check_plot(path: Path) -> None:
    """Refuse, before any work, a plot file of another kind (exit 2) or a missing matplotlib (exit 1)."""
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"cannot tell the kind of plot from '{path.suffix or path.name}'",
            key="--plot",
            location=Location(path),
            suggestion="name a .svg or .png file",
        )
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SetupError(f"--plot needs matplotlib, which is not installed: {INSTALL}") from None


def _colour_key(cell: QuestionGlance) -> tuple[str, ...]:
    """What a colour stands for: a conflict and no stance each one colour; any other status with what the experts favour together."""
    return (cell.status,) if cell.status in ("conflict", "no stance") else (cell.status, *(cell.verdict.favours or ()))


def _colours(question: QuestionSweep) -> dict[tuple[str, ...], str]:
    """A colour per status and favoured event of a question, in the order they first appear; red for a conflict, grey for no stance."""
    found: dict[tuple[str, ...], str] = {}
    for cell in question.cells.values():
        key = _colour_key(cell)
        if key not in found:
            if cell.status == "conflict":
                found[key] = CONFLICT
            elif cell.status == "no stance":
                found[key] = SILENT
            else:
                found[key] = PALETTE[sum(1 for colour in found.values() if colour in PALETTE) % len(PALETTE)]
    return found


def _cell(axes: Any, x: int, y: int, text: str, colour: str) -> None:
    from matplotlib.patches import Rectangle

    axes.add_patch(Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
    axes.text(x + 0.5, y + 0.5, text.replace(": ", ":\n", 1), ha="center", va="center", fontsize=8, wrap=True)


def _frame(axes: Any, columns: Sequence[str], rows: Sequence[str], xlabel: str, ylabel: str) -> None:
    axes.set_xlim(0, len(columns))
    axes.set_ylim(len(rows), 0)
    axes.set_xticks([index + 0.5 for index in range(len(columns))], columns, fontsize=8)
    axes.set_yticks([index + 0.5 for index in range(len(rows))], rows, fontsize=8)
    axes.xaxis.tick_top()
    axes.xaxis.set_label_position("top")
    axes.set_xlabel(xlabel, fontsize=9)
    axes.set_ylabel(ylabel, fontsize=9)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)


def figure_of(sweep: Sweep, scenario: Scenario, rule_base: RuleBase, asked: bool = False) -> Any:
    """The matplotlib figure of a sweep (matplotlib's non-interactive Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    drawn, _ = shown(sweep, asked)
    drawn = drawn or list(sweep.questions)
    scale = {question.id: rule_base.vocabulary.questions[question.id].outcomes for question in drawn}
    if len(sweep.axes) == 1:
        axis = sweep.axes[0]
        columns = [run_heading(axis, index) for index in range(len(axis.runs))]
        figure = Figure(figsize=(2.5 + 2.1 * len(columns), 1.4 + 0.7 * len(drawn)))
        axes = figure.add_subplot()
        for row, question in enumerate(drawn):
            colours = _colours(question)
            for column in range(len(columns)):
                cell = question.cells[(column,)]
                _cell(axes, column, row, cell_text(cell, scale[question.id]), colours[_colour_key(cell)])
        _frame(axes, columns, [question.id for question in drawn], axis.variable, "question")
        figure.suptitle(f"{scenario.name}: sweep of {axis.variable}", fontsize=10)
    else:
        down, across = sweep.axes
        columns = [run_heading(across, index) for index in range(len(across.runs))]
        rows = [run_heading(down, index) for index in range(len(down.runs))]
        per_row = 1 if len(drawn) == 1 else 2
        lines = (len(drawn) + per_row - 1) // per_row
        figure = Figure(figsize=(per_row * (2.0 + 1.9 * len(columns)), lines * (1.6 + 0.7 * len(rows))))
        for number, question in enumerate(drawn, start=1):
            axes = figure.add_subplot(lines, per_row, number)
            colours = _colours(question)
            for row in range(len(rows)):
                for column in range(len(columns)):
                    cell = question.cells[(row, column)]
                    _cell(axes, column, row, cell_text(cell, scale[question.id]), colours[_colour_key(cell)])
            _frame(axes, columns, rows, across.variable, down.variable)
            axes.set_title(question.id, fontsize=9, pad=28)
        figure.suptitle(f"{scenario.name}: sweep of {down.variable} and {across.variable}", fontsize=10)
    figure.tight_layout()
    return figure


def plot_sweep(sweep: Sweep, scenario: Scenario, rule_base: RuleBase, path: Path, asked: bool = False) -> None:
    """Draw the sweep into `path` (.svg or .png), whole or not at all; the same sweep gives the same bytes."""
    import matplotlib

    figure = figure_of(sweep, scenario, rule_base, asked)
    buffer = io.BytesIO()
    kind = path.suffix.lower().lstrip(".")
    with matplotlib.rc_context({"svg.hashsalt": "forecast", "svg.fonttype": "path"}):
        metadata = {"Date": None} if kind == "svg" else {"Software": None}
        figure.savefig(buffer, format=kind, metadata=metadata)
    write_atomically(path, buffer.getvalue())
