"""Read one YAML file into plain data, with the position of every key and the text of every plain value.

This is the only place that touches YAML. Values are read by YAML 1.2's
core schema, so an analyst's file means what it says: `yes`, `no`, `on`
and `off` are text (a boolean is `true` or `false`), and so are `1_000`,
`1:30`, `0x10`, `0o17` and, unlike YAML 1.2, a number with a leading zero
(`012`); the variable's kind then refuses them with the decimal they may
mean. YAML 1.1 read these as true, 1000, 90, 16, 15 and 10. A float is
read as written (`1e309` is infinite and refused as such), and each plain
value keeps its text (`Document.written`) so that an error echoes what the
user wrote. A mapping key is a name or a number: the number keys are for
the scenario forms that map values to weights, and a file whose keys must
be names says so.

It refuses what a rule or scenario file never needs and what could hurt
the reader: tags outside the core schema (`!!python/object`), documents
that expand to too many nodes (alias bombs), oversized files, several
documents in one file, non-UTF-8 bytes, control characters (written, or
escaped in a quoted string: `"\\e]0;...\\a"`; a text keeps tab and newline,
a key not even those: a terminal would obey them), duplicate keys,
keys that are neither names nor numbers, and nesting deep enough to exhaust
the parser's stack (or an anchor that contains itself). Every refusal is an
`InputError` with the file, line and column.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from engine import inputs
from engine.errors import InputError, Location, character_name
from engine.language import KeyPath, shorten, show_value
from engine.records import field, record

MAX_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 50

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

# YAML 1.2's core schema for plain scalars, except that a number may not start with a
# needless 0 (`012`): YAML 1.1 read that as octal, so it stays text, refused with a hint.
_CORE = {
    _NULL: re.compile(r"^(?:~|null|Null|NULL|)$"),
    _BOOL: re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    _INT: re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    _FLOAT: re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
}
_FIRST = {_NULL: ["~", "n", "N", ""], _BOOL: list("tTfF"), _INT: list("-+0123456789"), _FLOAT: list("-+.0123456789")}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, libyaml's when there is one, resolving plain scalars by the rules above."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012 - PyYAML's class-level table


for _tag in (_NULL, _BOOL, _INT, _FLOAT):  # int before float: `12` is an int
    _Loader.add_implicit_resolver(_tag, _CORE[_tag], _FIRST[_tag])

# What YAML allows in a file: tab, line breaks and the printable characters.
_NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What a string may not hold, however it is written: C0 controls but tab and newline, DEL, C1 (a key: tab and newline too).
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_IN_KEY = re.compile("[\x00-\x1f\x7f-\x9f]")


@record
class Document:
    """A parsed file: its data, where each key path sits in the text, and the text of each plain value."""

    path: Path
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(repr=False)
    written: Mapping[KeyPath, str] = field(default_factory=dict, repr=False)

    def locate(self, key: KeyPath) -> Location:
        """The location of `key`, or of its nearest ancestor that exists."""
        probe = tuple(key)
        while probe:
            if probe in self.positions:
                line, column = self.positions[probe]
                return Location(self.path, line, column)
            probe = probe[:-1]
        line, column = self.positions.get((), (1, 1))
        return Location(self.path, line, column)

    def shown(self, key: KeyPath, value: object) -> str:
        """The value at `key` for a message: as the file spells it when it is a plain scalar (`no`, `1e309`), else as read."""
        text = self.written.get(tuple(key))
        return shorten(text) if text is not None else show_value(value)

    def key_text(self, key: KeyPath) -> str:
        """`('rules', 3, 'when')` -> `rules[3].when`; a number that is a mapping's key is written as a name: `weights.1100`."""
        text = ""
        current: Any = self.data
        for part in key:
            if isinstance(part, int) and not isinstance(part, bool) and (current is None or isinstance(current, list)):
                text += f"[{part}]"
                current = current[part] if isinstance(current, list) and 0 <= part < len(current) else None
                continue
            name = part if isinstance(part, str) else show_value(part)
            text += f".{name}" if text else name
            current = current.get(part) if isinstance(current, dict) else None
        return text

    def error(self, key: KeyPath, message: str, suggestion: str | None = None) -> InputError:
        return InputError(message, location=self.locate(key), key=self.key_text(key) or None, suggestion=suggestion)


