"""The engine's own promises, checked on scenarios: termination, order independence, quoted traces."""

from __future__ import annotations

from engine.matching.compile import compile_rules
from engine.model import ExpertKind
from engine.pipeline import Engine
from engine.records import replace
from engine.resolve.results import Forecast

PROMISES: dict[str, str] = {
    "terminates": "every scenario runs to the end without an engine failure",
    "values-order": "the forecast does not depend on the order of the scenario's variables",
    "rule-order": "the forecast does not depend on the order of the rules and rule files",
    "quoted-traces": "every stance has a trace of its rules, and every quote in it is found in its seed",
}
SAMPLED_PROMISES = frozenset({"values-order", "rule-order", "quoted-traces"})
"""Promises that cost more engine runs, so they are checked on a sample of scenarios."""


def differs(first: Forecast, second: Forecast) -> str | None:
    """Where two forecasts of the same scenario differ, or None when they are equal."""
    if first == second:
        return None
    if first.firings != second.firings:
        return "different rules fired"
    if first.facts != second.facts:
        return "different facts were derived"
    for one, other in zip(first.questions, second.questions, strict=True):
        if one != other:
            return f"the result on {one.id} differs"
    return "the forecasts differ"


def trace_problem(forecast: Forecast) -> str | None:
    """What breaks the trace promise in `forecast`: a stance's rule without a step, a quote not found."""
    for question in forecast.questions:
        for stance in question.stances:
            traced = {step.rule for step in stance.trace}
            missing = [rule for rule in stance.rules if rule not in traced]
            if missing:
                return f"{stance.expert}'s stance on {question.id} has no trace step for {', '.join(missing)}"
            for step in stance.trace:
                if step.expert_kind is not ExpertKind.ANALYST and step.quote is None:
                    return f"step {step.rule} in {stance.expert}'s trace on {question.id} has no quote"
                if step.quote is not None and step.span is None:
                    return f"the quote of {step.rule} is not found in seed {step.seed}"
                for text, span in step.context:
                    if span is None:
                        return f"the context quote {text!r} of {step.rule} is not found in seed {step.seed}"
    return None


def reordered(engine: Engine) -> Engine:
    """The same rule base with its rules (and so its rule files) in reverse order, on a new matcher of the same kind."""
    rule_base = replace(engine.rule_base, rules=tuple(reversed(engine.rule_base.rules)))
    program = compile_rules(rule_base.rules, rule_base.vocabulary)
    return Engine(rule_base, program, type(engine.matcher)(program))
