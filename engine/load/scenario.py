"""Read a scenario file, and check scenario values, against a rule base's vocabulary.

A scenario's shape depends on the vocabulary (its variables and questions),
so it is checked here by hand rather than by a fixed schema, with the same
located, one-line errors as every other file. The same checks guard the
library's front door: `Engine.forecast(values)` refuses what a scenario file
would refuse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from engine.errors import InputError, did_you_mean, raise_all
from engine.language import ChanceProblem, KeyPath, Kind, NumberKind, StanceClaim, Value, shorten, show_value
from engine.load import extends
from engine.load.yamlfile import Document, load_yaml
from engine.model import UNCERTAIN, Between, ChanceRange, Chances, Expectation, Input, Lexicon, RuleBase, Scenario, Vocabulary

TOP_KEYS = ("name", "description", "extends", "variables", "expect")
EXPECT_KEYS = ("status", "favours", "speakers", "conflicting", "bounds", "pooled")
STATUSES = ("no stance", "one voice", "agree", "compatible", "conflict")
OLD_KEYS = {
    "outcome": "'favours' (what the experts favour; the old set reading is `--lexicon literal`)",
    "stances": "'speakers' (who speaks) and 'bounds' (their ranges)",
}
"""Keys of 1.x expectations, each with the key that replaces it (`forecast migrate` rewrites them)."""
OLD_STATUSES = {"consensus": "'agree' or 'one voice'", "no-stance": "'no stance'"}

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


def read_input(kind: Kind, name: str, written: object, lexicon: Lexicon | None, spelt: str | None = None) -> Input:
    """A variable's input as written: a value, chances (a mapping), or a likelihood word; `ChanceProblem` if wrong.

    `spelt` is how the file spells a plain value, echoed in a message.
    """
    if isinstance(written, UNCERTAIN):
        return written
    if isinstance(written, dict):
        if "between" in written and isinstance(kind, NumberKind):
            return Between(*kind.between(written, name))
        pairs = kind.chances(written, name)
        return Chances(tuple(value for value, _ in pairs), tuple(weight for _, weight in pairs))
    if isinstance(written, str) and kind.takes_words and lexicon is not None:
        reading = lexicon.reading(written)
        if reading is not None and reading.low is not None and reading.high is not None:
            return ChanceRange(written, reading.low, reading.high)
        if reading is not None:
            raise ChanceProblem(
                f"'{written}' gives no likelihood for '{name}'", "write {chance: P}, or a word with a range such as 'likely'"
            )
        problem = kind.problem(written, name, spelt)
        words = [word for entry in lexicon.readings if entry.assessed for word in entry.words]
        hint = (problem[1] if problem else None) or did_you_mean(written, words) or "or a likelihood word such as 'likely'"
        raise ChanceProblem(problem[0] if problem else written, hint)
    problem = kind.problem(written, name, spelt)
    if problem is not None:
        raise ChanceProblem(*problem)
    return written  # type: ignore[return-value]


def input_problems(
    vocabulary: Vocabulary,
    values: Mapping[Any, object],
    lexicon: Lexicon | None,
    missing_hint: str,
    written: Written = _nothing_written,
    supplied: Collection[str] = (),
) -> tuple[dict[str, Input], list[Problem]]:
    """Each variable's input, certain or uncertain, and the problems found, each at its key.

    A variable left out is missing unless it has a default or is `supplied` (by a base scenario).
    """
    inputs: dict[str, Input] = {}
    problems: list[Problem] = []
    for name, value in values.items():
        if not isinstance(name, str) or name not in vocabulary.variables:
            problems.append(((name,), f"unknown variable {show_value(name)}", did_you_mean(str(name), vocabulary.variables)))
            continue
        kind = vocabulary.kinds[name]
        if value is None:
            problems.append(((name,), f"no value for '{name}' yet", f"decide one: {kind.describe()}"))
            continue
        try:
            inputs[name] = read_input(kind, name, value, lexicon, written((name,)))
        except ChanceProblem as problem:
            problems.append(((name, *problem.key), problem.message, problem.suggestion))
    missing = [
        name for name, variable in vocabulary.variables.items() if name not in values and name not in supplied and variable.default is None
    ]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(((), f"missing variable{plural} {', '.join(repr(name) for name in missing)}", missing_hint))
    return inputs, problems


def check_inputs(vocabulary: Vocabulary, lexicon: Lexicon | None, written: object) -> dict[str, Input]:
    """Inputs for a forecast, each certain or uncertain, or `InputError` naming the variable (the first problem, then a count).

    A variable left out that has a default gets it (after those given).
    """
    if not isinstance(written, Mapping):
        raise InputError(f"expected a mapping of variable names to inputs, got {type(written).__name__}")
    inputs, problems = input_problems(vocabulary, written, lexicon, "give every variable of the vocabulary an input")
    errors = [InputError(message, key=".".join(map(str, key)) or None, suggestion=suggestion) for key, message, suggestion in problems]
    raise_all(errors, checked_by=None)
    return inputs | defaults(vocabulary, inputs)


def defaults(vocabulary: Vocabulary, given: Collection[str]) -> dict[str, Value]:
    """The default of each variable not `given`, in the vocabulary's order."""
    return {name: variable.default for name, variable in vocabulary.variables.items() if name not in given and variable.default is not None}


