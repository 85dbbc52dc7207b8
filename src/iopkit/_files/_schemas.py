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
#: Most problems one schema check reports (a count of the others follows them).
MOST_PROBLEMS = 100

SchemaName = Literal["catalog", "program", "curriculum", "profile", "journey", "attendance"]
SCHEMA_NAMES: tuple[SchemaName, ...] = (
    "catalog",
    "program",
    "curriculum",
    "profile",
    "journey",
    "attendance",
)


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


def _canonical(value: Any) -> Any:
    """A hashable form of a JSON value in which equal values (by JSON Schema's meaning:
    ``1 == 1.0``, ``true != 1``) are equal. Documents are at most 64 levels deep."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("d", frozenset((k, _canonical(v)) for k, v in value.items()))
    return ("?", repr(value))


def _unique_items(validator: Any, unique: Any, instance: Any, _schema: Any) -> Iterator[Any]:
    """``uniqueItems`` in linear time (``jsonschema``'s own is quadratic for lists of
    mixed types)."""
    from jsonschema.exceptions import ValidationError

    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _canonical(item)
        if key in seen:
            yield ValidationError(f"{excerpt(item)} appears more than once")
            return
        seen.add(key)


@functools.cache
def _detailed(name: SchemaName) -> Any:
    import jsonschema

    base = jsonschema.Draft202012Validator
    extend: Any = jsonschema.validators.extend
    cls = extend(base, {"uniqueItems": _unique_items})
    return cls(_schema(name), registry=_registry(), format_checker=base.FORMAT_CHECKER)


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
    yield ptr, worded(str(validator), error.instance, error.validator_value, error.message)


def _duplicate(items: list[Any]) -> Any:
    """The first value that appears twice in a list (in linear time), or ``None``."""
    seen: set[str] = set()
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            return item
        seen.add(key)
    return None


def worded(keyword: str, instance: Any, value: Any, fallback: str) -> str:
    """A schema error in words, quoting at most a short, escaped excerpt of the value.

    ``keyword`` is the schema keyword that failed and ``value`` its value in the schema;
    ``fallback`` is the checker's own message, used (escaped and cut) for other keywords.
    """
    count = len(instance) if isinstance(instance, list | dict | str) else 0
    if keyword == "maxLength":
        return f"{excerpt(instance)} is longer than {value} characters ({count})"
    if keyword == "minLength":
        return "the text is empty" if not instance else f"{excerpt(instance)} is too short"
    if keyword == "maxItems":
        return f"the list holds {count} items; at most {value} are allowed"
    if keyword == "minItems":
        return f"the list holds {count} items; at least {value} are needed"
    if keyword == "maxProperties":
        return f"the mapping holds {count} keys; at most {value} are allowed"
    if keyword == "minProperties":
        return f"the mapping holds {count} keys; at least {value} are needed"
    if keyword == "uniqueItems" and isinstance(instance, list):
        return f"the list holds {excerpt(_duplicate(instance))} more than once"
    if keyword in {"maximum", "exclusiveMaximum"}:
        return f"{_short(instance)} is above the maximum of {value}"
    if keyword in {"minimum", "exclusiveMinimum"}:
        return f"{_short(instance)} is below the minimum of {value}"
    if keyword == "format":
        return f"{excerpt(instance)} is not a valid {value}"
    if keyword == "enum" and isinstance(value, list):
        return f"{excerpt(instance)} is not one of {', '.join(map(str, value))}"
    if keyword == "required":
        return f"the required key {excerpt(value)} is missing"
    if keyword == "pattern":
        return f"{excerpt(instance)} does not have the expected form"
    if keyword == "type":
        return f"{_short(instance)} is not of type {value}"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        unexpected = value if isinstance(value, list) else list(instance)
        return f"unknown key {excerpt(str(unexpected[0]))}" if unexpected else fallback
    shown = fallback.encode("unicode_escape", "backslashreplace").decode("ascii", "replace")
    return shown if len(shown) <= 200 else shown[:197] + "..."


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
                else f"unsupported version {excerpt(marker)}"
            )
        else:
            hint = f"unknown file type {excerpt(marker)}"
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
        if len(problems) > MOST_PROBLEMS:
            more = len(problems) - MOST_PROBLEMS
            problems = problems[:MOST_PROBLEMS]
            problems.append(document.problem(f"{more} more problems like these are not listed"))
    if not problems:  # a large document, or one only the fast checker refuses
        for error in fast.iter_errors(data):
            ptr = pointer(list(error.instance_path))
            text = _fast_words(error)
            if (ptr, text) not in seen:
                seen.add((ptr, text))
                problems.append(document.problem(text, ptr))
            if len(problems) >= MOST_PROBLEMS:
                break
    raise FileFormatError(problems)


_FAST_VALUES = {
    "maxLength": "limit",
    "minLength": "limit",
    "maxItems": "limit",
    "minItems": "limit",
    "maxProperties": "limit",
    "minProperties": "limit",
    "maximum": "limit",
    "minimum": "limit",
    "exclusiveMaximum": "limit",
    "exclusiveMinimum": "limit",
    "format": "format",
    "enum": "options",
    "required": "property",
    "pattern": "pattern",
    "additionalProperties": "unexpected",
    "type": "types",
}


def _fast_words(error: Any) -> str:
    """A message for an error of the fast checker, worded like the detailed ones."""
    kind = getattr(error, "kind", None)
    keyword = str(getattr(kind, "name", ""))
    try:
        details = kind.as_dict() if kind is not None else {}
    except Exception:  # noqa: BLE001 - an unknown kind of error: use its own message
        details = {}
    value = details.get(_FAST_VALUES.get(keyword, ""))
    if keyword == "type" and isinstance(value, list):
        value = " or ".join(map(str, value))
    return worded(keyword, error.instance, value, str(error.message))


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
