"""JSON Schemas of the files a user writes, for editors to complete and check.

Rule, vocabulary, experts, checks and seed files have fixed shapes, taken
from the pydantic models. A scenario's shape depends on the vocabulary, so
its schema is built from it: every variable with its type and allowed values.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.model import (
    BooleanVariable,
    ChecksFile,
    ExpertsFile,
    LevelVariable,
    RuleFile,
    ScenarioFile,
    SeedMeta,
    StanceExpectation,
    Vocabulary,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_MODELS: dict[str, type[BaseModel]] = {"rules": RuleFile, "vocabulary": Vocabulary, "experts": ExpertsFile, "checks": ChecksFile, "seed": SeedMeta}


def scenario_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for name, variable in vocabulary.variables.items():
        if isinstance(variable, BooleanVariable):
            spec: dict[str, Any] = {"type": "boolean"}
        elif isinstance(variable, LevelVariable):
            spec = {"enum": list(variable.levels)}
        else:
            spec = {"type": "integer" if variable.integer else "number", "minimum": variable.min, "maximum": variable.max}
        variables[name] = {**spec, "description": variable.meaning}
    expectation = StanceExpectation.model_json_schema()
    return {
        "$schema": DIALECT,
        "title": "forecast scenario",
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "variables": {"type": "object", "properties": variables, "required": list(variables), "additionalProperties": False},
            "expect": {
                "type": "object",
                "propertyNames": {"enum": list(vocabulary.questions)},
                "additionalProperties": expectation,
            },
        },
        "required": [name for name, spec in ScenarioFile.model_fields.items() if spec.is_required()],
        "additionalProperties": False,
    }


def schema_for(kind: str, vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of one kind of file; `scenario` needs the vocabulary."""
    if kind == "scenario":
        if vocabulary is None:
            raise ValueError("the scenario schema needs a vocabulary")
        return scenario_schema(vocabulary)
    schema = _MODELS[kind].model_json_schema(by_alias=True)
    return {"$schema": DIALECT, **schema, "title": f"forecast {kind} file"}
