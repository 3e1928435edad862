"""The `literal` lexicon takes every expert at his word, and so gives back the set verdict of forecast 1.x (VERDICTS.md section 6).

The set verdict is written here from its definition, apart from the engine:
an expert allows the outcomes every one of his fired rules allows (none: a
self-conflict), and the experts together allow what every one of them
allows (none: a conflict). Under `literal` the one verdict must find a
conflict exactly there, and leave possible together (a highest probability
above 0) exactly the outcomes the set verdict combines, on every class of
the shipped rule base and on random claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from reference import ReferenceMatcher

from engine.language import StanceClaim, allowed
from engine.model import ExpertKind, RuleBase
from engine.pipeline import Engine
from engine.resolve.credal import Claim
from engine.resolve.verdict import Verdict, judge
from engine.space import ScenarioSpace

SCALE = ("withdraw", "curtail", "maintain", "increase")


def set_verdict(scale: Sequence[str], allowed_by: Mapping[str, Sequence[frozenset[str]]]) -> tuple[set[str], set[str], bool]:
    """1.x's reading: each expert's allowed outcomes, their intersection, and whether anything is left (experts who spoke only)."""
    clashing = set()
    common = set(scale)
    for expert, events in allowed_by.items():
        mine = set(scale)
        for event in events:
            mine &= event
        if not mine:
            clashing.add(expert)
        common &= mine
    return clashing, common, bool(allowed_by) and not common


def possible_together(verdict: Verdict) -> set[str]:
    assert verdict.together is not None
    return {outcome for outcome, (_, high) in verdict.together.items() if high > 0}


def _agrees(verdict: Verdict, scale: Sequence[str], allowed_by: Mapping[str, Sequence[frozenset[str]]]) -> None:
    clashing, common, conflict = set_verdict(scale, allowed_by)
    assert (verdict.status == "conflict") == conflict
    assert {expert for expert, view in verdict.views.items() if view.bounds is None} == clashing
    if allowed_by and not conflict:
        assert possible_together(verdict) == common
    if not allowed_by:
        assert verdict.status == "no stance"


def test_on_every_class_of_the_shipped_base_literal_is_the_set_verdict(shipped_engine: Engine) -> None:
    rule_base: RuleBase = shipped_engine.rule_base
    judge_literal = shipped_engine.estimator("literal").judge
    reference = ReferenceMatcher(shipped_engine.program)
    space = ScenarioSpace.of(rule_base)
    stance_rules = {rule.id: rule for rule in rule_base.rules if isinstance(rule.then, StanceClaim)}
    checked = 0
    for point in space.points():
        fired = {firing.rule_id for firing in reference.run(space.values(point))}
        for question_id, question in rule_base.vocabulary.questions.items():
            allowed_by: dict[str, list[frozenset[str]]] = {}
            for rule_id in sorted(fired):
                rule = stance_rules.get(rule_id)
                if rule is None or rule.then.question != question_id:  # type: ignore[union-attr]
                    continue
                if rule_base.experts[rule.expert].kind is not ExpertKind.EXPERT:
                    continue  # sources and the analyst are reported apart under every lexicon
                then = rule.then
                assert isinstance(then, StanceClaim)
                allowed_by.setdefault(rule.expert, []).append(frozenset(allowed(then.op, then.values, question.outcomes)))
            _agrees(judge_literal.verdict(question_id, fired), question.outcomes, allowed_by)
            checked += 1
    assert checked == space.size * len(rule_base.vocabulary.questions) >= 1000


def test_the_literal_reading_of_heavy_fighting_is_its_old_headline(shipped_engine: Engine) -> None:
    """1.x printed `outcome curtail [compatible]`: taken at their word, Weiss and Elischer leave curtail alone."""
    forecast = shipped_engine.forecast(
        {
            "junta_pays": False,
            "mali_resources": "limited",
            "deadly_clashes": 4,
            "cruel_conduct": True,
            "agreements_observed_broken": True,
            "kremlin_investment": "high",
            "heavy_losses": True,
            "wagner_fighters": 1100,
            "alienated_west": True,
        },
        lexicon="literal",
    )
    verdict = forecast.question("russia_presence").verdict
    assert possible_together(verdict) == {"curtail"}
    assert verdict.status == "agree" and verdict.favours == ("curtail", "maintain", "increase")


EVENTS = [frozenset(subset) for subset in ({"withdraw"}, {"curtail"}, {"increase"}, {"curtail", "maintain", "increase"}, set(SCALE))]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.lists(st.sampled_from(EVENTS), min_size=1, max_size=3), max_size=3))
def test_on_random_claims_taken_at_their_word_the_verdict_is_the_set_verdict(allowed_by: dict[str, list[frozenset[str]]]) -> None:
    claims = {
        expert: [Claim(f"{expert}.r{index}", event, Fraction(1), Fraction(1)) for index, event in enumerate(events)]
        for expert, events in allowed_by.items()
    }
    _agrees(judge(SCALE, claims, {}), SCALE, allowed_by)
