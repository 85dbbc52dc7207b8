"""The one cattrs converter: every hook that turns documents into typed objects and back,
configured in this one place (cattrs' own advice: build your converter, do not register
hooks from many modules at import time)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit._session import Block, Session, SessionGroup
from iopkit._types import ActivityKind, Format, Place, Range, Weekday, to_range
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._profile import Profile, ProfileLongSessions, ProfileWeeklyMinutes
from iopkit.curriculum._program import (
    Admission,
    BreakRule,
    Count,
    Edge,
    Every,
    Group,
    GroupSizes,
    Order,
    PatientWeeks,
    Per,
    Population,
    Program,
    Requirement,
    RollingAdmission,
    SessionShape,
    Stay,
    Track,
    WeeklyMinutes,
    Weeks,
    Which,
    admission_of,
    phase,
    stay_of,
)
from iopkit.curriculum._selector import Selector
from iopkit.errors import FileFormatError, InputError

_T = TypeVar("_T")

_SELECTOR_KEYS = ("activity", "kind", "modality", "format", "module", "track", "min_minutes")
_ENUMS: tuple[type[enum.Enum], ...] = (
    ActivityKind,
    Format,
    Weekday,
    Population,
    Per,
    Count,
    Place,
    Every,
    Edge,
    Which,
)


def _structure_range(value: Any, _type: object) -> Range:
    return to_range(value)


def _unstructure_range(value: Range) -> dict[str, int]:
    result = {"min": value.min}
    if value.max is not None:
        result["max"] = value.max
    return result


def _structure_requirement(data: Any, _type: object) -> Requirement:
    data = dict(data)
    selector = Selector(**{k: data.pop(k) for k in _SELECTOR_KEYS if k in data})
    return Requirement(selector=selector, **data)


def selector_fields(sel: Selector) -> dict[str, Any]:
    """A selector as the keys a requirement writes it with."""
    result: dict[str, Any] = {}
    if sel.activity is not None:
        result["activity"] = sel.activity
    if sel.kind is not None:
        kinds = [k.value for k in sel.kind]
        result["kind"] = kinds[0] if len(kinds) == 1 else kinds
    if sel.modality is not None:
        result["modality"] = sel.modality
    if sel.format is not None:
        result["format"] = sel.format.value
    if sel.module is not None:
        result["module"] = sel.module
    if sel.track is not None:
        result["track"] = sel.track
    if sel.min_minutes is not None:
        result["min_minutes"] = sel.min_minutes
    return result


def _unstructure_requirement(req: Requirement) -> dict[str, Any]:
    result = selector_fields(req.selector)
    result["per"] = req.per.value
    result["min"] = req.min
    if req.max is not None:
        result["max"] = req.max
    if req.patient_weeks is not None:
        result["patient_weeks"] = unstructure_phase(req.patient_weeks)
    if req.days is not None:
        result["days"] = [d.value for d in req.days]
    if isinstance(req.weeks, Weeks):
        result["weeks"] = _unstructure_weeks(req.weeks)
    elif req.weeks is not None:
        result["weeks"] = list(req.weeks)
    if req.session is not None:
        result["session"] = req.session.value
    return result


def _structure_order(data: Any, _type: object) -> Order:
    return Order(**dict(data))


def _unstructure_order(entry: Order) -> dict[str, Any]:
    result = selector_fields(entry.selector)
    if entry.at is not None:
        result["at"] = entry.at.value
    for name in ("before", "directly_before", "not_directly_after"):
        other = getattr(entry, name)
        if other is not None:
            result[name] = selector_fields(other)
    return result


def _structure_group_sizes(data: Any, _type: object) -> GroupSizes:
    return GroupSizes(**dict(data))


def structure_phase(value: Any, _type: object = None) -> tuple[PatientWeeks, ...] | None:
    """Patient weeks as files write them (see :func:`phase`)."""
    return phase(value)


def _unstructure_span(span: PatientWeeks) -> Any:
    if span.from_end:
        return "last" if span.from_ == 1 and span.to == 1 else {"last": span.to}
    if span.from_ == span.to:
        return "first" if span.from_ == 1 else span.from_
    result: dict[str, int] = {"from": span.from_}
    if span.to is not None:
        result["to"] = span.to
    return result


def unstructure_phase(spans: tuple[PatientWeeks, ...]) -> Any:
    """Patient weeks in the shortest form files write them in."""
    items = [_unstructure_span(s) for s in spans]
    return items[0] if len(items) == 1 else items


def _structure_admission(data: Any, _type: object) -> Admission:
    return admission_of(data)


def _unstructure_admission(admission: Admission) -> dict[str, Any]:
    if admission.every is not None:
        return {"every": admission.every.value}
    if admission.track is not None:
        result: dict[str, Any] = {"at": "module-starts", "track": admission.track}
        if admission.modules is not None:
            result["modules"] = list(admission.modules)
        return result
    return {"dates": [d.isoformat() for d in admission.dates or ()]}


def _structure_stay(data: Any, _type: object) -> Stay:
    return stay_of(data)


def _unstructure_stay(stay: Stay) -> dict[str, Any]:
    if stay.fixed:
        return {"weeks": stay.min}
    return {"weeks": {"min": stay.min, "max": stay.max}}


def _structure_weeks(data: Any, _type: object) -> Weeks:
    return Weeks(from_=data.get("from", 1), to=data.get("to"))


def _unstructure_weeks(weeks: Weeks) -> dict[str, int]:
    result = {"from": weeks.from_}
    if weeks.to is not None:
        result["to"] = weeks.to
    return result


def _build() -> cattrs.Converter:
    """The converter with every hook, enums first (generated functions bind the hooks
    known when they are made)."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for enum_type in _ENUMS:
        conv.register_unstructure_hook(enum_type, lambda v: v.value)
    conv.register_structure_hook(Range, _structure_range)
    conv.register_unstructure_hook(Range, _unstructure_range)
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(
        tuple[Weekday, ...] | None,
        lambda v, _: None if v is None else tuple(Weekday(d) for d in v),
    )
    conv.register_structure_hook(
        tuple[ActivityKind, ...] | None,
        lambda v, _: (
            None
            if v is None
            else tuple(ActivityKind(k) for k in ([v] if isinstance(v, str) else v))
        ),
    )

    # building blocks and catalogs
    conv.register_unstructure_hook(
        TherapyModality,
        make_dict_unstructure_fn(TherapyModality, conv, _cattrs_omit_if_default=True),
    )
    module_unstructure = make_dict_unstructure_fn(SkillModule, conv, _cattrs_omit_if_default=True)

    def unstructure_module(module: SkillModule) -> dict[str, Any]:
        # lessons keep every key they always had; break_inside (added later) only when set
        result = module_unstructure(module)
        for lesson in result.get("lessons", ()):
            if lesson.get("break_inside") is False:
                del lesson["break_inside"]
        return result

    conv.register_unstructure_hook(SkillModule, unstructure_module)
    activity_unstructure = make_dict_unstructure_fn(Activity, conv, _cattrs_omit_if_default=True)

    def unstructure_activity(activity: Activity) -> dict[str, Any]:
        result = activity_unstructure(activity)
        if activity.minutes.fixed:
            result["minutes"] = activity.minutes.min
        return result

    conv.register_unstructure_hook(Activity, unstructure_activity)

    def structure_catalog(data: Any, _type: object) -> Catalog:
        data = dict(data)
        data.pop("iopkit", None)
        return Catalog(
            modalities=conv.structure(data.get("modalities", []), list[TherapyModality]),
            activities=conv.structure(data.get("activities", []), list[Activity]),
            modules=conv.structure(data.get("modules", []), list[SkillModule]),
        )

    def unstructure_catalog(catalog: Catalog) -> dict[str, Any]:
        result: dict[str, Any] = {"iopkit": "catalog/1"}
        for section, items in catalog.sections():
            if items:
                result[section] = [conv.unstructure(item) for item in items]
        return result

    conv.register_structure_hook(Catalog, structure_catalog)
    conv.register_unstructure_hook(Catalog, unstructure_catalog)

    # blocks and sessions always write every key: the curriculum format is a public
    # contract; a block writes ``pause`` only when it holds a break, so that curricula
    # without one read the same as before it existed
    conv.register_unstructure_hook(
        Block, make_dict_unstructure_fn(Block, conv, pause=override(omit_if_default=True))
    )
    conv.register_structure_hook(
        Block, make_dict_structure_fn(Block, conv, _cattrs_forbid_extra_keys=True)
    )
    conv.register_unstructure_hook(Place, lambda v: v.value)
    session_structure = make_dict_structure_fn(
        Session,
        conv,
        _cattrs_forbid_extra_keys=False,
        date=override(omit_if_default=False),
    )

    def unstructure_session(session: Session) -> dict[str, Any]:
        return {
            "number": session.number,
            "day": session.day.value,
            "date": session.date.isoformat() if session.date else None,
            "replaces": session.replaces.isoformat() if session.replaces else None,
            "minutes": session.minutes,
            "service_minutes": session.service_minutes,
            "blocks": [conv.unstructure(b) for b in session.blocks],
            **(
                {"groups": [unstructure_group(g) for g in session.groups]} if session.groups else {}
            ),
        }

    def unstructure_group(group: SessionGroup) -> dict[str, Any]:
        result: dict[str, Any] = {
            "name": group.name,
            "place": group.place.value,
            "start": group.start,
            "minutes": group.minutes,
            "service_minutes": group.service_minutes,
        }
        if group.room is not None:
            result["room"] = group.room
        if group.label is not None:
            result["label"] = group.label
        result["blocks"] = [conv.unstructure(b) for b in group.blocks]
        return result

    def structure_group(data: Any, _type: object) -> SessionGroup:
        data = dict(data)
        minutes = data.pop("minutes", None)
        service = data.pop("service_minutes", None)
        group = group_structure(data, SessionGroup)
        if minutes is not None and minutes != group.minutes:
            raise ValueError(f"'minutes' says {minutes} but the blocks last {group.minutes}")
        if service is not None and service != group.service_minutes:
            raise ValueError(
                f"'service_minutes' says {service} but the blocks hold {group.service_minutes}"
            )
        return group

    group_structure = make_dict_structure_fn(SessionGroup, conv, _cattrs_forbid_extra_keys=True)
    conv.register_structure_hook(SessionGroup, structure_group)

    def structure_session(data: Any, _type: object) -> Session:
        data = dict(data)
        minutes = data.pop("minutes", None)
        service = data.pop("service_minutes", None)
        session = session_structure(data, Session)
        if minutes is not None and minutes != session.minutes:
            raise ValueError(f"'minutes' says {minutes} but the blocks last {session.minutes}")
        if service is not None and service != session.service_minutes:
            raise ValueError(
                f"'service_minutes' says {service} but the blocks hold {session.service_minutes}"
            )
        return session

    conv.register_unstructure_hook(Session, unstructure_session)
    conv.register_structure_hook(Session, structure_session)

    # programs
    conv.register_structure_hook(Requirement, _structure_requirement)
    conv.register_unstructure_hook(Requirement, _unstructure_requirement)
    conv.register_structure_hook(Order, _structure_order)
    conv.register_unstructure_hook(Order, _unstructure_order)
    conv.register_structure_hook(GroupSizes, _structure_group_sizes)
    conv.register_unstructure_hook(GroupSizes, lambda sizes: sizes.to_dict())
    conv.register_structure_hook(Weeks, _structure_weeks)
    conv.register_unstructure_hook(Weeks, _unstructure_weeks)
    phase_types = (tuple[PatientWeeks, ...], tuple[PatientWeeks, ...] | None)
    conv.register_structure_hook_func(lambda t: t in phase_types, structure_phase)
    conv.register_unstructure_hook_func(
        lambda t: t in phase_types, lambda v: None if v is None else unstructure_phase(v)
    )
    conv.register_structure_hook(Admission, _structure_admission)
    conv.register_unstructure_hook(Admission, _unstructure_admission)
    conv.register_structure_hook(Stay, _structure_stay)
    conv.register_unstructure_hook(Stay, _unstructure_stay)
    parts: tuple[type[Any], ...] = (
        BreakRule,
        SessionShape,
        WeeklyMinutes,
        Track,
        RollingAdmission,
        Group,
    )
    for cls in parts:
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)
        )
        conv.register_structure_hook(
            cls, make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)
        )
    hidden: dict[str, Any] = {
        "catalog": override(omit=True),
        "profile_definitions": override(omit=True),
        "file": override(omit=True),
    }
    program_unstructure = make_dict_unstructure_fn(
        Program,
        conv,
        _cattrs_omit_if_default=True,
        **hidden,
    )
    program_structure = make_dict_structure_fn(
        Program,
        conv,
        _cattrs_forbid_extra_keys=True,
        **hidden,
    )

    def structure_program(data: Any, _type: object) -> Program:
        data = dict(data)
        data.pop("iopkit", None)
        return program_structure(data, Program)

    def unstructure_program(program: Program) -> dict[str, Any]:
        return {"iopkit": "program/1", **program_unstructure(program)}

    conv.register_structure_hook(Program, structure_program)
    conv.register_unstructure_hook(Program, unstructure_program)
    conv.register_structure_hook(
        Week, make_dict_structure_fn(Week, conv, _cattrs_forbid_extra_keys=True)
    )

    # profiles
    profile_parts: tuple[type[Any], ...] = (ProfileWeeklyMinutes, ProfileLongSessions)
    for cls in profile_parts:
        conv.register_structure_hook(
            cls, make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)
        )
        # ``min`` always: a part left at every default would be an empty mapping, which
        # the schema refuses (a saved curriculum carrying such a profile did not reload)
        conv.register_unstructure_hook(
            cls,
            make_dict_unstructure_fn(
                cls, conv, _cattrs_omit_if_default=True, min=override(omit_if_default=False)
            ),
        )
    profile_structure = make_dict_structure_fn(
        Profile, conv, _cattrs_forbid_extra_keys=True, file=override(omit=True)
    )
    profile_unstructure = make_dict_unstructure_fn(
        Profile, conv, _cattrs_omit_if_default=True, file=override(omit=True)
    )

    def structure_profile(data: Any, _type: object) -> Profile:
        data = dict(data)
        data.pop("iopkit", None)
        return profile_structure(data, Profile)

    def unstructure_profile(profile: Profile) -> dict[str, Any]:
        return {"iopkit": "profile/1", **profile_unstructure(profile)}

    conv.register_structure_hook(Profile, structure_profile)
    conv.register_unstructure_hook(Profile, unstructure_profile)
    return conv


