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
            "exact": self.method == "exhaustive",
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
        }

    def render_text(self, width: int = 100) -> str:
        """The report for a terminal: how it searched, then each finding, failures first."""
        lines = [f"Consistency check: {self._search_line()}"]
        raw = f"{self.space_raw:,} raw scenarios" if self.space_raw is not None else "infinitely many raw scenarios (a continuous number)"
        lines.append(f"  scenario space: {self.space_classes:,} classes of equivalent scenarios, {raw}")
        lines.append(f"  engine promises: {self._promise_line()}")
        labels: dict[FindingStatus, str] = {"failing": "FAIL", "accepted": "known", "informational": "info"}
        for finding in self.findings:
            lines.append("")
            lines.append(f"{labels[finding.status]:<6}{finding.title}")
            body = textwrap.wrap(finding.message, width=width - 6)
            if finding.status == "accepted" and finding.accepted is not None:
                body += textwrap.wrap(f"accepted as {finding.accepted.name}: {finding.accepted.reason}", width=width - 6)
            if finding.scenario is not None:
                body += textwrap.wrap(f"smallest scenario: {self._show(finding.scenario)}", width=width - 6)
            lines.extend(" " * 6 + line for line in body)
        counts = {status: len(self.by_status(status)) for status in STATUS_ORDER}
        tail = f"{counts['accepted']} accepted, {counts['informational']} informational"
        lines.append("")
        if self.failed:
            lines.append(f"FAILED: {counts['failing']} finding{'s' if counts['failing'] != 1 else ''} to fix ({tail})")
        else:
            lines.append(f"PASSED: nothing to fix ({tail})")
        return "\n".join(lines) + "\n"

    def _search_line(self) -> str:
        if self.method == "exhaustive":
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_counterexamples(report: ConsistencyReport, directory: Path, vocabulary: Vocabulary) -> list[Path]:
    """Write each finding's smallest scenario as a runnable scenario file; return the paths.

    Files are named `NN-kind-subject.yaml`, numbered in report order, and
    start with a comment saying what they show. `forecast FILE` runs one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, finding in enumerate(report.findings, 1):
        if finding.scenario is None:
            continue
        status = f"known, accepted as {finding.accepted.name}" if finding.accepted is not None else STATUS_WORDS[finding.status]
        header = "\n".join(
            [
                "Counterexample from the consistency check (forecast check --consistency).",
                f"Shows {finding.title} ({status}).",
                *textwrap.wrap(finding.message, width=76),
                "Run it: forecast <this file>",
            ]
        )
        path = directory / f"{number:02d}-{finding.kind}-{_slug(finding.subject)}.yaml"
        path.write_text(
            render_scenario(vocabulary, finding.title, finding.scenario, description=finding.message, header=header), encoding="utf-8"
        )
        written.append(path)
    return written
