"""Synthetic rule bases for scale tests and benchmarks: deterministic, standard library only.

    from synthetic import write_rule_base, write_scenario
    write_rule_base(directory, 1000, seed=0)      # directory/rules/, seeds/, scenarios/
    write_scenario(directory, "s1", seed=1)       # directory/scenarios/s1.yaml, every variable set

The same arguments write the same bytes. What is written validates
(`forecast check` run in `directory` finds nothing wrong):

- rules/vocabulary.yaml: `variables` (boolean, level and number in turn;
  every second number continuous), `facts` (8 % of the rules, at least 3)
  and 10 `questions` of 2 to 4 ordered outcomes;
- rules/experts.yaml: 8 experts, a partisan source and the analyst;
- rules/<speaker>.yaml: each speaker's rules. A speaker's rule quotes one
  whole sentence of that speaker's seed text, and 60 % of them carry a
  hedge that the sentence contains; the analyst's (10 %) carry an
  assumption instead;
- rules/lexicons/synthetic.yaml: the default lexicon, reading every hedge
  as a possibility without a likelihood;
- seeds/synthetic-<seed>-<speaker>.txt and .yaml, one seed per quoting
  speaker: one sentence per quoted rule, and its metadata with the text's
  sha256. A seed per speaker keeps every file under the loader's 1 MB
  limit at every size (20,000 rules make about 1.4 MB of sentences in all,
  under 200 kB a speaker);
- scenarios/: empty until `write_scenario`.

Conditions use `all`, `any` and `not` up to two levels deep over variable
tests (every operator) and derived facts. Fact i is concluded only by rules
that read facts below i, so no cycle and no negation cycle can arise, and
every fact is concluded by some rule; about 25 % of the rules conclude a
fact, 3 % have no condition, the rest take stances. No condition expands to
more than 64 branches.

The `profile` sets the mix of tests. "wide" (the default) uses every
operator alike and compares numbers with any value of their range: many
distinct tests, so durable_rules' limits are passed from a few hundred
rules on (engine.matching.limits). "narrow" is mostly `is`, with 3
thresholds per number: far fewer distinct tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MAX_BRANCHES = 64
PROFILES: dict[str, tuple[int | None, tuple[tuple[str, int], ...]]] = {
    "wide": (
        None,
        (("is", 1), ("is_not", 1), ("in", 1), ("not_in", 1), ("at_least", 1), ("at_most", 1), ("above", 1), ("below", 1)),
    ),
    "narrow": (
        3,
        (("is", 45), ("is_not", 8), ("in", 10), ("not_in", 4), ("at_least", 13), ("at_most", 10), ("above", 5), ("below", 5)),
    ),
}
"""Per profile: how many values of its range a number is compared with (None: any), and each operator's weight."""

LEVELS = (("low", "medium", "high"), ("scarce", "moderate", "ample", "abundant"), ("weak", "strong"), ("calm", "tense", "violent"))
OUTCOMES = (
    ("decrease", "hold", "increase"),
    ("fails", "succeeds"),
    ("withdraw", "curtail", "maintain", "expand"),
    ("unlikely", "possible", "likely"),
    ("never", "later", "soon", "now"),
)
HEDGES = ("may", "could", "might", "is likely to", "probably will", "is unlikely to", "could potentially")
SUBJECTS = ("the government", "the rebels", "the mission", "the allies", "the ministry", "the council", "the envoy", "the army")
VERBS = ("expand", "reduce", "reconsider", "support", "abandon", "renegotiate", "fund", "delay", "accelerate", "review")
OBJECTS = ("the deployment", "the agreement", "the budget", "the talks", "the ceasefire", "the programme", "the operations")
WHEN = ("if the pressure grows", "once the season turns", "unless the talks resume", "as long as funds last", "after the vote")
STANCE_OPS = ("is", "is", "is_not", "in", "not_in", "at_least", "at_most", "above", "below")
SPEAKERS = 8


def branch_count(condition: dict[str, Any], negated: bool = False) -> int:
    """How many branches the compiler's normal form makes of `condition` at most (nothing pruned)."""
    if "var" in condition or "fact" in condition:
        return 1
    if "not" in condition:
        return branch_count(condition["not"], not negated)
    key = "all" if "all" in condition else "any"
    counts = [branch_count(part, negated) for part in condition[key]]
    if (key == "all") != negated:  # a conjunction multiplies
        total = 1
        for count in counts:
            total *= count
        return total
    return sum(counts)


