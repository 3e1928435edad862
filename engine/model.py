"""The rule base and scenarios as every stage after loading sees them: plain frozen data.

Files are parsed and checked at the edge (`engine.load`), then turned into
these dataclasses; nothing here parses or imports pydantic, so a run that
finds its rule base in the cache never loads the validating machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Literal

from engine.language import Conclusion, Condition, Kind, StanceClaim, Value, allowed
from engine.quotes import Span, Speech, fold
from engine.records import field, record

AcceptedKind = Literal["self-conflict", "dead-rule", "shadowed-rule"]


@record
class Variable:
    """A scenario input: its kind (values, ranks, operators), what it means, and the value a scenario leaving it out gets (or None)."""

    kind: Kind
    meaning: str
    default: Value | None = None


@record
class Fact:
    """A fact that rules derive and other rules use."""

    meaning: str


@record
class Question:
    """A question the experts take stances on, with its outcomes ordered lowest first."""

    text: str
    outcomes: tuple[str, ...]


@record
class Vocabulary:
    variables: Mapping[str, Variable]
    facts: Mapping[str, Fact]
    questions: Mapping[str, Question]
    kinds: Mapping[str, Kind] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", {name: variable.kind for name, variable in self.variables.items()})


class ExpertKind(StrEnum):
    EXPERT = "expert"
    SOURCE = "source"
    ANALYST = "analyst"


@record
class Source:
    """Where a rule comes from: a seed, the verbatim words, and where they stand in it (None: not found).

    `speech` says whose words the quote is, found from the seed's quotation
    marks: `direct` (the speaker's own, inside a pair) or `reported` (the
    reporter's); None where the quote is not found.
    """

    seed: str
    quote: str
    context: tuple[str, ...] = ()
    quote_span: Span | None = None
    context_spans: tuple[Span | None, ...] = ()
    speech: Speech | None = None
    context_speech: tuple[Speech | None, ...] = ()


@record
class Expert:
    """Who speaks: an expert, a partisan source or the analyst.

    `confirmed` is false for a speaker whose claims the article reports
    without confirming them; `confirmation` holds the article's words on
    that, found verbatim in a seed, and `note` how the analyst reads them.
    """

    name: str
    affiliation: str
    kind: ExpertKind = ExpertKind.EXPERT
    weight: float = 1.0
    """The expert's weight in a pooled forecast, beside the others' (equal unless experts.yaml says)."""
    confirmed: bool = True
    confirmation: Source | None = None
    note: str | None = None


@record
class Rule:
    """One claim of one expert, as a condition and a conclusion.

    `hedge` rates an event: `rates` where it differs from the conclusion
    ("unlikely to pull out" concludes *not withdraw* and rates *withdraw*),
    else the conclusion itself.
    """

    id: str
    expert: str
    then: Conclusion
    when: Condition | None = None
    source: Source | None = None
    hedge: str | None = None
    rates: StanceClaim | None = None
    assumption: str | None = None
    note: str | None = None
    file: str = ""
    """The rule file it is written in, relative to the rule base directory."""

    @property
    def rated(self) -> StanceClaim | None:
        """The event the rule's hedge (or its flat statement) rates; None for a rule that derives a fact."""
        if self.rates is not None:
            return self.rates
        return self.then if isinstance(self.then, StanceClaim) else None


STATED = "stated as fact"
"""The lexicon's words for a claim an expert or source makes without a hedge."""
ASSUMED = "assumed"
"""The lexicon's words for a stance of the analyst's own, made without a hedge."""


@record
class Reading:
    """What a lexicon says some words mean for the event they rate: a probability range, or no number at all.

    `standard` readings are the cited scale's own; the others are the
    analyst's readings of words the scale does not list, each with its `note`.
    """

    words: tuple[str, ...]
    low: Fraction | None
    high: Fraction | None
    standard: bool
    note: str | None = None

    @property
    def assessed(self) -> bool:
        return self.low is not None


@record
class Lexicon:
    """A reading of hedge words as likelihoods, with its source."""

    name: str
    title: str
    source: str
    readings: tuple[Reading, ...]
    default: bool = False
    literal: bool = False
    """Takes every claim at its word: `P(conclusion) = 1` whatever the words (the `literal` lexicon, VERDICTS.md section 6)."""
    file: str | None = None
    """Where the rule base wrote it (`lexicons/icd203.yaml`); None for a built-in one."""
    extends: str | None = None
    """The built-in lexicon whose terms it takes (its `standard` readings), if its file says `extends:`."""
    _index: Mapping[str, Reading] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {lexicon_key(words): reading for reading in self.readings for words in reading.words})

    def reading(self, words: str) -> Reading | None:
        """The reading of some hedge words (white space, quote marks and case forgiven), or None."""
        if self.literal:
            return Reading((words,), Fraction(1), Fraction(1), standard=True, note=LITERAL_NOTE)
        return self._index.get(lexicon_key(words))


