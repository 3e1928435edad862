"""What the search found: findings, each with the smallest scenario that shows it, and what is accepted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from engine.consistency.promises import PROMISES
from engine.consistency.search import Progress, Search
from engine.consistency.verdicts import Key, key_lexicon, self_conflict_words
from engine.language import FactClaim, StanceClaim, Value, allowed, describe_conclusion, describe_condition
from engine.model import Accepted, Rule, RuleBase
from engine.pipeline import Engine
from engine.records import record
from engine.space import Point, ScenarioSpace

FindingKind = Literal[
    "self-conflict",
    "disagreement",
    "points-both-ways",
    "lexicon-sensitivity",
    "dead-rule",
    "shadowed-rule",
    "invariant",
    "promise",
    "unused-acceptance",
]
FindingStatus = Literal["failing", "accepted", "informational"]

KIND_ORDER: tuple[FindingKind, ...] = (
    "invariant",
    "self-conflict",
    "promise",
    "dead-rule",
    "shadowed-rule",
    "disagreement",
    "points-both-ways",
    "lexicon-sensitivity",
    "unused-acceptance",
)
INFORMATIONAL: frozenset[FindingKind] = frozenset({"disagreement", "points-both-ways", "lexicon-sensitivity", "unused-acceptance"})
STATUS_ORDER: dict[FindingStatus, int] = {"failing": 0, "accepted": 1, "informational": 2}
BY_EXPERT: frozenset[str] = frozenset({"self-conflict"})
"""The kinds of finding an acceptance names by expert and question (and lexicon, if it says); the others, by rule."""


@record
class Finding:
    """One thing the check found, with the smallest scenario that shows it.

    `scenario` is None for a dead rule (no scenario fires it) and for an
    unused acceptance. For a shadowed rule it is the smallest scenario where
    the shadowed rule fires (and its shadower with it). `scenarios` is how
    many of the scenarios tried show the finding. `lexicon` names the
    lexicon a verdict was read with (a self-conflict, a disagreement, a view
    that points both ways): such a finding is reported once per lexicon
    where it arises, and its subject ends with the lexicon in brackets.
    """

    kind: FindingKind
    subject: str
    message: str
    question: str | None = None
    experts: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    scenario: Mapping[str, Value] | None = None
    scenarios: int = 0
    accepted: Accepted | None = None
    lexicon: str | None = None

    @property
    def status(self) -> FindingStatus:
        if self.kind in INFORMATIONAL:
            return "informational"
        return "accepted" if self.accepted is not None else "failing"

    @property
    def title(self) -> str:
        return f"{self.kind}: {self.subject}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "subject": self.subject,
            "question": self.question,
            "lexicon": self.lexicon,
            "experts": list(self.experts),
            "rules": list(self.rules),
            "message": self.message,
            "scenario": dict(self.scenario) if self.scenario is not None else None,
            "scenarios": self.scenarios,
            "accepted": {"name": self.accepted.name, "reason": self.accepted.reason} if self.accepted else None,
        }


class Findings:
    """Turns what the search observed into findings, each with its smallest scenario.

    Every search for a smallest scenario runs first; counts, dead rules and
    shadowed rules are taken afterwards, from every scenario tried, so that a
    scenario met while shrinking counts too.
    """

    def __init__(self, engine: Engine, search: Search, space: ScenarioSpace, progress: Progress | None = None) -> None:
        self.progress = progress
        """Called as each finding is shrunk (a sampled search's long part); `total` grows with findings met on the way."""
        self.rule_base = engine.rule_base
        self.search = search
        self.space = space
        self.caveat = " The search was sampled, so this is evidence, not proof." if search.method == "hypothesis" else ""

    def all(self) -> list[Finding]:
        shadowed_rules = self._shadowers()
        illustrations = {}
        for rule_id in shadowed_rules:
            illustrations[rule_id] = self.search.smallest_firing(rule_id)
            self._tick(len(illustrations), len(shadowed_rules) + len(self.search.keys()))
        points = self._key_points(len(illustrations))
        keyed = [self._keyed(key, point) for key, point in points.items()]
        shadowed = [
            self._shadowed(rule_id, shadowers, illustrations.get(rule_id) or self.search.first_firing(rule_id))
            for rule_id, shadowers in self._shadowers().items()
        ]
        return [*keyed, *self._dead(), *shadowed]

    def so_far(self) -> list[Finding]:
        """What the scenarios tried show, each at the first scenario tried that showed it.

        For a search stopped before its end: nothing is searched again, and
        dead and shadowed rules, which are judged on the whole search, are
        not judged at all.
        """
        return [self._keyed(key, self.search.first(key)) for key in sorted(self.search.keys())]

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, max(done + 1, total))  # the total is reached once, by the last call

    def _key_points(self, before: int = 0) -> dict[Key, Point]:
        """The smallest point of every key, including keys first met while shrinking another."""
        points: dict[Key, Point] = {}
        while pending := sorted(self.search.keys() - points.keys()):
            for key in pending:
                points[key] = self.search.smallest(key)
                self._tick(before + len(points), before + len(self.search.keys()))
        if self.progress is not None:
            self.progress(before + len(points), before + len(points))  # once at the end, as the search's own progress
        return points

    def _keyed(self, key: Key, point: Point) -> Finding:
        evidence = self.search.evidence(key, point)
        count = self.search.count(key)
        tried = self.search.tried_for(key)
        seen = f"Seen in {count:,} of {tried:,} scenarios tried."
        kind, *rest = key
        question: str | None = None
        lexicon = key_lexicon(key)
        reading = f"Read with the {lexicon} lexicon"
        if kind == "self-conflict":
            speaker, question, _ = rest
            subject = f"{speaker} on {question} ({lexicon})"
            message = f"{self_conflict_words(self.rule_base, speaker, question, str(lexicon))}: {evidence.text}. {seen}"
        elif kind == "disagreement":
            question, _, *experts = rest
            names = _names(experts)
            subject = f"{names} on {question} ({lexicon})"
            message = (
                f"{reading}, {names} conflict on {question}: no distribution meets their claims at once. "
                f"In the smallest such scenario, {evidence.text}. {seen}"
            )
        elif kind == "points-both-ways":
            speaker, question, _ = rest
            subject = f"{speaker} on {question} ({lexicon})"
            message = (
                f"{reading}, {speaker} raises possibilities on {question} that do not overlap: {evidence.text}. "
                f"An observation, not a conflict: a possibility constrains no number. {seen}"
            )
        elif kind == "invariant":
            invariant = next(item for item in self.rule_base.checks.invariants if item.name == rest[0])
            subject, question = invariant.name, invariant.require.question
            message = f"In the smallest scenario that breaks it, {evidence.text}. The invariant's reason: {invariant.reason} {seen}"
        else:
            subject = rest[0]
            message = f"The engine promises that {PROMISES[subject]}, but {evidence.text}. {seen}"
        return Finding(
            kind=_KINDS[kind],
            subject=subject,
            message=message,
            question=question,
            experts=evidence.experts,
            rules=evidence.rules,
            scenario=self.space.values(point),
            scenarios=count,
            lexicon=lexicon,
        )

    def _dead(self) -> list[Finding]:
        tried = self.search.tried
        return [
            Finding(
                kind="dead-rule",
                subject=rule.id,
                message=f"{rule.id} fires in none of the {tried:,} scenarios tried; its condition never holds: "
                f"{describe_condition(rule.when)}.{self.caveat}",
                question=rule.then.question if isinstance(rule.then, StanceClaim) else None,
                experts=(rule.expert,),
                rules=(rule.id,),
            )
            for rule in self.rule_base.rules
            if not self.search.fires(rule.id)
        ]

    def _shadowers(self) -> dict[str, tuple[str, ...]]:
        """Each shadowed rule and the rules that shadow it, judged on every scenario tried so far."""
        search = self.search
        found: dict[str, tuple[str, ...]] = {}
        for rule in self.rule_base.rules:
            if not search.fires(rule.id):
                continue
            shadowers = []
            for other in self.rule_base.rules:
                if other.id == rule.id or other.expert != rule.expert:
                    continue
                if not (implies(self.rule_base, other, rule) and search.covers(rule.id, other.id)):
                    continue
                mutual = implies(self.rule_base, rule, other) and search.same(rule.id, other.id)
                if mutual and rule.id < other.id:
                    continue
                shadowers.append(other.id)
            if shadowers:
                found[rule.id] = tuple(sorted(shadowers))
        return found

    def _shadowed(self, rule_id: str, shadowers: tuple[str, ...], point: Point) -> Finding:
        rule = self.rule_base.rule(rule_id)
        count = self.search.fires(rule_id)
        said = "; ".join(f"{other} ({describe_conclusion(self.rule_base.rule(other).then)})" for other in shadowers)
        return Finding(
            kind="shadowed-rule",
            subject=rule_id,
            message=f"{rule_id} ({describe_conclusion(rule.then)}) adds nothing: in each of the {count:,} scenarios tried where it fires, "
            f"{said} {'fires' if len(shadowers) == 1 else 'fire'} too and already {'says' if len(shadowers) == 1 else 'say'} as much."
            f"{self.caveat}",
            question=rule.then.question if isinstance(rule.then, StanceClaim) else None,
            experts=(rule.expert,),
            rules=(rule_id, *shadowers),
            scenario=self.space.values(point),
            scenarios=count,
        )


