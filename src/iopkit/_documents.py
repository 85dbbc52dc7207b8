"""Reading YAML and JSON documents safely, with a line for every JSON pointer.

Limits keep hostile input cheap to refuse: file size, nesting depth and the number of
values after YAML aliases are expanded. YAML is read with PyYAML's safe loader only, so
no tag can build a Python object.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from iopkit.errors import FileFormatError, Problem

#: Largest file iopkit reads, in bytes (JSON).
MAX_JSON_BYTES = 16 * 1024 * 1024
#: Largest YAML file iopkit reads, in bytes (YAML parsing is slower than JSON).
MAX_YAML_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 64
#: Most values a document may hold once YAML aliases are expanded.
MAX_VALUES = 200_000


def escape(token: str | int) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """A JSON pointer from path parts."""
    return "".join("/" + escape(p) for p in parts)


@attrs.frozen
class Document:
    """A parsed document: plain JSON-compatible data plus where each value stands.

    Attributes:
        data: The value, made only of dict, list, str, int, float, bool and None.
        file: The file name used in messages.
        lines: 1-based line of each JSON pointer (YAML only).
    """

    data: Any
    file: str
    lines: Mapping[str, int] = attrs.field(factory=dict)

    def line_of(self, ptr: str) -> int | None:
        """The line of the value at ``ptr``, or of its nearest enclosing value."""
        while True:
            if ptr in self.lines:
                return self.lines[ptr]
            if not ptr:
                return None
            ptr = ptr.rsplit("/", 1)[0]

    def problem(self, message: str, ptr: str = "") -> Problem:
        """A :class:`Problem` located in this document."""
        return Problem(message=message, file=self.file, pointer=ptr, line=self.line_of(ptr))


def read_document(path: str | os.PathLike[str]) -> Document:
    """Read a YAML or JSON file (chosen by its suffix; YAML when unknown).

    Raises:
        FileFormatError: the file is missing, too large, not UTF-8, or not well-formed.
    """
    path = Path(path)
    name = str(path)
    is_json = path.suffix.lower() == ".json"
    limit = MAX_JSON_BYTES if is_json else MAX_YAML_BYTES
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise FileFormatError(
            [Problem(message=f"cannot read the file: {exc.strerror}", file=name)]
        ) from None
    if len(raw) > limit:
        raise FileFormatError(
            [
                Problem(
                    message=f"the file is larger than the limit of {limit // 1024 // 1024} MiB",
                    file=name,
                )
            ]
        )
    return parse_document(raw, name, is_json=is_json)


def parse_document(raw: bytes | str, name: str, *, is_json: bool = False) -> Document:
    """Parse YAML or JSON text already in memory (see :func:`read_document`)."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise FileFormatError(
                [
                    Problem(
                        message=f"the file is not valid UTF-8 text (byte {exc.start})",
                        file=name,
                        line=line,
                    )
                ]
            ) from None
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise FileFormatError([Problem(message="the file is empty", file=name)])
    if is_json:
        return _parse_json(text, name)
    return _parse_yaml(text, name)


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not a number JSON allows")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _parse_json(text: str, name: str) -> Document:
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            [
                Problem(
                    message=f"not valid JSON: {exc.msg} (column {exc.colno})",
                    file=name,
                    line=exc.lineno,
                )
            ]
        ) from None
    except ValueError as exc:
        raise FileFormatError([Problem(message=f"not valid JSON: {exc}", file=name)]) from None
    except RecursionError:
        raise FileFormatError(
            [Problem(message=f"values are nested more than {MAX_DEPTH} levels deep", file=name)]
        ) from None
    counter = [0]
    try:
        _check_depth(data, 0, counter)
    except _TooDeepError:
        raise FileFormatError(
            [Problem(message=f"values are nested more than {MAX_DEPTH} levels deep", file=name)]
        ) from None
    return Document(data=data, file=name)


class _TooDeepError(Exception):
    pass


