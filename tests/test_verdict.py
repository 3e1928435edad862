"""The verdict on a question (engine.resolve.verdict): VERDICTS.md's worked examples, and its promises on random claims."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.resolve.credal import Claim, bounds, event_bounds
from engine.resolve.verdict import STATUSES, candidates, judge, view

F = Fraction
SCALE = ("withdraw", "curtail", "maintain", "increase")
BINARY = ("x", "not_x")


def numeric(rule: str, event: set[str], low: str, high: str) -> Claim:
    return Claim(rule, frozenset(event), F(low), F(high))


def possibility(rule: str, event: set[str]) -> Claim:
    return Claim(rule, frozenset(event))


def test_1_even_odds_against_stated_as_fact_is_a_conflict() -> None:
    verdict = judge(BINARY, {"a": [numeric("a.coin", {"x"}, "0.45", "0.55")], "b": [numeric("b.cover", {"not_x"}, "0.80", "0.99")]}, {})
    assert verdict.status == "conflict"
    assert verdict.conflicting == ("a", "b")
    assert verdict.clashing == ("a.coin", "b.cover")
    assert verdict.together is None
    assert verdict.favours is None


def test_2_ranges_that_meet_at_one_point_agree_there() -> None:
    verdict = judge(BINARY, {"a": [numeric("a.likely", {"x"}, "0.55", "0.80")], "b": [numeric("b.very", {"x"}, "0.80", "0.95")]}, {})
    assert verdict.status == "agree"
    assert verdict.favours == ("x",)
    assert verdict.together == {"x": (F("0.8"), F("0.8")), "not_x": (F("0.2"), F("0.2"))}


def test_3_a_range_and_a_possibility_are_compatible_and_the_possibility_is_not_pooled() -> None:
    verdict = judge(SCALE, {"a": [numeric("a.unlikely", {"withdraw"}, "0.20", "0.45")], "b": [possibility("b.may", {"curtail"})]}, {})
    assert verdict.status == "compatible"
    assert verdict.favours is None
    assert verdict.together == {
        "withdraw": (F("0.2"), F("0.45")),
        "curtail": (F(0), F("0.8")),
        "maintain": (F(0), F("0.8")),
        "increase": (F(0), F("0.8")),
    }
    assert verdict.possible == (("b", ("curtail",)),)
    assert verdict.no_number == ("b",)
    assert verdict.weights == {"a": F(1)}
    assert verdict.pooled == verdict.views["a"].bounds
    assert verdict.views["a"].favours == ("curtail", "maintain", "increase")


def test_4_two_ranges_on_withdraw_agree_on_not_withdraw() -> None:
    verdict = judge(
        SCALE, {"a": [numeric("a.unlikely", {"withdraw"}, "0.20", "0.45")], "b": [numeric("b.very", {"withdraw"}, "0.05", "0.20")]}, {}
    )
    assert verdict.status == "agree"
    assert verdict.favours == ("curtail", "maintain", "increase")
    assert verdict.together is not None
    assert verdict.together["withdraw"] == (F("0.2"), F("0.2"))


def test_5_possibilities_at_both_ends_are_one_voice_pointing_both_ways() -> None:
    verdict = judge(SCALE, {"a": [possibility("a.more", {"increase"}), possibility("a.less", {"curtail"})]}, {})
    assert verdict.status == "one voice"
    assert verdict.favours is None
    assert verdict.views["a"].both_ways
    assert verdict.views["a"].bounds == {outcome: (F(0), F(1)) for outcome in SCALE}
    assert verdict.pooled is None and verdict.no_number == ("a",)


def test_6_ranges_that_do_not_meet_conflict_though_neither_rules_the_outcome_out() -> None:
    verdict = judge(
        SCALE, {"a": [numeric("a.likely", {"increase"}, "0.55", "0.80")], "b": [numeric("b.unlikely", {"increase"}, "0.20", "0.45")]}, {}
    )
    assert verdict.status == "conflict"
    assert verdict.conflicting == ("a", "b")


def test_nobody_is_no_stance_and_sources_never_change_the_verdict() -> None:
    verdict = judge(SCALE, {}, {}, others={"telegram": [numeric("t.flat", {"withdraw"}, "0.80", "0.99")]})
    assert verdict.status == "no stance"
    assert verdict.together is None and verdict.pooled is None
    assert verdict.others["telegram"].favours == ("withdraw",)
    alone = judge(SCALE, {"a": [numeric("a.unlikely", {"withdraw"}, "0.20", "0.45")]}, {})
    beside = judge(
        SCALE,
        {"a": [numeric("a.unlikely", {"withdraw"}, "0.20", "0.45")]},
        {},
        others={"telegram": [numeric("t.flat", {"withdraw"}, "0.80", "0.99")]},
    )
    assert (
        (alone.status, alone.together, alone.favours)
        == (beside.status, beside.together, beside.favours)
        == (
            "one voice",
            alone.together,
            ("curtail", "maintain", "increase"),
        )
    )


def test_a_self_conflict_is_a_conflict_naming_its_own_clashing_claims() -> None:
    claims = [numeric("a.likely_w", {"withdraw"}, "0.55", "0.80"), numeric("a.likely_i", {"increase"}, "0.55", "0.80")]
    verdict = judge(SCALE, {"a": claims, "b": [possibility("b.may", {"curtail"})]}, {})
    assert verdict.status == "conflict"
    assert verdict.conflicting == ("a",)
    assert verdict.views["a"].clashing == ("a.likely_w", "a.likely_i")
    assert verdict.pooled is None  # the only expert with numbers contradicts himself: nothing to pool


def test_pool_weights_are_renormalised_over_the_experts_who_gave_a_number() -> None:
    verdict = judge(
        SCALE,
        {
            "a": [numeric("a.unlikely", {"withdraw"}, "0.20", "0.45")],
            "b": [numeric("b.very", {"withdraw"}, "0.05", "0.20")],
            "c": [possibility("c.may", {"curtail"})],
        },
        {"a": 3.0, "b": 1.0, "c": 5.0},
    )
    assert verdict.weights == {"a": F(3, 4), "b": F(1, 4)}
    assert verdict.pooled is not None
    assert verdict.pooled["withdraw"] == (F(3, 4) * F("0.2") + F(1, 4) * F("0.05"), F(3, 4) * F("0.45") + F(1, 4) * F("0.2"))


def test_long_scales_search_runs_and_complements() -> None:
    scale = tuple(f"o{index}" for index in range(10))
    events = candidates(scale)
    assert frozenset({"o2", "o3", "o4"}) in events
    assert frozenset(scale) - {"o5"} in events
    assert frozenset({"o1", "o3"}) not in events
    found = view("a", scale, [numeric("a.low", {"o0", "o1"}, "0.05", "0.20")])
    assert found.favours == scale[2:]


SUBSETS = [frozenset(c) for c in ({"withdraw"}, {"curtail"}, {"increase"}, {"withdraw", "curtail"}, {"maintain", "increase"})]
claims = st.lists(
    st.builds(
        lambda event, ends, assessed: (event, sorted(ends), assessed),
        st.sampled_from(SUBSETS),
        st.lists(st.sampled_from([F(n, 20) for n in range(21)]), min_size=2, max_size=2),
        st.booleans(),
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(claims, min_size=0, max_size=3))
def test_statuses_follow_their_definitions(per_expert: list[list[tuple[frozenset[str], list[Fraction], bool]]]) -> None:
    experts = {
        f"e{index}": [
            Claim(f"e{index}.r{number}", event, low, high) if assessed else Claim(f"e{index}.r{number}", event)
            for number, (event, (low, high), assessed) in enumerate(items)
        ]
        for index, items in enumerate(per_expert)
    }
    verdict = judge(SCALE, experts, {})
    assert verdict.status in STATUSES
    spoken = [name for name, items in experts.items() if items]
    assert verdict.experts == tuple(spoken)
    joint = bounds(SCALE, [claim for name in spoken for claim in experts[name]])
    assert (verdict.status == "conflict") == (bool(spoken) and joint is None)
    assert bool(verdict.conflicting) == (verdict.status == "conflict")
    assert (verdict.status == "no stance") == (not spoken)
    if verdict.status == "one voice":
        assert len(spoken) == 1
    if verdict.status in ("agree", "compatible"):
        assert len(spoken) >= 2
        assert (verdict.favours is not None) == (verdict.status == "agree")
    if verdict.status == "agree":
        assert verdict.favours is not None
        for name in spoken:  # every expert's lowest P(favoured) is above one half
            interval = event_bounds(SCALE, experts[name], frozenset(verdict.favours))
            assert interval is not None and interval[0] > F(1, 2)
