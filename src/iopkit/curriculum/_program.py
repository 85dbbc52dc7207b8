"""Programs: the limits a curriculum must meet."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from typing import Any

import attrs

from iopkit._catalog import Catalog
from iopkit._types import Place, Range, Weekday, check_slug, check_text, nfc
from iopkit._words import plural
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


def _optional_text(_inst: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        check_text(_inst, attribute, value)


def _dates(value: Iterable[dt.date]) -> tuple[dt.date, ...]:
    return tuple(value)


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
class PatientWeeks:
    """Some of a patient's own weeks, counted from their admission (week 1 is the week
    they are admitted in) or, with ``from_end``, back from their last week.

    Written in files as ``{from: 1, to: 4}``, ``{from: 13}``, ``first``, ``last``,
    ``{last: 2}`` or a list of these and week numbers (``[first, 8, last]``).

    Attributes:
        from_: The first week of the span (written ``from``).
        to: The last week of the span, or ``None`` for the end of the stay.
        from_end: Count back from the patient's last week (``last`` is ``from_end`` with
            ``from_=1, to=1``).
    """

    from_: int = attrs.field(default=1, alias="from_", validator=attrs.validators.ge(1))
    to: int | None = None
    from_end: bool = False

    def __attrs_post_init__(self) -> None:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"the span of patient weeks is empty: from {self.from_} to {self.to}")

    def weeks(self, stay: int) -> range:
        """The patient weeks (1-based) of a stay of ``stay`` weeks in this span."""
        last = stay if self.to is None else min(self.to, stay)
        if not self.from_end:
            return range(self.from_, last + 1)
        return range(max(1, stay - last + 1), stay - self.from_ + 2)

    def describe(self) -> str:
        """The span in words, for example ``"patient weeks 1 to 4"``."""
        if self.from_end:
            if self.from_ == 1 and self.to == 1:
                return "the patient's last week"
            if self.from_ == 1 and self.to is not None:
                return f"the patient's last {self.to} weeks"
            return f"patient weeks {self.from_} to {self.to or 'the first'} counted from the end"
        if self.to == self.from_:
            return "the patient's first week" if self.from_ == 1 else f"patient week {self.from_}"
        if self.to is None:
            return f"patient weeks from {self.from_}"
        return f"patient weeks {self.from_} to {self.to}"


def _span(value: Any) -> PatientWeeks:
    if isinstance(value, PatientWeeks):
        return value
    if value == "first":
        return PatientWeeks(from_=1, to=1)
    if value == "last":
        return PatientWeeks(from_=1, to=1, from_end=True)
    if isinstance(value, int) and not isinstance(value, bool):
        return PatientWeeks(from_=value, to=value)
    if isinstance(value, dict):
        extra = set(value) - {"from", "to", "last"}
        if extra:
            raise ValueError(f"unknown keys in patient weeks: {', '.join(sorted(map(str, extra)))}")
        if "last" in value:
            if set(value) != {"last"}:
                raise ValueError("'last' stands alone: {last: 2} is the patient's last 2 weeks")
            return PatientWeeks(from_=1, to=value["last"], from_end=True)
        return PatientWeeks(from_=value.get("from", 1), to=value.get("to"))
    raise TypeError(
        "patient weeks are first, last, a week number, {from: 1, to: 4}, {last: 2} or a "
        f"list of these (got {value!r})"
    )


def phase(value: Any) -> tuple[PatientWeeks, ...] | None:
    """Patient weeks as files write them: ``first``, ``last``, ``8``, ``{from: 1, to: 4}``,
    ``{last: 2}``, a list of these, or :class:`PatientWeeks` objects; ``None`` stays
    ``None`` (every week)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(_span(v) for v in value)
    return (_span(value),)


def _spans(value: Any) -> tuple[PatientWeeks, ...] | None:
    return phase(value)


def phase_weeks(spans: tuple[PatientWeeks, ...] | None, stay: int) -> frozenset[int]:
    """The patient weeks of a stay of ``stay`` weeks that a phase covers (every week when
    there is no phase)."""
    if spans is None:
        return frozenset(range(1, stay + 1))
    return frozenset(k for span in spans for k in span.weeks(stay))


def describe_phase(spans: tuple[PatientWeeks, ...] | None) -> str:
    """A phase in words."""
    if spans is None:
        return "every week of the stay"
    return " and ".join(s.describe() for s in spans)


