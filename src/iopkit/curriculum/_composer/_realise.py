"""Turning the search's picks into sessions: exact lengths on the grid, activities and
block order."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import attrs

from iopkit._activity import Activity
from iopkit._session import Block, Pause, Session, SessionGroup
from iopkit._types import ActivityKind, Place
from iopkit.curriculum._composer._arrange import arrangement
from iopkit.curriculum._composer._menu import FillerClass, Piece, Role
from iopkit.curriculum._composer._model import Layout, Model, SessionModel
from iopkit.curriculum._composer._search import Pick, Search, WeekState
from iopkit.curriculum._curriculum import Week

# Where kinds of filler sit in a session, earliest first: a calm start, teaching, then
# practice and group process, with individual services around them.
_RANK = {
    ActivityKind.MINDFULNESS: 0,
    ActivityKind.ASSESSMENT: 1,
    ActivityKind.PSYCHOEDUCATION: 2,
    ActivityKind.SKILLS_TRAINING: 3,
    ActivityKind.SKILLS_PRACTICE: 4,
    ActivityKind.ROLE_PLAY: 5,
    ActivityKind.INDIVIDUAL_CHECK_IN: 6,
    ActivityKind.INDIVIDUAL_THERAPY: 6,
    ActivityKind.FAMILY_THERAPY: 6,
    ActivityKind.MEDICATION_MANAGEMENT: 6,
    ActivityKind.PROCESS_GROUP: 7,
    ActivityKind.EXPRESSIVE_THERAPY: 7,
    ActivityKind.PEER_SUPPORT: 8,
}


def spread(total: int, lows: Sequence[int], highs: Sequence[int]) -> list[int]:
    """Values within [low, high] each, summing to ``total``, as even as possible."""
    values = list(lows)
    extra = total - sum(values)
    while extra > 0:
        room = [i for i in range(len(values)) if values[i] < highs[i]]
        if not room:
            break
        share = max(1, extra // len(room))
        for i in room:
            step = min(share, highs[i] - values[i], extra)
            values[i] += step
            extra -= step
            if extra == 0:
                break
    return values


def choose_service(search: Search, picks: Sequence[Pick], layout: Layout) -> list[int]:
    """Service units per sitting of a week: near the preferred length, meeting the weekly
    limits (exact already when sittings are pinned)."""
    if search.model.pinned:
        return [p.lo for p in picks]
    session = search.model.session
    size = session.breaks.size if session.breaks else 0
    mid = (session.wall_lo + session.wall_hi) // 2
    preferred = [min(max(mid - p.choice.breaks * size, p.lo), p.hi) for p in picks]
    breaks = sum(p.choice.breaks * size for p in picks)
    zero = (0,)
    state = WeekState(
        lo=(sum(p.lo for p in picks),),
        hi=(sum(p.hi for p in picks),),
        breaks=(breaks,),
        counts=(zero,),
        long=(zero,),
        lessons=(),
        active=(),
    )
    window = search.service_window(layout, state)
    if window is None:  # pragma: no cover - the search only keeps weeks that have one
        raise RuntimeError("internal error: a week without a service window")
    total = sum(preferred)
    target = min(max(total, window[0]), window[1])
    if target == total:
        return preferred
    if target > total:
        return spread(target, preferred, [p.hi for p in picks])
    lowered = spread(
        sum(p.hi for p in picks) - target,
        [p.hi - v for p, v in zip(picks, preferred, strict=True)],
        [p.hi - p.lo for p in picks],
    )
    return [p.hi - d for p, d in zip(picks, lowered, strict=True)]


#: Most steps the search for the preferred fillers of one session may take.
MAX_FILLER_STEPS = 10_000


class Realiser:
    """Builds concrete sessions, rotating interchangeable activities for variety."""

    def __init__(
        self,
        model: Model,
        classes: tuple[FillerClass, ...],
        seed: int,
        streams: dict[str | None, tuple[FillerClass, ...]] | None = None,
    ) -> None:
        self.model = model
        self.classes = classes
        self.used: Counter[str] = Counter()
        rng = random.Random(seed ^ 0x5EED)
        every = {None: classes, **(streams or {})}
        self.order = {
            (stream, index): sorted(cls.activities, key=lambda a: (rng.random(), a.id))
            for stream, found in every.items()
            for index, cls in enumerate(found)
        }
        #: A seeded tie-break among all fillers, for rotating across classes.
        self.tie = {
            a.id: (rng.random(), a.id)
            for found in every.values()
            for c in found
            for a in c.activities
        }
        #: Per stream, length and counts: the fillers that are interchangeable there.
        self.alike: dict[tuple[str | None, int, tuple[int, ...], bool], tuple[Activity, ...]] = {}
        self.last_session: set[str] = set()

    def weeks(self, search: Search) -> list[Week]:
        """Every week of the curriculum, sessions numbered from 1."""
        result = []
        cursor = 0
        number = 1
        for w, layout in enumerate(search.layouts):
            picks = search.picks[cursor : cursor + len(layout.slots)]
            cursor += len(layout.slots)
            services = choose_service(search, picks, layout)
            sessions: list[Session] = []
            for pick, service in zip(picks, services, strict=True):
                search.tick(8)
                if pick.slot.group is None:
                    sessions.append(self.session(number, pick, service))
                    number += 1
                else:
                    main = sessions[-1]
                    group = self.group(main, pick, service)
                    sessions[-1] = attrs.evolve(main, groups=(*main.groups, group))
            result.append(Week(number=w + 1, sessions=tuple(sessions)))
        return result

    def session(self, number: int, pick: Pick, service: int) -> Session:
        """One concrete session realising ``service`` units."""
        slot = pick.slot
        return Session(
            number=number,
            day=slot.day,
            date=slot.date,
            blocks=self.blocks(pick, service),
            replaces=slot.replaces,
        )

    def group(self, main: Session, pick: Pick, service: int) -> SessionGroup:
        """One group's sitting beside, before or after ``main``."""
        definition = self.model.context.program.group(pick.slot.group or "")
        if definition is None:  # pragma: no cover - slots name the program's groups
            raise RuntimeError(f"internal error: no group {pick.slot.group!r}")
        blocks = self.blocks(pick, service)
        length = blocks[-1].end
        start = {Place.BEFORE: -length, Place.BESIDE: 0, Place.AFTER: main.minutes}
        return SessionGroup(
            name=definition.name,
            place=definition.place,
            start=start[definition.place],
            blocks=blocks,
            room=definition.room,
            label=definition.label,
        )

    def blocks(self, pick: Pick, service: int) -> list[Block]:
        """The blocks of one sitting realising ``service`` units."""
        model = self.model
        session = model.session_for(pick.slot)
        g = model.grid
        plan = pick.choice.plan_for(service)
        ordered = None
        if session.order or any(p.part for run in plan.runs for p in run):
            ordered = arrangement(
                plan.runs, session.order, pick.precedence, key=lambda p: (p.role, p.rank)
            )
            if ordered is None:  # pragma: no cover - menus keep only plans that arrange
                raise RuntimeError("internal error: a session plan that cannot be laid out")
            plan = plan._replace(runs=ordered)
        elif _crosses(plan.runs, pick.precedence):
            # a prerequisite lesson sits in a later run than its follower: put the runs in
            # an order that teaches it first (each run is then laid out as usual)
            runs = arrangement(plan.runs, (), pick.precedence)
            if runs is None:  # pragma: no cover - the menu's runs can always be reordered
                raise RuntimeError("internal error: lessons that cannot be put in order")
            plan = plan._replace(runs=runs)
        capacity = session.breaks.after if session.breaks else 10**6
        run_lows = [sum(p.lo for p in run) for run in plan.runs]
        run_highs = [min(capacity, sum(p.hi for p in run)) for run in plan.runs]
        run_totals = spread(service, run_lows, run_highs)
        lengths = [
            spread(total, [p.lo for p in run], [p.hi for p in run])
            for run, total in zip(plan.runs, run_totals, strict=True)
        ]
        # a piece cut by a break is one block: its filler is chosen once, for its whole
        # length, among the fillers that may hold a break
        whole = {
            p.part: units
            for run, units_of_run in zip(plan.runs, lengths, strict=True)
            for p, units in zip(run, units_of_run, strict=True)
            if p.part
        }
        fillers = self._fillers(
            [
                (piece, units + whole[piece.part + 1] if piece.head else units)
                for run, units_of_run in zip(plan.runs, lengths, strict=True)
                for piece, units in zip(run, units_of_run, strict=True)
                if piece.role == Role.FILLER and not piece.tail
            ],
            pick,
        )
        blocks: list[Block] = []
        start = 0
        brk = session.breaks
        held: tuple[Activity, int, int] | None = None  # a head: activity, units, start
        for index, (run, units_of_run) in enumerate(zip(plan.runs, lengths, strict=True)):
            # a filler's tail takes its head's activity when the block is written below;
            # until then it stands for itself with the break's (never read)
            placed = [
                (
                    self._activity(piece, pick)
                    if piece.role != Role.FILLER
                    else brk.activity
                    if piece.tail and brk is not None
                    else fillers.pop(0),
                    piece,
                    units,
                )
                for piece, units in zip(run, units_of_run, strict=True)
            ]
            laid_out = placed if ordered is not None else arrange(placed, pick.precedence)
            # a run that starts with a tail starts after the break inside its head's block
            if index > 0 and brk is not None and not laid_out[0][1].tail:
                blocks.append(Block.of(brk.activity, start=start * g, minutes=brk.size * g))
                start += brk.size
            for place, (activity, piece, units) in enumerate(laid_out):
                if piece.head:
                    held = (activity, units, start)
                    start += units
                    continue
                pause = None
                shown, first, length = activity, start, units
                if piece.tail:
                    # the head, the break inside the block if the runs part there, then
                    # this tail: one block
                    if held is None or start != held[2] + held[1]:  # pragma: no cover
                        raise RuntimeError("internal error: a block cut out of place")
                    shown, first, length = held[0], held[2], held[1] + units
                    if place == 0 and brk is not None:
                        pause = Pause.of(brk.activity, at=held[1] * g, minutes=brk.size * g)
                        length += brk.size
                        start += brk.size
                    held = None
                lesson = None
                if piece.role == Role.LESSON:
                    t, position = pick.lessons[piece.rank]
                    spec = model.tracks[t]
                    step = spec.lesson(position)
                    lesson = (step.module, step.number, spec.name)
                blocks.append(
                    Block.of(
                        shown,
                        start=first * g,
                        minutes=length * g,
                        module=lesson[0] if lesson else None,
                        lesson=lesson[1] if lesson else None,
                        track=lesson[2] if lesson else None,
                        pause=pause,
                    )
                )
                start += units
        self.last_session = {b.activity for b in blocks}
        return blocks

    def _activity(self, piece: Piece, pick: Pick) -> Activity:
        """The activity of a lesson, opening or closing piece."""
        if piece.role == Role.LESSON:
            t, position = pick.lessons[piece.rank]
            return self.model.tracks[t].activity(position)
        if piece.activity is None:  # pragma: no cover - fillers are chosen by _fillers
            raise RuntimeError("internal error: a filler piece without a chosen activity")
        return piece.activity

    def _fillers(self, pieces: Sequence[tuple[Piece, int]], pick: Pick) -> list[Activity]:
        """An activity for each filler piece (at its length in units), in order.

        Rules see a filler only through the features it counts at its length, so any
        filler of the sitting's pool that counts the same there can take its place, from
        any class: the least used so far is preferred (then one not in the last session,
        then a seeded order), so fillers rotate evenly over the weeks. No activity repeats
        in a session; the piece's own class always has one left, so an assignment exists,
        and a small search finds the preferred one.
        """
        session = self.model.session_for(pick.slot)
        taken: set[str] = {a.id for a in (*session.opening, *session.closing)}
        options = []
        for piece, units in pieces:
            own = self.order[pick.slot.group, piece.rank]
            alike = self._alike(session, pick.slot.group, units, piece.counts, piece.head)
            merged = {a.id: a for a in (*alike, *own)}
            ranked = sorted(
                merged.values(),
                key=lambda a: (self.used[a.id], a.id in self.last_session, self.tie[a.id]),
            )
            options.append(ranked)
        chosen: list[Activity | None] = [None] * len(pieces)
        # the most constrained pieces first; each takes its preferred activity that still
        # leaves the rest an assignment
        order = sorted(range(len(pieces)), key=lambda i: len(options[i]))
        stack: list[int] = [0]  # per level: the next option to try
        steps = 0
        while 0 < len(stack) <= len(order):
            steps += 1
            if steps > MAX_FILLER_STEPS:  # a preference only: fall back to the classes
                return self._by_class(pieces, pick)
            level = len(stack) - 1
            i = order[level]
            previous = chosen[i]
            if previous is not None:  # backtracking into this level: free its choice
                taken.discard(previous.id)
                chosen[i] = None
            k = stack[-1]
            while k < len(options[i]) and session.no_repeat and options[i][k].id in taken:
                k += 1
            if k == len(options[i]):
                stack.pop()
                continue
            stack[-1] = k + 1
            chosen[i] = options[i][k]
            taken.add(options[i][k].id)
            stack.append(0)
        result = [a for a in chosen if a is not None]
        if len(result) != len(pieces):  # pragma: no cover - the pieces' own classes fit
            raise RuntimeError("internal error: fillers that cannot be chosen")
        for activity in result:
            self.used[activity.id] += 1
        return result

    def _by_class(self, pieces: Sequence[tuple[Piece, int]], pick: Pick) -> list[Activity]:
        """Each filler piece from its own class, least used first: always possible (a
        session holds no more pieces of a class than it has activities)."""
        session = self.model.session_for(pick.slot)
        taken: set[str] = {a.id for a in (*session.opening, *session.closing)}
        result = []
        for piece, _ in pieces:
            candidates = [
                a
                for a in self.order[pick.slot.group, piece.rank]
                if not (session.no_repeat and a.id in taken)
            ]
            candidates.sort(key=lambda a: (self.used[a.id], a.id in self.last_session))
            result.append(candidates[0])
            taken.add(candidates[0].id)
        for activity in result:
            self.used[activity.id] += 1
        return result

    def _alike(
        self,
        session: SessionModel,
        stream: str | None,
        units: int,
        counts: tuple[int, ...],
        cut: bool = False,
    ) -> tuple[Activity, ...]:
        """The fillers of a stream's pool (``session``: a sitting of it; its variants differ
        only in bounds) that last ``units`` and count ``counts`` there (and may hold a
        break inside them, when ``cut``)."""
        key = (stream, units, counts, cut)
        found = self.alike.get(key)
        if found is None:
            found = tuple(
                a
                for a in session.pool
                if (a.break_inside or not cut)
                and (span := session.units(a)) is not None
                and span[0] <= units <= span[1]
                and tuple(int(f.counts(a, units)) for f in session.features) == counts
            )
            self.alike[key] = found
        return found


