"""The exploring library (engine.explore): glances, runs and thresholds, flips, why-not, sweeps, matrices, coverage.

Each result is held to the forecast itself: a flip is re-forecast with its
change and must change what it says it changes, a why-not's failed
condition must fail on the scenario's value, a sweep's cell must be the
forecast of its values, and so on; so the tests hold on any rule base and
need no copied text.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise, product
from pathlib import Path
from typing import Any

import pytest
from builders import rule, vocabulary

from engine.errors import InputError
from engine.explore.boundaries import Boundaries
from engine.explore.coverage import coverage, read_suite, scenario_points
from engine.explore.flips import Flip, flips
from engine.explore.glance import Glancer
from engine.explore.matrix import matrix_of
from engine.explore.sweep import sweep
from engine.explore.whynot import DEPTH, Explainer
from engine.language import NumberKind, Value
from engine.model import Checks, Expert, Lexicon, Reading, RuleBase
from engine.pipeline import Engine
from engine.render.flips import flip_text
from engine.render.matrix import stance_text
from engine.resolve.results import QuestionResult
from engine.space import ScenarioSpace

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HEAVY = ROOT / "scenarios" / "heavy_fighting.yaml"


@pytest.fixture(scope="module")
def engine(shipped_compiled_engine: Engine) -> Engine:
    return shipped_compiled_engine


@pytest.fixture(scope="module")
def heavy(engine: Engine) -> dict[str, Value]:
    return dict(engine.read_scenario(HEAVY).values)


def key_of(result: QuestionResult) -> tuple[Any, ...]:
    """What a glance compares (VERDICTS.md section 7), from a full forecast's question: the status, who speaks and what
    each speaker favours or whether his ranges clash, what the experts favour together, who is in a conflict."""
    verdict = result.verdict
    views = {**verdict.others, **verdict.views}
    stances = tuple((stance.expert, views[stance.expert].favours, stance.status == "self-conflict") for stance in result.stances)
    return verdict.status, stances, verdict.favours, verdict.conflicting


PLAIN = Lexicon(
    name="plain",
    title="plain",
    source="tests",
    readings=(
        Reading(("stated as fact",), Fraction(4, 5), Fraction(99, 100), standard=False, note="test"),
        Reading(("likely",), Fraction(55, 100), Fraction(80, 100), standard=True),
        Reading(("unlikely",), Fraction(20, 100), Fraction(45, 100), standard=True),
    ),
    default=True,
)
"""A lexicon for the rule bases written here: stated as fact 80-99%, likely 55-80%, unlikely 20-45%."""


def synthetic(rules: list[Any], variables: dict[str, Any], questions: dict[str, Any] | None = None, facts: tuple[str, ...] = ()) -> Engine:
    """An engine of a small rule base written in the tests, on the compiled matcher."""
    experts = {expert: Expert(expert.title(), "tests") for expert in sorted({item.expert for item in rules})}
    base = RuleBase(
        directory=Path("."),
        vocabulary=vocabulary(
            {
                "variables": variables,
                "facts": {fact: {"meaning": fact} for fact in facts},
                "questions": questions or {"q": {"text": "Which?", "outcomes": ["low", "mid", "high"]}},
            }
        ),
        experts=experts,
        rules=tuple(rules),
        seeds={},
        checks=Checks(),
        lexicons={"plain": PLAIN},
    )
    return Engine.from_rule_base(base, matcher="compiled")


# --- glance -------------------------------------------------------------------------


def test_a_glance_is_the_forecast_in_short_on_every_class(engine: Engine) -> None:
    """On every class of the shipped space, the glance's stances, outcomes, statuses and firings are the forecast's."""
    glancer = Glancer(engine)
    space = glancer.space
    for point in product(*(range(len(values)) for values in space.classes.values())):
        values = space.values(point)
        glance = glancer.glance(values)
        forecast = engine.forecast(values)
        assert glance.fired == {firing.rule_id for firing in forecast.firings}
        assert glance.branches == {(firing.rule_id, firing.branch) for firing in forecast.firings}
        assert glance.facts == set(forecast.facts)
        for result in forecast.questions:
            assert glance.questions[result.id].key == key_of(result), (point, result.id)
            assert [stance.rules for stance in glance.questions[result.id].stances] == [
                tuple(sorted(stance.rules, key=[item.id for item in engine.rule_base.rules].index)) for stance in result.stances
            ]
    assert glancer.evaluations == space.size
    glancer.glance(space.values(next(iter(product(*(range(len(values)) for values in space.classes.values()))))))
    assert glancer.evaluations == space.size, "a class is evaluated once"


def test_rule_only_space_leaves_out_the_invariants_tests() -> None:
    """An invariant's test cuts a class the rules cannot tell apart; without invariants it does not."""
    orchard = Engine.open(ROOT / "tests" / "fixtures" / "orchard" / "rules", matcher="compiled")
    with_invariants, rules_only = ScenarioSpace.of(orchard.rule_base), ScenarioSpace.of(orchard.rule_base, invariants=False)
    assert with_invariants.classes == rules_only.classes  # orchard's invariant tests a fact only
    shipped = Engine.open(ROOT / "rules", matcher="compiled").rule_base
    assert ScenarioSpace.of(shipped).classes["kremlin_investment"] == ("low", "moderate", "high")
    assert ScenarioSpace.of(shipped, invariants=False).tests["junta_pays"] == (
        next(test for test in ScenarioSpace.of(shipped).tests["junta_pays"] if test.values == (True,)),
    )