def _unreadable(path: Path, error: OSError) -> InputError:
    """Why a file could not be opened, said as a person would."""
    where = Location(path)
    if isinstance(error, FileNotFoundError):
        return InputError("no such file", location=where, suggestion="check the path")
    if isinstance(error, IsADirectoryError):
        return InputError("is a directory, expected a YAML file", location=where)
    if isinstance(error, PermissionError):
        return InputError("cannot read: permission denied", location=where, suggestion="check the file's permissions")
    if error.errno == errno.ELOOP:
        return InputError("is a symbolic link that leads back to itself", location=where, suggestion="point the link at a file")
    if error.errno == errno.ENOTDIR:
        return InputError("a part of the path is not a directory", location=where, suggestion="check the path")
    return InputError(f"cannot read: {error.strerror or error}", location=where, suggestion="check the path and the file's permissions")


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_bytes(path: Path, limit: int | None = None) -> tuple[bytes, int]:
    """At most `limit` + 1 bytes (or all) of a regular file, and its size; `InputError` for anything else, which is never waited on.

    The file is opened without blocking (a named pipe would wait for a writer
    forever) and refused unless `fstat` says it is a regular file.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _unreadable(path, error) from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise _unreadable(path, IsADirectoryError(errno.EISDIR, "is a directory"))
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise InputError(f"is {kind}, expected a regular file", location=Location(path), suggestion="name a file")
    with os.fdopen(descriptor, "rb") as stream:
        os.set_blocking(descriptor, True)
        try:
            raw = stream.read(-1 if limit is None else limit + 1)
        except OSError as error:
            raise _unreadable(path, error) from None
    inputs.note(path, status, raw)  # what a cache entry depends on, and what -o must never replace
    return raw, status.st_size


def read_text(path: Path) -> str:
    """The text of a user's regular file, or an `InputError` that says why not (at most `MAX_BYTES` are read)."""
    raw, size = read_bytes(path, MAX_BYTES)
    if len(raw) > MAX_BYTES:
        what = f"{size} bytes" if size > MAX_BYTES else "more"
        raise InputError(
            f"file is {what}, larger than the {MAX_BYTES}-byte limit",
            location=Location(path),
            suggestion="split it into smaller files",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8",
            location=Location(path, line, column),
            suggestion="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def _check_characters(path: Path, text: str) -> None:
    """Refuse a character YAML does not allow (a NUL, a control character), at its line and column."""
    found = _NOT_ALLOWED.search(text)
    if found is None:
        return
    position = found.start()
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    raise InputError(
        f"character U+{ord(found.group()):04X} is not allowed in a YAML file (a control character)",
        location=Location(path, line, column),
        suggestion="remove it",
    )


def load_yaml(path: Path) -> Document:
    """Parse `path` into a `Document`; the file must hold one non-empty document."""
    text = read_text(path)
    _check_characters(path, text)
    try:
        _check_depth(path, text, _Loader)
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        # libyaml scans ahead and may stop deep nesting with its own error first;
        # the pure-Python parser yields events as it goes, so ours comes first.
        with contextlib.suppress(yaml.YAMLError):
            _check_depth(path, text, yaml.SafeLoader)
        raise _syntax_error(path, text, exc) from None
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise InputError(
            "holds several YAML documents, expected one",
            location=Location(path, mark.line + 1, mark.column + 1),
            suggestion="remove the '---' separator or split the file",
        )
    if not nodes or _is_null(nodes[0]):
        raise InputError("file is empty, expected a YAML mapping", location=Location(path, 1, 1))
    builder = _Builder(path)
    data = builder.build(nodes[0], ())
    return Document(path=path, data=data, positions=builder.positions, written=builder.written)


def _syntax_error(path: Path, text: str, exc: yaml.YAMLError) -> InputError:
    """A YAML error as one located line: PyYAML's words for the problem, our framing around them."""
    if not isinstance(exc, yaml.MarkedYAMLError):  # pragma: no cover - the characters are checked first
        return InputError("YAML error: " + " ".join(str(exc).split()), location=Location(path))
    mark = exc.problem_mark or exc.context_mark
    where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    problem = exc.problem or exc.context or "invalid YAML"
    start = exc.context_mark
    if exc.problem and exc.context and start is not None and mark is not None and start.line != mark.line:
        problem += f" ({exc.context} at line {start.line + 1})"
    suggestion = "indent with spaces, not tabs" if mark is not None and _char_at(text, mark.line, mark.column) == "\t" else None
    return InputError(f"YAML syntax error: {problem}", location=where, suggestion=suggestion)


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based line and column of `text`, or ''."""
    lines = text.splitlines()
    return lines[line][column : column + 1] if 0 <= line < len(lines) else ""


def _check_depth(path: Path, text: str, loader: type[Any]) -> None:
    """Refuse deep nesting before composing: libyaml's composer recurses in C and crashes on it."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise InputError(
                    f"nested more than {MAX_DEPTH} levels deep",
                    location=Location(path, mark.line + 1, mark.column + 1) if mark else Location(path),
                    suggestion="flatten the document",
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


class _Builder:
    """Turns a composed node graph into dicts, lists and scalars, noting where each key is and how each plain value is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.written: dict[KeyPath, str] = {}
        self.count = 0
        self._active: set[int] = set()
        self._items: set[KeyPath] = set()
        """The key paths of list items: a number there is an index, elsewhere a mapping's key."""

    def _key_text(self, key: KeyPath) -> str:
        text = ""
        for length, part in enumerate(key, start=1):
            if key[:length] in self._items:
                text += f"[{part}]"
            else:
                name = part if isinstance(part, str) else show_value(part)
                text += f".{name}" if text else name
        return text

    def _fail(self, node: yaml.Node, message: str, key: KeyPath, suggestion: str | None = None) -> InputError:
        mark = node.start_mark
        return InputError(
            message,
            location=Location(self.path, mark.line + 1, mark.column + 1),
            key=self._key_text(key) or None,
            suggestion=suggestion,
        )

    def build(self, node: yaml.Node, key: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(
                node,
                f"document expands to more than {MAX_NODES} nodes (an alias bomb?)",
                key,
                "write the data out instead of repeating anchors",
            )
        self.positions.setdefault(key, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, key)
            if not node.style:  # plain (libyaml says "", PyYAML None): the text is exactly what the file says
                self.written.setdefault(key, node.value)
            return value
        if id(node) in self._active:
            raise self._fail(node, "an anchor contains an alias to itself", key[:1], "write the data out instead of a recursive anchor")
        if len(key) >= MAX_DEPTH:
            raise self._fail(
                node,
                f"nested more than {MAX_DEPTH} levels deep (through aliases)",
                key[:1],
                "write the data out instead of nesting anchors",
            )
        self._active.add(id(node))
        try:
            return self._container(node, key)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, key: KeyPath, is_key: bool = False) -> Any:
        """A scalar by its tag, which the loader resolved by YAML 1.2's rules unless the file wrote one (`!!int`)."""
        tag, text = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            raise self._fail(node, f"unsafe or unknown YAML tag {tag!r}", key, "remove the tag")
        if tag == _STR:
            found = (_CONTROL_IN_KEY if is_key else _CONTROL_IN_TEXT).search(text)
            if found is not None:
                what = f"{character_name(found.group())} at character {found.start() + 1}"
                raise self._fail(node, f"{'key' if is_key else 'text'} has {what}, a control character", key, "remove it")
            return text
        if not _CORE[tag].match(text):
            kind = tag.rsplit(":", 1)[1]
            raise self._fail(node, f"{shorten(text)!r} is not a YAML 1.2 {kind}", key, "remove the tag")
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() == "true"
        if tag == _INT:
            try:
                return int(text)
            except ValueError:  # more digits than Python converts to a number
                raise self._fail(node, f"the number {shorten(text)} has too many digits", key, "write a smaller number") from None
        if text.lstrip("+-").lower() in (".inf", ".nan"):
            return float(text.replace(".", ""))  # `-.inf` -> -inf; `1e309` is read as written, and is infinite
        return float(text)

    def _key(self, node: yaml.Node, key: KeyPath) -> str | int | float:
        """A mapping key: a name or a number (YAML 1.2), never a boolean, null, list or mapping."""
        if isinstance(node, yaml.ScalarNode) and node.value == "<<" and not node.style:
            raise self._fail(node, "merge keys ('<<') are not supported", key, "write the keys out")
        if isinstance(node, yaml.ScalarNode) and node.tag in (_STR, _INT, _FLOAT):
            name: str | int | float = self._scalar(node, key, is_key=True)
            return name
        shown = node.value if isinstance(node, yaml.ScalarNode) else "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        raise self._fail(node, f"keys must be names or numbers, got {shorten(str(shown))}", key, "quote the key, or write it as a name")

    def _container(self, node: yaml.Node, key: KeyPath) -> Any:
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._fail(node, f"unsafe or unknown YAML tag {node.tag!r}", key, "remove the tag")
            self._items.update((*key, index) for index in range(len(node.value)))
            return [self.build(child, (*key, index)) for index, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self._fail(node, f"unsafe or unknown YAML tag {node.tag!r}", key, "remove the tag")
            result: dict[str | int | float, Any] = {}
            for key_node, value_node in node.value:
                name = self._key(key_node, key)
                if name in result:
                    first = self.positions[(*key, name)]
                    raise self._fail(
                        key_node,
                        f"duplicate key {show_value(name)} (first at line {first[0]})",
                        (*key, name),
                        "remove one of them",
                    )
                self.positions[(*key, name)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[name] = self.build(value_node, (*key, name))
            return result
        raise self._fail(node, "unsupported YAML node", key)  # pragma: no cover - yaml has no other node kind
