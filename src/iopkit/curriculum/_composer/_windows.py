"""Patients' stays, followed by the search as it goes: one window per admission and stay
length, opened at the admission session and closed at the end of the patient's last week.

A window gathers what that patient attends (the sittings of their pattern): the lessons
they receive and the blocks counted over their stay. It checks, as soon as it can, that
the patient enters each ordered track at a module start and starts a module only after
the modules it requires, and when it closes, that the patient received every lesson of
each core track and the counts their stay needs. In a cycle, windows still open when the
cycle ends run on through the first weeks again, recorded for that purpose.

Three bounds prune early, each sound (they only refuse what could never close):

- a layout whose admissions take in a patient who could never receive every core lesson
  or the counts their stay needs, from the sittings their pattern attends, is refused as
  its week begins;
- at each week's end, an open window must still be able to do so in the weeks it has
  left;
- in a cycle, what a stay will receive when it runs on through the first weeks is
  gathered as those weeks are recorded (``ahead``): the stay's maximum counts are checked
  against it as it goes, and its minimum counts once it is complete.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from iopkit.curriculum._composer._model import CountLimit, Layout, Model, Slot
from iopkit.curriculum._program import Every, Per, phase_weeks


class Window(NamedTuple):
    """One patient's stay so far."""

    week: int  # the week they were admitted in
    stay: int
    k: int  # their current week
    received: frozenset[tuple[int, int]]  # (track, lesson index in one pass)
    last: tuple[int, ...]  # per track: the position last received in this run, or -1
    counts: tuple[int, ...]  # per stay count
    # per stay count, what the stay receives in the first weeks of a cycle it runs on
    # through, as far as they are recorded (zeros when it ends before the cycle does)
    ahead: tuple[int, ...]


class Event(NamedTuple):
    """What one sitting gave, recorded for the turn of a cycle."""

    week: int
    mask: int
    lessons: tuple[tuple[int, int], ...]
    counts: tuple[int, ...]
    main: bool
    first_main: bool
    admits: bool


class State(NamedTuple):
    """The tracker's state: open windows, this week's progress and the recorded first
    weeks of a cycle."""

    windows: tuple[Window, ...]
    week: int
    mains: int  # main sittings seen this week
    early: tuple[Event, ...]


class Unreachable(NamedTuple):
    """A patient a week's layout admits who could never close: at slot ``slot``, for a
    stay of ``stay`` weeks, they can receive at most ``most`` of the ``wanted`` lessons of
    core track ``track`` (an index), or of the blocks that stay count ``limit`` asks
    for."""

    slot: int
    stay: int
    track: int | None
    limit: CountLimit | None
    most: int
    wanted: int


