"""JSON Schemas of the files a user writes, for editors to complete and check.

Rule, vocabulary, experts, checks and seed files have fixed shapes, taken
from their written form (`engine.load.surface`). A scenario's shape depends
on the vocabulary, so its schema is built from it: every variable with the
values its kind allows.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.load import surface
from engine.load.scenario import STATUSES
from engine.model import Vocabulary

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS_OF_FILE = ("scenario", "rules", "vocabulary", "experts", "checks", "seed")

_MODELS: dict[str, type[BaseModel]] = {
    "rules": surface.RuleFile,
    "vocabulary": surface.Vocabulary,
    "experts": surface.ExpertsFile,
    "checks": surface.ChecksFile,
    "seed": surface.SeedMeta,
}


def scenario_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    variables = {name: {**variable.kind.json_schema(), "description": variable.meaning} for name, variable in vocabulary.variables.items()}
    names = {"type": "array", "items": {"type": "string"}}
    expectation = {
        "type": "object",
        "properties": {
            "outcome": {**names, "description": "the combined outcome, in scale order"},
            "status": {"enum": list(STATUSES)},
            "stances": {
                "type": "object",
                "additionalProperties": names,
                "description": "expert -> the outcomes that expert allows ([] for a self-conflict)",
            },
        },
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "title": "forecast scenario",
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "variables": {"type": "object", "properties": variables, "required": list(variables), "additionalProperties": False},
            "expect": {"type": "object", "propertyNames": {"enum": list(vocabulary.questions)}, "additionalProperties": expectation},
        },
        "required": ["name", "variables"],
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
