"""The forecast as JSON: a versioned contract, documented in docs/json.md."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from engine.model import Between, ChanceRange, Chances, Input, RuleBase
from engine.render.report import Report
from engine.resolve.odds import ClaimOdds, Figure, Probabilities, QuestionOdds, StanceOdds
from engine.resolve.results import Stance, Step

SCHEMA_VERSION = "2.1"
PLACES = 12
"""Probabilities are written to 12 decimal places: 0.92, not the 0.9199999999999999 of float arithmetic."""


def _step_json(step: Step, rule_base: RuleBase) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "expert": step.expert,
        "expert_name": rule_base.experts[step.expert].name,
        "assumption": step.is_assumption,
        "assumes": step.assumption,
        "concludes": step.concludes,
        "hedge": step.hedge,
        "rates": list(step.rates) if step.rates is not None else None,
        "because": [{"condition": condition.text, "matched": condition.matched} for condition in step.conditions],
        "quote": step.quote,
        "seed": step.seed,
        "span": [step.span.start, step.span.end] if step.span else None,
        "context": [{"quote": text, "span": [span.start, span.end] if span else None} for text, span in step.context],
        "note": step.note,
        **_provenance_json(rule_base, step.rule),
    }


def _provenance_json(rule_base: RuleBase, rule_id: str) -> dict[str, Any]:
    """Whose words the quote is (`direct` or `reported` speech, None without a quote) and whether the article confirms the speaker."""
    source = rule_base.rule(rule_id).source
    return {"speech": source.speech if source else None, "confirmed": rule_base.experts[rule_base.rule(rule_id).expert].confirmed}


def figure_json(figure: Figure) -> dict[str, float]:
    """A probability: `low == high` when exact; standard errors when estimated."""
    found = {"low": _number(figure.low), "high": _number(figure.high)}
    if figure.se_low is not None and figure.se_high is not None:
        found |= {"se_low": _number(figure.se_low), "se_high": _number(figure.se_high)}
    return found


def _number(value: float | Fraction) -> float:
    return round(float(value), PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0


def _table_json(table: Mapping[str, Figure] | None) -> dict[str, dict[str, float]] | None:
    return {outcome: figure_json(figure) for outcome, figure in table.items()} if table is not None else None


def _claim_json(claim: ClaimOdds, odds: StanceOdds) -> dict[str, Any]:
    reading = claim.reading
    return {
        "rule": claim.rule,
        "event": list(claim.event),
        "words": claim.words,
        "hedged": claim.hedged,
        "reading": {"low": _number(reading.low), "high": _number(reading.high)}
        if reading.low is not None and reading.high is not None
        else None,
        "standard": reading.standard,
        "note": reading.note,
        "fires": figure_json(claim.fires),
        "chance": figure_json(odds.events[claim.event]),
        "assumed": figure_json(claim.assumed) if claim.assumed is not None else None,
    }


def _odds_json(odds: StanceOdds | None) -> dict[str, Any]:
    if odds is None:
        return {"bounds": None, "claims": [], "speaks": None, "self_conflict": None}
    return {
        "bounds": _table_json(odds.bounds),
        "claims": [_claim_json(claim, odds) for claim in odds.claims],
        "speaks": figure_json(odds.speaks),
        "self_conflict": figure_json(odds.clash),
    }


def _stance_json(stance: Stance, rule_base: RuleBase, odds: StanceOdds | None) -> dict[str, Any]:
    expert = rule_base.experts[stance.expert]
    return {
        "expert": stance.expert,
        "expert_name": expert.name,
        "expert_kind": expert.kind.value,
        "concludes": list(stance.outcomes),
        "status": stance.status,
        "hedges": list(stance.hedges),
        "rules": list(stance.rules),
        "rests_on_assumption": stance.rests_on_assumption,
        "accepted": {"name": stance.accepted.name, "reason": stance.accepted.reason} if stance.accepted is not None else None,
        "trace": [_step_json(step, rule_base) for step in stance.trace],
        **_odds_json(odds),
    }


def _uncertain_stance_json(odds: StanceOdds, rule_base: RuleBase) -> dict[str, Any]:
    """An uncertain scenario's stance: no single set of outcomes and no trace, only what the claims say."""
    expert = rule_base.experts[odds.expert]
    hedges = [rule_base.rule(claim.rule).hedge for claim in odds.claims]
    return {
        "expert": odds.expert,
        "expert_name": expert.name,
        "expert_kind": expert.kind.value,
        "concludes": None,
        "status": None,
        "hedges": list(dict.fromkeys(hedge for hedge in hedges if hedge)),
        "rules": [claim.rule for claim in odds.claims],
        "rests_on_assumption": None,
        "accepted": None,
        "trace": [],
        **_odds_json(odds),
    }


