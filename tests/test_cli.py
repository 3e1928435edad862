"""Every command of `forecast`, as a user calls it.

The outputs are checked against the rule base and the forecast they come
from rather than against copied text, so a new rule or scenario does not
need a test edit, but a lost stance, hedge, quote or assumption marker fails.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from engine.cli import cli
from engine.language import BooleanKind, LevelKind, NumberKind
from engine.model import ExpertKind
from engine.pipeline import Engine
from engine.render.verdicts import verdict_text
from engine.resolve.verdict import STATUSES

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
FORMATS = ("text", "json", "markdown")


def squash(text: str) -> str:
    """`text` with every run of white space as one space: wrapped lines read as one."""
    return " ".join(text.split())


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    assert result.stderr == ""
    return result


# --- help and version -------------------------------------------------------------


def test_help_lists_every_command(forecast_cli: Invoke) -> None:
    """`forecast --help` names every command with its summary, and the group's examples."""
    result = ok(forecast_cli("--help"))
    names = cli.list_commands(None)  # type: ignore[arg-type]
    assert set(names) == {"run", "batch", "check", "new", "schema", "list", "flips", "why-not", "sweep", "matrix", "migrate", "test"}
    listed = result.stdout.split("Commands:", 1)[1]
    for name in names:
        assert re.search(rf"^  {name}\s+\S", listed, re.MULTILINE), f"{name} not listed"
    assert "Examples:" in result.stdout and "forecast scenarios/heavy_fighting.yaml" in result.stdout


@pytest.mark.parametrize("name", cli.list_commands(None))  # type: ignore[arg-type]
def test_every_command_is_documented_with_an_example(name: str, forecast_cli: Invoke) -> None:
    """Each command's help has a one-line summary and an Example section with a real invocation."""
    command = cli.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None
    assert command.help, f"{name} has no help"
    summary = command.help.strip().splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 80
    result = ok(forecast_cli(name, "--help"))
    assert summary in result.stdout
    example = result.stdout.split("Example:", 1)
    assert len(example) == 2, f"{name} --help has no Example section"
    assert re.search(rf"^\s+forecast (?:{name} )?\S", example[1], re.MULTILINE)


def test_version(forecast_cli: Invoke) -> None:
    """`--version` names the installed package's version."""
    result = ok(forecast_cli("--version"))
    assert result.stdout == f"forecast, version {importlib.metadata.version('forecast')}\n"


# --- run ---------------------------------------------------------------------------


@pytest.fixture
def heavy(forecast_cli: Invoke, repo_root: Path) -> Callable[..., Result]:
    """`forecast scenarios/heavy_fighting.yaml ARGS...` against the shipped rule base."""

    def run(*args: str) -> Result:
        return forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules", *args)

    return run


def test_run_text_shows_the_verdict_claims_hedges_quotes_and_assumptions(
    heavy: Callable[..., Result], shipped_engine: Engine, repo_root: Path
) -> None:
    """The text report: a summary first, then per question its verdict, each expert's claims with ranges, and the why."""
    text = ok(heavy()).stdout
    lines = text.splitlines()
    summary = lines.index("summary")
    assert lines[summary + 1] == "  russia_presence      compatible; possible: curtail (elischer)"
    assert "  junta_propaganda     one voice (elischer): favours crumbles" in lines[summary:]
    assert "  tinzaouaten_toll     no stance (reported apart, not counted: wagner_orchestra, al_qaeda_offshoot)" in lines[summary:]
    assert "  verdict  compatible; possible: curtail (elischer)" in lines
    assert '  weiss     P(withdraw) 20-45% "unlikely"  -> favours not withdraw' in lines
    flat = squash(text)
    assert 'elischer curtail: possible, "may" gives no likelihood (rests on an analyst\'s assumption)' in flat
    assert 'P(drop_russia) 20-45% "unlikely"' in flat and 'keep_russia "unlikely"' not in flat, "a hedge is shown with the event it rates"
    assert "  outcome  " not in text and "consensus" not in flat, "no second verdict beside the one"
    _, forecast = shipped_engine.forecast_file(repo_root / "scenarios" / "heavy_fighting.yaml")
    experts = shipped_engine.rule_base.experts
    for result in forecast.questions:
        if not result.stances:
            continue
        assert f"{result.id}: {result.text}" in flat
        assert f"verdict {verdict_text(result.scale, result.verdict)}" in flat
        for stance in result.stances:
            for hedge in stance.hedges or ("stated as fact",):
                assert hedge in flat
            for step in stance.trace:
                tag = "ASSUMPTION " if experts[step.expert].kind is ExpertKind.ANALYST else ""
                assert f". {tag}{step.rule} ({experts[step.expert].name}) -> {step.concludes}" in flat
                if step.quote:
                    assert squash(f'"{step.quote}"') in flat
    assert "ASSUMPTION analyst.trend_from_clashes (Analyst)" in text
    assert text.count("ASSUMPTION analyst.trend_from_clashes") == 2, "one step per rule and stance, its other branch an 'or because'"
    assert "or because fact tuareg_agreements_broken" in flat
    assert not re.search(r"ASSUMPTION (?!analyst\.)", text), "only the analyst's rules are assumptions"
    assert lines[-1] == "expectations: all met (3 questions)"


