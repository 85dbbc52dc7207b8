"""The composer's model: the vocabulary rules state their limits in, and what it compiles to.

Every limit the search knows comes from a rule's :meth:`~iopkit.curriculum._rules.Rule.contribute`
call on a :class:`ModelBuilder`; nothing here reads a limit from the program directly.
The builder then compiles to a :class:`Model` in whole steps of the time grid ("units"):
an activity of 45 to 90 minutes on a 5-minute grid takes 9 to 18 units, so every length the
search chooses is on the grid and the search stays complete under it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterable
from typing import Any, NamedTuple, Self

from iopkit._activity import MAX_ACTIVITY_MINUTES, Activity
from iopkit._types import Place, Range, Weekday
from iopkit.curriculum._program import Every, Group, PatientWeeks, Per, phase_weeks
from iopkit.curriculum._rules import Context, Lesson, day_order
from iopkit.curriculum._selector import Selector

#: Longest session the model allows when no rule bounds session length (a day).
DAY = 1440


# -- the compiled model ----------------------------------------------------------------


class Slot(NamedTuple):
    """A sitting in the calendar: its week (1-based), weekday and date; a make-up
    session also names the closed date it replaces; a group's sitting names its group
    (``None`` for a session's main blocks)."""

    week: int
    day: Weekday
    date: dt.date | None
    replaces: dt.date | None = None
    group: str | None = None
    variant: int = 0  # which per-session bounds with a filter apply (Model.variants)
    #: A session's main blocks that no patient present that day attends (all are in
    #: groups beside them, or admitted later in the week): no patient's per-session
    #: requirement applies to them.
    unattended: bool = False

    @property
    def effective_day(self) -> Weekday:
        """The day the session counts as for day-limited tracks."""
        return Weekday.of(self.replaces.weekday()) if self.replaces is not None else self.day


class Bounds(NamedTuple):
    """What one pattern of attendance must meet in a week: per weekly-minutes limit and
    per weekly count, ``(min, max)`` in units or blocks (``0`` and ``None`` where no
    patient present needs it); per long-session limit, the sessions needed."""

    minutes: tuple[tuple[int, int | None], ...]
    counts: tuple[tuple[int, int | None], ...]
    long: tuple[int, ...]


class Layout(NamedTuple):
    """One way to lay out a week's sittings (which closed sessions are made up, which
    groups meet), with who attends what.

    ``masks[i]`` has bit ``p`` set when patients of pattern ``p`` attend slot ``i``;
    ``bounds[p]`` is what pattern ``p`` must meet this week (``None``: no patient of it is
    present); ``closed`` is the pattern of a closed cohort's patients (``None`` with
    admission), and ``program[c]`` whether the program-wide count ``c`` counts this week
    for them."""

    slots: tuple[Slot, ...]
    masks: tuple[int, ...] = ()
    bounds: tuple[Bounds | None, ...] = ()
    closed: int | None = 0
    program: tuple[bool, ...] = ()
    filters: tuple[int, ...] = ()  # per slot: bit c set when count c counts in it


class Feature(NamedTuple):
    """Something counted in each session: blocks matching a selector, at least
    ``min_units`` long (in grid units), clipped at ``cap`` (larger counts never matter)."""

    selector: Selector
    min_units: int | None
    cap: int

    def counts(
        self,
        activity: Activity,
        units: int,
        module: str | None = None,
        track: str | None = None,
    ) -> bool:
        """Whether a block of ``activity`` lasting ``units`` counts (``module`` and
        ``track``: those of a lesson)."""
        if activity.is_break:
            return False
        if self.min_units is not None and units < self.min_units:
            return False
        return self.selector.matches_kind(
            activity.id, activity.kind, activity.modality, activity.format, module, track
        )

    def may_count(
        self,
        activity: Activity,
        hi_units: int,
        module: str | None = None,
        track: str | None = None,
    ) -> bool:
        """Whether some length up to ``hi_units`` of ``activity`` counts."""
        return self.counts(activity, hi_units, module, track)


class SlotFilter(NamedTuple):
    """Which sessions a requirement counts in: on some days, in some weeks, or only the
    first or last session of a week (``None`` leaves that part open)."""

    days: frozenset[Weekday] | None = None
    weeks: frozenset[int] | None = None
    which: str | None = None  # "first" or "last"

    def matches(self, slot: Slot, first: bool, last: bool) -> bool:
        """Whether a sitting counts (``first``/``last``: its session is the week's first or
        last)."""
        if self.days is not None and slot.effective_day not in self.days:
            return False
        if self.weeks is not None and slot.week not in self.weeks:
            return False
        if self.which == "first" and not first:
            return False
        return not (self.which == "last" and not last)


class SessionBound(NamedTuple):
    """Per-session bounds on a feature (a ``per: session`` requirement), in the sessions
    ``where`` says (all when ``None``)."""

    rule_id: str
    feature: int
    min: int
    max: int | None
    where: SlotFilter | None = None


class CountLimit(NamedTuple):
    """Bounds on a feature counted over each week or over the whole program."""

    rule_id: str
    feature: int
    per: Per
    min: int
    max: int | None
    phase: tuple[PatientWeeks, ...] | None = None
    where: SlotFilter | None = None


class MinutesLimit(NamedTuple):
    """Bounds on each week's minutes (service, or wall-clock with ``wall``); the last
    ``taper_weeks`` weeks of each patient's stay may fall below the minimum."""

    rule_id: str
    min: int  # units
    max: int | None  # units
    wall: bool
    taper_weeks: int


class LongLimit(NamedTuple):
    """At least ``sessions`` sessions a week of at least ``units`` service units (not in
    the last ``taper_weeks`` weeks of a stay)."""

    rule_id: str
    sessions: int
    units: int
    taper_weeks: int


class Audience(NamedTuple):
    """Patients present in a week: in their week ``k`` of a stay of ``stay`` weeks,
    attending from slot ``start`` of the layout (0: the whole week)."""

    k: int
    stay: int
    start: int


class BreakSpec(NamedTuple):
    """The break rule in units: a break of ``size`` at least every ``after`` service units."""

    rule_id: str
    after: int
    size: int
    activity: Activity


class SessionModel(NamedTuple):
    """Everything that decides what one session can hold: the key of its menus."""

    wall_lo: int
    wall_hi: int
    opening: tuple[Activity, ...]
    closing: tuple[Activity, ...]
    breaks: BreakSpec | None
    pool: tuple[Activity, ...]
    features: tuple[Feature, ...]
    bounds: tuple[SessionBound, ...]
    no_repeat: bool
    lengths: Lengths  # (activity id, lo, hi) in units, usable only
    order: tuple[Any, ...] = ()  # order limits inside a session (OrderLimit)

    def units(self, activity: Activity) -> tuple[int, int] | None:
        """An activity's lengths in units, or ``None`` when none is on the grid."""
        return self.lengths.by_id.get(activity.id)

    def max_service(self) -> int:
        """The most service units a session can hold with the breaks it then needs."""
        if self.breaks is None:
            return self.wall_hi
        return _max_service(self.wall_hi, self.breaks.after, self.breaks.size)


@functools.lru_cache(maxsize=256)
def _max_service(wall: int, after: int, size: int) -> int:
    """The most service units in ``wall`` units when ``after`` units of service in a row
    need a break of ``size`` units."""
    best = 0
    for service in range(wall + 1):
        needed = max(0, math.ceil(service / after) - 1)
        if service + needed * size <= wall:
            best = service
    return best


class Lengths(tuple[tuple[str, int, int], ...]):  # noqa: SLOT001 - its index needs a __dict__
    """``(activity id, lo, hi)`` in units, sorted: compared and hashed as the tuple it is
    (a session model is a cache key), and looked up by id through an index built once."""

    by_id: dict[str, tuple[int, int]]

    def __new__(cls, items: Iterable[tuple[str, int, int]]) -> Self:
        """The lengths, sorted by activity id."""
        self = super().__new__(cls, sorted(items))
        self.by_id = {key: (lo, hi) for key, lo, hi in self}
        return self


class TrackSpec(NamedTuple):
    """A track as the composer sees it (``position``: its index among the program's
    tracks)."""

    position: int
    name: str
    sequence: tuple[Lesson, ...]
    activities: tuple[Activity, ...]  # one per lesson of the sequence
    cycles: bool
    core: bool
    core_rule: str | None
    pace_rule: str | None
    per_session_min: int
    per_session_max: int
    per_week_min: int
    per_week_max: int | None
    first_week: int
    last_week: int
    days: frozenset[Weekday] | None
    completed_at: tuple[frozenset[str], ...]  # modules completed after p lessons (p <= len)
    stream: str | None = None  # the group whose sittings hold the lessons (None: main)
    standalone: bool = False

    def active(self, slot: Slot) -> bool:
        """Whether the track may place lessons in this sitting."""
        if slot.group != self.stream or not self.first_week <= slot.week <= self.last_week:
            return False
        return self.days is None or slot.effective_day in self.days

    def completed(self, pointer: int) -> frozenset[str]:
        """Modules completed once ``pointer`` lessons have been delivered."""
        return self.completed_at[min(pointer, len(self.sequence))]

    def lesson(self, position: int) -> Lesson:
        """The lesson at a position of the (cycled) sequence."""
        return self.sequence[position % len(self.sequence)]

    def activity(self, position: int) -> Activity:
        """The activity of the lesson at a position."""
        return self.activities[position % len(self.activities)]

    def remaining(self, pointer: int) -> float:
        """Lessons still to deliver (infinite for a cycling track)."""
        return math.inf if self.cycles else len(self.sequence) - pointer


class Coverage(NamedTuple):
    """Every window of ``stay`` weeks teaches every core lesson."""

    rule_id: str
    stay: int
    lessons: tuple[tuple[str, int], ...]


class Model(NamedTuple):
    """Everything the search needs, compiled from the rules' contributions."""

    context: Context
    grid: int
    weeks: tuple[tuple[Layout, ...], ...]
    session: SessionModel
    counts: tuple[CountLimit, ...]
    minutes: tuple[MinutesLimit, ...]
    long: tuple[LongLimit, ...]
    tracks: tuple[TrackSpec, ...]
    prerequisites: tuple[tuple[str, tuple[str, ...]], ...]  # module -> modules it requires
    coverage: Coverage | None
    unusable: tuple[tuple[str, str], ...]  # (activity id, why) for activities off the grid
    trackers: tuple[Any, ...]
    streams: tuple[tuple[str, SessionModel], ...] = ()  # each group's sittings
    patterns: tuple[frozenset[str], ...] = (frozenset(),)  # the groups each pattern attends
    open: bool = False  # patients are admitted at several points
    cycle: bool = False
    whole_runs: bool = False
    variants: tuple[tuple[SessionBound, ...], ...] = ((),)  # filtered per-session bounds

    def counts_in(self, layout: Layout, i: int, c: int) -> bool:
        """Whether count ``c`` counts in slot ``i`` of the layout."""
        return not layout.filters or bool(layout.filters[i] >> c & 1)

    @property
    def pinned(self) -> bool:
        """Whether sittings take exact service lengths while the search runs: patients
        of different patterns attend different sittings, so their weekly sums must be
        exact as they are built."""
        return len(self.patterns) > 1

    def session_for(self, slot: Slot) -> SessionModel:
        """The session model of a sitting: the main session's, or its group's, with the
        per-session bounds that apply to it."""
        found = self.session if slot.group is None else None
        for name, model in self.streams:
            if name == slot.group:
                found = model
        if found is None:  # pragma: no cover - slots name the model's groups
            raise KeyError(slot.group)
        if slot.unattended:
            return found._replace(bounds=())
        if slot.variant:
            found = found._replace(bounds=found.bounds + self.variants[slot.variant])
        return found

    def requires(self, module: str) -> tuple[str, ...]:
        """The modules a module requires (empty when prerequisites are not in force)."""
        for item, required in self.prerequisites:
            if item == module:
                return required
        return ()

    def stream_models(self) -> dict[str | None, SessionModel]:
        """The session model of the main sittings (``None``) and of each group's."""
        return {None: self.session, **dict(self.streams)}

    def feature_ceiling(self, session: SessionModel) -> tuple[int, ...]:
        """The most blocks of each feature one sitting of ``session`` can hold (a sound
        bound)."""
        streams = self.stream_models()
        result = []
        for feature in session.features:
            fixed = sum(
                1
                for a in (*session.pool, *session.opening, *session.closing)
                if (span := session.units(a)) is not None and feature.may_count(a, span[1])
            )
            lessons = sum(
                spec.per_session_max
                for spec in self.tracks
                if streams.get(spec.stream) is session
                and any(
                    (span := session.units(a)) is not None
                    and feature.may_count(a, span[1], lesson.module, spec.name)
                    for a, lesson in zip(spec.activities, spec.sequence, strict=True)
                )
            )
            result.append(min(feature.cap, fixed + lessons) if session.no_repeat else feature.cap)
        return tuple(result)

    def week_capacity(self, spec: TrackSpec, week: int) -> int:
        """The most lessons a track can place in a 0-based week, over its layouts."""
        best = 0
        for layout in self.weeks[week]:
            active = sum(1 for s in layout.slots if spec.active(s))
            cap = active * spec.per_session_max
            if spec.per_week_max is not None:
                cap = min(cap, spec.per_week_max)
            best = max(best, cap)
        return best


# -- the builder -----------------------------------------------------------------------


class ModelBuilder:
    """The vocabulary rules state their limits in. Each method records one kind of limit;
    :meth:`build` compiles them. Limits of the same kind from several rules (a program's
    and a profile's weekly minutes) are kept side by side and all enforced."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._grid = 1
        self._wall: Range | None = None
        self._opening: tuple[str, ...] = ()
        self._closing: tuple[str, ...] = ()
        self._breaks: tuple[str, int, int, str] | None = None
        self._fill: frozenset[str] | None = None
        self._fill_set = False
        self._no_repeat = False
        self._catalog_lengths = False
        self._calendar = False
        self._session_counts: list[tuple[str, Selector, int, int | None, SlotFilter | None]] = []
        self._counts: list[
            tuple[
                str,
                Selector,
                Per,
                int,
                int | None,
                tuple[PatientWeeks, ...] | None,
                SlotFilter | None,
            ]
        ] = []
        self._minutes: list[tuple[str, int, int | None, bool, int]] = []
        self._long: list[tuple[str, int, int, int]] = []
        self._paces: dict[
            int, tuple[str, Range, Range, tuple[Weekday, ...] | None, tuple[int, int]]
        ] = {}
        self._full: dict[int, str] = {}
        self._lesson_order = False
        self._prerequisites = False
        self._coverage: tuple[str, int] | None = None
        self._trackers: list[Any] = []
        self._order: list[tuple[str, str, Selector, Selector | None]] = []
        self._groups = False
        self._patient_order = False
        self._reach: dict[int, str] = {}
        self._whole_runs = False

    # session shape ------------------------------------------------------------------

    def grid(self, rule_id: str, minutes: int) -> None:
        """Every block starts and lasts a multiple of ``minutes``."""
        del rule_id
        self._grid = minutes

    def session_minutes(self, rule_id: str, minutes: Range) -> None:
        """Every session lasts within ``minutes`` (wall-clock, breaks included)."""
        del rule_id
        self._wall = minutes

    def open_and_close(
        self, rule_id: str, opening: tuple[str, ...], closing: tuple[str, ...]
    ) -> None:
        """Every session starts with ``opening`` and ends with ``closing``, in order."""
        del rule_id
        self._opening, self._closing = opening, closing

    def breaks(self, rule_id: str, after: int, minutes: int, activity: str) -> None:
        """A break of ``minutes`` at least every ``after`` service minutes, only between
        services; without this, sessions hold no breaks."""
        self._breaks = (rule_id, after, minutes, activity)

    def fill(self, rule_id: str, allowed: frozenset[str] | None) -> None:
        """Sessions are filled only with these stand-alone activities (``None``: any)."""
        del rule_id
        self._fill, self._fill_set = allowed, True

    def no_repeats(self, rule_id: str, exempt: tuple[str, ...]) -> None:
        """No activity twice in a session (the opening and closing ones aside)."""
        del rule_id, exempt
        self._no_repeat = True

    def catalog_lengths(self, rule_id: str) -> None:
        """Activities last as long as the catalog says (otherwise any length)."""
        del rule_id
        self._catalog_lengths = True

    def count_per_session(
        self,
        rule_id: str,
        selector: Selector,
        minimum: int,
        maximum: int | None,
        where: SlotFilter | None = None,
    ) -> None:
        """Blocks matching ``selector`` in each session (of those ``where`` says) lie
        within the bounds."""
        self._session_counts.append((rule_id, selector, minimum, maximum, where))

    # across sessions ------------------------------------------------------------------

    def calendar(self, rule_id: str) -> None:
        """Sessions on the program's days and weeks, closures and make-up days."""
        del rule_id
        self._calendar = True

    def count(
        self,
        rule_id: str,
        selector: Selector,
        per: Per,
        minimum: int,
        maximum: int | None,
        patient_weeks: tuple[PatientWeeks, ...] | None = None,
        where: SlotFilter | None = None,
    ) -> None:
        """Blocks matching ``selector`` that each patient attends over each week (or
        their stay) lie within the bounds, for patients in ``patient_weeks`` (all when
        ``None``), counted in the sessions ``where`` says (all when ``None``)."""
        self._counts.append((rule_id, selector, per, minimum, maximum, patient_weeks, where))

    def weekly_minutes(
        self,
        rule_id: str,
        minimum: int,
        maximum: int | None,
        *,
        wall: bool = False,
        taper_weeks: int = 0,
    ) -> None:
        """Each week's service minutes (or wall-clock minutes) lie within the bounds; the
        last ``taper_weeks`` weeks may fall below the minimum."""
        self._minutes.append((rule_id, minimum, maximum, wall, taper_weeks))

    def long_sessions(self, rule_id: str, count: int, minutes: int, taper_weeks: int) -> None:
        """At least ``count`` sessions a week hold ``minutes`` service minutes or more."""
        self._long.append((rule_id, count, minutes, taper_weeks))

    def track_pace(
        self,
        rule_id: str,
        index: int,
        *,
        per_session: Range,
        per_week: Range,
        days: tuple[Weekday, ...] | None,
        weeks: tuple[int, int],
    ) -> None:
        """Track ``index`` places lessons only on ``days`` in ``weeks``, at this pace."""
        self._paces[index] = (rule_id, per_session, per_week, days, weeks)

    def deliver_in_full(self, rule_id: str, index: int) -> None:
        """Track ``index`` delivers its whole sequence."""
        self._full[index] = rule_id

    def lesson_order(self, rule_id: str) -> None:
        """Tracks deliver their sequences in order."""
        del rule_id
        self._lesson_order = True

    def prerequisites(self, rule_id: str) -> None:
        """A module's first lesson comes after the last lesson of each module it requires."""
        del rule_id
        self._prerequisites = True

    def cover_every_stay(self, rule_id: str, stay_weeks: int) -> None:
        """Every window of ``stay_weeks`` weeks holds every lesson of every core track."""
        self._coverage = (rule_id, stay_weeks)

    def order(self, rule_id: str, relation: str, x: Selector, y: Selector | None) -> None:
        """Inside every sitting, blocks matching ``x`` stand in ``relation`` to blocks
        matching ``y``: ``before``, ``directly_before``, ``not_directly_after``; or, with
        no ``y``, at the ``start`` or the ``end``."""
        self._order.append((rule_id, relation, x, y))

    def groups(self, rule_id: str) -> None:
        """Groups meet beside, before or after sessions for the patients of their phase."""
        del rule_id
        self._groups = True

    def patient_order(self, rule_id: str) -> None:
        """Each patient enters ordered tracks at a module start, meets their lessons in
        order and meets prerequisites within their own stay."""
        del rule_id
        self._patient_order = True

    def reach_every_patient(self, rule_id: str, index: int) -> None:
        """Every patient receives every lesson of track ``index`` while in it."""
        self._reach[index] = rule_id

    def whole_runs(self, rule_id: str) -> None:
        """In a cycle, each track teaches its sequence a whole number of times."""
        del rule_id
        self._whole_runs = True

    def tracker(self, tracker: Any) -> None:
        """A limit of a kind the vocabulary above cannot state: an object with the
        :class:`~iopkit.curriculum._composer._search.Tracker` methods."""
        self._trackers.append(tracker)

    # compiling ------------------------------------------------------------------------

    def build(self) -> Model:
        """Compile the recorded limits into a model in grid units."""
        program, catalog = self.context.program, self.context.catalog
        g = self._grid
        unusable: list[tuple[str, str]] = []

        def units(activity: Activity) -> tuple[int, int] | None:
            if self._catalog_lengths:
                lo, hi = activity.minutes.min, activity.minutes.max or activity.minutes.min
            else:
                lo, hi = 1, MAX_ACTIVITY_MINUTES
            first, last = math.ceil(lo / g), hi // g
            return (first, last) if first <= last else None

        wall = self._wall or Range(min=1, max=DAY)
        wall_lo = max(1, math.ceil(wall.min / g))
        wall_hi = (wall.max if wall.max is not None else DAY) // g
        opening = tuple(catalog.activity(a) for a in self._opening)
        closing = tuple(catalog.activity(a) for a in self._closing)
        spec: BreakSpec | None = None
        if self._breaks is not None:
            rule_id, after, minutes, activity_id = self._breaks
            activity = catalog.activity(activity_id)
            if minutes % g == 0:
                spec = BreakSpec(rule_id, after // g, minutes // g, activity)
            else:
                unusable.append((activity_id, f"breaks of {minutes} minutes are off the grid"))
                spec = BreakSpec(rule_id, after // g, 0, activity)  # no break can be placed
        fixed = {a.id for a in (*opening, *closing)}
        allowed = self._fill if self._fill_set else None
        pool_all = [
            a
            for a in catalog.activities
            if not a.is_break and a.id not in fixed and (allowed is None or a.id in allowed)
        ]
        sequences = [self.context.sequence(t) for t in program.tracks]
        group_fill = {
            a
            for g in (program.groups if self._groups else ())
            for a in (g.fill or ())
            if a in catalog and not catalog.activity(a).is_break
        }
        used: list[Activity] = [*opening, *closing, *pool_all]
        used += [catalog.activity(a) for a in sorted(group_fill)]
        used += [catalog.activity(step.activity) for seq in sequences for step in seq]
        lengths: dict[str, tuple[int, int]] = {}
        for activity in used:
            found = units(activity)
            if found is None:
                unusable.append(
                    (activity.id, f"lasts {activity.minutes.describe('minutes')}, off the grid")
                )
            else:
                lengths[activity.id] = found
        pool = tuple(a for a in pool_all if a.id in lengths)

        features: list[Feature] = []
        caps: list[int] = []

        def feature(selector: Selector, cap: int) -> int:
            min_units = (
                math.ceil(selector.min_minutes / g) if selector.min_minutes is not None else None
            )
            for index, known in enumerate(features):
                if known.selector == selector:
                    caps[index] = max(caps[index], cap)
                    return index
            features.append(Feature(selector, min_units, 0))
            caps.append(cap)
            return len(features) - 1

        def cap_of(minimum: int, maximum: int | None) -> int:
            return maximum + 1 if maximum is not None else minimum

        counts = []
        for rule_id, selector, per, minimum, maximum, phase, where in self._counts:
            if minimum == 0 and maximum is None:
                continue  # counts nothing
            counts.append(
                CountLimit(
                    rule_id,
                    feature(selector, cap_of(minimum, maximum)),
                    per,
                    minimum,
                    maximum,
                    phase,
                    where,
                )
            )
        bounds = []
        for rule_id, selector, minimum, maximum, where in self._session_counts:
            if minimum == 0 and maximum is None:
                continue
            bounds.append(
                SessionBound(
                    rule_id, feature(selector, cap_of(minimum, maximum)), minimum, maximum, where
                )
            )
        from iopkit.curriculum._composer._arrange import OrderLimit

        order = tuple(
            OrderLimit(rule_id, relation, feature(x, 1), feature(y, 1) if y is not None else -1)
            for rule_id, relation, x, y in self._order
        )
        features = [f._replace(cap=c) for f, c in zip(features, caps, strict=True)]
        session = SessionModel(
            wall_lo=wall_lo,
            wall_hi=wall_hi,
            opening=opening,
            closing=closing,
            breaks=spec,
            pool=pool,
            features=tuple(features),
            bounds=tuple(b for b in bounds if b.where is None),
            no_repeat=self._no_repeat,
            lengths=Lengths((k, lo, hi) for k, (lo, hi) in lengths.items()),
            order=order,
        )
        weekly = tuple(
            MinutesLimit(
                rule_id,
                math.ceil(minimum / g),
                maximum // g if maximum is not None else None,
                wall,
                taper,
            )
            for rule_id, minimum, maximum, wall, taper in self._minutes
        )
        long = tuple(
            LongLimit(rule_id, count, math.ceil(minutes_ / g), taper)
            for rule_id, count, minutes_, taper in self._long
        )
        streams = tuple(
            (group.name, self._group_model(group, session, lengths))
            for group in (program.groups if self._groups else ())
        )
        stream_of = dict(streams)
        tracks = tuple(
            self._track(
                i,
                seq,
                stream_of.get(program.tracks[i].group or "", session),
            )
            for i, seq in enumerate(sequences)
        )
        patterns, layouts, variants = self._attendance(
            weekly, tuple(counts), long, tuple(b for b in bounds if b.where is not None)
        )
        coverage = None
        if self._coverage is not None:
            rule_id, stay = self._coverage
            lessons = sorted({(s.module, s.number) for t in tracks if t.core for s in t.sequence})
            coverage = Coverage(rule_id, stay, tuple(lessons))
        prerequisites = (
            tuple(sorted((m.id, m.requires) for m in catalog.modules if m.requires))
            if self._prerequisites
            else ()
        )
        model = Model(
            context=self.context,
            grid=g,
            weeks=layouts,
            session=session,
            counts=tuple(counts),
            minutes=weekly,
            long=long,
            tracks=tracks,
            prerequisites=prerequisites,
            coverage=coverage,
            unusable=tuple(unusable),
            trackers=tuple(self._trackers),
            streams=streams,
            patterns=patterns,
            open=program.admission is not None,
            cycle=program.cycle,
            whole_runs=self._whole_runs,
            variants=variants,
        )
        if program.admission is None:
            return model
        from iopkit.curriculum._composer._windows import Windows

        windows = Windows(
            model, order=self._patient_order, reach=dict(self._reach), counts=tuple(counts)
        )
        return model._replace(trackers=(*model.trackers, windows))

    def _group_model(
        self, group: Group, session: SessionModel, lengths: dict[str, tuple[int, int]]
    ) -> SessionModel:
        """The session model of a group's sittings: a beside group is a session of its
        own; a group before or after one holds its lessons and its own fill only."""
        g = self._grid
        catalog = self.context.catalog
        beside = group.place is Place.BESIDE
        if group.minutes is not None:
            wall_lo = max(1, math.ceil(group.minutes.min / g))
            wall_hi = (group.minutes.max or group.minutes.min) // g
        else:
            wall_lo, wall_hi = session.wall_lo, session.wall_hi
        if group.fill is not None:
            pool = tuple(
                catalog.activity(a)
                for a in group.fill
                if a in lengths and not catalog.activity(a).is_break
            )
        else:
            pool = session.pool if beside else ()
        return session._replace(
            wall_lo=wall_lo,
            wall_hi=wall_hi,
            opening=session.opening if beside else (),
            closing=session.closing if beside else (),
            pool=pool,
            bounds=session.bounds if beside else (),
        )

    def _audiences(self, week: int, main: tuple[Slot, ...], held: frozenset[int]) -> list[Audience]:
        """The patients present in a week, with the layout's main slots (``held``: the
        weeks with a session, the only weeks in which a patient can be admitted)."""
        program = self.context.program
        total = program.weeks
        admission = program.admission
        if admission is None:
            return [Audience(week, total, 0)]
        stays = program.patient_stay.lengths()
        longest = program.patient_stay.max
        last = total if program.cycle else total - longest + 1
        result: list[Audience] = []
        for first in range(1, last + 1):
            if first not in held or (first == week and not main):
                continue  # every session of that week is closed: nobody is admitted
            if admission.dates is not None:
                starts = (
                    [i for i, slot in enumerate(main) if slot.date in admission.dates]
                    if first == week
                    else [0]
                )
                dated = self._admission_weeks()
                if first not in dated:
                    continue
            elif admission.every is Every.DAY:
                starts = list(range(len(main))) if first == week else [0]
            else:  # every week; module starts are planned for as if every week
                starts = [0]
            for stay in stays:
                offsets = [week - first]
                if program.cycle:
                    base = (week - first) % total
                    offsets = list(range(base, stay, total))
                for offset in offsets:
                    k = offset + 1
                    if not 1 <= k <= stay:
                        continue
                    for start in starts if k == 1 else [0]:
                        result.append(Audience(k, stay, start))
        return result

    def _admission_weeks(self) -> frozenset[int]:
        program = self.context.program
        admission = program.admission
        if admission is None or admission.dates is None or program.start is None:
            return frozenset()
        return frozenset((d - program.start).days // 7 + 1 for d in admission.dates)

    def _attendance(
        self,
        minutes: tuple[MinutesLimit, ...],
        counts: tuple[CountLimit, ...],
        long: tuple[LongLimit, ...],
        filtered: tuple[SessionBound, ...],
    ) -> tuple[
        tuple[frozenset[str], ...],
        tuple[tuple[Layout, ...], ...],
        tuple[tuple[SessionBound, ...], ...],
    ]:
        """The patterns of attendance and every week's layouts, with their group
        sittings, who attends each slot, which counts count in it, and what each pattern
        must meet; and the sets of filtered per-session bounds that apply to sittings."""
        variants: list[tuple[SessionBound, ...]] = [()]
        program = self.context.program
        groups = program.groups if self._groups else ()
        weekly = [c for c in counts if c.per is Per.WEEK]
        programwide = [c for c in counts if c.per is Per.PROGRAM]
        patterns: list[frozenset[str]] = [frozenset()]
        index: dict[frozenset[str], int] = {frozenset(): 0}

        def pattern(k: int, stay: int) -> int:
            attended = frozenset(g.name for g in groups if k in phase_weeks(g.patient_weeks, stay))
            if attended not in index:
                index[attended] = len(patterns)
                patterns.append(attended)
            return index[attended]

        result = []
        every_week = self._weeks()
        held = frozenset(
            week
            for week, layouts in enumerate(every_week, start=1)
            if any(layout.slots for layout in layouts)
        )
        for week, layouts in enumerate(every_week, start=1):
            annotated = []
            for layout in layouts:
                main = layout.slots
                audiences = self._audiences(week, main, held)
                of = [pattern(a.k, a.stay) for a in audiences]
                slots: list[Slot] = []
                meeting: list[frozenset[str]] = []
                for i, slot in enumerate(main):
                    here = frozenset(
                        g.name
                        for g in groups
                        if (g.days is None or slot.effective_day in g.days)
                        and any(
                            a.start <= i and g.name in patterns[p]
                            for a, p in zip(audiences, of, strict=True)
                        )
                    )
                    slots.append(slot)
                    meeting.append(here)
                    slots += [slot._replace(group=g.name) for g in groups if g.name in here]
                slots, filters = self._filtered(slots, counts, filtered, variants)
                beside = {g.name for g in groups if g.place is Place.BESIDE}
                masks = []
                day = -1
                for slot in slots:
                    if slot.group is None:
                        day += 1
                        mask = 0
                        for p, attended in enumerate(patterns):
                            if not attended & beside & meeting[day]:
                                mask |= 1 << p
                    else:
                        mask = sum(1 << p for p, a in enumerate(patterns) if slot.group in a)
                    masks.append(mask)
                bounds: list[Bounds | None] = []
                for p in range(len(patterns)):
                    mine = [a for a, q in zip(audiences, of, strict=True) if q == p]
                    bounds.append(self._bounds(week, mine, minutes, weekly, long) if mine else None)
                # main blocks that none of the patients present that day attends (all are
                # in a group beside them, or not admitted yet)
                day = -1
                for k, (slot, mask) in enumerate(zip(slots, masks, strict=True)):
                    if slot.group is None:
                        day += 1
                        present = 0  # the patterns of the patients present (many share one)
                        for a, p in zip(audiences, of, strict=True):
                            if a.start <= day:
                                present |= 1 << p
                        if not mask & present:
                            slots[k] = slot._replace(unattended=True)
                closed = of[0] if program.admission is None else None
                applies = tuple(
                    program.admission is None and week in phase_weeks(c.phase, program.weeks)
                    for c in programwide
                )
                annotated.append(
                    Layout(tuple(slots), tuple(masks), tuple(bounds), closed, applies, filters)
                )
            result.append(tuple(annotated))
        # masks and bounds cover every pattern, also those found in later weeks
        width = len(patterns)
        final = tuple(
            tuple(
                layout._replace(
                    bounds=layout.bounds + (None,) * (width - len(layout.bounds)),
                )
                for layout in layouts
            )
            for layouts in result
        )
        return tuple(patterns), final, tuple(variants)

    def _filtered(
        self,
        slots: list[Slot],
        counts: tuple[CountLimit, ...],
        filtered: tuple[SessionBound, ...],
        variants: list[tuple[SessionBound, ...]],
    ) -> tuple[list[Slot], tuple[int, ...]]:
        """Each slot with its variant of per-session bounds, and which counts count in
        it (a requirement on some days, weeks, or the first or last session)."""
        program = self.context.program
        mains = sum(1 for slot in slots if slot.group is None)
        session_like = {None} | {g.name for g in program.groups if g.place is Place.BESIDE}
        result = []
        filters = []
        position = -1
        for slot in slots:
            if slot.group is None:
                position += 1
            first, last = position == 0, position == mains - 1
            bits = 0
            for c, limit in enumerate(counts):
                if limit.where is None or limit.where.matches(slot, first, last):
                    bits |= 1 << c
            filters.append(bits)
            applying = tuple(
                b
                for b in filtered
                if slot.group in session_like
                and b.where is not None
                and b.where.matches(slot, first, last)
            )
            if applying:
                if applying not in variants:
                    variants.append(applying)
                slot = slot._replace(variant=variants.index(applying))  # noqa: PLW2901
            result.append(slot)
        return result, tuple(filters)

    @staticmethod
    def _bounds(
        week: int,
        audiences: list[Audience],
        minutes: tuple[MinutesLimit, ...],
        weekly: list[CountLimit],
        long: tuple[LongLimit, ...],
    ) -> Bounds:
        """What the patients of one pattern present in a week must meet together."""
        full = [a for a in audiences if a.start == 0]
        return Bounds(
            minutes=tuple(
                (
                    m.min if any(a.k <= a.stay - m.taper_weeks for a in full) else 0,
                    m.max,
                )
                for m in minutes
            ),
            counts=tuple(
                (0, None)
                if c.where is not None and c.where.weeks is not None and week not in c.where.weeks
                else (
                    c.min if any(a.k in phase_weeks(c.phase, a.stay) for a in full) else 0,
                    c.max if any(a.k in phase_weeks(c.phase, a.stay) for a in audiences) else None,
                )
                for c in weekly
            ),
            long=tuple(
                n.sessions if any(a.k <= a.stay - n.taper_weeks for a in full) else 0 for n in long
            ),
        )

    def _track(self, index: int, sequence: tuple[Lesson, ...], session: SessionModel) -> TrackSpec:
        program, catalog = self.context.program, self.context.catalog
        track = program.tracks[index]
        pace = self._paces.get(index)
        activities = tuple(catalog.activity(step.activity) for step in sequence)
        shortest = min((session.units(a) or (10**6, 0))[0] for a in activities)
        fit = max(1, session.wall_hi // max(1, shortest))
        completed = [frozenset[str]()]
        done: set[str] = set()
        for lesson in sequence:
            if lesson.number == len(catalog.module(lesson.module).lessons):
                done.add(lesson.module)
            completed.append(frozenset(done))
        if pace is not None:
            rule_id, per_session, per_week, days, (first, last) = pace
            per_session_max = per_session.max if per_session.max is not None else fit
        else:
            rule_id, per_session, per_week, days = None, Range(), Range(), None
            first, last = 1, program.weeks
            per_session_max = fit
        return TrackSpec(
            stream=track.group,
            standalone=track.standalone,
            position=index,
            name=track.name,
            sequence=sequence,
            activities=activities,
            cycles=self.context.cycles(track),
            core=index in self._full,
            core_rule=self._full.get(index),
            pace_rule=rule_id,
            per_session_min=per_session.min,
            per_session_max=per_session_max,
            per_week_min=per_week.min,
            per_week_max=per_week.max,
            first_week=first,
            last_week=last,
            days=frozenset(days) if days is not None else None,
            completed_at=tuple(completed),
        )

    def _weeks(self) -> tuple[tuple[Layout, ...], ...]:
        """For each week, the ways its sessions can be laid out, the fullest first. The
        k-th make-up session of a week replaces its k-th closed session."""
        program = self.context.program
        closures = set(program.closures)
        order = day_order(program)
        result = []
        for week in range(1, program.weeks + 1):
            dates = program.week_dates(week)

            def date_of(
                day: Weekday, dates: dict[Weekday, dt.date] | None = dates
            ) -> dt.date | None:
                return dates[day] if dates is not None else None

            open_days = [
                d for d in program.days if date_of(d) is None or date_of(d) not in closures
            ]
            closed = sorted((d for d in program.days if d not in open_days), key=order.index)
            spare = sorted(
                (
                    d
                    for d in program.makeup_days
                    if d not in program.days and (date_of(d) is None or date_of(d) not in closures)
                ),
                key=order.index,
            )
            layouts = []
            for size in range(min(len(closed), len(spare)), -1, -1):
                for extra in itertools.combinations(spare, size):
                    replaced = dict(zip(extra, closed, strict=False))
                    days = sorted([*open_days, *extra], key=order.index)
                    layouts.append(
                        Layout(
                            tuple(
                                Slot(
                                    week,
                                    d,
                                    date_of(d),
                                    date_of(replaced[d]) if d in replaced else None,
                                )
                                for d in days
                            )
                        )
                    )
            result.append(tuple(layouts))
        return tuple(result)


def build_model(context: Context, rules: Iterable[Any]) -> Model:
    """The model the rules make together."""
    builder = ModelBuilder(context)
    for rule in rules:
        rule.contribute(builder)
    return builder.build()
