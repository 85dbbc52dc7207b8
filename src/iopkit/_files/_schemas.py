"""The JSON Schemas of iopkit's file formats, read from the installed package.

Documents are checked with ``jsonschema_rs`` (fast, draft 2020-12). Only a document that
fails is checked again with ``jsonschema``, whose errors carry what iopkit needs to word
them (the failing branch of a ``oneOf``, the allowed keys); a large document that fails
gets the fast checker's own messages, so the cost of a check stays bounded by the size of
the input. Schemas resolve only from the package: a ``$ref`` to anything else is refused,
never fetched, so validation cannot touch the network.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from iopkit._files._documents import Document, pointer
from iopkit.errors import FileFormatError, Problem, excerpt

if TYPE_CHECKING:
    import referencing
    from jsonschema.exceptions import ValidationError

#: Documents with more values than this that fail their schema get the fast checker's
#: messages instead of the detailed ones (which can cost more than linear time).
DETAILED_LIMIT = 20_000

SchemaName = Literal["catalog", "program", "curriculum", "profile"]
SCHEMA_NAMES: tuple[SchemaName, ...] = ("catalog", "program", "curriculum", "profile")


@functools.cache
def _schema(name: SchemaName) -> dict[str, Any]:
    from importlib import resources

    text = resources.files("iopkit").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def schema(name: SchemaName) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a file format, as a dict (a fresh copy: changing
    it changes nothing else)."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"no schema named {name!r}; choose one of {', '.join(SCHEMA_NAMES)}")
    return copy.deepcopy(_schema(name))


def _refuse(uri: str) -> referencing.Resource[Any]:
    import referencing.exceptions

    raise referencing.exceptions.NoSuchResource(uri)


@functools.cache
def _registry() -> referencing.Registry[Any]:
    import referencing

    resources_ = [referencing.Resource.from_contents(_schema(n)) for n in SCHEMA_NAMES]
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=_refuse)  # type: ignore[call-arg]
    return registry.with_resources((r.id() or "", r) for r in resources_).crawl()


def schema_registry() -> referencing.Registry[Any]:
    """A :mod:`referencing` registry holding iopkit's schemas, for validating documents
    with :mod:`jsonschema` (``Draft202012Validator(schema, registry=...)``).

    It resolves only iopkit's own ``urn:iopkit:schema:...`` ids and never fetches anything.
    """
    return _registry()


def registry_for(extra: dict[str, Any] | None = None) -> referencing.Registry[Any]:
    """The schema registry; ``extra`` adds one more schema (used by tests)."""
    import referencing

    reg = _registry()
    if extra is not None:
        res = referencing.Resource.from_contents(extra)
        reg = reg.with_resource(res.id() or "urn:iopkit:extra", res)
    return reg


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"iopkit's schemas never fetch anything ({uri})")


@functools.cache
def _fast(name: SchemaName) -> Any:
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(_schema(n)["$id"], _schema(n)) for n in SCHEMA_NAMES])
    return jsonschema_rs.Draft202012Validator(
        _schema(name), validate_formats=True, registry=registry, retriever=_no_retrieval
    )


@functools.cache
def _detailed(name: SchemaName) -> Any:
    import jsonschema

    cls = jsonschema.Draft202012Validator
    return cls(_schema(name), registry=_registry(), format_checker=cls.FORMAT_CHECKER)


def _subschema(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Readable ``(pointer, message)`` pairs for one schema error."""
    ptr = pointer(list(error.absolute_path))
    sub = _subschema(error)
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(sub.get("properties", {}))
        for key in error.instance:
            if key in known:
                continue
            close = difflib.get_close_matches(key[:100], known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(known)})"
            yield pointer([*error.absolute_path, key]), f"unknown key {excerpt(key)}{hint}"
        return
    if validator == "required" and isinstance(error.validator_value, list):
        for key in error.validator_value:
            if isinstance(error.instance, dict) and key not in error.instance:
                yield ptr, f"the required key {key!r} is missing"
        return
    if validator == "enum":
        options = [str(o) for o in error.validator_value]  # type: ignore[union-attr]
        close = difflib.get_close_matches(str(error.instance)[:100], options, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        yield ptr, f"{excerpt(error.instance)} is not one of {', '.join(options)}{hint}"
        return
    if validator == "const":
        yield ptr, f"expected {error.validator_value!r} (got {excerpt(error.instance)})"
        return
    if validator in {"oneOf", "anyOf"} and error.context:
        branches: dict[object, list[ValidationError]] = {}
        for sub_error in error.context:
            branches.setdefault(sub_error.schema_path[0], []).append(sub_error)
        # the branch whose type fits the value explains best what is wrong inside it
        fitting = [
            errs
            for errs in branches.values()
            if not any(e.validator == "type" and not e.relative_path for e in errs)
        ]
        if len(fitting) == 1:
            for sub_error in fitting[0]:
                yield from _describe(sub_error)
            return
        import jsonschema

        best = jsonschema.exceptions.best_match(error.context)
        if best is not None and best.validator not in {"type", "oneOf", "anyOf"}:
            yield from _describe(best)
            return
        description = sub.get("description") or _expected(sub)
        yield ptr, f"{excerpt(error.instance)} is not valid here: expected {description}"
        return
    if validator == "pattern":
        yield ptr, f"{excerpt(error.instance)} does not have the expected form ({_expected(sub)})"
        return
    if validator == "type":
        yield ptr, f"{_short(error.instance)} is not of type {error.validator_value}"
        return
    text = error.message
    yield ptr, text if len(text) <= 200 else text[:197] + "..."


def _expected(sub: dict[str, Any]) -> str:
    if "description" in sub:
        return str(sub["description"]).rstrip(".")
    if "pattern" in sub:
        return f"pattern {sub['pattern']}"
    return "a different value"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return excerpt(text) if len(text) > 60 else text


def check(document: Document, name: SchemaName) -> None:
    """Validate a document against a schema; raise with every problem found.

    Raises:
        FileFormatError: with one :class:`Problem` per schema error, located by JSON
            pointer (and line, for YAML).
    """
    data = document.data
    expected = f"{name}/1"
    if not isinstance(data, dict) or "iopkit" not in data:
        raise FileFormatError(
            [
                document.problem(
                    f"this is not an iopkit {name} file: it must be a mapping whose "
                    f"first key is 'iopkit: {expected}'"
                )
            ]
        )
    marker = data["iopkit"]
    if marker != expected:
        if isinstance(marker, str) and marker.split("/")[0] in SCHEMA_NAMES:
            hint = (
                f"this is a {marker.split('/')[0]} file, not a {name} file"
                if not marker.startswith(name)
                else f"unsupported version {marker!r}"
            )
        else:
            hint = f"unknown file type {marker!r}"
        raise FileFormatError(
            [document.problem(f"{hint}: expected 'iopkit: {expected}'", "/iopkit")]
        )
    fast = _fast(name)
    if fast.is_valid(data):
        return
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    if _size(data) <= DETAILED_LIMIT:
        errors = sorted(
            _detailed(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
        )
        for error in errors:
            for ptr, message in _describe(error):
                if (ptr, message) not in seen:
                    seen.add((ptr, message))
                    problems.append(document.problem(message, ptr))
    if not problems:  # a large document, or one only the fast checker refuses
        for error in fast.iter_errors(data):
            ptr = pointer(list(error.instance_path))
            text = error.message if len(error.message) <= 200 else error.message[:197] + "..."
            if (ptr, text) not in seen:
                seen.add((ptr, text))
                problems.append(document.problem(text, ptr))
            if len(problems) >= 50:
                break
    raise FileFormatError(problems)


def _size(data: Any) -> int:
    """How many values the data holds (counted without recursion)."""
    count = 0
    stack = [data]
    while stack:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count
