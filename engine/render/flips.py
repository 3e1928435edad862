"""What flips a forecast, as text, Markdown and JSON (`forecast flips`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.explore.boundaries import Threshold
from engine.explore.flips import Change, Flip, Flips, QuestionFlips, StanceChange
from engine.explore.glance import QuestionGlance, StanceGlance
from engine.language import BooleanKind, show_plain
from engine.model import RuleBase, Scenario
from engine.render.style import Style
from engine.render.verdicts import verdict_text, view_text

SCHEMA_VERSION = "2.0"


def _and(words: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _tests(thresholds: Sequence[Threshold]) -> str:
    """`analyst.trend_from_clashes's "at least 2"`, `cal.glut's "is rich" and cal.heat's "is not rich"`."""
    return _and([f'{_and(threshold.rules)}\'s "{threshold.words}"' for threshold in thresholds])


def change_text(change: Change, rule_base: RuleBase) -> str:
    """`deadly_clashes: 4 -> 1 (below 2, analyst.trend_from_clashes's "at least 2"; also below 3)`; a boolean names no threshold.

    The thresholds are grouped by where the new value stands; the deciding
    group (the first) names its tests, a further group only the tests of
    rules the first does not name.
    """
    text = f"{change.variable}: {show_plain(change.old)} -> {show_plain(change.new)}"
    if isinstance(rule_base.vocabulary.kinds[change.variable], BooleanKind) or not change.thresholds:
        return text
    groups: dict[str, list[Threshold]] = {}
    for threshold in change.thresholds:
        groups.setdefault(threshold.where, []).append(threshold)
    (where, deciding), *others = groups.items()
    named = {rule for threshold in deciding for rule in threshold.rules}
    parts = [f"{where}, {_tests(deciding)}"]
    for where, group in others:
        new = [threshold for threshold in group if not set(threshold.rules) <= named]
        parts.append(f"also {where}" + (f", {_tests(new)}" if new else ""))
    return f"{text} ({'; '.join(parts)})"


def _view(question: QuestionGlance, stance: StanceGlance) -> str:
    """A speaker's view as every command words it, marked when it is not counted (a partisan source, the analyst)."""
    verdict = question.verdict
    view = verdict.views.get(stance.expert) or verdict.others[stance.expert]
    return view_text(question.scale, view) + ("" if stance.expert in verdict.views else " (not counted)")


def stance_change_text(change: StanceChange, before: QuestionGlance, after: QuestionGlance) -> str:
    """`elischer falls silent`, `analyst now says: withdraw possible (not counted)`, `elischer's view becomes: SELF-CONFLICT: ...`."""
    if change.after is None:
        return f"{change.expert} falls silent"
    if change.before is None:
        return f"{change.expert} now says: {_view(after, change.after)}"
    return f"{change.expert}'s view becomes: {_view(after, change.after)}"


def glance_text(question: QuestionGlance) -> str:
    """The verdict as every command words it: `agree on not withdraw`, `conflict: a vs b`, `no stance`."""
    return verdict_text(question.scale, question.verdict)


def effect_text(flip: Flip) -> str:
    """What a flip does to its question: the speakers' changes, then the verdict's when it changes."""
    parts = [stance_change_text(change, flip.before, flip.after) for change in flip.stances]
    if flip.verdict_changed:
        parts.append(f"verdict becomes {glance_text(flip.after)}")
    return "; ".join(parts)


def flip_text(flip: Flip, rule_base: RuleBase) -> str:
    """`deadly_clashes: 4 -> 1 (below 2, ...): elischer falls silent; verdict becomes one voice (weiss): favours not withdraw`."""
    return f"{' and '.join(change_text(change, rule_base) for change in flip.changes)}: {effect_text(flip)}"


def views_text(question: QuestionGlance) -> list[str]:
    """Each speaker's view, one a line: `weiss: favours not withdraw`."""
    return [f"{stance.expert}: {_view(question, stance)}" for stance in question.stances]


def _given(scenario: Scenario, rule_base: RuleBase) -> str:
    return ", ".join(f"{name}={show_plain(scenario.values[name])}" for name in rule_base.vocabulary.variables)


def render_text(flips: Flips, scenario: Scenario, path: str, rule_base: RuleBase, width: int = 100, colour: bool = False) -> str:
    style = Style(colour, width)
    lines = [f"What flips {scenario.name}  ({path})"]
    lines += style.wrap(f"given: {_given(scenario, rule_base)}", "       ", "")
    lines += style.wrap(
        "the smallest changes of one input, then of two, that change a verdict: its status, who speaks, what is favoured "
        f"(by the experts together or by one of them), who is in a conflict ({flips.evaluated} classes of scenarios tried)",
        "",
    )
    for question in flips.questions:
        lines.append("")
        lines += _question_text(question, rule_base, style)
    return "\n".join(lines) + "\n"