def check_values(vocabulary: Vocabulary, values: object) -> dict[str, Value]:
    """Certain values, in the order given, or `InputError` naming the variable (the first problem, then a count)."""
    inputs = check_inputs(vocabulary, None, values)
    for name, given in inputs.items():
        if isinstance(given, UNCERTAIN):
            raise InputError(
                f"'{name}' is given chances, not a value", key=name, suggestion="forecast uncertain inputs with Engine.probabilities"
            )
    return dict(inputs)  # type: ignore[arg-type]


def _names(value: object, key: KeyPath, what: str, written: Written) -> Iterator[Problem]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        yield key, f"expected a list of {what}, got {_shown(written, key, value)}", f"write it as [{what.rstrip('s')}, ...]"


def _expectation_problems(
    vocabulary: Vocabulary, experts: Mapping[str, object], spoken: Speakers | None, question: object, data: object, written: Written
) -> Iterator[Problem]:
    key: KeyPath = ("expect", question)  # type: ignore[assignment]  # a key the file wrote: a name or a number
    if not isinstance(question, str) or question not in vocabulary.questions:
        yield key, f"unknown question {show_value(question)}", did_you_mean(str(question), vocabulary.questions)
        return
    if not isinstance(data, dict):
        yield key, f"expected a mapping of {', '.join(EXPECT_KEYS)}, got {_shown(written, key, data)}", None
        return
    outcomes = vocabulary.questions[question].outcomes
    for name in data:
        if name in OLD_KEYS:
            yield (*key, name), f"'{name}' is a 1.x expectation: write {OLD_KEYS[name]}", "run `forecast migrate` to rewrite old files"
        elif name not in EXPECT_KEYS:
            yield (*key, name), f"unknown key {show_value(name)}", did_you_mean(str(name), EXPECT_KEYS) or "remove it"
    listed: list[tuple[KeyPath, object]] = []
    if "favours" in data:
        shape = list(_names(data["favours"], (*key, "favours"), "outcomes", written))
        yield from shape
        if not shape:
            listed += [((*key, "favours", index), value) for index, value in enumerate(data["favours"])]
    if "status" in data and data["status"] in OLD_STATUSES:
        status = data["status"]
        yield (*key, "status"), f"'{status}' is a 1.x status: write {OLD_STATUSES[status]}", "run `forecast migrate` to rewrite old files"
    elif "status" in data and data["status"] not in STATUSES:
        status = data["status"]
        hint = did_you_mean(status, STATUSES) if isinstance(status, str) else None
        yield (*key, "status"), f"expected one of {', '.join(STATUSES)}, got {_shown(written, (*key, 'status'), status)}", hint
    for field in ("speakers", "conflicting"):
        if field not in data:
            continue
        shape = list(_names(data[field], (*key, field), "experts", written))
        yield from shape
        for index, expert in enumerate(data[field] if not shape else ()):
            at: KeyPath = (*key, field, index)
            if expert not in experts:
                yield at, f"unknown expert {show_value(expert)}", did_you_mean(str(expert), experts)
            elif spoken is not None and expert not in spoken.get(question, ()):
                hint = did_you_mean(expert, spoken.get(question, ())) or "no expert has a rule on it"
                yield at, f"expert '{expert}' has no rule on '{question}', so it can never speak on it", hint
    for where, value in listed:
        if value not in outcomes:
            yield where, f"'{value}' is not an outcome of '{question}'", did_you_mean(str(value), outcomes)
    tables: list[tuple[KeyPath, object]] = [((*key, "pooled"), data["pooled"])] if "pooled" in data else []
    written_bounds = data.get("bounds", {})
    if not isinstance(written_bounds, dict):
        shown = _shown(written, (*key, "bounds"), written_bounds)
        yield (*key, "bounds"), f"expected a mapping of expert: {{outcome: [low, high]}}, got {shown}", None
        written_bounds = {}
    for expert, table in written_bounds.items():
        if expert not in experts:
            yield (*key, "bounds", expert), f"unknown expert {show_value(expert)}", did_you_mean(str(expert), experts)
        else:
            tables.append(((*key, "bounds", expert), table))
    for at, table in tables:
        yield from _range_problems(at, table, outcomes, question)


