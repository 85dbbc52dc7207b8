"""Activities: the things that fill a session's blocks."""

from __future__ import annotations

import attrs

from iopkit._types import (
    ActivityKind,
    Format,
    Range,
    check_slug,
    check_text,
    long_text,
    nfc,
    nfc_all,
)

#: An activity longer than this (a whole day) is certainly a typo.
MAX_ACTIVITY_MINUTES = 480


def _to_minutes(value: int | Range) -> Range:
    if isinstance(value, Range):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'minutes' must be a whole number or a Range (got {value!r})")
    if value < 0:
        raise ValueError(f"'minutes' must not be negative (got {value})")
    return Range.exactly(value)


def _check_minutes(_inst: object, _attr: object, value: Range) -> None:
    if value.max is None:
        raise ValueError("'minutes' needs a maximum: an activity cannot be unbounded")
    if value.min < 1:
        raise ValueError(f"'minutes' must be at least 1 (got {value.describe()})")
    if value.max > MAX_ACTIVITY_MINUTES:
        raise ValueError(
            f"'minutes' must be at most {MAX_ACTIVITY_MINUTES} (got {value.describe()})"
        )


@attrs.frozen(kw_only=True)
class Activity:
    """Something that happens in a session: a check-in, a skills lesson, a break.

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
    """

    id: str = attrs.field(validator=check_slug)
    title: str = attrs.field(converter=nfc, validator=check_text)
    kind: ActivityKind = attrs.field(converter=ActivityKind)
    minutes: Range = attrs.field(converter=_to_minutes, validator=_check_minutes)
    format: Format = attrs.field(default=Format.GROUP, converter=Format)
    modality: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_slug)
    )
    objectives: tuple[str, ...] = attrs.field(default=(), converter=nfc_all)
    materials: tuple[str, ...] = attrs.field(default=(), converter=nfc_all)
    billing_code: str | None = None
    description: str = attrs.field(default="", converter=long_text)

    @property
    def is_break(self) -> bool:
        """Whether this is a break (not a service)."""
        return self.kind is ActivityKind.BREAK

    @property
    def flexible(self) -> bool:
        """Whether its length can flex."""
        return not self.minutes.fixed