# --- runs and thresholds --------------------------------------------------------------


def test_runs_of_the_shipped_variables(engine: Engine) -> None:
    bounds = Boundaries(engine.rule_base)
    assert [(run.label, run.first, run.last) for run in bounds.runs("deadly_clashes")] == [
        ("0 to 1", 0, 1),
        ("2", 2, 2),
        ("3 to 30", 3, 30),
    ]
    assert [run.label for run in bounds.runs("wagner_fighters")] == ["0 to 1200", "1201 to 10000"]
    assert [run.label for run in bounds.runs("kremlin_investment")] == ["low", "moderate", "high"]
    assert [run.label for run in bounds.runs("junta_pays")] == ["false", "true"]
    for name, kind in engine.vocabulary.kinds.items():
        runs = bounds.runs(name)
        assert [run.index for run in runs] == list(range(len(runs)))
        for before, after in pairwise(runs):
            assert before.position != after.position, "neighbouring runs are different classes"
            assert kind.rank(before.last) < kind.rank(after.first)
        for run in runs:
            assert bounds.run_of(name, run.first) == bounds.run_of(name, run.last) == run


def test_every_whole_number_lies_in_the_run_of_its_class(engine: Engine) -> None:
    bounds = Boundaries(engine.rule_base)
    for clashes in range(31):
        run = bounds.run_of("deadly_clashes", clashes)
        assert run.first <= clashes <= run.last  # type: ignore[operator]
        assert bounds.space.class_of("deadly_clashes", clashes) == run.position


def test_continuous_runs_have_open_ends_and_nearest_values() -> None:
    """orchard's temperature: below 0.5 and above 30, on a continuous scale from -10 to 40."""
    orchard = Engine.open(ROOT / "tests" / "fixtures" / "orchard" / "rules", matcher="compiled")
    bounds = Boundaries(orchard.rule_base)
    runs = bounds.runs("temperature")
    assert [run.label for run in runs] == ["[-10, 0.5)", "[0.5, 30]", "(30, 40]"]
    assert (runs[0].first, runs[0].last) == (-10, 0)  # 0.5 is not in it: the whole number below
    assert (runs[2].first, runs[2].last) == (31, 40)
    assert bounds.run_of("temperature", 0.49).index == 0
    assert bounds.run_of("temperature", 0.5).index == 1
    assert bounds.run_of("temperature", 30.0001).index == 2


