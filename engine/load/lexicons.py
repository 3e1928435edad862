"""A rule base's lexicons: the built-in standards, its own files, and files that extend a standard.

The engine ships the icd203 (default) and kent scales' own tables
(`BUILT_IN_LEXICONS`, package data). Which lexicons a rule base reads with:

- no files in `lexicons/`: the built-in ones;
- files that say `extends: NAME`: each is the built-in NAME's terms plus the
  file's `readings:`, under the file's name (so `icd203.yaml` extending
  `icd203` takes its place); every built-in lexicon no file is named like
  stays, and loses `default` if a file of the base says `default: true`;
- files, none of which extends: those files only. A base that writes its
  scales from scratch has chosen them; a built-in scale beside them would
  have to cover every hedge word of its rules, and would be a second default.

A built-in lexicon the base took without choosing it (no file of its own
names or extends it, and it is not the default) is kept only if it reads
every hedge word of the base's rules (`reading_every_word`): a new base that
says "roughly even odds" is not asked to write a Kent file it never wanted.
The default must read them all, and `forecast check` says which it lacks.

In an extending file, a reading of words the standard reads already is an
error unless it says `replaces: true` (its `note:` says why): the standard's
reading then loses those words.
"""

from __future__ import annotations

from pathlib import Path

from engine import inputs, model
from engine.errors import InputError, RuleBaseInvalid, did_you_mean, raise_all
from engine.load import convert, surface
from engine.load.parse import parse_document
from engine.load.yamlfile import Document, load_yaml
from engine.records import replace

LEXICONS = "lexicons"
"""The folder of a rule base that holds its lexicons, one file each, named by the file's stem."""
BUILT_IN_LEXICONS = Path(__file__).resolve().parent.parent / "lexicons"
"""The lexicons built into the engine (`icd203`, the default, and `kent`): package data."""

Found = tuple[dict[str, model.Lexicon], dict[str, Document]]


def built_in() -> Found:
    """The built-in lexicons, by name, with their documents."""
    lexicons: dict[str, model.Lexicon] = {}
    documents: dict[str, Document] = {}
    for path, document, written in _files(BUILT_IN_LEXICONS):
        lexicons[path.stem] = convert.lexicon(path.stem, written)
        documents[path.stem] = document
    return lexicons, documents


def load_lexicons(folder: Path) -> Found:
    """The lexicons a rule base reads with, given its `lexicons/` folder (see the module's docstring); raises every bad file's problems."""
    standards, standard_documents = built_in()
    files = list(_files(folder))
    if not files:
        return standards, standard_documents
    lexicons: dict[str, model.Lexicon] = {}
    documents: dict[str, Document] = {}
    problems: list[InputError] = []
    for path, document, written in files:
        documents[path.stem] = document
        try:
            lexicons[path.stem] = _lexicon(path.stem, written, document, standards)
        except InputError as error:
            problems.extend(error.problems if isinstance(error, RuleBaseInvalid) else [error])
    raise_all(problems)
    if any(lexicon.extends for lexicon in lexicons.values()):
        chosen = any(lexicon.default for lexicon in lexicons.values())
        for name, standard in standards.items():
            if name not in lexicons:
                lexicons[name] = replace(standard, default=standard.default and not chosen)
                documents[name] = standard_documents[name]
    return lexicons, documents


def _files(folder: Path) -> list[tuple[Path, Document, surface.LexiconFile]]:
    found = []
    for path in inputs.children(folder):
        if path.name.endswith(".yaml"):
            document = load_yaml(path)
            found.append((path, document, parse_document(document, surface.LexiconFile)))
    return found


def _lexicon(name: str, written: surface.LexiconFile, document: Document, standards: dict[str, model.Lexicon]) -> model.Lexicon:
    """One file's lexicon: as written, or its standard's terms with its readings."""
    file = f"{LEXICONS}/{name}.yaml"
    if written.extends is None:
        missing = [key for key, value in (("title", written.title), ("source", written.source), ("terms", written.terms)) if not value]
        if missing:
            raise document.error(
                (missing[0],),
                f"a lexicon needs {', '.join(repr(key) for key in missing)}",
                "write them, or 'extends: icd203' to build on a built-in lexicon",
            )
        raise_all(
            [
                document.error(
                    ("readings", index, "replaces"), "'replaces: true' needs 'extends:': there is no standard to replace", "remove it"
                )
                for index, reading in enumerate(written.readings)
                if reading.replaces
            ]
        )
        return convert.lexicon(name, written, file)
    standard = standards.get(written.extends)
    if standard is None:
        raise document.error(("extends",), f"'{written.extends}' is no built-in lexicon", did_you_mean(written.extends, standards))
    if written.terms:
        raise document.error(
            ("terms",),
            f"a lexicon that extends '{standard.name}' has its terms",
            "list only the words it lacks, under 'readings:' ('replaces: true' to read one of its words otherwise)",
        )
    replaced, problems = set(), []
    for index, reading in enumerate(written.readings):
        for position, words in enumerate(reading.words):
            known = standard.reading(words) is not None
            if known and not reading.replaces:
                problems.append(
                    document.error(
                        ("readings", index, "words", position),
                        f"'{words}' is read by '{standard.name}' already",
                        "drop it here, or say 'replaces: true' (its note saying why) to read it otherwise",
                    )
                )
            elif reading.replaces and not known:
                problems.append(
                    document.error(
                        ("readings", index, "replaces"), f"'{words}' is not read by '{standard.name}': nothing to replace", "remove it"
                    )
                )
            replaced.add(model.lexicon_key(words))
    raise_all(problems)
    kept = tuple(
        replace(reading, words=tuple(words for words in reading.words if model.lexicon_key(words) not in replaced))
        for reading in standard.readings
        if any(model.lexicon_key(words) not in replaced for words in reading.words)
    )
    return model.Lexicon(
        name=name,
        title=written.title or standard.title,
        source=written.source or standard.source,
        readings=kept + convert.readings(written.readings, standard=False),
        default=written.default,
        file=file,
        extends=standard.name,
    )


def reading_every_word(rule_base: model.RuleBase) -> dict[str, model.Lexicon]:
    """The rule base's lexicons less the built-in ones it did not choose that leave one of its hedge words unread."""
    words = _hedge_words(rule_base)
    return {
        name: lexicon
        for name, lexicon in rule_base.lexicons.items()
        if lexicon.file is not None or lexicon.default or lexicon.literal or all(lexicon.reading(word) is not None for word in words)
    }


def left_out(name: str, rule_base: model.RuleBase) -> list[str]:
    """The base's hedge words a built-in lexicon `name` does not read (why `reading_every_word` left it out); [] if it reads all."""
    standard = built_in()[0].get(name)
    if standard is None:
        return []
    return [word for word in sorted(_hedge_words(rule_base)) if standard.reading(word) is None]


def _hedge_words(rule_base: model.RuleBase) -> set[str]:
    """The words a lexicon must read for the base's rules (an unknown speaker's rules are validation's to report)."""
    return {
        rule_base.hedge_words(rule)
        for rule in rule_base.rules
        if (rule.rated is not None or rule.hedge is not None) and rule.expert in rule_base.experts
    }
