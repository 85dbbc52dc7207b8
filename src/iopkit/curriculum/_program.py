"""Programs: the limits a curriculum must meet."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iopkit._catalog import Catalog
from iopkit._checks import (
    boolean,
    build,
    date,
    expect,
    got,
    instance,
    invalid,
    items,
    located,
    member,
    one_of,
    whole,
)
from iopkit._session import Block
from iopkit._types import (
    MAX_ID,
    SLUG,
    ActivityKind,
    Format,
    Place,
    Range,
    Weekday,
    as_range,
    check_slug,
    check_text,
    nfc,
    place,
    strings,
    to_range,
    weekday,
)
from iopkit._words import plural
from iopkit.curriculum._selector import Selector
from iopkit.errors import InputError, Problem, ProgramError, excerpt


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


# Field converters take what a program file writes (texts for enumerations and dates,
# mappings for parts, a single text for a list of one) as well as typed values, which pass
# through first. Checks a program file's schema also makes are reported at the field;
# those beyond it stay where files report them (see iopkit._checks.located).


def _days(value: str | Iterable[Weekday | str]) -> tuple[Weekday, ...]:
    return items(value, weekday, "weekdays", single=str)


def _unique_days(inst: object, attribute: attrs.Attribute[Any], value: tuple[Weekday, ...]) -> None:
    if len(set(value)) != len(value):
        raise invalid(inst, attribute, f"'{attribute.name}' lists a weekday twice")


def _some_days(inst: object, attribute: attrs.Attribute[Any], value: tuple[Weekday, ...]) -> None:
    if not value:
        raise invalid(inst, attribute, f"'{attribute.name}' lists no weekday")
    _unique_days(inst, attribute, value)


def _ids(value: str | Iterable[str]) -> tuple[str, ...]:
    return strings(value)


def _check_ids(inst: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for index, item in enumerate(value):
        check_slug(inst, attribute, item, index)


def _optional_text(_inst: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        check_text(_inst, attribute, value)


def _dates(value: str | dt.date | Iterable[dt.date | str]) -> tuple[dt.date, ...]:
    return items(value, date, "dates", single=(str, dt.date))


def _optional_date(value: dt.date | str | None) -> dt.date | None:
    return None if value is None else date(value)


def _optional_minutes(value: Range | int | Mapping[str, Any] | None) -> Range | None:
    return None if value is None else to_range(value)


def _population(value: Population | str) -> Population:
    return member(Population, value)


def _per(value: Per | str) -> Per:
    return member(Per, value)


def _count(value: Count | str) -> Count:
    return member(Count, value)


def _every(value: Every | str | None) -> Every | None:
    return None if value is None else member(Every, value)


def _breaks(value: BreakRule | Mapping[str, Any] | None) -> BreakRule | None:
    if value is None:
        return None
    return build(BreakRule, value, "a BreakRule or a mapping {after, minutes, activity}")


def _order(value: Order | Mapping[str, Any]) -> Order:
    return build(Order, value, "an Order or a mapping such as {kind: ..., at: start}")


def _orders(value: Iterable[Order | Mapping[str, Any]] | Order) -> tuple[Order, ...]:
    return items(value, _order, "order entries", single=Order)


def _optional_selector(value: Selector | Mapping[str, Any] | None) -> Selector | None:
    return None if value is None else _selector(value)


def _edge(value: Edge | str | None) -> Edge | None:
    return None if value is None else member(Edge, value)


def _which(value: Which | str | None) -> Which | None:
    return None if value is None else member(Which, value)


def _week_numbers(value: Any) -> tuple[int, ...] | Weeks | None:
    if value is None or isinstance(value, Weeks):
        return value
    if isinstance(value, Mapping):
        return _weeks(value)
    numbers = items(value, _week_number, "week numbers", single=int)
    if not numbers:
        raise ValueError("'weeks' lists no weeks")
    if len(set(numbers)) != len(numbers):
        raise ValueError("'weeks' lists a week twice")
    return tuple(sorted(numbers))


def _week_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a week is a whole number (got {got(value)})")
    if not 1 <= value <= 520:
        raise ValueError(f"week {value} is not from 1 to 520")
    return value


def _group_sizes(value: GroupSizes | Mapping[str, Any] | None) -> GroupSizes | None:
    if value is None:
        return None
    return build(GroupSizes, value, "a GroupSizes or a mapping {max, activities, groups}")


def _session(value: SessionShape | Mapping[str, Any]) -> SessionShape:
    return build(SessionShape, value, "a SessionShape or a mapping such as {minutes: {...}}")


def _weekly(value: WeeklyMinutes | Mapping[str, Any]) -> WeeklyMinutes:
    return build(WeeklyMinutes, value, "a WeeklyMinutes or a mapping {min, max, count}")


def _selector(value: Selector | Mapping[str, Any]) -> Selector:
    return build(Selector, value, "a Selector or a mapping such as {kind: ...}")


def _weeks(value: Weeks | Mapping[str, Any] | None) -> Weeks | None:
    if value is None:
        return None
    return build(Weeks, value, "a Weeks or a mapping {from, to}", {"from": "from_"})


def _requirement(value: Requirement | Mapping[str, Any]) -> Requirement:
    return build(Requirement, value, "a Requirement or a mapping such as {kind: ..., per: ...}")


def _requirements(
    value: Iterable[Requirement | Mapping[str, Any]] | Requirement,
) -> tuple[Requirement, ...]:
    return items(value, _requirement, "requirements", single=Requirement)


def _track(value: Track | Mapping[str, Any]) -> Track:
    return build(Track, value, "a Track or a mapping such as {name: ..., modules: [...]}")


def _tracks(value: Iterable[Track | Mapping[str, Any]] | Track) -> tuple[Track, ...]:
    return items(value, _track, "tracks", single=Track)


def _group(value: Group | Mapping[str, Any]) -> Group:
    return build(Group, value, "a Group or a mapping such as {name: ..., patient_weeks: ...}")


def _groups(value: Iterable[Group | Mapping[str, Any]] | Group) -> tuple[Group, ...]:
    return items(value, _group, "groups", single=Group)


def _rolling(value: RollingAdmission | Mapping[str, Any] | None) -> RollingAdmission | None:
    if value is None:
        return None
    return build(RollingAdmission, value, "a RollingAdmission or a mapping {stay_weeks}")


def _admission(value: Admission | Mapping[str, Any] | None) -> Admission | None:
    if value is None or isinstance(value, Admission):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            f"must be an Admission or a mapping such as {{every: week}} (got {got(value)})"
        )
    return admission_of(value)


def _stay(value: Stay | Mapping[str, Any] | None) -> Stay | None:
    if value is None or isinstance(value, Stay):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"must be a Stay or a mapping such as {{weeks: 16}} (got {got(value)})")
    return stay_of(value)


@located
@attrs.frozen(kw_only=True)
class BreakRule:
    """Never more than ``after`` service minutes without a break of ``minutes``.

    Attributes:
        after: The most service minutes allowed between breaks.
        minutes: The length of each break.
        activity: The catalog activity (of kind ``break``) used for breaks.
    """

    after: int = attrs.field(validator=whole(1))
    minutes: int = attrs.field(validator=whole(1))
    activity: str = attrs.field(default="break", validator=check_slug)


#: Time grids a program may use: the divisors of an hour, so clock times repeat hourly.
GRIDS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)


class Edge(enum.StrEnum):
    """Where in a session an order entry's blocks go (``at``)."""

    START = "start"
    END = "end"


