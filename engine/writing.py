"""Writing a user's files: whole or not at all, keeping what they replace, and only where asked.

Every file the engine writes (`-o FILE`, `forecast new`, counterexamples)
goes through `write_atomically`: the text goes to a temporary file beside
the target, which is then renamed over it, so a reader sees the old file or
the new one, never half of one, and a run that fails (or is interrupted)
leaves nothing behind. A new file gets the mode the umask allows (0644 under
umask 022); a replaced file keeps its mode, its owner and its group (the
temporary file takes them before the rename). What a rename cannot keep is
refused with one line, before anything is written, rather than lost:

- a file with other hard links (the rename would give only this name the
  new text). Copying the text into the existing file instead would keep the
  links but not the promise: a reader, or a crash, could meet half a file;
- a file whose owner or group this user cannot give the new file (it is
  someone else's, writable through its group): replaced, it would change
  hands;
- a file this run has read (`engine.inputs`: `forecast S.yaml -o S.yaml`,
  also through a symbolic or hard link to it), which the output would lose.

Only a regular file is ever replaced: a device, a pipe, a directory or a
symbolic link at the path is refused, so `-o /dev/null` cannot turn a
device into a file. Access control lists and extended attributes are not
carried over. `write_within` writes a named file into a directory and
refuses a name that would leave it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine import inputs
from engine.errors import InputError, Location

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _existing(path: Path) -> os.stat_result | None:
    """What is at `path` now (a link itself, not its target), or None; `InputError` if it is not a regular file."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", location=Location(path)) from None
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        hint = "name the file it points to instead" if stat.S_ISLNK(status.st_mode) else "choose a file name"
        raise InputError(f"is {kind}, and only a regular file is replaced", location=Location(path), suggestion=hint)
    return status


def _keepable(path: Path, existing: os.stat_result, rewrite: bool = False) -> None:
    """`InputError` if replacing `path` would lose it (an input of this run, unless rewritten on purpose) or its other hard links."""
    read = None if rewrite else inputs.read_as(existing)
    if read is not None:
        via = "" if read == path else f" (as {read})"
        raise InputError(
            f"is read by this run{via}, and the output would replace it", location=Location(path), suggestion="choose another file name"
        )
    if existing.st_nlink > 1:
        raise InputError(
            f"has {existing.st_nlink} hard links, and replacing it would leave the others with the old text",
            location=Location(path),
            suggestion="choose another file name, then copy it over this one",
        )


def _take_owner(path: Path, handle: int, existing: os.stat_result) -> None:
    """Give the new file the owner and group of the one it replaces, or `InputError` if this user cannot."""
    new = os.fstat(handle)
    if (new.st_uid, new.st_gid) == (existing.st_uid, existing.st_gid) or not hasattr(os, "fchown"):
        return
    try:
        os.fchown(handle, existing.st_uid, existing.st_gid)
    except PermissionError:
        raise InputError(
            f"belongs to user {existing.st_uid}, group {existing.st_gid}, which a replacement written by this user could not keep",
            location=Location(path),
            suggestion="write to another file name",
        ) from None


def check_directory(directory: Path) -> None:
    """Raise `InputError` now if files cannot be written into `directory` later (it may not exist yet)."""
    probe = directory
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise InputError("is not a directory", location=Location(probe), suggestion="choose a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError("cannot write into this directory: permission denied", location=Location(probe), suggestion="choose another")


def write_atomically(path: Path, text: str | bytes, *, rewrite: bool = False) -> None:
    """Replace `path` with `text` (UTF-8; bytes as they are) all at once; `InputError` if it cannot, with nothing written.

    `rewrite` says the file is an input this run means to rewrite in place (`forecast migrate`): reading it is then no reason to refuse.
    """
    import tempfile

    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        message = "is not a directory" if directory.exists() else "directory does not exist"
        raise InputError(message, location=Location(directory), suggestion="create it first" if not directory.exists() else None)
    existing = _existing(path)
    if existing is not None:
        _keepable(path, existing, rewrite)
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(
            f"cannot write: {error.strerror or error}", location=Location(path), suggestion="check the directory's permissions"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8") if isinstance(text, str) else text)
            stream.flush()
            if existing is not None:
                _take_owner(path, stream.fileno(), existing)
            os.fchmod(stream.fileno(), mode)  # after the owner: a change of owner clears the set-id bits
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write: {error.strerror or error}", location=Location(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_within(directory: Path, name: str, text: str) -> Path:
    """Write the file `name` inside `directory` (atomically) and return its path; a name that would leave it is refused."""
    if not name or name in (".", "..") or "/" in name or "\0" in name or (os.altsep and os.altsep in name):
        raise InputError(f"{name!r} is not a file name", location=Location(directory), suggestion="a name without '/'")
    path = directory / name
    write_atomically(path, text)
    return path
