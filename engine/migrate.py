"""`forecast migrate`: bring a rule base's scenarios written for forecast 1.x to the one verdict (2.x).

A 1.x expectation pinned the set verdict: `outcome` (the outcomes every
stance allowed), `status` (`consensus`, `compatible`, `conflict`,
`no-stance`) and `stances` (the outcomes each expert allowed). The 2.x
verdict reads the experts' words as likelihoods (VERDICTS.md), so:

- `stances: {weiss: [...], ...}` becomes `speakers: [weiss, ...]`: who
  speaks carries over as it was written;
- `status` is worked out anew from the verdict of the scenario, and so is
  `favours` where the verdict favours an event: a 1.x status has no 2.x
  equivalent to translate (`consensus` may be `one voice` or `agree`, and
  "may curtail" no longer reads as "will curtail");
- `outcome` is dropped: the verdict has no combined outcome (the 1.x
  reading is `--lexicon literal`).

In the rule base's `checks.yaml`, an `accepted:` entry of kind
`probabilistic-self-conflict` becomes `self-conflict` (`migrate_checks`): a
self-conflict is now judged under every lexicon, and an entry without
`lexicon:` accepts it under any of them, as the old entry did.

Each change is reported, with what was there before. Only the questions
and entries that need it are rewritten; every other line of the file,
comments included, stays as it is. A file is replaced whole or not at all
(`engine.writing`), and a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from engine.load.rulebase import old_accepted
from engine.load.scenario import OLD_KEYS, OLD_STATUSES
from engine.load.yamlfile import load_yaml
from engine.records import record
from engine.resolve.expectations import flow


@record
class Migrated:
    """One file that `migrate` rewrote: each question's change in words, and the new text."""

    path: Path
    changes: tuple[str, ...]
    text: str


def old_questions(data: object) -> list[str]:
    """The questions of a scenario's `expect:` written for 1.x."""
    if not isinstance(data, dict) or not isinstance(data.get("expect"), dict):
        return []
    return [
        question
        for question, item in data["expect"].items()
        if isinstance(item, dict) and (set(item) & set(OLD_KEYS) or item.get("status") in OLD_STATUSES)
    ]


def _blocks(lines: list[str], start: int) -> Iterator[tuple[str, int, int]]:
    """Each question under the `expect:` key at line `start`: its name and its lines [first, end)."""
    end = next((index for index in range(start + 1, len(lines)) if lines[index][:1] not in ("", " ", "#")), len(lines))
    heads = [
        index
        for index in range(start + 1, end)
        if lines[index].startswith("  ") and not lines[index].startswith("   ") and not lines[index].lstrip().startswith("#")
    ]
    for position, head in enumerate(heads):
        following = heads[position + 1] if position + 1 < len(heads) else end
        while following > head + 1 and not lines[following - 1].strip():
            following -= 1
        yield lines[head].strip().split(":", 1)[0].strip("'\""), head, following


def migrate_file(path: Path, verdicts: Callable[[str], tuple[str, tuple[str, ...] | None]]) -> Migrated | None:
    """The migrated text of one scenario file, or None when it needs nothing.

    `verdicts(question)` gives the new `status` and `favours` of a question
    of this scenario (from its forecast).
    """
    document = load_yaml(path)
    old = old_questions(document.data)
    if not old:
        return None
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(index for index, line in enumerate(lines) if line.split("#", 1)[0].rstrip() == "expect:")
    changes = []
    replaced: dict[int, tuple[int, list[str]]] = {}
    for question, first, end in _blocks(lines, start):
        if question not in old:
            continue
        item = document.data["expect"][question]
        status, favours = verdicts(question)
        written: dict[str, object] = {"status": status}
        if favours:
            written["favours"] = list(favours)
        if "stances" in item:
            written["speakers"] = list(item["stances"])
        for key, value in item.items():
            if key not in OLD_KEYS and key not in ("status", "favours", "speakers"):
                written[key] = value
        before = ", ".join(f"{key} {flow(value)}" for key, value in item.items() if key in (*OLD_KEYS, "status"))
        after = ", ".join(f"{key} {flow(value)}" for key, value in written.items() if key in ("status", "favours", "speakers"))
        changes.append(f"{question}: {before} -> {after}")
        replaced[first] = (end, [f"  {question}:", *(f"    {key}: {flow(value)}" for key, value in written.items())])
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in replaced:
            end, new = replaced[index]
            out += new
            index = end
            continue
        out.append(lines[index])
        index += 1
    return Migrated(path, tuple(changes), "\n".join(out))


def migrate_checks(path: Path) -> Migrated | None:
    """The migrated text of a rule base's checks.yaml, or None when it needs nothing (or there is none)."""
    if not path.exists():
        return None
    document = load_yaml(path)
    old = old_accepted(document.data)
    if not old:
        return None
    lines = path.read_text(encoding="utf-8").split("\n")
    changes = []
    for index in old:
        entry = document.data["accepted"][index]
        kind = entry["kind"]
        line, column = document.positions[("accepted", index, "kind")]
        text = lines[line - 1]
        start = text.index(kind, column - 1)
        lines[line - 1] = text[:start] + "self-conflict" + text[start + len(kind) :]
        changes.append(f"accepted {entry.get('name', index)}: kind {kind} -> kind self-conflict, under any lexicon ('lexicon:' names one)")
    return Migrated(path, tuple(changes), "\n".join(lines))
