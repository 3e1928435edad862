"""The consistency report: how the space was searched, what was found, and counterexample files."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.consistency.findings import STATUS_ORDER, Finding, FindingStatus
from engine.consistency.search import Method
from engine.language import Value, yaml_scalar
from engine.model import Vocabulary
from engine.records import record
from engine.render.scenario_file import render_scenario

STATUS_WORDS: dict[FindingStatus, str] = {"failing": "a finding to fix", "accepted": "known", "informational": "information, not an error"}


@record
class ConsistencyReport:
    """What `run_consistency` found, and how it searched."""

    method: Method
    scenarios_tried: int
    space_classes: int
    space_raw: int | None
    limit: int
    classes: Mapping[str, tuple[Value, ...]]
    promise_checks: int
    promise_every: int | None
    findings: tuple[Finding, ...]
    max_examples: int | None = None
    complete: bool = True
    """False when the time budget stopped the search: see `engine.consistency`."""
    explored: bool = True
    """Whether every scenario of the search was tried (false only when `complete` is)."""
    max_seconds: float | None = None
    lexicons: tuple[str, ...] = ()
    """The lexicons every likelihood was read with, the default first."""
    rated: int = 0
    """How many conclusions carry a likelihood that the lexicons read."""

    @property
    def failed(self) -> bool:
        """True iff a finding is neither informational nor accepted."""
        return any(finding.status == "failing" for finding in self.findings)

    def by_status(self, status: FindingStatus) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.status == status)

    @property
    def defaults(self) -> dict[str, Value]:
        return {name: options[0] for name, options in self.classes.items()}

    def to_json(self) -> dict[str, Any]:
        """A plain dict in a fixed order: the same input gives the same dict."""
        return {
            "failed": self.failed,
            "method": self.method,
            "exact": self.method == "exhaustive" and self.complete,
            "scenarios_tried": self.scenarios_tried,
            "space": {
                "classes": self.space_classes,
                "raw": self.space_raw,
                "limit": self.limit,
                "variables": {name: list(options) for name, options in self.classes.items()},
            },
            "max_examples": self.max_examples,
            "promises": {
                "checked_on": self.promise_checks,
                "every": self.promise_every,
                "termination_checked_on": self.scenarios_tried,
            },
            "summary": {status: len(self.by_status(status)) for status in STATUS_ORDER},
            "findings": [finding.to_json() for finding in self.findings],
            "complete": self.complete,
            "max_seconds": self.max_seconds,
            "lexicons": list(self.lexicons),
            "rated_conclusions": self.rated,
        }

    def render_text(self, width: int = 100) -> str:
        """The report for a terminal: how it searched, then each finding, failures first."""

        def wrap(text: str, first: str = "  ", rest: str = "    ") -> list[str]:
            return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)

        lines = wrap(f"Consistency check: {self._search_line()}", "", "  ")
        if not self.complete:
            lines += wrap(f"stopped: {self._stopped_line()}")
        raw = f"{self.space_raw:,} raw scenarios" if self.space_raw is not None else "infinitely many raw scenarios (a continuous number)"
        lines += wrap(f"scenario space: {self.space_classes:,} classes of equivalent scenarios, {raw}")
        lines += wrap(f"engine promises: {self._promise_line()}")
        if self.lexicons:
            sensitive = sum(1 for finding in self.findings if finding.kind == "lexicon-sensitivity")
            changes = f"{sensitive} change{'s' if sensitive == 1 else ''} direction" if sensitive else "none changes direction"
            lines += wrap(
                f"likelihoods: read with {', '.join(self.lexicons)}; {self.rated} conclusions with a hedge or stated as fact, "
                f"{changes} between lexicons; the verdict under each lexicon checked for self-conflicts and disagreements"
            )
        labels: dict[FindingStatus, str] = {"failing": "FAIL", "accepted": "known", "informational": "info"}
        for finding in self.findings:
            lines.append("")
            lines.append(f"{labels[finding.status]:<6}{finding.title}")
            body = textwrap.wrap(finding.message, width=width - 6)
            if finding.status == "accepted" and finding.accepted is not None:
                body += textwrap.wrap(f"accepted as {finding.accepted.name}: {finding.accepted.reason}", width=width - 6)
            if finding.scenario is not None:
                which = "smallest scenario" if self.complete else "first scenario found"
                body += textwrap.wrap(f"{which}: {self._show(finding.scenario)}", width=width - 6)
            lines.extend(" " * 6 + line for line in body)
        counts = {status: len(self.by_status(status)) for status in STATUS_ORDER}
        tail = f"{counts['accepted']} accepted, {counts['informational']} informational"
        lines.append("")
        if not self.complete:
            lines += wrap(
                f"INCOMPLETE: the time budget of {self.max_seconds:g} s ran out; "
                f"{counts['failing']} finding{'s' if counts['failing'] != 1 else ''} to fix so far ({tail})",
                "",
                "  ",
            )
        elif self.failed:
            lines += wrap(f"FAILED: {counts['failing']} finding{'s' if counts['failing'] != 1 else ''} to fix ({tail})", "", "  ")
        else:
            lines += wrap(f"PASSED: nothing to fix ({tail})", "", "  ")
        return "\n".join(lines) + "\n"

    def _stopped_line(self) -> str:
        """How far a search stopped by its budget got, and what it did not do."""
        if self.method == "exhaustive" and not self.explored:
            left = self.space_classes - self.scenarios_tried
            searched = f"after {self.scenarios_tried:,} of {self.space_classes:,} scenarios, simplest first; {left:,} not tried"
        elif not self.explored:
            searched = f"after {self.scenarios_tried:,} scenarios, before hypothesis drew its {self.max_examples:,} examples"
        else:
            searched = f"after all {self.scenarios_tried:,} scenarios, while looking for the smallest scenario of each finding"
        return (
            f"the time budget of {self.max_seconds:g} s ran out {searched}. Findings are shown with the first scenario that "
            "showed them; dead rules, shadowed rules and unused acceptances are not judged"
        )

    def _search_line(self) -> str:
        if self.method == "exhaustive":
            if not self.explored:
                return f"exhaustive, {self.scenarios_tried:,} of {self.space_classes:,} scenarios tried, one per class (not finished)"
            return f"exhaustive, {self.scenarios_tried:,} scenarios tried, one per class (exact)"
        return (
            f"hypothesis, {self.scenarios_tried:,} scenarios tried ({self.space_classes:,} classes exceed the limit of "
            f"{self.limit:,}; {self.max_examples:,} examples drawn, findings shrunk; dead and shadowed rules are evidence, not proof)"
        )

    def _promise_line(self) -> str:
        every = f" (one in every {self.promise_every}, in simplicity order)" if self.promise_every and self.promise_every > 1 else ""
        return (
            f"order and trace promises checked on {self.promise_checks:,} of {self.scenarios_tried:,} scenarios{every}; termination on all"
        )

    def _show(self, scenario: Mapping[str, Value]) -> str:
        defaults = self.defaults
        changed = [f"{name}={yaml_scalar(value)}" for name, value in scenario.items() if value != defaults[name]]
        rest = "every other variable at its default" if changed else "every variable at its default"
        return ", ".join([*changed, f"{rest} (false, lowest level, minimum)"])


def _with_lexicon(report: ConsistencyReport, finding: Finding) -> str:
    """The option that shows a finding read with a lexicon other than the default (the first of `report.lexicons`)."""
    default = report.lexicons[0] if report.lexicons else None
    return f" --lexicon {finding.lexicon}" if finding.lexicon is not None and finding.lexicon != default else ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


HEADER = "Counterexample from the consistency check (forecast check --consistency)."
_NAME = re.compile(r"^[0-9]{2,}-[a-z-]+-[a-z0-9-]*\.yaml$")


def earlier_counterexamples(directory: Path) -> list[Path]:
    """The counterexample files in `directory` that a run of the check wrote: named as it names them, with its header."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if _NAME.match(path.name) and path.is_file() and not path.is_symlink():
            with path.open("rb") as stream:
                if stream.readline().rstrip(b"\n").decode("utf-8", "replace") == f"# {HEADER}":
                    found.append(path)
    return found


