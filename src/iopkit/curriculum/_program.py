"""Programs: the limits a curriculum must meet."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from typing import Any

import attrs

from iopkit._catalog import Catalog
from iopkit._types import Range, Weekday, check_slug, check_text, nfc
from iopkit.curriculum._selector import Selector
from iopkit.errors import Problem, ProgramError


class Population(enum.StrEnum):
    """Who a program serves; profiles use it to pick thresholds."""

    ADULT = "adult"
    ADOLESCENT = "adolescent"


class Per(enum.StrEnum):
    """The span a requirement counts over."""

    SESSION = "session"
    WEEK = "week"
    PROGRAM = "program"


class Count(enum.StrEnum):
    """What weekly minutes count: service minutes (breaks excluded) or wall-clock."""

    SERVICE = "service"
    WALL = "wall"


def _days(value: Iterable[Weekday | str]) -> tuple[Weekday, ...]:
    return tuple(Weekday(v) for v in value)


def _unique_days(
    _inst: object, attribute: attrs.Attribute[Any], value: tuple[Weekday, ...]
) -> None:
    if len(set(value)) != len(value):
        raise ValueError(f"'{attribute.name}' lists a weekday twice")


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _check_ids(inst: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        check_slug(inst, attribute, item)


@attrs.frozen(kw_only=True)
class BreakRule:
    """Never more than ``after`` service minutes without a break of ``minutes``.

    Attributes:
        after: The most service minutes allowed between breaks.
        minutes: The length of each break.
        activity: The catalog activity (of kind ``break``) used for breaks.
    """

    after: int = attrs.field(validator=attrs.validators.ge(1))
    minutes: int = attrs.field(validator=attrs.validators.ge(1))
    activity: str = attrs.field(default="break", validator=check_slug)


#: Time grids a program may use: the divisors of an hour, so clock times repeat hourly.
GRIDS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)


@attrs.frozen(kw_only=True)
class SessionShape:
    """The shape every session has.

    Attributes:
        minutes: Wall-clock length, breaks included.
        opening: Activity ids that start every session, in order.
        closing: Activity ids that end every session, in order.
        breaks: The break rule, or ``None`` for sessions without breaks.
        fill: Activity ids the composer may use to fill sessions; ``None`` means every
            stand-alone activity of the catalogs.
        grid: The time grid in minutes: every block starts and lasts a multiple of it
            (5 by default; 1 turns the grid off).
    """

    minutes: Range
    opening: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=_check_ids)
    closing: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=_check_ids)
    breaks: BreakRule | None = None
    fill: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_ids)
    )
    grid: int = attrs.field(default=5, validator=attrs.validators.in_(GRIDS))

    def __attrs_post_init__(self) -> None:
        if self.minutes.min < 1:
            raise ValueError("a session must last at least 1 minute ('minutes.min')")
        if self.minutes.max is None:
            raise ValueError("sessions need a longest length ('minutes.max')")
        if self.minutes.max > 1440:
            raise ValueError(f"a session cannot last {self.minutes.max} minutes (over a day)")


@attrs.frozen(kw_only=True)
class WeeklyMinutes:
    """Minutes per week: service minutes by default, or wall-clock with ``count="wall"``.

    Attributes:
        min: The fewest minutes a week.
        max: The most minutes a week, or ``None``.
        count: ``service`` (breaks excluded) or ``wall``.
    """

    min: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    max: int | None = None
    count: Count = attrs.field(default=Count.SERVICE, converter=Count)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"weekly minimum {self.min} is above the weekly maximum {self.max}")

    @property
    def range(self) -> Range:
        """The bounds as a :class:`~iopkit.Range`."""
        return Range(min=self.min, max=self.max)


@attrs.frozen(kw_only=True)
class Requirement:
    """How often blocks matching a selector occur, counted per session, week or program.

    Attributes:
        per: ``session``, ``week`` or ``program``.
        min: The fewest matching blocks.
        max: The most matching blocks, or ``None``.
        selector: Which blocks count (by activity, kinds, modality or format, with an
            optional minimum length).
    """

    per: Per = attrs.field(converter=Per)
    selector: Selector
    min: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    max: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"requirement minimum {self.min} is above its maximum {self.max}")

    def describe(self) -> str:
        """The requirement in words."""
        return f"{Range(min=self.min, max=self.max).describe()} {self.selector.describe()} per {self.per.value}"


@attrs.frozen(kw_only=True)
class Weeks:
    """A window of weeks, 1-based and inclusive; ``to=None`` runs to the program's end.

    Attributes:
        from_: The first week (written ``from`` in files).
        to: The last week, or ``None`` for the program's last.
    """

    from_: int = attrs.field(default=1, alias="from_", validator=attrs.validators.ge(1))
    to: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"the window of weeks is empty: from {self.from_} to {self.to}")


@attrs.frozen(kw_only=True)
class Track:
    """A sequence of skill modules taught in order, in parallel with other tracks.

    Attributes:
        name: The track's name, unique in a program.
        modules: Module ids in teaching order; a module may appear more than once.
        per_session: Lessons of this track in one session (default at most 1).
        per_week: Lessons of this track in one week.
        days: Only on these weekdays (``None``: any session day).
        weeks: Only in these weeks (``None``: every week).
        repeat: Start the sequence again when it ends, until the window closes.
        core: Core tracks must be delivered in full; others fill spare time.
    """

    name: str = attrs.field(converter=nfc, validator=check_text)
    modules: tuple[str, ...] = attrs.field(converter=_ids, validator=_check_ids)
    per_session: Range = attrs.field(factory=lambda: Range(max=1))
    per_week: Range = attrs.field(factory=Range)
    days: tuple[Weekday, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_days)
    )
    weeks: Weeks | None = None
    repeat: bool = False
    core: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.modules:
            raise ValueError(f"track {self.name!r} has no modules")
        if self.per_session.max == 0 or self.per_week.max == 0:
            raise ValueError(f"track {self.name!r} allows no lessons at all (a maximum of 0)")
        if self.days is not None and not self.days:
            raise ValueError(f"track {self.name!r} has an empty list of days")


@attrs.frozen(kw_only=True)
class RollingAdmission:
    """Open enrolment: anyone admitted in any week and staying ``stay_weeks`` weeks
    receives every lesson of every core track."""

    stay_weeks: int = attrs.field(validator=attrs.validators.ge(1))


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_clock(_inst: object, _attr: object, value: str) -> None:
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise ValueError(f"'start_time' must be a clock time HH:MM such as '09:00' (got {value!r})")


def _pairs(value: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple(value)


def _check_timezone(_inst: object, _attr: object, value: str | None) -> None:
    if value is None:
        return
    import zoneinfo

    problem = f"'timezone' must be an IANA time zone name such as 'America/Chicago' (got {value!r})"
    if not isinstance(value, str) or not value or len(value) > 64 or "\x00" in value:
        raise ValueError(problem)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(problem) from None


def _optional_text(_inst: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        check_text(_inst, attribute, value)


def _dates(value: Iterable[dt.date]) -> tuple[dt.date, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Program:
    """A program: the limits a curriculum must meet, as a program file states them.

    Everything a program file can say can be written here with the same names. See the
    program file reference for each key's meaning.

    Attributes:
        name: The program's name.
        weeks: How many weeks the curriculum spans.
        days: Weekdays with a session.
        session: The shape of every session.
        population: ``adult`` or ``adolescent``.
        start: The first day of week 1, or ``None``; sessions get dates from it.
        start_time: Clock time sessions begin, for schedules and calendars.
        timezone: The IANA time zone of the clinic (``"America/Chicago"``), for calendars;
            ``None`` leaves times floating (local wherever they are read).
        clinic: The clinic's name, shown in schedule headers.
        location: Where sessions take place, shown in schedules and calendar events.
        facilitator: Who leads the sessions, shown in schedule headers.
        closures: Dates with no session.
        makeup_days: Weekdays a closed session may move to, in the same week.
        catalogs: ``"builtin"`` or catalog file paths (relative to the program file).
        weekly_minutes: Minutes per week.
        require: How often kinds of service occur.
        tracks: Parallel sequences of skill modules.
        profiles: Compliance profiles the curriculum must also meet.
        rolling_admission: Open-enrolment coverage, or ``None`` for a closed cohort.
        catalog: The content the program draws on, resolved from ``catalogs`` when the
            program is loaded (or given in Python); ``None`` means the built-in catalog.
            Not part of equality, which compares what the file says.
        profile_definitions: ``(reference, profile)`` pairs for the profiles read from
            files when the program was loaded; not part of equality.
        file: The file the program was read from, for messages; not part of equality.
    """

    name: str = attrs.field(converter=nfc, validator=check_text)
    weeks: int = attrs.field(validator=[attrs.validators.ge(1), attrs.validators.le(520)])
    days: tuple[Weekday, ...] = attrs.field(converter=_days, validator=_unique_days)
    session: SessionShape
    population: Population = attrs.field(default=Population.ADULT, converter=Population)
    start: dt.date | None = None
    start_time: str = attrs.field(default="09:00", validator=_check_clock)
    timezone: str | None = attrs.field(default=None, validator=_check_timezone)
    clinic: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )
    location: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )
    facilitator: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )
    closures: tuple[dt.date, ...] = attrs.field(default=(), converter=_dates)
    makeup_days: tuple[Weekday, ...] = attrs.field(
        default=(), converter=_days, validator=_unique_days
    )
    catalogs: tuple[str, ...] = attrs.field(default=("builtin",), converter=_ids)
    weekly_minutes: WeeklyMinutes = WeeklyMinutes()
    require: tuple[Requirement, ...] = attrs.field(default=(), converter=tuple)
    tracks: tuple[Track, ...] = attrs.field(default=(), converter=tuple)
    profiles: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    rolling_admission: RollingAdmission | None = None
    catalog: Catalog | None = attrs.field(default=None, eq=False, repr=False)
    profile_definitions: tuple[tuple[str, Any], ...] = attrs.field(
        default=(), eq=False, repr=False, converter=_pairs
    )
    file: str | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems = [Problem(message=m, pointer=p) for p, m in self._problems()]
        if problems:
            raise ProgramError(problems)

    def _problems(self) -> Iterable[tuple[str, str]]:
        grid = self.session.grid
        if int(self.start_time[3:]) % grid:
            yield (
                "/start_time",
                (
                    f"sessions start at {self.start_time}, which is not on the program's "
                    f"{grid}-minute grid (session.grid)"
                ),
            )
        if not self.days:
            yield "/days", "a program needs at least one session day ('days')"
        overlap = sorted(set(self.days) & set(self.makeup_days), key=lambda d: d.position)
        if overlap:
            yield (
                "/makeup_days",
                (
                    "make-up days must not be regular session days: "
                    + ", ".join(d.value for d in overlap)
                ),
            )
        if self.closures and self.start is None:
            yield "/closures", "closures need a start date: without one no session has a date"
        if self.start is not None:
            end = self.start + dt.timedelta(weeks=self.weeks)
            for i, day in enumerate(self.closures):
                if not self.start <= day < end:
                    yield (
                        f"/closures/{i}",
                        (
                            f"closure {day.isoformat()} is outside the program "
                            f"({self.start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()})"
                        ),
                    )
        names = [t.name for t in self.tracks]
        for name in sorted({n for n in names if names.count(n) > 1}):
            yield f"/tracks/{names.index(name)}/name", f"two tracks are named {name!r}"
        usable = set(self.days) | set(self.makeup_days)
        for i, track in enumerate(self.tracks):
            if track.days is not None and not set(track.days) & usable:
                yield (
                    f"/tracks/{i}/days",
                    (
                        f"track {track.name!r} runs on {', '.join(d.value for d in track.days)}, "
                        "which are not session days: its window is empty"
                    ),
                )
            if track.weeks is not None and track.weeks.from_ > self.weeks:
                yield (
                    f"/tracks/{i}/weeks",
                    (
                        f"track {track.name!r} starts in week {track.weeks.from_} but the program "
                        f"has {self.weeks} weeks: its window is empty"
                    ),
                )
        if self.rolling_admission and self.rolling_admission.stay_weeks > self.weeks:
            yield (
                "/rolling_admission/stay_weeks",
                (
                    f"a stay of {self.rolling_admission.stay_weeks} weeks is longer than the "
                    f"program's {self.weeks} weeks"
                ),
            )

    def week_dates(self, week: int) -> dict[Weekday, dt.date] | None:
        """The date of each weekday in a 1-based week, or ``None`` without a start date."""
        if self.start is None:
            return None
        first = self.start + dt.timedelta(weeks=week - 1)
        return {
            Weekday.of((first + dt.timedelta(days=i)).weekday()): first + dt.timedelta(days=i)
            for i in range(7)
        }

    def track_window(self, track: Track) -> tuple[int, int]:
        """The first and last week (1-based, inclusive) a track may place lessons in."""
        start = track.weeks.from_ if track.weeks else 1
        end = track.weeks.to if track.weeks and track.weeks.to is not None else self.weeks
        return start, min(end, self.weeks)