class Which(enum.StrEnum):
    """One session of each week (a requirement's ``session``)."""

    FIRST = "first"
    LAST = "last"


_SELECTOR_KEYS = ("activity", "kind", "modality", "format", "module", "track", "min_minutes")


def _flat_selector(
    selector: Selector | Mapping[str, Any] | None, keys: dict[str, Any], what: str
) -> Selector | Mapping[str, Any]:
    """The selector given as ``selector=`` or as its keys beside the others."""
    keys = {k: v for k, v in keys.items() if v is not None}
    if keys and selector is not None:
        raise ValueError(
            f"give the selector's keys ({', '.join(_SELECTOR_KEYS)}) or selector=, not both"
        )
    if keys:
        return Selector(**keys)
    if selector is None:
        raise ValueError(
            f"{what} names its blocks by one of activity, kind, modality, format, module "
            "or track (or selector=)"
        )
    return selector


@located
@attrs.frozen(kw_only=True, init=False)
class Order:
    """Order or placement inside a session, for the blocks a selector matches: exactly
    one of ``at``, ``before``, ``directly_before`` and ``not_directly_after``.

    Written as in a program file, with the selector's keys beside the relation:
    ``Order(activity="drug-screen", at="start")``,
    ``Order(module="early-recovery", before={"module": "relapse-prevention"})``.

    In every sitting (a session's main blocks, or one of its groups) that holds them:

    - ``at: start``: the blocks come first, after the opening only; ``at: end``: last,
      before the closing only;
    - ``before``: every matching block comes before every block the other selector
      matches;
    - ``directly_before``: each matching block is followed at once (no break between)
      by a block the other selector matches;
    - ``not_directly_after``: no matching block follows, at once, a block the other
      selector matches.

    Attributes:
        selector: The blocks the entry places.
        at: ``start`` or ``end``.
        before: The blocks that come after.
        directly_before: The blocks that follow at once.
        not_directly_after: The blocks that must not come just before.
    """

    selector: Selector = attrs.field(converter=_selector)
    at: Edge | None = attrs.field(default=None, converter=_edge)
    before: Selector | None = attrs.field(default=None, converter=_optional_selector)
    directly_before: Selector | None = attrs.field(default=None, converter=_optional_selector)
    not_directly_after: Selector | None = attrs.field(default=None, converter=_optional_selector)

    def __init__(
        self,
        *,
        selector: Selector | Mapping[str, Any] | None = None,
        at: Edge | str | None = None,
        before: Selector | Mapping[str, Any] | None = None,
        directly_before: Selector | Mapping[str, Any] | None = None,
        not_directly_after: Selector | Mapping[str, Any] | None = None,
        activity: str | None = None,
        kind: ActivityKind | str | Iterable[ActivityKind | str] | None = None,
        modality: str | None = None,
        format: Format | str | None = None,  # noqa: A002 - the file's key
        module: str | None = None,
        track: str | None = None,
        min_minutes: int | None = None,
    ) -> None:
        keys = dict(
            zip(
                _SELECTOR_KEYS,
                (activity, kind, modality, format, module, track, min_minutes),
                strict=True,
            )
        )
        self.__attrs_init__(
            selector=_flat_selector(selector, keys, "an order entry"),
            at=at,
            before=before,
            directly_before=directly_before,
            not_directly_after=not_directly_after,
        )
        if len(self.relations) != 1:
            raise ValueError(
                "an order entry gives exactly one of at, before, directly_before and "
                f"not_directly_after (got {', '.join(self.relations) or 'none'})"
            )

    def stating_nothing(self) -> Order:
        """The entry with its relation taken away, as a relaxation leaves it (only the
        composer's explanations make these)."""
        entry = Order.__new__(Order)
        entry.__attrs_init__(selector=self.selector)
        return entry

    @property
    def relations(self) -> tuple[str, ...]:
        """The relations given (a valid entry has exactly one)."""
        names = ("at", "before", "directly_before", "not_directly_after")
        return tuple(n for n in names if getattr(self, n) is not None)

    @property
    def neutral(self) -> bool:
        """Whether the entry states nothing (as a relaxed entry does)."""
        return not self.relations

    def describe(self, catalog: Catalog | None = None) -> str:
        """The entry in words, for example "'Drug screen' at the start of the session"."""
        what = self.selector.describe(catalog, 2)
        if self.at is not None:
            return f"{what} at the {self.at.value} of the session"
        if self.before is not None:
            return f"{what} before {self.before.describe(catalog, 2)}"
        if self.directly_before is not None:
            return f"{what} directly before {self.directly_before.describe(catalog, 2)}"
        if self.not_directly_after is not None:
            return f"{what} never directly after {self.not_directly_after.describe(catalog, 2)}"
        return f"{what} (no order)"


