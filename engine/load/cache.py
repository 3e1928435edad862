"""A cache of validated, compiled rule bases, so that a run needs neither pydantic nor the checks.

What an entry answers for. A rule base's entry is named by where it is
(the rules and seeds paths, as given and resolved), the engine's own
directory, the Python version and `FORMAT`; it holds a manifest and the
answer. The manifest is what the loader itself reported reading
(`engine.inputs.recording`): every file it read, wherever it is and however
it was reached (a symbolic link to `lexicons/`, a seed text in a subfolder),
and every folder it listed with what was in it; and the engine's own source
files and the modules and packages in each of its folders. An entry is used
only while all of these are as they were: each folder lists the same names,
and each file has the same `Stamp` (size, mtime, ctime, inode, device: no
`stat` call reads a byte) or else, when its stamp changed or it had none
(it was changed just before it was read, see `engine.inputs.RACY_NS`), the
same content hash. An edit that keeps the size and sets the mtime back
still moves the ctime, which no program can set: an edit is missed only if
the system clock is set back to the very tick of the file's previous change.
A hit costs a `stat` per file and a listing per folder, some 2 ms where
hashing every file took some 8; a file found equal by its hash after its
stamp changed (a `touch`, a checkout) has its stamp renewed. One entry is
kept per place: an edited rule base replaces its entry.
The answer is the rule base and its `Program` exactly as a full load and
compile made them, and the verdict of `engine.matching.limits` on the
program, as tagged JSON (never code: a crafted file cannot make this module
run anything).

Why an entry is trusted: ownership and mode, not a secret
(`engine.load.cachefolder`); an entry that could be another user's doing is
not used, and the run says so in one note on stderr.

Everything else amiss is silent: a missing or corrupt entry (its checksum,
its shape, or a number too long to convert) is rebuilt, a cache that cannot
be written is bypassed; the cache can make a run faster, never different.
The cache directory is `FORECAST_CACHE_DIR`, else the platform's user cache
directory. Only the tool's own entries (`<64 hex digits>.json` in its
folder) are ever removed: the oldest beyond `cachefolder.KEEP`, and nothing
else.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

from engine import inputs, model, quotes
from engine.language import conditions, kinds, operators
from engine.load.cachefolder import Folder, Untrusted
from engine.matching import compile as compiled
from engine.matching import limits
from engine.records import fields, is_record, replace

FORMAT = "forecast-cache 3"
_DIGITS = 4300
"""The most digits a number in an entry may have (Python's own default bound for converting text to int)."""
_FRACTION = re.compile(rf"-?[0-9]{{1,{_DIGITS}}}(?:/[0-9]{{1,{_DIGITS}}})?")
_ENGINE = Path(__file__).resolve().parent.parent

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (operators, kinds, conditions, model, quotes, compiled)
    for cls in vars(module).values()
    if isinstance(cls, type) and (is_record(cls) or issubclass(cls, Enum)) and cls.__module__ == module.__name__
}


def entry_name(rules: Path, seeds: Path) -> str:
    """The file name of the entry for a rule base at `rules` with `seeds` (where it is, not what it holds)."""
    where = f"{FORMAT}\0{sys.implementation.name}{sys.version_info[:2]}\0{_ENGINE}\0{rules}\0{seeds}\0{rules.resolve()}\0{seeds.resolve()}"
    return inputs.digest(where.encode()) + ".json"


def _source_files(code: Path) -> Iterator[Path]:
    """The engine's own source files in `code` and its packages, each folder listed noted."""
    for path in inputs.children(code):
        if path.name.startswith((".", "__pycache__")):
            continue
        if path.suffix == ".py":
            yield path
        elif path.is_dir() and not path.is_symlink():
            yield from _source_files(path)


def _code_names(names: tuple[str, ...] | None) -> list[str] | None:
    """What of a folder of the engine's code decides what is imported: its modules and packages."""
    if names is None:
        return None
    return [name for name in names if not name.startswith((".", "__pycache__")) and (name.endswith((".py", "/")))]


def _manifest(recorded: inputs.Recording) -> dict[str, Any]:
    """What an entry depends on: what the load recorded, and the engine's code."""
    with inputs.recording() as code:
        for path in _source_files(_ENGINE):
            with path.open("rb") as stream:
                inputs.note(path, os.fstat(stream.fileno()), stream.read())
    return {
        "files": [[path, stamp, digest] for path, (stamp, digest) in {**recorded.files, **code.files}.items()],
        "folders": [[path, names] for path, names in recorded.folders.items()],
        "code": [[path, _code_names(names)] for path, names in code.folders.items()],
    }


def _unchanged(manifest: dict[str, Any]) -> tuple[bool, bool]:
    """Whether every file and folder of `manifest` is as it was; and whether a file's stamp changed (its content did not)."""
    renewed = False
    for row in manifest["files"]:
        path, stamp, digest = row
        try:
            status = os.stat(path)
        except OSError:
            return False, False
        if not stat.S_ISREG(status.st_mode):  # no longer a regular file (a named pipe, say): never opened here to block
            return False, False
        now = list(inputs.stamp(status))
        if stamp != now:
            try:
                with open(path, "rb") as stream:
                    if inputs.digest(stream.read()) != digest:
                        return False, False
            except OSError:
                return False, False
            settled = inputs.settled(status)
            if settled is not None:  # the entry takes the new stamp once it can be trusted
                row[1] = settled
                renewed = True
        inputs.seen(Path(path), status)
    for path, names in manifest["folders"]:
        if names != _listed(inputs.listing(Path(path))):
            return False, False
    for path, names in manifest["code"]:
        if names != _code_names(inputs.listing(Path(path))):
            return False, False
    return True, renewed


