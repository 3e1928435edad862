"""Property-test a rule base: find the scenarios where its rules break.

`run_consistency(engine)` searches the whole scenario space the vocabulary
defines and reports, each with the smallest scenario that shows it:

- self-conflict: one speaker's claims on a question, read with a lexicon,
  admit no distribution (under `literal`: their rules allow no outcome
  together);
- disagreement (informational): the verdict on a question, read with a
  lexicon, is a conflict between two or more experts; it tells where experts
  part ways, it is no error;
- points both ways (informational): one speaker raises possibilities that
  do not overlap; an observation, never a conflict;

  each of these three is judged under every lexicon of the rule base, the
  `literal` one included, and reported once per lexicon where it arises,
  naming it (`engine.consistency.verdicts`);
- lexicon sensitivity (informational): a conclusion whose direction (likely,
  unlikely, either way) changes between lexicons;
- dead rule: a rule that no scenario fires;
- shadowed rule: rule A is shadowed by rule B of the same expert when A fires
  in at least one scenario, B fires in every scenario where A fires, and
  either both take a stance on the same question with B's allowed outcomes a
  subset of A's, or both derive the same fact. A then adds nothing that B
  does not already say. When A and B shadow each other (they fire in the
  same scenarios and conclude the same), only the one with the later id is
  reported;
- invariant: a promise declared in checks.yaml (`Invariant`) is broken;
- promise: the engine broke one of its own promises: every scenario runs to
  the end, the forecast does not depend on the order of the variables or of
  the rules, and every stance has a trace whose quotes are found in their
  seeds. Termination is checked on every scenario tried, the others on a
  deterministic sample, said in the report;
- unused acceptance (informational): an `accepted` entry that matches no
  finding.

Self-conflicts (under the lexicon an acceptance names, or any), dead rules
and shadowed rules declared under `accepted` in checks.yaml are reported as
known; `ConsistencyReport.failed` is True when
any other finding is not informational.

With `max_seconds`, the search stops at that budget: the report then says
how far it got (`complete` is False), gives what the scenarios tried show,
each with the first scenario that showed it, and judges no dead or shadowed
rule and no unused acceptance, which need the whole search.

How it searches. The engine compares a variable only with constants, so two
scenarios whose variables pass and fail exactly the same tests (in rules and
invariant conditions) get the same forecast. `ScenarioSpace` cuts each
variable's values into such classes and keeps one value per class: the
simplest one, in the order false < true, levels lowest first, numbers
smallest first. Searching one scenario per class is therefore exact. When the
number of classes is at most `limit`, every class is tried, on the compiled
program and counted, never forecast (`engine.consistency.exhaustive`), in
`jobs` processes if asked; otherwise
hypothesis samples classes, and each finding is shrunk by hypothesis to the
smallest scenario it can find (hypothesis makes the class positions small in
vocabulary order, which can differ from the exhaustive order below). Dead
and shadowed rules found by sampling are evidence, not proof, and the report
says so.

"Smallest" in an exhaustive search means first in this simplicity order:
fewer variables away from their default class (false, the lowest level, the
minimum), then a smaller sum of class positions, then class positions
compared in vocabulary order.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.consistency.findings import INFORMATIONAL, Finding, FindingKind, Findings, acceptance, order, unused
from engine.consistency.invariants import Breach, invariant_breach
from engine.consistency.likelihoods import rated_rules, sensitive_rules
from engine.consistency.promises import PROMISES
from engine.consistency.report import ConsistencyReport, write_counterexamples
from engine.consistency.search import Budget, Exhaustive, Observer, OutOfTime, Progress, Sampled, Search
from engine.language import StanceClaim
from engine.pipeline import Engine
from engine.records import replace
from engine.space import Point, ScenarioSpace

LIMIT = 1_000_000
"""Spaces of at most this many classes are searched exhaustively (a few seconds a million on the compiled program)."""


def run_consistency(
    engine: Engine,
    *,
    limit: int = LIMIT,
    progress: Progress | None = None,
    max_examples: int = 1_000,
    promise_sample: int = 100,
    seed: int = 0,
    max_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    checkpoint: Callable[[], None] | None = None,
    jobs: int | None = 1,
    shrinking: Progress | None = None,
    started: float | None = None,
) -> ConsistencyReport:
    """Search the rule base's scenario space for what breaks; see the module docstring.

    `limit`: search every class when there are at most this many, else use
    hypothesis with `max_examples` draws and a fixed `seed`.
    `progress(done, total)` is called after each scenario of the search
    (not while shrinking); `done` rises and reaches `total` once, at the end. `promise_sample` bounds how many scenarios get the
    order and trace promise checks, which cost two more engine runs each.
    `max_seconds`: stop once this many seconds of `clock` have passed (see
    the module docstring), counted from `started` on `clock` when given (the
    command's start: set-up spends the same budget), else from now. `checkpoint()` is called before each scenario
    run and may raise to stop the search (an interrupt). `jobs`: worker
    processes for the exhaustive search (0: one per core; None: `engine.parallel.auto_jobs`, by the space's size); the report is the
    same whatever their number. `shrinking(done, total)` is called as each
    finding of a sampled search is shrunk (`total` grows when shrinking one
    meets another).

        report = run_consistency(Engine.open(Path("rules")))
        print(report.render_text())
        sys.exit(1 if report.failed else 0)
    """
    from engine.consistency.exhaustive import Sweep, proven
    from engine.parallel import auto_jobs

    deadline = (clock() if started is None else started) + max_seconds if max_seconds is not None else None
    space = ScenarioSpace.of(engine.rule_base)
    budget = Budget(deadline, clock, checkpoint)
    search: Search
    if space.size <= limit and proven(engine.matcher):
        search = Sweep(engine, space, budget, progress, promise_sample, auto_jobs(space.size) if jobs is None else jobs)
    elif space.size <= limit:
        search = Exhaustive(Observer(engine, space, budget), progress, promise_sample)
    else:
        search = Sampled(Observer(engine, space, budget), progress, promise_sample, max_examples, seed)
    findings = Findings(engine, search, space, shrinking if search.method == "hypothesis" else None)
    explored = False
    try:
        search.explore()
        explored = True
        found = findings.all()
        complete = True
    except OutOfTime:
        found = findings.so_far()
        complete = False
    found += [
        Finding(
            kind="lexicon-sensitivity",
            subject=rule.id,
            message=f"{said}. Which way this conclusion points depends on how its words are read.",
            question=rule.then.question if isinstance(rule.then, StanceClaim) else None,
            experts=(rule.expert,),
            rules=(rule.id,),
        )
        for rule, said in sensitive_rules(engine.rule_base)
    ]
    accepted = engine.rule_base.checks.accepted
    found = [replace(finding, accepted=acceptance(finding, accepted)) for finding in found]
    used = {finding.accepted.name for finding in found if finding.accepted is not None}
    if complete:
        found += [unused(declaration, search.tried) for declaration in accepted if declaration.name not in used]
    return ConsistencyReport(
        method=search.method,
        scenarios_tried=search.tried,
        space_classes=space.size,
        space_raw=space.raw_size,
        limit=limit,
        classes=dict(space.classes),
        promise_checks=search.promise_checks,
        promise_every=search.every if search.method == "exhaustive" else None,
        findings=tuple(sorted(found, key=order)),
        max_examples=max_examples if isinstance(search, Sampled) else None,
        complete=complete,
        explored=explored,
        max_seconds=max_seconds,
        lexicons=tuple(sorted(engine.rule_base.lexicons, key=lambda name: (not engine.rule_base.lexicons[name].default, name))),
        rated=sum(1 for _ in rated_rules(engine.rule_base)),
    )


__all__ = [
    "INFORMATIONAL",
    "LIMIT",
    "PROMISES",
    "Breach",
    "ConsistencyReport",
    "Finding",
    "FindingKind",
    "Point",
    "ScenarioSpace",
    "invariant_breach",
    "run_consistency",
    "write_counterexamples",
]
