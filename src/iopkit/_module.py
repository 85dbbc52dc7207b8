"""Skill modules: ordered lessons that teach a set of skills."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iopkit._activity import Activity
from iopkit._checks import build, invalid, items, located
from iopkit._types import check_slug, check_text, check_texts, long_text, nfc, nfc_all, strings


def _lesson(value: Activity | Mapping[str, Any]) -> Activity:
    return build(Activity, value, "an Activity or a mapping of its keys")


def _lessons(
    value: Iterable[Activity | Mapping[str, Any]] | Activity,
) -> tuple[Activity, ...]:
    return items(value, _lesson, "lessons (Activity objects or mappings)", single=Activity)


# Checks a catalog file's schema does not make are reported at the module, where files
# report them; the others at the field.
def _check_lessons(inst: object, attr: attrs.Attribute[Any], value: tuple[Activity, ...]) -> None:
    if not value:
        raise invalid(inst, attr, "'lessons' must hold at least one lesson")
    for index, lesson in enumerate(value):
        if not isinstance(lesson, Activity):
            raise invalid(
                inst,
                attr,
                f"every lesson must be an Activity (got {lesson!r})",
                wrong_type=True,
                index=index,
            )
        if lesson.is_break:
            raise invalid(inst, None, f"lesson {lesson.id!r} cannot be a break")
    ids = [lesson.id for lesson in value]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise invalid(
            inst, None, f"lesson ids must be unique in a module (repeated: {', '.join(dupes)})"
        )


def _check_requires(inst: SkillModule, attr: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for index, req in enumerate(value):
        check_slug(inst, attr, req, index)
    if inst.id in value:
        raise invalid(inst, None, f"module {inst.id!r} cannot require itself")


@located
@attrs.frozen(kw_only=True)
class SkillModule:
    """A unit of skills teaching: an ordered sequence of lessons.

    Lessons are delivered in order, at most one per session unless a program's track says
    otherwise. A module starts only after every module it ``requires`` is complete.

    Every field takes what a catalog file writes: lessons as mappings, a single text for
    ``skills`` or ``requires``.

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
    skills: tuple[str, ...] = attrs.field(default=(), converter=nfc_all, validator=check_texts)
    requires: tuple[str, ...] = attrs.field(
        default=(), converter=strings, validator=_check_requires
    )
    description: str = attrs.field(default="", converter=long_text)
