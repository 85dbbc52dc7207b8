"""Session menus: every distinct way one session can contribute to the week.

For the lessons a session must hold, the menu lists the achievable combinations of
counted blocks, breaks and service minutes (as an interval), each with a plan that
realises it. Filler activities that no rule tells apart form one class; flexible lengths
are split where a selector's ``min_minutes`` changes what they count as.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence

import attrs

from iopkit._activity import Activity
from iopkit.curriculum._model import Model
from iopkit.curriculum._selector import Selector


@attrs.frozen
class Item:
    """An item of a session plan: a fixed activity or a filler class variant.

    ``pin`` is 1 for opening items (first segment), 2 for closing items (last segment),
    0 otherwise. ``order`` is the item's rank among the session's lessons (or -1).
    """

    lo: int
    hi: int
    counts: tuple[int, ...]
    pin: int
    order: int
    activity: Activity | None  # fixed items (opening, closing, lessons)
    cls: int  # filler class index, or -1


@attrs.frozen
class Plan:
    """A concrete shape: items per segment, realising service minutes in [lo, hi]."""

    segments: tuple[tuple[Item, ...], ...]
    lo: int
    hi: int


@attrs.frozen
class Choice:
    """A menu entry: counted blocks, breaks and a service interval, with its plans."""

    counts: tuple[int, ...]
    breaks: int
    lo: int
    hi: int
    plans: tuple[Plan, ...]

    def plan_for(self, service: int) -> Plan:
        """A plan that realises exactly ``service`` minutes."""
        for plan in self.plans:
            if plan.lo <= service <= plan.hi:
                return plan
        raise ValueError(f"no plan for {service} minutes")  # pragma: no cover - guarded


def _variants(
    activity: Activity, selectors: Sequence[Selector]
) -> list[tuple[int, int, tuple[int, ...]]]:
    lo, hi = activity.minutes.min, activity.minutes.max or activity.minutes.min
    cuts = sorted(
        {
            s.min_minutes
            for s in selectors
            if s.min_minutes is not None
            and lo < s.min_minutes <= hi
            and s.matches_kind(activity.id, activity.kind, activity.modality, activity.format)
        }
    )
    bounds = [lo, *cuts, hi + 1]
    result = []
    for a, b in itertools.pairwise(bounds):
        counts = tuple(
            int(
                s.matches_kind(activity.id, activity.kind, activity.modality, activity.format)
                and (s.min_minutes is None or a >= s.min_minutes)
            )
            for s in selectors
        )
        result.append((a, b - 1, counts))
    return result


@attrs.frozen
class FillerClass:
    """Interchangeable filler activities and their length variants."""

    activities: tuple[Activity, ...]
    variants: tuple[tuple[int, int, tuple[int, ...]], ...]


def filler_classes(model: Model) -> tuple[FillerClass, ...]:
    """Group the model's filler pool into classes no rule tells apart."""
    selectors = model.all_selectors
    groups: dict[tuple[object, ...], list[Activity]] = {}
    for activity in model.pool:
        variants = tuple(_variants(activity, selectors))
        groups.setdefault((variants,), []).append(activity)
    return tuple(
        FillerClass(tuple(acts), key[0])  # type: ignore[arg-type]
        for key, acts in sorted(groups.items(), key=lambda kv: kv[1][0].id)
    )


