"""Session menus: every distinct way one session can contribute to its week.

For the lessons a session must hold, the menu lists the achievable combinations of counted
features, breaks and service units (an interval), each with plans that realise it.

Filler activities that no rule tells apart form one class. A flexible length is split where
a feature's minimum length changes what it counts as. Fillers are chosen class by class in
a dynamic program whose states merge every choice with the same counts and the same length
profile (the multiset of filler lengths), so each distinct profile is packed once into the
runs between breaks, however many ways of choosing activities lead to it.
"""

from __future__ import annotations

import enum
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from iopkit._activity import Activity
from iopkit.curriculum._composer._model import Feature, SessionModel

if TYPE_CHECKING:
    from iopkit.curriculum._composer._arrange import OrderLimit


class Role(enum.IntEnum):
    """Where a piece of a session plan may stand."""

    OPENING = 0
    LESSON = 1
    FILLER = 2
    CLOSING = 3


class Piece(NamedTuple):
    """One block of a session plan, with its length interval in units.

    ``rank`` orders opening and closing pieces among themselves, numbers a lesson in the
    session (its index among the session's lessons) and names a filler's class.
    """

    lo: int
    hi: int
    counts: tuple[int, ...]
    role: Role
    rank: int
    activity: Activity | None  # opening and closing pieces
    #: Whether it may hold the session's break inside it (lessons and fillers only).
    spans: bool = False
    #: 0 for a whole piece; a piece cut by a break inside it is a head (``2k + 1``) and
    #: its tail (``2k + 2``), which comes directly after it, with the break between.
    part: int = 0

    @property
    def head(self) -> bool:
        """Whether it is the part before the break inside a piece."""
        return self.part % 2 == 1

    @property
    def tail(self) -> bool:
        """Whether it is the part after the break inside a piece."""
        return self.part > 0 and self.part % 2 == 0


class Plan(NamedTuple):
    """A concrete shape: pieces per run (runs are separated by breaks), realising any
    service total in [lo, hi]."""

    runs: tuple[tuple[Piece, ...], ...]
    lo: int
    hi: int


class Choice(NamedTuple):
    """A menu entry: counted features, breaks and a service interval, with its plans."""

    counts: tuple[int, ...]
    breaks: int
    lo: int
    hi: int
    plans: tuple[Plan, ...]

    def plan_for(self, service: int) -> Plan:
        """A plan that realises exactly ``service`` units: one that holds every piece
        whole when there is one (a break inside a block only where it is needed)."""
        fitting = [plan for plan in self.plans if plan.lo <= service <= plan.hi]
        for plan in sorted(fitting, key=_cut_pieces):
            return plan
        raise ValueError(f"no plan for {service} units")  # pragma: no cover - guarded


class FillerClass(NamedTuple):
    """Interchangeable filler activities and their length variants."""

    activities: tuple[Activity, ...]
    variants: tuple[tuple[int, int, tuple[int, ...]], ...]
    #: Whether its activities may hold the session's break inside them.
    spans: bool = False


Variant = tuple[int, int, tuple[int, ...]]


def variants(
    activity: Activity,
    span: tuple[int, int],
    features: Sequence[Feature],
    module: str | None = None,
    track: str | None = None,
) -> list[Variant]:
    """The activity's lengths split where a feature's minimum length changes its counts:
    ``(lo, hi, counts)`` for each part (``module`` and ``track``: those of a lesson)."""
    lo, hi = span
    cuts = sorted(
        {
            f.min_units
            for f in features
            if f.min_units is not None
            and lo < f.min_units <= hi
            and f.counts(activity, hi, module, track)
        }
    )
    bounds = [lo, *cuts, hi + 1]
    return [
        (a, b - 1, tuple(int(f.counts(activity, a, module, track)) for f in features))
        for a, b in itertools.pairwise(bounds)
    ]


def filler_classes(session: SessionModel) -> tuple[FillerClass, ...]:
    """Group the session's filler pool into classes no rule tells apart."""
    groups: dict[tuple[bool, tuple[Variant, ...]], list[Activity]] = {}
    spanning = session.breaks is not None
    for activity in session.pool:
        span = session.units(activity)
        if span is None:
            continue
        key = (
            spanning and activity.break_inside,
            tuple(variants(activity, span, session.features)),
        )
        groups.setdefault(key, []).append(activity)
    return tuple(
        FillerClass(tuple(acts), key[1], key[0])
        for key, acts in sorted(groups.items(), key=lambda kv: kv[1][0].id)
    )


#: Most menus a book keeps, and most books the shared cache keeps.
MAX_MENUS = 20_000
MAX_BOOKS = 32