@located
@attrs.frozen(kw_only=True)
class SessionShape:
    """The shape every session has.

    Written as in a program file: ``SessionShape(minutes={"min": 180, "max": 210},
    opening="check-in", breaks={"after": 90, "minutes": 10})``.

    Attributes:
        minutes: Wall-clock length, breaks included.
        opening: Activity ids that start every session, in order.
        closing: Activity ids that end every session, in order.
        breaks: The break rule, or ``None`` for sessions without breaks.
        fill: Activity ids the composer may use to fill sessions; ``None`` means every
            stand-alone activity of the catalogs.
        grid: The time grid in minutes: every block starts and lasts a multiple of it
            (5 by default; 1 turns the grid off).
        order: Order and placement inside a session (see :class:`Order`), kept in every
            sitting: a session's main blocks and each of its groups.
    """

    minutes: Range = attrs.field(converter=as_range)
    opening: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=_check_ids)
    closing: tuple[str, ...] = attrs.field(default=(), converter=_ids, validator=_check_ids)
    breaks: BreakRule | None = attrs.field(default=None, converter=_breaks)
    fill: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_ids),
        validator=attrs.validators.optional(_check_ids),
    )
    grid: int = attrs.field(default=5, validator=one_of(GRIDS))
    order: tuple[Order, ...] = attrs.field(default=(), converter=_orders)

    def __attrs_post_init__(self) -> None:
        if self.minutes.min < 1:
            raise ValueError("a session must last at least 1 minute ('minutes.min')")
        if self.minutes.max is None:
            raise ValueError("sessions need a longest length ('minutes.max')")
        if self.minutes.max > 1440:
            raise ValueError(f"a session cannot last {self.minutes.max} minutes (over a day)")


