"""The JSON Schemas of iopkit's file formats, read from the installed package.

Schemas resolve only from the package: a ``$ref`` to anything else is refused, never
fetched, so validation cannot touch the network.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any, Literal

import jsonschema
import referencing
import referencing.exceptions
from jsonschema.exceptions import ValidationError

from iopkit._documents import Document, pointer
from iopkit.errors import FileFormatError, Problem

SchemaName = Literal["catalog", "program", "curriculum", "profile"]
SCHEMA_NAMES: tuple[SchemaName, ...] = ("catalog", "program", "curriculum", "profile")


@functools.cache
def schema(name: SchemaName) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a file format, as a dict."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"no schema named {name!r}; choose one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files("iopkit").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def _refuse(uri: str) -> referencing.Resource[Any]:
    raise referencing.exceptions.NoSuchResource(uri)


@functools.cache
def _registry() -> referencing.Registry[Any]:
    resources_ = [referencing.Resource.from_contents(schema(n)) for n in SCHEMA_NAMES]
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
    reg = _registry()
    if extra is not None:
        res = referencing.Resource.from_contents(extra)
        reg = reg.with_resource(res.id() or "urn:iopkit:extra", res)
    return reg


@functools.cache
def _validator(name: SchemaName) -> jsonschema.protocols.Validator:
    cls = jsonschema.Draft202012Validator
    return cls(schema(name), registry=_registry(), format_checker=cls.FORMAT_CHECKER)


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
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(known)})"
            yield pointer([*error.absolute_path, key]), f"unknown key {key!r}{hint}"
        return
    if validator == "required" and isinstance(error.validator_value, list):
        for key in error.validator_value:
            if isinstance(error.instance, dict) and key not in error.instance:
                yield ptr, f"the required key {key!r} is missing"
        return
    if validator == "enum":
        options = [str(o) for o in error.validator_value]  # type: ignore[union-attr]
        close = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        yield ptr, f"{error.instance!r} is not one of {', '.join(options)}{hint}"
        return
    if validator == "const":
        yield ptr, f"expected {error.validator_value!r} (got {error.instance!r})"
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
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None and best.validator not in {"type", "oneOf", "anyOf"}:
            yield from _describe(best)
            return
        description = sub.get("description") or _expected(sub)
        yield ptr, f"{error.instance!r} is not valid here: expected {description}"
        return
    if validator == "pattern":
        yield ptr, f"{error.instance!r} does not have the expected form ({_expected(sub)})"
        return
    if validator == "type":
        yield ptr, f"{_short(error.instance)} is not of type {error.validator_value}"
        return
    yield ptr, error.message


def _expected(sub: dict[str, Any]) -> str:
    if "description" in sub:
        return str(sub["description"]).rstrip(".")
    if "pattern" in sub:
        return f"pattern {sub['pattern']}"
    return "a different value"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


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
    problems: list[Problem] = []
    errors = sorted(
        _validator(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    seen: set[tuple[str, str]] = set()
    for error in errors:
        for ptr, message in _describe(error):
            if (ptr, message) not in seen:
                seen.add((ptr, message))
                problems.append(document.problem(message, ptr))
    if problems:
        raise FileFormatError(problems)
