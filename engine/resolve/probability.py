"""How likely each outcome is, as far as the sources allow: exact over the scenario classes, or Monte Carlo.

Inputs are independent. Each input, certain or uncertain, is a distribution
over its variable's classes (`engine.space`); the probability of a class of
scenarios is the product of its inputs' probabilities, and every figure is a
mixture over classes:

- `P(rule fires)` and `P(fact derived)`: the total weight of the classes
  where they happen;
- an expert's bounds for an outcome: the class-weighted sum of the
  per-class bounds (`engine.resolve.credal`), `[0, 1]` where the expert is
  silent; where the expert's own ranges admit no distribution (a
  probabilistic self-conflict), the figures are those of the other classes,
  and the conflict's probability is reported beside them;
- the experts together: the same, with every speaking expert's ranges at once;
- the pool: each expert's bounds, weighted (`experts.yaml` `weight`, else equal).

An input given as a word (a range of chances) makes every figure a range:
the figures are multilinear in each input's probabilities, so their extremes
are at the corners, and each figure's low and high are taken over them.
Hedges carry along chains (`engine.resolve.worlds`): a hedged rule that
derives a fact is a switch, each class a mixture of worlds, and each
switch's range adds corners as a word-ranged input does.

Exact when the classes the inputs leave open are few enough (`limit`),
otherwise estimated from `samples` scenarios drawn with `seed`, with a
standard error for every figure. The figures are the records of
`engine.resolve.odds`, worked out with the arithmetic of
`engine.resolve.figures`.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction

from engine.language import StanceClaim, Value
from engine.matching.compile import Program
from engine.matching.compiled import CompiledMatcher
from engine.model import ExpertKind, Input, Lexicon, Reading, RuleBase
from engine.resolve.classes import InputClasses
from engine.resolve.credal import Claim, event_bounds, vacuous
from engine.resolve.figures import ROUNDING as ROUNDING  # also importable from here
from engine.resolve.figures import Fired, Mixed, Tally, bounds_figure, figure_of, spans
from engine.resolve.judge import Judge
from engine.resolve.odds import ClaimOdds, Figure, Method, Probabilities, QuestionOdds, Said, Span, StanceOdds
from engine.resolve.verdict import STATUSES
from engine.resolve.worlds import TooManyWorlds, Worlds, switch_ranges, switch_uniforms
from engine.space import Point, ScenarioSpace

ZERO, ONE = Fraction(0), Fraction(1)
SAID_KEPT = 20_000
"""At most this many sets of fired rules are kept with what they say; past it the memory starts again."""
LIMIT = 50_000
"""Enumerate exactly up to this many classes (times the corners of word-ranged inputs); sample beyond."""
SAMPLES = 20_000
WORLDS = 200_000
"""Enumerate exactly up to this many worlds (classes times switch settings, over all corners); sample beyond."""


class Estimator:
    """Computes `Probabilities` for one compiled rule base and one lexicon."""

    def __init__(self, rule_base: RuleBase, program: Program, lexicon: Lexicon) -> None:
        self.rule_base = rule_base
        self.program = program
        self.lexicon = lexicon
        self.judge = Judge(rule_base, lexicon)
        self.claims: dict[str, Claim] = self.judge.claims
        self.words: dict[str, tuple[str, Reading]] = self.judge.words
        self.switches = switch_ranges(rule_base, lexicon)
        """Each uncertain fact rule's range of chances of concluding its fact (`engine.resolve.worlds`)."""
        self._ranks: dict[Point, dict[str, float]] = {}
        self._analysts = frozenset(rule.id for rule in rule_base.rules if rule_base.experts[rule.expert].kind is ExpertKind.ANALYST)
        self._said: dict[tuple[str, frozenset[str]], Said] = {}
        self.stance_rules = self.judge.stance_rules
        """Each question's stance rules: all that its figures depend on."""
        self._events: dict[tuple[str, str, frozenset[str], frozenset[str]], dict[str, Span] | None] = {}

    @functools.cached_property
    def space(self) -> ScenarioSpace:
        return ScenarioSpace.of(self.rule_base)

    @functools.cached_property
    def matcher(self) -> CompiledMatcher:
        """The compiled matcher, built only when classes are enumerated or sampled."""
        return CompiledMatcher(self.program)

    @functools.cached_property
    def worlds(self) -> Worlds:
        return Worlds(self.matcher, self.switches, self._analysts, self.program.rule_facts)

    # --- inputs as distributions over classes ---------------------------------------

    @functools.cached_property
    def input_classes(self) -> InputClasses:
        return InputClasses(self.space)

    def corners(self, inputs: Mapping[str, Input]) -> list[dict[str, dict[int, Fraction]]]:
        """For every corner of the word-ranged inputs, each variable's distribution over its classes."""
        return self.input_classes.corners(inputs)

    # --- one set of firings ------------------------------------------------------------

    def _ranks_of(self, point: Point) -> dict[str, float]:
        ranks = self._ranks.get(point)
        if ranks is None:
            ranks = self._ranks[point] = self.program.encode(self.space.values(point))
        return ranks

    def said(self, question_id: str, fired: Iterable[str]) -> Said:
        """What a set of fired rules means for one question: each expert's bounds, together, statuses (cached)."""
        return self._said_of(question_id, frozenset(fired) & self.stance_rules[question_id])

    def _said_of(self, question_id: str, fired: frozenset[str]) -> Said:
        """What `fired`, a set of the question's stance rules, means for it (cached)."""
        key = (question_id, fired)
        found = self._said.get(key)
        if found is not None:
            return found
        rule_base = self.rule_base
        scale = rule_base.vocabulary.questions[question_id].outcomes
        verdict = self.judge.verdict(question_id, fired)
        views = {**verdict.views, **verdict.others}
        speakers = sorted(views, key=lambda name: self.judge.order.get(name, len(self.judge.order)))
        found = Said(
            experts={speaker: spans(views[speaker].bounds) for speaker in speakers},
            together=spans(verdict.together) if verdict.experts else spans(vacuous(scale)),
            conflicting=verdict.conflicting,
            status=verdict.status,
            clashes=frozenset(speaker for speaker in speakers if views[speaker].bounds is None),
            pooled=spans(verdict.pooled) if verdict.pooled is not None else None,
            verdict=verdict,
        )
        if len(self._said) >= SAID_KEPT:  # a search meets a new set of fired rules in nearly every scenario of a large base
            self._said.clear()
        self._said[key] = found
        return found

    # --- exact -------------------------------------------------------------------------

    def certain(self, fired: Iterable[str], values: Mapping[str, Value] | None = None) -> Probabilities:
        """The figures of one certain scenario, from the rules that fired in it (any matcher's firings).

        Where an uncertain fact rule fired, its worlds are expanded from the
        scenario's `values` (exact, or sampled when too many).
        """
        fired = frozenset(fired)
        if values is None or fired.isdisjoint(self.switches):
            return self._result([Tally.exact({fired: 1.0})], "exact", None, None)
        ranks = self.program.encode(values)
        key = ("certain", tuple(sorted(ranks.items())))
        try:
            return self._result(
                [self._world_tally([(key, ranks, 1.0)], switched) for switched in self.worlds.corners()], "exact", None, None
            )
        except TooManyWorlds:
            uniforms = switch_uniforms(self.switches, SAMPLES, 0)
            corners = []
            for switched in self.worlds.corners():
                floats = {rule_id: float(chance) for rule_id, chance in switched.items()}
                draws: Counter[frozenset[str]] = Counter(
                    self.worlds.draw(key, ranks, floats, uniforms, sample) for sample in range(SAMPLES)
                )
                corners.append(Tally.sampled(draws, SAMPLES))
            return self._result(corners, "monte-carlo", SAMPLES, 0)

    def _world_tally(self, classes: Iterable[tuple[object, Mapping[str, float], float]], switched: Mapping[str, Fraction]) -> Tally:
        """One corner's tally: each class's weight shared among its worlds."""
        parts: dict[frozenset[str], list[float]] = {}
        for key, ranks, weight in classes:
            for leaf in self.worlds.leaves(key, ranks, switched, WORLDS):
                parts.setdefault(leaf[2], []).append(weight * Worlds.weight(leaf, switched))
        return Tally.exact({fired: math.fsum(weights) for fired, weights in parts.items()})

    def support(self, inputs: Mapping[str, Input]) -> int:
        """How many classes the inputs leave open, times the corners of word-ranged inputs and of the switches."""
        corners = self.corners(inputs)
        open_classes = [set().union(*(corner[name] for corner in corners)) for name in self.space.classes]
        return math.prod(len(classes) for classes in open_classes) * len(corners) * len(self.worlds.corners())

    def exact(self, inputs: Mapping[str, Input]) -> Probabilities:
        """Every class and every world, at every corner; `TooManyWorlds` when they are more than `WORLDS`."""
        corners = []
        names = list(self.space.classes)
        seen = 0
        for corner in self.corners(inputs):
            positions = [sorted(corner[name]) for name in names]
            chances = [[float(corner[name][position]) for position in ordered] for name, ordered in zip(names, positions, strict=True)]
            classes = [
                (point, self._ranks_of(point), math.prod(weights))
                for point, weights in zip(itertools.product(*positions), itertools.product(*chances), strict=True)
            ]
            for switched in self.worlds.corners():
                tally = self._world_tally(classes, switched)
                seen += len(tally.weights)
                if seen > WORLDS:
                    raise TooManyWorlds
                corners.append(tally)
        return self._result(corners, "exact", None, None)

    # --- Monte Carlo ----------------------------------------------------------------------

    def monte_carlo(self, inputs: Mapping[str, Input], samples: int = SAMPLES, seed: int = 0) -> Probabilities:
        """Estimates from `samples` scenarios; every corner draws the same uniforms (common random numbers)."""
        rng = random.Random(seed)
        names = list(self.space.classes)
        uniforms = {name: [rng.random() for _ in range(samples)] for name in names}
        switches = switch_uniforms(self.switches, samples, seed)
        corners = []
        for corner in self.corners(inputs):
            columns = []
            for name in names:
                positions = sorted(corner[name])
                cumulative = list(itertools.accumulate(float(corner[name][position]) for position in positions))
                top = len(positions) - 1
                columns.append([positions[min(bisect_right(cumulative, draw * cumulative[-1]), top)] for draw in uniforms[name]])
            points = list(zip(*columns, strict=True))
            for switched in self.worlds.corners():
                floats = {rule_id: float(chance) for rule_id, chance in switched.items()}
                counts: Counter[frozenset[str]] = Counter(
                    self.worlds.draw(point, self._ranks_of(point), floats, switches, sample) for sample, point in enumerate(points)
                )
                corners.append(Tally.sampled(counts, samples))
        return self._result(corners, "monte-carlo", samples, seed)

    # --- figures ---------------------------------------------------------------------------

    def _result(self, corners: list[Tally], method: Method, samples: int | None, seed: int | None) -> Probabilities:
        rule_base = self.rule_base
        rule_facts = self.program.rule_facts
        by_rule: list[dict[str, list[float]]] = []
        by_fact: list[dict[str, list[float]]] = []
        by_assumed: list[dict[str, list[float]]] = []
        for tally in corners:
            rules_found: dict[str, list[float]] = {}
            facts_found: dict[str, list[float]] = {}
            assumed_found: dict[str, list[float]] = {}
            by_assumed.append(assumed_found)
            for fired, weight in tally.weights.items():
                for rule_id in fired:
                    rules_found.setdefault(rule_id, []).append(weight)
                for rule_id in getattr(fired, "assumed", ()):
                    assumed_found.setdefault(rule_id, []).append(weight)
                for fact in {rule_facts[rule_id] for rule_id in fired if rule_id in rule_facts}:
                    facts_found.setdefault(fact, []).append(weight)
            by_rule.append(rules_found)
            by_fact.append(facts_found)
        rules = {
            rule.id: figure_of([tally.chance(found.get(rule.id, [])) for tally, found in zip(corners, by_rule, strict=True)])
            for rule in rule_base.rules
        }
        facts = {
            fact: figure_of([tally.chance(found.get(fact, [])) for tally, found in zip(corners, by_fact, strict=True)])
            for fact in rule_base.vocabulary.facts
        }
        classed = all(isinstance(fired, Fired) for tally in corners for fired in tally.weights)  # else one certain scenario
        assumed = {
            rule_id: figure_of([tally.chance(found.get(rule_id, [])) for tally, found in zip(corners, by_assumed, strict=True)])
            for rule_id in self.claims
            if classed
        }
        questions = tuple(
            self._question(question_id, [tally.project(self.stance_rules[question_id]) for tally in corners], assumed)
            for question_id in rule_base.vocabulary.questions
        )
        return Probabilities(self.lexicon, method, samples, seed, rules, facts, questions)

    def _question(self, question_id: str, corners: list[Tally], assumed: Mapping[str, Figure]) -> QuestionOdds:
        """One question's figures, from tallies of its stance rules' firings only."""
        scale = self.rule_base.vocabulary.questions[question_id].outcomes
        seen = set().union(*(group for tally in corners for group in tally.weights))
        order = {name: position for position, name in enumerate(self.rule_base.experts)}
        speakers = sorted(
            {self.rule_base.rule(rule_id).expert for rule_id in seen},
            key=lambda name: order.get(name, len(order)),
        )
        silent = spans(vacuous(scale))
        stances = []
        per_corner_mix: dict[str, list[dict[str, Mixed] | None]] = {}
        for expert in speakers:

            def view(fired: frozenset[str], expert: str = expert) -> tuple[bool, dict[str, Span] | None]:
                found = self._said_of(question_id, fired).experts
                return (expert in found, found.get(expert, silent))

            speaks = figure_of([tally.share(lambda fired: view(fired)[0]) for tally in corners])
            conflict = figure_of([tally.share(lambda fired: view(fired)[0] and view(fired)[1] is None) for tally in corners])
            mixes = [tally.mix(lambda fired: view(fired)[1], scale) for tally in corners]
            per_corner_mix[expert] = mixes
            claims = tuple(
                self._claim(rule_id, question_id, scale, corners, assumed.get(rule_id))
                for rule_id in sorted(seen)
                if _belongs(self.rule_base, rule_id, question_id, expert)
            )
            events = {claim.event: self._event_figure(expert, question_id, scale, frozenset(claim.event), corners) for claim in claims}
            clash = figure_of(
                [tally.share(lambda fired, expert=expert: expert in self._said_of(question_id, fired).clashes) for tally in corners]
            )
            stances.append(StanceOdds(expert, claims, speaks, conflict, bounds_figure(mixes, scale), events, clash))

        def said(fired: frozenset[str]) -> Said:
            return self._said_of(question_id, fired)

        every = [said(fired) for tally in corners for fired in tally.weights]
        conflict = figure_of([tally.share(lambda fired: said(fired).status == "conflict") for tally in corners])
        conflicting = tuple(sorted({name for found in every for name in found.conflicting}, key=lambda name: order.get(name, len(order))))
        spoken = any(found.verdict.experts for found in every)
        together = bounds_figure([tally.mix(lambda fired: said(fired).together, scale) for tally in corners], scale) if spoken else None
        numbers = [found for found in every if found.pooled is not None]
        pooled = (
            bounds_figure([tally.mix(lambda fired: said(fired).pooled or silent, scale) for tally in corners], scale) if numbers else None
        )
        weights = _weights(self.rule_base, numbers)
        statuses: dict[str, Figure] = {
            status: figure_of([tally.share(lambda fired, status=status: said(fired).status == status) for tally in corners])
            for status in STATUSES
        }
        favoured = sorted({found.verdict.favours for found in every if found.verdict.favours}, key=lambda event: (len(event), event))
        favours = {
            event: figure_of([tally.share(lambda fired, event=event: said(fired).verdict.favours == event) for tally in corners])
            for event in favoured
        }
        groups = {fired for tally in corners for fired in tally.weights}
        verdict = said(next(iter(groups))).verdict if len(groups) == 1 else None
        return QuestionOdds(
            question_id, scale, tuple(stances), together, conflict, conflicting, pooled, weights, statuses, favours, verdict
        )

    def _event_figure(self, expert: str, question_id: str, scale: tuple[str, ...], event: frozenset[str], corners: list[Tally]) -> Figure:
        """The expert's bounds on P(event), mixed over the scenarios (0 to 1 where he is silent)."""

        def interval(fired: frozenset[str]) -> dict[str, Span] | None:
            key = (expert, question_id, event, fired)
            if key not in self._events:
                mine = [
                    self.claims[rule_id]
                    for rule_id in sorted(fired)
                    if rule_id in self.claims and _belongs(self.rule_base, rule_id, question_id, expert)
                ]
                found = event_bounds(scale, mine, event)
                self._events[key] = None if found is None else {"event": (float(found[0]), float(found[1]))}
            return self._events[key]

        figure = bounds_figure([tally.mix(interval, ("event",)) for tally in corners], ("event",))
        return figure["event"] if figure else Figure(0.0, 1.0)

    def _claim(self, rule_id: str, question_id: str, scale: tuple[str, ...], corners: list[Tally], assumed: Figure | None) -> ClaimOdds:
        rule = self.rule_base.rule(rule_id)
        words, reading = self.words[rule_id]
        event = tuple(outcome for outcome in scale if outcome in self.claims[rule_id].event)
        fires = figure_of([tally.share(lambda fired: rule_id in fired) for tally in corners])
        return ClaimOdds(rule_id, event, words, rule.hedge is not None, reading, fires, assumed)


