"""The composer's search: weeks in order, sessions in order, depth first with propagation
and memoised failures.

The search is iterative (an explicit stack of generator frames), so a curriculum of any
length needs no deep recursion. Its state is named: a :class:`RunState` carries what
crosses weeks (track pointers, program counts, weeks since each core lesson was taught),
a :class:`WeekState` what one week has gathered so far. Every bound it prunes with comes
from a limit in the :class:`~iopkit.curriculum._composer._model.Model`.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Generator, Iterator, Sequence
from typing import Any, NamedTuple, Protocol

from iopkit._activity import Activity
from iopkit._budget import Meter
from iopkit.curriculum._composer._menu import Choice, MenuBook, Variant, book_for, variants
from iopkit.curriculum._composer._model import Layout, Model, Slot, TrackSpec
from iopkit.curriculum._program import Per

#: How many of the most preferred lesson choices compete together on one score.
HEAD_COMBOS = 4
#: Steps of work counted for each candidate a session tries (a step is meant to be about
#: a microsecond's work, whatever part of the composer does it).
CANDIDATE_STEPS = 8

# Weights of the preferences that order candidates (lower scores are tried first).
#: per break in a session: fewer breaks read as calmer sessions
BREAK_WEIGHT = 0.2
#: per unit of service away from the session's target
SERVICE_WEIGHT = 0.1
#: per occurrence a requirement still wants and this session does not give
SHORT_WEIGHT = 3.0
#: per occurrence beyond what a requirement wants
EXTRA_WEIGHT = 0.5
#: when a week still needs long sessions and this one is not long
LONG_WEIGHT = 2.0
#: per rank of a lesson choice beyond the ideal pace
PACE_WEIGHT = 1.5

#: A menu choice ready to score: the choice, its service interval, its long-session marks,
#: its tie-break and its score when no counted feature is wanted.
Prepared = tuple[Choice, int, int, tuple[int, ...], float, float]


class Tracker(Protocol):
    """A limit of a new kind, followed by the search session by session: an automaton
    whose state is part of the search state (and of its memo keys)."""

    rule_id: str

    def start(self) -> Any:
        """The state before the first session."""

    def begin_week(self, state: Any, week: int, layout: Layout) -> Any | None:
        """The state as a week laid out as ``layout`` starts; ``None`` when the limit is
        already broken."""

    def session(self, state: Any, layout: Layout, i: int, pick: Pick) -> Any | None:
        """The state after sitting ``i`` of the week's layout; ``None`` when the limit is
        already broken."""

    def end_week(self, state: Any, week: int) -> Any | None:
        """The state after a week; ``None`` when the limit is broken."""

    def finish(self, state: Any) -> bool:
        """Whether the limit is met at the end."""


class Pick(NamedTuple):
    """What the search chose for one session."""

    slot: Slot
    lessons: tuple[tuple[int, int], ...]  # (track index, sequence position), session order
    precedence: frozenset[tuple[int, int]]  # lesson i comes before lesson j
    choice: Choice
    lo: int  # the part of the choice's interval this pick uses (long-session splits)
    hi: int


class WeekState(NamedTuple):
    """What the week being filled has gathered so far, for each pattern of attendance."""

    lo: tuple[int, ...]  # service units, at least
    hi: tuple[int, ...]  # service units, at most
    breaks: tuple[int, ...]  # break units
    counts: tuple[tuple[int, ...], ...]  # per weekly count limit
    long: tuple[tuple[int, ...], ...]  # long sessions, per long-session limit
    lessons: tuple[int, ...]  # lessons per track
    active: tuple[bool, ...]  # per track: active in some session so far


class RunState(NamedTuple):
    """What crosses from week to week."""

    pointers: tuple[int, ...]  # lessons delivered, per track
    program: tuple[int, ...]  # per program count limit, clipped at what matters
    ages: tuple[int, ...]  # weeks since each core lesson was last taught (coverage)
    custom: tuple[Any, ...]  # per custom tracker


class Candidate(NamedTuple):
    """A (lessons, menu choice) pair with its score."""

    score: float
    tie: float
    rank: int
    lo: int
    choice: Choice
    hi: int
    long: tuple[int, ...]
    combo: tuple[tuple[int, int], ...]  # (track, lessons) per track
    lessons: tuple[tuple[int, int], ...]
    precedence: frozenset[tuple[int, int]]


Frame = Generator[Any, bool, bool]


class Search:
    """Depth-first search for a curriculum meeting every limit of a model."""

    def __init__(
        self,
        model: Model,
        book: MenuBook,
        seed: int,
        meter: Meter,
        *,
        witness: bool = False,
    ) -> None:
        """``witness`` restricts the search to at most one lesson per track and session,
        and none of tracks no limit asks for: a smaller space where a witness of
        feasibility is quick to find (never used to conclude infeasibility)."""
        self.model = model
        self.book = book
        self.books: dict[tuple[str | None, int, bool], MenuBook] = {(None, 0, False): book}
        self.rng = random.Random(seed)
        self.meter = meter
        self.witness = witness
        self.failed: set[tuple[object, ...]] = set()
        self.picks: list[Pick] = []
        self.layouts: list[Layout] = []
        counts = model.counts
        self.week_counts = [c for c in counts if c.per is Per.WEEK]
        # for a count with a filter, 1 + its index among the model's counts (0: none)
        position = {id(c): n for n, c in enumerate(counts)}
        self.week_filter = [
            position[id(c)] + 1 if c.where is not None else 0 for c in self.week_counts
        ]
        # with admission, counts over a stay are each patient's: a tracker follows them
        self.program_counts = [] if model.open else [c for c in counts if c.per is Per.PROGRAM]
        self.program_filter = [
            position[id(c)] + 1 if c.where is not None else 0 for c in self.program_counts
        ]
        self.n_weeks = len(model.weeks)
        self.patterns = len(model.patterns)
        self.stream_models = model.stream_models()
        self.floors = {
            name: sum((m.units(a) or (0, 0))[0] for a in (*m.opening, *m.closing))
            for name, m in self.stream_models.items()
        }
        self.ceilings = {name: m.max_service() for name, m in self.stream_models.items()}
        session = model.session
        self.service_floor = self.floors[None]
        self.service_ceiling = self.ceilings[None]
        self.feature_ceilings = {
            name: model.feature_ceiling(m) for name, m in self.stream_models.items()
        }
        self.feature_ceiling = tuple(
            max(values) for values in zip(*self.feature_ceilings.values(), strict=True)
        )
        self.sessions_after = self._sessions_after()
        # keyed by id, holding the object so that the id cannot be reused while kept
        self.tie: dict[int, tuple[Choice, float]] = {}
        self.prepared: dict[int, tuple[Sequence[Choice], list[Prepared]]] = {}
        self.capacity_after = self._capacity_after()
        # in a cycle, each track aims at the most whole runs its capacity holds
        self.run_target: list[int | None] = [
            len(spec.sequence) * max(1, self.capacity_after[spec.position][0] // len(spec.sequence))
            if model.whole_runs and (spec.cycles or spec.core)
            else None
            for spec in model.tracks
        ]
        self.active_sessions = self._active_sessions()
        self.variant_cache: dict[
            tuple[str, str | None, str | None], tuple[Variant, ...] | None
        ] = {}
        self.menus: dict[tuple[object, ...], tuple[Choice, ...]] = {}
        # no lesson twice in a session: a track places at most its distinct lessons
        self.distinct_lessons = [len({a.id for a in spec.activities}) for spec in model.tracks]
        self.shortest_lesson = [
            min(
                (session.units(a) or (self.stream_models[spec.stream].wall_hi + 1, 0))[0]
                for a in spec.activities
            )
            for spec in model.tracks
        ]
        self.cuts = sorted({limit.units for limit in model.long})

    # -- bounds --------------------------------------------------------------------------

    def _sessions_after(self) -> list[int]:
        """Sessions (at most) from week w on."""
        after = [0] * (self.n_weeks + 1)
        for w in range(self.n_weeks - 1, -1, -1):
            after[w] = after[w + 1] + max(len(layout.slots) for layout in self.model.weeks[w])
        return after

    def _active_sessions(self) -> list[list[int]]:
        """Per track: active sessions before each week (fullest layouts); the last entry
        is the total."""
        result = []
        for spec in self.model.tracks:
            before = [0] * (self.n_weeks + 1)
            for w in range(self.n_weeks):
                layout = self.model.weeks[w][0]
                before[w + 1] = before[w] + sum(1 for s in layout.slots if spec.active(s))
            result.append(before)
        return result

    def _capacity_after(self) -> list[list[int]]:
        """For each track, the most lessons it can place from week w on."""
        model = self.model
        result = []
        for spec in model.tracks:
            cap = [0] * (self.n_weeks + 1)
            for w in range(self.n_weeks - 1, -1, -1):
                cap[w] = cap[w + 1] + model.week_capacity(spec, w)
            result.append(cap)
        return result

    def tick(self, steps: int = 1) -> None:
        """Count work; the meter raises when the budget is spent."""
        self.meter.tick(steps)

    # -- the search ------------------------------------------------------------------------

    def run(self) -> bool:
        """Whether a curriculum exists; :attr:`picks` and :attr:`layouts` hold it when it
        does."""
        model = self.model
        start = RunState(
            pointers=tuple(0 for _ in model.tracks),
            program=tuple(0 for _ in self.program_counts),
            ages=tuple(model.coverage.stay for _ in model.coverage.lessons)
            if model.coverage
            else (),
            custom=tuple(t.start() for t in model.trackers),
        )
        stack: list[Frame] = [self._week(0, start)]
        result: bool | None = None
        while stack:
            frame = stack[-1]
            try:
                child = frame.send(result) if result is not None else next(frame)
            except StopIteration as stop:
                stack.pop()
                result = bool(stop.value)
                continue
            stack.append(child)
            result = None
        return bool(result)

    def _week(self, w: int, run: RunState) -> Frame:
        self.tick()
        model = self.model
        if w == self.n_weeks:
            return self._final(run)
        key = ("week", w, run)
        if key in self.failed:
            return False
        if not self._tracks_can_finish(w, run.pointers):
            self.failed.add(key)
            return False
        zero = tuple(0 for _ in range(self.patterns))
        start = WeekState(
            lo=zero,
            hi=zero,
            breaks=zero,
            counts=tuple(tuple(0 for _ in self.week_counts) for _ in range(self.patterns)),
            long=tuple(tuple(0 for _ in model.long) for _ in range(self.patterns)),
            lessons=tuple(0 for _ in model.tracks),
            active=tuple(False for _ in model.tracks),
        )
        for index, layout in enumerate(model.weeks[w]):
            begun = run
            if model.trackers:
                stepped = [
                    t.begin_week(state, w + 1, layout)
                    for t, state in zip(model.trackers, run.custom, strict=True)
                ]
                if any(state is None for state in stepped):
                    continue
                begun = run._replace(custom=tuple(stepped))
            self.layouts.append(layout)
            if (yield self._session(w, index, layout, 0, begun.pointers, begun, start)):
                return True
            self.layouts.pop()
        self.failed.add(key)
        return False

    def _final(self, run: RunState) -> bool:
        model = self.model
        for spec, p in zip(model.tracks, run.pointers, strict=True):
            if spec.core and p < len(spec.sequence):
                return False
        for value, limit in zip(run.program, self.program_counts, strict=True):
            if value < limit.min:
                return False
        if model.whole_runs:
            for spec, p in zip(model.tracks, run.pointers, strict=True):
                if p % len(spec.sequence) or (spec.core and p == 0):
                    return False
        return all(t.finish(s) for t, s in zip(model.trackers, run.custom, strict=True))

    def _tracks_can_finish(self, w: int, pointers: tuple[int, ...]) -> bool:
        for spec, p in zip(self.model.tracks, pointers, strict=True):
            room = self.capacity_after[spec.position][w]
            if spec.core and len(spec.sequence) - p > room:
                return False
            if self.model.whole_runs:
                size = len(spec.sequence)
                whole = -(-p // size) * size if p or not spec.core else size
                if whole - p > room:
                    return False
        return True

    def _session(
        self,
        w: int,
        layout_index: int,
        layout: Layout,
        i: int,
        week_pointers: tuple[int, ...],
        run: RunState,
        ws: WeekState,
    ) -> Frame:
        self.tick()
        if i == len(layout.slots):
            return (yield self._end_week(w, layout, week_pointers, run, ws))
        key = ("session", w, layout_index, i, week_pointers, run, ws)
        if key in self.failed:
            return False
        slot = layout.slots[i]
        active = tuple(
            a or spec.active(slot) for a, spec in zip(ws.active, self.model.tracks, strict=True)
        )
        for candidate in self._candidates(w, layout, i, week_pointers, run, ws):
            self.tick(CANDIDATE_STEPS)
            applied = self._apply(candidate, ws, run.program, layout, i)
            if applied is None:
                continue
            next_ws, next_program = applied
            next_ws = next_ws._replace(
                lessons=tuple(n + k for n, (_, k) in zip(ws.lessons, candidate.combo, strict=True)),
                active=active,
            )
            if not self._week_possible(w, next_ws, layout, i, next_program):
                continue
            pointers = tuple(p + k for p, (_, k) in zip(run.pointers, candidate.combo, strict=True))
            pick = Pick(
                slot,
                candidate.lessons,
                candidate.precedence,
                candidate.choice,
                candidate.lo,
                candidate.hi,
            )
            custom = run.custom
            if self.model.trackers:
                stepped = [
                    t.session(s, layout, i, pick)
                    for t, s in zip(self.model.trackers, run.custom, strict=True)
                ]
                if any(s is None for s in stepped):
                    continue
                custom = tuple(stepped)
            self.picks.append(pick)
            next_run = RunState(pointers, next_program, run.ages, custom)
            if (
                yield self._session(
                    w, layout_index, layout, i + 1, week_pointers, next_run, next_ws
                )
            ):
                return True
            self.picks.pop()
        self.failed.add(key)
        return False

    def _candidates(
        self,
        w: int,
        layout: Layout,
        i: int,
        week_pointers: tuple[int, ...],
        run: RunState,
        ws: WeekState,
    ) -> Iterator[Candidate]:
        """(lessons, menu choice) pairs, best first. The few most preferred lesson choices
        compete on one score; the rest follow in order (all are tried)."""
        combos = self._lesson_options(w, layout, i, week_pointers, run.pointers, ws)
        head = list(itertools.islice(combos, HEAD_COMBOS))
        # plain tuples, sorted without a key function: (score, tie, rank, lo) and then the
        # order they were scored in, as a stable sort on those four would leave them
        order = itertools.count()

        def scored(rank: int, combo: tuple[tuple[int, int], ...]) -> list[tuple[Any, ...]]:
            built = self._lessons(combo, run.pointers)
            if built is None:
                return []
            placed, keys, precedence = built
            slot = layout.slots[i]
            stream = (slot.group, slot.variant, slot.unattended)
            spans = frozenset(
                j
                for j, (t, position) in enumerate(placed)
                if self.model.tracks[t].activity(position).break_inside
            )
            menu = self.menus.get((stream, keys, precedence, spans))
            if menu is None:  # the book charges the menu's work once for this search
                menu = self.menus[stream, keys, precedence, spans] = self._book(slot).menu(
                    keys, precedence, self.tick, spans
                )
            pace = PACE_WEIGHT * rank
            return [
                (score + pace, tie, rank, lo, next(order), choice, hi, long, built, combo)
                for score, tie, lo, choice, hi, long in self._ordered(
                    menu, w, i, layout, ws, run.program
                )
            ]

        def candidates(entries: list[tuple[Any, ...]]) -> Iterator[Candidate]:
            entries.sort()
            for score, tie, rank, lo, _, choice, hi, long, built, combo in entries:
                lessons, _keys, precedence = built
                yield Candidate(score, tie, rank, lo, choice, hi, long, combo, lessons, precedence)

        yield from candidates([e for rank, combo in enumerate(head) for e in scored(rank, combo)])
        for rank, combo in enumerate(combos, start=HEAD_COMBOS):
            yield from candidates(scored(rank, combo))

    # -- lessons ---------------------------------------------------------------------------

    def _lesson_options(
        self,
        w: int,
        layout: Layout,
        i: int,
        week_pointers: tuple[int, ...],
        pointers: tuple[int, ...],
        ws: WeekState,
    ) -> Iterator[tuple[tuple[int, int], ...]]:
        """How many lessons of each track the session may hold, best first, generated
        lazily (the product over tracks can be large) and only where the lessons' shortest
        lengths fit in the session."""
        slot = layout.slots[i]
        per_track: list[list[int]] = []
        shortest: list[int] = []
        for spec, start, p, done in zip(
            self.model.tracks, week_pointers, pointers, ws.lessons, strict=True
        ):
            if not spec.active(slot) or (self.witness and self._optional(spec)):
                per_track.append([0])
                shortest.append(0)
                continue
            remaining = spec.remaining(p)
            # the week's floor must stay reachable with the active sessions still to come
            later = sum(1 for s in layout.slots[i + 1 :] if spec.active(s))
            floor = min(spec.per_week_min, spec.remaining(start))
            low = int(
                max(
                    min(spec.per_session_min, remaining),
                    floor - done - later * spec.per_session_max,
                )
            )
            high = spec.per_session_max if not self.witness else min(spec.per_session_max, 1)
            if self.model.session.no_repeat:
                high = min(high, self.distinct_lessons[spec.position])
            if spec.per_week_max is not None:
                high = min(high, spec.per_week_max - done)
            high = int(min(high, remaining))
            if high < low:
                return
            values = list(range(low, high + 1))
            ideal = self._ideal(spec, w, i, p)
            values.sort(key=lambda k: (abs(k - ideal), -k if not spec.core else k))
            per_track.append(values)
            shortest.append(self.shortest_lesson[spec.position])
        room = self.ceilings[slot.group] - self.floors[slot.group]
        for ks in itertools.product(*per_track):
            self.tick()
            if sum(k * s for k, s in zip(ks, shortest, strict=True)) <= room:
                yield tuple(enumerate(ks))

    @staticmethod
    def _optional(spec: TrackSpec) -> bool:
        """Whether no limit asks for any lesson of the track (a witness leaves it out)."""
        return not spec.core and spec.per_session_min == 0 and spec.per_week_min == 0

    def _ideal(self, spec: TrackSpec, w: int, i: int, p: int) -> float:
        """How many lessons of the track this session would ideally hold: a core track
        keeps an even pace over its active sessions (the k-th lesson near k / n of the
        way); others take one in every session they may."""
        target = self.run_target[spec.position]
        if target is None:
            if spec.cycles or not spec.core:
                return max(1, min(spec.per_session_max, spec.per_session_min))
            target = len(spec.sequence)
        if p >= target:
            return 0
        before = self.active_sessions[spec.position]
        elapsed = before[w] + i + 1
        due = math.ceil(target * elapsed / max(1, before[-1]))
        return max(0, min(spec.per_session_max, due - p))

    def _variants(
        self, activity: Activity, module: str | None = None, track: str | None = None
    ) -> tuple[Variant, ...] | None:
        key = (activity.id, module, track)
        found = self.variant_cache.get(key, ())
        if found == ():
            session = self.model.session
            span = session.units(activity)
            found = (
                None
                if span is None
                else tuple(variants(activity, span, session.features, module, track))
            )
            self.variant_cache[key] = found
        return found

    def _lessons(
        self, combo: tuple[tuple[int, int], ...], pointers: tuple[int, ...]
    ) -> (
        tuple[
            tuple[tuple[int, int], ...],
            tuple[tuple[Variant, ...] | None, ...],
            frozenset[tuple[int, int]],
        ]
        | None
    ):
        """The session's lessons, their length variants and their order: lessons of one
        track in sequence, and a module's first lesson after the last lesson of each module
        it requires (in an earlier session, or before it in this one)."""
        model = self.model
        lessons: list[tuple[int, int]] = []
        for t, k in combo:
            lessons += [(t, pointers[t] + j) for j in range(k)]
        if not lessons:
            return (), (), frozenset()
        activities = [model.tracks[t].activity(p) for t, p in lessons]
        if model.session.no_repeat and len({a.id for a in activities}) < len(activities):
            return None  # the same lesson twice in one session
        completed: set[str] = set()
        for spec, p in zip(model.tracks, pointers, strict=True):
            completed |= spec.completed(p)
        precedence: set[tuple[int, int]] = set()
        for index in range(1, len(lessons)):
            if lessons[index][0] == lessons[index - 1][0]:
                precedence.add((index - 1, index))
        steps = [model.tracks[t].lesson(pos) for t, pos in lessons]
        for index, lesson in enumerate(steps):
            if lesson.number != 1:
                continue
            for required in model.requires(lesson.module):
                if required in completed:
                    continue
                size = len(model.context.catalog.module(required).lessons)
                enders = [
                    j
                    for j, other in enumerate(steps)
                    if other.module == required and other.number == size
                ]
                if not enders:
                    return None
                precedence.add((enders[0], index))
        if not _acyclic(len(lessons), precedence):
            return None
        keys = tuple(
            self._variants(a, step.module, model.tracks[t].name)
            for a, step, (t, _) in zip(activities, steps, lessons, strict=True)
        )
        return tuple(lessons), keys, frozenset(precedence)

    # -- menu choices ------------------------------------------------------------------------

    def _ordered(
        self,
        menu: Sequence[Choice],
        w: int,
        i: int,
        layout: Layout,
        ws: WeekState,
        program: tuple[int, ...],
    ) -> list[tuple[float, float, int, Choice, int, tuple[int, ...]]]:
        """Menu choices scored (lower is better) with their tie-breaks."""
        model = self.model
        slot = layout.slots[i]
        seen = self._attending(layout, i)
        left_in_week = max(
            1, sum(1 for j in range(i, len(layout.slots)) if layout.slots[j].group == slot.group)
        )
        target = self._target_service(ws, layout, i)
        # what each counted limit still wants from this sitting (state, not choice)
        wants: list[tuple[int, float]] = []
        for pos, limit in enumerate(self.week_counts):
            need = max(
                (b.counts[pos][0] - ws.counts[p][pos] for p, b in seen),
                default=0,
            )
            wants.append((limit.feature, max(0.0, need / left_in_week)))
        sessions_left = self.sessions_after[w] - i
        total = self.sessions_after[0]
        for pos, limit in enumerate(self.program_counts):
            # spread over the program: the k-th occurrence near (k - 1/2) / min of the way
            pace = limit.min * (total - sessions_left + 1) / max(1, total)
            wants.append((limit.feature, max(0.0, math.floor(pace + 0.5) - program[pos])))
        short_long = [
            any(ws.long[p][pos] < b.long[pos] for p, b in seen) for pos in range(len(model.long))
        ]
        scored: list[tuple[float, float, int, Choice, int, tuple[int, ...]]] = []
        prepared = self._prepared(menu, slot.group)
        self.tick(1 + len(prepared))
        # a feature nobody wants costs EXTRA_WEIGHT per block; that part depends on the
        # choice alone and is added whole (``extra``), so only wanted features are looked at
        wanted = [(feature, want) for feature, want in wants if want > 0]
        for choice, lo, hi, long, tie, extra in prepared:
            score = BREAK_WEIGHT * choice.breaks + extra
            if hi < target:
                score += (target - hi) * SERVICE_WEIGHT * model.grid
            elif lo > target:
                score += (lo - target) * SERVICE_WEIGHT * model.grid
            counts = choice.counts
            for feature, want in wanted:
                got = counts[feature]
                # replaces the EXTRA_WEIGHT * got already in ``extra``
                score += (
                    SHORT_WEIGHT * (want - got) if want > got else EXTRA_WEIGHT * (got - want)
                ) - EXTRA_WEIGHT * got
            for pos, behind in enumerate(short_long):
                if behind and not long[pos]:
                    score += LONG_WEIGHT
            scored.append((score, tie, lo, choice, hi, long))
        return scored

    def _book(self, slot: Slot) -> MenuBook:
        """The menu book of a sitting's session model."""
        key = (slot.group, slot.variant, slot.unattended)
        book = self.books.get(key)
        if book is None:
            book = self.books[key] = book_for(self.model.session_for(slot), self.book.most_fillers)
        return book

    def _attending(self, layout: Layout, i: int) -> list[tuple[int, Any]]:
        """The patterns present this week that attend slot ``i``, with their bounds."""
        mask = layout.masks[i] if layout.masks else 1
        bounds = layout.bounds or (None,)
        return [(p, b) for p, b in enumerate(bounds) if b is not None and mask >> p & 1]

    def _prepared(self, menu: Sequence[Choice], stream: str | None) -> list[Prepared]:
        """The menu's choices split at long-session thresholds (into single lengths when
        sittings are pinned), with stable tie-breaks and the score of their counted
        features when no feature is wanted (:meth:`_ordered`)."""
        entry = self.prepared.get(id(menu))
        if entry is not None and entry[0] is menu:
            return entry[1]
        counted = [limit.feature for limit in (*self.week_counts, *self.program_counts)]
        found = []
        for choice in menu:
            known = self.tie.get(id(choice))
            if known is None or known[0] is not choice:
                known = self.tie[id(choice)] = (choice, self.rng.random())
            extra = EXTRA_WEIGHT * sum(choice.counts[feature] for feature in counted)
            found += [
                (choice, lo, hi, long, known[1], extra)
                for lo, hi, long in self._split(choice, stream)
            ]
        self.prepared[id(menu)] = (menu, found)
        return found

    def _target_service(self, ws: WeekState, layout: Layout, i: int) -> float:
        slot = layout.slots[i]
        session = self.stream_models[slot.group]
        mid = (session.wall_lo + session.wall_hi) / 2
        per_session = mid - (session.breaks.size if session.breaks else 0)
        if slot.group is not None:
            return per_session
        left = max(1, sum(1 for s in layout.slots[i:] if s.group is None))
        need = 0.0
        for p, bounds in self._attending(layout, i):
            for pos, _limit in enumerate(self.model.minutes):
                low = bounds.minutes[pos][0]
                if low:
                    need = max(need, (low - ws.lo[p]) / left)
        return max(per_session, need)

    def _split(
        self, choice: Choice, stream: str | None = None
    ) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        pieces = [(choice.lo, choice.hi)]
        for cut in self.cuts:
            split = []
            for lo, hi in pieces:
                if lo < cut <= hi:
                    split += [(lo, cut - 1), (cut, hi)]
                else:
                    split.append((lo, hi))
            pieces = split
        if self.model.pinned:
            pieces = [(v, v) for lo, hi in pieces for v in range(lo, hi + 1)]
        # a group's sitting counts as a long session only when it meets beside one
        longs = stream is None or self._beside(stream)
        for lo, hi in pieces:
            yield lo, hi, tuple(int(longs and lo >= limit.units) for limit in self.model.long)

    def _beside(self, stream: str) -> bool:
        group = self.model.context.program.group(stream)
        return group is not None and group.place.value == "beside"

    def _apply(
        self,
        candidate: Candidate,
        ws: WeekState,
        program: tuple[int, ...],
        layout: Layout,
        i: int,
    ) -> tuple[WeekState, tuple[int, ...]] | None:
        choice = candidate.choice
        slot = layout.slots[i]
        mask = layout.masks[i] if layout.masks else 1
        bounds = layout.bounds or (None,)
        session = self.stream_models[slot.group]
        size = session.breaks.size if session.breaks else 0
        lo, hi, brk = list(ws.lo), list(ws.hi), list(ws.breaks)
        counts = [list(c) for c in ws.counts]
        longs = [list(c) for c in ws.long]
        for p in range(self.patterns):
            if not mask >> p & 1:
                continue
            lo[p] += candidate.lo
            hi[p] += candidate.hi
            brk[p] += choice.breaks * size
            b = bounds[p] if p < len(bounds) else None
            for pos, limit in enumerate(self.week_counts):
                if self.week_filter[pos] and not layout.filters[i] >> self.week_filter[pos] - 1 & 1:
                    continue
                counts[p][pos] += choice.counts[limit.feature]
                high = b.counts[pos][1] if b is not None else None
                if high is not None and counts[p][pos] > high:
                    return None
                counts[p][pos] = min(
                    counts[p][pos], limit.max + 1 if limit.max is not None else limit.min
                )
            for pos in range(len(self.model.long)):
                longs[p][pos] += candidate.long[pos]
        new_program = list(program)
        closed = layout.closed if layout.masks else 0
        if closed is not None and mask >> closed & 1:
            for pos, limit in enumerate(self.program_counts):
                if layout.program and not layout.program[pos]:
                    continue
                if self.program_filter[pos] and not (
                    layout.filters[i] >> self.program_filter[pos] - 1 & 1
                ):
                    continue
                new_program[pos] += choice.counts[limit.feature]
                if limit.max is not None and new_program[pos] > limit.max:
                    return None
                new_program[pos] = min(
                    new_program[pos], limit.max if limit.max is not None else limit.min
                )
        state = WeekState(
            lo=tuple(lo),
            hi=tuple(hi),
            breaks=tuple(brk),
            counts=tuple(tuple(c) for c in counts),
            long=tuple(tuple(c) for c in longs),
            lessons=ws.lessons,
            active=ws.active,
        )
        return state, tuple(new_program)

    def _week_possible(
        self, w: int, ws: WeekState, layout: Layout, i: int, program: tuple[int, ...]
    ) -> bool:
        """Whether the week (and the program's counts) can still be met after slot ``i``."""
        model = self.model
        rest = layout.slots[i + 1 :]
        later = len(rest) + self.sessions_after[w + 1]
        for pos, limit in enumerate(self.program_counts):
            if program[pos] + later * self.feature_ceiling[limit.feature] < limit.min:
                return False
        masks = layout.masks[i + 1 :] if layout.masks else (1,) * len(rest)
        for p, bounds in enumerate(layout.bounds or (None,)):
            if bounds is None:
                continue
            mine = [s for s, m in zip(rest, masks, strict=True) if m >> p & 1]
            floor = sum(self.floors[s.group] for s in mine)
            for pos, minutes in enumerate(model.minutes):
                low, high = bounds.minutes[pos]
                extra = ws.breaks[p] if minutes.wall else 0
                if high is not None and ws.lo[p] + extra + floor > high:
                    return False
                if low:
                    ceiling = sum(
                        self.ceilings[s.group]
                        + (
                            self.stream_models[s.group].wall_hi - self.ceilings[s.group]
                            if minutes.wall
                            else 0
                        )
                        for s in mine
                    )
                    if ws.hi[p] + extra + ceiling < low:
                        return False
            for pos, limit in enumerate(self.week_counts):
                low = bounds.counts[pos][0]
                if (
                    low
                    and ws.counts[p][pos]
                    + sum(self.feature_ceilings[s.group][limit.feature] for s in mine)
                    < low
                ):
                    return False
            for pos in range(len(model.long)):
                need = bounds.long[pos]
                if (
                    need
                    and ws.long[p][pos]
                    + sum(1 for s in mine if s.group is None or self._beside(s.group))
                    < need
                ):
                    return False
        return True

    def _end_week(
        self,
        w: int,
        layout: Layout,
        week_pointers: tuple[int, ...],
        run: RunState,
        ws: WeekState,
    ) -> Frame:
        model = self.model
        for p, bounds in enumerate(layout.bounds or (None,)):
            if bounds is None:
                continue
            if self.pattern_window(p, bounds, ws) is None:
                return False
            for pos in range(len(self.week_counts)):
                if ws.counts[p][pos] < bounds.counts[pos][0]:
                    return False
            for pos in range(len(model.long)):
                if ws.long[p][pos] < bounds.long[pos]:
                    return False
        for spec, start, done, active in zip(
            model.tracks, week_pointers, ws.lessons, ws.active, strict=True
        ):
            if active and done < min(spec.per_week_min, spec.remaining(start)):
                return False
        ages = run.ages
        coverage = model.coverage
        if coverage is not None:
            taught = set()
            for pick in self.picks[len(self.picks) - len(layout.slots) :]:
                for t, position in pick.lessons:
                    spec = model.tracks[t]
                    if spec.core:
                        lesson = spec.lesson(position)
                        taught.add((lesson.module, lesson.number))
            ages = tuple(
                0 if lesson in taught else min(age + 1, coverage.stay)
                for lesson, age in zip(coverage.lessons, ages, strict=True)
            )
            if w + 1 >= coverage.stay and any(a >= coverage.stay for a in ages):
                return False
        custom = run.custom
        if model.trackers:
            stepped = [t.end_week(s, w + 1) for t, s in zip(model.trackers, custom, strict=True)]
            if any(s is None for s in stepped):
                return False
            custom = tuple(stepped)
        return (yield self._week(w + 1, RunState(run.pointers, run.program, ages, custom)))

    def pattern_window(self, p: int, bounds: Any, ws: WeekState) -> tuple[int, int] | None:
        """The week's total service units for pattern ``p``, reachable within its
        [lo, hi] with its break units, that meet every weekly limit; ``None`` when there
        are none."""
        lo, hi, breaks = ws.lo[p], ws.hi[p], ws.breaks[p]
        for pos, limit in enumerate(self.model.minutes):
            low, high = bounds.minutes[pos]
            extra = breaks if limit.wall else 0
            lo = max(lo, low - extra)
            if high is not None:
                hi = min(hi, high - extra)
        return (lo, hi) if lo <= hi else None

    def service_window(self, layout: Layout, ws: WeekState) -> tuple[int, int] | None:
        """The week's total service units for everyone (a single pattern), within reach
        and meeting every weekly limit."""
        bounds = (layout.bounds or (None,))[0]
        if bounds is None:
            return ws.lo[0], ws.hi[0]
        return self.pattern_window(0, bounds, ws)


def _acyclic(size: int, edges: set[tuple[int, int]]) -> bool:
    """Whether the edges leave an order of ``size`` items (Kahn's algorithm, linear)."""
    incoming = [0] * size
    following: list[list[int]] = [[] for _ in range(size)]
    for a, b in edges:
        incoming[b] += 1
        following[a].append(b)
    ready = [i for i in range(size) if incoming[i] == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for b in following[node]:
            incoming[b] -= 1
            if incoming[b] == 0:
                ready.append(b)
    return seen == size