def _listed(names: tuple[str, ...] | None) -> list[str] | None:
    return list(names) if names is not None else None


def _number(text: str) -> int:
    if len(text) > _DIGITS:
        raise ValueError("a number too long to be an entry's")
    return int(text)


def _pack(manifest: dict[str, Any], body: bytes) -> bytes:
    rest = json.dumps(manifest, separators=(",", ":")).encode() + b"\n" + body
    return f"{FORMAT} {inputs.digest(rest)}\n".encode() + rest


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):  # before str: the engine's enums are strings too
        return {"@enum": type(value).__name__, "value": value.value}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, frozenset):
        return {"@set": sorted(_encode(item) for item in value)}
    if isinstance(value, Path):
        return {"@path": str(value)}
    if isinstance(value, Fraction):
        return {"@fraction": str(value)}
    if isinstance(value, dict):
        return {"@dict": [[name, _encode(item)] for name, item in value.items()]}
    if is_record(value) and type(value).__name__ in _CLASSES:
        found = {spec.name: _encode(getattr(value, spec.name)) for spec in fields(value) if spec.init and spec.compare}
        return {"@": type(value).__name__, **found}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(data: Any) -> Any:
    if isinstance(data, list):
        return tuple(_decode(item) for item in data)
    if not isinstance(data, dict):
        return data
    if "@" in data:
        cls = _CLASSES[data["@"]]
        return cls(**{name: _decode(item) for name, item in data.items() if name != "@"})
    if "@dict" in data:
        return {name: _decode(item) for name, item in data["@dict"]}
    if "@enum" in data:
        return _CLASSES[data["@enum"]](data["value"])
    if "@set" in data:
        return frozenset(_decode(item) for item in data["@set"])
    if "@path" in data:
        return Path(data["@path"])
    if "@fraction" in data:
        if not isinstance(data["@fraction"], str) or not _FRACTION.fullmatch(data["@fraction"]):
            raise ValueError("not a fraction as the cache writes one")
        return Fraction(data["@fraction"])
    raise ValueError("not a cache entry")


def lookup(rules: Path, seeds: Path) -> tuple[model.RuleBase, compiled.Program] | None:
    """The cached rule base and program, or None on a miss or a corrupt entry; `Untrusted` if the folder or entry is not the user's own.

    The stored limits verdict goes to `limits.remember`.
    """
    name = entry_name(rules, seeds)
    try:
        held = Folder(create=False)
    except FileNotFoundError:
        return None
    try:
        raw = held.read(name)
        if raw is None:
            return None
        header, _, rest = raw.partition(b"\n")
        if header.decode("ascii", "replace") != f"{FORMAT} {inputs.digest(rest)}":
            return None
        line, _, body = rest.partition(b"\n")
        try:
            manifest = json.loads(line, parse_int=_number)
            fresh, renewed = _unchanged(manifest)
            if not fresh:
                return None
            rule_base, program, problems = _decode(json.loads(body, parse_int=_number))
        except Exception:
            return None
        if not isinstance(rule_base, model.RuleBase) or not isinstance(program, compiled.Program):
            return None
        if not isinstance(problems, tuple) or not all(isinstance(problem, str) for problem in problems):
            return None
        if renewed:
            with contextlib.suppress(OSError):
                held.write(name, _pack(manifest, body))
    except OSError:
        return None
    finally:
        held.close()
    limits.remember(program, problems)
    return rule_base, program


def store(rules: Path, seeds: Path, recorded: inputs.Recording, rule_base: model.RuleBase, program: compiled.Program) -> None:
    """Store an entry for what the load `recorded`, with the limits verdict; any failure leaves the cache as it was, silently.

    `Untrusted` if the folder is not the user's own.
    """
    entry = (replace(rule_base, origins=None), program, tuple(limits.limit_problems(program)))
    body = json.dumps(_encode(entry), separators=(",", ":")).encode()
    try:
        target = Folder(create=True)
    except OSError:
        return
    try:
        target.write(entry_name(rules, seeds), _pack(_manifest(recorded), body))
    except OSError:
        return
    finally:
        target.close()


def cached(
    rules: Path, seeds: Path, build: Callable[[], tuple[model.RuleBase, compiled.Program]]
) -> tuple[model.RuleBase, compiled.Program, str | None]:
    """The rule base and program from the cache, or from `build()` (then stored); with a note if the cache could not be trusted."""
    try:
        hit = lookup(rules, seeds)
    except Untrusted as why:
        return (*build(), _note(why))
    except OSError:
        hit = None
    if hit is not None:
        return (*hit, None)
    with inputs.recording() as recorded:
        built = build()
    try:
        store(rules, seeds, recorded, *built)
    except Untrusted as why:
        return (*built, _note(why))
    return (*built, None)


def _note(why: Untrusted) -> str:
    return f"the rule base cache is not used: {why}; remove it, and a new one is made"
