"""A cache of validated, compiled rule bases, so that a run needs neither pydantic nor the checks.

What an entry answers for. A rule base's entry is named by where it is
(the rules and seeds paths, as given and resolved), the engine's own
directory, the Python version and `FORMAT`; it holds a manifest and the
answer. The manifest is what the loader itself reported reading
(`engine.inputs.recording`): every file it read, wherever it is and however
it was reached (a symbolic link to `lexicons/`, a seed text in a subfolder),
and every folder it listed with what was in it; and the engine's own source
files. An entry is used only while all of these are as they were: each
folder lists the same names, and each file has the same `Stamp` (size,
mtime, ctime, inode, device: no `stat` call reads a byte) or else, when
its stamp changed or it had none (it was changed just before it was read,
see `engine.inputs.RACY_NS`), the same content hash. An edit that keeps the
size and sets the mtime back still moves the ctime, which no program can
set, so no edit is missed short of changing the system clock (the stamps
then hold until the next edit of the file, which the ctime catches). A hit
costs a `stat` per file and a listing per folder; a file found equal by its
hash after its stamp changed (a `touch`, a checkout) has its stamp renewed.
The answer is the rule base and its `Program` exactly as a full load and
compile made them, and the verdict of `engine.matching.limits` on the
program, as tagged JSON (never code: a crafted file cannot make this module
run anything).

Why an entry is trusted: ownership and mode, not a secret. Entries live in
`<cache dir>/rulebases-v3-<uid>/` (`folder`), a folder the tool makes with
mode 0700, so only its user (and root) can put a file there, even in a
world-writable, sticky `FORECAST_CACHE_DIR` such as /tmp. The folder is
opened without following a link and checked by what the open folder says of
itself (owner, mode), then entries are opened relative to it; an entry is
read only if it is a regular file (opened without following a link and
without blocking, so a named pipe cannot hang a run), owned by the user, not
writable by others and within `MAX_BYTES`. A folder or entry that fails
these checks is not used: the run goes on uncached with one note on stderr
that says why (`Untrusted`). A keyed checksum would add a secret to keep and
protect nothing these checks do not: whoever can write the user's folder can
read the user's key too.

Everything else amiss is silent: a missing or corrupt entry (its checksum,
its shape, or a number too long to convert) is rebuilt, a cache that cannot
be written is bypassed; the cache can make a run faster, never different.
The cache directory is `FORECAST_CACHE_DIR`, else the platform's user cache
directory. Only the tool's own entries (`<64 hex digits>.json` in its
folder) are ever removed: the oldest beyond `KEEP`, and nothing else.
"""

from __future__ import annotations

import contextlib
import errno
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
from engine.matching import compile as compiled
from engine.matching import limits
from engine.records import fields, is_record, replace

FORMAT = "forecast-cache 3"
KEEP = 32
MAX_BYTES = 256 << 20
"""The largest entry read (a rule base of 5,000 rules makes one of some 30 MB)."""
_DIGITS = 4300
"""The most digits a number in an entry may have (Python's own default bound for converting text to int)."""
_FRACTION = re.compile(rf"-?[0-9]{{1,{_DIGITS}}}(?:/[0-9]{{1,{_DIGITS}}})?")
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_POSIX = hasattr(os, "getuid")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_ENGINE = Path(__file__).resolve().parent.parent

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (operators, kinds, conditions, model, quotes, compiled)
    for cls in vars(module).values()
    if isinstance(cls, type) and (is_record(cls) or issubclass(cls, Enum)) and cls.__module__ == module.__name__
}


class Untrusted(Exception):
    """The cache's folder or an entry could be another user's doing; the run goes on without the cache."""


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


def folder() -> Path:
    """The user's own folder of entries in the cache directory."""
    return directory() / (f"rulebases-v3-{os.getuid()}" if _POSIX else "rulebases-v3")


def entry_name(rules: Path, seeds: Path) -> str:
    """The file name of the entry for a rule base at `rules` with `seeds` (where it is, not what it holds)."""
    where = f"{FORMAT}\0{sys.implementation.name}{sys.version_info[:2]}\0{_ENGINE}\0{rules}\0{seeds}\0{rules.resolve()}\0{seeds.resolve()}"
    return inputs.digest(where.encode()) + ".json"


def _check(path: Path, status: os.stat_result) -> None:
    """Raise `Untrusted` unless `path` is the user's own and writable by no one else."""
    if not _POSIX:
        return
    if status.st_uid != os.getuid():
        raise Untrusted(f"{path} belongs to another user (uid {status.st_uid})")
    if status.st_mode & 0o022:
        raise Untrusted(f"{path} is writable by others (mode {stat.S_IMODE(status.st_mode):o})")


class _Folder:
    """The user's folder of entries, held open: every entry is opened relative to it, so it cannot be swapped."""

    def __init__(self, create: bool) -> None:
        self.path = folder()
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                self.path.mkdir(mode=0o700)
        self.fd: int | None = None
        if not _POSIX:
            return
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.lexists(self.path):  # not a missing folder above it
                raise Untrusted(f"{self.path} is not a folder of its own (a link or a file)") from None
            raise
        try:
            _check(self.path, os.fstat(self.fd))
        except Untrusted:
            self.close()
            raise

    def at(self, name: str) -> str:
        return name if self.fd is not None else str(self.path / name)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def read(self, name: str) -> bytes | None:
        """The bytes of the entry `name`, None if it is missing or not a regular file of a bounded size."""
        try:
            handle = os.open(self.at(name), os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=self.fd)
        except OSError:
            return None
        with open(handle, "rb") as stream:
            status = os.fstat(handle)
            if not stat.S_ISREG(status.st_mode):
                return None
            _check(self.path / name, status)
            if status.st_size > MAX_BYTES:
                return None
            return stream.read(MAX_BYTES + 1)

    def write(self, name: str, content: bytes) -> None:
        """Put `content` at `name` all at once (a temporary file renamed over it), then prune."""
        temporary = f".entry-{os.urandom(8).hex()}.tmp"
        handle = os.open(self.at(temporary), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=self.fd)
        try:
            with open(handle, "wb") as stream:
                stream.write(content)
            os.replace(self.at(temporary), self.at(name), src_dir_fd=self.fd, dst_dir_fd=self.fd)
        finally:
            if os.path.lexists(self.path / temporary):
                os.unlink(self.at(temporary), dir_fd=self.fd)
        self.prune()

    def prune(self) -> None:
        """Remove the oldest of the tool's own entries beyond `KEEP`; no other file."""
        ages = []
        for name in os.listdir(self.fd if self.fd is not None else self.path):
            if _ENTRY.fullmatch(name):
                ages.append((os.stat(self.at(name), dir_fd=self.fd, follow_symlinks=False).st_mtime_ns, name))
        for _, name in sorted(ages, reverse=True)[KEEP:]:
            os.unlink(self.at(name), dir_fd=self.fd)


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
        now = list(inputs.stamp(status))
        if stamp != now:
            try:
                with open(path, "rb") as stream:
                    if inputs.digest(stream.read()) != digest:
                        return False, False
            except OSError:
                return False, False
            row[1] = inputs.settled(status)
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
        held = _Folder(create=False)
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
        target = _Folder(create=True)
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