def test_crossed_thresholds_put_the_deciding_one_first(engine: Engine) -> None:
    bounds = Boundaries(engine.rule_base)
    crossed = bounds.crossed("deadly_clashes", 4, 1)
    assert [(threshold.where, threshold.words, threshold.rules) for threshold in crossed] == [
        ("below 2", "at least 2", ("analyst.trend_from_clashes",)),
        ("below 3", "at least 3", ("analyst.trend_from_clashes",)),
    ]
    assert bounds.crossed("deadly_clashes", 4, 30) == ()
    (high,) = bounds.crossed("kremlin_investment", "high", "moderate")
    assert (high.where, high.words, high.rules) == ("is not high", "is high", ("weiss.no_pullout",))


# --- flips -------------------------------------------------------------------------


def test_flips_of_russia_presence_in_heavy_fighting(engine: Engine, heavy: dict[str, Value]) -> None:
    """Done when: deadly_clashes, kremlin_investment and heavy_losses flip it, and junta_pays does not.

    Now: Weiss P(withdraw) 20-45%, favouring not withdraw; Elischer "may" curtail, no number: compatible.
    Paid, Elischer also says "could potentially increase": a possibility pointing the other way, which
    changes no status, favours no event and is no self-conflict (VERDICTS.md section 5, example 5).
    """
    found = flips(engine, heavy, ["russia_presence"])
    (question,) = found.questions
    assert question.now.status == "compatible" and question.now.verdict.experts == ("weiss", "elischer")
    single = {flip.changes[0].variable: flip for flip in reversed(question.single)}  # the nearest change of each input
    assert set(single) == {"deadly_clashes", "kremlin_investment", "heavy_losses"}
    paid = engine.forecast({**heavy, "junta_pays": True}).question("russia_presence")
    assert paid.verdict.views["elischer"].both_ways and key_of(paid) == question.now.key, "junta_pays changes no verdict"
    silenced = single["heavy_losses"]
    assert [(change.expert, change.after) for change in silenced.stances] == [("weiss", None)]
    assert silenced.after.status == "one voice" and silenced.after.verdict.favours is None, "Elischer alone favours nothing"
    assert flip_text(single["kremlin_investment"], engine.rule_base) == (
        'kremlin_investment: high -> moderate (is not high, weiss.no_pullout\'s "is high"): weiss falls silent; '
        "verdict becomes one voice (elischer): curtail possible"
    )
    assert single["deadly_clashes"].changes[0].new == 1  # 2 still makes a trend: the Tuareg agreements are broken
    assert single["deadly_clashes"].after.verdict.favours == ("curtail", "maintain", "increase"), "Weiss alone: not withdraw"
    kremlin = [flip for flip in question.single if flip.changes[0].variable == "kremlin_investment"]
    assert [flip.changes[0].new for flip in kremlin] == ["moderate", "low"], "low also makes the analyst speak: who speaks changes"
    assert [change.expert for change in kremlin[1].stances] == ["weiss", "analyst"] and kremlin[1].after.status == "one voice"
    assert single["deadly_clashes"].changes[0].thresholds[0].where == "below 2"
    assert [flip.changes[0].new for flip in question.single if flip.changes[0].variable == "kremlin_investment"] == ["moderate", "low"]
    pairs = {tuple((change.variable, change.new) for change in flip.changes) for flip in question.pairs}
    assert (("junta_pays", True), ("deadly_clashes", 1)) not in pairs, (
        "paid, and no trend: Elischer raises increase instead of curtail, a possibility either way: nobody favours anything new"
    )
    assert (("deadly_clashes", 2), ("cruel_conduct", False)) not in pairs, "the agreements are seen broken without the cruelty too"


