"""The composer's search: weeks in order, sessions in order, backtracking with
propagation and memoised failures."""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from iopkit._activity import Activity
from iopkit.curriculum._menu import Choice, MenuMaker
from iopkit.curriculum._model import Model, Slot, TrackSpec, WeekOption
from iopkit.curriculum._program import Per
from iopkit.errors import BudgetExceededError

#: How many of the most preferred lesson choices compete together on one score.
HEAD_COMBOS = 4


@attrs.frozen
class Pick:
    """What the search chose for one session."""

    slot: Slot
    lessons: tuple[tuple[int, int], ...]  # (track index, sequence position), in session order
    activities: tuple[Activity, ...]
    choice: Choice
    lo: int  # the part of the choice's interval this pick uses (long-session splits)
    hi: int


@attrs.frozen
class WeekState:
    """Partial sums of the week being filled."""

    lo: int = 0
    hi: int = 0
    breaks: int = 0  # break minutes
    counts: tuple[int, ...] = ()
    long: tuple[int, ...] = ()
    lessons: tuple[int, ...] = ()
    active: tuple[bool, ...] = ()


class Search:
    """Depth-first search for a curriculum meeting every compiled limit."""

    def __init__(
        self,
        model: Model,
        menus: MenuMaker,
        seed: int,
        deadline: float | None,
        budget: float | None,
    ) -> None:
        self.model = model
        self.menus = menus
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.budget = budget
        self.nodes = 0
        #: a witness search looks in a smaller space (one lesson per track and session)
        self.witness = False
        self.failed: set[tuple[object, ...]] = set()
        self.picks: list[Pick] = []
        self.options: list[WeekOption] = []
        counted = model.counted
        self.week_idx = [i for i, c in enumerate(counted) if c.per is Per.WEEK]
        self.prog_idx = [i for i, c in enumerate(counted) if c.per is Per.PROGRAM]
        self.n_weeks = len(model.weeks)
        self.service_floor = sum(a.minutes.min for a in (*model.opening, *model.closing))
        self.service_ceiling = model.max_service()
        self.count_ceiling = self._count_ceiling()
        self.sessions_after = self._sessions_after()
        self.tie: dict[int, float] = {}  # stable random tie-breaks per choice identity
        self.prepared: dict[int, list[tuple[Choice, int, int, tuple[int, ...], float]]] = {}
        self.capacity_after = self._capacity_after()
        self.active_sessions = self._active_sessions()

    # -- bounds ------------------------------------------------------------------------

    def _count_ceiling(self) -> tuple[int, ...]:
        """The most blocks of each counted selector one session can hold (sound bound)."""
        model = self.model
        return tuple(
            len(model.matching(c.selector))
            + sum(s.per_session_max for s in model.tracks if model.lessons_match(s, c.selector))
            for c in model.counted
        )

    def _sessions_after(self) -> list[int]:
        """Sessions (at most) from week w on."""
        after = [0] * (self.n_weeks + 1)
        for w in range(self.n_weeks - 1, -1, -1):
            after[w] = after[w + 1] + max(len(o.slots) for o in self.model.weeks[w])
        return after

    def _active_sessions(self) -> list[list[int]]:
        """Per track: active sessions before each week (fullest layouts); the last entry
        is the total."""
        result = []
        for spec in self.model.tracks:
            before = [0] * (self.n_weeks + 1)
            for w in range(self.n_weeks):
                option = self.model.weeks[w][0]
                before[w + 1] = before[w] + sum(
                    1 for s in option.slots if spec.active(w + 1, s.day)
                )
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

    def tick(self) -> None:
        """Count one unit of work; raise when the deadline has passed."""
        self._tick()

    def _tick(self) -> None:
        self.nodes += 1
        if self.deadline is not None and self.nodes % 64 == 0 and time.monotonic() > self.deadline:
            raise BudgetExceededError(self.budget or 0.0)

    # -- the search ----------------------------------------------------------------------

    def run(self) -> bool:
        """Whether a curriculum exists; the picks hold it when it does."""
        model = self.model
        ptr = tuple(0 for _ in model.tracks)
        prog = tuple(0 for _ in self.prog_idx)
        ages = tuple(model.stay_weeks or 0 for _ in model.core_lessons)
        return self._week(0, ptr, prog, ages)

    def _week(
        self, w: int, ptr: tuple[int, ...], prog: tuple[int, ...], ages: tuple[int, ...]
    ) -> bool:
        self._tick()
        model = self.model
        if w == self.n_weeks:
            return self._final(ptr, prog)
        key = ("w", w, ptr, prog, ages)
        if key in self.failed:
            return False
        if not self._tracks_can_finish(w, ptr):
            self.failed.add(key)
            return False
        start = WeekState(
            counts=tuple(0 for _ in self.week_idx),
            long=tuple(0 for _ in model.long),
            lessons=tuple(0 for _ in model.tracks),
            active=tuple(False for _ in model.tracks),
        )
        for index, option in enumerate(model.weeks[w]):
            self.options.append(option)
            if self._session(w, index, option, 0, ptr, ptr, prog, ages, start):
                return True
            self.options.pop()
        self.failed.add(key)
        return False

    def _final(self, ptr: tuple[int, ...], prog: tuple[int, ...]) -> bool:
        model = self.model
        for spec, p in zip(model.tracks, ptr, strict=True):
            if spec.core and p < len(spec.sequence):
                return False
        return all(prog[pos] >= model.counted[index].min for pos, index in enumerate(self.prog_idx))

    def _tracks_can_finish(self, w: int, ptr: tuple[int, ...]) -> bool:
        for spec, p in zip(self.model.tracks, ptr, strict=True):
            if spec.core and len(spec.sequence) - p > self.capacity_after[spec.index][w]:
                return False
        return True

    def _session(
        self,
        w: int,
        option_index: int,
        option: WeekOption,
        i: int,
        week_ptr: tuple[int, ...],
        ptr: tuple[int, ...],
        prog: tuple[int, ...],
        ages: tuple[int, ...],
        ws: WeekState,
    ) -> bool:
        self._tick()
        if i == len(option.slots):
            return self._end_week(w, option, week_ptr, ptr, prog, ages, ws)
        key = ("s", w, option_index, i, ptr, prog, ages, ws)
        if key in self.failed:
            return False
        slot = option.slots[i]
        left = len(option.slots) - i - 1
        new_active = tuple(
            a or spec.active(w + 1, slot.day)
            for a, spec in zip(ws.active, self.model.tracks, strict=True)
        )
        # every (lessons, menu choice) pair competes on one score: the lesson pace is one
        # preference among the others (a session may give up a lesson to host a service
        # that is falling behind)
        for _, _, _, lo, choice, hi, long, (combo, lessons, activities) in self._candidates(
            w, option, i, week_ptr, ptr, ws, prog
        ):
            next_ws, next_prog = self._apply(choice, lo, hi, long, ws, prog)
            if next_ws is None or next_prog is None:
                continue
            next_ws = WeekState(
                lo=next_ws.lo,
                hi=next_ws.hi,
                breaks=next_ws.breaks,
                counts=next_ws.counts,
                long=next_ws.long,
                lessons=tuple(n + k for n, (_, k) in zip(ws.lessons, combo, strict=True)),
                active=new_active,
            )
            if not self._week_possible(w, next_ws, left, next_prog):
                continue
            new_ptr = tuple(p + k for p, (_, k) in zip(ptr, combo, strict=True))
            self.picks.append(Pick(slot, lessons, activities, choice, lo, hi))
            if self._session(
                w, option_index, option, i + 1, week_ptr, new_ptr, next_prog, ages, next_ws
            ):
                return True
            self.picks.pop()
        self.failed.add(key)
        return False

    def _candidates(
        self,
        w: int,
        option: WeekOption,
        i: int,
        week_ptr: tuple[int, ...],
        ptr: tuple[int, ...],
        ws: WeekState,
        prog: tuple[int, ...],
    ) -> Iterator[tuple[Any, ...]]:
        """(lessons, menu choice) pairs, best first. The few most preferred lesson choices
        compete on one score; the rest follow in order (all are tried)."""
        combos = self._lesson_options(w, option, i, week_ptr, ptr, ws)

        def scored(rank: int, combo: tuple[tuple[int, int], ...]) -> list[tuple[Any, ...]]:
            built = self._lessons(combo, ptr)
            if built is None:
                return []
            lessons, activities, precedence = built
            menu = self.menus.menu(activities, precedence)
            frame = (combo, lessons, activities)
            return [
                (score + 1.5 * rank, tie, rank, lo, choice, hi, long, frame)
                for score, tie, lo, choice, hi, long in self._ordered(menu, w, i, option, ws, prog)
            ]

        def key(c: tuple[Any, ...]) -> tuple[Any, ...]:
            return (c[0], c[1], c[2], c[3])

        head = [c for rank, combo in enumerate(combos[:HEAD_COMBOS]) for c in scored(rank, combo)]
        yield from sorted(head, key=key)
        for rank, combo in enumerate(combos[HEAD_COMBOS:], start=HEAD_COMBOS):
            yield from sorted(scored(rank, combo), key=key)

    # -- lessons -----------------------------------------------------------------------------

    def _lesson_options(
        self,
        w: int,
        option: WeekOption,
        i: int,
        week_ptr: tuple[int, ...],
        ptr: tuple[int, ...],
        ws: WeekState,
    ) -> list[tuple[tuple[int, int], ...]]:
        slot = option.slots[i]
        per_track: list[list[int]] = []
        for spec, start, p, done in zip(self.model.tracks, week_ptr, ptr, ws.lessons, strict=True):
            if not spec.active(w + 1, slot.day):
                per_track.append([0])
                continue
            remaining = spec.remaining(p)
            # the week's floor must stay reachable with the active sessions still to come
            later = sum(1 for s in option.slots[i + 1 :] if spec.active(w + 1, s.day))
            floor = min(spec.per_week_min, spec.remaining(start))
            low = int(
                max(
                    min(spec.per_session_min, remaining),
                    floor - done - later * spec.per_session_max,
                )
            )
            high = spec.per_session_max if not self.witness else min(spec.per_session_max, 1)
            if spec.per_week_max is not None:
                high = min(high, spec.per_week_max - done)
            high = int(min(high, remaining))
            if high < low:
                return []
            values = list(range(low, high + 1))
            ideal = self._ideal(spec, w, i, p)
            values.sort(key=lambda k: (abs(k - ideal), -k if not spec.core else k))
            per_track.append(values)
        return [tuple(enumerate(ks)) for ks in itertools.product(*per_track)]

    def _ideal(self, spec: TrackSpec, w: int, i: int, p: int) -> float:
        """How many lessons of the track this session would ideally hold: a core track
        keeps an even pace over its active sessions (the k-th lesson near k / n of the
        way); others take every chance."""
        if spec.cycles or not spec.core:
            return spec.per_session_max
        if p >= len(spec.sequence):
            return 0
        before = self.active_sessions[spec.index]
        elapsed = before[w] + i + 1
        due = math.ceil(len(spec.sequence) * elapsed / max(1, before[-1]))
        return max(0, min(spec.per_session_max, due - p))

    def _lessons(
        self, combo: tuple[tuple[int, int], ...], ptr: tuple[int, ...]
    ) -> (
        tuple[tuple[tuple[int, int], ...], tuple[Activity, ...], frozenset[tuple[int, int]]] | None
    ):
        model = self.model
        catalog = model.catalog
        lessons: list[tuple[int, int]] = []
        for t, k in combo:
            lessons += [(t, ptr[t] + j) for j in range(k)]
        if not lessons:
            return (), (), frozenset()
        completed: set[str] = set()
        for spec, p in zip(model.tracks, ptr, strict=True):
            completed |= spec.completed(p)
        precedence: set[tuple[int, int]] = set()
        for index in range(1, len(lessons)):
            if lessons[index][0] == lessons[index - 1][0]:
                precedence.add((index - 1, index))
        for index, (t, position) in enumerate(lessons):
            spec = model.tracks[t]
            lesson = spec.lesson(position)
            if lesson.number != 1:
                continue
            for required in catalog.module(lesson.module).requires:
                if required in completed:
                    continue
                enders = [
                    j
                    for j, (t2, pos2) in enumerate(lessons)
                    if model.tracks[t2].lesson(pos2).module == required
                    and model.tracks[t2].lesson(pos2).number
                    == len(catalog.module(required).lessons)
                ]
                if not enders:
                    return None
                precedence.add((enders[0], index))
        if not _acyclic(len(lessons), precedence):
            return None
        activities = tuple(catalog.activity(model.tracks[t].lesson(p).activity) for t, p in lessons)
        if len({a.id for a in activities}) < len(activities):
            return None  # the same lesson twice in one session (no-repeat rule)
        return tuple(lessons), activities, frozenset(precedence)

    # -- menu choices --------------------------------------------------------------------------

    def _ordered(
        self,
        menu: Sequence[Choice],
        w: int,
        i: int,
        option: WeekOption,
        ws: WeekState,
        prog: tuple[int, ...],
    ) -> list[tuple[float, float, int, Choice, int, tuple[int, ...]]]:
        """Menu choices scored (lower is better) with their tie-breaks."""
        model = self.model
        left_in_week = len(option.slots) - i
        target = self._target_service(ws, left_in_week)
        # what each counted requirement still wants from this session (state, not choice)
        wants: list[tuple[int, float]] = []
        for pos, index in enumerate(self.week_idx):
            need = model.counted[index].min - ws.counts[pos]
            wants.append((index, max(0.0, need / left_in_week)))
        sessions_left = self.sessions_after[w] - i
        total = self.sessions_after[0]
        for pos, index in enumerate(self.prog_idx):
            # spread over the program: the k-th occurrence near (k - 1/2) / min of the way
            pace = model.counted[index].min * (total - sessions_left + 1) / max(1, total)
            wants.append((index, max(0.0, math.floor(pace + 0.5) - prog[pos])))
        short_long = [ws.long[pos] < limit.min for pos, limit in enumerate(model.long)]
        scored: list[tuple[float, float, int, Choice, int, tuple[int, ...]]] = []
        for choice, lo, hi, long, tie in self._prepared(menu):
            score = 0.2 * choice.breaks
            if hi < target:
                score += (target - hi) / 10
            elif lo > target:
                score += (lo - target) / 10
            counts = choice.counts
            for index, want in wants:
                got = counts[index]
                score += 3 * (want - got) if want > got else 0.5 * (got - want)
            for pos, behind in enumerate(short_long):
                if behind and not long[pos]:
                    score += 2
            scored.append((score, tie, lo, choice, hi, long))
        return scored

    def _prepared(
        self, menu: Sequence[Choice]
    ) -> list[tuple[Choice, int, int, tuple[int, ...], float]]:
        """The menu's choices split at long-session thresholds, with stable tie-breaks."""
        found = self.prepared.get(id(menu))
        if found is None:
            found = []
            for choice in menu:
                tie = self.tie.get(id(choice))
                if tie is None:
                    tie = self.tie[id(choice)] = self.rng.random()
                found += [(choice, lo, hi, long, tie) for lo, hi, long in self._split(choice)]
            self.prepared[id(menu)] = found
        return found

    def _target_service(self, ws: WeekState, left: int) -> float:
        model = self.model
        mid = (model.wall_min + model.wall_max) / 2
        per_session = mid - (model.break_minutes if model.break_after else 0)
        need = 0.0
        for limit in model.weekly:
            if limit.min:
                need = max(need, (limit.min - ws.lo) / max(1, left))
        return max(per_session, need)

    def _split(self, choice: Choice) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        cuts = sorted({limit.minutes for limit in self.model.long})
        pieces = [(choice.lo, choice.hi)]
        for cut in cuts:
            split = []
            for lo, hi in pieces:
                if lo < cut <= hi:
                    split += [(lo, cut - 1), (cut, hi)]
                else:
                    split.append((lo, hi))
            pieces = split
        for lo, hi in pieces:
            yield lo, hi, tuple(int(lo >= limit.minutes) for limit in self.model.long)

    def _apply(
        self,
        choice: Choice,
        lo: int,
        hi: int,
        long: tuple[int, ...],
        ws: WeekState,
        prog: tuple[int, ...],
    ) -> tuple[WeekState | None, tuple[int, ...] | None]:
        model = self.model
        counts = list(ws.counts)
        for pos, index in enumerate(self.week_idx):
            counts[pos] += choice.counts[index]
            limit = model.counted[index].max
            if limit is not None and counts[pos] > limit:
                return None, None
        new_prog = list(prog)
        for pos, index in enumerate(self.prog_idx):
            new_prog[pos] += choice.counts[index]
            counted = model.counted[index]
            if counted.max is not None and new_prog[pos] > counted.max:
                return None, None
            cap = counted.max if counted.max is not None else counted.min
            new_prog[pos] = min(new_prog[pos], cap)
        state = WeekState(
            lo=ws.lo + lo,
            hi=ws.hi + hi,
            breaks=ws.breaks + choice.breaks * model.break_minutes,
            counts=tuple(counts),
            long=tuple(a + b for a, b in zip(ws.long, long, strict=True)),
            lessons=ws.lessons,
            active=ws.active,
        )
        return state, tuple(new_prog)

    def _week_possible(self, w: int, ws: WeekState, left: int, prog: tuple[int, ...]) -> bool:
        model = self.model
        later = left + self.sessions_after[w + 1]
        for pos, index in enumerate(self.prog_idx):
            if prog[pos] + later * self.count_ceiling[index] < model.counted[index].min:
                return False
        tapering = {
            limit.rule_id: w + 1 > self.n_weeks - limit.taper_weeks for limit in model.weekly
        }
        for limit in model.weekly:
            extra = ws.breaks if limit.wall else 0
            if limit.max is not None and ws.lo + extra + left * self.service_floor > limit.max:
                return False
            ceiling = self.service_ceiling + (
                model.wall_max - self.service_ceiling if limit.wall else 0
            )
            if not tapering[limit.rule_id] and ws.hi + extra + left * ceiling < limit.min:
                return False
        for pos, index in enumerate(self.week_idx):
            if ws.counts[pos] + left * self.count_ceiling[index] < model.counted[index].min:
                return False
        for pos, long_limit in enumerate(model.long):
            if (
                w + 1 <= self.n_weeks - long_limit.taper_weeks
                and ws.long[pos] + left < long_limit.min
            ):
                return False
        return True

    def _end_week(
        self,
        w: int,
        option: WeekOption,
        week_ptr: tuple[int, ...],
        ptr: tuple[int, ...],
        prog: tuple[int, ...],
        ages: tuple[int, ...],
        ws: WeekState,
    ) -> bool:
        model = self.model
        if self.service_window(w, ws.lo, ws.hi, ws.breaks) is None:
            return False
        for pos, index in enumerate(self.week_idx):
            if ws.counts[pos] < model.counted[index].min:
                return False
        for pos, limit in enumerate(model.long):
            if w + 1 <= self.n_weeks - limit.taper_weeks and ws.long[pos] < limit.min:
                return False
        for spec, start, done, active in zip(
            model.tracks, week_ptr, ws.lessons, ws.active, strict=True
        ):
            if active and done < min(spec.per_week_min, spec.remaining(start)):
                return False
        new_ages = ages
        if model.stay_weeks is not None:
            taught = set()
            for pick in self.picks[len(self.picks) - len(option.slots) :]:
                for t, position in pick.lessons:
                    spec = model.tracks[t]
                    if spec.track.core:
                        lesson = spec.lesson(position)
                        taught.add((lesson.module, lesson.number))
            new_ages = tuple(
                0 if lesson in taught else min(age + 1, model.stay_weeks)
                for lesson, age in zip(model.core_lessons, ages, strict=True)
            )
            if w + 1 >= model.stay_weeks and any(a >= model.stay_weeks for a in new_ages):
                return False
        return self._week(w + 1, ptr, prog, new_ages)

    def service_window(self, w: int, lo: int, hi: int, breaks: int) -> tuple[int, int] | None:
        """The week's total service minutes, reachable within [lo, hi] with ``breaks``
        break minutes, that meet every weekly limit; ``None`` when there are none."""
        for limit in self.model.weekly:
            extra = breaks if limit.wall else 0
            if not w + 1 > self.n_weeks - limit.taper_weeks:
                lo = max(lo, limit.min - extra)
            if limit.max is not None:
                hi = min(hi, limit.max - extra)
        return (lo, hi) if lo <= hi else None


def _acyclic(size: int, edges: set[tuple[int, int]]) -> bool:
    incoming = [0] * size
    for _, b in edges:
        incoming[b] += 1
    ready = [i for i in range(size) if incoming[i] == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for a, b in edges:
            if a == node:
                incoming[b] -= 1
                if incoming[b] == 0:
                    ready.append(b)
    return seen == size
