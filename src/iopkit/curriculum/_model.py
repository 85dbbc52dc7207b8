"""The composer's model of a program, compiled from the rule objects.

Nothing here decides what is allowed: every limit comes from a rule object's parameters,
and only the rules present (not relaxed) are compiled.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence

import attrs

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._types import Weekday
from iopkit.curriculum._program import Count, Per, Program, Track
from iopkit.curriculum._rules import (
    Breaks,
    Context,
    CoreDelivery,
    Lesson,
    LongSessions,
    OpeningClosing,
    RequirementRule,
    RollingCoverage,
    Rule,
    SessionLength,
    TrackPlacement,
    WeeklyMinutesRule,
    _day_order,
)
from iopkit.curriculum._selector import Selector


def _fit(sequence: tuple[Lesson, ...], catalog: Catalog, wall_max: int) -> int:
    """The most lessons of a sequence one session can hold: a bound, not a limit, used
    when no rule caps lessons per session (every lesson takes its shortest length)."""
    shortest = min(catalog.activity(step.activity).minutes.min for step in sequence)
    return max(1, wall_max // max(1, shortest))


@attrs.frozen
class Slot:
    """A session in the calendar: its week, weekday and date."""

    week: int
    day: Weekday
    date: dt.date | None


@attrs.frozen
class WeekOption:
    """One way to lay out a week's sessions (which closed sessions are made up)."""

    slots: tuple[Slot, ...]


@attrs.frozen
class TrackSpec:
    """A track as the composer sees it."""

    index: int
    track: Track
    sequence: tuple[Lesson, ...]
    cycles: bool
    per_session_min: int
    per_session_max: int
    per_week_min: int
    per_week_max: int | None
    placed: bool  # whether the placement rule is in force
    core: bool  # whether full delivery is required
    first_week: int
    last_week: int
    days: frozenset[Weekday] | None
    completed_at: tuple[frozenset[str], ...]  # modules completed after p lessons (p <= len)
    first_lessons: frozenset[int]  # positions that start a module

    def active(self, week: int, day: Weekday) -> bool:
        """Whether the track may place lessons in this session."""
        if not self.first_week <= week <= self.last_week:
            return False
        return self.days is None or day in self.days

    def completed(self, pointer: int) -> frozenset[str]:
        """Modules completed once ``pointer`` lessons have been delivered."""
        return self.completed_at[min(pointer, len(self.sequence))]

    def lesson(self, position: int) -> Lesson:
        """The lesson at a position of the (cycled) sequence."""
        return self.sequence[position % len(self.sequence)]

    def remaining(self, pointer: int) -> float:
        """Lessons still to deliver (infinite for a cycling track)."""
        return math.inf if self.cycles else len(self.sequence) - pointer


@attrs.frozen
class Counted:
    """A selector counted per week or per program, with its bounds."""

    rule_id: str
    selector: Selector
    per: Per
    min: int
    max: int | None


@attrs.frozen
class WeeklyLimit:
    """Bounds on a week's minutes."""

    rule_id: str
    min: int
    max: int | None
    wall: bool
    taper_weeks: int


@attrs.frozen
class LongLimit:
    """At least ``min`` sessions a week with ``minutes`` service minutes or more."""

    rule_id: str
    min: int
    minutes: int
    taper_weeks: int


