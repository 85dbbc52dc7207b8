"""Sessions: one meeting, as an ordered run of blocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from iopkit._activity import Activity
from iopkit._checks import date
from iopkit._types import (
    ActivityKind,
    Format,
    Place,
    Weekday,
    check_slug,
    check_text,
    nfc,
    nfc_all,
)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _date(value: dt.date | str | None) -> dt.date | None:
    """A date, also as an ISO text ``YYYY-MM-DD``."""
    if value is None or value.__class__ is dt.date:
        return value
    return date(value)


def _positive(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"'{attribute.name}' must be a whole number of 1 or more (got {value!r})")


def _non_negative(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'{attribute.name}' must be a whole number of 0 or more (got {value!r})")


@attrs.frozen(kw_only=True)
class Pause:
    """The session's break held inside a block (a long lesson with its break in the
    middle): the block's activity goes on after it.

    Attributes:
        at: Minutes from the start of the block to the start of the break.
        minutes: How long the break lasts.
        activity: The break activity's id.
        title: The break activity's title.
    """

    at: int = attrs.field(validator=_positive)
    minutes: int = attrs.field(validator=_positive)
    activity: str = attrs.field(validator=check_slug)
    title: str = attrs.field(converter=nfc, validator=check_text)

    @classmethod
    def of(cls, activity: Activity, *, at: int, minutes: int | None = None) -> Pause:
        """A pause of the break ``activity``; ``minutes`` defaults to its shortest length."""
        return cls(
            at=at,
            minutes=activity.minutes.min if minutes is None else minutes,
            activity=activity.id,
            title=activity.title,
        )

    @property
    def end(self) -> int:
        """The minute the break ends, from the start of the block."""
        return self.at + self.minutes


def _pause(value: Pause | Mapping[str, object] | None) -> Pause | None:
    if value is None or isinstance(value, Pause):
        return value
    if isinstance(value, Mapping):
        return Pause(**value)  # type: ignore[arg-type]
    raise TypeError(f"'pause' must be a Pause or a mapping (got {value!r})")


@attrs.frozen(kw_only=True)
class Block:
    """One activity placed in a session at a start minute, with its length.

    A block carries the activity's id, title, kind, format and modality so that a
    curriculum stands on its own without the catalog it was made from.

    Attributes:
        start: Minutes from the start of the session.
        minutes: How long the block lasts.
        activity: The activity's id.
        title: The activity's title.
        kind: The activity's kind.
        format: The activity's format.
        modality: The activity's modality id, if any.
        module: The id of the skill module whose lesson this is, if any.
        lesson: The 1-based lesson number within ``module``, if any.
        track: The name of the program track that placed the lesson, if any.
        objectives: The activity's objectives, for facilitators.
        pause: The session's break, when the block holds it inside (its activity allows
            that); ``minutes`` then includes the break and :attr:`service_minutes`
            leaves it out.
    """

    start: int = attrs.field(validator=_non_negative)
    minutes: int = attrs.field(validator=_positive)
    activity: str = attrs.field(validator=check_slug)
    title: str = attrs.field(converter=nfc, validator=check_text)
    kind: ActivityKind = attrs.field(converter=ActivityKind)
    format: Format = attrs.field(default=Format.GROUP, converter=Format)
    modality: str | None = None
    module: str | None = None
    lesson: int | None = None
    track: str | None = None
    objectives: tuple[str, ...] = attrs.field(default=(), converter=nfc_all)
    pause: Pause | None = attrs.field(default=None, converter=_pause)

    def __attrs_post_init__(self) -> None:
        if self.pause is not None:
            if self.kind is ActivityKind.BREAK:
                raise ValueError("a break holds no other break inside it")
            if self.pause.end >= self.minutes:
                raise ValueError(
                    f"the break inside '{self.activity}' ends at minute {self.pause.end} of "
                    f"a {self.minutes}-minute block: it must end before the block does"
                )
        if (self.module is None) != (self.lesson is None):
            raise ValueError("a block names both 'module' and 'lesson', or neither")
        if self.lesson is not None and self.lesson < 1:
            raise ValueError(f"'lesson' is 1-based (got {self.lesson})")
        if self.track is not None and self.module is None:
            raise ValueError("a block with a 'track' must name its 'module' and 'lesson'")

    @classmethod
    def of(
        cls,
        activity: Activity,
        *,
        start: int,
        minutes: int | None = None,
        module: str | None = None,
        lesson: int | None = None,
        track: str | None = None,
        pause: Pause | None = None,
    ) -> Block:
        """A block for ``activity``; ``minutes`` (the break inside included, if
        ``pause`` is given) defaults to its shortest length."""
        return cls(
            start=start,
            minutes=activity.minutes.min if minutes is None else minutes,
            activity=activity.id,
            title=activity.title,
            kind=activity.kind,
            format=activity.format,
            modality=activity.modality,
            module=module,
            lesson=lesson,
            track=track,
            objectives=activity.objectives,
            pause=pause,
        )

    @property
    def end(self) -> int:
        """The minute the block ends, from the start of the session."""
        return self.start + self.minutes

    @property
    def is_break(self) -> bool:
        """Whether the block is a break (not a service)."""
        return self.kind is ActivityKind.BREAK

    @property
    def service_minutes(self) -> int:
        """The minutes of service the block gives (none for a break), its length
        without the break inside it."""
        if self.is_break:
            return 0
        return self.minutes - (self.pause.minutes if self.pause is not None else 0)


def _blocks(value: Iterable[Block]) -> tuple[Block, ...]:
    return tuple(value)


def _check_blocks(_inst: object, _attr: object, blocks: tuple[Block, ...]) -> None:
    if not blocks:
        raise ValueError("a session needs at least one block")
    expected = 0
    for index, block in enumerate(blocks):
        if not isinstance(block, Block):
            raise TypeError(f"block {index + 1} must be a Block (got {block!r})")
        if block.start != expected:
            what = "overlaps the block before it" if block.start < expected else "leaves a gap"
            raise ValueError(
                f"block {index + 1} ({block.activity}) starts at minute {block.start} and "
                f"{what}: it should start at minute {expected}"
            )
        expected = block.end


def _optional_text(inst: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        check_text(inst, attribute, value)


@attrs.frozen(kw_only=True)
class SessionGroup:
    """A group meeting in a session beside, before or after its main blocks, for the
    patients of one phase of their stay.

    Attributes:
        name: The group's id in the program.
        place: ``beside`` (at the same time as the main blocks), ``before`` or ``after``.
        start: Its first minute, from the start of the main blocks (negative before them).
        blocks: Its blocks back to back; the first starts at minute 0 of the group.
        room: Where it meets, if the program says.
        label: Its title for schedules, if the program gives one.
    """

    name: str = attrs.field(validator=check_slug)
    place: Place = attrs.field(converter=Place)
    start: int = attrs.field()
    blocks: tuple[Block, ...] = attrs.field(converter=_blocks, validator=_check_blocks)
    room: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )
    label: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )

    @start.validator
    def _check_start(self, _attr: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"'start' must be a whole number of minutes (got {value!r})")

    @property
    def minutes(self) -> int:
        """Wall-clock length in minutes, breaks included."""
        return self.blocks[-1].end

    @property
    def service_minutes(self) -> int:
        """The length in minutes without breaks."""
        return sum(b.service_minutes for b in self.blocks)

    @property
    def title(self) -> str:
        """The label, or else the name; what schedules call this session."""
        return self.label or self.name


def _groups(value: Iterable[SessionGroup]) -> tuple[SessionGroup, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Session:
    """One meeting of the program: blocks back to back, without gaps or overlaps.

    Attributes:
        number: The session's number in the curriculum, from 1.
        day: The weekday it falls on.
        date: Its calendar date, when the program has a start date.
        blocks: The blocks in order; the first starts at minute 0.
        replaces: For a make-up session, the date of the closed session it replaces.
        groups: Groups meeting beside, before or after the main blocks, each attended
            by the patients of one phase of their stay (none in most programs).
    """

    number: int = attrs.field(validator=_positive)
    day: Weekday = attrs.field(converter=Weekday)
    blocks: tuple[Block, ...] = attrs.field(converter=_blocks, validator=_check_blocks)
    date: dt.date | None = attrs.field(default=None, converter=_date)
    replaces: dt.date | None = attrs.field(default=None, converter=_date)
    groups: tuple[SessionGroup, ...] = attrs.field(default=(), converter=_groups)

    def __attrs_post_init__(self) -> None:
        names = [g.name for g in self.groups]
        if len(set(names)) != len(names):
            raise ValueError("a group meets at most once in a session")
        for group in self.groups:
            if group.place is Place.BESIDE and group.start < 0:
                raise ValueError(
                    f"group {group.name!r} meets beside the session but starts before it"
                )
        if self.date is not None and Weekday.of(self.date.weekday()) is not self.day:
            raise ValueError(f"date {self.date.isoformat()} is not a {self.day.value}")
        if self.replaces is not None and (
            self.date is None
            or self.replaces == self.date
            or abs((self.date - self.replaces).days) > 6
        ):
            raise ValueError(
                "a make-up session replaces a closed date of the same week, other than its own"
            )

    @property
    def minutes(self) -> int:
        """Wall-clock length in minutes, breaks included."""
        return self.blocks[-1].end

    @property
    def service_minutes(self) -> int:
        """The length in minutes without breaks (the minutes of service)."""
        return sum(b.service_minutes for b in self.blocks)

    def _repr_html_(self) -> str:
        from iopkit._display import session_html

        return session_html(self)