def test_a_change_of_what_one_expert_favours_is_a_flip_though_the_verdict_stands() -> None:
    """e favours high, or with x false mid; f puts low at 20-45%. Both ways they agree on not low, yet e's view changed.

    And a change of the ranges alone, which moves nothing anyone favours, is none.
    """
    base = synthetic(
        [
            rule("e.high", {"var": "x", "is": True}, {"question": "q", "is": "high"}, hedge="likely"),
            rule("e.mid", {"var": "x", "is": False}, {"question": "q", "is": "mid"}, hedge="likely"),
            rule(
                "f.not_low",
                {"var": "y", "is": True},
                {"question": "q", "is_not": "low"},
                hedge="unlikely",
                rates={"question": "q", "is": "low"},
            ),
            rule("f.still_not_low", {"var": "y", "is": False}, {"question": "q", "is_not": "low"}),
        ],
        {"x": {"type": "boolean", "meaning": "x"}, "y": {"type": "boolean", "meaning": "y"}},
    )
    (question,) = flips(base, {"x": True, "y": True}).questions
    assert question.now.verdict.status == "agree" and question.now.verdict.favours == ("mid", "high")
    (flip,) = question.single
    assert [(change.variable, change.new) for change in flip.changes] == [("x", False)]
    assert not flip.verdict_changed and flip.after.verdict.favours == ("mid", "high")
    assert flip.before.key != flip.after.key and [change.expert for change in flip.stances] == ["e"]
    assert flip_text(flip, base.rule_base) == "x: true -> false: e's view becomes: favours mid"
    assert question.pairs == (), "y changes f's range for low (20-45% or 1-20%), never what anyone favours"


def _reforecast(engine: Engine, values: dict[str, Value], flip: Flip, question: str) -> QuestionResult:
    return engine.forecast({**values, **{change.variable: change.new for change in flip.changes}}).question(question)


@pytest.mark.parametrize("path", [path for path in SCENARIOS if "analyst_view" not in path.name and "fighting_spreads" not in path.name])
def test_every_flip_changes_what_it_says_and_is_the_nearest(engine: Engine, path: Path) -> None:
    """Re-forecast with its change, each flip gives its `after`; no value nearer the old one does the same."""
    values = dict(engine.read_scenario(path).values)
    found = flips(engine, values)
    bounds = Boundaries(engine.rule_base)
    for question in found.questions:
        now = key_of(engine.forecast(values).question(question.id))
        assert question.now.key == now
        for flip in (*question.single, *question.pairs):
            after = _reforecast(engine, values, flip, question.id)
            assert key_of(after) == flip.after.key != now
            assert flip.stances, "a flip changes at least one expert's stance"
            for change in flip.changes:
                kind = engine.vocabulary.kinds[change.variable]
                assert change.thresholds, "every change crosses a rule's threshold"
                deciding = change.thresholds[0]
                neighbour = bounds.runs(change.variable)[change.run.index + (1 if kind.rank(change.new) < kind.rank(change.old) else -1)]
                probe = neighbour.first if kind.rank(change.new) < kind.rank(change.old) else neighbour.last
                assert kind.holds(deciding.test.op, change.new, deciding.test.values) != kind.holds(
                    deciding.test.op, probe, deciding.test.values
                ), "the deciding threshold lies between the new value's run and its neighbour towards the old"
        for flip in question.single:
            (change,) = flip.changes
            for value in _between(engine, change.variable, change.old, change.new):
                nearer = engine.forecast({**values, change.variable: value}).question(question.id)
                assert key_of(nearer) != flip.after.key, f"{change.variable}={value} is nearer and does the same"


def _between(engine: Engine, name: str, old: Value, new: Value) -> list[Value]:
    """Every value strictly between `old` and `new` (every whole number, every level)."""
    kind = engine.vocabulary.kinds[name]
    low, high = sorted((kind.rank(old), kind.rank(new)))
    if isinstance(kind, NumberKind):
        return list(range(int(low) + 1, int(high)))
    return [value for value in kind.representatives(()) if low < kind.rank(value) < high]


def test_pairs_are_interactions_not_two_single_effects(engine: Engine) -> None:
    """A pair is listed only where the two changes together do what neither does alone, nor side by side."""
    values = dict(engine.read_scenario(ROOT / "scenarios" / "article_baseline.yaml").values)
    for question in flips(engine, values).questions:
        for flip in question.pairs:
            first, second = flip.changes
            alone = [engine.forecast({**values, change.variable: change.new}).question(question.id) for change in (first, second)]
            assert flip.after.key not in [key_of(result) for result in alone]


def test_flips_for_one_question_and_without_pairs(engine: Engine, heavy: dict[str, Value]) -> None:
    found = flips(engine, heavy, ["junta_propaganda"], pairs=False)
    assert [question.id for question in found.questions] == ["junta_propaganda"]
    assert found.questions[0].pairs == ()
    assert found.evaluated > 0


