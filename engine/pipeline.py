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
from collections.abc import Mapping
from pathlib import Path

from engine.language import Value
from engine.load.scenario import check_values, read_scenario, speakers
from engine.matching.compile import Program, compile_rule_base
from engine.matching.matcher import Matcher
from engine.model import RuleBase, Scenario, Vocabulary
from engine.resolve.results import Forecast
from engine.resolve.stances import Resolver

PathLike = str | os.PathLike[str]


def load_valid(rules: Path, seeds: Path | None = None) -> RuleBase:
    """Load and validate a rule base from its files (pydantic at the edge); raises its problems."""
    from engine.load.rulebase import load_rule_base
    from engine.load.validate import require_valid

    return require_valid(load_rule_base(rules, seeds))


class Engine:
    """A validated, compiled rule base behind a matcher, ready to forecast scenarios."""

    def __init__(self, rule_base: RuleBase, program: Program, matcher: Matcher) -> None:
        self.rule_base = rule_base
        self.program = program
        self.matcher = matcher
        self.resolver = Resolver(rule_base, program)
        self.speakers = speakers(rule_base)

    @classmethod
    def open(cls, rules: PathLike, seeds: PathLike | None = None, *, cache: bool = True) -> Engine:
        """Load, check and compile the rule base in `rules` (seeds beside it unless given).

        Raises `InputError` if it is not sound. With `cache`, a rule base
        opened before with the same files and engine is read from the cache.
        """
        rules_path = Path(rules)
        seeds_path = Path(seeds) if seeds is not None else rules_path.parent / "seeds"

        def build() -> tuple[RuleBase, Program]:
            rule_base = load_valid(rules_path, seeds_path)
            return rule_base, compile_rule_base(rule_base)

        if cache and rules_path.is_dir():
            from engine.load.cache import cached

            rule_base, program = cached(rules_path, seeds_path, build)
        else:
            rule_base, program = build()
        return cls.on(rule_base, program)

    @classmethod
    def from_rule_base(cls, rule_base: RuleBase) -> Engine:
        """Compile an already validated rule base and put it behind the durable_rules matcher."""
        return cls.on(rule_base, compile_rule_base(rule_base))

    @classmethod
    def on(cls, rule_base: RuleBase, program: Program) -> Engine:
        from engine.matching.durable import DurableMatcher

        return cls(rule_base, program, DurableMatcher(program))

    @property
    def vocabulary(self) -> Vocabulary:
        return self.rule_base.vocabulary

    def forecast(self, values: Mapping[str, Value]) -> Forecast:
        """The forecast of one scenario: every variable, each of its kind; `InputError` otherwise."""
        checked = check_values(self.vocabulary, values)
        return self.resolver.resolve(checked, self.matcher.run(checked))

    def read_scenario(self, path: PathLike) -> Scenario:
        """Load and check one scenario file against this rule base."""
        return read_scenario(Path(path), self.vocabulary, self.rule_base.experts, self.speakers)

    def forecast_file(self, path: PathLike) -> tuple[Scenario, Forecast]:
        scenario = self.read_scenario(path)
        return scenario, self.forecast(scenario.values)
