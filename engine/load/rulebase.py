"""Load a rule base directory into the model, each file checked against its written form.

A rule base directory holds `vocabulary.yaml`, `experts.yaml`, optionally
`checks.yaml`, any number of rule files (every other `*.yaml`) and
`lexicons/`; a YAML file named otherwise (`*.yml`, `*.YAML`), or YAML in any
other folder, is refused rather than silently left out. Seeds live in the
`seeds/` directory beside it unless told otherwise. Loading
checks the shape of each file; `engine.load.validate` checks that the files
agree with each other. The rule base keeps where each part was written
(`Origins`), so later problems are located too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from engine import inputs, model
from engine.errors import InputError, Location, RuleBaseInvalid, raise_all
from engine.load import convert, surface
from engine.load.lexicons import LEXICONS, load_lexicons, reading_every_word
from engine.load.parse import parse_document
from engine.load.yamlfile import Document, load_yaml, read_text
from engine.quotes import FoldedText
from engine.records import record, replace

VOCABULARY_FILE = "vocabulary.yaml"
EXPERTS_FILE = "experts.yaml"
CHECKS_FILE = "checks.yaml"
OLD_ACCEPTED_KINDS = {
    "probabilistic-self-conflict": "'self-conflict' (a self-conflict is judged under each lexicon; "
    "'lexicon: NAME' accepts it under that one only)",
}
"""Kinds of `accepted:` entries written for 1.x, each with what replaces it (`forecast migrate` rewrites them)."""
RESERVED_FILES = (VOCABULARY_FILE, EXPERTS_FILE, CHECKS_FILE)


@record
class Origins:
    """Where each part of a rule base was written, for located errors; absent when read from the cache."""

    vocabulary: Document
    experts: Document
    checks: Document | None
    rules: Mapping[str, tuple[Document, tuple[str | int, ...]]]
    seeds: Mapping[str, Document]
    lexicons: Mapping[str, Document]


def origins_of(rule_base: model.RuleBase) -> Origins | None:
    """Where each part of `rule_base` was written, if it was loaded from its files (the model holds it untyped, below the loader)."""
    origins = rule_base.origins
    return origins if isinstance(origins, Origins) else None


def rule_files(directory: Path) -> Iterator[Path]:
    """The rule files of a rule base directory, in name order."""
    for path in inputs.children(directory):
        if path.name.endswith(".yaml") and path.name not in RESERVED_FILES:
            yield path


def misnamed(path: Path) -> InputError:
    """The problem of a YAML file not named `*.yaml` (`.yml`, `.YAML`) where `*.yaml` files are read: left out, it would go unnoticed."""
    return InputError(
        f"is named {path.suffix}, and only *.yaml files are read",
        location=Location(path, 1, 1),
        suggestion=f"rename it to {path.stem}.yaml",
    )


def unread(path: Path) -> bool:
    """Whether a file looks like YAML but is not named `*.yaml`, so it would not be read."""
    return path.suffix.lower() in (".yaml", ".yml") and path.suffix != ".yaml"


def misnamed_files(directory: Path, folders: tuple[str, ...] | None = None) -> list[InputError]:
    """A problem for each YAML file in `directory` that would not be read; with `folders`, also for any other folder holding YAML.

    `folders` names the sub-folders that are read (a rule base's `lexicons`);
    YAML anywhere else below the directory would be left out unnoticed.
    """
    entries = inputs.children(directory)
    problems = [misnamed(path) for path in entries if path.is_file() and unread(path)]
    if folders is not None:
        for path in entries:
            if (
                path.is_dir()
                and path.name not in folders
                and not path.name.startswith(".")
                and any(item.suffix.lower() in (".yaml", ".yml") for item in inputs.descendants(path))
            ):
                read = "".join(f" and {directory.name}/{name}/" for name in folders)
                problems.append(
                    InputError(
                        f"is a folder of YAML files, and only the files of {directory.name}/{read} are read",
                        location=Location(path),
                        suggestion=f"move its files into {directory.name}/, or the folder out of it",
                    )
                )
    return problems


def seed_files(directory: Path) -> Iterator[Path]:
    """The metadata files of a seeds directory, in name order."""
    yield from (path for path in inputs.children(directory) if path.name.endswith(".yaml"))


def load_seeds(directory: Path) -> tuple[dict[str, model.Seed], dict[str, Document]]:
    """Every `*.yaml` metadata file in `directory` with the text it names, and its document."""
    seeds: dict[str, model.Seed] = {}
    documents: dict[str, Document] = {}
    if not directory.is_dir():
        raise InputError("seeds directory not found", location=Location(directory), suggestion="pass --seeds DIR")
    raise_all(misnamed_files(directory))
    for meta_path in seed_files(directory):
        document = load_yaml(meta_path)
        meta = parse_document(document, surface.SeedMeta)
        if meta.id != meta_path.stem:
            raise document.error(
                ("id",), f"seed id '{meta.id}' differs from its file name '{meta_path.stem}'", f"rename to '{meta_path.stem}'"
            )
        text_path = meta_path.parent / meta.text
        if not text_path.exists():  # anything else there (a directory, a named pipe) is refused by read_text
            raise document.error(("text",), f"seed text '{meta.text}' not found beside {meta_path.name}")
        seeds[meta.id] = model.Seed(meta=convert.seed_meta(meta), text=read_text(text_path), path=text_path)
        documents[meta.id] = document
    return seeds, documents


def old_accepted(data: object) -> list[int]:
    """The positions of checks.yaml's `accepted:` entries whose kind is a 1.x one."""
    entries = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [index for index, entry in enumerate(entries) if isinstance(entry, dict) and entry.get("kind") in OLD_ACCEPTED_KINDS]


def load_rule_base(
    directory: Path, seeds_directory: Path | None = None, *, checkpoint: Callable[[str], None] | None = None
) -> model.RuleBase:
    """Parse every file of a rule base. Raises the problems of every rule file, or the first bad other file.

    `checkpoint(done)` is called before each rule file with what has been read
    so far, and may raise to stop the load (a time budget, `engine.checking`).
    """
    if not directory.exists():
        raise InputError("rule base directory not found", location=Location(directory), suggestion="pass --rules DIR")
    if not directory.is_dir():
        raise InputError("is not a directory, expected a rule base directory", location=Location(directory))
    vocabulary_document = load_yaml(directory / VOCABULARY_FILE)
    vocabulary = convert.vocabulary(parse_document(vocabulary_document, surface.Vocabulary))
    experts_document = load_yaml(directory / EXPERTS_FILE)
    experts_written = parse_document(experts_document, surface.ExpertsFile)
    checks_path = directory / CHECKS_FILE
    checks_document = load_yaml(checks_path) if checks_path.exists() else None
    for index in old_accepted(checks_document.data) if checks_document is not None else ():
        assert checks_document is not None
        kind = checks_document.data["accepted"][index]["kind"]
        message = f"'{kind}' is a 1.x kind: write {OLD_ACCEPTED_KINDS[kind]}"
        raise checks_document.error(("accepted", index, "kind"), message, "run `forecast migrate` to rewrite old files")
    checks = convert.checks(parse_document(checks_document, surface.ChecksFile)) if checks_document else model.Checks()

    written: list[surface.Rule] = []
    origins: dict[str, tuple[Document, tuple[str | int, ...]]] = {}
    problems: list[InputError] = misnamed_files(directory, folders=(LEXICONS,))
    paths = list(rule_files(directory))
    for count, path in enumerate(paths):
        if checkpoint is not None:
            checkpoint(f"{count} of {len(paths)} rule files read")
        try:
            document = load_yaml(path)
            parsed = parse_document(document, surface.RuleFile)
        except InputError as error:
            problems.extend(error.problems if isinstance(error, RuleBaseInvalid) else [error])
            continue
        for index, rule in enumerate(parsed.rules):
            if rule.id in origins:
                first = origins[rule.id][0].locate((*origins[rule.id][1], "id"))
                problems.append(
                    document.error(("rules", index, "id"), f"duplicate rule id '{rule.id}' (first at {first})", "rename one of them")
                )
                continue
            origins[rule.id] = (document, ("rules", index))
            written.append(rule)
    if problems:
        raise RuleBaseInvalid(problems)
    if not written:
        raise InputError(
            "no rule files found", location=Location(directory), suggestion="add a file such as expert.yaml with a 'rules:' list"
        )
    seeds, seed_documents = load_seeds(seeds_directory or directory.parent / "seeds")
    raise_all(misnamed_files(directory / LEXICONS))
    lexicons, lexicon_documents = load_lexicons(directory / LEXICONS)
    lexicons.setdefault(model.LITERAL.name, model.LITERAL)
    folded = {name: FoldedText(seed.text) for name, seed in seeds.items()}
    rule_base = model.RuleBase(
        directory=directory,
        vocabulary=vocabulary,
        experts=convert.experts(experts_written, folded),
        rules=tuple(convert.rule(rule, origins[rule.id][0].path.name, folded) for rule in written),
        seeds=seeds,
        checks=checks,
        lexicons=lexicons,
        origins=Origins(
            vocabulary=vocabulary_document,
            experts=experts_document,
            checks=checks_document,
            rules=origins,
            seeds=seed_documents,
            lexicons=lexicon_documents,
        ),
    )
    return replace(rule_base, lexicons=reading_every_word(rule_base))