Placed = tuple[Activity, Piece, int]


def _crosses(runs: Sequence[Sequence[Piece]], precedence: frozenset[tuple[int, int]]) -> bool:
    """Whether some lesson comes in an earlier run than a lesson it must follow."""
    where = {p.rank: i for i, run in enumerate(runs) for p in run if p.role == Role.LESSON}
    return any(a in where and b in where and where[a] > where[b] for a, b in precedence)


def arrange(placed: list[Placed], precedence: frozenset[tuple[int, int]]) -> list[Placed]:
    """Order a run: opening first, then fillers by rank with the lessons kept together in
    an order that ``precedence`` allows, closing last."""
    opening = sorted((p for p in placed if p[1].role == Role.OPENING), key=lambda p: p[1].rank)
    closing = sorted((p for p in placed if p[1].role == Role.CLOSING), key=lambda p: p[1].rank)
    lessons = _in_order([p for p in placed if p[1].role == Role.LESSON], precedence)
    fillers = sorted(
        (p for p in placed if p[1].role == Role.FILLER),
        key=lambda p: (_RANK.get(p[0].kind, 5), p[0].id),
    )
    if lessons:
        rank = _RANK.get(lessons[0][0].kind, 3)
        before = [f for f in fillers if _RANK.get(f[0].kind, 5) <= rank]
        after = [f for f in fillers if _RANK.get(f[0].kind, 5) > rank]
        middle = before + lessons + after
    else:
        middle = fillers
    return opening + middle + closing


def _in_order(lessons: list[Placed], precedence: frozenset[tuple[int, int]]) -> list[Placed]:
    """Lessons in a topological order of ``precedence`` (by lesson index), smallest index
    first among those ready."""
    ranks = {p[1].rank for p in lessons}
    edges = [(a, b) for a, b in precedence if a in ranks and b in ranks]
    waiting = {r: sum(1 for _, b in edges if b == r) for r in ranks}
    by_rank = {p[1].rank: p for p in lessons}
    result = []
    while waiting:
        ready = min(r for r, n in waiting.items() if n == 0)
        del waiting[ready]
        result.append(by_rank[ready])
        for a, b in edges:
            if a == ready:
                waiting[b] -= 1
    return result