#: The converter every file of iopkit is read and written with.
converter = _build()


def program_document(program: Program) -> dict[str, Any]:
    """The program as a plain document, ``iopkit: program/1`` first."""
    result: dict[str, Any] = converter.unstructure(program)
    return result


def curriculum_document(
    curriculum: Curriculum, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The curriculum as a plain document, ``iopkit: curriculum/1`` first; ``extra`` adds
    the definitions it carries (catalog items and profiles that are not built in)."""
    document: dict[str, Any] = {
        "iopkit": "curriculum/1",
        "program": program_document(curriculum.program),
    }
    if extra:
        document.update(extra)
    document["weeks"] = [
        {"number": w.number, "sessions": [converter.unstructure(s) for s in w.sessions]}
        for w in curriculum.weeks
    ]
    return document


def walk(
    exc: BaseException, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], BaseException]]:
    """Every leaf error of a cattrs error tree, with its path."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            index = getattr(note, "index", None)
            step: str | int = index if isinstance(index, int) else str(getattr(note, "name", "?"))
            yield from walk(inner, (*path, step))
        for other in without:
            yield from walk(other, path)
    elif isinstance(exc, BaseExceptionGroup):
        for member in exc.exceptions:
            yield from walk(member, path)
    elif isinstance(exc, InputError):
        for problem in exc.problems:
            yield (*path, *tokens(problem.pointer)), _Located(problem.message)
    else:
        yield path, exc


class _Located(Exception):  # noqa: N818 - a carrier, never raised
    """A message already located by an inner :class:`InputError`."""


def tokens(ptr: str) -> tuple[str | int, ...]:
    """The parts of a JSON pointer."""
    if not ptr:
        return ()
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def message(exc: BaseException) -> str:
    """The text of a leaf error."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return text or type(exc).__name__


def structure_data(data: Any, cls: type[_T]) -> _T:
    """Structure plain data into ``cls`` (errors as cattrs raises them)."""
    return converter.structure(data, cls)


__all__ = [
    "FileFormatError",
    "converter",
    "curriculum_document",
    "message",
    "program_document",
    "selector_fields",
    "structure_data",
    "tokens",
    "walk",
]
