"""JSON Schemas of the files a user writes, for editors to complete and check.

Rule, vocabulary, experts, checks, seed and lexicon files have fixed shapes,
taken from their written form (`engine.load.surface`). A scenario's shape
depends on the vocabulary, so its schema is built from it: every variable
with the values its kind allows, the chances it may be given instead, and
the likelihood words of the lexicon where the kind takes words.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.language import Kind
from engine.load import surface
from engine.load.scenario import STATUSES
from engine.model import Lexicon, Vocabulary

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS_OF_FILE = ("scenario", "rules", "vocabulary", "experts", "checks", "seed", "lexicon")

_MODELS: dict[str, type[BaseModel]] = {
    "rules": surface.RuleFile,
    "vocabulary": surface.Vocabulary,
    "experts": surface.ExpertsFile,
    "checks": surface.ChecksFile,
    "seed": surface.SeedMeta,
    "lexicon": surface.LexiconFile,
}


def _input_schema(kind: Kind, words: list[str]) -> dict[str, Any]:
    """A value of the kind, or its uncertain forms: chances, and likelihood words where the kind takes them."""
    forms = [kind.json_schema(), kind.chances_schema()]
    if kind.takes_words and words:
        forms.append({"enum": words, "description": "a likelihood word of the lexicon: P(true) within its range"})
    return {"anyOf": forms}


def scenario_schema(vocabulary: Vocabulary, lexicon: Lexicon | None = None) -> dict[str, Any]:
    words = sorted({word for reading in lexicon.readings if reading.assessed for word in reading.words}) if lexicon else []
    variables = {
        name: {**_input_schema(variable.kind, words), "description": variable.meaning} for name, variable in vocabulary.variables.items()
    }
    required = [name for name, variable in vocabulary.variables.items() if variable.default is None]
    names = {"type": "array", "items": {"type": "string"}}
    probability = {"type": "number", "minimum": 0, "maximum": 1}
    ranges = {"type": "object", "additionalProperties": {"type": "array", "items": probability, "minItems": 2, "maxItems": 2}}
    expectation = {
        "type": "object",
        "properties": {
            "status": {"enum": list(STATUSES), "description": "the verdict's status (a certain scenario only)"},
            "favours": {
                **names,
                "description": "what the verdict favours, outcomes in scale order; [] for nothing (a certain scenario only)",
            },
            "speakers": {
                **names,
                "description": "the experts and sources who speak on the question, in any order (a certain scenario only)",
            },
            "conflicting": {**names, "description": "the experts in a conflict, in any order (a certain scenario only)"},
            "bounds": {"type": "object", "additionalProperties": ranges, "description": "expert -> outcome -> [low, high], within 1e-6"},
            "pooled": {**ranges, "description": "outcome -> [low, high] of the pooled forecast, within 1e-6"},
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
            "extends": {
                "type": "string",
                "description": "a scenario file this one builds on, relative to its folder: it gives every input left out",
            },
            "variables": {"type": ["object", "null"], "properties": variables, "additionalProperties": False},
            "expect": {"type": "object", "propertyNames": {"enum": list(vocabulary.questions)}, "additionalProperties": expectation},
        },
        "required": ["name"],
        "additionalProperties": False,
        "if": {"required": ["extends"]},
        "else": {  # a scenario on its own gives every variable that has no default
            "required": ["variables"],
            "properties": {"variables": {"type": "object", "required": required}},
        },
    }


def schema_for(kind: str, vocabulary: Vocabulary | None = None, lexicon: Lexicon | None = None) -> dict[str, Any]:
    """The JSON Schema of one kind of file; `scenario` needs the vocabulary (and the lexicon, for likelihood words)."""
    if kind == "scenario":
        if vocabulary is None:
            raise ValueError("the scenario schema needs a vocabulary")
        return scenario_schema(vocabulary, lexicon)
    schema = _MODELS[kind].model_json_schema(by_alias=True)
    return {"$schema": DIALECT, **schema, "title": f"forecast {kind} file"}
