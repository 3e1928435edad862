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
from engine.render.report import outcomes_text
from engine.render.text import _Style
from engine.render.verdicts import event_name, verdict_text

SCHEMA_VERSION = "1.0"


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


def _own(rule_id: str, expert: str) -> str:
    return rule_id.removeprefix(f"{expert}.")


def _stance(stance: StanceGlance, scale: Sequence[str]) -> str:
    if stance.self_conflict:
        return f"a self-conflict ({' vs '.join(_own(rule, stance.expert) for rule in stance.rules)})"
    words = outcomes_text(stance.outcomes)
    if stance.favours is not None:
        return f"{words}, favouring {event_name(scale, stance.favours)}"
    return f"{words}, favouring nothing"


def stance_change_text(change: StanceChange, scale: Sequence[str]) -> str:
    if change.after is None:
        return f"{change.expert} falls silent"
    if change.before is None:
        return f"{change.expert} now says {_stance(change.after, scale)}"
    return f"{change.expert}'s stance becomes {_stance(change.after, scale)}"


def glance_text(question: QuestionGlance) -> str:
    """The verdict as every command words it: `agree on not withdraw`, `conflict: a vs b`, `no stance`."""
    return verdict_text(question.scale, question.verdict)


def effect_text(flip: Flip) -> str:
    """What a flip does to its question: stance changes, then the outcome when it changes."""
    parts = [stance_change_text(change, flip.before.scale) for change in flip.stances]
    if flip.outcome_changed:
        parts.append(f"verdict {glance_text(flip.before)} -> {glance_text(flip.after)}")
    return "; ".join(parts)


def flip_text(flip: Flip, rule_base: RuleBase) -> str:
    """`junta_pays: false -> true: elischer's stance becomes a self-conflict (more_if_paid vs curtail_if_trend); ...`."""
    return f"{' and '.join(change_text(change, rule_base) for change in flip.changes)}: {effect_text(flip)}"


def now_text(question: QuestionGlance) -> str:
    stances = "; ".join(f"{stance.expert} {_stance(stance, question.scale)}" for stance in question.stances)
    return f"now {glance_text(question)}" + (f": {stances}" if stances else "")


def _given(scenario: Scenario, rule_base: RuleBase) -> str:
    return ", ".join(f"{name}={show_plain(scenario.values[name])}" for name in rule_base.vocabulary.variables)


def render_text(flips: Flips, scenario: Scenario, path: str, rule_base: RuleBase, width: int = 100, colour: bool = False) -> str:
    style = _Style(colour, width)
    lines = [f"What flips {scenario.name}  ({path})"]
    lines += style.wrap(f"given: {_given(scenario, rule_base)}", "       ", "")
    lines += style.wrap(
        "the smallest changes of one input, then of two, that change an expert's stance, an outcome or a status "
        f"({flips.evaluated} classes of scenarios tried)",
        "",
    )
    for question in flips.questions:
        lines.append("")
        lines += _question_text(question, rule_base, style)
    return "\n".join(lines) + "\n"


def _question_text(question: QuestionFlips, rule_base: RuleBase, style: _Style) -> list[str]:
    lines = style.wrap(f"{question.id}: {question.text}", " " * (len(question.id) + 2), "")
    lines += style.wrap(now_text(question.now), "      ", "  ")
    if not question.single and not question.pairs:
        lines.append("  nothing flips it: no change of one or two inputs changes a stance, the outcome or the status")
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
        "The smallest changes of one input, then of two, that change an expert's stance, a question's outcome or its status; "
        "each value is the nearest that crosses a threshold, and the threshold is named."
    )
    for question in flips.questions:
        lines += ["", f"## {question.id}: {question.text}", "", f"{now_text(question.now).capitalize()}.", ""]
        if not question.single and not question.pairs:
            lines.append("Nothing flips it: no change of one or two inputs changes a stance, the outcome or the status.")
            continue
        for title, found in (("Single changes", question.single), ("Pairs", question.pairs)):
            if found:
                lines += [f"{title}:", ""]
                lines += [f"- {_markdown(flip_text(flip, rule_base))}" for flip in found]
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")


def _glance_json(question: QuestionGlance) -> dict[str, Any]:
    return {
        "status": question.status,
        "favours": list(question.verdict.favours) if question.verdict.favours else None,
        "conflicting": list(question.verdict.conflicting),
        "stances": [
            {"expert": stance.expert, "outcomes": list(stance.outcomes), "rules": list(stance.rules)} for stance in question.stances
        ],
    }


def _stance_json(stance: StanceGlance | None) -> dict[str, Any] | None:
    return None if stance is None else {"outcomes": list(stance.outcomes), "rules": list(stance.rules)}


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
            {"expert": change.expert, "before": _stance_json(change.before), "after": _stance_json(change.after)} for change in flip.stances
        ],
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