class MenuBook:
    """The menus of one session shape, computed on demand and kept. Safe to share between
    threads: menus are only ever added, complete, and are the same whoever computes them.
    Each menu remembers the work it took, and a lookup charges that work again, so that a
    work budget is spent the same whether a menu was cached or not."""

    def __init__(self, session: SessionModel, most_fillers: int | None = None) -> None:
        """``most_fillers`` limits sessions to that many filler blocks and to the fewest
        breaks their services need: a smaller space where a witness of feasibility is
        quick to find (never used to conclude infeasibility)."""
        self.session = session
        self.most_fillers = most_fillers
        #: The filler enumeration, shared by the books of sessions that differ only in
        #: their per-session bounds or order limits (a program's session variants).
        self.space = _space_for(session, most_fillers)
        self.classes = self.space.classes
        self.menus: dict[tuple[object, ...], tuple[tuple[Choice, ...], int]] = {}
        #: Packings by length profile, each with the work it took (charged again on reuse).
        self.packings: dict[tuple[object, ...], tuple[tuple[tuple[int, ...], int] | None, int]] = {}
        #: Whether pieces (as the order limits see them) can be laid out as one run.
        self.placeable: dict[tuple[object, ...], bool] = {}
        #: Each choice of fillers (by identity: the space keeps them) as the order limits
        #: see them.
        self._filler_seen: dict[int, tuple[tuple[Piece, ...], tuple[Piece, ...]]] = {}
        #: Answers of :meth:`_may_place`.
        self._may: dict[tuple[object, ...], bool] = {}
        #: Saturated sums of counts (they depend on this book's per-session maximums).
        self._add: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[int, ...] | None] = {}
        self.lock = threading.Lock()

    def menu(
        self,
        lessons: Sequence[tuple[Variant, ...] | None],
        precedence: frozenset[tuple[int, int]],
        tick: Callable[[int], None],
        spanning: frozenset[int] = frozenset(),
    ) -> tuple[Choice, ...]:
        """The menu of a session holding lessons with these length variants (or ``None``
        for a lesson off the grid), ordered by ``precedence`` (pairs of lesson indices);
        the lessons in ``spanning`` may hold the session's break inside them."""
        key = (tuple(lessons), precedence, spanning)
        found = self.menus.get(key)
        if found is not None:
            tick(found[1])
            return found[0]
        counter = _Counter(tick)
        menu = self._compute(lessons, precedence, counter, spanning)
        with self.lock:
            if len(self.menus) < MAX_MENUS:
                self.menus.setdefault(key, (menu, counter.steps))
        return menu

    # -- enumeration -------------------------------------------------------------------

    def _fixed(self, activity: Activity, role: Role, rank: int) -> list[Piece]:
        span = self.session.units(activity)
        if span is None:
            return []
        return [
            Piece(lo, hi, counts, role, rank, activity)
            for lo, hi, counts in variants(activity, span, self.session.features)
        ]

    def _class_combos(
        self, tick: Callable[[int], None]
    ) -> tuple[
        list[
            list[tuple[int, tuple[int, ...], tuple[Piece, ...], tuple[tuple[int, int, int], ...]]]
        ],
        int,
    ]:
        """For each class, every choice of its members that fits in a session: (low,
        counts, pieces, lengths), by low; with the work it took. Built on first use, each
        step counted, so a catalog with very many length variants is stopped by the budget
        instead of filling memory."""
        space = self.space
        if space.combos is not None:
            tick(space.combos[1])
            return space.combos
        session = self.session
        width = len(session.features)
        most_units = session.max_service()
        steps = 0
        result = []
        for index, cls in enumerate(self.classes):
            limit = len(cls.activities) if session.no_repeat else max(1, most_units)
            shortest_variant = min(v[0] for v in cls.variants)
            combos = []
            for k in range(limit + 1):
                if k * shortest_variant > most_units:
                    break
                for combo in itertools.combinations_with_replacement(range(len(cls.variants)), k):
                    steps += 1
                    if steps % 256 == 0:
                        tick(256)
                    low = sum(cls.variants[v][0] for v in combo)
                    if low > most_units:
                        continue
                    pieces = tuple(
                        Piece(
                            cls.variants[v][0],
                            cls.variants[v][1],
                            cls.variants[v][2],
                            Role.FILLER,
                            index,
                            None,
                            cls.spans,
                        )
                        for v in combo
                    )
                    counts = tuple(sum(p.counts[j] for p in pieces) for j in range(width))
                    part = tuple(sorted((p.lo, p.hi, int(p.spans)) for p in pieces))
                    combos.append((low, counts, pieces, part))
            combos.sort(key=lambda c: c[0])
            result.append(combos)
        tick(steps % 256)
        with space.lock:
            if space.combos is None:
                space.combos = (result, steps)
        return space.combos

    def _compute(
        self,
        lessons: Sequence[tuple[Variant, ...] | None],
        precedence: frozenset[tuple[int, int]],
        counter: _Counter,
        spanning: frozenset[int] = frozenset(),
    ) -> tuple[Choice, ...]:
        session = self.session
        if any(span is None for span in lessons):
            return ()
        opening = [self._fixed(a, Role.OPENING, i) for i, a in enumerate(session.opening)]
        closing = [self._fixed(a, Role.CLOSING, i) for i, a in enumerate(session.closing)]
        spans = session.breaks is not None
        lesson_pieces = [
            [
                Piece(lo, hi, counts, Role.LESSON, i, None, spans and i in spanning)
                for lo, hi, counts in options or ()
            ]
            for i, options in enumerate(lessons)
        ]
        fixed_options = [*opening, *lesson_pieces, *closing]
        if any(not options for options in fixed_options):
            return ()  # an opening or closing activity is off the grid
        caps = [f.cap for f in session.features]
        width = len(caps)
        upper: list[int | None] = [None] * width
        for bound in session.bounds:
            if bound.max is not None:
                old = upper[bound.feature]
                upper[bound.feature] = bound.max if old is None else min(old, bound.max)
        most = session.max_service()
        cap = self.most_fillers
        entries: dict[tuple[tuple[int, ...], int], list[Plan]] = {}
        reach: dict[tuple[tuple[int, ...], int], list[tuple[int, int]]] = {}
        packer = _Packer(
            session, precedence, counter, self.packings, self.placeable, fewest=cap is not None
        )
        # when no run between breaks can be too long, only the sums of lengths matter
        # (unless order limits care which pieces share a run)
        # (unless a break may fall inside a piece: a break there may make a session long
        # enough, so which pieces can hold one matters)
        loose = (
            (session.breaks is None or session.breaks.after >= most)
            and not session.order
            and not (
                session.breaks is not None and (spanning or any(c.spans for c in self.classes))
            )
        )
        # pieces held whole first, for every choice of fillers; breaks inside pieces
        # only for the service totals no whole plan reaches
        may_cut = session.breaks is not None and (
            bool(spanning) or any(c.spans for c in self.classes)
        )
        passes: tuple[bool | None, ...] = (False, True) if may_cut and not loose else (None,)
        for cutting in passes:
            for fixed in itertools.product(*fixed_options):
                raw = [sum(p.counts[j] for p in fixed) for j in range(width)]
                low = sum(p.lo for p in fixed)
                if low > most or any(u is not None and raw[j] > u for j, u in enumerate(upper)):
                    continue
                start = tuple(min(c, caps[j]) for j, c in enumerate(raw))
                if loose:
                    # cheap even with many fillers: a witness only keeps to the fewest breaks
                    self._loose(fixed, start, low, most, caps, upper, precedence, counter, entries)
                    continue
                # the pieces as the order limits see them: the fixed part once per combination,
                # each choice of fillers once per book
                fixed_seen = packer.project(fixed) if packer.placing else ()
                if packer.monotone and not self._may_place(fixed_seen, raw, packer):
                    continue  # no choice of fillers can keep the order limits
                seen: set[tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]]] = set()
                states = self._filler_profiles(caps, upper, most, counter.tick, packer.features)
                add = self._add
                for (filler_counts, profile), (lo, fillers) in states.items():
                    if low + lo > most:
                        continue
                    pair = (start, filler_counts)
                    counts = (
                        add[pair] if pair in add else self._sum(start, filler_counts, caps, upper)
                    )
                    if counts is None or (counts, profile) in seen or not self._bounds_met(counts):
                        continue
                    seen.add((counts, profile))

                    def covered(
                        breaks: int, lo: int, hi: int, counts: tuple[int, ...] = counts
                    ) -> bool:
                        return _covers(reach.get((counts, breaks), []), lo, hi)

                    projection = (
                        (fixed_seen, self._projected(fillers, packer)) if packer.placing else None
                    )
                    for breaks, plan in packer.plans(
                        (*fixed, *fillers), covered, projection, cutting
                    ):
                        key = (counts, breaks)
                        entries.setdefault(key, []).append(plan)
                        reach[key] = _add(reach.get(key, []), plan.lo, plan.hi)
        choices = []
        for (counts, breaks), plans in sorted(entries.items()):
            for lo, hi, members in _merge(plans):
                choices.append(Choice(counts, breaks, lo, hi, members))
        return tuple(choices)

    def _filler_profiles(
        self,
        caps: list[int],
        upper: list[int | None],
        most: int,
        tick: Callable[[int], None],
        tags: Iterable[int] = (),
    ) -> dict[
        tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]], tuple[int, tuple[Piece, ...]]
    ]:
        """Every choice of fillers, merged by (counts, length profile), with the work it
        took: computed once per book and shared by its menus (each menu charges the same
        work, so budgets do not depend on what was computed before).

        ``tags``: the features the session's order limits read. The profile then also
        tells each filler's tags apart: two choices whose counts add up the same (once
        capped) may still differ in which filler carries a tag, and only one of them may
        keep an order limit ("'F1' directly before a process group": 'F1' and a process
        group, or 'F1' and a psychoeducation group, count the same)."""
        marks = tuple(sorted(tags))
        key = (tuple(caps), tuple(upper), most, marks)
        found = self.space.profiles.get(key)
        if found is not None:
            tick(found[1])
            return found[0]
        cap = self.most_fillers
        all_combos, steps = self._class_combos(tick)
        ticked = steps
        states: dict[
            tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]], tuple[int, tuple[Piece, ...]]
        ] = {(tuple(0 for _ in caps), ()): (0, ())}
        grow = self.space.grow
        for found_combos in all_combos:
            combos = found_combos
            merged: dict[
                tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]],
                tuple[int, tuple[Piece, ...]],
            ] = {}
            if marks:
                combos = [
                    (low, extra, pieces, _profile(pieces, marks))
                    for low, extra, pieces, _ in combos
                ]
            for (counts, profile), (lo, chosen) in states.items():
                room = most - lo
                size = len(profile)
                for extra_lo, extra_counts, pieces, part in combos:
                    if extra_lo > room:
                        break
                    steps += 1
                    if steps - ticked >= 512:
                        tick(steps - ticked)
                        ticked = steps
                    if cap is not None and size + len(pieces) > cap:
                        continue
                    new_counts = self._sum(counts, extra_counts, caps, upper)
                    if new_counts is None:
                        continue
                    if part:
                        grown = (profile, part)
                        new_profile = grow.get(grown)
                        if new_profile is None:
                            new_profile = grow[grown] = tuple(sorted(profile + part))
                    else:
                        new_profile = profile
                    state = (new_counts, new_profile)
                    if state not in merged:
                        merged[state] = (lo + extra_lo, chosen + pieces)
            states = merged
        tick(steps - ticked)
        with self.space.lock:
            if len(self.space.profiles) >= MAX_SPACE_ENTRIES:
                return states  # computed, not kept: the space stays bounded
            return self.space.profiles.setdefault(key, (states, steps))[0]

    def _sum(
        self,
        counts: tuple[int, ...],
        extra: tuple[int, ...],
        caps: list[int],
        upper: list[int | None],
    ) -> tuple[int, ...] | None:
        """``counts + extra``, each clipped at its cap; ``None`` past a per-session maximum
        (memoised: few distinct sums occur)."""
        key = (counts, extra)
        found = self._add.get(key, _MISSING)
        if found is _MISSING:
            summed = tuple(min(c, a + b) for c, a, b in zip(caps, counts, extra, strict=True))
            over = any(u is not None and s > u for s, u in zip(summed, upper, strict=True))
            found = self._add[key] = None if over else summed
        return found  # type: ignore[return-value]

    def _filler_intervals(
        self, caps: list[int], upper: list[int | None], most: int, tick: Callable[[int], None]
    ) -> dict[tuple[tuple[int, ...], int], list[tuple[int, int, tuple[Piece, ...]]]]:
        """Every choice of fillers as (counts, number of fillers) and the intervals of
        service they reach, keeping only intervals no other choice covers; computed once
        per book, with the work it took."""
        key = (tuple(caps), tuple(upper), most)
        found = self.space.intervals.get(key)
        if found is not None:
            tick(found[1])
            return found[0]
        all_combos, steps = self._class_combos(tick)
        ticked = steps
        states: dict[tuple[tuple[int, ...], int], list[tuple[int, int, tuple[Piece, ...]]]] = {
            (tuple(0 for _ in caps), 0): [(0, 0, ())]
        }
        for combos in all_combos:
            grown: dict[tuple[tuple[int, ...], int], list[tuple[int, int, tuple[Piece, ...]]]] = {}
            for (counts, n), segments in states.items():
                for extra_lo, extra_counts, pieces, part in combos:
                    new_counts = self._sum(counts, extra_counts, caps, upper)
                    if new_counts is None:
                        continue
                    extra_hi = sum(item[1] for item in part)
                    target = grown.setdefault((new_counts, n + len(pieces)), [])
                    for lo, hi, chosen in segments:
                        steps += 1
                        if steps - ticked >= 512:
                            tick(steps - ticked)
                            ticked = steps
                        if lo + extra_lo <= most:
                            target.append(
                                (lo + extra_lo, min(hi + extra_hi, most), chosen + pieces)
                            )
            states = {key: _frontier(segments) for key, segments in grown.items() if segments}
        tick(steps - ticked)
        with self.space.lock:
            if len(self.space.intervals) >= MAX_SPACE_ENTRIES:
                return states  # computed, not kept: the space stays bounded
            return self.space.intervals.setdefault(key, (states, steps))[0]

    def _loose(
        self,
        fixed: tuple[Piece, ...],
        start: tuple[int, ...],
        low: int,
        most: int,
        caps: list[int],
        upper: list[int | None],
        precedence: frozenset[tuple[int, int]],
        counter: _Counter,
        entries: dict[tuple[tuple[int, ...], int], list[Plan]],
    ) -> None:
        """The plans of a session whose runs between breaks can never be too long: only
        the sums of lengths matter, so the fillers' intervals shift by the fixed pieces'."""
        session = self.session
        high = sum(p.hi for p in fixed)
        filler_states = self._filler_intervals(caps, upper, most, counter.tick)
        states: dict[tuple[tuple[int, ...], int], list[tuple[int, int, tuple[Piece, ...]]]] = {}
        for (filler_counts, n), segments in filler_states.items():
            counts = self._sum(start, filler_counts, caps, upper)
            if counts is None or not self._bounds_met(counts):
                continue
            target = states.setdefault((counts, n), [])
            for lo, hi, fillers in segments:
                if low + lo <= most:
                    target.append((low + lo, min(high + hi, most), fillers))
        fewest = self.most_fillers is not None
        size = session.breaks.size if session.breaks is not None else 0
        for (counts, n), found in states.items():
            pieces_count = len(fixed) + n
            last = pieces_count - 1 if size > 0 and not fewest else 0
            for lo, hi, fillers in _frontier(found):
                pieces = (*fixed, *fillers)
                for breaks in range(last + 1):
                    window_lo = max(lo, session.wall_lo - breaks * size)
                    window_hi = min(hi, session.wall_hi - breaks * size)
                    if lo > session.wall_hi - breaks * size:
                        break
                    if window_lo > window_hi:
                        continue
                    runs = (pieces,) if breaks == 0 else _cut(pieces, breaks + 1, precedence)
                    if runs is None:
                        break
                    counter.tick(1)
                    entries.setdefault((counts, breaks), []).append(
                        Plan(runs, window_lo, window_hi)
                    )

    def _may_place(self, fixed_seen: tuple[Piece, ...], raw: list[int], packer: _Packer) -> bool:
        """A quick test that may rule out every choice of fillers for these fixed pieces:
        for each per-session minimum the fixed pieces leave unmet, some filler must carry
        the feature. The order limits that adding pieces never helps (before, at the start,
        at the end) must then hold for the fixed pieces with one such filler per minimum
        (one piece for several, where a filler carries several): the pieces of any plan
        include such a set, so if no set can be laid out, no plan can."""
        from iopkit.curriculum._composer._arrange import arrangement

        options: list[list[Piece]] = []
        for bound in self.session.bounds:
            if bound.min <= raw[bound.feature]:
                continue
            carriers = {
                packer.seen_of(Piece(lo, hi, counts, Role.FILLER, index, None))
                for index, cls in enumerate(self.classes)
                for lo, hi, counts in cls.variants
                if counts[bound.feature] > 0
            }
            if not carriers:
                return True  # the bound fails on its own; the counts say so
            options.append(sorted(carriers))
        if math.prod(len(o) for o in options) > MAX_CARRIER_SETS:
            return True  # too many to try: no quick answer
        key = (packer.precedence, fixed_seen, tuple(tuple(o) for o in options))
        found = self._may.get(key)
        if found is None:
            found = False
            for chosen in itertools.product(*options):
                pieces = tuple(sorted(fixed_seen + tuple(set(chosen))))
                # no pieces at all: nothing to keep in order (an empty run never lays out)
                if not pieces or arrangement((pieces,), packer.monotone, packer.precedence):
                    found = True
                    break
            self._may[key] = found
        return found

    def _projected(self, fillers: tuple[Piece, ...], packer: _Packer) -> tuple[Piece, ...]:
        """A choice of fillers as the order limits see them, remembered by the book (the
        limits, and so the projection, are the same for every menu of the book)."""
        found = self._filler_seen.get(id(fillers))
        if found is None or found[0] is not fillers:
            found = self._filler_seen[id(fillers)] = (fillers, packer.project(fillers))
        return found[1]

    def _bounds_met(self, counts: tuple[int, ...]) -> bool:
        for bound in self.session.bounds:
            value = counts[bound.feature]
            if value < bound.min or (bound.max is not None and value > bound.max):
                return False
        return True


