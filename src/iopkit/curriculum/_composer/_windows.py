"""Patients' stays, followed by the search as it goes: one window per admission and stay
length, opened at the admission session and closed at the end of the patient's last week.

A window gathers what that patient attends (the sittings of their pattern): the lessons
they receive and the blocks counted over their stay. It checks, as soon as it can, that
the patient enters each ordered track at a module start and starts a module only after
the modules it requires, and when it closes, that the patient received every lesson of
each core track and the counts their stay needs. In a cycle, windows still open when the
cycle ends run on through the first weeks again, recorded for that purpose.
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
        self.model = model
        program = model.context.program
        self.program = program
        self.admission = program.admission
        self.order = order
        self.reach = reach
        self.counts = tuple(c for c in counts if c.per is Per.PROGRAM)
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
        # the most lessons each track can place in each week (0-based), for pruning
        self.capacity = [
            [model.week_capacity(spec, w) for w in range(len(model.weeks))] for spec in model.tracks
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

    # -- the tracker protocol ------------------------------------------------------------

    def start(self) -> State:
        """No patient yet."""
        return State(windows=(), week=0, mains=0, early=())

    def begin_week(self, state: State, week: int, layout: Layout) -> State | None:  # noqa: ARG002
        """A new week: each open window moves to its next week (a track's run breaks when
        the patient leaves its stream)."""
        moved = []
        for window in state.windows:
            if state.week == 0:
                moved.append(window)
                continue
            moved.append(self._advance(window))
        return State(tuple(moved), week, 0, state.early)

    def session(self, state: State, slot: Slot, pick: Any, mask: int) -> State | None:
        """A sitting: admissions at it, then what each window's patient receives."""
        main = slot.group is None
        admits = main and self._admits(state, slot, pick)
        counts = tuple(pick.choice.counts[c.feature] for c in self.counts)
        event = Event(
            slot.week, mask, pick.lessons, counts, main, main and state.mains == 0, admits
        )
        windows = list(state.windows)
        if admits:
            windows += [
                Window(
                    slot.week,
                    length,
                    1,
                    frozenset(),
                    tuple(-1 for _ in self.model.tracks),
                    tuple(0 for _ in self.counts),
                )
                for length in self.stays
            ]
        updated = []
        for window in windows:
            after = self._receive(window, event)
            if after is None:
                return None
            updated.append(after)
        early = state.early
        if self.record and slot.week <= self.record:
            early = (*early, event)
        return State(tuple(updated), state.week, state.mains + int(main), early)

    def end_week(self, state: State, week: int) -> State | None:  # noqa: ARG002
        """Windows whose last week this was close, and are checked."""
        still = []
        for window in state.windows:
            if window.k >= window.stay:
                if not self._closes(window):
                    return None
            else:
                if not self._can_close(window):
                    return None
                still.append(window)
        return state._replace(windows=tuple(still))

    def _can_close(self, window: Window) -> bool:
        """Whether the patient can still receive every lesson of each core track in the
        weeks left in their stay (a sound bound from each week's capacity)."""
        if window.stay != self.shortest or not self.reach:
            return True
        for t in self.reach:
            wanted = len(set(self.sequence[t]))
            got = len({self.sequence[t][i] for u, i in window.received if u == t})
            if got >= wanted:
                continue
            room = 0
            for j in range(window.k + 1, window.stay + 1):
                if j not in self.in_track[t][window.stay]:
                    continue
                offset = window.week - 1 + j - 1
                if self.model.cycle:
                    offset %= self.total
                elif offset >= self.total:
                    break
                room += self.capacity[t][offset]
                if got + room >= wanted:
                    break
            if got + room < wanted:
                return False
        return True

    def finish(self, state: State) -> bool:
        """In a cycle, windows still open run on through the recorded first weeks."""
        windows = list(state.windows)
        if not windows:
            return True
        if not self.model.cycle:
            return False  # pragma: no cover - a stay never runs past a calendar's end
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
            if self.order and number == 1:
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
        for c, limit in enumerate(self.counts):
            if window.k in self.phase_of_count[c][window.stay]:
                counts[c] += event.counts[c]
                if limit.max is not None and counts[c] > limit.max:
                    return None
                counts[c] = min(counts[c], (limit.max + 1) if limit.max is not None else limit.min)
        return window._replace(received=frozenset(received), last=tuple(last), counts=tuple(counts))

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
