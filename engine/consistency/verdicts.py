"""What the verdicts on a set of fired rules show the consistency check, under every lexicon (VERDICTS.md section 7).

A question's verdict (`engine.resolve.judge`) is read with each lexicon of
the rule base, the default first, then the others by name (`literal`
among them), and shows, each key naming its lexicon:

- ("self-conflict", speaker, question, lexicon): the speaker's ranges admit
  no distribution (`View.bounds` is None). Under `literal`, which takes
  every claim at its word, that is exactly the old set self-conflict: the
  conclusions allow no outcome together. Experts, partisan sources and the
  analyst are each held to it;
- ("disagreement", question, lexicon, expert, ...): the status is
  `conflict` between two or more experts (`Verdict.conflicting`): no
  distribution meets their claims at once;
- ("points-both-ways", speaker, question, lexicon): the speaker raised
  possibilities on events that do not overlap (`View.both_ways`): an
  observation, never a conflict.

What a question shows depends only on its fired stance rules, so it is
worked out once per lexicon, question and set of them (`Judged`), on top of
the verdicts the judges keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from engine.language import describe_conclusion
from engine.model import RuleBase
from engine.pipeline import Engine
from engine.records import record
from engine.render.odds import rated_text
from engine.render.verdicts import event_name
from engine.resolve.credal import Claim
from engine.resolve.judge import Judge
from engine.resolve.odds import Figure
from engine.resolve.verdict import Verdict, View, in_order

Key = tuple[str, ...]
"""What a scenario shows: a key above, ("invariant", name) or ("promise", name)."""

KEPT = 65_536
"""At most this many questions' findings are kept for reuse; past it the memory starts again."""


@record
class Evidence:
    """What one scenario shows about one key: the rules and experts involved, in words."""

    rules: tuple[str, ...]
    experts: tuple[str, ...]
    text: str


def lexicon_order(rule_base: RuleBase) -> list[str]:
    """The rule base's lexicons, the default first, then the others by name."""
    return sorted(rule_base.lexicons, key=lambda name: (not rule_base.lexicons[name].default, name))


class Judged:
    """The keys a set of fired rules shows under every lexicon, each with its evidence in words."""

    def __init__(self, engine: Engine) -> None:
        self.rule_base = engine.rule_base
        self.judges = [engine.estimator(name).judge for name in lexicon_order(engine.rule_base)]
        self.questions = tuple(engine.rule_base.vocabulary.questions)
        self._kept: dict[tuple[str, str, frozenset[str]], dict[Key, Evidence]] = {}

    def shows(self, fired: Iterable[str], checkpoint: Callable[[], None] | None = None) -> dict[Key, Evidence]:
        """Every key that `fired` shows, lexicon by lexicon, question by question.

        `checkpoint()` is called before each verdict not yet kept, and may
        raise to stop (a time budget: on a large rule base one verdict takes
        a fraction of a second, a point all of them); nothing half-judged is kept.
        """
        fired = frozenset(fired)
        shown: dict[Key, Evidence] = {}
        for judge in self.judges:
            for question in self.questions:
                stance = fired & judge.stance_rules[question]
                if not stance:
                    continue
                memo = (judge.lexicon.name, question, stance)
                found = self._kept.get(memo)
                if found is None:
                    if checkpoint is not None:
                        checkpoint()
                    if len(self._kept) >= KEPT:
                        self._kept.clear()
                    found = self._kept[memo] = self._keys(judge, question, judge.verdict(question, stance))
                shown.update(found)
        return shown

    def _keys(self, judge: Judge, question: str, verdict: Verdict) -> dict[Key, Evidence]:
        lexicon = judge.lexicon.name
        found: dict[Key, Evidence] = {}
        for speaker, view in {**verdict.views, **verdict.others}.items():
            if view.bounds is None:
                said = "; ".join(self._claim(judge, question, claim) for claim in view.claims if claim.rule in view.clashing)
                found[("self-conflict", speaker, question, lexicon)] = Evidence(tuple(sorted(view.clashing)), (speaker,), said)
            elif view.both_ways:
                raised = _both_ways(view)
                said = "; ".join(self._raised(judge, question, claim) for claim in raised)
                found[("points-both-ways", speaker, question, lexicon)] = Evidence(
                    tuple(sorted(claim.rule for claim in raised)), (speaker,), said
                )
        if verdict.status == "conflict" and len(verdict.conflicting) > 1:
            claims = [claim for expert in verdict.conflicting for claim in verdict.views[expert].claims if claim.rule in verdict.clashing]
            said = "; ".join(self._claim(judge, question, claim) for claim in claims)
            key = ("disagreement", question, lexicon, *verdict.conflicting)
            found[key] = Evidence(tuple(sorted(verdict.clashing)), verdict.conflicting, said)
        return found

    def _words(self, judge: Judge, rule_id: str) -> str:
        rule = self.rule_base.rule(rule_id)
        return f'"{rule.hedge}"' if rule.hedge else judge.words[rule_id][0]

    def _claim(self, judge: Judge, question: str, claim: Claim) -> str:
        """A numeric claim in words: what its rule says taken at its word (`literal`), else its event, range and words."""
        if judge.lexicon.literal:
            return f"{claim.rule} says {describe_conclusion(self.rule_base.rule(claim.rule).then)}"
        scale = self.rule_base.vocabulary.questions[question].outcomes
        event = " or ".join(in_order(scale, claim.event))
        assert claim.low is not None and claim.high is not None
        return f"{claim.rule} puts {rated_text(event, self._words(judge, claim.rule), Figure(float(claim.low), float(claim.high)))}"

    def _raised(self, judge: Judge, question: str, claim: Claim) -> str:
        scale = self.rule_base.vocabulary.questions[question].outcomes
        return f"{claim.rule} raises {event_name(scale, in_order(scale, claim.event))} as possible ({self._words(judge, claim.rule)})"


def _both_ways(view: View) -> list[Claim]:
    """The possibilities of a view that do not overlap another one it raised, in the order of its claims."""
    raised = [claim for claim in view.claims if not claim.assessed]
    return [claim for claim in raised if any(not claim.event & other.event for other in raised)]


def key_lexicon(key: Key) -> str | None:
    """The lexicon a key was judged under; None for an invariant or a promise."""
    if key[0] in ("self-conflict", "points-both-ways"):
        return key[3]
    return key[2] if key[0] == "disagreement" else None


def self_conflict_words(rule_base: RuleBase, speaker: str, question: str, lexicon: str) -> str:
    """How a self-conflict is said, before its evidence: taken at their word (`literal`), or read with a lexicon."""
    if rule_base.lexicons[lexicon].literal:
        return f"Taken at their word (the {lexicon} lexicon), {speaker}'s rules allow no outcome for {question} together"
    return f"Read with the {lexicon} lexicon, {speaker}'s ranges on {question} admit no distribution"