def test_a_question_nothing_flips(engine: Engine, heavy: dict[str, Value]) -> None:
    """china_role: Elischer's claim is unconditional."""
    (question,) = flips(engine, heavy, ["china_role"]).questions
    assert question.single == question.pairs == ()


def test_flips_of_a_continuous_number_name_their_thresholds() -> None:
    orchard = Engine.open(ROOT / "tests" / "fixtures" / "orchard" / "rules", matcher="compiled")
    (question,) = flips(orchard, {"frost": False, "temperature": 10.0, "harvest": "fair"}).questions
    texts = [flip_text(flip, orchard.rule_base) for flip in question.single]
    assert any(
        text.startswith('temperature: 10.0 -> 0 (below 0.5, bea.cold, bea.chill and bea.frost_cold\'s "below 0.5")') for text in texts
    )
    assert any(text.startswith('temperature: 10.0 -> 31 (above 30, cal.heat\'s "above 30")') for text in texts)
    assert any('harvest: fair -> rich (is rich, cal.glut\'s "is rich" and cal.heat\'s "is not rich")' in text for text in texts)
    assert not question.pairs, "the heat and the rich harvest together do what the rich harvest does alone"


def test_flips_refuse_a_bad_value(engine: Engine, heavy: dict[str, Value]) -> None:
    with pytest.raises(InputError):
        flips(engine, {**heavy, "deadly_clashes": 99})


# --- why not -------------------------------------------------------------------------


def test_why_not_more_if_paid_names_junta_pays(engine: Engine, heavy: dict[str, Value]) -> None:
    """Done when: `why-not heavy_fighting elischer.more_if_paid` says junta_pays is false."""
    why = Explainer(engine, heavy).explain("elischer.more_if_paid")
    assert not why.fired
    (branch,) = why.branches
    (condition,) = branch.conditions
    assert (condition.text, condition.held, condition.variable, condition.value) == ("junta_pays is true", False, "junta_pays", False)
    assert why.quote == engine.rule_base.rule("elischer.more_if_paid").source.quote  # type: ignore[union-attr]


def test_why_not_explains_a_missing_fact_through_every_rule_that_derives_it(engine: Engine) -> None:
    quiet = dict(engine.read_scenario(ROOT / "scenarios" / "quiet_north.yaml").values)
    why = Explainer(engine, quiet).explain("elischer.curtail_if_trend")
    (condition,) = why.branches[0].conditions
    assert condition.fact == "fierce_fighting_trend" and not condition.held
    assert condition.missing is not None
    (trend,) = condition.missing.rules
    assert trend.rule == "analyst.trend_from_clashes" and not trend.fired and len(trend.branches) == 2
    agreements = next(item for item in trend.branches[1].conditions if item.fact == "tuareg_agreements_broken")
    assert agreements.missing is not None
    violated, cruelty = agreements.missing.rules
    assert (violated.rule, cruelty.rule) == ("osborn.agreements_violated", "osborn.cruelty_breaks_agreements")
    assert violated.branches[0].conditions[0].variable == "agreements_observed_broken"
    assert cruelty.branches[0].conditions[0].variable == "cruel_conduct"
    assert violated.branches[0].conditions[0].value is cruelty.branches[0].conditions[0].value is False


def test_why_not_of_a_rule_that_fired_says_by_which_branch(engine: Engine, heavy: dict[str, Value]) -> None:
    explainer = Explainer(engine, heavy)
    assert explainer.explain("elischer.curtail_if_trend").fired
    trend = explainer.explain("analyst.trend_from_clashes")
    assert trend.fired and trend.fired_branches == (0, 1)
    held = trend.branches[1].conditions[0]
    assert held.held and held.derived_by == ("osborn.agreements_violated", "osborn.cruelty_breaks_agreements")


