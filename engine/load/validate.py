"""Check that the files of a rule base agree with each other.

Loading proved each file has the right shape; this proves the whole is
sound before anything runs: every name refers to something declared, every
value has its variable's kind, every quote and hedge is found verbatim in
its seed, every seed matches its recorded hash, and negations over derived
facts can be evaluated in strata. `problems` lists everything found;
`require_valid` raises them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from engine import language
from engine.errors import InputError, Location, did_you_mean, raise_all
from engine.language import FactClaim, FactRef, KeyPath, StanceClaim, TooManyBranches, allowed, describe_conclusion
from engine.load.lexicons import LEXICONS
from engine.load.rulebase import Origins, origins_of
from engine.load.yamlfile import Document
from engine.matching.strata import NegationCycle, stratify
from engine.model import ExpertKind, Lexicon, Reading, Rule, RuleBase, Source, Vocabulary, lexicon_key
from engine.quotes import FoldedText, fold
from engine.records import record


@record
class Where:
    """Reports problems at a key path inside one document."""

    document: Document
    key: KeyPath

    def at(self, *sub: str | int | float) -> Where:
        return Where(self.document, (*self.key, *sub))

    def error(self, message: str, suggestion: str | None = None) -> InputError:
        return self.document.error(self.key, message, suggestion)


def value_problem(kinds: Mapping[str, language.Kind], name: str, value: object, where: Where) -> InputError | None:
    """A problem if `value` is not a value of variable `name`, echoing the value as the file writes it."""
    found = kinds[name].problem(value, name, where.document.written.get(where.key))
    return where.error(*found) if found else None


def condition_problems(vocabulary: Vocabulary, condition: language.Condition | None, where: Where) -> Iterator[InputError]:
    """Unknown names, inapplicable operators and values of the wrong kind in a condition."""
    for leaf in language.leaves(condition):
        at = where.at(*leaf.key)
        node = leaf.node
        if isinstance(node, FactRef):
            if node.fact not in vocabulary.facts:
                hint = did_you_mean(node.fact, vocabulary.facts) or "declare it under 'facts:' in vocabulary.yaml"
                yield at.at("fact").error(f"unknown fact '{node.fact}'", hint)
            continue
        if node.var not in vocabulary.variables:
            yield at.at("var").error(f"unknown variable '{node.var}'", did_you_mean(node.var, vocabulary.variables))
            continue
        kind = vocabulary.kinds[node.var]
        op_at = at.at(node.op.value)
        wrong_op = kind.operator_problem(node.op, node.var)
        if wrong_op:
            yield op_at.error(*wrong_op)
            continue
        if len(set(node.values)) != len(node.values):
            yield op_at.error(f"the list for '{node.op.value}' repeats a value", "list each value once")
        for index, value in enumerate(node.values):
            problem = value_problem(vocabulary.kinds, node.var, value, op_at.at(index) if node.op.takes_list else op_at)
            if problem:
                yield problem


def stance_problems(vocabulary: Vocabulary, stance: StanceClaim, where: Where) -> Iterator[InputError]:
    if stance.question not in vocabulary.questions:
        yield where.at("question").error(f"unknown question '{stance.question}'", did_you_mean(stance.question, vocabulary.questions))
        return
    outcomes = vocabulary.questions[stance.question].outcomes
    for index, value in enumerate(stance.values):
        if value not in outcomes:
            sub = where.at(stance.op.value, index) if stance.op.takes_list else where.at(stance.op.value)
            hint = did_you_mean(value, outcomes) if isinstance(value, str) else None
            yield sub.error(f"'{value}' is not an outcome of '{stance.question}' ({' < '.join(outcomes)})", hint)


def _vocabulary_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    document = origins.vocabulary
    vocabulary = rule_base.vocabulary
    names: dict[str, str] = {}
    for section in ("variables", "facts", "questions"):
        for name in getattr(vocabulary, section):
            if name in names:
                yield document.error((section, name), f"'{name}' is declared under both '{names[name]}' and '{section}'", "rename one")
            names[name] = section
    for name, question in vocabulary.questions.items():
        if len(set(question.outcomes)) != len(question.outcomes):
            yield document.error(("questions", name, "outcomes"), "outcomes repeat a name")


def _seed_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    import hashlib  # only here: hashlib's OpenSSL load is a visible part of start-up

    for name, seed in rule_base.seeds.items():
        digest = hashlib.sha256(seed.text.encode("utf-8")).hexdigest()
        if digest != seed.meta.sha256:
            yield origins.seeds[name].error(
                ("sha256",),
                f"seed text {seed.path.name} has sha256 {digest[:12]}..., not the recorded {seed.meta.sha256[:12]}...",
                "restore the original text, or re-record the hash if the change is intended",
            )


def _rule_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    vocabulary = rule_base.vocabulary
    concluded = {rule.then.fact for rule in rule_base.rules if isinstance(rule.then, FactClaim)}
    for rule in rule_base.rules:
        where = Where(*origins.rules[rule.id])
        expert = rule_base.experts.get(rule.expert)
        if expert is None:
            yield where.at("expert").error(
                f"unknown expert '{rule.expert}'", did_you_mean(rule.expert, rule_base.experts) or "add them to experts.yaml"
            )
        else:
            prefix, name = rule.id.split(".")
            if prefix != rule.expert:
                yield where.at("id").error(
                    f"rule id '{rule.id}' does not start with its expert '{rule.expert}.'", f"rename to '{rule.expert}.{name}'"
                )
            if expert.kind is ExpertKind.ANALYST:
                if not rule.assumption:
                    yield where.at("expert").error("an analyst rule must state its 'assumption'", "add 'assumption: <what you assume>'")
            else:
                if rule.source is None:
                    yield where.at("expert").error(
                        f"rule of {expert.kind.value} '{rule.expert}' has no 'source'", "add 'source: {seed: ..., quote: ...}'"
                    )
                if rule.assumption:
                    yield where.at("assumption").error("only analyst rules make assumptions", "use 'note:' for how you read the quote")
        yield from _quote_problems(rule_base, rule, where)
        if rule.when is not None:
            yield from condition_problems(vocabulary, rule.when, where.at("when"))
            try:
                language.branches(rule.when)
            except TooManyBranches:
                yield where.at("when").error(
                    f"condition expands to more than {language.MAX_BRANCHES} alternatives", "split the rule into several simpler rules"
                )
            for leaf in language.leaves(rule.when):
                if isinstance(leaf.node, FactRef) and leaf.node.fact in vocabulary.facts and leaf.node.fact not in concluded:
                    yield where.at("when").error(f"fact '{leaf.node.fact}' is used but no rule concludes it")
        yield from _rated_problems(rule_base, rule, where)
        if isinstance(rule.then, StanceClaim):
            yield from stance_problems(vocabulary, rule.then, where.at("then"))
        elif rule.then.fact not in vocabulary.facts:
            hint = did_you_mean(rule.then.fact, vocabulary.facts) or "declare it under 'facts:' in vocabulary.yaml"
            yield where.at("then", "fact").error(f"unknown fact '{rule.then.fact}'", hint)


def _expert_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    """An unconfirmed speaker gives the seed's words saying so, found verbatim; only an expert carries a pool weight."""
    written = origins.experts.data.get("experts", {}) if isinstance(origins.experts.data, dict) else {}
    for name, expert in rule_base.experts.items():
        where = Where(origins.experts, ("experts", name))
        if expert.kind is not ExpertKind.EXPERT and isinstance(written.get(name), dict) and "weight" in written[name]:
            yield where.at("weight").error(
                f"a weight sets an expert's share of the pool; a {expert.kind.value}'s claims are reported apart and never pooled",
                "remove 'weight', or make the speaker 'kind: expert'",
            )
        if not expert.confirmed and expert.confirmation is None:
            yield where.at("confirmed").error(
                f"speaker '{name}' is unconfirmed but gives no words of the seed saying so",
                "add 'confirmation: {seed: ..., quote: ...}' with the seed's words",
            )
        if expert.confirmation is not None:
            yield from _source_problems(rule_base, expert.confirmation, where.at("confirmation"))