@located
@attrs.frozen(kw_only=True)
class WeeklyMinutes:
    """Minutes per week: service minutes by default, or wall-clock with ``count="wall"``.

    Attributes:
        min: The fewest minutes a week.
        max: The most minutes a week, or ``None``.
        count: ``service`` (breaks excluded) or ``wall``.
    """

    min: int = attrs.field(default=0, validator=whole(0))
    max: int | None = attrs.field(default=None, validator=whole(0, optional=True))
    count: Count = attrs.field(default=Count.SERVICE, converter=_count)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"weekly minimum {self.min} is above the weekly maximum {self.max}")

    @property
    def range(self) -> Range:
        """The bounds as a :class:`~iopkit.Range`."""
        return Range(min=self.min, max=self.max)


@located
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

    from_: int = attrs.field(default=1, alias="from_", validator=whole(1))
    to: int | None = attrs.field(default=None, validator=whole(1, optional=True))
    from_end: bool = attrs.field(default=False, validator=boolean)

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
    if isinstance(value, Mapping):
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


@located
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
    place: Place = attrs.field(default=Place.BESIDE, converter=place)
    minutes: Range | None = attrs.field(default=None, converter=_optional_minutes)
    days: tuple[Weekday, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_days)
    )
    fill: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_ids),
        validator=attrs.validators.optional(_check_ids),
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


@located
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

    every: Every | None = attrs.field(default=None, converter=_every)
    track: str | None = attrs.field(default=None, validator=_optional_text)
    modules: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_ids),
        validator=attrs.validators.optional(_check_ids),
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


@located
@attrs.frozen(kw_only=True)
class Stay:
    """How long patients stay, in weeks: ``weeks`` exactly, or ``min`` to ``max``.

    Attributes:
        min: The shortest stay in weeks.
        max: The longest stay in weeks.
    """

    min: int = attrs.field(validator=whole(1, 520))
    max: int = attrs.field(validator=whole(1, 520))

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


