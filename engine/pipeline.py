"""The library's front door: open a rule base, forecast scenarios.

    from engine import Engine

    engine = Engine.open("rules")
    scenario, forecast = engine.forecast_file("scenarios/heavy_fighting.yaml")
    forecast = engine.forecast({"junta_pays": True, ...})   # every variable, checked

Opening loads, validates and compiles the rule base, or takes it from the
cache when nothing it depends on has changed (`engine.load.cache`). Every
call is checked as strictly as a scenario file: bad input raises
`InputError` naming the variable, never a silent answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

from engine.arguments import count, integer, refused
from engine.errors import EngineFailure, InputError, Location, did_you_mean
from engine.language import Value, show_value
from engine.load.scenario import check_inputs, check_values, read_scenario, speakers
from engine.matching.compile import Program, compile_rule_base
from engine.matching.matcher import Matcher
from engine.memory import collector_paused
from engine.model import UNCERTAIN, Lexicon, RuleBase, Scenario, Vocabulary
from engine.resolve.odds import Probabilities
from engine.resolve.probability import LIMIT, Estimator, estimate
from engine.resolve.results import Forecast, ForecastSummary
from engine.resolve.stances import Resolver

if TYPE_CHECKING:
    from engine.bulk import Bulk

PathLike = str | os.PathLike[str]
MatcherName = Literal["durable", "compiled"]
MATCHERS: tuple[MatcherName, ...] = ("durable", "compiled")
MAX_SAMPLES = 1_000_000
"""The most Monte Carlo samples a call may ask for: a standard error near 0.1%, in a few hundred MB of draws."""


def matcher_name(value: object) -> MatcherName:
    """`value` if it names a matcher, else `InputError` naming the argument `matcher`."""
    if value in MATCHERS:
        return value
    return refused("matcher", f"unknown matcher {show_value(value)}", did_you_mean(str(value), MATCHERS))


def load_valid(rules: Path, seeds: Path | None = None) -> RuleBase:
    """Load and validate a rule base from its files (pydantic at the edge); raises its problems."""
    from engine.load.rulebase import load_rule_base
    from engine.load.validate import require_valid

    with collector_paused():  # linear set-up: engine/memory.py
        return require_valid(load_rule_base(rules, seeds))


class Engine:
    """A validated, compiled rule base behind a matcher, ready to forecast scenarios.

    `notices` says what a user should know about how it runs (a rule base
    beyond durable_rules' limits runs on the compiled matcher).
    """

    def __init__(self, rule_base: RuleBase, program: Program, matcher: Matcher, notices: tuple[str, ...] = ()) -> None:
        self.rule_base = rule_base
        self.program = program
        self.matcher = matcher
        self.resolver = Resolver(rule_base, program)
        self.notices = notices
        self._estimators: dict[str, Estimator] = {}
        self.speakers = speakers(rule_base)
        self._bulk: Bulk | None = None
        self._shipped: tuple[str, bytes] | None = None

    @classmethod
    def open(cls, rules: PathLike, seeds: PathLike | None = None, *, cache: bool = True, matcher: MatcherName = "durable") -> Engine:
        """Load, check and compile the rule base in `rules` (seeds beside it unless given).

        Raises `InputError` if it is not sound. With `cache`, a rule base
        opened before with the same files and engine is read from the cache
        (a cache that could be another user's is not used, and `notices` says so).
        `matcher` is durable_rules (the default) or the compiled matcher,
        proven equal to it and much faster.
        """
        matcher = matcher_name(matcher)
        rules_path = Path(rules)
        seeds_path = Path(seeds) if seeds is not None else rules_path.parent / "seeds"

        def build() -> tuple[RuleBase, Program]:
            rule_base = load_valid(rules_path, seeds_path)
            return rule_base, compile_rule_base(rule_base)

        note = None
        with collector_paused():  # linear set-up: engine/memory.py
            if cache and rules_path.is_dir():
                from engine.load.cache import cached

                rule_base, program, note = cached(rules_path, seeds_path, build)
            else:
                rule_base, program = build()
            engine = cls.on(rule_base, program, matcher)
        if note is not None:
            engine.notices = (note, *engine.notices)
        return engine

    @classmethod
    def from_rule_base(cls, rule_base: RuleBase, matcher: MatcherName = "durable") -> Engine:
        """Compile an already validated rule base and put it behind a matcher."""
        with collector_paused():
            return cls.on(rule_base, compile_rule_base(rule_base), matcher_name(matcher))

    @classmethod
    def on(cls, rule_base: RuleBase, program: Program, matcher: MatcherName = "durable") -> Engine:
        """The engine of a compiled rule base; durable_rules falls back to the compiled matcher beyond its limits."""
        from engine.matching.limits import limit_problems

        matcher = matcher_name(matcher)
        beyond = limit_problems(program) if matcher == "durable" else []
        if matcher == "compiled" or beyond:
            from engine.matching.compiled import CompiledMatcher

            more = f" (and {len(beyond) - 1} more)" if len(beyond) > 1 else ""
            notices = (f"{beyond[0]}{more}; it runs on the compiled matcher, which gives the same answers",) if beyond else ()
            return cls(rule_base, program, CompiledMatcher(program), notices)
        from engine.matching.durable import DurableMatcher

        return cls(rule_base, program, DurableMatcher(program))

    @property
    def vocabulary(self) -> Vocabulary:
        return self.rule_base.vocabulary

    def forecast(self, values: Mapping[str, Value], *, lexicon: str | None = None) -> Forecast:
        """The forecast of one scenario: every variable, each of its kind; `InputError` otherwise.

        Its verdicts read the hedges with `lexicon` (default: the rule base's).
        """
        checked = check_values(self.vocabulary, values)
        judge = self.estimator(lexicon).judge if lexicon is not None else None
        return self.resolver.resolve(checked, self.matcher.run(checked), judge)

    def summary(self, values: Mapping[str, Value]) -> ForecastSummary:
        """`forecast` without the traces: the same outcomes, statuses, stances and facts, for less."""
        checked = check_values(self.vocabulary, values)
        return self.resolver.summarise(checked, self.matcher.run(checked))

    @overload
    def forecast_many(
        self,
        values: Iterable[Mapping[str, Value]],
        *,
        trace: Literal[False] = False,
        executor: Executor | None = None,
        errors: Literal["raise"] = "raise",
        chunk: int = ...,
        ahead: int | None = None,
    ) -> Iterator[ForecastSummary]: ...
    @overload
    def forecast_many(
        self,
        values: Iterable[Mapping[str, Value]],
        *,
        trace: Literal[True],
        executor: Executor | None = None,
        errors: Literal["raise"] = "raise",
        chunk: int = ...,
        ahead: int | None = None,
    ) -> Iterator[Forecast]: ...
    @overload
    def forecast_many(
        self,
        values: Iterable[Mapping[str, Value]],
        *,
        trace: Literal[False] = False,
        executor: Executor | None = None,
        errors: Literal["yield"],
        chunk: int = ...,
        ahead: int | None = None,
    ) -> Iterator[ForecastSummary | InputError | EngineFailure]: ...
    @overload
    def forecast_many(
        self,
        values: Iterable[Mapping[str, Value]],
        *,
        trace: Literal[True],
        executor: Executor | None = None,
        errors: Literal["yield"],
        chunk: int = ...,
        ahead: int | None = None,
    ) -> Iterator[Forecast | InputError | EngineFailure]: ...
    def forecast_many(
        self,
        values: Iterable[Mapping[str, Value]],
        *,
        trace: bool = False,
        executor: Executor | None = None,
        errors: Literal["raise", "yield"] = "raise",
        chunk: int = 2_000,
        ahead: int | None = None,
    ) -> Iterator[Forecast | ForecastSummary | InputError | EngineFailure]:
        """One forecast per scenario, in order, each checked as `forecast` checks one (engine.bulk).

        Without `trace`, each is a `ForecastSummary`: the outcomes, statuses
        and stances, without the traces that cost as much as the rest. With
        `executor` (any `concurrent.futures.Executor`: a process pool, or a
        Dask or Ray executor on a cluster: docs/batch.md), the scenarios go to
        it in chunks of `chunk`, with the rule base, `ahead` chunks at a time
        (default: twice the pool's workers, or this machine's cores), and come
        back in order. A wrong scenario raises `InputError` naming the
        variable when its turn comes, and a scenario on which the engine
        raises anything unforeseen (a bug) raises `EngineFailure`; with
        `errors="yield"`, its error takes its place and the rest go on. Every
        argument is checked at the call (`InputError` naming it). Always the
        compiled matcher, proven equal to durable_rules.

            for summary in engine.forecast_many(rows):
                print(summary.question("russia_presence").outcome)
            with ProcessPoolExecutor() as pool:
                summaries = list(engine.forecast_many(rows, executor=pool))
        """
        from engine import bulk

        bulk.check_arguments(executor, errors, chunk, ahead)
        if self._bulk is None:
            self._bulk = bulk.Bulk(self.rule_base, self.program)
        return bulk.forecast_many(
            self._bulk, values, trace=trace, executor=executor, errors=errors, chunk=chunk, ahead=ahead, payload=self._payload
        )

    def _payload(self) -> tuple[str, bytes]:
        """What a worker needs to forecast with this rule base, pickled once (`engine.bulk.shipped`)."""
        if self._shipped is None:
            from engine.bulk import shipped

            self._shipped = shipped(self.rule_base, self.program)
        return self._shipped

    def lexicon(self, name: str | None = None) -> Lexicon:
        """The lexicon called `name` (default: the rule base's default one); `InputError` for an unknown name."""
        if name is not None and name not in self.rule_base.lexicons:
            from engine.load.lexicons import left_out

            unread = left_out(name, self.rule_base)
            if unread:
                raise InputError(
                    f"the built-in lexicon '{name}' does not read this rule base's {', '.join(repr(word) for word in unread)}",
                    key="--lexicon",
                    suggestion=f"add lexicons/{name}.yaml that says 'extends: {name}' with a reading of each",
                )
            raise InputError(f"unknown lexicon '{name}'", key="--lexicon", suggestion=did_you_mean(name, self.rule_base.lexicons))
        return self.rule_base.lexicon(name)

    def probabilities(
        self,
        inputs: Mapping[str, object],
        *,
        lexicon: str | None = None,
        samples: int | None = None,
        seed: int = 0,
        limit: int = LIMIT,
    ) -> Probabilities:
        """How likely each outcome is, by each expert, together and pooled; inputs certain or uncertain.

        An input is a value, chances (`{"chance": 0.3}`, `{"high": 0.7, ...}`,
        `{1100: 0.5, 2400: 0.5}`, `{"between": [0, 5]}`) or a likelihood word.
        Exact when the inputs leave at most `limit` classes open and no
        `samples` are asked for; else Monte Carlo with `samples` (1 to
        `MAX_SAMPLES`) and `seed` (any int). A wrong argument raises
        `InputError` naming it, as a wrong input does.
        """
        if samples is not None:
            count("samples", samples, 1, MAX_SAMPLES)
        integer("seed", seed)
        count("limit", limit, 0)
        chosen = self.lexicon(lexicon)
        checked = check_inputs(self.vocabulary, self._words(chosen), inputs)
        estimator = self.estimator(chosen.name)
        if samples is None and all(not isinstance(given, UNCERTAIN) for given in checked.values()):
            return estimator.certain((firing.rule_id for firing in self.matcher.run(checked)), checked)  # type: ignore[arg-type]
        return estimate(estimator, checked, limit=limit, samples=samples, seed=seed)

    def forecast_scenario(
        self, scenario: Scenario, *, lexicon: str | None = None, samples: int | None = None, seed: int = 0
    ) -> tuple[Forecast | None, Probabilities]:
        """A scenario's forecast (certain scenarios only) and its probabilities, from one evaluation."""
        if not scenario.certain or samples is not None:
            return None if not scenario.certain else self.forecast(scenario.values, lexicon=lexicon), self.probabilities(
                scenario.inputs, lexicon=lexicon, samples=samples, seed=seed
            )
        values = check_values(self.vocabulary, scenario.values)
        firings = self.matcher.run(values)
        estimator = self.estimator(lexicon)
        odds = estimator.certain((firing.rule_id for firing in firings), values)
        return self.resolver.resolve(values, firings, estimator.judge), odds

    def estimator(self, lexicon: str | None = None) -> Estimator:
        """The probability estimator reading hedges with `lexicon` (default: the rule base's), built once."""
        chosen = self.lexicon(lexicon)
        if chosen.name not in self._estimators:
            self._estimators[chosen.name] = Estimator(self.rule_base, self.program, chosen)
        return self._estimators[chosen.name]

    def read_scenario(self, path: PathLike, lexicon: str | None = None) -> Scenario:
        """Load and check one scenario file against this rule base; `lexicon` reads its likelihood words.

        Under the literal lexicon, which reads claims, not inputs, the words
        are read with the rule base's default one, and a scenario that pins
        likelihood figures (`bounds`, `pooled`) is refused: the literal
        reading gives no figure to pin.
        """
        chosen = self.lexicon(lexicon)
        return read_scenario(
            Path(path), self.vocabulary, self.rule_base.experts, self._words(chosen), self.speakers, figures=not chosen.literal
        )

    def _words(self, chosen: Lexicon) -> Lexicon:
        """The lexicon that reads likelihood words given as inputs: the chosen one, or the default under `literal`."""
        return self.rule_base.lexicon() if chosen.literal and any(item.default for item in self.rule_base.lexicons.values()) else chosen

    def forecast_file(self, path: PathLike) -> tuple[Scenario, Forecast]:
        """The forecast of a certain scenario file (an uncertain one has `probabilities` only)."""
        scenario = self.read_scenario(path)
        if not scenario.certain:
            raise InputError(
                f"gives chances for {', '.join(scenario.uncertain)}: it has no single forecast",
                location=Location(Path(path)),
                suggestion="use Engine.probabilities(scenario.inputs)",
            )
        return scenario, self.forecast(scenario.values)
