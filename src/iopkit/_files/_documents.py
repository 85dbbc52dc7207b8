"""Reading YAML and JSON documents safely, with a line for every JSON pointer.

Limits keep hostile input cheap to refuse: file size, nesting depth, the number of
values once YAML aliases are expanded, and how many values aliases may repeat (so that a
small file cannot stand for a large one). YAML is read event by event (PyYAML's parser, in C
where available) and built into plain data here, iteratively: no recursion, no tags that
build objects, no merge keys, no duplicate keys. Plain scalars follow the YAML 1.2 core
schema (``050`` is not octal, ``yes`` is not true, ``1:30`` is not 90); forms that YAML 1.1
would read differently are refused with a message saying how to write them. Every text is
refused if it holds a lone surrogate or a control character (tab and line breaks aside),
and is normalised to Unicode NFC, so that one name is always one string.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iopkit.errors import FileFormatError, Problem, excerpt

if TYPE_CHECKING:
    import yaml

#: Largest file iopkit reads, in bytes (JSON).
MAX_JSON_BYTES = 16 * 1024 * 1024
#: Largest YAML file iopkit reads, in bytes (YAML parsing is slower than JSON).
MAX_YAML_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 64
#: Most values a YAML document may hold once aliases are expanded (JSON is bounded by
#: its size in bytes).
MAX_VALUES = 200_000
#: Most values YAML aliases may repeat in one document: enough to reuse a list or a
#: mapping a few times, too few for a small file to stand for a large one.
MAX_ALIASED = 10_000

# YAML 1.2 core schema, for plain scalars
_NULL = re.compile(r"\A(?:~|null|Null|NULL|)\Z")
_BOOL = re.compile(r"\A(?:true|True|TRUE|false|False|FALSE)\Z")
_INT = re.compile(r"\A[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"\A[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL = re.compile(r"\A[-+]?\.(?:inf|Inf|INF)\Z|\A\.(?:nan|NaN|NAN)\Z")
# how YAML 1.1 (PyYAML's resolvers) reads plain scalars: a scalar that the two versions read
# as different kinds of value (``010``: 8 or 10; ``1e3``: text or 1000.0) is refused
_YAML11_INT = re.compile(
    r"\A(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\Z"
)
_YAML11_FLOAT = re.compile(
    r"\A(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
# integers only YAML 1.2 reads (as octal), text to YAML 1.1
_YAML12_OCTAL = re.compile(r"\A0o[0-7]+\Z")
_YAML11_BOOL = re.compile(
    r"\A(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\Z"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
}


def escape(token: str | int) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """A JSON pointer from path parts."""
    return "".join("/" + escape(p) for p in parts)


def read_limit(path: Path) -> int:
    """The size limit for a file, by its suffix."""
    return MAX_JSON_BYTES if path.suffix.lower() == ".json" else MAX_YAML_BYTES


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


def parse_document(raw: bytes | str, name: str, *, is_json: bool = False) -> Document:
    """Parse YAML or JSON text already in memory.

    Raises:
        FileFormatError: the text is too large, not UTF-8, or not well-formed.
    """
    limit = MAX_JSON_BYTES if is_json else MAX_YAML_BYTES
    if len(raw) > limit:
        raise FileFormatError(
            [
                Problem(
                    message=f"the file is larger than the limit of {limit // 1024 // 1024} MiB",
                    file=name,
                )
            ]
        )
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


def _text_problem(value: str) -> str | None:
    """Why a text cannot be accepted, or ``None``."""
    if _SURROGATE.search(value):
        return f"the text {excerpt(value)} holds a lone surrogate, which is not a character"
    found = _CONTROL.search(value)
    if found:
        return (
            f"the text {excerpt(value)} holds the control character "
            f"U+{ord(found.group()):04X}, which is not allowed"
        )
    return None


def _nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not a number JSON allows")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"key {excerpt(key)} appears twice in one object")
            seen.add(key)
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
    except RecursionError:  # the decoder's own guard, long before the stack is at risk
        raise FileFormatError(
            [Problem(message=f"values are nested more than {MAX_DEPTH} levels deep", file=name)]
        ) from None
    # The decoder refuses nesting deep enough to endanger the stack; shallower nesting is
    # harmless, as nothing walks a document recursively beyond what its schema allows.
    problems: list[Problem] = []
    if not _plain_ascii(text):
        data = _clean(data, name, problems)
    if problems:
        raise FileFormatError(problems)
    return Document(data=data, file=name)


def _plain_ascii(text: str) -> bool:
    """Whether every string of this JSON text is printable ASCII (then none needs checking
    or normalising). Escapes that could make a control character, a surrogate or any
    non-ASCII character send the text to the full check."""
    return text.isascii() and "\\u" not in text and "\\b" not in text and "\\f" not in text


def _clean(data: Any, name: str, problems: list[Problem]) -> Any:
    """Check and normalise every text of parsed JSON, iteratively, and its depth."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any, tuple[str | int, ...]]] = [(root, 0, ())]
    while stack:
        parent, key, path = stack.pop()
        value = parent[key]
        if isinstance(value, str):
            if not value.isascii() or not value.isprintable():
                why = _text_problem(value)
                if why:
                    problems.append(Problem(message=why, file=name, pointer=pointer(path)))
                else:
                    parent[key] = _nfc(value)
        elif isinstance(value, dict):
            if len(path) >= MAX_DEPTH:
                problems.append(
                    Problem(
                        message=f"values are nested more than {MAX_DEPTH} levels deep",
                        file=name,
                    )
                )
                return None
            renamed: dict[str, Any] = {}
            for item_key, item in value.items():
                why = _text_problem(item_key)
                if why:
                    problems.append(Problem(message=why, file=name, pointer=pointer(path)))
                    continue
                key_nfc = _nfc(item_key)
                if key_nfc in renamed:
                    problems.append(
                        Problem(
                            message=f"key {excerpt(key_nfc)} appears twice in one object (once "
                            "written with other Unicode code points for the same letters)",
                            file=name,
                            pointer=pointer((*path, key_nfc)),
                        )
                    )
                    continue
                renamed[key_nfc] = item
            parent[key] = renamed
            for item_key in renamed:
                stack.append((renamed, item_key, (*path, item_key)))
        elif isinstance(value, list):
            if len(path) >= MAX_DEPTH:
                problems.append(
                    Problem(
                        message=f"values are nested more than {MAX_DEPTH} levels deep",
                        file=name,
                    )
                )
                return None
            for index in range(len(value)):
                stack.append((value, index, (*path, index)))
    return root[0]


