"""forecast: rule-based scenario and stance reasoning over experts' conditional claims.

    from engine import Engine

    engine = Engine.open("rules")
    scenario, forecast = engine.forecast_file("scenarios/heavy_fighting.yaml")
    for question in forecast.questions:
        print(question.id, question.outcome, question.status)

The names below are the public API; each is imported on first use, so that
`import engine` costs nothing a command does not need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.consistency import ConsistencyReport, run_consistency
    from engine.errors import EngineFailure, ForecastError, InputError, RuleBaseInvalid, SetupError
    from engine.language import Value
    from engine.model import RuleBase, Scenario
    from engine.pipeline import Engine
    from engine.resolve.expectations import Mismatch, unmet_expectations
    from engine.resolve.results import Forecast, ForecastSummary, QuestionResult, QuestionSummary, Stance, StanceSummary, Step

_EXPORTS = {
    "Engine": "engine.pipeline",
    "Forecast": "engine.resolve.results",
    "ForecastSummary": "engine.resolve.results",
    "QuestionSummary": "engine.resolve.results",
    "StanceSummary": "engine.resolve.results",
    "QuestionResult": "engine.resolve.results",
    "Stance": "engine.resolve.results",
    "Step": "engine.resolve.results",
    "Mismatch": "engine.resolve.expectations",
    "unmet_expectations": "engine.resolve.expectations",
    "RuleBase": "engine.model",
    "Scenario": "engine.model",
    "Value": "engine.language",
    "ForecastError": "engine.errors",
    "InputError": "engine.errors",
    "RuleBaseInvalid": "engine.errors",
    "EngineFailure": "engine.errors",
    "SetupError": "engine.errors",
    "ConsistencyReport": "engine.consistency",
    "run_consistency": "engine.consistency",
}

__all__ = [
    "ConsistencyReport",
    "Engine",
    "EngineFailure",
    "Forecast",
    "ForecastError",
    "ForecastSummary",
    "InputError",
    "Mismatch",
    "QuestionResult",
    "QuestionSummary",
    "RuleBase",
    "RuleBaseInvalid",
    "Scenario",
    "SetupError",
    "Stance",
    "StanceSummary",
    "Step",
    "Value",
    "run_consistency",
    "unmet_expectations",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
