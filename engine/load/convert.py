"""The written form into the model: each surface model's counterpart in `engine.model`."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from engine import language, model
from engine.load.surface import (
    AllOf,
    AnyOf,
    ChecksFile,
    Conclusion,
    Condition,
    ExpertsFile,
    FactConclusion,
    FactTest,
    LexiconFile,
    Rule,
    SeedMeta,
    Source,
    StanceConclusion,
    Term,
    VarTest,
    Vocabulary,
)
from engine.quotes import FoldedText


def condition(written: Condition) -> language.Condition:
    if isinstance(written, VarTest):
        return language.VarTest(written.var, written.op, written.values)
    if isinstance(written, FactTest):
        return language.FactRef(written.fact)
    if isinstance(written, AllOf):
        return language.AllOf(tuple(condition(item) for item in written.all))
    if isinstance(written, AnyOf):
        return language.AnyOf(tuple(condition(item) for item in written.any))
    return language.NotOf(condition(written.not_))


def stance(written: StanceConclusion) -> language.StanceClaim:
    return language.StanceClaim(written.question, written.op, written.values)


def conclusion(written: Conclusion) -> language.Conclusion:
    if isinstance(written, FactConclusion):
        return language.FactClaim(written.fact)
    return stance(written)


def vocabulary(written: Vocabulary) -> model.Vocabulary:
    return model.Vocabulary(
        variables={
            name: model.Variable(declared.kind(), declared.meaning, declared.default) for name, declared in written.variables.items()
        },
        facts={name: model.Fact(declared.meaning) for name, declared in written.facts.items()},
        questions={name: model.Question(declared.text, declared.outcomes) for name, declared in written.questions.items()},
    )


def experts(written: ExpertsFile, folded: Mapping[str, FoldedText] | None = None) -> dict[str, model.Expert]:
    """The speakers, each confirmation quote with its span and speech in the seeds `folded` (none given: none found)."""
    folded = folded or {}
    return {
        name: model.Expert(
            expert.name,
            expert.affiliation,
            expert.kind,
            float(expert.weight),
            expert.confirmed,
            _source(expert.confirmation, folded),
            expert.note,
        )
        for name, expert in written.experts.items()
    }


def checks(written: ChecksFile) -> model.Checks:
    return model.Checks(
        invariants=tuple(
            model.Invariant(item.name, item.reason, stance(item.require), item.expert, condition(item.when) if item.when else None)
            for item in written.invariants
        ),
        accepted=tuple(
            model.Accepted(item.name, item.kind, item.reason, item.expert, item.question, item.rule, item.lexicon)
            for item in written.accepted
        ),
    )


def seed_meta(written: SeedMeta) -> model.SeedMeta:
    return model.SeedMeta(**written.model_dump())


def _source(written: Source | None, folded: Mapping[str, FoldedText]) -> model.Source | None:
    """The source with the spans of its words in the seed and whose words they are (None where not found: validation says so)."""
    if written is None:
        return None
    text = folded.get(written.seed)
    quote_span = text.find(written.quote) if text else None
    context_spans = tuple(text.find(item) if text else None for item in written.context)
    return model.Source(
        seed=written.seed,
        quote=written.quote,
        context=written.context,
        quote_span=quote_span,
        context_spans=context_spans,
        speech=text.speech(quote_span) if text and quote_span else None,
        context_speech=tuple(text.speech(span) if text and span else None for span in context_spans),
    )


def rule(written: Rule, file: str = "", folded: Mapping[str, FoldedText] | None = None) -> model.Rule:
    """A rule of the model, with the spans of its words in the seeds `folded` (none given: no spans)."""
    folded = folded or {}
    return model.Rule(
        id=written.id,
        expert=written.expert,
        then=conclusion(written.then),
        when=condition(written.when) if written.when is not None else None,
        source=_source(written.source, folded),
        hedge=written.hedge,
        rates=stance(written.rates) if written.rates is not None else None,
        assumption=written.assumption,
        note=written.note,
        file=file,
    )


def _fraction(number: float) -> Fraction:
    """A probability as written (0.45 is 9/20, not the nearest binary float)."""
    return Fraction(str(number))


def lexicon(name: str, written: LexiconFile, file: str | None = None) -> model.Lexicon:
    """The lexicon a file writes, its terms then its readings; an extending file's title and source are checked present by the loader."""
    assert written.title is not None and written.source is not None
    return model.Lexicon(
        name=name,
        title=written.title,
        source=written.source,
        readings=readings(written.terms, standard=True) + readings(written.readings, standard=False),
        default=written.default,
        file=file,
        extends=written.extends,
    )


def readings(terms: tuple[Term, ...], standard: bool) -> tuple[model.Reading, ...]:
    """The model's readings of some written terms (`standard`: the cited scale's own)."""
    return tuple(
        model.Reading(
            words=term.words,
            low=_fraction(term.range[0]) if term.range else None,
            high=_fraction(term.range[1]) if term.range else None,
            standard=standard,
            note=term.note,
        )
        for term in terms
    )