def test_why_not_every_failed_condition_fails_on_the_scenario(engine: Engine) -> None:
    """On every shipped certain scenario and every rule, a rule fired iff a branch held, and each check is true to the scenario."""
    for path in SCENARIOS:
        scenario = engine.read_scenario(path)
        if not scenario.certain:
            continue
        explainer = Explainer(engine, scenario.values)
        for item in engine.rule_base.rules:
            why = explainer.explain(item.id)
            assert why.fired == any(branch.held for branch in why.branches) == (item.id in explainer.fired)
            for branch in why.branches:
                for condition in branch.conditions:
                    if condition.variable is not None:
                        assert condition.value == scenario.values[condition.variable]
                    else:
                        assert (condition.fact in explainer.facts) == bool(condition.derived_by)


def test_unknown_rule_gets_a_did_you_mean(engine: Engine, heavy: dict[str, Value]) -> None:
    with pytest.raises(InputError) as raised:
        Explainer(engine, heavy).explain("elischer.more_if_pad")
    assert str(raised.value) == "unknown rule 'elischer.more_if_pad' (did you mean 'elischer.more_if_paid'?)"


def test_silent_rules_of_experts_who_spoke(engine: Engine, heavy: dict[str, Value]) -> None:
    silent = Explainer(engine, heavy).silent()
    assert [(question, why.rule) for question, why in silent] == [("russia_presence", "elischer.more_if_paid")]
    assert Explainer(engine, heavy).silent(["china_role"]) == ()


def test_why_not_stops_at_a_cycle_and_past_its_depth() -> None:
    """A fact that needs itself is explained once; a chain deeper than DEPTH facts stops, saying so."""
    boolean = {"type": "boolean", "meaning": "x"}
    cycle = synthetic(
        [
            rule("e.a_from_b", {"all": [{"fact": "b"}, {"var": "x", "is": True}]}, {"fact": "a"}),
            rule("e.b_from_a", {"fact": "a"}, {"fact": "b"}),
            rule("e.says", {"fact": "a"}, {"question": "q", "is": "high"}),
        ],
        {"x": boolean},
        facts=("a", "b"),
    )
    why = Explainer(cycle, {"x": True}).explain("e.says")
    first = why.branches[0].conditions[0].missing
    assert first is not None and first.fact == "a"
    (a_from_b,) = first.rules
    again = a_from_b.branches[0].conditions[0].missing
    assert again is not None and again.fact == "b"
    (b_from_a,) = again.rules
    stopped = b_from_a.branches[0].conditions[0].missing
    assert stopped is not None and stopped.stopped == "explained above" and stopped.rules == ()

    depth = DEPTH + 3
    chain = [rule(f"e.f{level}", {"fact": f"f{level + 1}"}, {"fact": f"f{level}"}) for level in range(depth)]
    chain.append(rule(f"e.f{depth}", {"var": "x", "is": True}, {"fact": f"f{depth}"}))
    chain.append(rule("e.says", {"fact": "f0"}, {"question": "q", "is": "high"}))
    deep = synthetic(chain, {"x": boolean}, facts=tuple(f"f{level}" for level in range(depth + 1)))
    node = Explainer(deep, {"x": False}).explain("e.says").branches[0].conditions[0].missing
    levels = 0
    while node is not None and node.rules:
        levels += 1
        node = node.rules[0].branches[0].conditions[0].missing
    assert node is not None and node.stopped == "too deep" and levels == DEPTH


# --- sweeps ---------------------------------------------------------------------------


def test_a_sweep_of_one_variable_crosses_each_run(engine: Engine, heavy: dict[str, Value]) -> None:
    found = sweep(engine, heavy, ["deadly_clashes"])
    (axis,) = found.axes
    assert [run.label for run in axis.runs] == ["0 to 1", "2", "3 to 30"]
    assert axis.values == (0, 2, 4) and axis.current == 2, "the scenario's own value in its own run"
    presence = next(question for question in found.questions if question.id == "russia_presence")
    assert not presence.constant
    assert presence.cells[(0,)].status == "one voice" and presence.cells[(2,)].status == "compatible"
    assert presence.cells[(0,)].verdict.favours == ("curtail", "maintain", "increase"), "Weiss alone favours not withdraw"
    assert next(question for question in found.questions if question.id == "china_role").constant


