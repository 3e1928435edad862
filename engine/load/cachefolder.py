"""The cache's own folder: where entries live, and why they are trusted.

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

"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
from pathlib import Path

KEEP = 32
"""The most entries kept; the oldest beyond are removed."""
MAX_BYTES = 256 << 20
"""The largest entry read (a rule base of 5,000 rules makes one of some 30 MB)."""
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_POSIX = hasattr(os, "getuid")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


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


def _check(path: Path, status: os.stat_result) -> None:
    """Raise `Untrusted` unless `path` is the user's own and writable by no one else."""
    if not _POSIX:
        return
    if status.st_uid != os.getuid():
        raise Untrusted(f"{path} belongs to another user (uid {status.st_uid})")
    if status.st_mode & 0o022:
        raise Untrusted(f"{path} is writable by others (mode {stat.S_IMODE(status.st_mode):o})")


class Folder:
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
            if error.errno == errno.EACCES:  # another user's folder, closed to this one
                _check(self.path, os.lstat(self.path))
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
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(self.at(temporary), dir_fd=self.fd)
            raise
        self.prune()

    def prune(self) -> None:
        """Remove the oldest of the tool's own entries beyond `KEEP`; no other file."""
        ages = []
        for name in os.listdir(self.fd if self.fd is not None else self.path):
            if _ENTRY.fullmatch(name):
                ages.append((os.stat(self.at(name), dir_fd=self.fd, follow_symlinks=False).st_mtime_ns, name))
        for _, name in sorted(ages, reverse=True)[KEEP:]:
            os.unlink(self.at(name), dir_fd=self.fd)
