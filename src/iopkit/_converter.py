"""The one cattrs converter that turns documents into typed objects and back."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._documents import Document, pointer
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit._session import Block, Session
from iopkit._types import ActivityKind, Format, Range, Weekday
from iopkit.errors import FileFormatError, InputError

_T = TypeVar("_T")

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
# Registered first: the generated functions below bind the hooks known at that moment.
for _enum in (ActivityKind, Format, Weekday):
    converter.register_unstructure_hook(_enum, operator.attrgetter("value"))


def _structure_range(value: Any, _type: object) -> Range:
    if isinstance(value, int) and not isinstance(value, bool):
        return Range.exactly(value)
    if isinstance(value, dict):
        extra = set(value) - {"min", "max"}
        if extra:
            raise ValueError(f"unknown range keys: {', '.join(sorted(extra))}")
        return Range(min=value.get("min", 0), max=value.get("max"))
    raise TypeError(f"expected a number or {{min, max}} (got {value!r})")


def _unstructure_range(value: Range) -> dict[str, int]:
    result = {"min": value.min}
    if value.max is not None:
        result["max"] = value.max
    return result


converter.register_structure_hook(Range, _structure_range)
converter.register_unstructure_hook(Range, _unstructure_range)
converter.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
converter.register_unstructure_hook(dt.date, dt.date.isoformat)

for _cls in (TherapyModality, SkillModule):
    converter.register_unstructure_hook(
        _cls, make_dict_unstructure_fn(_cls, converter, _cattrs_omit_if_default=True)
    )

_activity_unstructure = make_dict_unstructure_fn(Activity, converter, _cattrs_omit_if_default=True)


def _unstructure_activity(activity: Activity) -> dict[str, Any]:
    result = _activity_unstructure(activity)
    if activity.minutes.fixed:
        result["minutes"] = activity.minutes.min
    return result


converter.register_unstructure_hook(Activity, _unstructure_activity)


def _structure_catalog(data: Any, _type: object) -> Catalog:
    data = dict(data)
    data.pop("iopkit", None)
    return Catalog(
        modalities=converter.structure(data.get("modalities", []), list[TherapyModality]),
        activities=converter.structure(data.get("activities", []), list[Activity]),
        modules=converter.structure(data.get("modules", []), list[SkillModule]),
    )


def _unstructure_catalog(catalog: Catalog) -> dict[str, Any]:
    result: dict[str, Any] = {"iopkit": "catalog/1"}
    for section, items in catalog.sections():
        if items:
            result[section] = [converter.unstructure(item) for item in items]
    return result


converter.register_structure_hook(Catalog, _structure_catalog)
converter.register_unstructure_hook(Catalog, _unstructure_catalog)

# Blocks and sessions always write every key: the curriculum format is a public contract.
converter.register_unstructure_hook(Block, make_dict_unstructure_fn(Block, converter))
converter.register_structure_hook(
    Block, make_dict_structure_fn(Block, converter, _cattrs_forbid_extra_keys=True)
)


def _unstructure_session(session: Session) -> dict[str, Any]:
    return {
        "number": session.number,
        "day": session.day.value,
        "date": session.date.isoformat() if session.date else None,
        "minutes": session.minutes,
        "service_minutes": session.service_minutes,
        "blocks": [converter.unstructure(b) for b in session.blocks],
    }


_session_structure = make_dict_structure_fn(
    Session, converter, _cattrs_forbid_extra_keys=False, date=override(omit_if_default=False)
)


def _structure_session(data: Any, _type: object) -> Session:
    data = dict(data)
    minutes = data.pop("minutes", None)
    service = data.pop("service_minutes", None)
    session = _session_structure(data, Session)
    if minutes is not None and minutes != session.minutes:
        raise ValueError(f"'minutes' says {minutes} but the blocks last {session.minutes}")
    if service is not None and service != session.service_minutes:
        raise ValueError(
            f"'service_minutes' says {service} but the blocks hold {session.service_minutes}"
        )
    return session


converter.register_unstructure_hook(Session, _unstructure_session)
converter.register_structure_hook(Session, _structure_session)


def _walk(
    exc: BaseException, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], BaseException]]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            index = getattr(note, "index", None)
            step: str | int = index if isinstance(index, int) else str(getattr(note, "name", "?"))
            yield from _walk(inner, (*path, step))
        for other in without:
            yield from _walk(other, path)
    elif isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from _walk(member, path)
    elif isinstance(exc, InputError):
        for problem in exc.problems:
            yield (*path, *_tokens(problem.pointer)), _Located(problem.message)
    else:
        yield path, exc


class _Located(Exception):  # noqa: N818 - a carrier, never raised
    """A message already located by an inner :class:`InputError`."""


def _tokens(ptr: str) -> tuple[str | int, ...]:
    if not ptr:
        return ()
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def structure(document: Document, cls: type[_T], base: tuple[str | int, ...] = ()) -> _T:
    """Structure a schema-valid document into ``cls``, reporting every failure at once."""
    try:
        return converter.structure(document.data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = [
            document.problem(_message(inner), pointer(list(base + path)))
            for path, inner in _walk(exc, ())
        ]
        raise FileFormatError(problems) from None
    except InputError as exc:
        raise FileFormatError(
            [
                document.problem(m, pointer(list(base + path)))
                for path, inner in _walk(exc, ())
                for m in [_message(inner)]
            ]
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise FileFormatError([document.problem(_message(exc), pointer(list(base)))]) from None


def _message(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return text or type(exc).__name__
