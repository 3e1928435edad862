"""The coverage of a scenario suite, as text and JSON (`forecast check --coverage`)."""

from __future__ import annotations

from typing import Any

from engine.explore.coverage import Coverage
from engine.language import branches, describe_literal
from engine.model import RuleBase


def _percent(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0") + "%"


def _branch(rule_base: RuleBase, rule_id: str, index: int) -> str:
    found = branches(rule_base.rule(rule_id).when)
    literals = " and ".join(describe_literal(literal) for literal in found[index]) or "always"
    return f"{rule_id} branch {index + 1} of {len(found)} ({literals})"


def render_text(found: Coverage, rule_base: RuleBase, minimum: float | None = None, width: int = 100) -> list[str]:
    """The coverage section of `forecast check`: the figures, then what is missing."""
    from engine.render.style import Style

    style = Style(False, width)
    uncertain = [scenario for scenario in found.scenarios if not scenario.certain]
    lines = [f"coverage of {len(found.scenarios)} scenario{'s' if len(found.scenarios) != 1 else ''}"]
    if uncertain:
        classes = sum(scenario.classes for scenario in uncertain)
        sampled = " (some sampled)" if any(scenario.sampled for scenario in uncertain) else ""
        lines[0] += f" ({len(uncertain)} uncertain: {classes} classes they give a chance{sampled})"
    covered = sum(rule.covered for rule in found.rules)
    lines.append(f"  rules     {covered} of {len(found.rules)} fire ({_percent(found.rule_percent)})")
    branch_line = f"  branches  {found.branches_covered} of {found.branch_count} hold ({_percent(found.branch_percent)})"
    lines += style.wrap(branch_line + f"; {found.branches_alone} hold alone, the only branch of their rule that does", " " * 12, "")
    addressable = found.addressable_outcomes
    addressed = sum(1 for outcome in addressable if outcome.addressed_in)
    kind = "addressable outcomes" if found.searched else "outcomes"
    lines.append(f"  outcomes  {addressed} of {len(addressable)} {kind} addressed ({_percent(found.outcome_percent)})")
    never = [rule for rule in found.rules if not rule.covered]
    if never:
        lines += ["  rules that never fire:", *(f"    {rule.rule}" for rule in never)]
    quiet = [(rule.rule, index) for rule in found.rules if rule.covered for index, held in enumerate(rule.branches) if not held]
    if quiet:
        lines.append("  branches that never hold:")
        lines += [line for rule, index in quiet for line in style.wrap(_branch(rule_base, rule, index), "      ", "    ")]
    beside = [
        (rule.rule, index)
        for rule in found.rules
        if len(rule.branches) > 1
        for index, (held, alone) in enumerate(zip(rule.branches, rule.alone, strict=True))
        if held and not alone
    ]
    if beside:
        lines.append("  branches that hold only beside another of their rule's:")
        lines += [line for rule, index in beside for line in style.wrap(_branch(rule_base, rule, index), "      ", "    ")]
    missed = [outcome for outcome in addressable if not outcome.addressed_in]
    if missed:
        lines += ["  outcomes no scenario's claims address:", *(f"    {outcome.question}: {outcome.outcome}" for outcome in missed)]
    impossible = [outcome for outcome in found.outcomes if outcome.addressable is False]
    if impossible:
        lines += style.wrap(
            "outcomes no claim ever addresses (no number gives them a range and no possibility raises them, in any scenario): "
            + ", ".join(f"{outcome.question}: {outcome.outcome}" for outcome in impossible),
            "    ",
            "  ",
        )
    if minimum is not None:
        verdict = "below" if found.rule_percent < minimum else "at or above"
        lines.append(f"  {_percent(found.rule_percent)} of rules fire: {verdict} the minimum of {_percent(minimum)}")
    return lines


def to_json(found: Coverage, minimum: float | None = None) -> dict[str, Any]:
    return {
        "rule_percent": round(found.rule_percent, 6),
        "branch_percent": round(found.branch_percent, 6),
        "outcome_percent": round(found.outcome_percent, 6),
        "minimum": minimum,
        "ok": minimum is None or found.rule_percent >= minimum,
        "scenarios": [
            {"file": scenario.path, "certain": scenario.certain, "classes": scenario.classes, "sampled": scenario.sampled}
            for scenario in found.scenarios
        ],
        "rules": [
            {
                "rule": rule.rule,
                "fired_in": list(rule.fired_in),
                "branches": [
                    {"held_in": list(held), "alone_in": list(alone)} for held, alone in zip(rule.branches, rule.alone, strict=True)
                ],
            }
            for rule in found.rules
        ],
        "outcomes": [
            {
                "question": outcome.question,
                "outcome": outcome.outcome,
                "addressed_in": list(outcome.addressed_in),
                "addressable": outcome.addressable,
            }
            for outcome in found.outcomes
        ],
    }