def test_brief_is_the_summary_alone(heavy: Callable[..., Result]) -> None:
    full = ok(heavy()).stdout
    brief = ok(heavy("--brief")).stdout
    assert full.startswith(brief.rsplit("\n\nexpectations:", 1)[0])
    assert "why" not in brief.split() and "chances" not in brief
    assert brief.splitlines()[-1] == "expectations: all met (3 questions)"
    head = full.split("\n\nsummary\n", 1)[0].splitlines()
    rows = brief.split("\nsummary\n", 1)[1].split("\n\n")[0].splitlines()
    assert len(brief.splitlines()) == len(head) + 2 + len(rows) + 2, "heading, summary, expectations: nothing else"


def test_run_json_follows_the_documented_contract(heavy: Callable[..., Result], shipped_engine: Engine) -> None:
    """docs/json.md: schema_version 2, one verdict per question, stances and sources, trace steps with quote spans into the seed."""
    data = json.loads(ok(heavy("--format", "json")).stdout)
    assert data["schema_version"] == "2.1"
    vocabulary = shipped_engine.rule_base.vocabulary
    assert [question["id"] for question in data["questions"]] == list(vocabulary.questions)
    seeds = shipped_engine.rule_base.seeds
    experts = shipped_engine.rule_base.experts
    steps = 0
    for question in data["questions"]:
        assert {"id", "verdict", "stances", "sources"} <= set(question)
        assert not {"outcome", "status", "together", "pooled"} & set(question), "the verdict's fields live in `verdict` only"
        verdict = question["verdict"]
        assert verdict["status"] in STATUSES
        assert bool(verdict["conflicting"]) == (verdict["status"] == "conflict")
        assert verdict["statuses"][verdict["status"]] == {"low": 1.0, "high": 1.0}
        assert all(figure["high"] == 0 for status, figure in verdict["statuses"].items() if status != verdict["status"])
        assert [stance["expert"] for stance in question["stances"]] == verdict["experts"]
        assert all(experts[source["expert"]].kind is not ExpertKind.EXPERT for source in question["sources"])
        for stance in question["stances"] + question["sources"]:
            assert {"expert", "concludes", "status", "trace", "hedges", "rests_on_assumption"} <= set(stance)
            assert isinstance(stance["concludes"], list) and stance["status"] in {"stated", "self-conflict"}
            assert stance["trace"], "a stance always has its reasons"
            for step in stance["trace"]:
                assert {"rule", "expert", "quote", "seed", "span", "assumption"} <= set(step)
                steps += 1
                if step["quote"] is None:
                    assert step["assumption"] is True and step["span"] is None
                    continue
                start, end = step["span"]
                assert _same_words(seeds[step["seed"]].text[start:end], step["quote"]), step["rule"]
                for context in step["context"]:
                    start, end = context["span"]
                    assert _same_words(seeds[step["seed"]].text[start:end], context["quote"])
    assert steps >= 10


def _documented_keys(document: str) -> set[str]:
    """The keys docs/json.md names in its tables (`a.b` split into parts); a key named only in prose does not count."""
    keys: set[str] = set()
    for row in re.findall(r"^\|.*\|$", document, flags=re.MULTILINE):
        for name in re.findall(r"`([a-z_.]+)`", row):
            keys.update(name.split("."))
    return keys