LITERAL_NOTE = (
    "Taken at their word: every claim is read as certain for its conclusion, possibilities included "
    '("may curtail" becomes curtail for sure). What a reader who takes every expert at their word would conclude; '
    "not a reading of the words."
)
LITERAL = Lexicon(
    name="literal",
    title="Taken at their word (every claim certain for its conclusion)",
    source="Built into forecast (VERDICTS.md section 6): the set reading of earlier versions, named for what it assumes.",
    readings=(),
    literal=True,
)
"""The lexicon every rule base has, unless it defines its own `literal`."""


def lexicon_key(words: str) -> str:
    """Hedge words as a lexicon looks them up: folded like quotes, and in lower case."""
    return fold(words).lower()


@record
class Invariant:
    """A promise about stances that must hold in every scenario where `when` holds.

    `require` bounds the outcomes, as likelihoods: the claims in scope (the
    expert's with `expert`, else every expert's) raise no possibility outside
    it and, if they give numbers, favour it. No claim, a self-conflict or a
    conflict meets every bound (engine.consistency.invariants).
    """

    name: str
    reason: str
    require: StanceClaim
    expert: str | None = None
    when: Condition | None = None


@record
class Accepted:
    """A finding the analyst knows about and accepts, with the reason."""

    name: str
    kind: AcceptedKind
    reason: str
    expert: str | None = None
    question: str | None = None
    rule: str | None = None
    lexicon: str | None = None
    """For a self-conflict: the lexicon it is accepted under; None accepts it under every lexicon."""

    def covers(self, expert: str, question: str, lexicon: str) -> bool:
        """Whether this accepts `expert`'s self-conflict on `question` read with `lexicon`."""
        return self.kind == "self-conflict" and (self.expert, self.question) == (expert, question) and self.lexicon in (None, lexicon)


@record
class Checks:
    invariants: tuple[Invariant, ...] = ()
    accepted: tuple[Accepted, ...] = ()


@record
class SeedMeta:
    id: str
    label: str
    publisher: str
    date: str
    reports: str
    text: str
    sha256: str
    origin: str | None = None


@record
class Seed:
    """A source text and its metadata."""

    meta: SeedMeta
    text: str
    path: Path


