"""Skill modules: ordered lessons that teach a set of skills."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from iopkit._activity import Activity
from iopkit._types import check_slug, check_text, long_text, nfc, nfc_all


def _lessons(value: Iterable[Activity]) -> tuple[Activity, ...]:
    return tuple(value)


def _check_lessons(_inst: object, _attr: object, value: tuple[Activity, ...]) -> None:
    if not value:
        raise ValueError("'lessons' must hold at least one lesson")
    for lesson in value:
        if not isinstance(lesson, Activity):
            raise TypeError(f"every lesson must be an Activity (got {lesson!r})")
        if lesson.is_break:
            raise ValueError(f"lesson {lesson.id!r} cannot be a break")
    ids = [lesson.id for lesson in value]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"lesson ids must be unique in a module (repeated: {', '.join(dupes)})")


def _check_requires(inst: SkillModule, _attr: object, value: tuple[str, ...]) -> None:
    for req in value:
        check_slug(inst, attrs.fields(SkillModule).requires, req)
    if inst.id in value:
        raise ValueError(f"module {inst.id!r} cannot require itself")


@attrs.frozen(kw_only=True)
class SkillModule:
    """A unit of skills teaching: an ordered sequence of lessons.

    Lessons are delivered in order, at most one per session unless a program's track says
    otherwise. A module starts only after every module it ``requires`` is complete.

    Attributes:
        id: A slug, unique among a catalog's modules.
        title: The module's title.
        modality: The id of the modality it teaches.
        lessons: The lessons, in teaching order; each an :class:`Activity`.
        skills: The skills it teaches, as short names.
        requires: Ids of modules that must be completed first.
        description: A short neutral description.
    """

    id: str = attrs.field(validator=check_slug)
    title: str = attrs.field(converter=nfc, validator=check_text)
    modality: str = attrs.field(validator=check_slug)
    lessons: tuple[Activity, ...] = attrs.field(converter=_lessons, validator=_check_lessons)
    skills: tuple[str, ...] = attrs.field(default=(), converter=nfc_all)
    requires: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_check_requires)
    description: str = attrs.field(default="", converter=long_text)