def _quote_problems(rule_base: RuleBase, rule: Rule, where: Where) -> Iterator[InputError]:
    source, hedge = rule.source, rule.hedge
    if source is None:
        if hedge:
            yield where.at("hedge").error("a hedge needs a quote to be found in", "add a 'source'")
        return
    yield from _source_problems(rule_base, source, where.at("source"))
    if hedge is not None and source.seed in rule_base.seeds:
        words = fold(hedge)
        texts = [fold(source.quote), *(fold(text) for text in source.context)]
        if not words or not any(words in text for text in texts):
            yield where.at("hedge").error(
                f"hedge {hedge!r} is not in the rule's quote", "copy the hedge words exactly as the quote has them"
            )


def _source_problems(rule_base: RuleBase, source: Source, where: Where) -> Iterator[InputError]:
    """An unknown seed, or words of the source not found verbatim in it."""
    seed = rule_base.seeds.get(source.seed)
    if seed is None:
        yield where.at("seed").error(f"unknown seed '{source.seed}'", did_you_mean(source.seed, rule_base.seeds))
        return
    quotes: list[tuple[KeyPath, str, object]] = [(("quote",), source.quote, source.quote_span)]
    context = zip(source.context, source.context_spans, strict=True)
    quotes += [(("context", index), text, span) for index, (text, span) in enumerate(context)]
    for key, text, span in quotes:
        if span is None:
            found = FoldedText(seed.text).closest(text)
            hint = f"the seed has the words up to {found[-40:]!r}, then differs" if found else "no part of it is in the seed"
            yield where.at(*key).error(f"quote not found verbatim in seed '{source.seed}'", hint)