def _core(text: str) -> Any:
    """A plain scalar's value by the YAML 1.2 core schema (as iopkit reads it)."""
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float"}.get(type(value), "str")


def _yaml11_kind(text: str) -> str:
    """The kind of value YAML 1.1 reads a plain scalar as."""
    if _NULL.match(text):
        return "null"
    if _YAML11_BOOL.match(text):
        return "bool"
    if _YAML11_INT.match(text):
        return "int"
    if _YAML11_FLOAT.match(text):
        return "float"
    return "str"


class _Scalar:
    """Turns plain YAML scalars into values by the YAML 1.2 core schema."""

    @staticmethod
    def value(event: yaml.ScalarEvent) -> tuple[Any, str | None]:
        """``(value, problem)`` for a scalar event."""
        text = event.value
        plain = event.implicit[0] and not event.style
        tag = event.tag
        if tag is not None and tag != "!":
            kind = _STANDARD_TAGS.get(tag)
            if kind is None or kind in ("map", "seq"):
                return None, f"the YAML tag {excerpt(tag)} is not allowed"
            if kind == "str":
                return text, None
            return _Scalar._typed(text, kind)
        if not plain:
            return text, None
        if _SPECIAL.match(text):
            return None, f"{excerpt(text)} is not a finite number"
        value = _core(text)
        old = _yaml11_kind(text)
        if old == _kind(value) and not _YAML12_OCTAL.match(text):
            return value, None
        if old == "bool" or isinstance(value, bool):
            return None, (
                f"{excerpt(text)} is read as true or false by some YAML readers and as text by "
                "others: write true or false, or quote it to mean text"
            )
        return None, (
            f"{excerpt(text)} is read as different values by different YAML versions (leading "
            "zeros, octal, hexadecimal, underscores, exponents or minutes:seconds): write a "
            "plain decimal number, or quote it to mean text"
        )

    @staticmethod
    def _typed(text: str, kind: str) -> tuple[Any, str | None]:
        if kind == "null":
            return None, None if _NULL.match(text) else f"{excerpt(text)} is not null"
        if kind == "bool":
            if _BOOL.match(text):
                return text.lower() == "true", None
            return None, f"{excerpt(text)} is not true or false"
        if kind == "int":
            if _INT.match(text):
                return int(text), None
            return None, f"{excerpt(text)} is not a whole number"
        if _FLOAT.match(text) or _INT.match(text):
            return float(text), None
        return None, f"{excerpt(text)} is not a finite number"


