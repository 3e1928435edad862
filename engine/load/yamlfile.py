"""Read one YAML file into plain data, with the position of every key.

This is the only place that touches YAML. It refuses what a rule or
scenario file never needs and what could hurt the reader: tags outside the
core schema (`!!python/object`), documents that expand to too many nodes
(alias bombs), oversized files, several documents in one file, non-UTF-8
bytes, duplicate keys, non-string keys, and nesting deep enough to exhaust
the parser's stack (or an anchor that contains itself). Every refusal is an
`InputError` with the file, line and column.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, Location
from engine.language import KeyPath
from engine.records import field, record

MAX_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 50

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_STR_TAG = "tag:yaml.org,2002:str"
_KEY_TAGS = {_STR_TAG, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
"""Keys are names, or numbers (the values of an uncertain number: `{1100: 0.5, 2400: 0.5}`)."""
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


def format_key(path: KeyPath) -> str:
    """`('rules', 3, 'when')` -> `rules[3].when`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@record
class Document:
    """A parsed file: its data and where each key path sits in the text."""

    path: Path
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(repr=False)

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

    def error(self, key: KeyPath, message: str, suggestion: str | None = None) -> InputError:
        return InputError(message, location=self.locate(key), key=format_key(key) or None, suggestion=suggestion)


def read_text(path: Path) -> str:
    """The text of a user's file, or an `InputError` that says why not."""
    if not path.exists():
        raise InputError("no such file", location=Location(path), suggestion="check the path")
    if path.is_dir():
        raise InputError("is a directory, expected a YAML file", location=Location(path))
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_BYTES else b""
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror or exc}", location=Location(path), suggestion="check the file's permissions"
        ) from None
    if size > MAX_BYTES:
        raise InputError(
            f"file is {size} bytes, larger than the {MAX_BYTES}-byte limit",
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


def load_yaml(path: Path) -> Document:
    """Parse `path` into a `Document`; the file must hold one non-empty document."""
    text = read_text(path)
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
    return Document(path=path, data=data, positions=builder.positions)


def _syntax_error(path: Path, text: str, exc: yaml.YAMLError) -> InputError:
    """A YAML error as one located line: PyYAML's words for the problem, our framing around them."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return InputError(f"YAML error: {exc}", location=Location(path))
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
    """Turns a composed node graph into dicts, lists and scalars."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.count = 0
        self._active: set[int] = set()
        self._scalars = _Loader("")

    def _fail(self, node: yaml.Node, message: str, key: KeyPath, suggestion: str | None = None) -> InputError:
        mark = node.start_mark
        return InputError(
            message,
            location=Location(self.path, mark.line + 1, mark.column + 1),
            key=format_key(key) or None,
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
            return self._scalar(node, key)
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

    def _scalar(self, node: yaml.ScalarNode, key: KeyPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self._fail(node, f"unsafe or unknown YAML tag {node.tag!r}", key, "remove the tag")
        return self._scalars.construct_object(node, deep=True)

    def _container(self, node: yaml.Node, key: KeyPath) -> Any:
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._fail(node, f"unsafe or unknown YAML tag {node.tag!r}", key, "remove the tag")
            return [self.build(child, (*key, index)) for index, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self._fail(node, f"unsafe or unknown YAML tag {node.tag!r}", key, "remove the tag")
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    raise self._fail(key_node, "merge keys ('<<') are not supported", key, "write the keys out")
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS:
                    shown = (
                        key_node.value
                        if isinstance(key_node, yaml.ScalarNode)
                        else "a list"
                        if isinstance(key_node, yaml.SequenceNode)
                        else "a mapping"
                    )
                    raise self._fail(key_node, f"keys must be plain names, got {shown}", key, "quote the key, or write it as a name")
                name = key_node.value if key_node.tag == _STR_TAG else self._scalars.construct_object(key_node)
                if name in result:
                    first = self.positions[(*key, str(name))]
                    raise self._fail(
                        key_node,
                        f"duplicate key '{name}' (first at line {first[0]})",
                        (*key, str(name)),
                        "remove one of them",
                    )
                # A key path names a mapping's key as text, whatever its type: an int in a path is a list index.
                self.positions[(*key, str(name))] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[name] = self.build(value_node, (*key, str(name)))
            return result
        raise self._fail(node, "unsupported YAML node", key)  # pragma: no cover - yaml has no other node kind
