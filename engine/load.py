"""Load a rule base directory and scenario files into typed models.

A rule base directory holds `vocabulary.yaml`, `experts.yaml`, optionally
`checks.yaml`, and any number of rule files (every other `*.yaml`). Seeds
live in the `seeds/` directory beside it unless told otherwise. Loading
checks the shape of each file; `engine.validate` checks that the files agree
with each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, Location, RuleBaseInvalid, did_you_mean, show_value
from engine.model import (
    ChecksFile,
    Expert,
    ExpertsFile,
    Op,
    Rule,
    RuleFile,
    ScenarioFile,
    SeedMeta,
    Vocabulary,
)
from engine.quotes import FoldedText
from engine.source import Document, KeyPath, format_key, load_yaml, read_text

VOCABULARY_FILE = "vocabulary.yaml"
EXPERTS_FILE = "experts.yaml"
CHECKS_FILE = "checks.yaml"
RESERVED_FILES = (VOCABULARY_FILE, EXPERTS_FILE, CHECKS_FILE)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Seed:
    """A source text and its metadata."""

    meta: SeedMeta
    text: str
    folded: FoldedText = field(repr=False)
    path: Path
    meta_document: Document = field(repr=False)


@dataclass(frozen=True)
class RuleOrigin:
    """Where a rule was written: its file and its key path in that file."""

    document: Document = field(repr=False)
    key: KeyPath

    def locate(self, *sub: str | int) -> Location:
        return self.document.locate((*self.key, *sub))

    def error(self, message: str, *sub: str | int, suggestion: str | None = None) -> InputError:
        return self.document.error((*self.key, *sub), message, suggestion)


@dataclass(frozen=True)
class RuleBase:
    """Everything in a rule base directory, parsed but not yet cross-checked."""

    directory: Path
    vocabulary: Vocabulary
    vocabulary_document: Document = field(repr=False)
    experts: dict[str, Expert]
    experts_document: Document = field(repr=False)
    rules: tuple[Rule, ...]
    origins: dict[str, RuleOrigin] = field(repr=False)
    seeds: dict[str, Seed]
    checks: ChecksFile
    checks_document: Document | None = field(repr=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


_KNOWN_KEYS = (
    {name for model in (Rule, RuleFile, Vocabulary, ExpertsFile, Expert, SeedMeta, ScenarioFile, ChecksFile) for name in model.model_fields}
    | {op.value for op in Op}
    | {"var", "fact", "all", "any", "not", "question", "quote", "seed", "context", "type", "meaning", "levels", "unit", "min", "max", "integer", "text", "outcomes", "outcome", "status", "stances"}
)


def _walk_loc(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, Any]:
    """Keep the parts of a pydantic error location that are real keys in `data`.

    Pydantic puts union tags and validator names into locations; those are
    not keys a user wrote. The last part is kept even when absent, because a
    missing key is named by it.
    """
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict) and part in current:
            path.append(part)
            current = current[part]
        elif part == "not_" and isinstance(current, dict) and "not" in current:
            path.append("not")
            current = current["not"]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        elif last and isinstance(part, str) and isinstance(current, dict):
            path.append("not" if part == "not_" else part)
            current = None
    return tuple(path), current


def pydantic_problems(document: Document, exc: ValidationError, prefix: KeyPath = (), model: type[BaseModel] | None = None) -> list[InputError]:
    """One `InputError` per pydantic error, located in the user's file.

    With `model`, the document's own model, an unknown top-level key is
    matched against that model's keys only.
    """
    problems: list[InputError] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        key, value = _walk_loc(document.data, (*prefix, *error["loc"]))
        kind = error["type"]
        suggestion = None
        if kind == "missing":
            message = f"missing key '{key[-1]}'" if key else "missing value"
            suggestion = f"add '{key[-1]}:'" if key else None
        elif kind == "extra_forbidden":
            message = f"unknown key '{key[-1]}'"
            known = _KNOWN_KEYS if model is None or len(key) != 1 else {field.alias or name for name, field in model.model_fields.items()}
            suggestion = did_you_mean(str(key[-1]), known) or "remove it"
        elif kind == "string_pattern_mismatch":
            pattern = error.get("ctx", {}).get("pattern", "")
            wanted = "expert.rule_name" if "\\." in pattern else "a lower_snake_case name"
            message = f"{show_value(value)} is not a valid name, expected {wanted}"
        elif kind in ("condition", "conclusion"):
            message = error["msg"]
        elif kind == "value_error":
            message = error["msg"].removeprefix("Value error, ")
        elif kind in ("too_short",):
            message = f"expected at least {error.get('ctx', {}).get('min_length', 1)} item(s)"
        else:
            message = f"{error['msg'].lower()}, got {show_value(error.get('input'))}"
        located = document.error(key, message, suggestion)
        text = str(located)
        if text not in seen:
            seen.add(text)
            problems.append(located)
    return problems


def parse_document(document: Document, model: type[M]) -> M:
    """Validate a whole document against `model`, or raise its problems (the first, then a count)."""
    if not isinstance(document.data, dict):
        raise document.error((), f"expected a mapping at the top of the file, got {type(document.data).__name__}")
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = pydantic_problems(document, exc, model=model)
        raise (problems[0] if len(problems) == 1 else RuleBaseInvalid(problems)) from None


def load_scenario_file(path: Path) -> tuple[ScenarioFile, Document]:
    document = load_yaml(path)
    return parse_document(document, ScenarioFile), document


def _rule_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.glob("*.yaml")):
        if path.name not in RESERVED_FILES:
            yield path


def load_seeds(directory: Path) -> dict[str, Seed]:
    """Every `*.yaml` metadata file in `directory` with the text it names."""
    seeds: dict[str, Seed] = {}
    if not directory.is_dir():
        raise InputError("seeds directory not found", location=Location(directory), suggestion="pass --seeds DIR")
    for meta_path in sorted(directory.glob("*.yaml")):
        document = load_yaml(meta_path)
        meta = parse_document(document, SeedMeta)
        if meta.id != meta_path.stem:
            raise document.error(("id",), f"seed id '{meta.id}' differs from its file name '{meta_path.stem}'", f"rename to '{meta_path.stem}'")
        text_path = meta_path.parent / meta.text
        if not text_path.is_file():
            raise document.error(("text",), f"seed text '{meta.text}' not found beside {meta_path.name}")
        text = read_text(text_path)
        seeds[meta.id] = Seed(meta=meta, text=text, folded=FoldedText(text), path=text_path, meta_document=document)
    return seeds


def load_rule_base(directory: Path, seeds_directory: Path | None = None) -> RuleBase:
    """Parse every file of a rule base. Raises `InputError` on the first bad file."""
    if not directory.exists():
        raise InputError("rule base directory not found", location=Location(directory), suggestion="pass --rules DIR")
    if not directory.is_dir():
        raise InputError("is not a directory, expected a rule base directory", location=Location(directory))
    vocabulary_document = load_yaml(directory / VOCABULARY_FILE)
    vocabulary = parse_document(vocabulary_document, Vocabulary)
    experts_document = load_yaml(directory / EXPERTS_FILE)
    experts = parse_document(experts_document, ExpertsFile).experts
    checks_path = directory / CHECKS_FILE
    checks_document = load_yaml(checks_path) if checks_path.exists() else None
    checks = parse_document(checks_document, ChecksFile) if checks_document else ChecksFile()

    rules: list[Rule] = []
    origins: dict[str, RuleOrigin] = {}
    problems: list[InputError] = []
    for path in _rule_files(directory):
        try:
            document = load_yaml(path)
            parsed = parse_document(document, RuleFile)
        except InputError as error:
            problems.extend(error.problems if isinstance(error, RuleBaseInvalid) else [error])
            continue
        for index, rule in enumerate(parsed.rules):
            if rule.id in origins:
                first = origins[rule.id].locate("id")
                problems.append(document.error(("rules", index, "id"), f"duplicate rule id '{rule.id}' (first at {first})", "rename one of them"))
                continue
            origins[rule.id] = RuleOrigin(document, ("rules", index))
            rules.append(rule)
    if problems:
        raise RuleBaseInvalid(problems)
    if not rules:
        raise InputError("no rule files found", location=Location(directory), suggestion="add a file such as expert.yaml with a 'rules:' list")
    seeds = load_seeds(seeds_directory or directory.parent / "seeds")
    return RuleBase(
        directory=directory,
        vocabulary=vocabulary,
        vocabulary_document=vocabulary_document,
        experts=experts,
        experts_document=experts_document,
        rules=tuple(rules),
        origins=origins,
        seeds=seeds,
        checks=checks,
        checks_document=checks_document,
    )


__all__ = [
    "RuleBase",
    "RuleOrigin",
    "Seed",
    "format_key",
    "load_rule_base",
    "load_scenario_file",
    "load_seeds",
    "parse_document",
    "pydantic_problems",
]