class _Counter:
    """Counts the work of one menu, passing each step on to the operation's meter."""

    __slots__ = ("_tick", "steps")

    def __init__(self, tick: Callable[[int], None]) -> None:
        self._tick = tick
        self.steps = 0

    def tick(self, steps: int = 1) -> None:
        self.steps += steps
        self._tick(steps)


class _Packer:
    """Splits a session's pieces into runs between breaks. Packings are cached in the book
    by length profile, so menus of the same session shape share them."""

    def __init__(
        self,
        session: SessionModel,
        precedence: frozenset[tuple[int, int]],
        counter: _Counter,
        cache: dict[tuple[object, ...], tuple[tuple[tuple[int, ...], int] | None, int]],
        placeable: dict[tuple[object, ...], bool],
        *,
        fewest: bool = False,
    ) -> None:
        self.session = session
        self.precedence = precedence
        self.counter = counter
        self.cache = cache
        self.placeable = placeable
        self.seen: dict[Piece, Piece] = {}
        #: The order limits breaks cannot help (see :meth:`_placeable`), and the features
        #: they read.
        self.placing: tuple[OrderLimit, ...] = ()
        if session.order:
            from iopkit.curriculum._composer._arrange import BEFORE, DIRECTLY_BEFORE, END, START

            kept = (BEFORE, DIRECTLY_BEFORE, START, END)
            self.placing = tuple(o for o in session.order if o.relation in kept)
        self.features = {f for limit in self.placing for f in (limit.x, limit.y) if f >= 0}
        #: The order limits that adding pieces never helps.
        self.monotone: tuple[OrderLimit, ...] = ()
        if session.order:
            from iopkit.curriculum._composer._arrange import BEFORE, END, START

            self.monotone = tuple(o for o in self.placing if o.relation in (BEFORE, START, END))
        self.fewest = fewest
        #: Whether runs (as a set of piece multisets) can be laid out; runs differing
        #: only in which run holds which pieces are the same question.
        self.arranged: dict[tuple[tuple[Piece, ...], ...], bool] = {}

    def plans(
        self,
        pieces: tuple[Piece, ...],
        covered: Callable[[int, int, int], bool],
        seen: tuple[tuple[Piece, ...], tuple[Piece, ...]] | None = None,
        cutting: bool | None = None,
    ) -> Iterator[tuple[int, Plan]]:
        """``(breaks, plan)`` for each number of breaks that adds service totals not yet
        ``covered`` (``covered(breaks, lo, hi)``); ``seen``: the pieces as the order limits
        see them (:meth:`project`), in two parts, when the caller knows them. ``cutting``:
        only plans that hold every piece whole (``False``), only plans with a break
        inside a piece (``True``), or both (``None``)."""
        session = self.session
        if not pieces or not self._placeable(pieces, seen):
            return
        low = sum(p.lo for p in pieces)
        high = sum(p.hi for p in pieces)
        spec = session.breaks
        if spec is None:
            lo, hi = max(low, session.wall_lo), min(high, session.wall_hi)
            if lo <= hi and self._arranges((pieces,)):
                yield 0, Plan((pieces,), lo, hi)
            return
        size, capacity = spec.size, spec.after
        splittable = [i for i, p in enumerate(pieces) if _splittable(p, capacity)]
        capped = sum(min(capacity * (2 if p.spans else 1), p.hi) for p in pieces)
        first = max(0, math.ceil(low / capacity) - 1) if capacity > 0 else len(pieces)
        last = len(pieces) - 1 + len(splittable) if size > 0 else 0
        if self.fewest:
            last = min(last, first)
        for breaks in range(first, last + 1):
            window_lo = max(low, session.wall_lo - breaks * size)
            window_hi = session.wall_hi - breaks * size
            if low > window_hi:
                break
            if window_lo > window_hi:
                continue
            bound = min(capped, (breaks + 1) * capacity, window_hi)
            if bound < window_lo or covered(breaks, window_lo, bound):
                continue
            if breaks == 0:  # one run: it fits or it does not
                if cutting is not True and low <= capacity and self._arranges((pieces,)):
                    yield 0, Plan((pieces,), window_lo, min(capacity, high, window_hi))
                continue
            loose = capacity >= high and not session.order
            if cutting is True:
                pass
            elif loose:  # any cut into runs will do
                runs = _cut(pieces, breaks + 1, self.precedence)
                if runs is not None:
                    yield breaks, Plan(runs, window_lo, min(high, window_hi))
                    continue
            elif breaks <= len(pieces) - 1:
                found = self._packed(pieces, breaks + 1, window_lo, window_hi)
                if found is not None:
                    runs, top = found
                    yield breaks, Plan(runs, window_lo, min(top, window_hi))
            if cutting is False:
                continue
            # breaks inside pieces that may hold one: each such piece cut into a head of
            # a fixed length and a tail that makes up the rest, the head's length tried
            # from the middle out (every way of cutting is some head length)
            for cut in self._cuts(pieces, splittable, breaks, capacity):
                if covered(breaks, window_lo, bound):
                    break
                # a head of a fixed length may raise the fewest units the pieces hold
                least = max(window_lo, sum(p.lo for p in cut))
                if least > window_hi:
                    continue
                found = self._packed(cut, breaks + 1, least, window_hi)
                if found is not None:
                    runs, top = found
                    yield breaks, Plan(runs, least, min(top, window_hi))

    def _cuts(
        self, pieces: tuple[Piece, ...], splittable: list[int], breaks: int, capacity: int
    ) -> Iterator[tuple[Piece, ...]]:
        """The pieces with one or more of ``splittable`` cut by a break (at most
        ``breaks`` of them, and at least as many as the runs need beyond the gaps between
        pieces), each cut as a head and its tail: fewer cuts first, each piece's heads
        from the middle of its length out. Equal pieces are interchangeable: cutting
        either gives the same plans, and equal pieces cut take their heads in one order
        only. Every way tried is counted as work, so a budget bounds the search."""
        ways: dict[int, list[tuple[Piece, Piece]]] = {}
        for index in splittable:
            piece = pieces[index]
            heads = range(max(1, piece.lo - capacity), min(capacity, piece.hi - 1) + 1)
            middle = (piece.lo + piece.hi) / 4
            ways[index] = [
                (
                    piece._replace(lo=a, hi=a),
                    piece._replace(lo=max(1, piece.lo - a), hi=min(capacity, piece.hi - a)),
                )
                for a in sorted(heads, key=lambda a: (abs(a - middle), a))
            ]
        fewest = max(1, breaks - (len(pieces) - 1))  # runs are never empty
        for count in range(fewest, min(breaks, len(splittable)) + 1):
            seen: set[tuple[Piece, ...]] = set()
            for chosen in itertools.combinations(splittable, count):
                self.counter.tick(1)
                shape = tuple(sorted(pieces[i] for i in chosen))
                if shape in seen:
                    continue
                seen.add(shape)
                rest = [p for i, p in enumerate(pieces) if i not in chosen]
                alike: dict[Piece, list[int]] = {}
                for i in chosen:
                    alike.setdefault(pieces[i], []).append(i)
                per_kind = [
                    itertools.combinations_with_replacement(ways[group[0]], len(group))
                    for group in alike.values()
                ]
                for picked in itertools.product(*per_kind):
                    self.counter.tick(1)
                    result = list(rest)
                    cut = [way for ways_of_kind in picked for way in ways_of_kind]
                    for k, (head, tail) in enumerate(cut):
                        result += [head._replace(part=2 * k + 1), tail._replace(part=2 * k + 2)]
                    yield tuple(result)

    def _placeable(
        self,
        pieces: tuple[Piece, ...],
        seen: tuple[tuple[Piece, ...], tuple[Piece, ...]] | None = None,
    ) -> bool:
        """Say whether the pieces, laid out as one run, can keep the order limits.

        Checks the opening, closing, lesson order and every order limit that breaks
        cannot help: before, at the start, at the end (breaks do not change where pieces
        stand) and directly before (a break only comes between). Laying runs out one after
        another gives such a sequence, so pieces without one have no plan at all: checked
        once here, instead of at every way of cutting them into runs. Not directly after is
        left out, because a break helps it.
        """
        if not self.placing:
            return True
        self.counter.tick(1)  # the same work whether the answer is remembered or not
        return self._one_run(pieces, seen) and self._pairs_fit(pieces)

    def _pairs_fit(self, pieces: tuple[Piece, ...]) -> bool:
        """Whether each piece that must come directly before another fits in one run
        with some such other piece (they share a run: no break comes between)."""
        from iopkit.curriculum._composer._arrange import DIRECTLY_BEFORE

        breaks = self.session.breaks
        if breaks is None:
            return True
        return all(
            any(
                y is not x
                and y.counts[limit.y] > 0
                and _edge(x, breaks.after) + _edge(y, breaks.after) <= breaks.after
                for y in pieces
            )
            for limit in self.placing
            if limit.relation == DIRECTLY_BEFORE
            for x in pieces
            if x.counts[limit.x] > 0
        )

    def _one_run(
        self,
        pieces: tuple[Piece, ...],
        seen: tuple[tuple[Piece, ...], tuple[Piece, ...]] | None,
    ) -> bool:
        """Whether one run of the pieces keeps the limits: only the roles, ranks and tags
        the limits read matter, so pieces alike in those are one question, asked once per
        session shape (``seen``: the projection in two parts, when known)."""
        from iopkit.curriculum._composer._arrange import arrangement

        if seen is None:
            seen = (self.project(pieces), ())
        key = (self.precedence, *seen)
        found = self.placeable.get(key)
        if found is None:
            merged = tuple(sorted(seen[0] + seen[1]))
            found = arrangement((merged,), self.placing, self.precedence) is not None
            if len(self.placeable) < MAX_PACKINGS:
                self.placeable[key] = found
        return found

    def project(self, pieces: Sequence[Piece]) -> tuple[Piece, ...]:
        """The pieces as the order limits see them (:meth:`seen_of`), sorted."""
        return tuple(sorted(self.seen_of(p) for p in pieces))

    def seen_of(self, piece: Piece) -> Piece:
        """The piece as the order limits see it: its role, its rank unless it is a
        filler, and which of the limits' features it has."""
        found = self.seen.get(piece)
        if found is None:
            counts = tuple(
                min(c, 1) if f in self.features else 0 for f, c in enumerate(piece.counts)
            )
            rank = 0 if piece.role == Role.FILLER else piece.rank
            found = self.seen[piece] = Piece(0, 0, counts, piece.role, rank, None)
        return found

    def _arranges(self, runs: tuple[tuple[Piece, ...], ...]) -> bool:
        """Whether the runs can be laid out keeping the session's order limits (and each
        piece cut by a break whole around it)."""
        if not self.session.order and not any(p.part for run in runs for p in run):
            return True
        from iopkit.curriculum._composer._arrange import arrangement

        key = tuple(sorted(tuple(sorted(run)) for run in runs))
        self.counter.tick(len(runs))  # the same work whether the answer is remembered or not
        found = self.arranged.get(key)
        if found is None:
            found = arrangement(runs, self.session.order, self.precedence) is not None
            self.arranged[key] = found
        return found

    def _packed(
        self, pieces: tuple[Piece, ...], count: int, need: int, want: int
    ) -> tuple[tuple[tuple[Piece, ...], ...], int] | None:
        order = sorted(
            range(len(pieces)),
            key=lambda i: (
                pieces[i].lo,
                pieces[i].hi,
                pieces[i].role,
                pieces[i].rank,
                pieces[i].part,
            ),
        )
        ordered = bool(self.session.order) or any(p.part for p in pieces)
        shape = tuple(
            (
                pieces[i].lo,
                pieces[i].hi,
                pieces[i].role,
                pieces[i].rank if pieces[i].role != Role.FILLER else -1,
                pieces[i].counts if ordered else (),
                pieces[i].part,
            )
            for i in order
        )
        key = (shape, count, need, want, self.precedence)
        cached: tuple[tuple[int, ...], int] | None
        remembered = self.cache.get(key)
        if remembered is not None:
            # the work is charged again, so that a budget runs out at the same point
            # whatever was composed before in this process
            cached, steps = remembered
            self.counter.tick(steps)
        else:
            before = self.counter.steps
            canonical = tuple(pieces[i] for i in order)
            found = partition(
                canonical,
                count,
                self.session.breaks.after if self.session.breaks else 0,
                self.precedence,
                need,
                want,
                self.counter.tick,
                self._arranges if ordered else None,
            )
            if found is None:
                cached = None
            else:
                where = {id(p): r for r, run in enumerate(found[0]) for p in run}
                cached = (tuple(where[id(p)] for p in canonical), found[1])
            if len(self.cache) < MAX_PACKINGS:
                self.cache[key] = (cached, self.counter.steps - before)
        if cached is None:
            return None
        placement, top = cached
        runs: list[list[Piece]] = [[] for _ in range(count)]
        for position, index in enumerate(order):
            runs[placement[position]].append(pieces[index])
        return tuple(tuple(run) for run in runs), top