def test_every_cell_of_a_grid_is_the_forecast_of_its_values(engine: Engine, heavy: dict[str, Value]) -> None:
    found = sweep(engine, heavy, ["junta_pays", "kremlin_investment"], ["russia_presence"])
    down, across = found.axes
    (question,) = found.questions
    assert set(question.cells) == set(product(range(len(down.runs)), range(len(across.runs))))
    for (row, column), cell in question.cells.items():
        values = {**heavy, down.variable: down.values[row], across.variable: across.values[column]}
        assert cell.key == key_of(engine.forecast(values).question("russia_presence"))
    assert found.evaluated <= len(question.cells)


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (["deadly_clash"], "unknown variable 'deadly_clash'"),
        (["junta_pays,junta_pays"], "'junta_pays' is given twice"),
        (["junta_pays,heavy_losses,alienated_west"], "sweeps at most 2 variables at once, got 3"),
        ([","], "expected VAR or VAR1,VAR2"),
    ],
)
def test_bad_sweep_variables(engine: Engine, heavy: dict[str, Value], vary: list[str], message: str) -> None:
    with pytest.raises(InputError) as raised:
        sweep(engine, heavy, vary)
    assert raised.value.message == message and raised.value.key == "--vary"


# --- matrix ---------------------------------------------------------------------------


def test_matrix_cells_hold_the_claims_with_their_ranges_and_the_view(engine: Engine) -> None:
    """An expert's cell: each claim in words with the lexicon's range for the event it rates, then what he favours."""
    read = read_suite(engine, [HEAVY, ROOT / "scenarios" / "pays_and_fighting.yaml", ROOT / "scenarios" / "analyst_view.yaml"])
    found = matrix_of(engine, read, ["russia_presence", "china_role"])
    heavy_row, both, uncertain = found.scenarios
    scale = engine.vocabulary.questions["russia_presence"].outcomes
    assert stance_text(heavy_row.stances[("elischer", "russia_presence")], scale) == 'curtail possible ("may")', 'no number for "may"'
    assert stance_text(heavy_row.stances[("weiss", "russia_presence")], scale) == (
        'P(withdraw) 20-45% "unlikely" -> favours not withdraw'  # ICD 203: unlikely is 20-45%, so not withdraw is at least 55%
    )
    china = engine.vocabulary.questions["china_role"].outcomes
    assert stance_text(heavy_row.stances[("elischer", "china_role")], china) == (
        'P(gets_involved) 20-45% "doesn\u2019t see" (analyst\'s reading) -> favours stays_out'
    )
    both_ways = stance_text(both.stances[("elischer", "russia_presence")], scale)
    assert both_ways == 'curtail possible ("may"); increase possible ("could potentially") -> points both ways', (
        "two possibilities at either end: never a self-conflict"
    )
    assert not both.stances[("elischer", "russia_presence")].self_conflict
    assert heavy_row.outcomes["russia_presence"].status == "compatible" and not uncertain.certain
    assert uncertain.outcomes["russia_presence"].status is None and uncertain.outcomes["russia_presence"].statuses
    may_pay = stance_text(uncertain.stances[("elischer", "russia_presence")], scale)
    assert 'increase possible ("could potentially") (applies in 20-45%)' in may_pay, "an uncertain cell says how likely each claim applies"
    assert found.experts[0] == "weiss" and "siegle" not in found.experts
    mozambique = matrix_of(engine, read_suite(engine, [ROOT / "scenarios" / "mozambique_like.yaml"]), ["russia_presence"])
    (row,) = mozambique.scenarios
    assert stance_text(row.stances[("analyst", "russia_presence")], scale) == "withdraw possible (assumed) (not counted)"
    assert row.outcomes["russia_presence"].status == "no stance", "the analyst's precedent speaks, but is never counted"


