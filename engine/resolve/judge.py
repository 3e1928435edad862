"""The verdict of a set of fired rules, read with one lexicon: the one place a firing becomes a claim.

Each stance rule of the rule base becomes one `Claim` on its question: the
event its hedge rates with the lexicon's range for its words, or, for an
unassessed word, the event raised as possible. The `literal` lexicon takes
every claim at its word instead: the conclusion, certain. `Judge.verdict`
sorts a question's fired claims by speaker (the experts counted, sources and
the analyst apart) and asks `engine.resolve.verdict.judge`, once per set of
fired rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.language import StanceClaim, allowed
from engine.model import ExpertKind, Lexicon, Reading, RuleBase
from engine.resolve.credal import Claim
from engine.resolve.verdict import Verdict, judge

KEPT = 65_536
"""At most this many verdicts are kept for reuse; past it the memory starts again."""


class Judge:
    """Verdicts on a rule base's questions, from the rules that fired, under one lexicon."""

    def __init__(self, rule_base: RuleBase, lexicon: Lexicon) -> None:
        self.rule_base = rule_base
        self.lexicon = lexicon
        self.claims: dict[str, Claim] = {}
        """Each stance rule's claim on its question."""
        self.words: dict[str, tuple[str, Reading]] = {}
        """Each stance rule's words, and how the lexicon reads them."""
        self.question_of: dict[str, str] = {}
        for rule in rule_base.rules:
            rated = rule.rated
            if rated is None or not isinstance(rule.then, StanceClaim):
                continue
            words = rule_base.hedge_words(rule)
            reading = lexicon.reading(words)
            if reading is None:
                raise ValueError(f"lexicon {lexicon.name} does not read {words!r} (the rule base was not checked?)")
            scale = rule_base.vocabulary.questions[rule.then.question].outcomes
            read = rule.then if lexicon.literal else rated
            event = frozenset(allowed(read.op, read.values, scale))
            self.claims[rule.id] = Claim(rule.id, event, reading.low, reading.high)
            self.words[rule.id] = (words, reading)
            self.question_of[rule.id] = rule.then.question
        self.stance_rules = {
            question_id: frozenset(rule_id for rule_id, asked in self.question_of.items() if asked == question_id)
            for question_id in rule_base.vocabulary.questions
        }
        """Each question's stance rules: all its verdict depends on."""
        self.weights = {name: expert.weight for name, expert in rule_base.experts.items()}
        self.order = {name: position for position, name in enumerate(rule_base.experts)}
        self._kept: dict[tuple[str, frozenset[str]], Verdict] = {}

    def verdict(self, question_id: str, fired: Iterable[str]) -> Verdict:
        """The verdict on `question_id` when `fired` (any rules; the question's stance rules are picked out) fired."""
        key = (question_id, frozenset(fired) & self.stance_rules[question_id])
        found = self._kept.get(key)
        if found is None:
            if len(self._kept) >= KEPT:
                self._kept.clear()
            found = self._kept[key] = self._judge(question_id, key[1])
        return found

    def _judge(self, question_id: str, fired: frozenset[str]) -> Verdict:
        rule_base = self.rule_base
        experts: dict[str, list[Claim]] = {}
        others: dict[str, list[Claim]] = {}
        for rule_id in sorted(fired, key=lambda rule_id: (self.order.get(rule_base.rule(rule_id).expert, len(self.order)), rule_id)):
            speaker = rule_base.rule(rule_id).expert
            counted = rule_base.experts[speaker].kind is ExpertKind.EXPERT
            (experts if counted else others).setdefault(speaker, []).append(self.claims[rule_id])
        scale = rule_base.vocabulary.questions[question_id].outcomes
        return judge(scale, experts, self.weights, others)
