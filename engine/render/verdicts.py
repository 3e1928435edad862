"""The one wording of a verdict and of a stance, shared by every command (forecast, matrix, sweep, flips, batch).

An event is named as a reader would name it on the question's scale: one
outcome (`curtail`), all but one (`not withdraw`), the top or bottom of an
ordered scale (`at least curtail`, `at most maintain`), else the outcomes
themselves (`curtail or maintain`). A verdict reads `agree on not withdraw`,
`one voice (weiss): favours crumbles`, `compatible`, `conflict: weiss vs
elischer`, `no stance`; possibilities follow, with who raised them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.model import Reading
from engine.render.odds import percent, rated_text
from engine.resolve.odds import Figure
from engine.resolve.verdict import Verdict, View


def event_name(scale: Sequence[str], event: Sequence[str]) -> str:
    """An event (outcomes of `scale`) as a reader names it."""
    members = [outcome for outcome in scale if outcome in set(event)]
    if not members:
        return "(none)"
    if len(members) == len(scale):
        return "any outcome"
    if len(members) == 1:
        return members[0]
    if len(members) == len(scale) - 1:
        missing = next(outcome for outcome in scale if outcome not in members)
        return f"not {missing}"
    positions = [scale.index(outcome) for outcome in members]
    contiguous = positions == list(range(positions[0], positions[-1] + 1))
    if contiguous and positions[-1] == len(scale) - 1:
        return f"at least {members[0]}"
    if contiguous and positions[0] == 0:
        return f"at most {members[-1]}"
    return " or ".join(members)


def view_text(scale: Sequence[str], view: View, *, possible: bool = True) -> str:
    """One speaker in short: favours X, the possibilities raised, points both ways, a self-conflict, or that they favour nothing."""
    if view.bounds is None:
        return "SELF-CONFLICT: " + " vs ".join(view.clashing)
    parts = []
    if view.favours is not None:
        parts.append(f"favours {event_name(scale, view.favours)}")
    elif view.numeric:
        parts.append("favours nothing")
    if view.possible and possible:
        raised = ", ".join(event_name(scale, event) for event in view.possible)
        parts.append(f"{raised} possible")
    if view.both_ways:
        parts.append("points both ways")
    return "; ".join(parts)


def verdict_text(scale: Sequence[str], verdict: Verdict) -> str:
    """The verdict in one line: status, what is favoured or who conflicts, the possibilities raised, and who spoke apart."""
    apart = f" (reported apart, not counted: {', '.join(verdict.others)})" if verdict.others else ""
    return _verdict_head(scale, verdict) + apart


def _verdict_head(scale: Sequence[str], verdict: Verdict) -> str:
    status = verdict.status
    if status == "no stance":
        return "no stance"
    if status == "conflict":
        head = "conflict: " + " vs ".join(verdict.conflicting)
    elif status == "agree":
        assert verdict.favours is not None
        head = f"agree on {event_name(scale, verdict.favours)}"
    elif status == "one voice":
        (expert,) = verdict.experts
        shown = view_text(scale, verdict.views[expert])
        return f"one voice ({expert})" + (f": {shown}" if shown else "")
    else:
        head = "compatible"
    raised = [f"{event_name(scale, event)} ({expert})" for expert, event in verdict.possible]
    return head + (f"; possible: {', '.join(raised)}" if raised else "")


def cell_text(scale: Sequence[str], verdict: Verdict) -> str:
    """The verdict in a table cell: the status and what is favoured or who conflicts."""
    if verdict.status == "agree" and verdict.favours is not None:
        return f"agree: {event_name(scale, verdict.favours)}"
    if verdict.status == "one voice":
        favours = verdict.views[verdict.experts[0]].favours
        return f"one voice: {event_name(scale, favours)}" if favours else "one voice"
    if verdict.status == "conflict":
        return f"conflict ({', '.join(verdict.conflicting)})"
    return verdict.status


def statuses_text(statuses: Mapping[str, Figure]) -> str:
    """How likely each status is, in the order of the statuses (uncertain inputs)."""
    return ", ".join(f"{status} {percent(figure)}" for status, figure in statuses.items() if figure.high > 0)


def claim_text(scale: Sequence[str], event: Sequence[str], words: str, hedged: bool, reading: Reading) -> str:
    """One claim in words with its range, as a table cell gives it.

    `P(withdraw) 20-45% "unlikely"`, `P(crumbles) 80-99% stated as fact`;
    words that give no number raise their event as possible: `curtail
    possible ("may")`, `withdraw possible (assumed)`. A range the cited
    scale does not give is marked as the analyst's reading.
    """
    said = f'"{words}"' if hedged else words
    name = event_name(scale, event)
    if reading.low is None or reading.high is None:
        return f"{name} possible ({said})"
    shown = rated_text(name, said, Figure(float(reading.low), float(reading.high)))
    return shown if reading.standard else f"{shown} (analyst's reading)"
