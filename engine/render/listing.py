"""`forecast list`: what a rule base contains, for a person or a script."""

from __future__ import annotations

from collections import Counter
from typing import Any

from engine.language import FactClaim, describe_conclusion
from engine.model import Lexicon, Rule, RuleBase
from engine.records import record
from engine.render.odds import conclusion_text

SECTIONS = ("variables", "facts", "questions", "experts", "rules", "lexicons")


@record
class Listing:
    sections: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return self.sections

    def render_text(self, width: int | None = None) -> str:
        """Each section with its rows; with `width`, a long summary wraps under itself (without, lines are not wrapped)."""
        import textwrap

        lines: list[str] = []
        for section, rows in self.sections.items():
            if lines:
                lines.append("")
            lines.append(f"{section} ({len(rows)})")
            column = max((len(row["id"]) for row in rows), default=0)
            for row in rows:
                line = f"  {row['id']:<{column}}  {row['summary']}"
                if width is None or len(line) <= width:
                    lines.append(line)
                    continue
                indent = " " * (column + 4)
                lines += textwrap.wrap(
                    row["summary"],
                    width=width,
                    initial_indent=f"  {row['id']:<{column}}  ",
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
        return "\n".join(lines) + "\n"


def _rule_summary(rule: Rule, rated: tuple[str, ...] | None) -> str:
    """`russia_presence is not withdraw, P(withdraw) "unlikely"`: the conclusion, the hedge with the event it rates."""
    return conclusion_text(describe_conclusion(rule.then), rule.hedge, rated) + (" [assumption]" if rule.assumption else "")


def _lexicon_origin(lexicon: Lexicon) -> str:
    """Where a lexicon comes from and whose its readings are: `built in, 8 readings` or `lexicons/icd203.yaml extends icd203: ...`."""
    own = sum(1 for reading in lexicon.readings if not reading.standard)
    standard = len(lexicon.readings) - own
    if lexicon.file is None:
        return f"built in, {standard} readings"
    if lexicon.extends is None:
        return f"{lexicon.file}: {len(lexicon.readings)} readings, {standard} the scale's, {own} the base's"
    return f"{lexicon.file} extends {lexicon.extends}: {len(lexicon.readings)} readings, {standard} the standard's, {own} the base's"


def listing(rule_base: RuleBase, what: str = "all") -> Listing:
    """Every section of the rule base, or the one `what` names; one pass over the rules, so linear in their number."""
    vocabulary = rule_base.vocabulary
    derived_by: dict[str, list[str]] = {}
    rules_of: Counter[str] = Counter()
    for rule in rule_base.rules:
        rules_of[rule.expert] += 1
        if isinstance(rule.then, FactClaim):
            derived_by.setdefault(rule.then.fact, []).append(rule.id)
    everything: dict[str, list[dict[str, Any]]] = {
        "variables": [
            {
                "id": name,
                "type": variable.kind.name,
                "allowed": variable.kind.describe(),
                "levels": variable.kind.declaration().get("levels"),
                "unit": variable.kind.declaration().get("unit"),
                "meaning": variable.meaning,
                "summary": f"{variable.kind.name}: {variable.kind.describe()}. {variable.meaning}",
            }
            for name, variable in vocabulary.variables.items()
        ],
        "facts": [
            {
                "id": name,
                "meaning": fact.meaning,
                "derived_by": derived_by.get(name, []),
                "summary": fact.meaning,
            }
            for name, fact in vocabulary.facts.items()
        ],
        "questions": [
            {
                "id": name,
                "text": question.text,
                "outcomes": list(question.outcomes),
                "summary": f"{question.text} ({' < '.join(question.outcomes)})",
            }
            for name, question in vocabulary.questions.items()
        ],
        "experts": [
            {
                "id": name,
                "name": expert.name,
                "affiliation": expert.affiliation,
                "kind": expert.kind.value,
                "rules": rules_of[name],
                "confirmed": expert.confirmed,
                "confirmation": expert.confirmation.quote if expert.confirmation else None,
                "note": expert.note,
                "summary": f"{expert.name} ({expert.kind.value}{'' if expert.confirmed else ', unconfirmed'}): {expert.affiliation}"
                + (f'; "{expert.confirmation.quote}"' if not expert.confirmed and expert.confirmation else ""),
            }
            for name, expert in rule_base.experts.items()
        ],
        "rules": [
            {
                "id": rule.id,
                "expert": rule.expert,
                "hedge": rule.hedge,
                "rates": list(rated) if rated is not None else None,
                "concludes": describe_conclusion(rule.then),
                "speech": rule.source.speech if rule.source else None,
                "file": rule.file,
                "summary": _rule_summary(rule, rated),
            }
            for rule, rated in ((rule, rule_base.rated_event(rule)) for rule in rule_base.rules)
        ],
    }
    everything["lexicons"] = [
        {
            "id": name,
            "title": lexicon.title,
            "source": lexicon.source,
            "default": lexicon.default,
            "readings": [
                {
                    "words": list(reading.words),
                    "low": float(reading.low) if reading.low is not None else None,
                    "high": float(reading.high) if reading.high is not None else None,
                    "standard": reading.standard,
                    "note": reading.note,
                }
                for reading in lexicon.readings
            ],
            "literal": lexicon.literal,
            "file": lexicon.file,
            "extends": lexicon.extends,
            "standard_readings": sum(1 for reading in lexicon.readings if reading.standard),
            "own_readings": sum(1 for reading in lexicon.readings if not reading.standard),
            "summary": f"{lexicon.title}: built in, the set reading of forecast 1.x"
            if lexicon.literal
            else f"{lexicon.title}{' (default)' if lexicon.default else ''}: {_lexicon_origin(lexicon)}",
        }
        for name, lexicon in rule_base.lexicons.items()
    ]
    chosen = SECTIONS if what == "all" else (what,)
    return Listing({section: everything[section] for section in chosen})
