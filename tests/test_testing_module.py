"""engine.testing: the strategies and assertions a user's own pytest file uses.

The first two tests are the example of docs/consistency.md, verbatim (a test
below checks that they stay the same), run on the shipped rule base. The
example has its own imports, hence the unsorted import block.
"""

# ruff: noqa: I001

from __future__ import annotations

import random
import re
from engine.records import replace

import pytest
from hypothesis import find, settings
from hypothesis import strategies as st

from engine.space import ScenarioSpace
from engine.language import BooleanKind, LevelKind, NumberKind, Value
from engine.model import Accepted
from engine.pipeline import Engine
from engine.testing import assert_consistent, assert_invariants_hold

from pathlib import Path

from hypothesis import given

from engine.testing import assert_no_self_conflicts, rule_base, scenario_values, scenarios

engine = rule_base(Path(__file__).parent.parent / "rules")


@given(scenarios(engine.rule_base.vocabulary))
def test_no_undeclared_self_conflicts(values):
    assert_no_self_conflicts(engine, values)


@given(scenario_values(engine))
def test_no_undeclared_self_conflicts_in_any_class(values):
    assert_no_self_conflicts(engine, values)


FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUIET = settings(database=None, derandomize=True, max_examples=60)
PICNIC_DEFAULTS: dict[str, Value] = {"rain": False, "wind": 0, "season": "winter"}

picnic = rule_base(str(FIXTURES / "picnic" / "rules"))
orchard = rule_base(FIXTURES / "orchard" / "rules", FIXTURES / "orchard" / "seeds")


@pytest.mark.parametrize("document", ["docs/consistency.md", "README.md"])
def test_the_documented_example_is_this_file_verbatim(document: str) -> None:
    doc = (Path(__file__).resolve().parents[1] / document).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    example = next(block for block in blocks if "engine.testing" in block)
    assert example in Path(__file__).read_text(encoding="utf-8")


@QUIET
@given(scenario_values(orchard))
def test_scenario_values_draw_one_value_per_class(values: dict[str, Value]) -> None:
    classes = ScenarioSpace.of(orchard.rule_base).classes
    assert list(values) == list(classes)
    assert all(values[name] in options for name, options in classes.items())


@QUIET
@given(st.sampled_from([engine, orchard]).flatmap(lambda chosen: st.tuples(st.just(chosen), scenarios(chosen.rule_base.vocabulary))))
def test_scenarios_draw_valid_values_of_every_variable(drawn: tuple[Engine, dict[str, Value]]) -> None:
    chosen, values = drawn
    variables = chosen.rule_base.vocabulary.variables
    assert list(values) == list(variables)
    for name, variable in variables.items():
        value, kind = values[name], variable.kind
        if isinstance(kind, BooleanKind):
            assert isinstance(value, bool)
        elif isinstance(kind, LevelKind):
            assert value in kind.levels
        else:
            assert isinstance(kind, NumberKind)
            assert isinstance(value, (int, float)) and not isinstance(value, bool)
            assert kind.minimum <= value <= kind.maximum
            assert isinstance(value, int) or not kind.integer
    chosen.forecast(values)  # the engine takes every drawn scenario


def test_self_conflict_message_names_rules_and_values() -> None:
    with pytest.raises(AssertionError) as raised:
        assert_no_self_conflicts(picnic, {**PICNIC_DEFAULTS, "rain": True})
    message = str(raised.value)
    assert "scenario rain=true, wind=0, season=winter" in message
    # Under each lexicon: taken at their word (literal), and read as likelihoods (plain: "stated as fact" is 80-99%).
    assert "(the literal lexicon), ada's rules allow no outcome for picnic together: ada.calm_go says picnic is go; " in message
    assert "Read with the plain lexicon, ada's ranges on picnic admit no distribution: ada.calm_go puts P(go) 80-99%" in message
    calm = assert_no_self_conflicts(picnic, PICNIC_DEFAULTS).question("picnic")
    assert (calm.status, calm.verdict.favours) == ("one voice", ("go",))


def test_accepted_self_conflicts_pass_unless_refused() -> None:
    clash: dict[str, Value] = {
        "junta_pays": True,
        "mali_resources": "limited",
        "deadly_clashes": 3,
        "cruel_conduct": False,
        "agreements_observed_broken": False,
        "kremlin_investment": "low",
        "heavy_losses": False,
        "wagner_fighters": 0,
        "alienated_west": False,
    }
    # Read with the default lexicon Elischer only points both ways; taken at his word (literal) he clashes, as checks.yaml accepts.
    assert assert_no_self_conflicts(engine, clash).question("russia_presence").status == "one voice"
    with pytest.raises(AssertionError, match=r"\(the literal lexicon\).*elischer\.curtail_if_trend says russia_presence is curtail"):
        assert_no_self_conflicts(engine, clash, allow_accepted=False)


def test_invariant_message_names_the_invariant_rules_and_values() -> None:
    with pytest.raises(AssertionError) as raised:
        assert_invariants_hold(picnic, {**PICNIC_DEFAULTS, "wind": 80})
    message = str(raised.value)
    assert "scenario rain=false, wind=80, season=winter" in message
    assert (
        "invariant no_go_in_gale broken: on picnic, ada's claims put P(not go) as low as 1%, not above one half (ada.gale_kites), "
        "but the invariant requires 'picnic is not go'"
    ) in message
    below = assert_invariants_hold(picnic, {**PICNIC_DEFAULTS, "wind": 79}).question("picnic")
    assert (below.status, below.verdict.favours) == ("one voice", ("postpone", "go"))


def test_a_property_test_catches_the_clash_and_hypothesis_shrinks_it() -> None:
    def clashes(values: dict[str, Value]) -> bool:
        try:
            assert_no_self_conflicts(picnic, values)
        except AssertionError:
            return True
        return False

    for strategy in (scenarios(picnic.rule_base.vocabulary), scenario_values(picnic)):
        found = find(strategy, clashes, settings=settings(database=None), random=random.Random(0))
        assert found == {**PICNIC_DEFAULTS, "rain": True}


def test_a_given_test_fails_with_the_message() -> None:
    @QUIET
    @given(scenario_values(picnic))
    def no_self_conflicts(values: dict[str, Value]) -> None:
        assert_no_self_conflicts(picnic, values)

    with pytest.raises(AssertionError, match=r"ada\.rain_cancels"):
        no_self_conflicts()


def test_assert_consistent_lists_what_is_to_fix() -> None:
    with pytest.raises(AssertionError) as raised:
        assert_consistent(picnic)
    message = str(raised.value)
    assert message.startswith("the consistency check (exhaustive, 10 scenarios) found:")
    for title in (
        "invariant: no_go_in_gale",
        "self-conflict: ada on picnic (literal)",
        "self-conflict: ada on picnic (plain)",
        "dead-rule: ada.breeze_waits",
    ):
        assert f"- {title}: " in message


def test_assert_consistent_passes_when_everything_is_accepted() -> None:
    checks = orchard.rule_base.checks
    extra = (
        Accepted(name="cold_twice", kind="shadowed-rule", rule="bea.cold", reason="fixture"),
        Accepted(name="frost_is_cold", kind="shadowed-rule", rule="bea.frost_cold", reason="fixture"),
    )
    accepting = Engine(
        replace(orchard.rule_base, checks=replace(checks, accepted=(*checks.accepted, *extra))),
        orchard.program,
        orchard.matcher,
    )
    report = assert_consistent(accepting)
    assert not report.failed and len(report.by_status("accepted")) == 3