@attrs.frozen(kw_only=True)
class Group:
    """A group that meets beside, before or after the main session, attended by the
    patients of one phase of their stay (an orientation group beside the process group,
    an early-recovery group before the evening session).

    Attributes:
        name: The group's id, unique in the program; tracks name it to teach in it.
        patient_weeks: Who attends: the patients in these weeks of their stay.
        place: ``beside`` (at the same time as the main session, which its patients then
            do not attend), ``before`` or ``after`` it.
        minutes: The sitting's wall-clock length; a ``beside`` group defaults to the
            session's, ``before`` and ``after`` groups must say.
        days: Only on these session days (``None``: every session day).
        fill: Activity ids the group may be filled with besides its tracks' lessons;
            ``None`` means the session's fill for a ``beside`` group and nothing for
            ``before`` and ``after`` groups.
        room: Where it meets, shown in schedules and calendar events.
        label: A title for schedules, such as ``"Early recovery skills"``.
    """

    name: str = attrs.field(validator=check_slug)
    patient_weeks: tuple[PatientWeeks, ...] = attrs.field(converter=_spans)
    place: Place = attrs.field(default=Place.BESIDE, converter=Place)
    minutes: Range | None = None
    days: tuple[Weekday, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_days)
    )
    fill: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_ids)
    )
    room: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )
    label: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(nfc), validator=_optional_text
    )

    def __attrs_post_init__(self) -> None:
        if not self.patient_weeks:
            raise ValueError(f"group {self.name!r} has no patients ('patient_weeks' is empty)")
        if self.place is not Place.BESIDE and self.minutes is None:
            raise ValueError(
                f"group {self.name!r} meets {self.place.value} the session and needs its "
                "length ('minutes')"
            )
        if self.minutes is not None and (self.minutes.min < 1 or self.minutes.max is None):
            raise ValueError(
                f"group {self.name!r} needs a length of at least 1 minute, with a most"
            )
        if self.days is not None and not self.days:
            raise ValueError(f"group {self.name!r} has an empty list of days")


class Every(enum.StrEnum):
    """How often patients may be admitted."""

    WEEK = "week"
    DAY = "day"


@attrs.frozen(kw_only=True)
class Admission:
    """When patients may start: every week, every session day, at the start of the
    modules of a track, or on listed dates (exactly one of these).

    Attributes:
        every: ``week`` (at the first session of any week) or ``day`` (at any session).
        track: With ``at_module_starts``: the track whose module starts admit patients.
        modules: Only the starts of these modules (``None``: of every module of the track).
        dates: Admission dates; each must be a session date.
    """

    every: Every | None = attrs.field(default=None, converter=attrs.converters.optional(Every))
    track: str | None = None
    modules: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_ids)
    )
    dates: tuple[dt.date, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dates)
    )

    def __attrs_post_init__(self) -> None:
        ways = sum(x is not None for x in (self.every, self.track, self.dates))
        if ways != 1:
            raise ValueError(
                "admission says exactly one of 'every' (week or day), 'at: module-starts' "
                "with a 'track', or 'dates'"
            )
        if self.modules is not None and self.track is None:
            raise ValueError("admission 'modules' need the 'track' whose module starts admit")
        if self.dates is not None and not self.dates:
            raise ValueError("admission 'dates' is empty")

    def describe(self) -> str:
        """When patients start, in words."""
        if self.every is Every.WEEK:
            return "admitted at the start of any week"
        if self.every is Every.DAY:
            return "admitted at any session"
        if self.track is not None:
            which = ", ".join(self.modules) if self.modules else "each module"
            return f"admitted at the start of {which} in track {self.track!r}"
        return f"admitted on {plural(len(self.dates or ()), 'listed date')}"


@attrs.frozen(kw_only=True)
class Stay:
    """How long patients stay, in weeks: ``weeks`` exactly, or ``min`` to ``max``.

    Attributes:
        min: The shortest stay in weeks.
        max: The longest stay in weeks.
    """

    min: int = attrs.field(validator=[attrs.validators.ge(1), attrs.validators.le(520)])
    max: int = attrs.field(validator=[attrs.validators.ge(1), attrs.validators.le(520)])

    def __attrs_post_init__(self) -> None:
        if self.max < self.min:
            raise ValueError(f"the shortest stay {self.min} is above the longest {self.max}")

    @classmethod
    def weeks(cls, weeks: int) -> Stay:
        """A stay of exactly ``weeks`` weeks."""
        return cls(min=weeks, max=weeks)

    @property
    def fixed(self) -> bool:
        """Whether every patient stays the same number of weeks."""
        return self.min == self.max

    def lengths(self) -> range:
        """Every stay length allowed."""
        return range(self.min, self.max + 1)

    def describe(self) -> str:
        """The stay in words."""
        if self.fixed:
            return plural(self.min, "week")
        return f"{self.min} to {self.max} weeks"


