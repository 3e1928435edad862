"""Read a scenario file, and check scenario values, against a rule base's vocabulary.

A scenario's shape depends on the vocabulary (its variables and questions),
so it is checked here by hand rather than by a fixed schema, with the same
located, one-line errors as every other file. The same checks guard the
library's front door: `Engine.forecast(values)` refuses what a scenario file
would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from engine.errors import InputError, did_you_mean, raise_all
from engine.language import KeyPath, StanceClaim, Value, shorten, show_value
from engine.load.yamlfile import Document, load_yaml
from engine.model import Expectation, RuleBase, Scenario, Vocabulary

TOP_KEYS = ("name", "description", "variables", "expect")
EXPECT_KEYS = ("outcome", "status", "stances")
STATUSES = ("consensus", "compatible", "conflict", "no-stance")

Problem = tuple[KeyPath, str, str | None]
"""Where (a key path), what is wrong, and a suggestion."""

Written = Callable[[KeyPath], str | None]
"""How the file spells the value at a key path, when it is a plain scalar (`no`, `1e309`); None otherwise."""

Speakers = Mapping[str, Collection[str]]
"""For each question, the experts with a rule that takes a stance on it."""


def _nothing_written(key: KeyPath) -> str | None:
    return None


def speakers(rule_base: RuleBase) -> dict[str, set[str]]:
    """Which experts have a rule that takes a stance on each question: the only ones a scenario can expect a stance of."""
    found: dict[str, set[str]] = {question: set() for question in rule_base.vocabulary.questions}
    for rule in rule_base.rules:
        if isinstance(rule.then, StanceClaim):
            found.setdefault(rule.then.question, set()).add(rule.expert)
    return found


def _shown(written: Written, key: KeyPath, value: object) -> str:
    text = written(key)
    return shorten(text) if text is not None else show_value(value)


def variable_problems(
    vocabulary: Vocabulary, values: Mapping[Any, object], missing_hint: str, written: Written = _nothing_written
) -> Iterator[Problem]:
    """Unknown variables, values of the wrong kind, and missing variables, each at the variable's key."""
    for name, value in values.items():
        if not isinstance(name, str) or name not in vocabulary.variables:
            yield (name,), f"unknown variable {show_value(name)}", did_you_mean(name, vocabulary.variables)
            continue
        kind = vocabulary.kinds[name]
        if value is None:
            yield (name,), f"no value for '{name}' yet", f"decide one: {kind.describe()}"
            continue
        problem = kind.problem(value, name, written((name,)))
        if problem:
            yield (name,), *problem
    missing = [name for name in vocabulary.variables if name not in values]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        yield (), f"missing variable{plural} {', '.join(repr(name) for name in missing)}", missing_hint


def check_values(vocabulary: Vocabulary, values: object) -> dict[str, Value]:
    """`values` as a scenario, in the order given, or `InputError` naming the variable (the first problem, then a count)."""
    if not isinstance(values, Mapping):
        raise InputError(f"expected a mapping of variable names to values, got {type(values).__name__}")
    hint = "give every variable of the vocabulary a value"
    problems = [
        InputError(message, key=".".join(map(str, key)) or None, suggestion=suggestion)
        for key, message, suggestion in variable_problems(vocabulary, values, hint)
    ]
    raise_all(problems)
    return dict(values)


def _names(value: object, key: KeyPath, what: str, written: Written) -> Iterator[Problem]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        yield key, f"expected a list of {what}, got {_shown(written, key, value)}", f"write it as [{what.rstrip('s')}, ...]"