_MISSING: object = object()
#: Most packings a book keeps.
MAX_PACKINGS = 200_000
#: Most filler enumerations (one per set of per-session maximums) a shared space keeps.
MAX_SPACE_ENTRIES = 64
#: Most sets of fillers the quick order test tries for one combination of fixed pieces.
MAX_CARRIER_SETS = 64


def _frontier(
    segments: list[tuple[int, int, tuple[Piece, ...]]],
) -> list[tuple[int, int, tuple[Piece, ...]]]:
    """The segments no other segment covers (lower low and higher high), by low."""
    segments.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, tuple[Piece, ...]]] = []
    for segment in segments:
        if not kept or segment[1] > kept[-1][1]:
            kept.append(segment)
    return kept


def _covers(intervals: list[tuple[int, int]], lo: int, hi: int) -> bool:
    """Whether the union of (merged, sorted) intervals holds every value of [lo, hi]."""
    for a, b in intervals:
        if a <= lo <= b:
            if hi <= b:
                return True
            lo = b + 1
    return False


def _add(intervals: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The union with [lo, hi], merged and sorted (touching intervals join)."""
    result: list[tuple[int, int]] = []
    for a, b in sorted([*intervals, (lo, hi)]):
        if result and a <= result[-1][1] + 1:
            result[-1] = (result[-1][0], max(result[-1][1], b))
        else:
            result.append((a, b))
    return result


def _cut_pieces(plan: Plan) -> int:
    """How many pieces of a plan a break cuts."""
    return sum(1 for run in plan.runs for p in run if p.head)


def _profile(
    pieces: Sequence[Piece], features: tuple[int, ...]
) -> tuple[tuple[int, int, int], ...]:
    """The pieces' length profile, each with whether it may hold a break and which of
    ``features`` it counts (as bits above the lowest)."""
    return tuple(
        sorted(
            (
                p.lo,
                p.hi,
                int(p.spans) + 2 * sum(1 << k for k, f in enumerate(features) if p.counts[f]),
            )
            for p in pieces
        )
    )


def _edge(piece: Piece, capacity: int) -> int:
    """The fewest units of the piece that can stand next to another in one run: a piece
    that may be cut by a break can leave as little as one unit on that side."""
    return 1 if _splittable(piece, capacity) else piece.lo


def _splittable(piece: Piece, capacity: int) -> bool:
    """Whether a break can fall inside the piece: it may hold one, is at least two
    units long, and each part can fit between breaks."""
    return piece.spans and piece.hi >= 2 and piece.lo <= 2 * capacity and capacity >= 1


def _cut(
    pieces: tuple[Piece, ...], count: int, precedence: frozenset[tuple[int, int]]
) -> tuple[tuple[Piece, ...], ...] | None:
    """The pieces in a valid order (opening, lessons as ``precedence`` orders them,
    fillers, closing) cut into ``count`` non-empty runs, openings in the first and
    closings in the last; ``None`` when there are too few places to cut."""
    opening = sorted((p for p in pieces if p.role == Role.OPENING), key=lambda p: p.rank)
    closing = sorted((p for p in pieces if p.role == Role.CLOSING), key=lambda p: p.rank)
    lessons = sorted((p for p in pieces if p.role == Role.LESSON), key=lambda p: p.rank)
    ranks = [p.rank for p in lessons]
    ordered: list[Piece] = []
    waiting = list(lessons)
    while waiting:  # a topological order of the lessons, smallest index first
        ready = next(
            p
            for p in waiting
            if not any(
                a in ranks and b == p.rank and any(q.rank == a for q in waiting)
                for a, b in precedence
            )
        )
        waiting.remove(ready)
        ordered.append(ready)
    sequence = [*opening, *ordered, *(p for p in pieces if p.role == Role.FILLER), *closing]
    # a cut may fall after position i when it splits neither the openings nor the closings
    places = [
        i
        for i in range(1, len(sequence))
        if i >= len(opening) and i <= len(sequence) - len(closing)
    ]
    if len(places) < count - 1:
        return None
    cuts = [0, *places[: count - 1], len(sequence)]
    return tuple(tuple(sequence[a:b]) for a, b in itertools.pairwise(cuts))


def _merge(plans: list[Plan]) -> list[tuple[int, int, tuple[Plan, ...]]]:
    """Merge overlapping or touching plan intervals, keeping a few plans of each (those
    that hold every piece whole first, among plans of the same interval)."""
    ordered = sorted(plans, key=lambda p: (p.lo, p.hi, _cut_pieces(p)))
    merged: list[tuple[int, int, list[Plan]]] = []
    for plan in ordered:
        if merged and plan.lo <= merged[-1][1] + 1:
            lo, hi, members = merged[-1]
            if plan.hi > hi:
                members.append(plan)
                merged[-1] = (lo, plan.hi, members)
            elif len(members) < 3:
                members.append(plan)
        else:
            merged.append((plan.lo, plan.hi, [plan]))
    return [(lo, hi, tuple(members)) for lo, hi, members in merged]


def partition(
    pieces: tuple[Piece, ...],
    count: int,
    capacity: int,
    precedence: frozenset[tuple[int, int]],
    need: int,
    want: int,
    tick: Callable[[int], None],
    arranges: Callable[[tuple[tuple[Piece, ...], ...]], bool] | None = None,
) -> tuple[tuple[tuple[Piece, ...], ...], int] | None:
    """Split pieces into ``count`` non-empty runs of at most ``capacity`` service units each
    (opening pieces in the first run, closing in the last, lessons as ``precedence`` orders
    them), reaching the largest total service (capped at ``want``); ``None`` when no split
    reaches ``need``. Iterative depth-first search."""
    n = len(pieces)
    order = sorted(
        range(n),
        key=lambda i: (pieces[i].role == Role.FILLER, -pieces[i].lo, i),
    )
    lesson_at = {
        pieces[i].rank: i for i in range(n) if pieces[i].role == Role.LESSON and not pieces[i].tail
    }
    before: dict[int, list[int]] = {}
    after: dict[int, list[int]] = {}
    for a, b in precedence:
        if a in lesson_at and b in lesson_at:
            before.setdefault(lesson_at[b], []).append(lesson_at[a])
            after.setdefault(lesson_at[a], []).append(lesson_at[b])
    loads = [0] * count
    highs = [0] * count
    sizes = [0] * count
    where = [-1] * n
    # the service a piece can add is at most its own length, and a run holds at most the
    # capacity: these bound what the remaining pieces can still add
    remaining_hi = [0] * (n + 1)
    for pos in range(n - 1, -1, -1):
        remaining_hi[pos] = remaining_hi[pos + 1] + min(capacity, pieces[order[pos]].hi)
    last = count - 1
    enough = min(want, remaining_hi[0], count * capacity)

    def value() -> int:
        return sum(min(capacity, h) for h in highs)

    def choices(pos: int) -> list[int]:
        index = order[pos]
        piece: Piece = pieces[index]
        low_bound, high_bound = 0, last
        if piece.role == Role.OPENING:
            high_bound = 0
        elif piece.role == Role.CLOSING:
            low_bound = last
        elif piece.role == Role.LESSON:
            for other in before.get(index, ()):
                if where[other] >= 0:
                    low_bound = max(low_bound, where[other])
            for other in after.get(index, ()):
                if where[other] >= 0:
                    high_bound = min(high_bound, where[other])
        else:
            # identical fillers are interchangeable: place them in non-decreasing runs
            for before_pos in range(pos):
                earlier = pieces[order[before_pos]]
                if (
                    earlier.role == Role.FILLER
                    and earlier.part == piece.part == 0
                    and (earlier.lo, earlier.hi, earlier.rank) == (piece.lo, piece.hi, piece.rank)
                ):
                    low_bound = max(low_bound, where[order[before_pos]])
        return [r for r in range(low_bound, high_bound + 1) if loads[r] + piece.lo <= capacity]

    best_value = -1
    best: tuple[tuple[Piece, ...], ...] | None = None
    greedy = _greedy(pieces, order, count, capacity, before, tick)
    if greedy is not None and arranges is not None and not arranges(greedy[1]):
        greedy = None
    if greedy is not None:
        best_value, best = greedy
        if best_value >= enough:
            return (best, best_value) if best_value >= need else None
    stop = False

    def enter(pos: int) -> list[Any] | None:
        """A frame for the node at ``pos`` (pieces before it placed), or ``None`` for a
        leaf or a dead end."""
        nonlocal best_value, best, stop
        tick(1)
        if sum(1 for s in sizes if s == 0) > n - pos:
            return None
        if pos == n:
            total = value()
            if total > best_value:
                runs = tuple(
                    tuple(pieces[i] for i in range(n) if where[i] == r) for r in range(count)
                )
                if arranges is not None and not arranges(runs):
                    return None
                best_value = total
                best = runs
            stop = total >= enough
            return None
        if min(count * capacity, value() + remaining_hi[pos]) <= best_value:
            return None
        return [pos, choices(pos), 0]

    stack: list[list[Any]] = []
    root = enter(0)
    if root is not None:
        stack.append(root)
    while stack and not stop:
        frame = stack[-1]
        pos, options, next_index = frame
        index = order[pos]
        piece = pieces[index]
        if next_index > 0:  # undo the previous option of this position
            run = options[next_index - 1]
            loads[run] -= piece.lo
            highs[run] -= piece.hi
            sizes[run] -= 1
            where[index] = -1
        if next_index >= len(options):
            stack.pop()
            continue
        run = options[next_index]
        loads[run] += piece.lo
        highs[run] += piece.hi
        sizes[run] += 1
        where[index] = run
        frame[2] = next_index + 1
        child = enter(pos + 1)
        if child is not None:
            stack.append(child)
    if best is None or best_value < need:
        return None
    return best, best_value


def _greedy(
    pieces: tuple[Piece, ...],
    order: list[int],
    count: int,
    capacity: int,
    before: dict[int, list[int]],
    tick: Callable[[int], None],
) -> tuple[int, tuple[tuple[Piece, ...], ...]] | None:
    """A quick split: each piece (largest first) into the run where it adds the most
    service, runs kept non-empty. Often as good as it gets; the search then stops early.
    ``None`` when it fails to place a piece."""
    n = len(pieces)
    loads = [0] * count
    highs = [0] * count
    sizes = [0] * count
    where = [-1] * n
    # lessons in an order that places each after the lessons it must follow (so its run
    # is never earlier than theirs), smallest rank first among those ready
    waiting = sorted(
        (i for i in range(n) if pieces[i].role == Role.LESSON),
        key=lambda i: (pieces[i].rank, pieces[i].part),
    )
    lessons: list[int] = []
    while waiting:
        ready = next(
            (i for i in waiting if all(j in lessons for j in before.get(i, ()))), waiting[0]
        )
        waiting.remove(ready)
        lessons.append(ready)
    ranked = [i for i in order if pieces[i].role != Role.LESSON]
    sequence = [i for i in ranked if pieces[i].role != Role.FILLER]
    sequence += lessons + [i for i in ranked if pieces[i].role == Role.FILLER]
    for step, index in enumerate(sequence):
        tick(1)
        piece = pieces[index]
        low, high = 0, count - 1
        if piece.role == Role.OPENING:
            high = 0
        elif piece.role == Role.CLOSING:
            low = count - 1
        for other in before.get(index, ()):
            low = max(low, where[other])
        empty = [r for r in range(count) if sizes[r] == 0]
        must_fill = len(empty) >= n - step
        best_run = -1
        best_key: tuple[int, int] | None = None
        for run in range(low, high + 1):
            if loads[run] + piece.lo > capacity or (must_fill and sizes[run] != 0):
                continue
            gain = min(capacity, highs[run] + piece.hi) - min(capacity, highs[run])
            key = (gain, -loads[run])
            if best_key is None or key > best_key:
                best_key, best_run = key, run
        if best_run < 0:
            return None
        loads[best_run] += piece.lo
        highs[best_run] += piece.hi
        sizes[best_run] += 1
        where[index] = best_run
    if any(s == 0 for s in sizes):
        return None
    value = sum(min(capacity, h) for h in highs)
    runs = tuple(tuple(pieces[i] for i in range(n) if where[i] == r) for r in range(count))
    return value, runs


Profiles = dict[
    tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]], tuple[int, tuple[Piece, ...]]
]
Intervals = dict[tuple[tuple[int, ...], int], list[tuple[int, int, tuple[Piece, ...]]]]
SpaceKey = tuple[tuple[int, ...], tuple[int | None, ...], int]
#: The profiles' key: a space key and the features order limits read.
ProfileKey = tuple[tuple[int, ...], tuple[int | None, ...], int, tuple[int, ...]]


class _FillerSpace:
    """The fillers' enumeration for a session shape: classes, their combinations, and the
    merged choices for given caps, per-session maximums and service, each with the work
    it took. Shared (and only ever added to) by the books of sessions that differ only in
    bounds or order limits."""

    def __init__(self, session: SessionModel) -> None:
        self.classes = filler_classes(session)
        self.grow: dict[
            tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, int], ...]],
            tuple[tuple[int, int, int], ...],
        ] = {}
        self.combos: (
            tuple[
                list[
                    list[
                        tuple[
                            int,
                            tuple[int, ...],
                            tuple[Piece, ...],
                            tuple[tuple[int, int, int], ...],
                        ]
                    ]
                ],
                int,
            ]
            | None
        ) = None
        self.profiles: dict[ProfileKey, tuple[Profiles, int]] = {}
        self.intervals: dict[SpaceKey, tuple[Intervals, int]] = {}
        self.lock = threading.Lock()


_SPACES: OrderedDict[tuple[SessionModel, int | None], _FillerSpace] = OrderedDict()
_SPACES_LOCK = threading.Lock()


def _space_for(session: SessionModel, most_fillers: int | None) -> _FillerSpace:
    """The shared filler space of a session shape, whatever its bounds and order limits."""
    key = (session._replace(bounds=(), order=()), most_fillers)
    with _SPACES_LOCK:
        found = _SPACES.get(key)
        if found is None:
            found = _SPACES[key] = _FillerSpace(key[0])
        _SPACES.move_to_end(key)
        while len(_SPACES) > MAX_BOOKS:
            _SPACES.popitem(last=False)
        return found


_BOOKS: OrderedDict[tuple[SessionModel, int | None], MenuBook] = OrderedDict()
_BOOKS_LOCK = threading.Lock()


def book_for(session: SessionModel, most_fillers: int | None = None) -> MenuBook:
    """The shared menu book of a session shape (a small, bounded cache that never changes
    results: only how soon they come)."""
    key = (session, most_fillers)
    with _BOOKS_LOCK:
        book = _BOOKS.get(key)
        if book is not None:
            _BOOKS.move_to_end(key)
            return book
    book = MenuBook(session, most_fillers)
    with _BOOKS_LOCK:
        existing = _BOOKS.setdefault(key, book)
        _BOOKS.move_to_end(key)
        while len(_BOOKS) > MAX_BOOKS:
            _BOOKS.popitem(last=False)
    return existing