def implies(rule_base: RuleBase, rule: Rule, other: Rule) -> bool:
    """Whether `rule`'s conclusion already says everything `other`'s does: the same fact, or a subset of its outcomes."""
    if isinstance(rule.then, FactClaim) or isinstance(other.then, FactClaim):
        return isinstance(rule.then, FactClaim) and isinstance(other.then, FactClaim) and rule.then.fact == other.then.fact
    if rule.then.question != other.then.question:
        return False
    scale = rule_base.vocabulary.questions[rule.then.question].outcomes
    return set(allowed(rule.then.op, rule.then.values, scale)) <= set(allowed(other.then.op, other.then.values, scale))


_KINDS: dict[str, FindingKind] = {
    "self-conflict": "self-conflict",
    "disagreement": "disagreement",
    "points-both-ways": "points-both-ways",
    "invariant": "invariant",
    "promise": "promise",
}


def acceptance(finding: Finding, accepted: Iterable[Accepted]) -> Accepted | None:
    for declaration in accepted:
        if declaration.kind != finding.kind:
            continue
        if declaration.kind in BY_EXPERT:
            if finding.question is not None and declaration.covers(finding.experts[0], finding.question, str(finding.lexicon)):
                return declaration
        elif finding.rules[:1] == (declaration.rule,):
            return declaration
    return None


def unused(declaration: Accepted, tried: int) -> Finding:
    target = f"{declaration.expert} on {declaration.question}" if declaration.kind in BY_EXPERT else str(declaration.rule)
    if declaration.lexicon is not None:
        target += f" (read with the {declaration.lexicon} lexicon)"
    return Finding(
        "unused-acceptance",
        declaration.name,
        f"checks.yaml accepts the {declaration.kind} {target}, but none was found in the {tried:,} scenarios tried; "
        "if the rules changed, the declaration can go.",
        question=declaration.question,
        experts=(declaration.expert,) if declaration.expert else (),
        rules=(declaration.rule,) if declaration.rule else (),
        accepted=declaration,
        lexicon=declaration.lexicon,
    )


def _names(names: list[str]) -> str:
    """`a and b`, `a, b and c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def order(finding: Finding) -> tuple[int, int, str]:
    return (STATUS_ORDER[finding.status], KIND_ORDER.index(finding.kind), finding.subject)