def _keys(value: Any, skip: frozenset[str]) -> Iterator[str]:
    """Every object key in `value`, except under keys whose children are names (rules, facts, variables, outcomes)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key not in skip:
                yield from _keys(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item, skip)


NAMED_CHILDREN = frozenset(
    {"variables", "rules", "facts", "bounds", "together", "pooled", "weights", "statuses", "chance", "fires", "speaks", "conflict"}
    | {"self_conflict", "reading", "lexicon", "method", "scenario", "rule_base", "expectations", "assumed"}
)


@pytest.mark.parametrize(
    ("scenario", "extra"),
    [
        ("heavy_fighting.yaml", ()),
        ("junta_pays.yaml", ("--why-not",)),
        ("analyst_view.yaml", ()),
        ("analyst_view.yaml", ("--samples", "2000", "--seed", "7")),
    ],
    ids=["certain", "why-not", "uncertain", "monte-carlo"],
)
def test_every_json_key_is_documented(forecast_cli: Invoke, repo_root: Path, scenario: str, extra: tuple[str, ...]) -> None:
    """docs/json.md names every key the JSON holds; figures are ordered, within 0-1, and exact ones are points."""
    result = forecast_cli(repo_root / "scenarios" / scenario, "--format", "json", *extra)
    data = json.loads(result.stdout)
    documented = _documented_keys((repo_root / "docs" / "json.md").read_text(encoding="utf-8"))
    found = set(_keys(data, NAMED_CHILDREN))
    assert found - documented == set()
    assert f"document describes version `{data['schema_version']}`" in (repo_root / "docs" / "json.md").read_text(encoding="utf-8")
    readings = [claim.pop("reading") for node in _walk(data) for claim in node.get("claims", [])]
    assert any(reading is None for reading in readings), "a word with no likelihood has no number"
    figures = [node for node in _walk(data) if set(node) >= {"low", "high"} and "word" not in node]
    assert len(figures) > 50
    estimated = data["method"] != "exact"
    for figure in figures:
        assert 0 <= figure["low"] <= figure["high"] <= 1
        assert ("se_low" in figure) == estimated
        for value in figure.values():
            assert value == round(value, 12)


def _same_words(found: str, quote: str) -> bool:
    """Equal once typographic quote marks are plain and white space is single spaces (written here, not imported)."""
    plain = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return squash(found.translate(plain)) == squash(quote.translate(plain))


def test_run_markdown_has_a_mermaid_graph_per_question(heavy: Callable[..., Result], shipped_engine: Engine, repo_root: Path) -> None:
    """The Markdown report has one Mermaid flowchart for each question with a stance."""
    text = ok(heavy("--format", "markdown")).stdout
    _, forecast = shipped_engine.forecast_file(repo_root / "scenarios" / "heavy_fighting.yaml")
    spoken = [result for result in forecast.questions if result.stances]
    assert text.startswith("# Forecast: Heavy fighting\n")
    assert text.count("```mermaid\nflowchart LR\n") == len(spoken)
    for result in spoken:
        assert f"## {result.id}: {result.text}" in text


def test_question_filter_shows_only_the_named_questions(heavy: Callable[..., Result]) -> None:
    """-q QUESTION (repeatable) keeps those questions, in vocabulary order, in every format."""
    data = json.loads(ok(heavy("--format", "json", "-q", "china_role", "-q", "russia_presence")).stdout)
    assert [question["id"] for question in data["questions"]] == ["russia_presence", "china_role"]
    text = ok(heavy("-q", "china_role")).stdout
    assert "china_role: Will China get militarily involved in Mali?" in text
    assert "russia_presence:" not in text and "security_narrative:" not in text


def test_unknown_question_filter_is_bad_input(heavy: Callable[..., Result]) -> None:
    """-q with a misspelt question: exit 2, one line with a did-you-mean, no output."""
    result = heavy("-q", "russia_presense")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "forecast: error: --question: unknown question 'russia_presense' (did you mean 'russia_presence'?)\n"


def test_debug_flag_before_the_default_command(forecast_cli: Invoke, repo_root: Path) -> None:
    """`forecast --debug FILE` still means `forecast --debug run FILE`."""
    result = ok(forecast_cli("--debug", repo_root / "scenarios" / "junta_pays.yaml", "--rules", repo_root / "rules"))
    assert result.stdout.startswith("The junta agrees to pay  (")


@pytest.mark.parametrize("fmt", FORMATS)
def test_run_is_byte_identical_in_process(fmt: str, forecast_cli: Invoke, repo_root: Path) -> None:
    """Two runs in one process give the same bytes, for every scenario."""
    for scenario in SCENARIOS:
        first = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", fmt)
        second = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", fmt)
        assert first.exit_code == 0, first.output
        assert first.stdout_bytes == second.stdout_bytes


def test_run_is_byte_identical_across_processes(forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Separate processes with different hash seeds, and this process, give the same bytes in every format."""
    command = Path(sys.executable).parent / "forecast"
    assert command.exists(), f"console script not installed next to {sys.executable}"
    scenario = "scenarios/pays_and_fighting.yaml"

    def start(fmt: str, seed: str) -> subprocess.Popen[bytes]:
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        return subprocess.Popen(
            [command, scenario, "--format", fmt], cwd=repo_root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    running = {(fmt, seed): start(fmt, seed) for fmt in FORMATS for seed in ("1", "2")}
    outputs: dict[tuple[str, str], bytes] = {}
    for key, process in running.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        outputs[key] = stdout
    monkeypatch.chdir(repo_root)
    for fmt in FORMATS:
        assert outputs[(fmt, "1")] == outputs[(fmt, "2")], fmt
        here = forecast_cli(scenario, "--format", fmt)
        assert here.exit_code == 0
        assert here.stdout_bytes == outputs[(fmt, "1")], fmt


def test_unmet_speakers_are_written_as_the_scenario_writes_them(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """An unmet `speakers:` expectation in YAML's flow style, as the file has it, not as a Python list."""
    text = (repo_root / "scenarios" / "article_baseline.yaml").read_text(encoding="utf-8")
    path = tmp_path / "speakers.yaml"
    before = "favours: [curtail, maintain, increase]\n    speakers: [weiss]"
    assert text.count(before) == 1
    path.write_text(text.replace(before, "favours: [curtail, maintain, increase]\n    speakers: [weiss, elischer]"), encoding="utf-8")
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert "  russia_presence.speakers: expected [weiss, elischer], got [weiss]" in result.stdout


def test_unmet_expectation_prints_the_report_and_exits_1(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A scenario whose `expect:` is not met: the full report still prints, stderr names the count, exit 1."""
    text = (repo_root / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8")
    assert text.count("status: compatible") == 1
    path = tmp_path / "wrong_expectation.yaml"
    path.write_text(text.replace("status: compatible", "status: agree"), encoding="utf-8")
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert result.stderr == f"forecast: {path}: 1 expectation(s) not met\n"
    assert result.stdout.startswith("Heavy fighting  (")
    assert "  verdict  compatible; possible: curtail (elischer)" in result.stdout
    assert "expectations: 1 of the scenario's expectations not met" in result.stdout
    assert "russia_presence.status: expected agree, got compatible" in result.stdout
    data = json.loads(forecast_cli(path, "--rules", repo_root / "rules", "--format", "json").stdout)
    assert data["expectations"]["unmet"] == [
        {"question": "russia_presence", "field": "status", "expected": "agree", "actual": "compatible"}
    ]


def test_an_unmet_favoured_event_names_what_is_favoured(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    text = (repo_root / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8")
    path = tmp_path / "favours.yaml"
    assert text.count("favours: [crumbles]") == 1
    path.write_text(text.replace("favours: [crumbles]", "favours: [holds]"), encoding="utf-8")
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert "junta_propaganda.favours: expected [holds], got [crumbles]" in result.stdout


# --- check ---------------------------------------------------------------------------


def test_check_passes_on_the_shipped_rule_base(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`forecast check` on the shipped rules and scenarios: exit 0 and an ok line with the counts."""
    result = ok(forecast_cli("check", "--rules", repo_root / "rules"))
    rules = len(shipped_engine.rule_base.rules)
    assert (
        result.stdout
        == f"ok: {rules} rules in {(repo_root / 'rules').as_posix()}, {len(SCENARIOS)} scenarios; every quote found verbatim in its seed\n"
        f"{len(SCENARIOS)} scenarios with expectations: run `forecast test` to check them\n"
    )


def test_check_of_one_scenario_says_one_scenario(forecast_cli: Invoke, repo_root: Path) -> None:
    result = ok(forecast_cli("check", "--rules", repo_root / "rules", repo_root / "scenarios" / "heavy_fighting.yaml"))
    assert ", 1 scenario; every quote" in result.stdout


def test_check_json_says_ok(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`check --format json` is valid JSON with ok true, no problems and every scenario checked."""
    data = json.loads(ok(forecast_cli("check", "--rules", repo_root / "rules", "--format", "json")).stdout)
    assert data["ok"] is True
    assert data["problems"] == []
    assert data["rule_count"] == len(shipped_engine.rule_base.rules)
    assert [Path(path).name for path in data["scenarios"]] == [path.name for path in SCENARIOS]


def test_check_fails_on_a_bad_scenario(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """check validates the scenarios too: a bad one is listed and the exit code is 1."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    text = (repo_root / "scenarios" / "junta_pays.yaml").read_text(encoding="utf-8")
    (scenarios / "typo.yaml").write_text(text.replace("mali_resources: limited", "mali_resources: limitted"), encoding="utf-8")
    result = forecast_cli("check", "--rules", repo_root / "rules", "--scenarios", scenarios)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{scenarios / 'typo.yaml'}:7:3: variables.mali_resources: ")
    assert lines[0].endswith("(did you mean 'limited'?)")
    assert lines[1].startswith("1 problem in ")


def test_write_counterexamples_needs_consistency(forecast_cli: Invoke, repo_root: Path, tmp_path: Path) -> None:
    """A flag that only makes sense with another is a usage error (exit 2), not silently ignored."""
    result = forecast_cli("check", "--rules", repo_root / "rules", "--write-counterexamples", tmp_path / "out")
    assert result.exit_code == 2
    assert "--write-counterexamples needs --consistency" in result.stderr
    assert not (tmp_path / "out").exists()


# --- new -------------------------------------------------------------------------------


def test_new_writes_a_commented_scenario_whose_values_the_user_decides(
    tmp_path: Path, forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path
) -> None:
    """`forecast new NAME -o PATH`: every variable, with its meaning and allowed values, left empty to decide.

    The file is refused until every variable has a value (nothing fires on
    values nobody chose); once they are filled in, it runs.
    """
    target = tmp_path / "ceasefire.yaml"
    result = ok(forecast_cli("new", "ceasefire", "--rules", repo_root / "rules", "-o", target))
    assert result.stdout == f"wrote {target.as_posix()}\n"
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines()
    variables = shipped_engine.rule_base.vocabulary.variables
    for name, variable in variables.items():
        at = lines.index(f"  {name}:")
        assert lines[at - 2] == f"  # {variable.meaning}"
        assert lines[at - 1].startswith("  # allowed: ")
    data = yaml.safe_load(text)
    assert data["name"] == "ceasefire"
    assert data["variables"] == dict.fromkeys(variables)

    refused = forecast_cli(target, "--rules", repo_root / "rules")
    assert refused.exit_code == 2 and refused.stdout == ""
    first = next(iter(variables))
    assert refused.stderr.startswith(f"forecast: error: {target}:")
    assert f": variables.{first}: no value for '{first}' yet (decide one: " in refused.stderr
    check = f"forecast check --rules {(repo_root / 'rules').as_posix()} {target.as_posix()}"
    assert refused.stderr.endswith(f"(and {len(variables) - 1} more problems: run `{check}`)\n")

    baseline = yaml.safe_load((repo_root / "scenarios" / "article_baseline.yaml").read_text(encoding="utf-8"))["variables"]
    for name, value in baseline.items():
        text = text.replace(f"  {name}:\n", f"  {name}: {json.dumps(value)}\n")
    target.write_text(text, encoding="utf-8")
    ran = ok(forecast_cli(target, "--rules", repo_root / "rules"))
    assert ran.stdout.startswith(f"ceasefire  ({target})")


@pytest.mark.parametrize("form", [0, -1], ids=["first-form", "last-form"])
def test_new_uncertain_shows_forms_that_each_run(tmp_path: Path, forecast_cli: Invoke, repo_root: Path, form: int) -> None:
    """`forecast new --uncertain`: each variable's comment shows its uncertain forms; each example, filled in, runs exactly."""
    target = tmp_path / "unsure.yaml"
    ok(forecast_cli("new", "unsure", "--uncertain", "--rules", repo_root / "rules", "-o", target))
    written: list[str] = []
    chosen: str | None = None
    for line in target.read_text(encoding="utf-8").splitlines():
        if line.startswith("  # uncertain: "):
            chosen = line.removeprefix("  # uncertain: ").split(", or ")[form]
            if chosen.startswith("a likelihood word ("):
                words = chosen.removeprefix("a likelihood word (").removesuffix(")").split(", ")
                assert "likely" in words and "may" not in words, "only words with a range are offered"
                chosen = json.dumps(words[form])
        elif re.fullmatch(r"  [a-z_]+:", line):
            assert chosen is not None, f"no uncertain form shown for {line.strip()}"
            line, chosen = f"{line} {chosen}", None
        written.append(line)
    target.write_text("\n".join(written) + "\n", encoding="utf-8")
    data = json.loads(ok(forecast_cli(target, "--rules", repo_root / "rules", "--format", "json")).stdout)
    assert data["method"] == "exact"
    assert all(not isinstance(value, (bool, int, str)) for value in data["scenario"]["variables"].values()), "every input uncertain"


def test_new_from_an_uncertain_scenario_copies_every_input(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`--from` keeps chances, words and ranges as they were: the copy forecasts the same figures."""
    original = repo_root / "scenarios" / "analyst_view.yaml"
    target = tmp_path / "copy.yaml"
    ok(forecast_cli("new", "copy", "--from", original, "--rules", repo_root / "rules", "-o", target))
    mine = json.loads(forecast_cli(target, "--rules", repo_root / "rules", "--format", "json").stdout)
    theirs = json.loads(forecast_cli(original, "--rules", repo_root / "rules", "--format", "json").stdout)
    assert mine["scenario"]["variables"] == theirs["scenario"]["variables"]
    assert mine["probabilities"] == theirs["probabilities"] and mine["questions"] == theirs["questions"]


def test_new_refuses_to_overwrite_without_force(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """An existing file is kept (exit 2, one line) unless --force is given."""
    target = tmp_path / "mine.yaml"
    target.write_text("my own notes\n", encoding="utf-8")
    refused = forecast_cli("new", "mine", "--rules", repo_root / "rules", "-o", target)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr == f"forecast: error: {target}: file exists (pass --force to overwrite, or choose another NAME)\n"
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    ok(forecast_cli("new", "mine", "--rules", repo_root / "rules", "-o", target, "--force"))
    assert "variables:" in target.read_text(encoding="utf-8")


def test_new_from_copies_the_values(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`new --from SCENARIO` starts from that scenario's variable values."""
    source = repo_root / "scenarios" / "junta_pays.yaml"
    target = tmp_path / "copy.yaml"
    ok(forecast_cli("new", "copy", "--rules", repo_root / "rules", "--from", source, "-o", target))
    copied = yaml.safe_load(target.read_text(encoding="utf-8"))
    original = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert copied["variables"] == original["variables"]
    assert copied["name"] == "copy"


def test_new_from_a_bad_scenario_is_bad_input(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """--from a broken scenario: exit 2 naming that file, and nothing written."""
    source = tmp_path / "bad.yaml"
    source.write_text("name: x\nvariables: {junta_pays: maybe}\n", encoding="utf-8")
    target = tmp_path / "copy.yaml"
    result = forecast_cli("new", "copy", "--rules", repo_root / "rules", "--from", source, "-o", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"forecast: error: {source}:2:")
    assert not target.exists()


# --- schema --------------------------------------------------------------------------------


def _conforms(value: Any, schema: dict[str, Any], where: str = "$") -> Iterator[str]:
    """A tiny JSON Schema checker for the keywords the scenario schema uses; yields each violation."""
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            failures = [list(_conforms(value, option, where)) for option in schema[keyword]]
            matched = sum(1 for failure in failures if not failure)
            if matched == 0:
                yield f"{where}: {value!r} matches none of {len(failures)} forms ({failures[0][0]})"
            elif keyword == "oneOf" and matched > 1:
                yield f"{where}: {value!r} matches {matched} forms, not one"
            return
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        yield f"{where}: {value!r} does not match {schema['pattern']}"
    if "enum" in schema and value not in schema["enum"]:
        yield f"{where}: {value!r} not in {schema['enum']}"
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None and not any(checks[name](value) for name in ([kind] if isinstance(kind, str) else kind)):
        yield f"{where}: {value!r} is not {kind}"
        return
    if "minimum" in schema and value < schema["minimum"]:
        yield f"{where}: {value} < {schema['minimum']}"
    if "maximum" in schema and value > schema["maximum"]:
        yield f"{where}: {value} > {schema['maximum']}"
    if isinstance(value, list) and not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
        yield f"{where}: {len(value)} items"
    if isinstance(value, dict) and len(value) < schema.get("minProperties", 0):
        yield f"{where}: fewer than {schema['minProperties']} entries"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                yield f"{where}: missing {name}"
        for name, item in value.items():
            if "propertyNames" in schema:
                yield from _conforms(name, schema["propertyNames"], f"{where}.{name} (name)")
            if name in properties:
                yield from _conforms(item, properties[name], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                yield f"{where}: unexpected {name}"
            elif isinstance(schema.get("additionalProperties"), dict):
                yield from _conforms(item, schema["additionalProperties"], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from _conforms(item, schema["items"], f"{where}[{index}]")
    branch = "then" if "if" in schema and not list(_conforms(value, schema["if"], where)) else "else"
    if "if" in schema and branch in schema:
        yield from _conforms(value, schema[branch], where)


def test_scenario_schema_lists_every_variable_with_its_values(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`schema scenario` is built from the vocabulary: each variable with its type, levels or range."""
    schema = json.loads(ok(forecast_cli("schema", "scenario", "--rules", repo_root / "rules")).stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["required"] == ["name"] and schema["if"] == {"required": ["extends"]}
    assert schema["else"]["required"] == ["variables"]
    variables = schema["properties"]["variables"]
    vocabulary = shipped_engine.rule_base.vocabulary
    assert schema["else"]["properties"]["variables"]["required"] == list(vocabulary.variables)
    assert variables["additionalProperties"] is False
    for name, variable in vocabulary.variables.items():
        written = variables["properties"][name]
        assert written["description"] == variable.meaning
        spec, *uncertain = written["anyOf"]
        assert uncertain, f"{name} has no uncertain form"
        if variable.kind.takes_words:
            assert "likely" in uncertain[-1]["enum"]
        kind = variable.kind
        if isinstance(kind, BooleanKind):
            assert spec["type"] == "boolean"
        elif isinstance(kind, LevelKind):
            assert spec["enum"] == list(kind.levels)
        else:
            assert isinstance(kind, NumberKind)
            assert (spec["minimum"], spec["maximum"]) == (kind.minimum, kind.maximum)
            assert spec["type"] == ("integer" if kind.integer else "number")
    assert schema["properties"]["expect"]["propertyNames"]["enum"] == list(vocabulary.questions)


def test_shipped_scenarios_conform_to_the_scenario_schema(forecast_cli: Invoke, repo_root: Path) -> None:
    """Every shipped scenario passes the schema, and a broken one does not (so the checker checks)."""
    schema = json.loads(ok(forecast_cli("schema", "scenario", "--rules", repo_root / "rules")).stdout)
    for path in SCENARIOS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(_conforms(data, schema)) == [], path.name
    broken = yaml.safe_load((ROOT / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8"))
    broken["variables"]["deadly_clashes"] = 31
    broken["variables"]["mali_resources"] = "vast"
    del broken["variables"]["junta_pays"]
    broken["variables"]["cruel_conduct"] = {"chance": 1.5}
    broken["extra"] = 1
    assert len(list(_conforms(broken, schema))) == 5
    extending = {"name": "x", "extends": "heavy_fighting.yaml", "variables": None}
    assert list(_conforms(extending, schema)) == []
    assert list(_conforms({"name": "x", "variables": None}, schema)) != []


def test_rules_schema_shows_the_written_operators(forecast_cli: Invoke, repo_root: Path) -> None:
    """`schema rules` describes conditions as written ({var, at_least, ...}), not the internal op/value form."""
    text = ok(forecast_cli("schema", "rules", "--rules", repo_root / "rules")).stdout
    schema = json.loads(text)
    for op in ("is", "is_not", "in", "not_in", "at_least", "at_most", "above", "below"):
        assert f'"{op}"' in text
    properties = [node["properties"] for node in _walk(schema) if isinstance(node.get("properties"), dict)]
    assert any("at_least" in names for names in properties)
    assert not any("op" in names or "value" in names for names in properties)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for item in node.values():
            yield from _walk(item)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


@pytest.mark.parametrize("kind", ["vocabulary", "experts", "checks", "seed"])
def test_other_schemas_are_json(kind: str, forecast_cli: Invoke, repo_root: Path) -> None:
    """Every other file kind has a JSON Schema of an object with its keys."""
    schema = json.loads(ok(forecast_cli("schema", kind, "--rules", repo_root / "rules")).stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object" and schema["properties"]


def test_schema_title_names_the_file_kind(forecast_cli: Invoke, repo_root: Path) -> None:
    """The schema's title is the one schema_for sets for editors, not the model's class name."""
    schema = json.loads(ok(forecast_cli("schema", "seed", "--rules", repo_root / "rules")).stdout)
    assert schema["title"] == "forecast seed file"


# --- list ------------------------------------------------------------------------------------


def test_list_text_names_every_rule_and_expert(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`forecast list` shows each section with its count and every rule and expert by id."""
    text = ok(forecast_cli("list", "--rules", repo_root / "rules")).stdout
    rule_base = shipped_engine.rule_base
    lines = text.splitlines()
    assert f"rules ({len(rule_base.rules)})" in lines
    assert f"experts ({len(rule_base.experts)})" in lines
    listed = {line.split()[0] for line in lines if line.startswith("  ")}
    assert {rule.id for rule in rule_base.rules} <= listed
    assert set(rule_base.experts) <= listed
    for rule in rule_base.rules:
        if rule.assumption:
            assert any(line.startswith(f"  {rule.id} ") and line.endswith("[assumption]") for line in lines)


def test_list_shows_each_hedge_with_the_event_it_rates(forecast_cli: Invoke, repo_root: Path) -> None:
    """Weiss's "unlikely" rates dropping Russia, not keeping it: `P(drop_russia) "unlikely"`, never beside the conclusion."""
    lines = ok(forecast_cli("list", "rules", "--rules", repo_root / "rules")).stdout.splitlines()
    summary = {line.split()[0]: " ".join(line.split()[1:]) for line in lines[1:]}
    assert summary["weiss.no_pullout"] == 'russia_presence is not withdraw, P(withdraw) "unlikely"'
    assert summary["weiss.junta_keeps_russia"] == 'junta_protector is not drop_russia, P(drop_russia) "unlikely"'
    assert summary["elischer.china_stays_out"] == 'china_role is stays_out, P(gets_involved) "doesn\u2019t see"'
    assert summary["elischer.curtail_if_trend"] == 'russia_presence is curtail, P(curtail) "may"', "no number for words that give none"
    assert summary["weiss.fewer_assaults"] == 'wagner_assault_role is not spearhead, P(no_assaults or fewer_assaults) "may"'
    assert summary["siegle.myths_punctured"] == "security_myth is punctured", "stated as fact: no hedge"
    assert summary["weiss.largest_loss"] == 'loss_rank is largest, P(largest) "likely"'
    assert summary["elischer.resources_limited"] == "resource_funding is limited"
    assert summary["analyst.mozambique_precedent"] == "russia_presence is withdraw [assumption]"
    assert not any('("' in line for line in lines)


def test_list_json_has_every_rule_and_expert(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`list --format json` lists the same rules and experts as the rule base, in order."""
    data = json.loads(ok(forecast_cli("list", "--rules", repo_root / "rules", "--format", "json")).stdout)
    rule_base = shipped_engine.rule_base
    assert list(data) == ["variables", "facts", "questions", "experts", "rules", "lexicons"]
    assert [rule["id"] for rule in data["rules"]] == [rule.id for rule in rule_base.rules]
    assert [expert["id"] for expert in data["experts"]] == list(rule_base.experts)
    assert sum(expert["rules"] for expert in data["experts"]) == len(rule_base.rules)


def test_list_json_gives_the_event_each_hedge_rates(forecast_cli: Invoke, repo_root: Path) -> None:
    """Beside `hedge`, `rates`: the event it rates (`drop_russia` for a rule that concludes `not drop_russia`); null for a fact."""
    data = json.loads(ok(forecast_cli("list", "rules", "--rules", repo_root / "rules", "--format", "json")).stdout)
    rules = {rule["id"]: rule for rule in data["rules"]}
    junta = rules["weiss.junta_keeps_russia"]
    assert (junta["concludes"], junta["hedge"], junta["rates"]) == ("junta_protector is not drop_russia", "unlikely", ["drop_russia"])
    assert junta["summary"] == 'junta_protector is not drop_russia, P(drop_russia) "unlikely"'
    assert list(junta) == ["id", "expert", "hedge", "rates", "concludes", "speech", "file", "summary"]
    assert (rules["weiss.no_pullout"]["rates"], rules["weiss.no_pullout"]["summary"]) == (
        ["withdraw"],
        'russia_presence is not withdraw, P(withdraw) "unlikely"',
    )
    curtail = rules["elischer.curtail_if_trend"]
    assert (curtail["hedge"], curtail["rates"], curtail["summary"]) == ("may", ["curtail"], 'russia_presence is curtail, P(curtail) "may"')
    assert (rules["siegle.myths_punctured"]["hedge"], rules["siegle.myths_punctured"]["rates"]) == (None, ["punctured"])
    assert (rules["siegle.myths_punctured"]["speech"], junta["speech"]) == ("direct", "reported")
    assert rules["osborn.agreements_violated"]["rates"] is None, "a rule that derives a fact rates no outcome"


def test_list_one_section(forecast_cli: Invoke, shipped_engine: Engine, repo_root: Path) -> None:
    """`forecast list experts` shows that section only."""
    text = ok(forecast_cli("list", "experts", "--rules", repo_root / "rules")).stdout
    assert text.splitlines()[0] == f"experts ({len(shipped_engine.rule_base.experts)})"
    assert "rules (" not in text
