"""The verdict end to end on a small base of our own, from another article: VERDICTS.md section 0's cold week.

Falk gives a power cut in a cold week "roughly even odds" (45-55%); Olsen says
the grid "can cover a cold week", stated as fact (80-99% for no cuts). No
distribution meets both: every output says `conflict`, names Falk and Olsen and
the ranges that cannot meet, and no part of any output says otherwise.
"""

from __future__ import annotations

import json
from fractions import Fraction

import builders
import pytest

from engine.model import Lexicon, Reading, Scenario
from engine.pipeline import Engine
from engine.render.jsonout import render_json
from engine.render.markdown import render_markdown
from engine.render.report import Report
from engine.render.text import render_text

LEXICON = Lexicon(
    name="words",
    title="test words",
    source="tests",
    readings=(
        Reading(("roughly even odds",), Fraction(45, 100), Fraction(55, 100), standard=True),
        Reading(("stated as fact",), Fraction(80, 100), Fraction(99, 100), standard=False, note="test"),
        Reading(("may",), None, None, standard=True),
    ),
    default=True,
)
VOCABULARY = {
    "variables": {"cold_week": {"type": "boolean", "meaning": "a week of hard frost"}},
    "questions": {"supply": {"text": "Will the power hold in a cold week?", "outcomes": ["cuts", "no_cuts"]}},
}
COLD = {"var": "cold_week", "is": True}
FALK = builders.rule("falk.even", COLD, {"question": "supply", "is": "cuts"}, hedge="roughly even odds")
OLSEN = builders.rule("olsen.covers", COLD, {"question": "supply", "is": "no_cuts"})


@pytest.fixture(scope="module")
def cold() -> Report:
    engine = Engine.from_rule_base(builders.rule_base(VOCABULARY, (FALK, OLSEN), LEXICON), matcher="compiled")
    scenario = Scenario(name="cold week", values={"cold_week": True})
    forecast, odds = engine.forecast_scenario(scenario)
    assert forecast is not None
    return Report(scenario, "cold.yaml", "rules", engine.rule_base, forecast, (), odds=odds)


def test_a_coin_toss_against_a_flat_statement_is_a_conflict_in_every_output(cold: Report) -> None:
    assert cold.forecast is not None
    result = cold.forecast.question("supply")
    assert result.status == "conflict" and result.verdict.conflicting == ("falk", "olsen")
    text = render_text(cold)
    assert "  supply  conflict: falk vs olsen" in text
    assert "  verdict  conflict: falk vs olsen" in text
    flat = " ".join(text.split())
    assert 'ranges that cannot meet: falk.even (P(cuts) 45-55% "roughly even odds") vs olsen.covers (P(no_cuts) 80-99%' in flat
    assert "compatible" not in text and "agree" not in text
    data = json.loads(render_json(cold))["questions"][0]["verdict"]
    assert data["status"] == "conflict" and data["conflicting"] == ["falk", "olsen"] and data["together"] is None
    assert data["clashing"] == ["falk.even", "olsen.covers"]
    assert data["statuses"]["conflict"] == {"low": 1.0, "high": 1.0}
    markdown = render_markdown(cold)
    assert "**Verdict: conflict: falk vs olsen**" in markdown and "Ranges that cannot meet: `falk.even` P(cuts) 45-55%" in markdown


def test_read_as_possible_the_same_words_are_compatible(cold: Report) -> None:
    """Falk's "may" instead of a coin toss raises cuts as possible and constrains nothing: one number, no conflict."""
    maybe = builders.rule("falk.even", COLD, {"question": "supply", "is": "cuts"}, hedge="may")
    engine = Engine.from_rule_base(builders.rule_base(VOCABULARY, (maybe, OLSEN), LEXICON), matcher="compiled")
    verdict = engine.forecast({"cold_week": True}).question("supply").verdict
    assert verdict.status == "compatible" and verdict.possible == (("falk", ("cuts",)),)
    assert verdict.no_number == ("falk",) and verdict.weights == {"olsen": 1}


def test_the_consistency_check_reports_the_disagreement_it_used_to_miss() -> None:
    """Falk's coin toss and Olsen's flat statement cannot meet: a disagreement under the base's lexicon, with its scenario."""
    from engine.consistency import run_consistency

    engine = Engine.from_rule_base(builders.rule_base(VOCABULARY, (FALK, OLSEN), LEXICON), matcher="compiled")
    report = run_consistency(engine)
    found = [finding for finding in report.findings if finding.kind == "disagreement"]
    assert [finding.subject for finding in found if finding.lexicon == "words"] == ["falk and olsen on supply (words)"]
    assert found[0].scenario == {"cold_week": True}
