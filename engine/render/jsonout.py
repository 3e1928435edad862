"""The forecast as JSON: a versioned contract, documented in docs/json.md."""

from __future__ import annotations

import json
from typing import Any

from engine.model import RuleBase
from engine.render.report import Report
from engine.resolve.results import Stance, Step

SCHEMA_VERSION = "1.0"


def _step_json(step: Step, rule_base: RuleBase) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "expert": step.expert,
        "expert_name": rule_base.experts[step.expert].name,
        "assumption": step.is_assumption,
        "assumes": step.assumption,
        "concludes": step.concludes,
        "hedge": step.hedge,
        "because": [{"condition": condition.text, "matched": condition.matched} for condition in step.conditions],
        "quote": step.quote,
        "seed": step.seed,
        "span": [step.span.start, step.span.end] if step.span else None,
        "context": [{"quote": text, "span": [span.start, span.end] if span else None} for text, span in step.context],
        "note": step.note,
    }


def _stance_json(stance: Stance, rule_base: RuleBase) -> dict[str, Any]:
    expert = rule_base.experts[stance.expert]
    return {
        "expert": stance.expert,
        "expert_name": expert.name,
        "expert_kind": expert.kind.value,
        "outcomes": list(stance.outcomes),
        "status": stance.status,
        "hedges": list(stance.hedges),
        "rules": list(stance.rules),
        "rests_on_assumption": stance.rests_on_assumption,
        "trace": [_step_json(step, rule_base) for step in stance.trace],
    }


def to_json(report: Report) -> dict[str, Any]:
    """The forecast as the documented JSON contract (docs/json.md)."""
    forecast = report.forecast
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": {
            "name": report.scenario.name,
            "file": report.scenario_path,
            "variables": {name: forecast.values[name] for name in report.rule_base.vocabulary.variables},
        },
        "rule_base": {"directory": report.rules_path, "rules": len(report.rule_base.rules)},
        "questions": [
            {
                "id": result.id,
                "text": result.text,
                "scale": list(result.scale),
                "outcome": list(result.outcome),
                "status": result.status,
                "stances": [_stance_json(stance, report.rule_base) for stance in result.stances],
            }
            for result in report.shown
        ],
        "facts": {fact: list(rules) for fact, rules in forecast.facts.items()},
        "expectations": {
            "checked": len(report.scenario.expect),
            "unmet": [
                {"question": item.question, "field": item.field, "expected": item.expected, "actual": item.actual} for item in report.unmet
            ],
        },
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
