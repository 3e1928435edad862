"""Sweeps: each question's verdict as one or two variables move across every boundary.

Each swept variable takes one value per run (`engine.explore.boundaries`):
the scenario's own value in its own run, else the run's lowest value, where
a threshold starts. Everything else is held at the scenario's values. One
variable gives a table, two a grid, per question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import product

from engine.errors import InputError, did_you_mean
from engine.explore.boundaries import Boundaries, Run
from engine.explore.glance import Glancer, QuestionGlance
from engine.language import Value
from engine.load.scenario import check_values
from engine.pipeline import Engine
from engine.records import record

MAX_VARIABLES = 2


@record
class Axis:
    """One swept variable: its runs, the value taken in each, and the run of the scenario's own value."""

    variable: str
    runs: tuple[Run, ...]
    values: tuple[Value, ...]
    current: int


@record
class QuestionSweep:
    """One question across the sweep: its glance at each cell, keyed by the run index on each axis."""

    id: str
    text: str
    cells: Mapping[tuple[int, ...], QuestionGlance]

    @property
    def constant(self) -> bool:
        """Whether its verdict changes nowhere in the sweep (as `QuestionGlance.key` measures a change)."""
        return len({cell.key for cell in self.cells.values()}) == 1


@record
class Sweep:
    values: Mapping[str, Value]
    axes: tuple[Axis, ...]
    questions: tuple[QuestionSweep, ...]
    evaluated: int


def sweep_variables(engine: Engine, written: Sequence[str]) -> tuple[str, ...]:
    """The variables to sweep, as `--vary` gives them (`a` or `a,b`); `InputError` for an unknown, repeated or third one."""
    names = tuple(name.strip() for part in written for name in part.split(","))
    if not names or any(not name for name in names):
        raise InputError("expected VAR or VAR1,VAR2", key="--vary", suggestion="for example --vary deadly_clashes,kremlin_investment")
    for name in names:
        if name not in engine.vocabulary.variables:
            raise InputError(f"unknown variable '{name}'", key="--vary", suggestion=did_you_mean(name, engine.vocabulary.variables))
    if len(set(names)) != len(names):
        raise InputError(f"'{names[0]}' is given twice", key="--vary", suggestion="sweep two different variables")
    if len(names) > MAX_VARIABLES:
        raise InputError(f"sweeps at most {MAX_VARIABLES} variables at once, got {len(names)}", key="--vary")
    return names


def sweep(
    engine: Engine,
    values: Mapping[str, Value],
    variables: Sequence[str],
    questions: Iterable[str] | None = None,
    *,
    glancer: Glancer | None = None,
) -> Sweep:
    """Sweep one or two `variables` of a certain scenario, for `questions` (default: all)."""
    checked = check_values(engine.vocabulary, values)
    names = sweep_variables(engine, variables)
    glancer = glancer or Glancer(engine)
    bounds = Boundaries(engine.rule_base, glancer.space)
    before = glancer.evaluations
    axes = []
    for name in names:
        runs = bounds.runs(name)
        current = bounds.run_of(name, checked[name]).index
        taken = tuple(checked[name] if run.index == current else run.first for run in runs)
        axes.append(Axis(name, runs, taken, current))
    cells: dict[tuple[int, ...], Mapping[str, QuestionGlance]] = {}
    for index in product(*(range(len(axis.runs)) for axis in axes)):
        moved = {axis.variable: axis.values[position] for axis, position in zip(axes, index, strict=True)}
        cells[index] = glancer.glance({**checked, **moved}).questions
    asked = list(questions) if questions is not None else list(engine.vocabulary.questions)
    found = tuple(
        QuestionSweep(question, engine.vocabulary.questions[question].text, {index: cell[question] for index, cell in cells.items()})
        for question in asked
    )
    return Sweep(values=checked, axes=tuple(axes), questions=found, evaluated=glancer.evaluations - before)