def _weights(rule_base: RuleBase, numbers: Iterable[Said]) -> dict[str, float]:
    """The pool's weights over every expert who gave a number in some scenario (each scenario renormalises over its own)."""
    members = {expert for said in numbers for expert in said.verdict.weights}
    order = list(rule_base.experts)
    total = sum(rule_base.experts[expert].weight for expert in members)
    return {expert: rule_base.experts[expert].weight / total for expert in sorted(members, key=order.index)} if total > 0 else {}


def _asks(rule_base: RuleBase, rule_id: str, question_id: str) -> bool:
    then = rule_base.rule(rule_id).then
    return isinstance(then, StanceClaim) and then.question == question_id


def _belongs(rule_base: RuleBase, rule_id: str, question_id: str, expert: str) -> bool:
    return rule_base.rule(rule_id).expert == expert and _asks(rule_base, rule_id, question_id)


def estimate(
    estimator: Estimator, inputs: Mapping[str, Input], *, limit: int = LIMIT, samples: int | None = None, seed: int = 0
) -> Probabilities:
    """Exact when the inputs leave at most `limit` classes open (and no sample size is asked for), else Monte Carlo."""
    if samples is None and estimator.support(inputs) <= limit:
        try:
            return estimator.exact(inputs)
        except TooManyWorlds:
            pass
    return estimator.monte_carlo(inputs, samples or SAMPLES, seed)
