"""What flips a forecast: the smallest changes of a scenario's inputs that change a question's verdict.

A change is one of the verdict as `QuestionGlance.key` measures it
(VERDICTS.md section 7): its status, who speaks, what is favoured (by the
experts together, or by any one speaker), who is in a conflict.

For each question, single changes come first: each variable moved to the
nearest value of each neighbouring run (`engine.explore.boundaries`), down
and up, further runs only where they change something more. Then pairs:
two variables moved together where the pair does something that neither
change does alone. A pair whose effect is only the two single effects side
by side (one expert changes with the first, another with the second) is not
listed, nor one whose effect one of its changes has alone, nor one whose
effect a nearer pair already has.

Each change names the thresholds it crosses, the deciding one first: the
rule test between the new value's run and its neighbour towards the old
value. Only certain scenarios have flips: an uncertain input has no one
value to move from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations

from engine.explore.boundaries import Boundaries, Run, Threshold
from engine.explore.glance import Glancer, QuestionGlance, StanceGlance
from engine.language import Value
from engine.load.scenario import check_values
from engine.pipeline import Engine
from engine.records import record


@record
class Change:
    """One input moved: from `old` to `new`, into `run`, across `thresholds` (the deciding one first)."""

    variable: str
    old: Value
    new: Value
    run: Run
    thresholds: tuple[Threshold, ...]


@record
class StanceChange:
    """One speaker's stance before and after (None: silent), where what he favours, his self-conflict or his claims changed."""

    expert: str
    before: StanceGlance | None
    after: StanceGlance | None


@record
class Flip:
    """One or two changes, and what they do to one question."""

    changes: tuple[Change, ...]
    stances: tuple[StanceChange, ...]
    before: QuestionGlance
    after: QuestionGlance

    @property
    def verdict_changed(self) -> bool:
        """Whether the verdict across the experts changed: its status, what they favour together, or who is in a conflict."""
        verdict_before, verdict_after = self.before.verdict, self.after.verdict
        return (verdict_before.status, verdict_before.favours, verdict_before.conflicting) != (
            verdict_after.status,
            verdict_after.favours,
            verdict_after.conflicting,
        )


@record
class QuestionFlips:
    """What flips one question: its glance now, the single changes, then the pairs."""

    id: str
    text: str
    now: QuestionGlance
    single: tuple[Flip, ...]
    pairs: tuple[Flip, ...]


@record
class Flips:
    """The flips of one scenario, question by question; `evaluated` classes were forecast to find them."""

    values: Mapping[str, Value]
    questions: tuple[QuestionFlips, ...]
    evaluated: int


@record
class _Move:
    """A variable moved into a run, with the nearer move in the same direction (None: the first one)."""

    variable: str
    run: Run
    value: Value
    inner: _Move | None


def _moves(bounds: Boundaries, name: str, value: Value) -> list[_Move]:
    """Every run of `name` but the one `value` is in, each at its nearest value: down first, then up, nearest first."""
    runs = bounds.runs(name)
    here = bounds.run_of(name, value).index
    moves: list[_Move] = []
    for chain, downwards in ((reversed(runs[:here]), True), (runs[here + 1 :], False)):
        inner: _Move | None = None
        for run in chain:
            inner = _Move(name, run, run.nearest(downwards), inner)
            moves.append(inner)
    return moves


def _stance_changes(before: QuestionGlance, after: QuestionGlance, order: Mapping[str, int]) -> tuple[StanceChange, ...]:
    experts = sorted({stance.expert for stance in (*before.stances, *after.stances)}, key=lambda name: (order.get(name, len(order)), name))
    found = []
    for expert in experts:
        old, new = before.stance(expert), after.stance(expert)
        if _said(before, expert) != _said(after, expert) or (old.rules if old else ()) != (new.rules if new else ()):
            found.append(StanceChange(expert, old, new))
    return tuple(found)


def _said(question: QuestionGlance, expert: str) -> tuple[object, ...] | None:
    """What a change of one speaker is measured on: what he favours and whether his ranges clash (None: silent)."""
    stance = question.stance(expert)
    return (stance.favours, stance.self_conflict) if stance is not None else None


def _composes(base: QuestionGlance, first: QuestionGlance, second: QuestionGlance, both: QuestionGlance) -> bool:
    """Whether both changes together do no more than each does alone: every expert as one of the two leaves them."""
    experts = {stance.expert for question in (base, first, second, both) for stance in question.stances}
    for expert in experts:
        alone = _said(first, expert) if _said(first, expert) != _said(base, expert) else _said(second, expert)
        if _said(both, expert) != alone:
            return False
    return True


def flips(
    engine: Engine,
    values: Mapping[str, Value],
    questions: Iterable[str] | None = None,
    *,
    pairs: bool = True,
    glancer: Glancer | None = None,
) -> Flips:
    """The flips of a certain scenario (every variable given), for `questions` (default: all).

    `InputError` for a bad value; an unknown question id is a `KeyError`
    (the command line checks it first).
    """
    checked = check_values(engine.vocabulary, values)
    glancer = glancer or Glancer(engine)
    bounds = Boundaries(engine.rule_base, glancer.space)
    before_count = glancer.evaluations
    order = {name: position for position, name in enumerate(engine.rule_base.experts)}
    asked = list(questions) if questions is not None else list(engine.vocabulary.questions)
    base = glancer.glance(checked)
    moves = {name: _moves(bounds, name, checked[name]) for name in engine.vocabulary.variables}

    def change(move: _Move) -> Change:
        old = checked[move.variable]
        return Change(move.variable, old, move.value, move.run, bounds.crossed(move.variable, old, move.value))

    def moved(*chosen: _Move) -> Mapping[str, QuestionGlance]:
        return glancer.glance({**checked, **{move.variable: move.value for move in chosen}}).questions

    found = []
    for question_id in asked:
        now = base.questions[question_id]
        single: list[Flip] = []
        for name in engine.vocabulary.variables:
            for move in moves[name]:
                after = moved(move)[question_id]
                nearer = moved(move.inner)[question_id] if move.inner is not None else now
                if after.key != now.key and after.key != nearer.key:
                    single.append(Flip((change(move),), _stance_changes(now, after, order), now, after))
        paired: list[Flip] = []
        if pairs:
            for first_name, second_name in combinations(engine.vocabulary.variables, 2):
                for first in moves[first_name]:
                    for second in moves[second_name]:
                        both = moved(first, second)[question_id]
                        alone = (moved(first)[question_id], moved(second)[question_id])
                        if both.key in (now.key, alone[0].key, alone[1].key) or _composes(now, *alone, both):
                            continue
                        closer = [moved(first.inner, second)] if first.inner is not None else []
                        closer += [moved(first, second.inner)] if second.inner is not None else []
                        if any(other[question_id].key == both.key for other in closer):
                            continue
                        paired.append(Flip((change(first), change(second)), _stance_changes(now, both, order), now, both))
        question = engine.vocabulary.questions[question_id]
        found.append(QuestionFlips(question_id, question.text, now, tuple(single), tuple(paired)))
    return Flips(values=checked, questions=tuple(found), evaluated=glancer.evaluations - before_count)