class Windows:
    """The tracker of patients' stays (see the module's docstring)."""

    rule_id = "patients"

    def __init__(
        self,
        model: Model,
        *,
        order: bool,
        reach: dict[int, str],
        counts: tuple[CountLimit, ...],
    ) -> None:
        """``counts`` are the model's counts, in the order of its layouts' filters."""
        self.model = model
        program = model.context.program
        self.admission = program.admission
        self.order = order
        self.reach = reach
        self.counts = tuple(c for c in counts if c.per is Per.PROGRAM)
        # each stay count's bit in a layout's filters
        self.bits = tuple(n for n, c in enumerate(counts) if c.per is Per.PROGRAM)
        stay = program.patient_stay
        self.stays = tuple(stay.lengths())
        self.shortest = stay.min
        self.total = program.weeks
        self.last_admission = self.total if program.cycle else self.total - stay.max + 1
        self.record = min(stay.max - 1, self.total) if program.cycle else 0
        groups = program.groups
        index = {p: i for i, p in enumerate(model.patterns)}
        self.pattern: dict[tuple[int, int], int] = {}
        for length in self.stays:
            for k in range(1, length + 1):
                attended = frozenset(
                    g.name for g in groups if k in phase_weeks(g.patient_weeks, length)
                )
                self.pattern[k, length] = index.get(attended, -1)
        self.phase_of_count = [
            {length: phase_weeks(c.phase, length) for length in self.stays} for c in self.counts
        ]
        # the weeks of each stay in which a patient is in each track's stream
        self.in_track: list[dict[int, frozenset[int]]] = []
        for spec in model.tracks:
            group = program.group(spec.stream) if spec.stream is not None else None
            self.in_track.append(
                {
                    length: phase_weeks(group.patient_weeks if group else None, length)
                    for length in self.stays
                }
            )
        self.sequence = [
            [(lesson.module, lesson.number) for lesson in spec.sequence] for spec in model.tracks
        ]
        catalog = model.context.catalog
        self.requires = {
            m: model.requires(m)
            for spec in model.tracks
            for m in {lesson.module for lesson in spec.sequence}
        }
        self.size = {
            m: len(catalog.module(m).lessons)
            for m in {r for rs in self.requires.values() for r in rs} | set(self.requires)
            if m in catalog
        }
        self.wanted = {t: len(set(self.sequence[t])) for t in reach}
        # the most blocks of each feature a sitting of each stream can hold
        self.ceilings = {
            name: model.feature_ceiling(session) for name, session in model.stream_models().items()
        }
        # per 0-based week and pattern: the most lessons of each track and blocks of each
        # stay count its patients can receive that week, over the week's layouts
        width = len(model.patterns)
        self.lesson_room = [[[0] * width for _ in model.weeks] for _ in model.tracks]
        self.gain = [[[0] * len(self.counts) for _ in range(width)] for _ in model.weeks]
        for w, layouts in enumerate(model.weeks):
            for layout in layouts:
                for p in range(width):
                    lessons, gains = self._sittings(layout, 0, p)
                    for t, n in enumerate(lessons):
                        self.lesson_room[t][w][p] = max(self.lesson_room[t][w][p], n)
                    for c, n in enumerate(gains):
                        self.gain[w][p][c] = max(self.gain[w][p][c], n)
        self.rooms: dict[tuple[int, int, int, bool], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        # layouts (by id; the model keeps them) whose admissions can never close
        self.hopeless = {
            id(layout)
            for w, layouts in enumerate(model.weeks, start=1)
            for layout in layouts
            if self.unreachable(w, layout) is not None
        }

    # -- the tracker protocol ------------------------------------------------------------

    def start(self) -> State:
        """No patient yet."""
        return State(windows=(), week=0, mains=0, early=())

    def begin_week(self, state: State, week: int, layout: Layout) -> State | None:
        """A new week: each open window moves to its next week (a track's run breaks when
        the patient leaves its stream). A layout that admits a patient who could never
        close is refused."""
        if id(layout) in self.hopeless:
            return None
        moved = []
        for window in state.windows:
            if state.week == 0:
                moved.append(window)
                continue
            moved.append(self._advance(window))
        return State(tuple(moved), week, 0, state.early)

    def session(self, state: State, layout: Layout, i: int, pick: Any) -> State | None:
        """A sitting: admissions at it, then what each window's patient receives."""
        slot = layout.slots[i]
        mask = layout.masks[i] if layout.masks else 1
        main = slot.group is None
        admits = main and self._admits(state, slot, pick)
        counts = tuple(
            pick.choice.counts[c.feature] if self.model.counts_in(layout, i, bit) else 0
            for c, bit in zip(self.counts, self.bits, strict=True)
        )
        event = Event(
            slot.week, mask, pick.lessons, counts, main, main and state.mains == 0, admits
        )
        windows = list(state.windows)
        if admits:
            for length in self.stays:
                window = Window(
                    slot.week,
                    length,
                    1,
                    frozenset(),
                    tuple(-1 for _ in self.model.tracks),
                    tuple(0 for _ in self.counts),
                    tuple(0 for _ in self.counts),
                )
                for recorded in state.early:
                    ran = self._run_on(window, recorded)
                    if ran is None:
                        return None
                    window = ran
                windows.append(window)
        recording = self.record and slot.week <= self.record
        updated = []
        for window in windows:
            ran = self._run_on(window, event) if recording else window
            after = self._receive(ran, event) if ran is not None else None
            if after is None:
                return None
            updated.append(after)
        early = state.early
        if recording:
            early = (*early, event)
        return State(tuple(updated), state.week, state.mains + int(main), early)

    def end_week(self, state: State, week: int) -> State | None:
        """Windows whose last week this was close, and are checked."""
        still = []
        for window in state.windows:
            if window.k >= window.stay:
                if not self._closes(window):
                    return None
            else:
                if not self._can_close(window, week):
                    return None
                still.append(window)
        return state._replace(windows=tuple(still))

    def _can_close(self, window: Window, week: int) -> bool:
        """Whether the patient can still receive every lesson of each core track and the
        counts their stay needs in the weeks left in it, after ``week`` (a sound bound
        from what the sittings of their pattern can hold each week)."""
        runs_on = window.week + window.stay - 1 - self.total
        complete = runs_on <= 0 or not self.model.cycle or min(runs_on, self.total) <= week
        lessons, gains = self._room(window.week, window.stay, window.k + 1, known=complete)
        return self._hopeful(window, lessons, gains)

    def _hopeful(self, window: Window, lessons: tuple[int, ...], gains: tuple[int, ...]) -> bool:
        """Whether the window can close if it receives at most ``lessons`` more lessons of
        each track and ``gains`` more blocks of each count (with what is ``ahead``)."""
        return self._shortfall(window, lessons, gains) is None

    def _shortfall(
        self, window: Window, lessons: tuple[int, ...], gains: tuple[int, ...]
    ) -> tuple[int | None, int | None, int, int] | None:
        """What the window cannot reach with at most ``lessons`` and ``gains`` more:
        ``(track, None, most, wanted)`` for a core track's lessons or ``(None, count,
        most, wanted)`` for a stay count; ``None`` when it can close."""
        ahead = window.ahead
        for c, limit in enumerate(self.counts):
            most = window.counts[c] + ahead[c] + gains[c]
            if limit.min and most < limit.min:
                return None, c, most, limit.min
        if window.stay != self.shortest:
            return None
        for t, wanted in self.wanted.items():
            if lessons[t] >= wanted:
                continue
            got = len({self.sequence[t][i] for u, i in window.received if u == t})
            if got + lessons[t] < wanted:
                return t, None, got + lessons[t], wanted
        return None

    def _room(
        self, week: int, stay: int, first: int, *, known: bool
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The most lessons of each track and blocks of each count a patient admitted in
        ``week`` for ``stay`` weeks can receive from their week ``first`` on. With
        ``known``, the counts leave out the weeks past a cycle's end (the stay's ``ahead``
        holds them)."""
        key = (week, stay, first, known)
        found = self.rooms.get(key)
        if found is not None:
            return found
        lessons = [0] * len(self.model.tracks)
        gains = [0] * len(self.counts)
        for k in range(first, stay + 1):
            offset = week - 1 + k - 1
            past = offset >= self.total
            if past:
                if not self.model.cycle:
                    break
                offset %= self.total
            p = self.pattern.get((k, stay), -1)
            if p < 0:
                continue
            for t, room in enumerate(self.lesson_room):
                lessons[t] += room[offset][p]
            if past and known:
                continue
            for c, gain in enumerate(self.gain[offset][p]):
                if k in self.phase_of_count[c][stay]:
                    gains[c] += gain
        found = self.rooms[key] = (tuple(lessons), tuple(gains))
        return found

    def _sittings(
        self, layout: Layout, start: int, p: int
    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The most lessons of each track and blocks of each count the patients of
        pattern ``p`` can receive in a layout's sittings from slot ``start`` on."""
        masks = layout.masks or (1,) * len(layout.slots)
        lessons = [0] * len(self.model.tracks)
        gains = [0] * len(self.counts)
        for i in range(start, len(layout.slots)):
            if not masks[i] >> p & 1:
                continue
            slot = layout.slots[i]
            for t, spec in enumerate(self.model.tracks):
                if spec.active(slot):
                    lessons[t] += spec.per_session_max
            ceiling = self.ceilings.get(slot.group)
            for c, (limit, bit) in enumerate(zip(self.counts, self.bits, strict=True)):
                if ceiling is not None and self.model.counts_in(layout, i, bit):
                    gains[c] += ceiling[limit.feature]
        for t, spec in enumerate(self.model.tracks):
            if spec.per_week_max is not None:
                lessons[t] = min(lessons[t], spec.per_week_max)
        return tuple(lessons), tuple(gains)

    def unreachable(self, week: int, layout: Layout) -> Unreachable | None:
        """A patient the layout admits, whatever the search picks, who could never close;
        ``None`` when there is none (admissions at module starts depend on the picks and
        are not judged)."""
        admission = self.admission
        if admission is None or week > self.last_admission:
            return None
        mains = [i for i, slot in enumerate(layout.slots) if slot.group is None]
        if admission.every is Every.WEEK:
            points = mains[:1]
        elif admission.every is Every.DAY:
            points = mains
        elif admission.dates is not None:
            points = [i for i in mains if layout.slots[i].date in admission.dates]
        else:
            return None
        nothing = (0,) * len(self.counts)
        for i in points:
            for stay in self.stays:
                window = Window(week, stay, 1, frozenset(), (), nothing, nothing)
                p = self.pattern.get((1, stay), -1)
                now_lessons, now_gains = (
                    self._sittings(layout, i, p)
                    if p >= 0
                    else ((0,) * len(self.model.tracks), nothing)
                )
                later_lessons, later_gains = self._room(week, stay, 2, known=False)
                lessons = tuple(a + b for a, b in zip(now_lessons, later_lessons, strict=True))
                gains = tuple(
                    (a if 1 in self.phase_of_count[c][stay] else 0) + b
                    for c, (a, b) in enumerate(zip(now_gains, later_gains, strict=True))
                )
                short = self._shortfall(window, lessons, gains)
                if short is not None:
                    track, count, most, wanted = short
                    return Unreachable(
                        i,
                        stay,
                        track,
                        self.counts[count] if count is not None else None,
                        most,
                        wanted,
                    )
        return None

    def finish(self, state: State) -> bool:
        """In a cycle, windows still open run on through the recorded first weeks."""
        windows = list(state.windows)
        if not windows:
            return True
        if not self.model.cycle:
            return False  # pragma: no cover - a stay never runs past a calendar's end
        # from here on the recorded weeks are received for real
        nothing = tuple(0 for _ in self.counts)
        windows = [window._replace(ahead=nothing) for window in windows]
        week = 0
        while windows:
            for event in state.early:
                if event.week != week:
                    # a new week of the next run
                    if week:
                        kept = []
                        for window in windows:
                            if window.k >= window.stay:
                                if not self._closes(window):
                                    return False
                            else:
                                kept.append(window)
                        windows = kept
                    week = event.week
                    windows = [self._advance(w) for w in windows]
                moved = []
                for window in windows:
                    after = self._receive(window, event)
                    if after is None:
                        return False
                    moved.append(after)
                windows = moved
            # the recorded weeks end: close what ends there, the rest is beyond the record
            kept = []
            for window in windows:
                if window.k >= window.stay:
                    if not self._closes(window):
                        return False
                else:
                    kept.append(window)
            windows = kept
            if windows and len({e.week for e in state.early}) < self.total:
                return False  # pragma: no cover - the record covers every stay's tail
            week = 0
        return True

    # -- what a window checks --------------------------------------------------------------

    def _advance(self, window: Window) -> Window:
        """The window in the patient's next week: a track's run breaks when the patient
        is not in its stream that week."""
        k = window.k + 1
        last = tuple(
            p if p >= 0 and k in self.in_track[t][window.stay] else -1
            for t, p in enumerate(window.last)
        )
        return window._replace(k=k, last=last)

    def _admits(self, state: State, slot: Slot, pick: Any) -> bool:
        admission = self.admission
        if admission is None or slot.week > self.last_admission:
            return False
        if admission.every is Every.WEEK:
            return state.mains == 0
        if admission.every is Every.DAY:
            return True
        if admission.dates is not None:
            return slot.date in admission.dates
        for t, position in pick.lessons:
            spec = self.model.tracks[t]
            lesson = spec.lesson(position)
            if (
                spec.name == admission.track
                and lesson.number == 1
                and (admission.modules is None or lesson.module in admission.modules)
            ):
                return True
        return False

    def _receive(self, window: Window, event: Event) -> Window | None:
        pattern = self.pattern.get((window.k, window.stay), -1)
        if pattern < 0 or not event.mask >> pattern & 1:
            return window
        received = set(window.received)
        last = list(window.last)
        for t, position in event.lessons:
            sequence = self.sequence[t]
            step = position % len(sequence)
            module, number = sequence[step]
            spec = self.model.tracks[t]
            if self.order and not spec.standalone:
                if last[t] < 0 and number != 1:
                    return None  # enters an ordered track in the middle of a module
                if last[t] >= 0 and (position - last[t] - 1) % len(sequence):
                    return None  # misses a lesson of the track in between
            # a patient starts a module at the first lesson of it they receive (lesson 1,
            # or any lesson of a standalone track they join mid-module)
            if (
                self.order
                and self.requires.get(module)
                and (number == 1 or all(self.sequence[u][i][0] != module for u, i in received))
            ):
                for required in self.requires.get(module, ()):
                    got = {
                        self.sequence[u][i][1]
                        for u, i in received
                        if self.sequence[u][i][0] == required
                    }
                    if len(got) < self.size.get(required, 0):
                        return None  # starts a module before the ones it requires
            received.add((t, step))
            last[t] = position
        counts = list(window.counts)
        ahead = window.ahead
        for c, limit in enumerate(self.counts):
            if window.k in self.phase_of_count[c][window.stay]:
                counts[c] += event.counts[c]
                if limit.max is not None and counts[c] + ahead[c] > limit.max:
                    return None
                counts[c] = min(counts[c], (limit.max + 1) if limit.max is not None else limit.min)
        return window._replace(received=frozenset(received), last=tuple(last), counts=tuple(counts))

    def _run_on(self, window: Window, event: Event) -> Window | None:
        """The window with what a recorded sitting will give its stay when the stay runs on
        through the cycle's first weeks (in as many of its weeks as fall on that week);
        ``None`` when that is more than a count allows."""
        if not self.model.cycle or not any(event.counts):
            return window
        ahead = list(window.ahead)
        k = event.week + self.total - window.week + 1
        while k <= window.stay:
            pattern = self.pattern.get((k, window.stay), -1)
            if pattern >= 0 and event.mask >> pattern & 1:
                for c in range(len(self.counts)):
                    if k in self.phase_of_count[c][window.stay]:
                        ahead[c] += event.counts[c]
            k += self.total
        for c, limit in enumerate(self.counts):
            if limit.max is not None and window.counts[c] + ahead[c] > limit.max:
                return None
        return window._replace(ahead=tuple(ahead))

    def _closes(self, window: Window) -> bool:
        for c, limit in enumerate(self.counts):
            if window.counts[c] < limit.min:
                return False
        if window.stay == self.shortest:
            for t in self.reach:
                wanted = len(set(self.sequence[t]))
                got = {self.sequence[t][i] for u, i in window.received if u == t}
                if len(got) < wanted:
                    return False
        return True