def admission_of(data: Mapping[str, Any]) -> Admission:
    """An admission as program files write it: ``{every: week}``, ``{every: day}``,
    ``{at: module-starts, track: ..., modules: [...]}`` or ``{dates: [...]}``."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping (got {data!r})")
    data = dict(data)
    extra = set(data) - {"every", "at", "track", "modules", "dates"}
    if extra:
        raise ValueError(f"unknown keys: {', '.join(sorted(map(str, extra)))}")
    at = data.pop("at", None)
    if at is not None and at != "module-starts":
        raise ValueError(f"'at' can only be 'module-starts' (got {at!r})")
    if at is None and "track" in data:
        raise ValueError("a 'track' for admission goes with 'at: module-starts'")
    if at is not None and "track" not in data:
        raise ValueError("'at: module-starts' needs the 'track' whose modules admit")
    return Admission(
        every=data.get("every"),
        track=data.get("track"),
        modules=data.get("modules"),
        dates=data.get("dates"),
    )


def stay_of(data: Mapping[str, Any]) -> Stay:
    """A stay as program files write it: ``{weeks: 16}`` or ``{weeks: {min: 12, max: 16}}``."""
    if not isinstance(data, Mapping) or set(data) != {"weeks"}:
        raise ValueError("a stay is written {weeks: 16} or {weeks: {min: 12, max: 16}}")
    weeks = data["weeks"]
    if isinstance(weeks, Mapping):
        extra = set(weeks) - {"min", "max"}
        if extra or set(weeks) != {"min", "max"}:
            raise ValueError("a range of stays needs 'min' and 'max' and nothing else")
        return Stay(min=weeks["min"], max=weeks["max"])
    if isinstance(weeks, bool) or not isinstance(weeks, int):
        raise TypeError(f"'weeks' of a stay is a whole number or {{min, max}} (got {got(weeks)})")
    return Stay.weeks(weeks)


@located
@attrs.frozen(kw_only=True, init=False)
class Requirement:
    """How often blocks matching a selector occur, counted per session, week or program.

    Written as in a program file, with the selector's keys (``activity``, ``kind``,
    ``modality``, ``format``, ``min_minutes``) beside the others:
    ``Requirement(activity="process-group", per="session", min=1)``; or with
    ``selector=Selector(...)``.

    Attributes:
        per: ``session``, ``week`` or ``program``.
        min: The fewest matching blocks.
        max: The most matching blocks, or ``None``.
        selector: Which blocks count (by activity, kinds, modality or format, with an
            optional minimum length).
        patient_weeks: Only for patients in these weeks of their stay (``None``: all).
            With admission, ``program`` counts over each patient's stay.
        days: Only blocks in sessions on these weekdays count (``None``: every day). A
            made-up session counts on the day it replaces.
        weeks: Only blocks in these calendar weeks count: week numbers (``[4, 8, 12]``)
            or a window (``{from: 2, to: 6}``); ``None``: every week.
        session: Only blocks in the ``first`` or ``last`` session of each week count.
    """

    per: Per = attrs.field(converter=_per)
    selector: Selector = attrs.field(converter=_selector)
    min: int = attrs.field(default=0, validator=whole(0))
    max: int | None = attrs.field(default=None, validator=whole(0, optional=True))
    patient_weeks: tuple[PatientWeeks, ...] | None = attrs.field(default=None, converter=_spans)
    days: tuple[Weekday, ...] | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(_days),
        validator=attrs.validators.optional(_some_days),
    )
    weeks: tuple[int, ...] | Weeks | None = attrs.field(default=None, converter=_week_numbers)
    session: Which | None = attrs.field(default=None, converter=_which)

    def __init__(
        self,
        *,
        per: Per | str,
        selector: Selector | Mapping[str, Any] | None = None,
        min: int = 0,  # noqa: A002 - the file's key
        max: int | None = None,  # noqa: A002 - the file's key
        patient_weeks: Any = None,
        days: Any = None,
        weeks: Any = None,
        session: Which | str | None = None,
        activity: str | None = None,
        kind: ActivityKind | str | Iterable[ActivityKind | str] | None = None,
        modality: str | None = None,
        format: Format | str | None = None,  # noqa: A002 - the file's key
        module: str | None = None,
        track: str | None = None,
        min_minutes: int | None = None,
    ) -> None:
        given = (activity, kind, modality, format, module, track, min_minutes)
        keys = dict(zip(_SELECTOR_KEYS, given, strict=True))
        self.__attrs_init__(
            per=per,
            selector=_flat_selector(selector, keys, "a requirement"),
            min=min,
            max=max,
            patient_weeks=patient_weeks,
            days=days,
            weeks=weeks,
            session=session,
        )

    @property
    def narrowed(self) -> bool:
        """Whether only some sessions count (``days``, ``weeks`` or ``session``)."""
        return self.days is not None or self.weeks is not None or self.session is not None

    def week_numbers(self, weeks: int) -> frozenset[int]:
        """The calendar weeks that count, in a program of ``weeks`` weeks."""
        if self.weeks is None:
            return frozenset(range(1, weeks + 1))
        if isinstance(self.weeks, Weeks):
            last = weeks if self.weeks.to is None else min(self.weeks.to, weeks)
            return frozenset(range(self.weeks.from_, last + 1))
        return frozenset(w for w in self.weeks if w <= weeks)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"requirement minimum {self.min} is above its maximum {self.max}")

    def describe(self) -> str:
        """The requirement in words."""
        text = f"{Range(min=self.min, max=self.max).describe()} {self.selector.describe()} per {self.per.value}"
        if self.patient_weeks is not None:
            text += f" in {describe_phase(self.patient_weeks)}"
        return text + self.describe_sessions()

    def describe_sessions(self) -> str:
        """Which sessions count, in words (empty when all do), for example
        " in the first session of the week, on Tuesday, in weeks 4, 8 and 12"."""
        parts = []
        if self.session is not None:
            parts.append(f"in the {self.session.value} session of the week")
        if self.days is not None:
            names = [calendar.day_name[d.position] for d in self.days]
            parts.append("on " + _and(names, "or"))
        if isinstance(self.weeks, Weeks) and self.weeks.to == self.weeks.from_:
            parts.append(f"in week {self.weeks.from_}")
        elif isinstance(self.weeks, Weeks):
            end = f" to {self.weeks.to}" if self.weeks.to is not None else " on"
            parts.append(f"in weeks {self.weeks.from_}{end}")
        elif self.weeks is not None:
            noun = "week" if len(self.weeks) == 1 else "weeks"
            parts.append(f"in {noun} " + _and([str(w) for w in self.weeks], "and"))
        return "".join(f", {p}" if i else f" {p}" for i, p in enumerate(parts))


def _and(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


@located
@attrs.frozen(kw_only=True)
class Weeks:
    """A window of weeks, 1-based and inclusive; ``to=None`` runs to the program's end.

    Attributes:
        from_: The first week (written ``from`` in files).
        to: The last week, or ``None`` for the program's last.
    """

    from_: int = attrs.field(default=1, alias="from_", validator=whole(1))
    to: int | None = attrs.field(default=None, validator=whole(1, optional=True))

    def __attrs_post_init__(self) -> None:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"the window of weeks is empty: from {self.from_} to {self.to}")


@located
@attrs.frozen(kw_only=True)
class Track:
    """A sequence of skill modules taught in order, in parallel with other tracks.

    Written as in a program file: ``Track(name="Core", modules=["cbt-foundations"],
    per_week={"min": 2}, weeks={"from": 2, "to": 8})``.

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
    per_session: Range = attrs.field(factory=lambda: Range(max=1), converter=as_range)
    per_week: Range = attrs.field(factory=Range, converter=as_range)
    days: tuple[Weekday, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_days)
    )
    weeks: Weeks | None = attrs.field(default=None, converter=_weeks)
    repeat: bool = attrs.field(default=False, validator=boolean)
    core: bool = attrs.field(default=True, validator=boolean)
    group: str | None = attrs.field(default=None, validator=attrs.validators.optional(check_slug))
    standalone: bool = attrs.field(default=False, validator=boolean)

    def __attrs_post_init__(self) -> None:
        if not self.modules:
            raise ValueError(f"track {self.name!r} has no modules")
        if self.per_session.max == 0 or self.per_week.max == 0:
            raise ValueError(f"track {self.name!r} allows no lessons at all (a maximum of 0)")
        if self.days is not None and not self.days:
            raise ValueError(f"track {self.name!r} has an empty list of days")