class _Base:
    """One synthetic rule base, drawn from its own seeded generator."""

    def __init__(self, rules: int, seed: int, variables: int, profile: str) -> None:
        if rules < 1 or variables < 1:
            raise ValueError("a rule base needs at least one rule and one variable")
        self.rng = random.Random(f"synthetic {seed} {rules} {variables} {profile}")
        self.rule_count = rules
        self.seed_prefix = f"synthetic-{seed}"
        self.thresholds, self.weights = PROFILES[profile]
        self.variables: dict[str, dict[str, Any]] = {}
        for index in range(variables):
            name = f"var_{index + 1:02d}"
            if index % 3 == 0:
                self.variables[name] = {"type": "boolean", "meaning": f"Synthetic yes/no input {index + 1}."}
            elif index % 3 == 1:
                levels = LEVELS[(index // 3) % len(LEVELS)]
                self.variables[name] = {"type": "level", "levels": list(levels), "meaning": f"Synthetic ordered input {index + 1}."}
            elif (index // 3) % 2:
                self.variables[name] = {
                    "type": "number",
                    "unit": "index points",
                    "min": 0,
                    "max": 10,
                    "integer": False,
                    "meaning": f"Synthetic continuous input {index + 1}.",
                }
            else:
                self.variables[name] = {"type": "number", "unit": "events", "min": 0, "max": 50, "meaning": f"Synthetic count {index + 1}."}
        self.facts = [f"fact_{index:04d}" for index in range(max(3, round(rules * 0.08)))]
        if rules < len(self.facts):
            raise ValueError(f"{rules} rules cannot conclude {len(self.facts)} facts")
        self.questions = {
            f"question_{index + 1:02d}": {
                "text": f"Synthetic question {index + 1}: what happens next?",
                "outcomes": list(OUTCOMES[index % len(OUTCOMES)]),
            }
            for index in range(10)
        }
        self.experts: dict[str, dict[str, str]] = {
            f"expert_{index + 1:02d}": {"name": f"Expert Number {index + 1}", "affiliation": f"Synthetic institute {index + 1}"}
            for index in range(SPEAKERS)
        }
        self.experts["partisan_source"] = {"name": "Partisan Channel", "affiliation": "A synthetic partisan channel", "kind": "source"}
        self.experts["analyst"] = {"name": "Analyst", "affiliation": "Whoever encodes this synthetic rule base", "kind": "analyst"}
        self.sentences: dict[str, list[str]] = {}
        """Each quoting speaker's sentences, in the order drawn: that speaker's seed text."""
        self._compared: dict[str, list[Any]] = {}

    # --- conditions ---------------------------------------------------------------------

    def compared(self, name: str) -> list[Any]:
        """The values a variable is compared with: its levels, or its range (or the profile's few values of it)."""
        if name not in self._compared:
            variable = self.variables[name]
            if variable["type"] == "level":
                values: list[Any] = list(variable["levels"])
            elif variable["type"] == "boolean":
                values = [False, True]
            elif variable.get("integer", True):
                values = list(range(variable["min"], variable["max"] + 1))
            else:
                values = [variable["min"] + step / 2 for step in range(int((variable["max"] - variable["min"]) * 2) + 1)]
            if variable["type"] == "number" and self.thresholds is not None and self.thresholds < len(values):
                values = sorted(self.rng.sample(values, self.thresholds))
            self._compared[name] = values
        return self._compared[name]

    def var_test(self) -> dict[str, Any]:
        name = self.rng.choice(sorted(self.variables))
        variable = self.variables[name]
        values = self.compared(name)
        if variable["type"] == "boolean":
            return {"var": name, self.rng.choice(("is", "is", "is", "is_not")): self.rng.choice(values)}
        ops, weights = zip(*self.weights, strict=True)
        op = self.rng.choices(ops, weights)[0]
        if op in ("in", "not_in") and variable["type"] == "number" and not variable.get("integer", True):
            op = "at_least"  # a continuous number takes no list
        if op in ("in", "not_in"):
            size = self.rng.randint(1, max(1, min(3 if variable["type"] == "level" else 4, len(values) - 1)))
            return {"var": name, op: sorted(self.rng.sample(values, size), key=values.index)}
        return {"var": name, op: self.rng.choice(values)}

    def leaf(self, usable: int) -> dict[str, Any]:
        if usable and self.rng.random() < 0.3:
            fact = {"fact": self.facts[self.rng.randrange(usable)]}
            return {"not": fact} if self.rng.random() < 0.3 else fact
        return self.var_test()

    def tree(self, usable: int, depth: int = 0) -> dict[str, Any]:
        roll = self.rng.random()
        if depth >= 2 or roll < 0.35:
            return self.leaf(usable)
        if roll < 0.75:
            return {"all": [self.tree(usable, depth + 1) for _ in range(self.rng.randint(2, 3))]}
        if roll < 0.93:
            return {"any": [self.tree(usable, depth + 1) for _ in range(self.rng.randint(2, 3))]}
        return {"not": self.tree(usable, depth + 1)}

    def condition(self, usable: int) -> dict[str, Any]:
        """A condition over the variables and the first `usable` facts, within the compiler's branch limit."""
        while True:
            condition = self.tree(usable)
            if branch_count(condition) <= MAX_BRANCHES:
                return condition

    # --- rules ----------------------------------------------------------------------------

    def seed_of(self, speaker: str) -> str:
        """The id of the seed that holds `speaker`'s quotes."""
        return f"{self.seed_prefix}-{speaker}"

    def sentence(self, speaker: str, number: int, hedge: str | None) -> str:
        words = (self.rng.choice(SUBJECTS), hedge or "will", self.rng.choice(VERBS), self.rng.choice(OBJECTS), self.rng.choice(WHEN))
        sentence = f"In case {number}, {' '.join(words)}."
        self.sentences.setdefault(speaker, []).append(sentence)
        return sentence

    def stance(self) -> dict[str, Any]:
        question = self.rng.choice(sorted(self.questions))
        outcomes = self.questions[question]["outcomes"]
        op = self.rng.choice(STANCE_OPS)
        if op in ("in", "not_in"):
            return {"question": question, op: sorted(self.rng.sample(outcomes, self.rng.randint(1, len(outcomes) - 1)), key=outcomes.index)}
        choices = outcomes[:-1] if op == "above" else outcomes[1:] if op == "below" else outcomes
        return {"question": question, op: self.rng.choice(choices)}

    def rules(self) -> dict[str, list[dict[str, Any]]]:
        """Every rule, by speaker, in the order drawn."""
        concluding = min(self.rule_count, max(len(self.facts), round(self.rule_count * 0.25)))
        conclusions: list[int | None] = [index % len(self.facts) for index in range(concluding)]
        conclusions += [None] * (self.rule_count - concluding)
        self.rng.shuffle(conclusions)
        speakers = [name for name in self.experts if name != "analyst"]
        by_speaker: dict[str, list[dict[str, Any]]] = {name: [] for name in self.experts}
        for number, concludes in enumerate(conclusions, start=1):
            speaker = "analyst" if self.rng.random() < 0.10 else self.rng.choice(speakers)
            rule: dict[str, Any] = {"id": f"{speaker}.rule_{number:05d}", "expert": speaker}
            if speaker == "analyst":
                rule["assumption"] = f"Synthetic assumption number {number}: the link holds in this model."
            else:
                hedge = self.rng.choice(HEDGES) if self.rng.random() < 0.6 else None
                rule["source"] = {"seed": self.seed_of(speaker), "quote": self.sentence(speaker, number, hedge)}
                if hedge:
                    rule["hedge"] = hedge
            if self.rng.random() >= 0.03:
                rule["when"] = self.condition(concludes if concludes is not None else len(self.facts))
            rule["then"] = {"fact": self.facts[concludes]} if concludes is not None else self.stance()
            by_speaker[speaker].append(rule)
        return {name: rules for name, rules in by_speaker.items() if rules}


# --- writing ------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """A YAML scalar or flow collection: JSON is YAML."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _section(title: str, entries: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"{title}:"]
    for name, fields in entries.items():
        lines.append(f"  {name}:")
        lines += [f"    {key}: {_scalar(value)}" for key, value in fields.items()]
    return lines


def _rules_file(speaker: str, rules: list[dict[str, Any]]) -> str:
    lines = [f"# Synthetic rules of {speaker} (tests/synthetic.py).", "rules:"]
    for rule in rules:
        lines.append(f"  - id: {rule['id']}")
        lines += [f"    {key}: {_scalar(value)}" for key, value in rule.items() if key != "id"]
        lines.append("")
    return "\n".join(lines)


def _write(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_rule_base(directory: Path, rules: int, *, seed: int = 0, variables: int = 12, profile: str = "wide") -> Path:
    """Write a synthetic rule base of `rules` rules under `directory` (see the module docstring); returns its rules/."""
    base = _Base(rules, seed, variables, profile)
    by_speaker = base.rules()
    rules_dir, seeds_dir = directory / "rules", directory / "seeds"
    for stale in [*rules_dir.rglob("*.yaml"), *seeds_dir.glob("*")]:
        stale.unlink()
    (directory / "scenarios").mkdir(parents=True, exist_ok=True)
    header = "# Synthetic rule base (tests/synthetic.py)."
    _write(
        rules_dir / "vocabulary.yaml",
        [
            header,
            *_section("variables", base.variables),
            *_section("facts", {fact: {"meaning": f"Synthetic derived fact {fact}."} for fact in base.facts}),
            *_section("questions", base.questions),
        ],
    )
    _write(rules_dir / "experts.yaml", [header, *_section("experts", base.experts)])
    for speaker, written in by_speaker.items():
        _write(rules_dir / f"{speaker}.yaml", [_rules_file(speaker, written)])
    _write(
        rules_dir / "lexicons" / "synthetic.yaml",
        [
            "# How the synthetic rule base's hedges are read (tests/synthetic.py).",
            f"title: {_scalar('Synthetic lexicon')}",
            f"source: {_scalar('tests/synthetic.py: no scale is cited, every hedge states a possibility only.')}",
            "default: true",
            "terms:",
            f"  - words: {_scalar(list(HEDGES))}",
            "    unassessed: true",
            "readings:",
            f"  - words: {_scalar(['stated as fact', 'assumed'])}",
            "    unassessed: true",
            f"    note: {_scalar('A generated claim carries no likelihood of its own.')}",
        ],
    )
    seeds_dir.mkdir(parents=True, exist_ok=True)
    for speaker, sentences in base.sentences.items():
        seed_id = base.seed_of(speaker)
        text = " ".join(sentences) + "\n"
        (seeds_dir / f"{seed_id}.txt").write_text(text, encoding="utf-8")
        _write(
            seeds_dir / f"{seed_id}.yaml",
            [
                f"id: {seed_id}",
                f"label: {_scalar(f'Synthetic seed {seed} of {speaker} for {rules} rules')}",
                f"publisher: {_scalar('tests/synthetic.py')}",
                f"date: {_scalar('2024-01-01')}",
                f"reports: {_scalar('Nothing: generated sentences, the quotes of a synthetic rule base.')}",
                f"text: {seed_id}.txt",
                f"sha256: {hashlib.sha256(text.encode('utf-8')).hexdigest()}",
            ],
        )
    return rules_dir


def variables_of(directory: Path) -> dict[str, dict[str, Any]]:
    """The variables of a rule base this module wrote, read back from its own line format (no YAML library)."""
    variables: dict[str, dict[str, Any]] = {}
    section, current = "", ""
    for line in (directory / "rules" / "vocabulary.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
        elif section == "variables" and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            variables[current][key] = json.loads(value)
        elif section == "variables":
            current = line.strip().rstrip(":")
            variables[current] = {}
    return variables


def scenario_values(directory: Path, seed: int) -> dict[str, Any]:
    """Every variable of the rule base in `directory`, drawn with `seed`."""
    rng = random.Random(f"scenario {seed}")
    values: dict[str, Any] = {}
    for name, variable in variables_of(directory).items():
        if variable["type"] == "boolean":
            values[name] = rng.random() < 0.5
        elif variable["type"] == "level":
            values[name] = rng.choice(variable["levels"])
        elif variable.get("integer", True):
            values[name] = rng.randint(variable["min"], variable["max"])
        else:
            values[name] = round(rng.uniform(variable["min"], variable["max"]), 2)
    return values


def write_scenario(directory: Path, name: str, *, seed: int = 0) -> Path:
    """Write scenarios/NAME.yaml for the rule base in `directory`, every variable drawn with `seed`."""
    path = directory / "scenarios" / f"{name}.yaml"
    lines = [
        f"name: {_scalar(f'Synthetic scenario {name}')}",
        f"description: {_scalar(f'Every variable drawn with seed {seed}.')}",
        "variables:",
    ]
    lines += [f"  {variable}: {_scalar(value)}" for variable, value in scenario_values(directory, seed).items()]
    _write(path, lines)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic rule base (and scenarios) into DIRECTORY.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("rules", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variables", type=int, default=12)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="wide")
    parser.add_argument("--scenarios", type=int, default=1, help="scenarios s1, s2, ... to write (default 1)")
    args = parser.parse_args()
    write_rule_base(args.directory, args.rules, seed=args.seed, variables=args.variables, profile=args.profile)
    for index in range(1, args.scenarios + 1):
        write_scenario(args.directory, f"s{index}", seed=index)


if __name__ == "__main__":
    main()