def write_counterexamples(report: ConsistencyReport, directory: Path, vocabulary: Vocabulary) -> list[Path]:
    """Write each finding's smallest scenario as a runnable scenario file; return the paths.

    Files are named `NN-kind-subject.yaml`, numbered in report order, and
    start with a comment saying what they show. `forecast FILE` runs one
    (with `--lexicon NAME` for a finding read with another lexicon than the
    default: the comment says so).
    Each is written atomically; the counterexamples of an earlier run that
    this one does not write again are removed (`earlier_counterexamples`:
    no other file is touched), so a finding fixed since does not look
    current. A report stopped by its time budget writes nothing: its
    scenarios are not the smallest.
    """
    from engine.writing import write_within

    if not report.complete:
        return []
    earlier = earlier_counterexamples(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, finding in enumerate(report.findings, 1):
        if finding.scenario is None:
            continue
        status = f"known, accepted as {finding.accepted.name}" if finding.accepted is not None else STATUS_WORDS[finding.status]
        header = "\n".join(
            [
                HEADER,
                f"Shows {finding.title} ({status}).",
                *textwrap.wrap(finding.message, width=76),
                f"Run it: forecast <this file>{_with_lexicon(report, finding)}",
            ]
        )
        name = f"{number:02d}-{finding.kind}-{_slug(finding.subject)}.yaml"
        text = render_scenario(vocabulary, finding.title, finding.scenario, description=finding.message, header=header)
        written.append(write_within(directory, name, text))
    for path in earlier:
        if path not in written:
            path.unlink(missing_ok=True)
    return written