class _Frame:
    """A mapping or list being built."""

    __slots__ = ("anchor", "container", "count", "key", "key_line", "path")

    def __init__(self, container: Any, path: tuple[str | int, ...], anchor: str | None) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.count = 1


_NO_KEY = object()


def _parse_yaml(text: str, name: str) -> Document:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise FileFormatError([Problem(message=f"not valid YAML: {reason}", file=name)]) from None
    try:
        return _build(loader, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "syntax error"
        if "nesting depth" in what:
            what = f"values are nested more than {MAX_DEPTH} levels deep"
        raise FileFormatError(
            [Problem(message=f"not valid YAML: {what}", file=name, line=line)]
        ) from None
    except yaml.YAMLError as exc:
        raise FileFormatError(
            [Problem(message=f"not valid YAML: {str(exc).splitlines()[0]}", file=name)]
        ) from None
    finally:
        loader.dispose()


def _build(loader: Any, name: str) -> Document:
    """Plain data from the parser's events, with an explicit stack."""
    import yaml

    lines: dict[str, int] = {}
    problems: list[Problem] = []
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    total = 0
    aliased = 0
    documents = 0
    result: Any = None
    done = False

    def too_many() -> FileFormatError:
        if aliased > MAX_ALIASED:
            message = (
                f"YAML aliases repeat more than {MAX_ALIASED:,} values; aliases that multiply "
                "content are refused (write the values out instead)"
            )
        else:
            message = (
                f"the document holds more than {MAX_VALUES:,} values once YAML aliases are "
                "expanded; aliases that multiply content are refused"
            )
        return FileFormatError([Problem(message=message, file=name)])

    def here() -> tuple[str | int, ...] | None:
        """The path of the value about to be placed (``None`` when it is a key)."""
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.key is _NO_KEY:
            return None
        return (*frame.path, frame.key)

    def place(value: Any, size: int, line: int, path: tuple[str | int, ...] | None) -> None:
        nonlocal result, done
        if not stack:
            result, done = value, True
            return
        frame = stack[-1]
        frame.count += size
        container = frame.container
        if isinstance(container, list):
            container.append(value)
            return
        if frame.key is _NO_KEY:  # this value is a key
            if not isinstance(value, str):
                problems.append(
                    Problem(
                        message=f"keys must be text; {excerpt(value)} is read as "
                        f"{type(value).__name__} (put it in quotes)",
                        file=name,
                        pointer=pointer(frame.path),
                        line=line,
                    )
                )
                frame.key = _BAD_KEY
            elif value == "<<":
                problems.append(
                    Problem(
                        message="YAML merge keys ('<<') are not supported",
                        file=name,
                        pointer=pointer(frame.path),
                        line=line,
                    )
                )
                frame.key = _BAD_KEY
            elif value in container:
                problems.append(
                    Problem(
                        message=f"key {excerpt(value)} appears twice in one mapping",
                        file=name,
                        pointer=pointer((*frame.path, value)),
                        line=line,
                    )
                )
                frame.key = _BAD_KEY
            else:
                frame.key = value
                frame.key_line = line
                lines[pointer((*frame.path, value))] = line
            return
        if frame.key is not _BAD_KEY:
            container[frame.key] = value
        frame.key = _NO_KEY
        del path

    while not done:
        event = loader.get_event()
        if event is None or isinstance(event, yaml.StreamEndEvent):
            break
        if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
            continue
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                problems.append(
                    Problem(
                        message="the file holds more than one YAML document", file=name, line=line
                    )
                )
                break
            continue
        path = here()
        if path is not None:
            lines.setdefault(pointer(path), line)
        if isinstance(event, yaml.AliasEvent):
            known = anchors.get(event.anchor or "")
            if known is None:  # pragma: no cover - the parser refuses unknown aliases
                problems.append(Problem(message="an alias names no anchor", file=name, line=line))
                place(None, 1, line, path)
                continue
            value, size = known
            total += size
            aliased += size
            if total > MAX_VALUES or aliased > MAX_ALIASED:
                raise too_many()
            place(_copy(value), size, line, path)
            continue
        total += 1
        if total > MAX_VALUES:
            raise too_many()
        if isinstance(event, yaml.ScalarEvent):
            value, why = _Scalar.value(event)
            if why is None and isinstance(value, str):
                why = _text_problem(value)
                value = _nfc(value) if why is None else value
            if why is not None:
                problems.append(
                    Problem(message=why, file=name, pointer=pointer(path or ()), line=line)
                )
                value = None
            if event.anchor:
                anchors[event.anchor] = (value, 1)
            place(value, 1, line, path)
            continue
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if path is None:
                problems.append(
                    Problem(
                        message="keys must be text, not a mapping or a list",
                        file=name,
                        pointer=pointer(stack[-1].path),
                        line=line,
                    )
                )
                path = (*stack[-1].path, "?")
            if len(stack) >= MAX_DEPTH:
                raise FileFormatError(
                    [
                        Problem(
                            message=f"values are nested more than {MAX_DEPTH} levels deep",
                            file=name,
                            line=line,
                        )
                    ]
                )
            tag = event.tag
            if tag is not None and tag != "!" and tag not in _STANDARD_TAGS:
                problems.append(
                    Problem(
                        message=f"the YAML tag {excerpt(tag)} is not allowed",
                        file=name,
                        pointer=pointer(path),
                        line=line,
                    )
                )
            container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            stack.append(_Frame(container, path, event.anchor))
            continue
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = stack.pop()
            if frame.anchor:
                anchors[frame.anchor] = (frame.container, frame.count)
            place(frame.container, frame.count, line, None)
            continue
    if problems:
        raise FileFormatError(problems)
    if not done:
        raise FileFormatError([Problem(message="the file is empty", file=name)])
    if isinstance(result, float) and not math.isfinite(result):  # pragma: no cover
        raise FileFormatError([Problem(message="not a finite number", file=name)])
    return Document(data=result, file=name, lines=lines)


_BAD_KEY = object()


def _copy(value: Any) -> Any:
    """A deep copy of aliased data, iteratively (each use of an alias is its own value)."""
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while stack:
        parent, key, item = stack.pop()
        if isinstance(item, dict):
            copy: Any = {}
            parent[key] = copy
            for k, v in item.items():
                copy[k] = None
                stack.append((copy, k, v))
        elif isinstance(item, list):
            copy = [None] * len(item)
            parent[key] = copy
            for i, v in enumerate(item):
                stack.append((copy, i, v))
        else:
            parent[key] = item
    return root[0]


def plain_is_text(value: str) -> bool:
    """Whether ``value`` written as a plain YAML scalar reads back as this text, under
    YAML 1.2 and 1.1 alike (otherwise a writer must quote it)."""
    if _SPECIAL.match(value) or _YAML12_OCTAL.match(value):
        return False
    return _kind(_core(value)) == "str" == _yaml11_kind(value)


def dump_yaml(data: Any) -> str:
    """YAML text that this module reads back to ``data``: texts that would read as
    something else are quoted."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = None if plain_is_text(value) else "'"
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, text)
    result: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return result