def _expectation_problems(
    vocabulary: Vocabulary, experts: Mapping[str, object], spoken: Speakers | None, question: object, data: object, written: Written
) -> Iterator[Problem]:
    key: KeyPath = ("expect", question)  # type: ignore[assignment]  # a key the file wrote: a name or a number
    if not isinstance(question, str) or question not in vocabulary.questions:
        yield key, f"unknown question {show_value(question)}", did_you_mean(question, vocabulary.questions)
        return
    if not isinstance(data, dict):
        yield key, f"expected a mapping of {', '.join(EXPECT_KEYS)}, got {_shown(written, key, data)}", None
        return
    outcomes = vocabulary.questions[question].outcomes
    for name in data:
        if name not in EXPECT_KEYS:
            yield (*key, name), f"unknown key {show_value(name)}", did_you_mean(name, EXPECT_KEYS) or "remove it"
    listed: list[tuple[KeyPath, object]] = []
    if "outcome" in data:
        shape = list(_names(data["outcome"], (*key, "outcome"), "outcomes", written))
        yield from shape
        if not shape:
            listed += [((*key, "outcome", index), value) for index, value in enumerate(data["outcome"])]
    if "status" in data and data["status"] not in STATUSES:
        status = data["status"]
        hint = did_you_mean(status, STATUSES) if isinstance(status, str) else None
        yield (*key, "status"), f"expected one of {', '.join(STATUSES)}, got {_shown(written, (*key, 'status'), status)}", hint
    stances = data.get("stances", {})
    if not isinstance(stances, dict):
        yield (*key, "stances"), f"expected a mapping of expert: [outcomes], got {_shown(written, (*key, 'stances'), stances)}", None
        stances = {}
    for expert, allowed in stances.items():
        at: KeyPath = (*key, "stances", expert)
        if expert not in experts:
            yield at, f"unknown expert {show_value(expert)}", did_you_mean(expert, experts)
            continue
        if spoken is not None and expert not in spoken.get(question, ()):
            hint = did_you_mean(expert, spoken.get(question, ())) or "no expert has a rule on it"
            yield at, f"expert '{expert}' has no rule on '{question}', so no stance on it can be expected", hint
            continue
        shape = list(_names(allowed, at, "outcomes", written))
        yield from shape
        if not shape:
            listed += [((*at, index), value) for index, value in enumerate(allowed)]
    for where, value in listed:
        if value not in outcomes:
            yield where, f"'{value}' is not an outcome of '{question}'", did_you_mean(str(value), outcomes)


def _scenario_problems(
    vocabulary: Vocabulary, experts: Mapping[str, object], spoken: Speakers | None, data: dict[Any, Any], written: Written
) -> Iterator[Problem]:
    """Each key's problems in the order the file has them, then the keys it lacks."""
    for name, value in data.items():
        if name not in TOP_KEYS:
            yield (name,), f"unknown key {show_value(name)}", did_you_mean(name, TOP_KEYS) or "remove it"
        elif name in ("name", "description"):
            if not isinstance(value, str):
                yield (name,), f"expected text, got {_shown(written, (name,), value)}", "quote it"
        elif name == "variables":
            if not isinstance(value, dict):
                yield (name,), f"expected a mapping of variable: value, got {_shown(written, (name,), value)}", None
                continue
            hint = "every variable needs a value; `forecast new NAME` writes a file that lists them all"
            for key, message, suggestion in variable_problems(vocabulary, value, hint, lambda key: written(("variables", *key))):
                yield (name, *key), message, suggestion
        elif not isinstance(value, dict):
            yield (name,), f"expected a mapping of question: expectation, got {_shown(written, (name,), value)}", None
        else:
            for question, expectation in value.items():
                yield from _expectation_problems(vocabulary, experts, spoken, question, expectation, written)
    for name in ("name", "variables"):
        if name not in data:
            yield (name,), f"missing key '{name}'", f"add '{name}:'"


def scenario_problems(
    document: Document, vocabulary: Vocabulary, experts: Mapping[str, object], spoken: Speakers | None = None
) -> list[InputError]:
    """Everything wrong with a scenario file, each located, in the order the file has them.

    With `spoken` (`speakers(rule_base)`), a stance expected of an expert
    who has no rule on the question, which no forecast can meet, is one.
    """
    if not isinstance(document.data, dict):
        return [document.error((), f"expected a mapping at the top of the file, got {type(document.data).__name__}")]
    problems = _scenario_problems(vocabulary, experts, spoken, document.data, document.written.get)
    return [document.error(key, message, suggestion) for key, message, suggestion in problems]


def _tuple(value: object) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def read_scenario(path: Path, vocabulary: Vocabulary, experts: Mapping[str, object], spoken: Speakers | None = None) -> Scenario:
    """Load and check one scenario file; raises its problems (the first, then a count)."""
    document = load_yaml(path)
    raise_all(scenario_problems(document, vocabulary, experts, spoken))
    data = document.data
    expect = {
        question: Expectation(
            outcome=_tuple(item.get("outcome")),
            status=item.get("status"),
            stances={expert: tuple(allowed) for expert, allowed in item["stances"].items()} if "stances" in item else None,
        )
        for question, item in data.get("expect", {}).items()
    }
    values = data["variables"]
    return Scenario(
        name=data["name"],
        description=data.get("description", ""),
        values={name: values[name] for name in vocabulary.variables},
        expect=expect,
    )