def _verdict_json(question: QuestionOdds) -> dict[str, Any]:
    """One verdict per question (VERDICTS.md section 7): no field here can contradict another."""
    verdict = question.verdict
    return {
        "status": verdict.status if verdict is not None else None,
        "statuses": _table_json(question.statuses),
        "experts": list(verdict.experts) if verdict is not None else None,
        "favours": list(verdict.favours) if verdict is not None and verdict.favours else None,
        "favoured": [{"event": list(event), "chance": figure_json(figure)} for event, figure in question.favours.items()],
        "conflicting": list(question.conflicting),
        "clashing": list(verdict.clashing) if verdict is not None else None,
        "together": _table_json(question.together) if question.conflict.low < 1 else None,
        "possible": [{"expert": expert, "event": list(event)} for expert, event in verdict.possible] if verdict is not None else None,
        "pooled": _table_json(question.pooled),
        "weights": {expert: _number(weight) for expert, weight in question.weights.items()},
        "no_number": list(verdict.no_number) if verdict is not None else None,
    }


def _input_json(given: Input) -> Any:
    if isinstance(given, ChanceRange):
        return {"word": given.word, "low": _number(given.low), "high": _number(given.high)}
    if isinstance(given, Between):
        return {"between": [given.low, given.high]}
    if isinstance(given, Chances):
        return {"chances": [[value, _number(weight)] for value, weight in zip(given.values, given.weights, strict=True)]}
    return given


def _method_json(odds: Probabilities) -> Any:
    if odds.method == "exact":
        return "exact"
    return {"name": "monte-carlo", "samples": odds.samples, "seed": odds.seed}


def _questions_json(report: Report) -> list[dict[str, Any]]:
    rule_base = report.rule_base
    assert report.odds is not None
    found = []
    for question_id in report.shown_ids:
        question = report.odds.question(question_id)
        if report.forecast is not None:
            result = report.forecast.question(question_id)
            stances = [_stance_json(stance, rule_base, report.stance_odds(result.id, stance.expert)) for stance in result.stances]
        else:
            stances = [_uncertain_stance_json(stance, rule_base) for stance in question.stances]
        found.append(
            {
                "id": question_id,
                "text": rule_base.vocabulary.questions[question_id].text,
                "scale": list(question.scale),
                "verdict": _verdict_json(question),
                "stances": [stance for stance in stances if stance["expert_kind"] == "expert"],
                "sources": [stance for stance in stances if stance["expert_kind"] != "expert"],
            }
        )
    return found


def to_json(report: Report) -> dict[str, Any]:
    """The forecast as the documented JSON contract (docs/json.md)."""
    inputs = report.scenario.inputs
    odds = report.odds
    found: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": {
            "name": report.scenario.name,
            "file": report.scenario_path,
            "variables": {name: _input_json(inputs[name]) for name in report.rule_base.vocabulary.variables},
        }
        | ({"defaulted": list(report.scenario.defaulted)} if report.scenario.defaulted else {})
        | ({"inherited": dict(report.scenario.inherited)} if report.scenario.inherited else {}),
        "rule_base": {"directory": report.rules_path, "rules": len(report.rule_base.rules)},
    }
    if odds is not None:
        found |= {
            "method": _method_json(odds),
            "lexicon": {"name": odds.lexicon.name, "title": odds.lexicon.title, "source": odds.lexicon.source},
            "probabilities": {
                "rules": {rule: figure_json(figure) for rule, figure in odds.rules.items()},
                "facts": {fact: figure_json(figure) for fact, figure in odds.facts.items()},
            },
        }
    found |= {
        "questions": _questions_json(report),
        "facts": {fact: list(rules) for fact, rules in report.forecast.facts.items()} if report.forecast else {},
        "expectations": {
            "checked": len(report.scenario.expect),
            "unmet": [
                {"question": item.question, "field": item.field, "expected": item.expected, "actual": item.actual} for item in report.unmet
            ],
        },
    }
    if report.why_not is not None:
        from engine.render.whynot import why_json

        found["why_not"] = [{"question": question, **why_json(why)} for question, why in report.why_not]
    return found


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