def _check_depth(value: Any, depth: int, counter: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise _TooDeepError
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1, counter)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1, counter)


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _Builder:
    """Turns a composed YAML node tree into plain data, recording lines and limits."""

    def __init__(self, loader: yaml.SafeLoader, name: str) -> None:
        self.loader = loader
        self.name = name
        self.lines: dict[str, int] = {}
        self.count = 0
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise FileFormatError(
                [
                    Problem(
                        message=f"the document holds more than {MAX_VALUES:,} values once YAML "
                        "aliases are expanded; aliases that multiply content are refused",
                        file=self.name,
                    )
                ]
            )
        if len(path) > MAX_DEPTH:
            raise FileFormatError(
                [
                    Problem(
                        message=f"values are nested more than {MAX_DEPTH} levels deep",
                        file=self.name,
                        line=node.start_mark.line + 1,
                    )
                ]
            )
        ptr = pointer(path)
        line = node.start_mark.line + 1
        self.lines.setdefault(ptr, line)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
            self.problems.append(
                Problem(
                    message=f"the YAML tag {node.tag!r} is not allowed",
                    file=self.name,
                    pointer=ptr,
                    line=line,
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, ptr, line)

    def _mapping(self, node: yaml.MappingNode, path: tuple[str | int, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    Problem(
                        message="YAML merge keys ('<<') are not supported",
                        file=self.name,
                        pointer=pointer(path),
                        line=line,
                    )
                )
                continue
            key = (
                self._scalar(key_node, pointer(path), line)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                self.problems.append(
                    Problem(
                        message=f"keys must be text; {shown!r} is read as {type(key).__name__} "
                        "(put it in quotes)",
                        file=self.name,
                        pointer=pointer(path),
                        line=line,
                    )
                )
                continue
            if key in result:
                self.problems.append(
                    Problem(
                        message=f"key {key!r} appears twice in one mapping",
                        file=self.name,
                        pointer=pointer((*path, key)),
                        line=line,
                    )
                )
                continue
            self.lines[pointer((*path, key))] = line
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.Node, ptr: str, line: int) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            self.problems.append(
                Problem(
                    message=f"cannot read the value {node.value!r}: {reason}",
                    file=self.name,
                    pointer=ptr,
                    line=line,
                )
            )
            return None
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(
                Problem(
                    message=f"{node.value!r} is not a finite number",
                    file=self.name,
                    pointer=ptr,
                    line=line,
                )
            )
            return None
        if value is None or isinstance(value, str | int | float | bool):
            return value
        self.problems.append(
            Problem(
                message=f"values of type {type(value).__name__} are not supported here",
                file=self.name,
                pointer=ptr,
                line=line,
            )
        )
        return None


def _flow_too_deep(text: str) -> bool:
    """Whether ``[``/``{`` nesting (outside quotes and comments) exceeds :data:`MAX_DEPTH`.

    PyYAML's scanner slows down badly on very deep flow collections, so they are refused
    before parsing.
    """
    depth = 0
    quote = ""
    previous = "\n"
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and previous in " \t\n":
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            previous = "\n"
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
        index += 1
    return False


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the node holds with aliases expanded (each node counted once)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded_size(key, sizes) + _expanded_size(value, sizes)
            if total > MAX_VALUES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, sizes)
            if total > MAX_VALUES:
                break
    sizes[id(node)] = total
    return total


def _parse_yaml(text: str, name: str) -> Document:
    if _flow_too_deep(text):
        raise FileFormatError(
            [Problem(message=f"values are nested more than {MAX_DEPTH} levels deep", file=name)]
        )
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise FileFormatError([Problem(message=f"not valid YAML: {reason}", file=name)]) from None
    old_limit = sys.getrecursionlimit()
    try:
        try:
            sys.setrecursionlimit(max(old_limit, 2000))
            node = loader.get_single_node()
        except RecursionError:
            raise FileFormatError(
                [Problem(message=f"values are nested more than {MAX_DEPTH} levels deep", file=name)]
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            what = exc.problem or exc.context or "syntax error"
            raise FileFormatError(
                [Problem(message=f"not valid YAML: {what}", file=name, line=line)]
            ) from None
        except yaml.YAMLError as exc:
            raise FileFormatError([Problem(message=f"not valid YAML: {exc}", file=name)]) from None
        finally:
            sys.setrecursionlimit(old_limit)
        if node is None:
            raise FileFormatError([Problem(message="the file is empty", file=name)])
        if _expanded_size(node, {}) > MAX_VALUES:
            raise FileFormatError(
                [
                    Problem(
                        message=f"the document holds more than {MAX_VALUES:,} values once YAML "
                        "aliases are expanded; aliases that multiply content are refused",
                        file=name,
                    )
                ]
            )
        builder = _Builder(loader, name)
        data = builder.build(node, ())
        if builder.problems:
            raise FileFormatError(builder.problems)
        return Document(data=data, file=name, lines=builder.lines)
    finally:
        loader.dispose()
