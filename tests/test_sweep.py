"""The exhaustive search on the compiled program (`Sweep`) reports what a full forecast of every class reports.

The per-class search (`Exhaustive`, which forecasts every class in full and
keeps every point) is the reference: an engine whose matcher is not one
proven equal to the compiled program still gets it. On random rule bases
with two experts, chaining, negation and invariants whose conditions read
variables and facts, both give the same report, word for word, also when
every expert's rules are split into per-rule and per-pair components. Worker
processes change nothing, and the simplicity order comes out right for any
shape of space.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from strategies import conditions, rule_lists, vocabularies

from engine.consistency import ConsistencyReport, counting, run_consistency
from engine.consistency import exhaustive as sweep_module
from engine.language import AllOf, BooleanKind, FactRef, NotOf, Op, StanceClaim, TooManyBranches, Value, VarTest
from engine.matching.compile import Program, compile_rules
from engine.matching.compiled import CompiledMatcher
from engine.matching.matcher import Firing, Matcher
from engine.matching.strata import NegationCycle
from engine.model import Checks, Expert, Fact, Invariant, Lexicon, Question, Reading, Rule, RuleBase, Variable, Vocabulary
from engine.pipeline import Engine
from engine.records import replace
from engine.space import ScenarioSpace

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLAIN = Lexicon(
    name="plain",
    title="plain",
    source="tests",
    readings=(Reading(("stated as fact",), Fraction(4, 5), Fraction(99, 100), standard=False, note="test"),),
    default=True,
)
"""The lexicon of the rule bases written here, whose rules are all stated as fact."""


class Unproven(Matcher):
    """The compiled matcher under another name: the search cannot take it for proven, so it forecasts every class."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self.inner = CompiledMatcher(program)

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        return self.inner.run(values)


def same_report(first: ConsistencyReport, second: ConsistencyReport) -> None:
    assert json.dumps(first.to_json()) == json.dumps(second.to_json())
    assert first.render_text() == second.render_text()


@st.composite
def rule_bases(draw: st.DrawFn) -> RuleBase:
    """Two experts' rules over a small vocabulary, and up to three invariants on conditions of variables and facts."""
    vocabulary = draw(vocabularies())
    rules = draw(rule_lists(vocabulary, max_rules=10))
    experts = [draw(st.sampled_from(["e", "f"])) for _ in rules]
    rules = tuple(
        replace(rule, id=f"{expert}.r{index}", expert=expert) for index, (rule, expert) in enumerate(zip(rules, experts, strict=True))
    )
    invariants = tuple(
        Invariant(
            name=f"i{index}",
            reason="a test",
            require=StanceClaim("q", draw(st.sampled_from([Op.IS, Op.IS_NOT])), (draw(st.sampled_from(["no", "yes"])),)),
            expert=draw(st.sampled_from([None, "e", "f"])),
            when=draw(st.none() | conditions(vocabulary)),
        )
        for index in range(draw(st.integers(0, 3)))
    )
    return RuleBase(
        directory=Path("."),
        vocabulary=vocabulary,
        experts={"e": Expert("E", "tests"), "f": Expert("F", "tests")},
        rules=rules,
        seeds={},
        checks=Checks(invariants=invariants),
        lexicons={"plain": PLAIN},
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rule_base=rule_bases(), split=st.booleans())
def test_the_sweep_reports_what_forecasting_every_class_reports(rule_base: RuleBase, split: bool) -> None:
    try:
        program = compile_rules(rule_base.rules, rule_base.vocabulary)
    except (NegationCycle, TooManyBranches):
        reject()
    fast = Engine(rule_base, program, CompiledMatcher(program))
    slow = Engine(rule_base, program, Unproven(program))
    group = counting.GROUP
    counting.GROUP = 1 if split else group  # every rule a component of its own, and every candidate pair one too
    try:
        swept = run_consistency(fast, promise_sample=5)
    finally:
        counting.GROUP = group
    assert swept.method == "exhaustive"
    same_report(swept, run_consistency(slow, promise_sample=5))


def test_an_expert_whose_only_rule_can_never_fire_is_swept_and_its_rule_is_dead() -> None:
    """A condition that contradicts itself compiles to no branch: the expert's part of the flags is empty (hypothesis found this)."""
    never = AllOf((FactRef("f0"), VarTest("v0", Op.IS, (False,)), NotOf(FactRef("f0"))))
    rule_base = RuleBase(
        directory=Path("."),
        vocabulary=Vocabulary(
            variables={name: Variable(BooleanKind(), "a variable") for name in ("v0", "v1")},
            facts={"f0": Fact("a derived fact")},
            questions={"q": Question("a question?", ("no", "yes"))},
        ),
        experts={"e": Expert("E", "tests"), "f": Expert("F", "tests")},
        rules=(Rule(id="e.r0", expert="e", then=StanceClaim("q", Op.IS, ("yes",)), when=never),),
        seeds={},
        checks=Checks(),
        lexicons={"plain": PLAIN},
    )
    program = compile_rules(rule_base.rules, rule_base.vocabulary)
    swept = run_consistency(Engine(rule_base, program, CompiledMatcher(program)), promise_sample=5)
    assert swept.method == "exhaustive"
    assert [(finding.kind, finding.subject) for finding in swept.findings] == [("dead-rule", "e.r0")]
    same_report(swept, run_consistency(Engine(rule_base, program, Unproven(program)), promise_sample=5))