def _range_problems(key: KeyPath, table: object, outcomes: tuple[str, ...], question: str) -> Iterator[Problem]:
    """`{outcome: [low, high]}`: known outcomes, each with two probabilities, low first."""
    if not isinstance(table, dict):
        yield key, f"expected a mapping of outcome: [low, high], got {show_value(table)}", "write {withdraw: [0.2, 0.45]}"
        return
    for outcome, pair in table.items():
        if outcome not in outcomes:
            yield (*key, outcome), f"'{outcome}' is not an outcome of '{question}'", did_you_mean(str(outcome), outcomes)
        elif not _is_range(pair):
            yield (*key, outcome), f"expected [low, high], two probabilities from 0 to 1, low first, got {show_value(pair)}", None


def _is_range(pair: object) -> bool:
    if not isinstance(pair, list) or len(pair) != 2:
        return False
    if any(
        isinstance(end, bool) or not isinstance(end, (int, float)) or (isinstance(end, float) and not math.isfinite(end)) for end in pair
    ):
        return False
    return bool(0 <= pair[0] <= pair[1] <= 1)


def _scenario_problems(
    vocabulary: Vocabulary,
    experts: Mapping[str, object],
    spoken: Speakers | None,
    data: dict[Any, Any],
    written: Written,
    lexicon: Lexicon | None,
    inherited: Mapping[str, object],
) -> Iterator[Problem]:
    """Each key's problems in the order the file has them, then the keys it lacks; `inherited` are the inputs of its bases."""
    given = data.get("variables")
    given = {**inherited, **given} if isinstance(given, dict) else inherited
    inputs = input_problems(vocabulary, given, lexicon, "")[0]
    uncertain = sorted(name for name, value in inputs.items() if isinstance(value, UNCERTAIN))
    for name, value in data.items():
        if name == "extends":
            continue  # followed, and checked, by engine.load.extends
        if name not in TOP_KEYS:
            yield (name,), f"unknown key {show_value(name)}", did_you_mean(str(name), TOP_KEYS) or "remove it"
        elif name in ("name", "description"):
            if not isinstance(value, str):
                yield (name,), f"expected text, got {_shown(written, (name,), value)}", "quote it"
        elif name == "variables":
            if value is None and "extends" in data:
                continue  # every input from the base: an empty `variables:` overrides none
            if not isinstance(value, dict):
                yield (name,), f"expected a mapping of variable: value, got {_shown(written, (name,), value)}", None
                continue
            hint = "every variable needs a value; `forecast new NAME` writes a file that lists them all"
            at = lambda key: written(("variables", *key))  # noqa: E731
            for key, message, suggestion in input_problems(vocabulary, value, lexicon, hint, at, inherited)[1]:
                yield (name, *key), message, suggestion
        elif not isinstance(value, dict):
            yield (name,), f"expected a mapping of question: expectation, got {_shown(written, (name,), value)}", None
        else:
            for question, expectation in value.items():
                yield from _expectation_problems(vocabulary, experts, spoken, question, expectation, written)
                given_chances = f"{', '.join(uncertain)} {'is' if len(uncertain) == 1 else 'are'} given chances"
                for field in ("status", "favours", "speakers", "conflicting"):
                    if uncertain and isinstance(expectation, dict) and field in expectation:
                        where: KeyPath = ("expect", question, field)
                        yield where, f"'{field}' needs a certain scenario, and {given_chances}", "pin 'bounds' or 'pooled' instead"
    for name in ("name", "variables") if "extends" not in data else ("name",):
        if name not in data:
            yield (name,), f"missing key '{name}'", f"add '{name}:'"


