"""`forecast batch` output: one row per scenario, as CSV or JSON Lines, the same bytes for the same input.

CSV columns: `line` (where the scenario starts in the input), every
variable, then for each question `QUESTION.status` (the verdict's) and
`QUESTION.favours` (what it favours, outcomes joined by `|`; empty when
nothing is), and with stances `QUESTION.EXPERT` for each speaker with a
rule on it, in the words every command uses (`favours not withdraw`,
`curtail possible`, `SELF-CONFLICT: ...`), or empty when they say nothing.
A value is written as a scenario file writes it, so the file reads back.
JSON Lines holds the same, one object a line:
`{"line": 7, "values": {...}, "questions": {"q": {"status": "...", "favours": [...], "conflicting": [...], "stances": {...}}}}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from engine.language import show_plain
from engine.model import Vocabulary
from engine.render.verdicts import view_text
from engine.resolve.results import ForecastSummary, QuestionSummary
from engine.resolve.verdict import View

Done = tuple[int, ForecastSummary]
"""A scenario's line in the input, and its forecast."""


def _experts(speakers: Mapping[str, Sequence[str]], question: str) -> Sequence[str]:
    return speakers.get(question, ())


def _view(result: QuestionSummary, expert: str) -> View | None:
    return result.verdict.views.get(expert) or result.verdict.others.get(expert)


def _stance_cell(result: QuestionSummary, expert: str) -> str:
    view = _view(result, expert)
    return "" if view is None else view_text(result.scale, view)


def _stance_json(result: QuestionSummary, expert: str) -> dict[str, object]:
    view = _view(result, expert)
    assert view is not None
    return {
        "favours": list(view.favours) if view.favours else None,
        "possible": [list(event) for event in view.possible],
        "self_conflict": view.bounds is None,
        "counted": expert in result.verdict.views,
    }


def render_csv(done: Sequence[Done], vocabulary: Vocabulary, speakers: Mapping[str, Sequence[str]] | None) -> str:
    """The CSV table; `speakers` (each question's experts, in order) adds their stances."""
    import csv
    import io

    header = ["line", *vocabulary.variables]
    for question in vocabulary.questions:
        header += [f"{question}.status", f"{question}.favours"]
        if speakers is not None:
            header += [f"{question}.{expert}" for expert in _experts(speakers, question)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for line, forecast in done:
        cells = [str(line), *(show_plain(forecast.values[name]) for name in vocabulary.variables)]
        for result in forecast.questions:
            cells += [result.status, "|".join(result.verdict.favours or ())]
            if speakers is not None:
                cells += [_stance_cell(result, expert) for expert in _experts(speakers, result.id)]
        writer.writerow(cells)
    return out.getvalue()


def render_jsonl(done: Sequence[Done], vocabulary: Vocabulary, speakers: Mapping[str, Sequence[str]] | None) -> str:
    """The JSON Lines table; with `speakers`, each question's stances, by expert, in their order."""
    lines = []
    for line, forecast in done:
        questions = {}
        for result in forecast.questions:
            verdict = result.verdict
            entry: dict[str, object] = {
                "status": result.status,
                "favours": list(verdict.favours) if verdict.favours else None,
                "conflicting": list(verdict.conflicting),
            }
            if speakers is not None:
                entry["stances"] = {stance.expert: _stance_json(result, stance.expert) for stance in result.stances}
            questions[result.id] = entry
        values = {name: forecast.values[name] for name in vocabulary.variables}
        lines.append(json.dumps({"line": line, "values": values, "questions": questions}, ensure_ascii=False))
    return "".join(f"{text}\n" for text in lines)