def _rated_problems(rule_base: RuleBase, rule: Rule, where: Where) -> Iterator[InputError]:
    """`rates` belongs to a stance, on the conclusion's own question."""
    if rule.rates is None:
        return
    if not isinstance(rule.then, StanceClaim):
        yield where.at("rates").error("only a rule that takes a stance rates an event", "remove 'rates', or conclude a stance")
        return
    if rule.then.question not in rule_base.vocabulary.questions:
        return  # the conclusion's own problem is reported
    if rule.rates.question != rule.then.question:
        yield where.at("rates", "question").error(
            f"a hedge rates an event of the conclusion's own question '{rule.then.question}', not '{rule.rates.question}'",
            f"write 'question: {rule.then.question}'",
        )
        return
    yield from stance_problems(rule_base.vocabulary, rule.rates, where.at("rates"))


def _lexicon_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    """One default lexicon; each covers the words of every stance rule; no rule's conclusion contradicts its hedge."""
    folder = rule_base.directory / LEXICONS
    defaults = [name for name, lexicon in rule_base.lexicons.items() if lexicon.default]
    if not rule_base.lexicons:
        yield InputError(
            "no lexicon: hedge words cannot be read as likelihoods",
            location=Location(folder),
            suggestion="add a lexicon file there, such as the shipped rules/lexicons/icd203.yaml",
        )
        return
    if not defaults:
        yield InputError("no lexicon says 'default: true'", location=Location(folder), suggestion="mark the one forecasts use by default")
    for name in defaults[1:]:
        yield origins.lexicons[name].error(("default",), f"lexicon '{defaults[0]}' is the default already", "keep one 'default: true'")
    for name, lexicon in rule_base.lexicons.items():
        seen: dict[str, str] = {}
        for index, entry in enumerate(lexicon.readings):
            for words in entry.words:
                key = lexicon_key(words)
                if key in seen:
                    section, position = _reading_key(lexicon, index)
                    yield origins.lexicons[name].error((section, position, "words"), f"'{words}' is read twice in this lexicon", "keep one")
                seen[key] = words
    for rule in rule_base.rules:
        rated = rule.rated
        if rated is None:
            continue
        where = Where(*origins.rules[rule.id])
        words = rule_base.hedge_words(rule)
        lacking = [name for name, lexicon in rule_base.lexicons.items() if lexicon.reading(words) is None]
        if lacking:
            what = f"hedge '{words}'" if rule.hedge else f"a stance {words} (no hedge)"
            files = ", ".join(
                f"{folder.name}/{name}.yaml"
                if rule_base.lexicons[name].file
                else f"a new {folder.name}/{name}.yaml that says 'extends: {name}'"
                for name in lacking
            )
            plural = "s" if len(lacking) > 1 else ""
            yield where.at("hedge" if rule.hedge else "then").error(
                f"{what} is in no entry of lexicon{plural} {', '.join(repr(name) for name in lacking)}", f"add it to {files}"
            )
        reading = next((lexicon.reading(words) for lexicon in rule_base.lexicons.values() if lexicon.default), None)
        if reading is not None and reading.assessed:
            yield from _contradiction(rule_base, rule, rated, reading, where)


def _reading_key(lexicon: Lexicon, index: int) -> tuple[str, int]:
    standard = sum(1 for reading in lexicon.readings if reading.standard)
    return ("terms", index) if index < standard else ("readings", index - standard)