@located
@attrs.frozen(kw_only=True)
class RollingAdmission:
    """Open enrolment: anyone admitted in any week and staying ``stay_weeks`` weeks
    receives every lesson of every core track."""

    stay_weeks: int = attrs.field(validator=whole(1))


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_clock(inst: object, attr: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise invalid(
            inst,
            attr,
            f"'start_time' must be a clock time HH:MM such as '09:00' (got {value!r})",
            wrong_type=not isinstance(value, str),
        )


def _pairs(value: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple(value)


def _check_timezone(inst: object, attr: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    import zoneinfo

    problem = f"'timezone' must be an IANA time zone name such as 'America/Chicago' (got {value!r})"
    if not isinstance(value, str):
        raise invalid(inst, attr, problem, wrong_type=True)
    # an unknown zone is reported at the program, where files report it
    if not value or len(value) > 64 or "\x00" in value:
        raise invalid(inst, None, problem)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise invalid(inst, None, problem) from None


def _caps(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    pairs: list[tuple[Any, ...]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"must be a mapping of ids to numbers of patients (got {got(value)})")
    else:
        pairs = [tuple(p) for p in value]
    result = []
    for pair in pairs:
        if len(pair) != 2:
            raise TypeError("must be a mapping of ids to numbers of patients")
        key, cap = pair
        if not isinstance(key, str) or len(key) > MAX_ID or not SLUG.fullmatch(key):
            raise ValueError(f"{excerpt(key)} is not an id (lowercase letters, digits, hyphens)")
        if isinstance(cap, bool) or not isinstance(cap, int):
            raise TypeError(f"the cap of {key!r} must be a whole number (got {got(cap)})")
        if not 1 <= cap <= 10_000:
            raise ValueError(f"the cap of {key!r} must be from 1 to 10000 (got {cap})")
        result.append((key, cap))
    keys = [k for k, _ in result]
    if len(set(keys)) != len(keys):
        raise ValueError("an id is given two caps")
    return tuple(sorted(result))


@located
@attrs.frozen(kw_only=True)
class GroupSizes:
    """Most patients in one sitting of a group activity.

    Written in a program file as ``group_size: {max: 12, activities: {process-group: 8},
    groups: {early-recovery: 10}}``. A sitting (a session's main blocks, or one of its
    groups) is capped by the smallest cap that applies to it: ``max`` for any sitting
    with a group or family activity, the cap of each such activity it holds, and the cap
    of its group. Individual activities (one to one) are never capped: patients sitting
    them meet their own clinician.

    Attributes:
        max: Most patients in any group sitting, or ``None``.
        activities: Caps by activity id, as ``(id, cap)`` pairs (a mapping is accepted).
        groups: Caps by program group name, as ``(name, cap)`` pairs (a mapping too).
    """

    max: int | None = attrs.field(default=None, validator=whole(1, 10_000, optional=True))
    activities: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_caps)
    groups: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_caps)

    def cap(self, group: str | None, blocks: Iterable[Block]) -> tuple[int, str] | None:
        """The cap of a sitting and where it comes from (``"max"``,
        ``"activities.process-group"``, ``"groups.early-recovery"``), or ``None``."""
        shared = [b for b in blocks if not b.is_break and b.format is not Format.INDIVIDUAL]
        if not shared:
            return None
        found: list[tuple[int, str]] = []
        if self.max is not None:
            found.append((self.max, "max"))
        caps = dict(self.activities)
        for block in shared:
            if block.activity in caps:
                found.append((caps[block.activity], f"activities.{block.activity}"))
        if group is not None and group in dict(self.groups):
            found.append((dict(self.groups)[group], f"groups.{group}"))
        return min(found) if found else None

    def to_dict(self) -> dict[str, Any]:
        """The caps as a program file writes them."""
        result: dict[str, Any] = {}
        if self.max is not None:
            result["max"] = self.max
        if self.activities:
            result["activities"] = dict(self.activities)
        if self.groups:
            result["groups"] = dict(self.groups)
        return result


@located
@attrs.frozen(kw_only=True)
class Program:
    """A program: the limits a curriculum must meet, as a program file states them.

    Everything a program file can say can be written here with the same names and the
    same values: texts for weekdays, kinds and ISO dates, mappings for the session, the
    weekly minutes, requirements and tracks, a single text for a list of one. See the
    program file reference for each key's meaning. :meth:`from_dict` reads the mapping
    of a whole program file and :meth:`to_dict` writes it.

    Every value is checked on construction: a :class:`~iopkit.errors.ProgramError` (a
    :class:`~iopkit.errors.ProgramTypeError` for a value of the wrong type) lists what is
    wrong by field path, such as ``Program.tracks[0].weeks.from: must be 1 or more``.

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
        group_size: Most patients in one sitting of a group activity (see
            :class:`GroupSizes`); the attendance census checks it. ``None``: no caps.
        catalog: The content the program draws on, resolved from ``catalogs`` when the
            program is loaded (or given in Python); ``None`` means the built-in catalog.
            Not part of equality, which compares what the file says.
        profile_definitions: ``(reference, profile)`` pairs for the profiles read from
            files when the program was loaded; not part of equality.
        file: The file the program was read from, for messages; not part of equality.
    """

    name: str = attrs.field(converter=nfc, validator=check_text)
    weeks: int = attrs.field(validator=whole(1, 520))
    days: tuple[Weekday, ...] = attrs.field(converter=_days, validator=_unique_days)
    session: SessionShape = attrs.field(converter=_session)
    population: Population = attrs.field(default=Population.ADULT, converter=_population)
    start: dt.date | None = attrs.field(default=None, converter=_optional_date)
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
    weekly_minutes: WeeklyMinutes = attrs.field(default=WeeklyMinutes(), converter=_weekly)
    require: tuple[Requirement, ...] = attrs.field(default=(), converter=_requirements)
    tracks: tuple[Track, ...] = attrs.field(default=(), converter=_tracks)
    profiles: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    rolling_admission: RollingAdmission | None = attrs.field(default=None, converter=_rolling)
    admission: Admission | None = attrs.field(default=None, converter=_admission)
    stay: Stay | None = attrs.field(default=None, converter=_stay)
    cycle: bool = attrs.field(default=False, validator=boolean)
    groups: tuple[Group, ...] = attrs.field(default=(), converter=_groups)
    group_size: GroupSizes | None = attrs.field(default=None, converter=_group_sizes)
    catalog: Catalog | None = attrs.field(
        default=None, eq=False, repr=False, validator=instance(Catalog, "a Catalog or None")
    )
    profile_definitions: tuple[tuple[str, Any], ...] = attrs.field(
        default=(), eq=False, repr=False, converter=_pairs
    )
    file: str | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems = [Problem(message=m, pointer=p, root="Program") for p, m in self._problems()]
        if problems:
            raise ProgramError(problems)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Program:
        """The program a program file's mapping states (with or without its
        ``iopkit: program/1`` key), checked as :func:`~iopkit.curriculum.load_program`
        checks a file: against the file format's schema, then as a whole. Dates may be
        :class:`datetime.date` objects, as ``yaml.safe_load`` gives them.

        The program names its catalog and profile files but does not read them: compose
        it with ``catalog=``, or read it with ``load_program()``.

        Raises:
            ProgramError: every problem, located by field path.
        """
        from iopkit._files._documents import Document
        from iopkit._files._load import structure
        from iopkit._files._schemas import check

        expect(
            document,
            Mapping,
            "Program.from_dict() takes a mapping, the content of a program file",
            "; to read a file use load_program(path)",
        )
        data = _plain(document)
        data.setdefault("iopkit", "program/1")
        name = "<Program.from_dict>"
        try:
            check(Document(data=data, file=name), "program")
            program: Program = structure(Document(data=data, file=name), cls)
        except InputError as exc:
            raise ProgramError(
                [
                    Problem(message=p.message, pointer=p.pointer, root="Program")
                    if p.file == name
                    else p
                    for p in exc.problems
                ]
            ) from None
        return program

    def to_dict(self) -> dict[str, Any]:
        """The program as the mapping a program file holds, ``iopkit: program/1`` first:
        what :func:`~iopkit.curriculum.dump_program` writes and :meth:`from_dict` reads."""
        from iopkit._files._converter import program_document

        return program_document(self)

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
        """The program's ``stay``, or every week of a closed cohort; how long each
        patient stays."""
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


def _plain(value: Any) -> Any:
    """A mapping as plain data, as a file would hold it: lists for sequences, ISO texts
    for dates, texts for enumeration members."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
