"""The files and folders a run reads: so that it never writes over one, and the cache keys on exactly them.

Every user's file the engine reads is noted here as it is read (`note`,
from the open file itself, so a symbolic or hard link is noted as the file
it reaches), and every folder the rule base loader lists goes through
`children`. Two users:

- `engine.writing` refuses to write over a file this run has read
  (`read_as`: `forecast S.yaml -o S.yaml`, or through a link to it);
  the CLI calls `forget` as each command starts.
- `engine.load.cache` records a load (`recording`): the files read, each
  with its `Stamp` and a hash of its bytes, and the folders listed, each
  with what was in it. The cache entry is valid exactly while these are
  unchanged, so the key and the loader cannot disagree.

A `Stamp` is what `stat` says of a file (size, mtime, ctime, inode,
device): an edit changes the ctime even when it keeps the size and sets the
mtime back, and nothing short of changing the system clock sets a ctime.
A file changed within `RACY_NS` of being read gets no stamp (None): a second
edit within the same tick of a coarse clock could keep every field, so such
a file is always compared by its content.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:  # the built-in module behind hashlib.blake2b, without loading OpenSSL at start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

RACY_NS = 2_000_000_000
"""A file changed this recently (2 s: FAT's and some network file systems' clock tick) is compared by content."""


Stamp = tuple[int, int, int, int, int]
"""What `stat` says of a file that changes whenever its content does: size, mtime and ctime (ns), inode, device."""


class Recording:
    """What one load read: each file with its stamp (None: compare by content) and digest; each folder's listing (None: unreadable)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[Stamp | None, str]] = {}
        self.folders: dict[str, tuple[str, ...] | None] = {}


_read: dict[tuple[int, int], Path] = {}
_recordings: list[Recording] = []


def stamp(status: os.stat_result) -> Stamp:
    """The stamp of a file's status."""
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


def digest(content: bytes) -> str:
    """The hash that identifies a file's content."""
    return blake2b(content, digest_size=32).hexdigest()


def settled(status: os.stat_result) -> Stamp | None:
    """The stamp of a file, or None when it changed so recently that a later edit could keep the same stamp."""
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) < RACY_NS:
        return None
    return stamp(status)


def note(path: Path, status: os.stat_result, content: bytes) -> None:
    """Note that `path` (whose open file has `status`) was read and held `content`."""
    _read[(status.st_dev, status.st_ino)] = path
    for recording in _recordings:
        recording.files[str(path.absolute())] = (settled(status), digest(content))


def seen(path: Path, status: os.stat_result) -> None:
    """Note that `path` is an input of this run although its content was not read again (the cache checked it)."""
    _read[(status.st_dev, status.st_ino)] = path


def read_as(status: os.stat_result) -> Path | None:
    """The path by which this run read the file with `status`, or None if it did not read it."""
    return _read.get((status.st_dev, status.st_ino))


def forget() -> None:
    """Start a new run: no file has been read yet."""
    _read.clear()


@contextmanager
def recording() -> Iterator[Recording]:
    """Record every file read and folder listed until the block ends."""
    found = Recording()
    _recordings.append(found)
    try:
        yield found
    finally:
        _recordings.remove(found)


def listing(folder: Path) -> tuple[str, ...] | None:
    """The names in `folder`, sorted, each directory's (links followed) ending in '/'; None if it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name + "/" if _is_dir(entry) else entry.name for entry in entries]
    except OSError:
        return None
    return tuple(sorted(names))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def children(folder: Path) -> list[Path]:
    """What is in `folder`, in name order (nothing if it cannot be listed), noted for the cache."""
    names = listing(folder)
    for recording in _recordings:
        recording.folders[str(folder.absolute())] = names
    return sorted(folder / name.rstrip("/") for name in names or ())


def descendants(folder: Path) -> Iterator[Path]:
    """Everything below `folder`, each listed folder noted; links to folders are not followed (as `Path.rglob`)."""
    for path in children(folder):
        yield path
        try:
            is_folder = stat.S_ISDIR(path.lstat().st_mode)
        except OSError:
            continue
        if is_folder:
            yield from descendants(path)