class MenuMaker:
    """Computes (and caches) the menu of a session for a given list of lessons."""

    def __init__(
        self,
        model: Model,
        classes: tuple[FillerClass, ...],
        tick: Callable[[], None] = lambda: None,
        most_fillers: int | None = None,
    ) -> None:
        """``most_fillers`` restricts sessions to that many filler blocks: a smaller space
        where a quick search can find a witness (never used to conclude infeasibility)."""
        self.tick = tick
        self.most_fillers = most_fillers
        self.model = model
        self.classes = classes
        self.selectors = model.all_selectors
        self.n_counted = len(model.counted)
        self.cache: dict[tuple[object, ...], tuple[Choice, ...]] = {}
        self.packings: dict[tuple[object, ...], tuple[tuple[int, ...], int] | None] = {}
        self.fixed_open = tuple(self._fixed(a, 1, -1) for a in model.opening)
        self.fixed_close = tuple(self._fixed(a, 2, -1) for a in model.closing)
        self.combos = self._class_combos()

    def _fixed(self, activity: Activity, pin: int, order: int) -> list[Item]:
        return [
            Item(lo, hi, counts, pin, order, activity, -1)
            for lo, hi, counts in _variants(activity, self.selectors)
        ]

    def menu(
        self, lessons: Sequence[Activity], precedence: frozenset[tuple[int, int]]
    ) -> tuple[Choice, ...]:
        """The menu for a session holding ``lessons`` (in the given order constraints)."""
        # lessons that no rule tells apart share a menu: the plan keeps their order only
        key = (tuple(tuple(_variants(a, self.selectors)) for a in lessons), precedence)
        found = self.cache.get(key)
        if found is None:
            found = self._compute(lessons, precedence)
            self.cache[key] = found
        return found

    # -- enumeration -------------------------------------------------------------------

    def _compute(
        self, lessons: Sequence[Activity], precedence: frozenset[tuple[int, int]]
    ) -> tuple[Choice, ...]:
        fixed_options = [
            *self.fixed_open,
            *(self._fixed(a, 0, i) for i, a in enumerate(lessons)),
            *self.fixed_close,
        ]
        entries: dict[tuple[tuple[int, ...], int], list[Plan]] = {}
        for fixed in itertools.product(*fixed_options):
            base_counts = tuple(sum(i.counts[j] for i in fixed) for j in range(len(self.selectors)))
            for fillers in self._fillers(sum(i.lo for i in fixed), base_counts):
                items = (*fixed, *fillers)
                totals = (
                    tuple(sum(c) for c in zip(*(i.counts for i in items), strict=True))
                    if items
                    else ()
                )
                if not self._session_ok(totals):
                    continue
                counts = totals[: self.n_counted]
                for breaks, plan in self._plans(items, precedence):
                    entries.setdefault((counts, breaks), []).append(plan)
        choices = []
        for (counts, breaks), plans in sorted(entries.items()):
            for lo, hi, members in _merge(plans):
                choices.append(Choice(counts, breaks, lo, hi, members))
        return tuple(choices)

    def _session_ok(self, totals: tuple[int, ...]) -> bool:
        for index, rule in enumerate(self.model.session_reqs, start=self.n_counted):
            req = rule.requirement
            value = totals[index] if totals else 0
            if value < req.min or (req.max is not None and value > req.max):
                return False
        return True

    def _service_cap(self, low: int) -> int:
        """The most service minutes a session may hold, given its lowest service."""
        model = self.model
        if model.break_after is None:
            return model.wall_max
        needed = max(0, math.ceil(low / model.break_after) - 1)
        return model.wall_max - needed * model.break_minutes

    def _class_combos(self) -> list[list[tuple[int, tuple[int, ...], tuple[Item, ...]]]]:
        """For each class, every choice of its members: (low, counts, items)."""
        result = []
        width = len(self.selectors)
        for index, cls in enumerate(self.classes):
            combos = []
            for k in range(len(cls.activities) + 1):
                for combo in itertools.combinations_with_replacement(range(len(cls.variants)), k):
                    items = tuple(
                        Item(
                            cls.variants[v][0],
                            cls.variants[v][1],
                            cls.variants[v][2],
                            0,
                            -1,
                            None,
                            index,
                        )
                        for v in combo
                    )
                    counts = tuple(sum(i.counts[j] for i in items) for j in range(width))
                    combos.append((sum(i.lo for i in items), counts, items))
            combos.sort(key=lambda c: c[0])
            result.append(combos)
        return result

    def _fillers(self, base: int, base_counts: tuple[int, ...]) -> Iterator[tuple[Item, ...]]:
        combos = self.combos
        caps = [
            (i, r.requirement.max)
            for i, r in enumerate(self.model.session_reqs, start=self.n_counted)
            if r.requirement.max is not None
        ]
        width = len(self.selectors)

        most = self.most_fillers

        def rec(
            index: int, chosen: tuple[Item, ...], low: int, counts: list[int]
        ) -> Iterator[tuple[Item, ...]]:
            if index == len(combos):
                self.tick()
                yield chosen
                return
            for extra_low, extra_counts, items in combos[index]:
                if most is not None and len(chosen) + len(items) > most:
                    continue
                new_low = low + extra_low
                if new_low > self._service_cap(new_low):
                    break  # combos are sorted by their low: the rest are longer still
                if any(counts[pos] + extra_counts[pos] > cap for pos, cap in caps):
                    continue
                new_counts = [counts[j] + extra_counts[j] for j in range(width)]
                yield from rec(index + 1, chosen + items, new_low, new_counts)

        yield from rec(0, (), base, list(base_counts))

    def _plans(
        self, items: tuple[Item, ...], precedence: frozenset[tuple[int, int]]
    ) -> Iterator[tuple[int, Plan]]:
        model = self.model
        low = sum(i.lo for i in items)
        high = sum(i.hi for i in items)
        if not items:
            return
        if model.break_after is None:
            lo, hi = max(low, model.wall_min), min(high, model.wall_max)
            if lo <= hi:
                yield 0, Plan((items,), lo, hi)
            return
        size = model.break_minutes
        first = max(0, math.ceil(low / model.break_after) - 1)
        for breaks in range(first, len(items)):
            window_lo = max(low, model.wall_min - breaks * size)
            window_hi = model.wall_max - breaks * size
            if window_lo > window_hi or low > window_hi:
                if low > window_hi:
                    break
                continue
            found = self._packed(items, breaks + 1, precedence, window_lo, window_hi)
            if found is not None:
                segments, top = found
                yield breaks, Plan(segments, window_lo, min(top, window_hi))

    def _packed(
        self,
        items: tuple[Item, ...],
        count: int,
        precedence: frozenset[tuple[int, int]],
        need: int,
        want: int,
    ) -> tuple[tuple[tuple[Item, ...], ...], int] | None:
        """:func:`_partition`, cached: items alike in length, pin and order pack alike."""
        order = sorted(
            range(len(items)),
            key=lambda i: (items[i].lo, items[i].hi, items[i].pin, items[i].order),
        )
        shape = tuple((items[i].lo, items[i].hi, items[i].pin, items[i].order) for i in order)
        key = (shape, count, precedence, need, want)
        if key not in self.packings:
            canonical = tuple(items[i] for i in order)
            found = _partition(
                canonical, count, self.model.break_after or 0, precedence, need, want, self.tick
            )
            if found is None:
                self.packings[key] = None
            else:
                where = {id(item): s for s, seg in enumerate(found[0]) for item in seg}
                self.packings[key] = (tuple(where[id(item)] for item in canonical), found[1])
        cached = self.packings[key]
        if cached is None:
            return None
        placement, top = cached
        segments: list[list[Item]] = [[] for _ in range(count)]
        for position, index in enumerate(order):
            segments[placement[position]].append(items[index])
        return tuple(tuple(seg) for seg in segments), top


