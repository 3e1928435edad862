"""A cache of validated, compiled rule bases, so that a run needs neither pydantic nor the checks.

An entry is keyed by the content of everything its answer depends on: every
file of the rule base and seeds directories (names and bytes), the engine's
own source code, the Python version, and the directories' paths. Any edit
gives a new key, so an entry is never stale; it holds the rule base and its
`Program` exactly as a full load and compile made them, and the verdict of
`engine.matching.limits` on the program (so a hit need not check the
program against durable_rules' limits again), written as tagged JSON (never
code: a crafted file cannot make this module run anything).

An entry that is missing, corrupt (its checksum or its shape is wrong) or
that cannot be written is rebuilt or bypassed without a word: the cache can
make a run faster, never different. Entries live in `FORECAST_CACHE_DIR`,
else in the platform's user cache directory; the oldest are removed beyond
`KEEP` entries.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

from engine import model, quotes
from engine.language import conditions, kinds, operators
from engine.matching import compile as compiled
from engine.matching import limits
from engine.records import fields, is_record, replace

try:  # the built-in module behind hashlib.blake2b, without loading OpenSSL at start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

FORMAT = "forecast-cache 2"
KEEP = 32
_ENGINE = Path(__file__).resolve().parent.parent

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (operators, kinds, conditions, model, quotes, compiled)
    for cls in vars(module).values()
    if isinstance(cls, type) and (is_record(cls) or issubclass(cls, Enum)) and cls.__module__ == module.__name__
}


def directory() -> Path:
    """`FORECAST_CACHE_DIR`, else the platform's user cache directory for forecast."""
    chosen = os.environ.get("FORECAST_CACHE_DIR")
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "forecast" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "forecast"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "forecast"


def _files(folder: Path, pattern: str) -> Iterable[Path]:
    try:
        return sorted(path for path in folder.glob(pattern) if path.is_file())
    except OSError:
        return ()


def key(rules: Path, seeds: Path) -> str | None:
    """The content key of a rule base, or None when a file cannot be read (then nothing is cached)."""
    digest = blake2b(digest_size=32)
    digest.update(f"{FORMAT}\0{sys.implementation.name}{sys.version_info[:2]}\0{rules.resolve()}\0{seeds.resolve()}\0".encode())
    parts = [("rules", path) for path in _files(rules, "**/*")] + [("seeds", path) for path in _files(seeds, "*")]
    parts += [("engine", path) for path in _files(_ENGINE, "**/*.py")]
    try:
        for label, path in parts:
            content = path.read_bytes()
            name = path.relative_to(rules) if label == "rules" else path.relative_to(_ENGINE) if label == "engine" else path.name
            digest.update(f"\0{label}:{name}:{len(content)}\0".encode())
            digest.update(content)
    except OSError:
        return None
    return digest.hexdigest()


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
        return Fraction(data["@fraction"])
    raise ValueError("not a cache entry")


def read(entry_key: str) -> tuple[model.RuleBase, compiled.Program] | None:
    """The cached rule base and program, or None on a miss or anything amiss; the stored limits verdict goes to `limits.remember`."""
    try:
        raw = (directory() / f"{entry_key}.json").read_bytes()
        header, _, body = raw.partition(b"\n")
        if header.decode() != f"{FORMAT} {blake2b(body, digest_size=32).hexdigest()}":
            return None
        rule_base, program, problems = _decode(json.loads(body))
    except Exception:
        return None
    if not isinstance(rule_base, model.RuleBase) or not isinstance(program, compiled.Program):
        return None
    if not isinstance(problems, tuple) or not all(isinstance(problem, str) for problem in problems):
        return None
    limits.remember(program, problems)
    return rule_base, program


def write(entry_key: str, rule_base: model.RuleBase, program: compiled.Program) -> None:
    """Store an entry, with the limits verdict on its program, atomically; any failure leaves the cache as it was, silently."""
    import tempfile

    entry = (replace(rule_base, origins=None), program, tuple(limits.limit_problems(program)))
    body = json.dumps(_encode(entry), separators=(",", ":")).encode()
    header = f"{FORMAT} {blake2b(body, digest_size=32).hexdigest()}\n".encode()
    folder = directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(header + body)
            os.replace(temporary, folder / f"{entry_key}.json")
        finally:
            Path(temporary).unlink(missing_ok=True)
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in entries[KEEP:]:
        stale.unlink(missing_ok=True)


def cached(
    rules: Path, seeds: Path, build: Callable[[], tuple[model.RuleBase, compiled.Program]]
) -> tuple[model.RuleBase, compiled.Program]:
    """The rule base and program from the cache, or from `build()` (then stored, if its files did not change meanwhile)."""
    entry_key = key(rules, seeds)
    if entry_key is not None:
        hit = read(entry_key)
        if hit is not None:
            return hit
    built = build()
    if entry_key is not None and key(rules, seeds) == entry_key:
        write(entry_key, *built)
    return built