def _question_text(question: QuestionFlips, rule_base: RuleBase, style: Style) -> list[str]:
    lines = style.wrap(f"{question.id}: {question.text}", " " * (len(question.id) + 2), "")
    lines += style.wrap(f"now {glance_text(question.now)}", "      ", "  ")
    for line in views_text(question.now):
        lines += style.wrap(line, "        ", "      ")
    if not question.single and not question.pairs:
        lines.append("  nothing flips it: no change of one or two inputs changes its verdict")
        return lines
    for title, found in (("single changes", question.single), ("pairs", question.pairs)):
        if not found:
            continue
        lines.append(f"  {title}")
        for flip in found:
            text = flip_text(flip, rule_base)
            wrapped = style.wrap(text, "        ", "    ")
            head = ", ".join(change.variable for change in flip.changes)
            wrapped[0] = style.within(wrapped[0], head.split(", ")[0], bold=True)
            lines += wrapped
    return lines


def render_markdown(flips: Flips, scenario: Scenario, path: str, rule_base: RuleBase) -> str:
    lines = [f"# What flips {scenario.name}", "", f"Scenario `{path}`: {_given(scenario, rule_base)}.", ""]
    lines.append(
        "The smallest changes of one input, then of two, that change a question's verdict: its status, who speaks, "
        "what is favoured (by the experts together or by one of them), who is in a conflict; "
        "each value is the nearest that crosses a threshold, and the threshold is named."
    )
    for question in flips.questions:
        lines += ["", f"## {question.id}: {question.text}", "", f"Now: {_markdown(glance_text(question.now))}.", ""]
        lines += [f"- {_markdown(line)}" for line in views_text(question.now)]
        lines.append("")
        if not question.single and not question.pairs:
            lines.append("Nothing flips it: no change of one or two inputs changes its verdict.")
            continue
        for title, found in (("Single changes", question.single), ("Pairs", question.pairs)):
            if found:
                lines += [f"{title}:", ""]
                lines += [f"- {_markdown(flip_text(flip, rule_base))}" for flip in found]
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")


def _stance_json(question: QuestionGlance, stance: StanceGlance | None) -> dict[str, Any] | None:
    if stance is None:
        return None
    verdict = question.verdict
    view = verdict.views.get(stance.expert) or verdict.others[stance.expert]
    return {
        "expert": stance.expert,
        "counted": stance.expert in verdict.views,
        "rules": list(stance.rules),
        "favours": list(view.favours) if view.favours is not None else None,
        "possible": [list(event) for event in view.possible],
        "self_conflict": view.bounds is None,
        "view": view_text(question.scale, view),
    }


def _glance_json(question: QuestionGlance) -> dict[str, Any]:
    verdict = question.verdict
    return {
        "status": question.status,
        "verdict": glance_text(question),
        "experts": list(verdict.experts),
        "favours": list(verdict.favours) if verdict.favours is not None else None,
        "conflicting": list(verdict.conflicting),
        "stances": [_stance_json(question, stance) for stance in question.stances],
    }


def _flip_json(flip: Flip, rule_base: RuleBase) -> dict[str, Any]:
    return {
        "changes": [
            {
                "variable": change.variable,
                "from": change.old,
                "to": change.new,
                "run": change.run.label,
                "thresholds": [
                    {"test": threshold.words, "where": threshold.where, "rules": list(threshold.rules), "holds": threshold.holds}
                    for threshold in change.thresholds
                ],
            }
            for change in flip.changes
        ],
        "stances": [
            {"expert": change.expert, "before": _stance_json(flip.before, change.before), "after": _stance_json(flip.after, change.after)}
            for change in flip.stances
        ],
        "verdict_changed": flip.verdict_changed,
        "after": _glance_json(flip.after),
        "text": flip_text(flip, rule_base),
    }


def to_json(flips: Flips, scenario: Scenario, path: str, rule_base: RuleBase) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": scenario.name, "file": path, "variables": dict(flips.values)},
        "evaluated": flips.evaluated,
        "questions": [
            {
                "id": question.id,
                "text": question.text,
                "now": _glance_json(question.now),
                "single": [_flip_json(flip, rule_base) for flip in question.single],
                "pairs": [_flip_json(flip, rule_base) for flip in question.pairs],
            }
            for question in flips.questions
        ],
    }


def render_json(flips: Flips, scenario: Scenario, path: str, rule_base: RuleBase) -> str:
    return json.dumps(to_json(flips, scenario, path, rule_base), indent=2, ensure_ascii=False) + "\n"