@pytest.fixture(scope="module")
def unaccepted(shipped_engine: Engine) -> Engine:
    rule_base = replace(shipped_engine.rule_base, checks=replace(shipped_engine.rule_base.checks, accepted=()))
    return Engine(rule_base, shipped_engine.program, shipped_engine.matcher)


def test_the_shipped_rule_base_gives_the_same_report_both_ways(unaccepted: Engine) -> None:
    slow = Engine(unaccepted.rule_base, unaccepted.program, Unproven(unaccepted.program))
    swept = run_consistency(unaccepted)
    same_report(swept, run_consistency(slow))
    clashes = [finding for finding in swept.findings if "self-conflict" in finding.kind and finding.status == "failing"]
    assert [(finding.question, finding.experts, finding.rules) for finding in clashes] == [
        ("russia_presence", ("elischer",), ("elischer.curtail_if_trend", "elischer.more_if_paid"))
    ], "with checks.yaml's acceptance taken away, Elischer's may-curtail and could-increase clash, and nothing else does"
    assert "literal" in clashes[0].subject, "only taken at his word: read as likelihoods, two possibilities point both ways"


def test_worker_processes_change_nothing(unaccepted: Engine) -> None:
    orchard = Engine.open(FIXTURES / "orchard" / "rules")
    for engine in (unaccepted, orchard):
        progress: list[tuple[int, int]] = []
        alone = run_consistency(engine)
        pooled = run_consistency(engine, jobs=2, progress=lambda done, total, seen=progress: seen.append((done, total)))
        same_report(alone, pooled)
        assert len(progress) > 1 and progress[-1] == (alone.space_classes, alone.space_classes), "several chunks, merged in order"
        assert [done for done, _ in progress] == sorted({done for done, _ in progress})


def test_a_budget_stops_the_pooled_search_too(unaccepted: Engine) -> None:
    clock = itertools.count()
    report = run_consistency(unaccepted, jobs=2, max_seconds=30, clock=lambda: next(clock))
    assert not report.complete and 0 < report.scenarios_tried < report.space_classes


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=6))
def test_the_order_is_simplest_first_for_any_space(counts: list[int]) -> None:
    from engine.language import LevelKind
    from engine.model import Question, Variable, Vocabulary

    levels = ("a", "b", "c", "d")
    vocabulary = Vocabulary(
        variables={f"v{index}": Variable(LevelKind(levels[: max(2, count)]), "a level") for index, count in enumerate(counts)},
        facts={},
        questions={"q": Question("a question?", ("no", "yes"))},
    )
    space = ScenarioSpace(vocabulary, {f"v{index}": levels[:count] for index, count in enumerate(counts)})
    assert [space.point(index) for index in space.order()] == space.points()
    assert all(space.index(space.point(index)) == index for index in range(space.size))


def test_counts_do_not_depend_on_how_the_classes_are_cut(shipped_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """One chunk counted in blocks of 7, or of 512, or class by class and merged: the same counts and first classes."""
    space = ScenarioSpace.of(shipped_engine.rule_base)
    plan = counting.plan(shipped_engine, space)
    run, getters = counting.build(plan)
    order = space.order()
    whole = counting.count_chunk(run, getters, order, 0)
    monkeypatch.setattr(counting, "BLOCK", 7)
    assert counting.count_chunk(run, getters, order, 0) == whole
    merged: list[dict[object, tuple[int, int]]] = [{} for _ in getters]
    for position in range(len(order)):
        for tally, part in zip(merged, counting.count_chunk(run, getters, order[position : position + 1], position), strict=True):
            for sub, (number, first) in part.items():
                found = tally.get(sub)
                tally[sub] = (number, first) if found is None else (found[0] + number, found[1])
    assert merged == whole
    assert sum(number for number, _ in whole[0].values()) == 1152


def test_the_engines_own_matcher_is_held_to_its_promises_on_the_sample() -> None:
    """The classes run compiled; a durable_rules engine that fails where it rains is still caught, on the sample it runs."""
    from engine.errors import EngineFailure

    picnic = Engine.open(FIXTURES / "picnic" / "rules")
    durable = picnic.matcher
    assert sweep_module.proven(durable)
    failing = Engine(picnic.rule_base, picnic.program, type(durable)(picnic.program))
    honest_run = failing.matcher.run

    def run(values: Mapping[str, Value]) -> tuple[Firing, ...]:
        if values["rain"]:
            raise EngineFailure("fired over its budget")
        return honest_run(values)

    failing.matcher.run = run  # type: ignore[method-assign]
    space = ScenarioSpace.of(picnic.rule_base)
    for sample, every in ((100, 1), (3, 4)):
        report = run_consistency(failing, promise_sample=sample)
        [finding] = [finding for finding in report.findings if finding.kind == "promise"]
        assert finding.subject == "terminates" and finding.status == "failing"
        sampled = [space.values(point) for point in space.points()[::every]]
        rainy = [values for values in sampled if values["rain"]]
        assert finding.scenario == rainy[0]
        assert finding.scenarios == len(rainy) > 0
        assert f"Seen in {len(rainy)} of {len(sampled)} scenarios tried" in finding.message
        assert report.scenarios_tried == 10 and report.promise_every == every