def _contradiction(rule_base: RuleBase, rule: Rule, rated: StanceClaim, reading: Reading, where: Where) -> Iterator[InputError]:
    """A stance for X rated below 50% for X, or a stance against X rated above 50% for X."""
    assert isinstance(rule.then, StanceClaim) and reading.low is not None and reading.high is not None
    scale = rule_base.vocabulary.questions[rule.then.question].outcomes
    concluded = set(allowed(rule.then.op, rule.then.values, scale))
    event = set(allowed(rated.op, rated.values, scale))
    shown = f"P({' or '.join(outcome for outcome in scale if outcome in event)}) {_percent(reading.low)}-{_percent(reading.high)}%"
    words = f'"{rule.hedge}"' if rule.hedge else rule_base.hedge_words(rule)
    if event <= concluded and reading.high < Fraction(1, 2):
        yield where.at("then").error(
            f"the rule concludes {describe_conclusion(rule.then)}, but its hedge {words} puts {shown}",
            "the hedge rates the opposite event: say so with 'rates', or fix the conclusion",
        )
    elif not event & concluded and reading.low > Fraction(1, 2):
        yield where.at("then").error(
            f"the rule concludes {describe_conclusion(rule.then)}, but its hedge {words} puts {shown}",
            "fix 'rates' or the conclusion",
        )


def _percent(value: Fraction) -> str:
    return f"{float(value) * 100:g}"


def _strata_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    try:
        stratify(rule_base.rules, rule_base.vocabulary)
    except NegationCycle as cycle:
        document, key = origins.rules[cycle.rules[0]]
        yield document.error(
            (*key, "when"),
            f"negation cycle: {' -> '.join(cycle.rules)} (each negates a fact the next derives); such rules cannot be evaluated in strata",
            "break the cycle: one of these rules must not negate the fact",
        )


def _checks_problems(rule_base: RuleBase, origins: Origins) -> Iterator[InputError]:
    document = origins.checks
    if document is None:
        return
    vocabulary = rule_base.vocabulary
    rule_ids = {rule.id for rule in rule_base.rules}
    for index, invariant in enumerate(rule_base.checks.invariants):
        where = Where(document, ("invariants", index))
        if invariant.expert is not None and invariant.expert not in rule_base.experts:
            yield where.at("expert").error(f"unknown expert '{invariant.expert}'", did_you_mean(invariant.expert, rule_base.experts))
        yield from condition_problems(vocabulary, invariant.when, where.at("when"))
        yield from stance_problems(vocabulary, invariant.require, where.at("require"))
    for index, accepted in enumerate(rule_base.checks.accepted):
        where = Where(document, ("accepted", index))
        if accepted.kind == "self-conflict":
            if accepted.lexicon is not None and accepted.lexicon not in rule_base.lexicons:
                hint = did_you_mean(accepted.lexicon, rule_base.lexicons) or "leave it out: any lexicon"
                yield where.at("lexicon").error(f"unknown lexicon {accepted.lexicon!r}", hint)
            if accepted.expert not in rule_base.experts:
                yield where.at("expert").error(f"unknown expert {accepted.expert!r}", did_you_mean(str(accepted.expert), rule_base.experts))
            if accepted.question not in vocabulary.questions:
                yield where.at("question").error(
                    f"unknown question {accepted.question!r}", did_you_mean(str(accepted.question), vocabulary.questions)
                )
        elif accepted.rule not in rule_ids:
            yield where.at("rule").error(f"unknown rule {accepted.rule!r}", did_you_mean(str(accepted.rule), rule_ids))
        if accepted.kind != "self-conflict" and accepted.lexicon is not None:
            yield where.at("lexicon").error(f"'lexicon' names the reading of a self-conflict, not of a {accepted.kind}", "remove it")


def problems(rule_base: RuleBase) -> list[InputError]:
    """Everything wrong with a freshly loaded rule base, in file order."""
    origins = origins_of(rule_base)
    if origins is None:
        raise ValueError("only a rule base loaded from its files can be validated")
    found = [
        *_vocabulary_problems(rule_base, origins),
        *_seed_problems(rule_base, origins),
        *_expert_problems(rule_base, origins),
        *_rule_problems(rule_base, origins),
        *_checks_problems(rule_base, origins),
    ]
    if not found:
        found.extend(_lexicon_problems(rule_base, origins))
    if not found:
        found.extend(_strata_problems(rule_base, origins))
    return found


def require_valid(rule_base: RuleBase) -> RuleBase:
    raise_all(problems(rule_base))
    return rule_base
