"""Activities: the things that fill a session's blocks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from iopkit._checks import invalid, located
from iopkit._types import (
    ActivityKind,
    Format,
    Range,
    activity_format,
    activity_kind,
    check_slug,
    check_text,
    check_texts,
    long_text,
    nfc,
    nfc_all,
    to_range,
)

#: An activity longer than this (a whole day) is certainly a typo.
MAX_ACTIVITY_MINUTES = 480


def _to_minutes(value: int | Range | Mapping[str, Any]) -> Range:
    if isinstance(value, Range):
        return value
    if isinstance(value, Mapping):
        return to_range(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"'minutes' must be a whole number, a Range or a mapping {{min, max}} (got {value!r})"
        )
    if value < 0:
        raise ValueError(f"'minutes' must not be negative (got {value})")
    return Range.exactly(value)


def _check_minutes(inst: object, attr: attrs.Attribute[Any], value: Range) -> None:
    if value.max is None:
        raise invalid(inst, attr, "'minutes' needs a maximum: an activity cannot be unbounded")
    if value.min < 1:
        raise invalid(inst, attr, f"'minutes' must be at least 1 (got {value.describe()})")
    if value.max > MAX_ACTIVITY_MINUTES:
        raise invalid(
            inst,
            attr,
            f"'minutes' must be at most {MAX_ACTIVITY_MINUTES} (got {value.describe()})",
        )


@located
@attrs.frozen(kw_only=True)
class Activity:
    """Something that happens in a session: a check-in, a skills lesson, a break.

    Every field takes what a catalog file writes: ``kind="check-in"``, ``minutes=45`` or
    ``minutes={"min": 45, "max": 90}``, a single text for ``objectives``.

    Attributes:
        id: A slug, unique among a catalog's activities (lessons included).
        title: A short title shown in schedules.
        kind: What the activity does (:class:`ActivityKind`).
        format: Who takes part (:class:`Format`); group by default.
        minutes: Its length: a fixed number, or a :class:`Range` for activities whose
            length can flex (a process group of 45 to 90 minutes).
        modality: The id of the :class:`TherapyModality` it belongs to, if any.
        objectives: What participants should take away, one sentence each.
        materials: What the facilitator needs.
        billing_code: A CPT or HCPCS code, for exports and reports only.
        description: A short neutral description.
        break_inside: Whether a block of it may hold the session's break inside it (a
            two-hour skills group with its break in the middle); its service minutes
            then leave the break out, and it still counts once.
    """

    id: str = attrs.field(validator=check_slug)
    title: str = attrs.field(converter=nfc, validator=check_text)
    kind: ActivityKind = attrs.field(converter=activity_kind)
    minutes: Range = attrs.field(converter=_to_minutes, validator=_check_minutes)
    format: Format = attrs.field(default=Format.GROUP, converter=activity_format)
    modality: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_slug)
    )
    objectives: tuple[str, ...] = attrs.field(default=(), converter=nfc_all, validator=check_texts)
    materials: tuple[str, ...] = attrs.field(default=(), converter=nfc_all, validator=check_texts)
    billing_code: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_text)
    )
    description: str = attrs.field(default="", converter=long_text)
    break_inside: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    @property
    def is_break(self) -> bool:
        """Whether this is a break (not a service)."""
        return self.kind is ActivityKind.BREAK

    @property
    def flexible(self) -> bool:
        """Whether its length can flex."""
        return not self.minutes.fixed