@record
class RuleBase:
    """A whole rule base directory: vocabulary, speakers, rules, seeds and declared checks."""

    directory: Path
    vocabulary: Vocabulary
    experts: Mapping[str, Expert]
    rules: tuple[Rule, ...]
    seeds: Mapping[str, Seed]
    checks: Checks
    lexicons: Mapping[str, Lexicon] = field(default_factory=dict)
    origins: object | None = field(default=None, repr=False, compare=False)
    """Where each part was written, for located errors: the loader's `engine.load.rulebase.Origins`, opaque to every other stage."""
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def lexicon(self, name: str | None = None) -> Lexicon:
        """The lexicon called `name`, or the default one."""
        if name is not None:
            return self.lexicons[name]
        return next(lexicon for lexicon in self.lexicons.values() if lexicon.default)

    def rated_event(self, rule: Rule) -> tuple[str, ...] | None:
        """The outcomes of the event a rule's hedge (or flat statement) rates, in scale order; None for a rule that derives a fact."""
        rated = rule.rated
        if rated is None:
            return None
        scale = self.vocabulary.questions[rated.question].outcomes
        return tuple(allowed(rated.op, rated.values, scale))

    def provenance(self, rule_id: str) -> str:
        """`direct speech` or `reported speech` for a rule's quote, with `, unconfirmed` for a speaker the article does not confirm."""
        rule = self.rule(rule_id)
        speech = f"{rule.source.speech} speech" if rule.source is not None and rule.source.speech else "quote not found"
        return speech if self.experts[rule.expert].confirmed else f"{speech}, unconfirmed"

    def hedge_words(self, rule: Rule) -> str:
        """The words a lexicon reads for a rule: its hedge, else that it was stated as fact (or assumed, by the analyst)."""
        if rule.hedge is not None:
            return rule.hedge
        return ASSUMED if self.experts[rule.expert].kind is ExpertKind.ANALYST else STATED


@record
class Chances:
    """An uncertain input: the values it may take, each with its probability; they sum to 1."""

    values: tuple[Value, ...]
    weights: tuple[Fraction, ...]


@record
class ChanceRange:
    """A yes-or-no input given as a likelihood word: `P(true)` is somewhere from `low` to `high`."""

    word: str
    low: Fraction
    high: Fraction


@record
class Between:
    """An uncertain whole number, `{between: [A, B]}`: every value from `low` to `high`, equally likely.

    Kept as its two ends, never spelt out: a range of a billion values costs
    what a range of two does.
    """

    low: int
    high: int

    @property
    def count(self) -> int:
        return self.high - self.low + 1

    def pairs(self) -> list[tuple[Value, Fraction]]:
        """Every value with its probability: for small ranges only."""
        return [(value, Fraction(1, self.count)) for value in range(self.low, self.high + 1)]


Uncertain = Chances | ChanceRange | Between
UNCERTAIN = (Chances, ChanceRange, Between)
"""The uncertain input types, for `isinstance`."""

Input = Value | Uncertain
"""What a scenario gives a variable: a value, or chances over values, a range of whole numbers, or a word's range of chances."""


@record
class Expectation:
    """What a scenario file expects of one question's forecast."""

    status: str | None = None
    """The verdict's status (engine.resolve.verdict.STATUSES)."""
    favours: tuple[str, ...] | None = None
    """What the verdict favours: what `agree` agrees on, or what `one voice` favours; [] for nothing."""
    speakers: tuple[str, ...] | None = None
    """The experts (and sources) who speak on the question, in any order."""
    conflicting: tuple[str, ...] | None = None
    bounds: Mapping[str, Mapping[str, tuple[float, float]]] | None = None
    """expert -> outcome -> [low, high], pinned within `BOUNDS_TOLERANCE`."""
    pooled: Mapping[str, tuple[float, float]] | None = None


@record
class Scenario:
    """A scenario file: a hypothetical state of the world, and what its author expects.

    `values` are the inputs known for certain; `uncertain` the others, each
    given as chances. A certain scenario has every variable in `values`.
    `defaulted` are the variables the file left out that took their
    vocabulary default; `inherited` the ones it took from a scenario it
    extends, each with that scenario's path from its folder.
    """

    name: str
    values: Mapping[str, Value]
    description: str = ""
    expect: Mapping[str, Expectation] = field(default_factory=dict)
    uncertain: Mapping[str, Uncertain] = field(default_factory=dict)
    defaulted: tuple[str, ...] = ()
    inherited: Mapping[str, str] = field(default_factory=dict)

    def origin(self, name: str) -> str | None:
        """Where a variable's input came from when the file does not give it: `default`, or `from base.yaml`; None when it does."""
        if name in self.defaulted:
            return "default"
        return f"from {self.inherited[name]}" if name in self.inherited else None

    @property
    def certain(self) -> bool:
        return not self.uncertain

    @property
    def inputs(self) -> dict[str, Input]:
        """Every variable's input, certain or not."""
        return {**self.values, **self.uncertain}
