"""Property-test your own rule base from your own pytest file.

Hypothesis strategies that draw scenarios of a rule base, and assertions that
fail with a message naming the rules and the values, so a few lines test a
rule base the way `forecast check --consistency` does:

    from pathlib import Path

    from hypothesis import given

    from engine.testing import assert_invariants_hold, assert_no_self_conflicts, rule_base, scenario_values

    engine = rule_base(Path(__file__).parent.parent / "rules")

    @given(scenario_values(engine))
    def test_no_undeclared_self_conflicts(values):
        assert_no_self_conflicts(engine, values)

    @given(scenario_values(engine))
    def test_invariants_hold(values):
        assert_invariants_hold(engine, values)

`scenario_values(engine)` draws one value per class of values the rules can
tell apart, so every threshold is hit and hypothesis shrinks a failure to
the simplest class; `scenarios(vocabulary)` draws from each variable's whole
range instead. `assert_consistent(engine)` runs the whole check in one test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import strategies as st

from engine.consistency import LIMIT, ConsistencyReport, invariant_breach, run_consistency
from engine.consistency.verdicts import Judged, self_conflict_words
from engine.language import Value, yaml_scalar
from engine.model import Vocabulary
from engine.pipeline import Engine
from engine.resolve.odds import Probabilities
from engine.resolve.results import Forecast
from engine.space import ScenarioSpace


def rule_base(rules: str | os.PathLike[str], seeds: str | os.PathLike[str] | None = None) -> Engine:
    """Open, validate and compile the rule base in `rules` (seeds beside it unless given).

    engine = rule_base("rules")
    """
    return Engine.open(rules, seeds)


def scenarios(vocabulary: Vocabulary) -> st.SearchStrategy[dict[str, Value]]:
    """Scenarios with every variable drawn from its whole range, in vocabulary order.

    It knows only the vocabulary, so a narrow threshold (`wagner_fighters is
    1200`) is rarely hit; prefer `scenario_values(engine)` when you have the
    rule base.

        @given(scenarios(engine.rule_base.vocabulary))
        def test_no_undeclared_self_conflicts(values):
            assert_no_self_conflicts(engine, values)
    """
    names = tuple(vocabulary.variables)
    drawn = st.tuples(*(kind.strategy() for kind in vocabulary.kinds.values()))
    return drawn.map(lambda values: dict(zip(names, values, strict=True)))


def scenario_values(engine: Engine) -> st.SearchStrategy[dict[str, Value]]:
    """Scenarios with one value per class the rules (and invariants) can tell apart.

    The classes are those of `engine.consistency.ScenarioSpace`: every
    combination of them is a different case for the rules, and the value of
    each is its simplest one, so a shrunk failure is easy to read.

        @given(scenario_values(engine))
        def test_invariants_hold(values):
            assert_invariants_hold(engine, values)
    """
    space = ScenarioSpace.of(engine.rule_base)
    return space.strategy().map(space.values)


def _show(values: Mapping[str, Value]) -> str:
    return ", ".join(f"{name}={yaml_scalar(value)}" for name, value in values.items())


def assert_no_self_conflicts(engine: Engine, values: Mapping[str, Value], *, allow_accepted: bool = True) -> Forecast:
    """Fail if, in this scenario, a speaker's claims on a question admit no distribution under some lexicon.

    Every lexicon of the rule base is asked, as `forecast check
    --consistency` asks it: under `literal`, which takes each claim at its
    word, that is rules that allow no outcome together. Self-conflicts
    declared under `accepted` in checks.yaml (for that lexicon, or for any)
    pass unless `allow_accepted` is False. "Points both ways" is no
    self-conflict. Returns the forecast, for further checks.

        assert_no_self_conflicts(engine, {"junta_pays": True, ...})
    """
    forecast = engine.forecast(values)
    shown = Judged(engine).shows(firing.rule_id for firing in forecast.firings)
    accepted = engine.rule_base.checks.accepted
    problems = []
    for key, evidence in shown.items():
        if key[0] != "self-conflict":
            continue
        _, speaker, question, lexicon = key
        if allow_accepted and any(declaration.covers(speaker, question, lexicon) for declaration in accepted):
            continue
        problems.append(f"{self_conflict_words(engine.rule_base, speaker, question, lexicon)}: {evidence.text}")
    if problems:
        raise AssertionError(f"self-conflict in scenario {_show(values)}:\n  " + "\n  ".join(problems))
    return forecast


def assert_invariants_hold(engine: Engine, values: Mapping[str, Value]) -> Forecast:
    """Fail if this scenario breaks an invariant declared in checks.yaml. Returns the forecast.

    assert_invariants_hold(engine, {"junta_pays": False, ...})
    """
    forecast = engine.forecast(values)
    breaches = [
        breach
        for invariant in engine.rule_base.checks.invariants
        if (breach := invariant_breach(invariant, forecast, engine.rule_base.vocabulary)) is not None
    ]
    if breaches:
        lines = [f"invariant {breach.invariant.name} broken: {breach}" for breach in breaches]
        raise AssertionError(f"in scenario {_show(values)}:\n  " + "\n  ".join(lines))
    return forecast


def assert_consistent(engine: Engine, *, limit: int = LIMIT, max_examples: int = 1_000) -> ConsistencyReport:
    """Run the whole consistency check; fail listing every finding that is neither accepted nor informational.

    def test_rule_base_is_consistent():
        assert_consistent(rule_base("rules"))
    """
    report = run_consistency(engine, limit=limit, max_examples=max_examples)
    failing = report.by_status("failing")
    if failing:
        details = "\n".join(f"- {finding.title}: {finding.message}" for finding in failing)
        raise AssertionError(f"the consistency check ({report.method}, {report.scenarios_tried} scenarios) found:\n{details}")
    return report


def uncertain_scenarios(engine: Engine, *, lexicon: str | None = None, words: bool = True) -> st.SearchStrategy[dict[str, object]]:
    """Inputs in every form a scenario file takes: values, chances, tables of values, `between`, likelihood words.

    Each variable is certain or uncertain at random; `words=False` leaves out
    likelihood words (whose ranges make every figure a range).

        @given(uncertain_scenarios(engine))
        def test_probabilities_are_coherent(inputs):
            assert_probabilities_coherent(engine, inputs)
    """
    chosen = engine.lexicon(lexicon)
    word_list = sorted({word for reading in chosen.readings if reading.assessed and reading.standard for word in reading.words})
    parts = []
    for kind in engine.vocabulary.kinds.values():
        forms = [kind.strategy(), kind.chances_strategy()]
        if words and kind.takes_words and word_list:
            forms.append(st.sampled_from(word_list))
        parts.append(st.one_of(*forms))
    names = tuple(engine.vocabulary.variables)
    return st.tuples(*parts).map(lambda drawn: dict(zip(names, drawn, strict=True)))


def assert_probabilities_coherent(engine: Engine, inputs: Mapping[str, object], *, lexicon: str | None = None) -> Probabilities:
    """Fail unless every figure is a probability, each range is the right way up, and each expert's bounds admit a distribution.

    Returns the probabilities, for further checks.
    """
    odds = engine.probabilities(inputs, lexicon=lexicon)
    problems = [f"{name} {figure}" for name, figure in {**odds.rules, **odds.facts}.items() if not 0 <= figure.low <= figure.high <= 1]
    for question in odds.questions:
        tables = [(stance.expert, stance.bounds) for stance in question.stances] + [
            ("together", question.together),
            ("pooled", question.pooled),
        ]
        for name, table in tables:
            if table is None:
                continue
            if any(not 0 <= figure.low <= figure.high <= 1 for figure in table.values()):
                problems.append(f"{question.id}/{name}: a figure outside 0-1 or upside down: {dict(table)}")
            if sum(figure.low for figure in table.values()) > 1 + 1e-9 or sum(figure.high for figure in table.values()) < 1 - 1e-9:
                problems.append(f"{question.id}/{name}: bounds that no distribution meets: {dict(table)}")
    if problems:
        raise AssertionError(f"incoherent probabilities for inputs {inputs}:\n  " + "\n  ".join(problems))
    return odds


__all__ = [
    "assert_consistent",
    "assert_invariants_hold",
    "assert_no_self_conflicts",
    "assert_probabilities_coherent",
    "rule_base",
    "scenario_values",
    "scenarios",
    "uncertain_scenarios",
]