def _merge(plans: list[Plan]) -> list[tuple[int, int, tuple[Plan, ...]]]:
    """Merge overlapping or touching plan intervals, keeping the plans of each."""
    ordered = sorted(plans, key=lambda p: (p.lo, p.hi))
    merged: list[tuple[int, int, list[Plan]]] = []
    for plan in ordered:
        if merged and plan.lo <= merged[-1][1] + 1:
            lo, hi, members = merged[-1]
            if plan.hi > hi:
                members.append(plan)
                merged[-1] = (lo, plan.hi, members)
            elif not members or len(members) < 3:
                members.append(plan)
        else:
            merged.append((plan.lo, plan.hi, [plan]))
    return [(lo, hi, tuple(members)) for lo, hi, members in merged]


def _partition(
    items: tuple[Item, ...],
    count: int,
    capacity: int,
    precedence: frozenset[tuple[int, int]],
    need: int,
    want: int,
    tick: Callable[[], None],
) -> tuple[tuple[tuple[Item, ...], ...], int] | None:
    """Split items into ``count`` non-empty ordered segments of at most ``capacity``
    service minutes each (opening pinned first, closing last, lessons in order), with the
    largest reachable total (capped at ``want``); ``None`` when no split reaches ``need``.
    """
    order = sorted(
        range(len(items)),
        key=lambda i: (items[i].pin == 0 and items[i].order < 0, -items[i].lo, i),
    )
    loads = [0] * count
    highs = [0] * count
    sizes = [0] * count
    where = [-1] * len(items)
    best: list[object] = [None, -1]
    remaining_hi = [0] * (len(order) + 1)
    for pos in range(len(order) - 1, -1, -1):
        remaining_hi[pos] = remaining_hi[pos + 1] + items[order[pos]].hi
    last = count - 1
    # no split can do better than this: stop at the first one that reaches it
    enough = min(want, remaining_hi[0], count * capacity)

    def value() -> int:
        return sum(min(capacity, h) for h in highs)

    def rec(pos: int) -> bool:
        tick()
        empty = sum(1 for s in sizes if s == 0)
        if empty > len(order) - pos:
            return False
        if pos == len(order):
            total = value()
            if total > best[1]:  # type: ignore[operator]
                best[1] = total
                best[0] = tuple(
                    tuple(
                        items[i]
                        for i in sorted(range(len(items)), key=lambda i: i)
                        if where[i] == s
                    )
                    for s in range(count)
                )
            return total >= enough
        if value() + remaining_hi[pos] <= best[1]:  # type: ignore[operator]
            return False
        index = order[pos]
        item = items[index]
        if item.pin == 1:
            choices: Sequence[int] = (0,)
        elif item.pin == 2:
            choices = (last,)
        else:
            low_bound = 0
            high_bound = last
            if item.order >= 0:
                for a, b in precedence:
                    other = -1
                    if b == item.order:
                        other = next((i for i, it in enumerate(items) if it.order == a), -1)
                        if other >= 0 and where[other] >= 0:
                            low_bound = max(low_bound, where[other])
                    if a == item.order:
                        other = next((i for i, it in enumerate(items) if it.order == b), -1)
                        if other >= 0 and where[other] >= 0:
                            high_bound = min(high_bound, where[other])
            choices = range(low_bound, high_bound + 1)
            if item.order < 0 and item.cls >= 0:
                # identical fillers are interchangeable: place them in non-decreasing segments
                prev = [
                    where[order[p]]
                    for p in range(pos)
                    if items[order[p]].cls == item.cls
                    and (items[order[p]].lo, items[order[p]].hi) == (item.lo, item.hi)
                ]
                if prev:
                    choices = range(max(low_bound, *prev), high_bound + 1)
        for seg in choices:
            if loads[seg] + item.lo > capacity:
                continue
            loads[seg] += item.lo
            highs[seg] += item.hi
            sizes[seg] += 1
            where[index] = seg
            if rec(pos + 1):
                return True
            loads[seg] -= item.lo
            highs[seg] -= item.hi
            sizes[seg] -= 1
            where[index] = -1
        return False

    rec(0)
    if best[0] is None or best[1] < need:  # type: ignore[operator]
        return None
    return best[0], best[1]  # type: ignore[return-value]