def scenario_problems(
    document: Document,
    vocabulary: Vocabulary,
    experts: Mapping[str, object],
    lexicon: Lexicon | None = None,
    spoken: Speakers | None = None,
) -> list[InputError]:
    """Everything wrong with a scenario file, each located, in the order the file has them.

    `lexicon` reads likelihood words given as inputs. With `spoken`
    (`speakers(rule_base)`), a stance expected of an expert who has no rule
    on the question, which no forecast can meet, is a problem too.
    """
    if not isinstance(document.data, dict):
        return [document.error((), f"expected a mapping at the top of the file, got {type(document.data).__name__}")]
    try:
        chain = extends.bases(document)
    except InputError as problem:
        return [problem]
    problems = extends.base_problems(chain)
    for base in chain if not problems else ():
        problems += _base_input_problems(base, vocabulary, lexicon)
    if problems:
        return problems
    inherited = {name: item.value for name, item in extends.inherited(document, chain).items()}
    found = _scenario_problems(vocabulary, experts, spoken, document.data, document.written.get, lexicon, inherited)
    return [document.error(key, message, suggestion) for key, message, suggestion in found]


def _base_input_problems(base: Document, vocabulary: Vocabulary, lexicon: Lexicon | None) -> list[InputError]:
    """A base's inputs, each checked and located in the base; it need not give every one (the scenario extending it is checked for that)."""
    at: Written = lambda key: base.written.get(("variables", *key))  # noqa: E731
    found = input_problems(vocabulary, base.data.get("variables") or {}, lexicon, "", at)[1]
    return [base.error(("variables", *key), message, suggestion) for key, message, suggestion in found if key]


def _tuple(value: object) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def read_scenario(
    path: Path,
    vocabulary: Vocabulary,
    experts: Mapping[str, object],
    lexicon: Lexicon | None = None,
    spoken: Speakers | None = None,
    *,
    figures: bool = True,
) -> Scenario:
    """Load and check one scenario file; raises its problems (the first, then a count).

    `lexicon` reads likelihood words given as inputs ("cruel_conduct: likely").
    Without `figures` (a reading that gives none: `--lexicon literal`), an
    expectation that pins likelihood figures is a problem.
    """
    document = load_yaml(path)
    raise_all(scenario_problems(document, vocabulary, experts, lexicon, spoken))
    data = document.data
    for question, item in data.get("expect", {}).items() if not figures else ():
        for key in ("bounds", "pooled"):
            if key in item:
                raise document.error(
                    ("expect", question, key),
                    "pins likelihood figures, which the literal lexicon does not give: it takes every claim at its word",
                    "run without --lexicon literal, or pin 'status' and 'favours' only",
                )
    expect = {
        question: Expectation(
            status=item.get("status"),
            favours=_tuple(item.get("favours")),
            speakers=_tuple(item.get("speakers")),
            conflicting=_tuple(item.get("conflicting")),
            bounds={expert: _ranges(table) for expert, table in item["bounds"].items()} if "bounds" in item else None,
            pooled=_ranges(item["pooled"]) if "pooled" in item else None,
        )
        for question, item in data.get("expect", {}).items()
    }
    own = data.get("variables") or {}
    bases = {name: item for name, item in extends.inherited(document, extends.bases(document)).items() if name not in own}
    inputs = input_problems(vocabulary, {name: item.value for name, item in bases.items()}, lexicon, "")[0]
    inputs |= input_problems(vocabulary, own, lexicon, "")[0]
    inputs |= defaults(vocabulary, inputs)
    ordered = {name: inputs[name] for name in vocabulary.variables}
    return Scenario(
        name=data["name"],
        description=data.get("description", ""),
        defaulted=tuple(name for name in vocabulary.variables if name not in own and name not in bases),
        inherited={name: bases[name].label for name in vocabulary.variables if name in bases},
        values={name: given for name, given in ordered.items() if not isinstance(given, UNCERTAIN)},
        uncertain={name: given for name, given in ordered.items() if isinstance(given, UNCERTAIN)},
        expect=expect,
    )


def _ranges(table: Mapping[str, list[float]]) -> dict[str, tuple[float, float]]:
    return {outcome: (float(low), float(high)) for outcome, (low, high) in table.items()}