@attrs.frozen(kw_only=True)
class Requirement:
    """How often blocks matching a selector occur, counted per session, week or program.

    Attributes:
        per: ``session``, ``week`` or ``program``.
        min: The fewest matching blocks.
        max: The most matching blocks, or ``None``.
        selector: Which blocks count (by activity, kinds, modality or format, with an
            optional minimum length).
        patient_weeks: Only for patients in these weeks of their stay (``None``: all).
            With admission, ``program`` counts over each patient's stay.
    """

    per: Per = attrs.field(converter=Per)
    selector: Selector
    min: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    max: int | None = None
    patient_weeks: tuple[PatientWeeks, ...] | None = attrs.field(default=None, converter=_spans)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"requirement minimum {self.min} is above its maximum {self.max}")

    def describe(self) -> str:
        """The requirement in words."""
        text = f"{Range(min=self.min, max=self.max).describe()} {self.selector.describe()} per {self.per.value}"
        if self.patient_weeks is not None:
            text += f" in {describe_phase(self.patient_weeks)}"
        return text


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
        core: Core tracks must be delivered in full; others fill spare time. With
            admission, every patient receives every lesson of a core track while in its
            group's phase (or during their stay).
        group: The group whose sittings hold the lessons (``None``: the main session).
        standalone: The lessons stand alone: a patient may start with any of them, so
            patients join at any point of the sequence. Lessons of other tracks reach
            each patient in order from the start of a module.
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
    group: str | None = attrs.field(default=None, validator=attrs.validators.optional(check_slug))
    standalone: bool = False

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
        rolling_admission: Coverage for open enrolment as version 0.1 stated it (every
            window of ``stay_weeks`` weeks teaches every core lesson); ``admission`` and
            ``stay`` say more and are checked per patient.
        admission: When patients may start, or ``None`` for a closed cohort (everyone
            starts in week 1 and stays every week).
        stay: How many weeks each patient stays (with ``admission``).
        cycle: The weeks are a cycle that repeats: week 1 follows the last week, and a
            patient's stay runs on across the turn.
        groups: Groups meeting beside, before or after the main session for the patients
            of one phase of their stay.
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
    admission: Admission | None = None
    stay: Stay | None = None
    cycle: bool = False
    groups: tuple[Group, ...] = attrs.field(default=(), converter=tuple)
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
        yield from self._enrolment_problems()
        if self.rolling_admission and self.rolling_admission.stay_weeks > self.weeks:
            yield (
                "/rolling_admission/stay_weeks",
                (
                    f"a stay of {self.rolling_admission.stay_weeks} weeks is longer than the "
                    f"program's {self.weeks} weeks"
                ),
            )

    def _enrolment_problems(self) -> Iterable[tuple[str, str]]:
        """Problems with admission, stay, cycle, groups and phases."""
        if self.admission is not None and self.stay is None:
            yield "/admission", "admitting patients needs how long they stay ('stay')"
        if self.stay is not None and self.admission is None:
            yield "/stay", "a stay needs 'admission': say when patients may start"
        if self.admission is not None and self.rolling_admission is not None:
            yield (
                "/rolling_admission",
                (
                    "'rolling_admission' and 'admission' say the same thing twice: keep "
                    "'admission' and 'stay'"
                ),
            )
        if self.cycle and self.admission is None:
            yield "/cycle", "a cycle repeats for new patients: it needs 'admission' and 'stay'"
        if self.cycle and (self.closures or self.makeup_days):
            where = "/closures" if self.closures else "/makeup_days"
            yield (
                where,
                (
                    "a cycle repeats the same weeks, so it cannot hold closures or make-up "
                    "days: compose the dated calendar as a program that is not a cycle"
                ),
            )
        stay = self.patient_stay
        if self.stay is not None and not self.cycle and self.stay.max > self.weeks:
            yield (
                "/stay",
                (
                    f"a stay of {self.stay.describe()} is longer than the program's "
                    f"{plural(self.weeks, 'week')}; make the program longer or a cycle"
                ),
            )
        tracks = {t.name: t for t in self.tracks}
        admission = self.admission
        if admission is not None and admission.track is not None:
            track = tracks.get(admission.track)
            if track is None:
                yield (
                    "/admission/track",
                    (
                        f"admission names track {admission.track!r}, which the program does "
                        f"not have (tracks: {', '.join(tracks) or 'none'})"
                    ),
                )
            else:
                for i, module in enumerate(admission.modules or ()):
                    if module not in track.modules:
                        yield (
                            f"/admission/modules/{i}",
                            f"module {module!r} is not in track {track.name!r}",
                        )
        if admission is not None and admission.dates is not None:
            yield from self._admission_date_problems(admission.dates)
        groups = [g.name for g in self.groups]
        for name in sorted({n for n in groups if groups.count(n) > 1}):
            yield f"/groups/{groups.index(name)}/name", f"two groups are named {name!r}"
        usable = set(self.days) | set(self.makeup_days)
        for i, group in enumerate(self.groups):
            if group.days is not None and not set(group.days) & usable:
                yield (
                    f"/groups/{i}/days",
                    f"group {group.name!r} meets on days without sessions",
                )
            yield from self._phase_problems(f"/groups/{i}/patient_weeks", group.patient_weeks)
            if not any(phase_weeks(group.patient_weeks, n) for n in stay.lengths()):
                yield f"/groups/{i}/patient_weeks", f"group {group.name!r} has no patients"
        for i, requirement in enumerate(self.require):
            if requirement.patient_weeks is not None:
                yield from self._phase_problems(
                    f"/require/{i}/patient_weeks", requirement.patient_weeks
                )
        for i, track in enumerate(self.tracks):
            if track.group is not None and track.group not in groups:
                yield (
                    f"/tracks/{i}/group",
                    (
                        f"track {track.name!r} names group {track.group!r}, which the program "
                        f"does not have (groups: {', '.join(groups) or 'none'})"
                    ),
                )
        yield from self._beside_problems()

    def _phase_problems(
        self, pointer: str, spans: tuple[PatientWeeks, ...]
    ) -> Iterable[tuple[str, str]]:
        longest = self.patient_stay.max
        for j, span in enumerate(spans):
            if span.from_ > longest:
                yield (
                    f"{pointer}/{j}" if len(spans) > 1 else pointer,
                    (
                        f"{span.describe()} is outside the stay: patients stay "
                        f"{self.patient_stay.describe()}"
                    ),
                )

    def _admission_date_problems(self, dates: tuple[dt.date, ...]) -> Iterable[tuple[str, str]]:
        if self.start is None:
            yield "/admission/dates", "admission dates need a start date ('start')"
            return
        days = set(self.days)
        closed = set(self.closures)
        span = self.weeks if self.cycle else self.weeks - self.patient_stay.max + 1
        end = self.start + dt.timedelta(weeks=max(0, span))
        for i, day in enumerate(dates):
            where = f"/admission/dates/{i}"
            if not self.start <= day < end:
                yield (
                    where,
                    (
                        f"{day.isoformat()} is not a day a patient can start: admissions run "
                        f"from {self.start.isoformat()} to "
                        f"{(end - dt.timedelta(days=1)).isoformat()} so that every stay fits"
                    ),
                )
            elif Weekday.of(day.weekday()) not in days or day in closed:
                yield where, f"{day.isoformat()} has no session to start at"
        if len(set(dates)) != len(dates):
            yield "/admission/dates", "an admission date is listed twice"

    def _beside_problems(self) -> Iterable[tuple[str, str]]:
        beside = [(i, g) for i, g in enumerate(self.groups) if g.place is Place.BESIDE]
        for n in self.patient_stay.lengths():
            for x, (_, a) in enumerate(beside):
                for j, b in beside[x + 1 :]:
                    common_days = set(a.days or self.days) & set(b.days or self.days)
                    common = phase_weeks(a.patient_weeks, n) & phase_weeks(b.patient_weeks, n)
                    if common_days and common:
                        yield (
                            f"/groups/{j}/patient_weeks",
                            (
                                f"groups {a.name!r} and {b.name!r} both meet beside the session "
                                f"for patients in week {min(common)} of their stay: a patient "
                                "attends one group at a time"
                            ),
                        )
                        return

    @property
    def patient_stay(self) -> Stay:
        """How long each patient stays: the program's ``stay``, or every week of a closed
        cohort."""
        return self.stay if self.stay is not None else Stay.weeks(self.weeks)

    def group(self, name: str) -> Group | None:
        """The group with a name, or ``None``."""
        for group in self.groups:
            if group.name == name:
                return group
        return None

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