@attrs.frozen
class Model:
    """Everything the search needs, compiled from a program, a catalog and rules."""

    program: Program
    catalog: Catalog
    weeks: tuple[tuple[WeekOption, ...], ...]
    wall_min: int
    wall_max: int
    opening: tuple[Activity, ...]
    closing: tuple[Activity, ...]
    break_after: int | None
    break_minutes: int
    break_activity: Activity | None
    pool: tuple[Activity, ...]
    counted: tuple[Counted, ...]
    session_reqs: tuple[RequirementRule, ...]
    weekly: tuple[WeeklyLimit, ...]
    long: tuple[LongLimit, ...]
    tracks: tuple[TrackSpec, ...]
    stay_weeks: int | None
    core_lessons: tuple[tuple[str, int], ...]

    def max_service(self) -> int:
        """The most service minutes a session of at most ``wall_max`` minutes can hold,
        with the breaks the break rule then needs."""
        if self.break_after is None:
            return self.wall_max
        best = 0
        for service in range(self.wall_max + 1):
            breaks = max(0, math.ceil(service / self.break_after) - 1)
            if service + breaks * self.break_minutes <= self.wall_max:
                best = service
        return best

    def week_capacity(self, spec: TrackSpec, week: int) -> int:
        """The most lessons a track can place in a 0-based week, over its layouts."""
        best = 0
        for option in self.weeks[week]:
            active = sum(1 for s in option.slots if spec.active(week + 1, s.day))
            cap = active * spec.per_session_max
            if spec.per_week_max is not None:
                cap = min(cap, spec.per_week_max)
            best = max(best, cap)
        return best

    def matching(self, selector: Selector) -> list[Activity]:
        """Stand-alone activities (fillers, opening, closing) the selector can count."""
        return [
            a
            for a in (*self.pool, *self.opening, *self.closing)
            if selector.matches_kind(a.id, a.kind, a.modality, a.format)
            and (selector.min_minutes is None or (a.minutes.max or 0) >= selector.min_minutes)
        ]

    def lessons_match(self, spec: TrackSpec, selector: Selector) -> bool:
        """Whether the selector can count some lesson of the track."""
        for step in spec.sequence:
            a = self.catalog.activity(step.activity)
            if selector.matches_kind(a.id, a.kind, a.modality, a.format) and (
                selector.min_minutes is None or (a.minutes.max or 0) >= selector.min_minutes
            ):
                return True
        return False

    @property
    def all_selectors(self) -> tuple[Selector, ...]:
        """Selectors whose counts matter, counted ones first then per-session ones."""
        return tuple(c.selector for c in self.counted) + tuple(
            r.requirement.selector for r in self.session_reqs
        )


def calendar(program: Program) -> tuple[tuple[WeekOption, ...], ...]:
    """For each week, the ways its sessions can be laid out, the fullest first."""
    closures = set(program.closures)
    order = _day_order(program)
    result = []
    for week in range(1, program.weeks + 1):
        dates = program.week_dates(week)

        def date_of(day: Weekday, dates: dict[Weekday, dt.date] | None = dates) -> dt.date | None:
            return dates[day] if dates is not None else None

        open_days = [d for d in program.days if date_of(d) not in closures or date_of(d) is None]
        closed = len(program.days) - len(open_days)
        spare = [
            d
            for d in program.makeup_days
            if d not in program.days and (date_of(d) is None or date_of(d) not in closures)
        ]
        options = []
        for size in range(min(closed, len(spare)), -1, -1):
            for extra in itertools.combinations(sorted(spare, key=order.index), size):
                days = sorted([*open_days, *extra], key=order.index)
                options.append(WeekOption(tuple(Slot(week, d, date_of(d)) for d in days)))
        result.append(tuple(options))
    return tuple(result)