def test_a_matrix_cell_names_a_self_conflict_with_the_claims_that_clash(engine: Engine) -> None:
    """Taken at their word (the literal lexicon), Elischer's "may curtail" and "could increase" are both certain: no distribution."""
    paid = ROOT / "scenarios" / "pays_and_fighting.yaml"
    found = matrix_of(engine, read_suite(engine, [paid]), ["russia_presence"], lexicon="literal")
    (row,) = found.scenarios
    scale = engine.vocabulary.questions["russia_presence"].outcomes
    cell = row.stances[("elischer", "russia_presence")]
    assert cell.self_conflict
    assert stance_text(cell, scale) == 'self-conflict: P(curtail) 100% "may" vs P(increase) 100% "could potentially"'
    assert row.outcomes["russia_presence"].verdict is not None
    assert row.outcomes["russia_presence"].verdict.conflicting == ("elischer",)


# --- coverage -------------------------------------------------------------------------


def test_the_shipped_suite_covers_every_rule(engine: Engine) -> None:
    """Done when: check --coverage passes at 100% of rules on the shipped suite (by its certain scenarios alone, too)."""
    suite = read_suite(engine, SCENARIOS)
    found = coverage(engine, suite)
    assert found.rule_percent == 100.0 and found.branch_percent == 100.0 and found.outcome_percent == 100.0
    certain = coverage(engine, [(path, scenario) for path, scenario in suite if scenario.certain])
    assert certain.rule_percent == 100.0
    assert certain.branches_alone == certain.branch_count, "each branch is the only one of its rule that holds, in some scenario"


def test_coverage_finds_what_a_smaller_suite_misses(engine: Engine) -> None:
    found = coverage(engine, read_suite(engine, [HEAVY]))
    missed = {item.rule for item in found.rules if not item.covered}
    assert {"analyst.mozambique_precedent", "elischer.more_if_paid"} <= missed
    assert found.rule_percent == pytest.approx(100 * (len(found.rules) - len(missed)) / len(found.rules))
    trend = next(item for item in found.rules if item.rule == "analyst.trend_from_clashes")
    assert trend.branches == ((HEAVY.as_posix(),), (HEAVY.as_posix(),)) and trend.alone == ((), ()), "both hold: neither alone"
    outcomes = {(item.question, item.outcome): item for item in found.outcomes}
    withdraw = outcomes[("russia_presence", "withdraw")]
    assert withdraw.addressed_in == (HEAVY.as_posix(),), "Weiss rates the pull-out (20-45%): it is addressed"
    assert outcomes[("russia_presence", "curtail")].addressed_in == (HEAVY.as_posix(),), "Elischer raises it as possible"
    increase = outcomes[("russia_presence", "increase")]
    assert increase.addressed_in == (HEAVY.as_posix(),), "Weiss's number gives it a range too: not withdraw is 55-80%"
    spearhead = outcomes[("wagner_assault_role", "spearhead")]
    assert spearhead.addressed_in == () and spearhead.addressable is False, "Weiss's 'may not ... spearhead' raises only the others"
    keep = outcomes[("junta_protector", "keep_russia")]
    assert keep.addressed_in == (HEAVY.as_posix(),), "'unlikely to drop Russia' puts keeping it at 55-80%"
    assert outcomes[("wagner_assault_role", "spearhead")].addressable is False, 'Weiss\'s "may" raises not spearheading only'
    assert outcomes[("russia_presence", "maintain")].addressable is True, "Weiss's P(withdraw) gives maintain a range, 0-80%"
    assert found.outcome_percent == pytest.approx(
        100 * sum(1 for item in found.addressable_outcomes if item.addressed_in) / len(found.addressable_outcomes)
    )


def test_an_uncertain_scenario_covers_each_class_it_gives_a_chance(engine: Engine) -> None:
    glancer = Glancer(engine)
    analyst = engine.read_scenario(ROOT / "scenarios" / "analyst_view.yaml")
    points, sampled = scenario_points(glancer, analyst)
    assert not sampled and len(points) == 2 * 3 * 2 * 2 * 2  # pays, clashes 1-4 (3 classes), cruelty, investment, fighters
    drawn, sampled = scenario_points(glancer, analyst, limit=10, samples=50)
    assert sampled and set(drawn) <= set(points)
    heavy = engine.read_scenario(HEAVY)
    assert scenario_points(glancer, heavy) == ([glancer.point(heavy.values)], False)
