"""Why a rule did not fire, as text, Markdown and JSON (`forecast why-not`, `forecast SCENARIO --why-not`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.explore.whynot import BranchCheck, ConditionCheck, FactWhyNot, WhyNot
from engine.language import show_plain
from engine.model import ExpertKind, RuleBase
from engine.render.odds import conclusion_text
from engine.render.style import Style

SCHEMA_VERSION = "1.1"


def _who(why: WhyNot, rule_base: RuleBase) -> str:
    expert = rule_base.experts[why.expert]
    tag = "ASSUMPTION " if expert.kind is ExpertKind.ANALYST else ""
    return f"{tag}{why.rule} ({expert.name})"


def verdict(why: WhyNot) -> str:
    """`did not fire`, `fired (branch 2 of 2)`."""
    if not why.fired:
        return "did not fire"
    count = len(why.branches)
    if count == 1:
        return "fired"
    held = ", ".join(str(index + 1) for index in why.fired_branches)
    return f"fired (branch{'es' if len(why.fired_branches) > 1 else ''} {held} of {count})"


def condition_text(condition: ConditionCheck) -> str:
    """`junta_pays is true  [scenario: junta_pays = false]`, `fact x  [not derived]`, `no fact x  [derived by r]`."""
    if condition.variable is not None:
        assert condition.value is not None
        return f"{condition.text}  [scenario: {condition.variable} = {show_plain(condition.value)}]"
    if condition.derived_by:
        return f"{condition.text}  [derived by {', '.join(condition.derived_by)}]"
    return f"{condition.text}  [not derived]"


def _branch_head(branch: BranchCheck, count: int) -> str:
    which = "the only branch" if count == 1 else f"branch {branch.index + 1} of {count}"
    return f"{which} {'held' if branch.held else 'failed'}:"


def _lines(why: WhyNot, rule_base: RuleBase, indent: str, style: Style, top: bool) -> list[str]:
    lines: list[str] = []
    head = f"{_who(why, rule_base)} {verdict(why)}"
    lines += style.wrap(head, indent + "    ", indent)
    inner = indent + "  "
    if top:
        lines += style.wrap(f"concludes {conclusion_text(why.concludes, why.hedge, why.rates)}", inner + "  ", inner)
        if why.assumption:
            lines += style.wrap(f"assumes: {why.assumption}", inner + "  ", inner)
        if why.quote:
            where = f"{why.seed}:{why.span.start}-{why.span.end}" if why.span else str(why.seed)
            basis = "basis: " if why.assumption else ""
            lines += style.wrap(f'{basis}"{why.quote}" ({where})', inner + "  ", inner)
        if why.note:
            lines += style.wrap(f"reading: {why.note}", inner + "  ", inner)
    if not why.branches or (len(why.branches) == 1 and not why.branches[0].conditions):
        lines.append(f"{inner}stated without condition")
        return lines
    for branch in why.branches:
        lines.append(f"{inner}{_branch_head(branch, len(why.branches))}")
        for condition in branch.conditions:
            mark = "held  " if condition.held else "FAILED"
            text = style.wrap(f"{mark}  {condition_text(condition)}", inner + "          ", inner + "  ")
            if not condition.held:
                text[0] = style.within(text[0], "FAILED", fg="red", bold=True)
            lines += text
            if condition.missing is not None:
                lines += _fact_lines(condition.missing, rule_base, inner + "          ", style)
    return lines


def _fact_lines(missing: FactWhyNot, rule_base: RuleBase, indent: str, style: Style) -> list[str]:
    if missing.stopped is not None:
        return [f"{indent}({missing.fact}: {missing.stopped})"]
    if not missing.rules:
        return [f"{indent}no rule derives {missing.fact}"]
    lines = [f"{indent}no rule derived {missing.fact}:"]
    for why in missing.rules:
        lines += _lines(why, rule_base, indent + "  ", style, top=False)
    return lines


def render_text(
    explained: Sequence[WhyNot], scenario_name: str, path: str, rule_base: RuleBase, width: int = 100, colour: bool = False
) -> str:
    style = Style(colour, width)
    lines = [f"In {scenario_name}  ({path}):"]
    for number, why in enumerate(explained):
        if number:
            lines.append("")
        lines += _lines(why, rule_base, "  ", style, top=True)
    return "\n".join(lines) + "\n"


def section_text(silent: Sequence[tuple[str, WhyNot]], rule_base: RuleBase, style: Style) -> list[str]:
    """`forecast SCENARIO --why-not`: the silent rules of the experts who spoke, question by question."""
    lines = ["", "why not: the silent rules of experts who spoke on a question"]
    if not silent:
        lines.append("  none: every rule of an expert who spoke on a question fired")
    question = None
    for asked, why in silent:
        if asked != question:
            question = asked
            lines.append(f"  {asked}:")
        lines += _lines(why, rule_base, "    ", style, top=True)
    return lines


def _markdown_lines(why: WhyNot, rule_base: RuleBase, depth: int, top: bool) -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}- **{_who(why, rule_base)}** {verdict(why)}"]
    if top:
        lines.append(f"{pad}  - concludes {conclusion_text(why.concludes, why.hedge, why.rates)}")
        if why.assumption:
            lines.append(f"{pad}  - assumes: {why.assumption}")
        if why.quote:
            lines.append(f'{pad}  - {"basis: " if why.assumption else ""}"{why.quote}" ({why.seed})')
    for branch in why.branches:
        if not branch.conditions:
            lines.append(f"{pad}  - stated without condition")
            continue
        lines.append(f"{pad}  - {_branch_head(branch, len(why.branches))}")
        for condition in branch.conditions:
            mark = "held" if condition.held else "**failed**"
            lines.append(f"{pad}    - {mark}: {_markdown(condition_text(condition))}")
            if condition.missing is not None:
                lines += _markdown_fact(condition.missing, rule_base, depth + 3)
    return lines


def _markdown_fact(missing: FactWhyNot, rule_base: RuleBase, depth: int) -> list[str]:
    pad = "  " * depth
    if missing.stopped is not None:
        return [f"{pad}- {missing.fact}: {missing.stopped}"]
    if not missing.rules:
        return [f"{pad}- no rule derives {missing.fact}"]
    lines = []
    for why in missing.rules:
        lines += _markdown_lines(why, rule_base, depth, top=False)
    return lines


def _markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def render_markdown(explained: Sequence[WhyNot], scenario_name: str, path: str, rule_base: RuleBase) -> str:
    lines = [f"# Why not, in {scenario_name}", "", f"Scenario `{path}`.", ""]
    for why in explained:
        lines += _markdown_lines(why, rule_base, 0, top=True)
    return "\n".join(lines) + "\n"


def section_markdown(silent: Sequence[tuple[str, WhyNot]], rule_base: RuleBase) -> list[str]:
    lines = ["", "## Why not", "", "The silent rules of experts who spoke on a question.", ""]
    if not silent:
        lines.append("None: every rule of an expert who spoke on a question fired.")
    question = None
    for asked, why in silent:
        if asked != question:
            question = asked
            lines += ["", f"### {asked}", ""]
        lines += _markdown_lines(why, rule_base, 0, top=True)
    return lines


def condition_json(condition: ConditionCheck) -> dict[str, Any]:
    return {
        "condition": condition.text,
        "held": condition.held,
        "variable": condition.variable,
        "value": condition.value,
        "fact": condition.fact,
        "derived_by": list(condition.derived_by),
        "missing": fact_json(condition.missing) if condition.missing is not None else None,
    }


def fact_json(missing: FactWhyNot) -> dict[str, Any]:
    return {"fact": missing.fact, "rules": [why_json(why) for why in missing.rules], "stopped": missing.stopped}


def why_json(why: WhyNot) -> dict[str, Any]:
    return {
        "rule": why.rule,
        "expert": why.expert,
        "fired": why.fired,
        "fired_branches": list(why.fired_branches),
        "concludes": why.concludes,
        "hedge": why.hedge,
        "rates": list(why.rates) if why.rates is not None else None,
        "quote": why.quote,
        "seed": why.seed,
        "span": [why.span.start, why.span.end] if why.span else None,
        "assumption": why.assumption,
        "branches": [
            {"index": branch.index, "held": branch.held, "conditions": [condition_json(condition) for condition in branch.conditions]}
            for branch in why.branches
        ],
    }


def render_json(explained: Sequence[WhyNot], scenario_name: str, path: str) -> str:
    data = {
        "schema_version": SCHEMA_VERSION,
        "scenario": {"name": scenario_name, "file": path},
        "rules": [why_json(why) for why in explained],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