def compile_model(program: Program, catalog: Catalog, rules: Sequence[Rule]) -> Model:
    """Build the search model from the rules in force."""
    context = Context(program=program, catalog=catalog)
    by_type: dict[type, list[Rule]] = {}
    for rule in rules:
        by_type.setdefault(type(rule), []).append(rule)

    def only(cls: type) -> Rule | None:
        found = by_type.get(cls, [])
        return found[0] if found else None

    length = only(SessionLength)
    wall_min = length.minutes.min if isinstance(length, SessionLength) else 1
    wall_max = (
        length.minutes.max
        if isinstance(length, SessionLength) and length.minutes.max is not None
        else 1440
    )
    oc = only(OpeningClosing)
    opening = (
        tuple(catalog.activity(a) for a in oc.opening) if isinstance(oc, OpeningClosing) else ()
    )
    closing = (
        tuple(catalog.activity(a) for a in oc.closing) if isinstance(oc, OpeningClosing) else ()
    )
    br = only(Breaks)
    shape = program.session
    if isinstance(br, Breaks) and br.after is not None and br.minutes is not None and br.activity:
        break_after: int | None = br.after
        break_minutes = br.minutes
        break_activity: Activity | None = catalog.activity(br.activity)
    else:
        break_after, break_minutes, break_activity = None, 0, None
    # opening and closing activities are placed as such; when that rule is relaxed they
    # become ordinary fillers (the fill rule always accepts them)
    fixed = {a.id for a in (*opening, *closing)}
    allowed = (
        set(shape.fill) | set(shape.opening) | set(shape.closing)
        if shape.fill is not None
        else None
    )
    pool = tuple(
        a
        for a in catalog.activities
        if not a.is_break and a.id not in fixed and (allowed is None or a.id in allowed)
    )
    counted: list[Counted] = []
    session_reqs: list[RequirementRule] = []
    for rule in by_type.get(RequirementRule, []):
        if not isinstance(rule, RequirementRule):  # pragma: no cover - grouped by type
            continue
        req = rule.requirement
        if req.per is Per.SESSION:
            session_reqs.append(rule)
        else:
            counted.append(Counted(rule.id, req.selector, req.per, req.min, req.max))
    weekly = tuple(
        WeeklyLimit(r.id, r.range.min, r.range.max, r.count is Count.WALL, r.taper_weeks)
        for r in by_type.get(WeeklyMinutesRule, [])
        if isinstance(r, WeeklyMinutesRule)
    )
    long = tuple(
        LongLimit(r.id, r.min, r.min_minutes, r.taper_weeks)
        for r in by_type.get(LongSessions, [])
        if isinstance(r, LongSessions)
    )
    placed = {
        r.track.name for r in by_type.get(TrackPlacement, []) if isinstance(r, TrackPlacement)
    }
    core = {r.track.name for r in by_type.get(CoreDelivery, []) if isinstance(r, CoreDelivery)}
    rolling = only(RollingCoverage)
    stay = rolling.stay_weeks if isinstance(rolling, RollingCoverage) else None
    tracks = []
    for index, track in enumerate(program.tracks):
        sequence = context.sequence(track)
        on = track.name in placed
        first, last = program.track_window(track)
        completed = [frozenset[str]()]
        done: set[str] = set()
        firsts = set()
        for position, lesson in enumerate(sequence):
            if lesson.number == 1:
                firsts.add(position)
            if lesson.number == len(catalog.module(lesson.module).lessons):
                done.add(lesson.module)
            completed.append(frozenset(done))
        tracks.append(
            TrackSpec(
                index=index,
                track=track,
                sequence=sequence,
                cycles=track.repeat or (stay is not None and track.core),
                per_session_min=track.per_session.min if on else 0,
                per_session_max=(
                    track.per_session.max
                    if on and track.per_session.max is not None
                    else _fit(sequence, catalog, wall_max)
                ),
                per_week_min=track.per_week.min if on else 0,
                per_week_max=track.per_week.max if on else None,
                placed=on,
                core=track.name in core,
                first_week=first if on else 1,
                last_week=last if on else program.weeks,
                days=frozenset(track.days) if on and track.days is not None else None,
                completed_at=tuple(completed),
                first_lessons=frozenset(firsts),
            )
        )
    core_lessons = (
        tuple(sorted({(s.module, s.number) for t in tracks if t.track.core for s in t.sequence}))
        if stay is not None
        else ()
    )
    return Model(
        program=program,
        catalog=catalog,
        weeks=calendar(program),
        wall_min=wall_min,
        wall_max=wall_max,
        opening=opening,
        closing=closing,
        break_after=break_after,
        break_minutes=break_minutes,
        break_activity=break_activity,
        pool=pool,
        counted=tuple(counted),
        session_reqs=tuple(session_reqs),
        weekly=weekly,
        long=long,
        tracks=tuple(tracks),
        stay_weeks=stay,
        core_lessons=core_lessons,
    )
