"""An exact, independent model of a program for Google OR-Tools CP-SAT.

It shares nothing with the composer except the loaded program and catalog: it reads the
limits straight from the :class:`~iopkit.curriculum.Program` and states them as
constraints, so that the composer's "feasible / infeasible" answers can be checked.
Each session is a set of used activities, each in one of the segments that breaks
separate; segment order gives block order (inside a segment any order is possible).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ortools.sat.python import cp_model

from iopkit import Block, Catalog, Pause, Place, Session, SessionGroup, Weekday
from iopkit.curriculum import Count, Curriculum, Per, Program, Track, Week
from iopkit.curriculum import profiles as builtin_profiles
from iopkit.curriculum._program import Every, Group, PatientWeeks


def _selected(sel, activity, lesson=None, track=None) -> bool:  # type: ignore[no-untyped-def]
    """Whether a selector counts an activity (length aside); ``lesson`` is the (module,
    number) and ``track`` the track of a lesson, None for other activities."""
    if getattr(sel, "module", None) is not None:  # the lessons of a module
        return lesson is not None and lesson[0] == sel.module
    if getattr(sel, "track", None) is not None:  # the lessons a track teaches
        return track is not None and track == sel.track
    if sel.activity is not None:
        return activity.id == sel.activity
    if sel.kind is not None:
        return activity.kind in sel.kind
    if sel.modality is not None:
        return activity.modality == sel.modality
    return activity.format == sel.format


def feasible(
    program: Program, catalog: Catalog, seconds: float = 60.0, *, planned: bool = False
) -> bool:
    """Whether some curriculum meets every limit of ``program`` and of its profiles.

    A closed cohort without groups, phases, profiles or selectors of lessons is decided by
    the model below, exactly as in version 0.1 (it states no profile; with make-up days or
    rolling_admission it is used whatever the program has); any other program by
    :func:`_open_feasible`, which states the limits per patient as
    ``docs/explanation/open-enrolment.md`` reads.
    With ``planned``, the open model adds the simplifications that page documents for the
    composer ("How the composer plans for every patient"), which make it stricter than the
    rules: the answer is then the one the composer must give.
    """
    if _is_open(program, catalog):
        return _open_feasible(program, catalog, seconds, planned=planned)
    if any(_lesson_selector(r.selector) for r in program.require):
        raise NotImplementedError(
            "the version 0.1 model does not count lessons by module or track: "
            "with make-up days or rolling_admission, such a selector is not modelled"
        )
    if _spanning(program, catalog):
        raise NotImplementedError(
            "the version 0.1 model has no breaks inside activities: with make-up days or "
            "rolling_admission, break_inside is not modelled"
        )
    if _designed(program):
        raise NotImplementedError(
            "the version 0.1 model has no order inside sessions and no requirements on "
            "given days, weeks or sessions: with make-up days or rolling_admission, these "
            "are not modelled"
        )
    m = cp_model.CpModel()
    shape = program.session
    grid = shape.grid
    wall_lo, wall_hi = shape.minutes.min, shape.minutes.max
    brk = shape.breaks
    opening = [catalog.activity(a) for a in shape.opening]
    closing = [catalog.activity(a) for a in shape.closing]
    fixed_ids = set(shape.opening) | set(shape.closing)
    pool = [
        a
        for a in catalog.activities
        if not a.is_break and a.id not in fixed_ids and (shape.fill is None or a.id in shape.fill)
    ]

    # calendar -------------------------------------------------------------------------
    # slots: (week, day, present literal or True, {closed day: literal "replaces it"})
    # the k-th make-up session used in a week replaces the k-th closed session, in day order
    slots = []
    closures = set(program.closures)
    start_wd = program.start.weekday() if program.start else 0

    def rank(day):  # type: ignore[no-untyped-def]
        return (Weekday(day).position - start_wd) % 7

    for week in range(1, program.weeks + 1):
        first = program.start + dt.timedelta(weeks=week - 1) if program.start else None

        def date_of(day, first=first):  # type: ignore[no-untyped-def]
            if first is None:
                return None
            return first + dt.timedelta(days=(Weekday(day).position - first.weekday()) % 7)

        closed_days = []
        for day in sorted(program.days, key=rank):
            if date_of(day) in closures:
                closed_days.append(Weekday(day))
            else:
                slots.append((week, Weekday(day), True, {}))
        used = []
        for day in sorted(program.makeup_days, key=rank):
            if day not in program.days and date_of(day) not in closures:
                lit = m.NewBoolVar(f"makeup{week}{day}")
                position = sum(used)  # how many make-up sessions come before this one
                replaces = {}
                for k, closed in enumerate(closed_days):
                    b = m.NewBoolVar(f"replaces{week}{day}{closed}")
                    at_k = m.NewBoolVar(f"rank{week}{day}{k}")
                    m.Add(position == k).OnlyEnforceIf(at_k)
                    m.Add(position != k).OnlyEnforceIf(at_k.Not())
                    m.AddBoolAnd([lit, at_k]).OnlyEnforceIf(b)
                    m.AddBoolOr([lit.Not(), at_k.Not()]).OnlyEnforceIf(b.Not())
                    replaces[closed] = b
                used.append(lit)
                slots.append((week, Weekday(day), lit, replaces))
        m.Add(sum(used) <= len(closed_days))
    slots.sort(key=lambda s: (s[0], rank(s[1])))
    S = len(slots)

    def present(s):  # type: ignore[no-untyped-def]
        return slots[s][2]

    # tracks ---------------------------------------------------------------------------
    tracks = []
    for track in program.tracks:
        seq = [
            (mid, n + 1, les)
            for mid in track.modules
            for n, les in enumerate(catalog.module(mid).lessons)
        ]
        cycles = track.repeat or (program.rolling_admission is not None and track.core)
        first, last = program.track_window(track)
        # a literal that is true when the track may place lessons in the slot (a make-up
        # session counts as the closed day it replaces)
        active = []
        for s in range(S):
            week, day, held, replaces = slots[s]
            if not first <= week <= last:
                active.append(False)
            elif track.days is None:
                # a make-up session is there only when it is used
                active.append(held)
            elif replaces:
                lits = [b for closed, b in replaces.items() if closed in track.days]
                if lits:
                    on = m.NewBoolVar("active")
                    m.AddBoolOr(lits).OnlyEnforceIf(on)
                    m.AddBoolAnd([b.Not() for b in lits]).OnlyEnforceIf(on.Not())
                    active.append(on)
                else:
                    active.append(False)
            else:
                active.append(day in track.days)
        # without a per-session maximum, a session holds as many lessons as fit in it; and
        # never more than the track's distinct lessons, as no activity is in a session twice
        # (a bound that keeps relaxed programs, 1440-minute sessions of 1-minute lessons,
        # a model of reasonable size)
        shortest = min(les.minutes.min for _, _, les in seq)
        per_max = (
            track.per_session.max
            if track.per_session.max is not None
            else max(1, wall_hi // shortest)
        )
        per_max = min(per_max, len({les.id for _, _, les in seq}))
        room = sum(1 for a in active if a is not False) * per_max
        q_max = room if cycles else min(room, len(seq))
        tracks.append((track, seq, cycles, active, per_max, q_max))

    max_items = len(opening) + len(closing) + len(pool) + sum(t[4] for t in tracks)
    if brk is not None:
        nb_max = max(0, min(max_items - 1, wall_hi // brk.minutes))
    else:
        nb_max = 0

    # per-session items ------------------------------------------------------------------
    # item: (activity, used literal, length var, segment literals, tag)
    items = [[] for _ in range(S)]
    nb = []
    z = {}
    for s in range(S):
        p = present(s)
        b = m.NewIntVar(0, nb_max, f"nb{s}")
        nb.append(b)
        if p is not True:
            m.Add(b == 0).OnlyEnforceIf(p.Not())

        if brk is not None and brk.minutes % grid:
            m.Add(b == 0)  # a break off the time grid cannot be placed

        def item(activity, used, tag, s=s, b=b):  # type: ignore[no-untyped-def]
            lo, hi = activity.minutes.min, activity.minutes.max
            # every length is a whole number of grid steps
            steps = m.NewIntVar(0, hi // grid, f"U{s}{tag}")
            length = m.NewIntVar(0, hi, f"L{s}{tag}")
            m.Add(length == grid * steps)
            if -(-lo // grid) > hi // grid:  # no length of the activity is on the grid
                if used is True:
                    m.Add(length < 0)  # infeasible
                else:
                    m.Add(used == 0)
            m.Add(length >= lo).OnlyEnforceIf(used)
            if used is not True:
                m.Add(length == 0).OnlyEnforceIf(used.Not())
            segs = [m.NewBoolVar(f"g{s}{tag}{k}") for k in range(nb_max + 1)]
            if used is True:
                m.AddExactlyOne(segs)
            else:
                m.Add(sum(segs) == used)
            for k, lit in enumerate(segs):
                m.Add(b >= k).OnlyEnforceIf(lit)
            seg = m.NewIntVar(0, nb_max, f"seg{s}{tag}")
            m.Add(seg == sum(k * lit for k, lit in enumerate(segs)))
            items[s].append((activity, used, length, segs, tag, seg))
            return items[s][-1]

        for i, a in enumerate(opening):
            it = item(a, p, f"o{i}")
            m.Add(it[5] == 0)
        for i, a in enumerate(closing):
            it = item(a, p, f"c{i}")
            m.Add(it[5] == b).OnlyEnforceIf(p) if p is not True else m.Add(it[5] == b)
        for a in pool:
            used = m.NewBoolVar(f"u{s}{a.id}")
            if p is not True:
                m.AddImplication(used, p)
            item(a, used, f"f{a.id}")
        for t, (_, seq, _, active, _, q_max) in enumerate(tracks):
            for q in range(q_max):
                lit = m.NewBoolVar(f"z{t}_{q}_{s}")
                if active[s] is False:
                    m.Add(lit == 0)
                elif active[s] is not True:
                    m.AddImplication(lit, active[s])
                if p is not True:
                    m.AddImplication(lit, p)
                z[(t, q, s)] = item(catalog.activity(seq[q % len(seq)][2].id), lit, f"t{t}q{q}")

        # segments: every segment up to nb is non-empty and holds at most `after` minutes
        for k in range(nb_max + 1):
            in_k = [it[3][k] for it in items[s]]
            ge = m.NewBoolVar(f"ge{s}{k}")
            m.Add(b >= k).OnlyEnforceIf(ge)
            m.Add(b < k).OnlyEnforceIf(ge.Not())
            if p is True:
                on = ge
            else:  # a segment exists only in a session that takes place
                on = m.NewBoolVar(f"on{s}{k}")
                m.AddBoolAnd([ge, p]).OnlyEnforceIf(on)
                m.AddBoolOr([ge.Not(), p.Not()]).OnlyEnforceIf(on.Not())
            m.Add(sum(in_k) >= 1).OnlyEnforceIf(on)
            if brk is not None:
                parts = []
                for it in items[s]:
                    part = m.NewIntVar(0, it[0].minutes.max, f"pl{s}{it[4]}{k}")
                    m.Add(part == it[2]).OnlyEnforceIf(it[3][k])
                    m.Add(part == 0).OnlyEnforceIf(it[3][k].Not())
                    parts.append(part)
                m.Add(sum(parts) <= brk.after)
        service = sum(it[2] for it in items[s])
        pause = brk.minutes if brk is not None else 0
        if p is True:
            m.Add(service + pause * b >= wall_lo)
            m.Add(service + pause * b <= wall_hi)
        else:
            m.Add(service + pause * b >= wall_lo).OnlyEnforceIf(p)
            m.Add(service + pause * b <= wall_hi)
        # no activity twice in a session (lessons included)
        by_id = {}
        for it in items[s]:
            if it[4].startswith("t"):
                by_id.setdefault(it[0].id, []).append(it[1])
        for lits in by_id.values():
            m.Add(sum(lits) <= 1)

    def service_of(s):  # type: ignore[no-untyped-def]
        return sum(it[2] for it in items[s])

    # weekly minutes ---------------------------------------------------------------------
    wm = program.weekly_minutes
    for week in range(1, program.weeks + 1):
        ss = [s for s in range(S) if slots[s][0] == week]
        total = sum(service_of(s) for s in ss)
        if wm.count.value == "wall" and brk is not None:
            total = total + sum(brk.minutes * nb[s] for s in ss)
        m.Add(total >= wm.min)
        if wm.max is not None:
            m.Add(total <= wm.max)

    # requirements -------------------------------------------------------------------------
    def counted(s, sel):  # type: ignore[no-untyped-def]
        lits = []
        for it in items[s]:
            if not _selected(sel, it[0]):
                continue
            if sel.min_minutes is None:
                lits.append(it[1])
                continue
            c = m.NewBoolVar("cnt")
            used = it[1]
            if used is True:
                m.Add(it[2] >= sel.min_minutes).OnlyEnforceIf(c)
                m.Add(it[2] < sel.min_minutes).OnlyEnforceIf(c.Not())
            else:
                m.AddImplication(c, used)
                m.Add(it[2] >= sel.min_minutes).OnlyEnforceIf(c)
                m.Add(it[2] < sel.min_minutes).OnlyEnforceIf([c.Not(), used])
            lits.append(c)
        return lits

    for req in program.require:
        groups = []
        if req.per is Per.SESSION:
            groups = [([s], present(s)) for s in range(S)]
        elif req.per is Per.WEEK:
            groups = [
                ([s for s in range(S) if slots[s][0] == w], True)
                for w in range(1, program.weeks + 1)
            ]
        else:
            groups = [(list(range(S)), True)]
        for ss, cond in groups:
            total = sum(sum(counted(s, req.selector)) for s in ss)
            if cond is True:
                m.Add(total >= req.min)
            else:
                m.Add(total >= req.min).OnlyEnforceIf(cond)
            if req.max is not None:
                m.Add(total <= req.max)

    # tracks ---------------------------------------------------------------------------------
    placed = {}
    sess_of = {}
    seg_of = {}
    for t, (track, seq, cycles, active, per_max, q_max) in enumerate(tracks):
        for q in range(q_max):
            lits = [z[(t, q, s)][1] for s in range(S)]
            pl = m.NewBoolVar(f"placed{t}_{q}")
            m.Add(sum(lits) == pl)
            placed[(t, q)] = pl
            si = m.NewIntVar(0, S, f"sess{t}_{q}")
            m.Add(si == sum(s * lit for s, lit in enumerate(lits)))
            sess_of[(t, q)] = si
            sg = m.NewIntVar(0, nb_max, f"segof{t}_{q}")
            for s in range(S):
                m.Add(sg == z[(t, q, s)][5]).OnlyEnforceIf(z[(t, q, s)][1])
            seg_of[(t, q)] = sg
            if q > 0:
                m.AddImplication(pl, placed[(t, q - 1)])
                m.Add(sess_of[(t, q - 1)] <= si).OnlyEnforceIf(pl)
                same = m.NewBoolVar("same")
                m.Add(sess_of[(t, q - 1)] == si).OnlyEnforceIf(same)
                m.Add(sess_of[(t, q - 1)] != si).OnlyEnforceIf(same.Not())
                m.Add(seg_of[(t, q - 1)] <= sg).OnlyEnforceIf([pl, same])
        # per session, per week
        before = 0
        for week in range(1, program.weeks + 1):
            ss = [s for s in range(S) if slots[s][0] == week]
            in_week = sum(z[(t, q, s)][1] for q in range(q_max) for s in ss)
            if track.per_week.max is not None:
                m.Add(in_week <= track.per_week.max)
            week_lits = [active[s] for s in ss if active[s] is not False]
            if week_lits and track.per_week.min:
                if any(a is True for a in week_lits):
                    week_on = True
                else:
                    week_on = m.NewBoolVar("week-active")
                    m.AddBoolOr(week_lits).OnlyEnforceIf(week_on)
                    m.AddBoolAnd([a.Not() for a in week_lits]).OnlyEnforceIf(week_on.Not())
                if cycles:
                    floor = track.per_week.min
                else:
                    floor = m.NewIntVar(0, track.per_week.min, "floor")
                    m.AddMinEquality(floor, [track.per_week.min, len(seq) - before])
                if week_on is True:
                    m.Add(in_week >= floor)
                else:
                    m.Add(in_week >= floor).OnlyEnforceIf(week_on)
            before = before + in_week
        for s in range(S):
            m.Add(sum(z[(t, q, s)][1] for q in range(q_max)) <= per_max)
        # per-session minimum: in each session where the track may teach, at least
        # per_session.min lessons while that many remain (all the rest, when fewer do)
        low = track.per_session.min
        if low:
            before_s: Any = 0
            for s in range(S):
                here = sum(z[(t, q, s)][1] for q in range(q_max))
                if active[s] is not False:
                    if cycles:
                        need: Any = low
                    else:
                        need = m.NewIntVar(0, low, "session-floor")
                        m.AddMinEquality(need, [low, len(seq) - before_s])
                    if active[s] is True:
                        m.Add(here >= need)
                    else:
                        m.Add(here >= need).OnlyEnforceIf(active[s])
                before_s = before_s + here
        if track.core:
            if q_max < len(seq):
                return False
            m.Add(placed[(t, len(seq) - 1)] == 1)

    # prerequisites ----------------------------------------------------------------------------
    for t, (_, seq, _, _, _, q_max) in enumerate(tracks):
        for q in range(q_max):
            mid, number, _ = seq[q % len(seq)]
            if number != 1:
                continue
            for req_mod in catalog.module(mid).requires:
                last = len(catalog.module(req_mod).lessons)
                options = []
                for t2, (_, seq2, _, _, _, q2max) in enumerate(tracks):
                    for q2 in range(q2max):
                        if seq2[q2 % len(seq2)][:2] != (req_mod, last):
                            continue
                        if t2 == t and q2 > q:
                            # later in the same track: delivered after it (lesson order
                            # holds inside a session too), so it can never come first
                            continue
                        ok = m.NewBoolVar("pre")
                        m.AddImplication(ok, placed[(t2, q2)])
                        earlier = m.NewBoolVar("earlier")
                        m.Add(sess_of[(t2, q2)] < sess_of[(t, q)]).OnlyEnforceIf(earlier)
                        m.Add(sess_of[(t2, q2)] >= sess_of[(t, q)]).OnlyEnforceIf(earlier.Not())
                        same = m.NewBoolVar("samepre")
                        m.Add(sess_of[(t2, q2)] == sess_of[(t, q)]).OnlyEnforceIf(same)
                        m.Add(seg_of[(t2, q2)] <= seg_of[(t, q)]).OnlyEnforceIf(same)
                        m.AddBoolOr([earlier, same]).OnlyEnforceIf(ok)
                        options.append(ok)
                if not options:
                    m.Add(placed[(t, q)] == 0)
                else:
                    m.AddBoolOr(options).OnlyEnforceIf(placed[(t, q)])

    # rolling admission ---------------------------------------------------------------------------
    if program.rolling_admission is not None:
        stay = program.rolling_admission.stay_weeks
        core = [t for t, tr in enumerate(tracks) if tr[0].core]
        needed = {(mid, n) for t in core for mid, n, _ in tracks[t][1]}
        for first in range(1, program.weeks - stay + 2):
            window = [s for s in range(S) if first <= slots[s][0] < first + stay]
            for lesson in needed:
                lits = [
                    z[(t, q, s)][1]
                    for t in core
                    for q in range(tracks[t][5])
                    if tracks[t][1][q % len(tracks[t][1])][:2] == lesson
                    for s in window
                ]
                m.AddBoolOr(lits or [m.NewConstant(0)])

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.Solve(m)
    if status == cp_model.UNKNOWN:
        raise TimeoutError("CP-SAT did not decide in time")
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


# -- open enrolment ---------------------------------------------------------------------
#
# The model below reads docs/explanation/open-enrolment.md and nothing of the composer or
# of the rules. Sittings (the main blocks of a session, or one group's sitting) are built
# as sessions are above; every patient (admission point x stay length) is a fixed list of
# sittings week by week, so the per-patient limits are sums over fixed sets of sittings.
# Where the page leaves a choice open, a comment starting "Reading:" says which one is made.


def _is_open(program: Program, catalog: Catalog | None = None) -> bool:
    """Whether the program uses anything the version 0.1 model below does not state:
    admission, groups, phases, profiles or selectors of lessons (by module or track).
    The open model states all of them (and a closed cohort too), but not make-up days or
    rolling_admission."""
    simple = not program.makeup_days and program.rolling_admission is None
    return (
        (simple and catalog is not None and _spanning(program, catalog))
        or program.admission is not None
        or bool(program.groups)
        or any(r.patient_weeks is not None for r in program.require)
        or (simple and bool(program.profiles))
        or (simple and any(_lesson_selector(r.selector) for r in program.require))
        or (simple and _designed(program))
    )


def _spanning(program: Program, catalog: Catalog) -> bool:
    """Whether a break could fall inside some activity of the catalog (the 0.1 model
    below does not state that)."""
    if program.session.breaks is None:
        return False
    lessons = (les for mod in catalog.modules for les in mod.lessons)
    return any(a.break_inside for a in (*catalog.activities, *lessons))


def _designed(program: Program) -> bool:
    """Whether the program shapes its sessions: order entries, or requirements counted
    only on some days, in some weeks or in the first or last session of a week."""
    return bool(program.session.order) or any(r.narrowed for r in program.require)


def _lesson_selector(sel: Any) -> bool:
    return getattr(sel, "module", None) is not None or getattr(sel, "track", None) is not None


def _profiles(program: Program) -> list[Any]:
    """The program's compliance profiles: those it carries, else the built-in ones."""
    carried = dict(program.profile_definitions)
    found = []
    for name in program.profiles:
        if name not in carried:
            carried.update((p.id, p) for p in builtin_profiles() if p.id not in carried)
        found.append(carried[name])
    return found


def _span_weeks(span: PatientWeeks, stay: int) -> set[int]:
    """The patient weeks of one span of a phase for a stay of ``stay`` weeks, from the
    table in the page (written again here, so that ``PatientWeeks.weeks`` is checked)."""
    if span.from_end:  # counted back from the last week, which is week 1 from the end
        first = 1 if span.to is None else stay - span.to + 1
        last = stay - span.from_ + 1
    else:
        first = span.from_
        last = stay if span.to is None else span.to
    return set(range(max(first, 1), min(last, stay) + 1))  # weeks past the stay are dropped


def _phase(spans: tuple[PatientWeeks, ...] | None, stay: int) -> frozenset[int]:
    if spans is None:
        return frozenset(range(1, stay + 1))
    return frozenset(k for span in spans for k in _span_weeks(span, stay))


_RANKS = 64  # more than the items of a segment


@dataclasses.dataclass
class _Item:
    """One activity a sitting may hold: ``used`` is True or a literal."""

    activity: Any
    used: Any
    length: Any
    seg: Any
    segs: list[Any]  # one literal per segment: the item is in it
    rank: Any  # its place in the sitting: segment first, then any order inside a segment
    part: tuple[int, int] = (1, 0)  # (0, n): n-th opening; (2, n): n-th closing
    lesson: tuple[str, int] | None = None  # (module, lesson number) of a lesson
    track: str | None = None  # the track teaching the lesson
    # a break inside it: 1 when the session's break falls inside the item (then it ends
    # one segment, ``head`` minutes of it there, and starts the next), else 0
    split: Any = 0
    head: Any = None
    pos: Any = None  # its position among the sitting's blocks, when order entries apply


@dataclasses.dataclass
class _Sitting:
    """The main blocks of a session (``group`` None) or the sitting of one group."""

    slot: int
    week: int
    day: Weekday
    group: Group | None
    order: int  # before groups, then the main blocks or a beside group, then after groups
    items: list[_Item] = dataclasses.field(default_factory=list)
    breaks: Any = 0

    @property
    def home(self) -> str | None:
        """What tracks name to teach here: the group's name, or None for the main blocks."""
        return None if self.group is None else self.group.name


def _is_session(sitting: _Sitting) -> bool:
    """Whether a sitting counts as a session: the main blocks or a beside group."""
    return sitting.group is None or sitting.group.place is Place.BESIDE


@dataclasses.dataclass
class _Track:
    track: Track
    seq: list[tuple[str, int, Any]]  # (module, lesson number, activity), in teaching order
    cycles: bool
    active: list[int]  # sittings the track may teach in, in time order
    per_max: int
    q_max: int


@dataclasses.dataclass
class _Model:
    """The CP-SAT model of an open-enrolment program, with what reads a solution back."""

    model: cp_model.CpModel
    slots: list[tuple[int, Weekday, dt.date | None]]
    sittings: list[_Sitting]
    tracks: list[_Track]


def _open_feasible(
    program: Program, catalog: Catalog, seconds: float, *, planned: bool = False
) -> bool:
    built = _open_model(program, catalog, planned=planned)
    return built is not None and _solve(built, seconds) is not None


def _solve(built: _Model, seconds: float) -> cp_model.CpSolver | None:
    """The solver holding a solution, or None when there is none."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    # one worker: the same model always gets the same answer in the same time
    solver.parameters.num_workers = 1
    status = solver.Solve(built.model)
    if status == cp_model.UNKNOWN:
        raise TimeoutError("CP-SAT did not decide in time")
    assert status != cp_model.MODEL_INVALID, built.model.Validate()
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _open_model(program: Program, catalog: Catalog, *, planned: bool = False) -> _Model | None:
    """The model, or None when a limit fails before solving. With ``planned``, the
    composer's documented simplifications are added (see :func:`feasible`)."""
    admission = program.admission
    if admission is not None and admission.track is not None:
        raise NotImplementedError(
            "the oracle does not model admission at module starts ('at: module-starts'): "
            "those admission points depend on where lessons are placed"
        )
    if program.makeup_days:
        raise NotImplementedError(
            "the oracle does not model make-up days together with admission, groups or phases"
        )
    if program.rolling_admission is not None:
        raise NotImplementedError(
            "the oracle does not model rolling_admission together with groups or phases"
        )
    m = cp_model.CpModel()
    weeks = program.weeks
    shape = program.session
    grid = shape.grid
    brk = shape.breaks
    pause = brk.minutes if brk is not None else 0
    cycle = program.cycle
    stay = program.patient_stay

    # calendar: the sessions in order (closed days have none; no make-up days here) ------
    start_wd = program.start.weekday() if program.start else 0
    closures = set(program.closures)
    slots: list[tuple[int, Weekday, dt.date | None]] = []
    for week in range(1, weeks + 1):
        first = program.start + dt.timedelta(weeks=week - 1) if program.start else None
        for day in sorted(program.days, key=lambda d: (Weekday(d).position - start_wd) % 7):
            date = None
            if first is not None:
                date = first + dt.timedelta(days=(Weekday(day).position - first.weekday()) % 7)
            if date is None or date not in closures:
                slots.append((week, Weekday(day), date))
    by_week = {w: [s for s, slot in enumerate(slots) if slot[0] == w] for w in range(1, weeks + 1)}

    # admission points: (calendar week, index of the admission session in that week) -----
    if admission is None:
        points = [(1, 0)]  # a closed cohort: one admission, a stay of every week
    else:
        # Reading: "patients are admitted only in weeks a with a + longest stay - 1 <= weeks"
        # bounds every kind of admission point, so `every: day` too; in a cycle every week.
        last_week = weeks if cycle else weeks - stay.max + 1
        if admission.every is Every.WEEK:
            points = [(w, 0) for w in range(1, last_week + 1) if by_week[w]]
        elif admission.every is Every.DAY:
            points = [(w, i) for w in range(1, last_week + 1) for i in range(len(by_week[w]))]
        else:
            dated = {slot[2]: s for s, slot in enumerate(slots)}
            points = []
            for date in admission.dates or ():
                s = dated[date]  # the program checks each date is a session date
                points.append((slots[s][0], by_week[slots[s][0]].index(s)))
    patients = [(a, i, length) for a, i in points for length in stay.lengths()]

    def calendar_week(a: int, k: int) -> int:
        return (a + k - 2) % weeks + 1 if cycle else a + k - 1

    def sessions_in(a: int, i: int, k: int) -> list[int]:
        # Reading: in a cycle a stay longer than the cycle meets its admission week again
        # as a later patient week; that week is whole (only patient week 1 is partial).
        ss = by_week[calendar_week(a, k)]
        return ss[i:] if k == 1 else ss

    # groups meet in every session (on their days) in which some patient in their phase
    # can be present, and only then: a patient is present from their admission session on,
    # so a group for patient week 1 does not meet on the Monday of a week whose only new
    # patient is admitted on the Wednesday (by date or `every: day`) ---------------------
    groups = list(program.groups)
    meets: dict[str, set[int]] = {g.name: set() for g in groups}  # group name: slots
    for a, i, length in patients:
        for g in groups:
            for k in _phase(g.patient_weeks, length):
                meets[g.name].update(sessions_in(a, i, k))

    sittings: list[_Sitting] = []
    at_slot: dict[int, list[int]] = {}
    for s, (week, day, _) in enumerate(slots):
        here = [_Sitting(s, week, day, None, 1000)]
        for index, g in enumerate(groups):
            if s in meets[g.name] and day in (g.days or program.days):
                order = {Place.BEFORE: index, Place.BESIDE: 1000, Place.AFTER: 2000 + index}
                # Reading: several before (or after) groups a patient attends in one
                # session follow each other in the order the program lists them.
                here.append(_Sitting(s, week, day, g, order[g.place]))
        at_slot[s] = []
        for sitting in sorted(here, key=lambda x: x.order):
            at_slot[s].append(len(sittings))
            sittings.append(sitting)

    def attended(length: int, k: int, s: int) -> list[int]:
        """The sittings a patient in week ``k`` of a stay of ``length`` weeks attends in
        the session at slot ``s``, in order: before groups, the beside group (or else the
        main blocks), after groups."""
        chosen = [
            x
            for x in at_slot[s]
            if sittings[x].group is not None
            and k in _phase(sittings[x].group.patient_weeks, length)
        ]
        beside = [x for x in chosen if sittings[x].group.place is Place.BESIDE]
        assert len(beside) <= 1, "the program lets two beside groups share a patient"
        main = beside or [at_slot[s][[sittings[x].group for x in at_slot[s]].index(None)]]
        return sorted(
            [x for x in chosen if sittings[x].group.place is not Place.BESIDE] + main,
            key=lambda x: sittings[x].order,
        )

    # a patient's stay: (patient week, sitting) in time order
    timelines = {
        (a, i, length): [
            (k, x)
            for k in range(1, length + 1)
            for s in sessions_in(a, i, k)
            for x in attended(length, k, s)
        ]
        for a, i, length in patients
    }

    # what each sitting may hold ------------------------------------------------------------
    fixed_ids = set(shape.opening) | set(shape.closing)

    def pool(fill: tuple[str, ...] | None, fixed: set[str]) -> list[Any]:
        return [
            a
            for a in catalog.activities
            if not a.is_break and a.id not in fixed and (fill is None or a.id in fill)
        ]

    def frame(sitting: _Sitting) -> tuple[Any, list[Any], list[Any], list[Any]]:
        """(wall-clock minutes, opening, closing, fill) of a sitting."""
        g = sitting.group
        opening = [catalog.activity(a) for a in shape.opening]
        closing = [catalog.activity(a) for a in shape.closing]
        if g is None:
            return shape.minutes, opening, closing, pool(shape.fill, fixed_ids)
        if g.place is Place.BESIDE:  # a session in its own right
            fill = g.fill if g.fill is not None else shape.fill
            return g.minutes or shape.minutes, opening, closing, pool(fill, fixed_ids)
        # Reading: "opening and closing ... apply to every sitting" in the last paragraph of
        # "Limits, per patient" yields to "opening, closing and per-session requirements do
        # not [apply]" for before and after groups; their fill is their own list or nothing.
        return g.minutes, [], [], pool(g.fill if g.fill is not None else (), set())

    frames = [frame(x) for x in sittings]

    tracks: list[_Track] = []
    for track in program.tracks:
        seq = [
            (mid, n + 1, les)
            for mid in track.modules
            for n, les in enumerate(catalog.module(mid).lessons)
        ]
        first, last = program.track_window(track)
        active = [
            x
            for x, sitting in enumerate(sittings)
            if sitting.home == track.group
            and first <= sitting.week <= last
            and (track.days is None or sitting.day in track.days)
        ]
        wall_hi = (
            shape.minutes.max if track.group is None else frames[active[0]][0].max if active else 1
        )
        shortest = min(les.minutes.min for _, _, les in seq)
        per_max = (
            track.per_session.max
            if track.per_session.max is not None
            else max(1, wall_hi // shortest)
        )
        per_max = min(per_max, len({les.id for _, _, les in seq}))  # no activity twice
        # Reading: with admission a core track serves patients who arrive later, so it
        # starts again as often as room allows whether or not it says `repeat` (as
        # rolling_admission did); other tracks run their sequence once unless they repeat,
        # in a cycle too (once per cycle). A track's pace (per session, per week) is the
        # calendar's, not a patient's.
        cycles = track.repeat or (admission is not None and track.core)
        room = len(active) * per_max
        tracks.append(
            _Track(track, seq, cycles, active, per_max, room if cycles else min(room, len(seq)))
        )

    # sittings: items, breaks, lengths --------------------------------------------------------
    z: dict[tuple[int, int, int], _Item] = {}
    for x, sitting in enumerate(sittings):
        minutes, opening, closing, fillers = frames[x]
        lo, hi = minutes.min, minutes.max
        candidates = []
        for t, tr in enumerate(tracks):
            if x in tr.active:
                # the j-th sitting of a track holds none of its lessons past (j + 1) * per_max
                reach = (tr.active.index(x) + 1) * tr.per_max
                candidates += [(t, q) for q in range(min(tr.q_max, reach))]
        max_items = (
            len(opening)
            + len(closing)
            + len(fillers)
            + sum(tr.per_max for tr in tracks if x in tr.active)
        )
        # a break falls between two items, or inside an item that may hold one
        spanning = sum(
            1
            for a in (*fillers, *(tracks[t].seq[q % len(tracks[t].seq)][2] for t, q in candidates))
            if a.break_inside
        )
        nb_max = max(0, min(max_items - 1 + spanning, hi // brk.minutes)) if brk is not None else 0
        b = m.NewIntVar(0, nb_max, f"nb{x}")
        sitting.breaks = b
        if brk is not None and brk.minutes % grid:
            m.Add(b == 0)  # a break off the time grid cannot be placed

        def item(
            activity: Any,
            used: Any,
            tag: str,
            x: int = x,
            b: Any = b,
            nb_max: int = nb_max,
            frame: bool = False,
        ) -> _Item:
            lo_a, hi_a = activity.minutes.min, activity.minutes.max
            steps = m.NewIntVar(0, hi_a // grid, f"U{x}{tag}")
            length = m.NewIntVar(0, hi_a, f"L{x}{tag}")
            m.Add(length == grid * steps)
            if -(-lo_a // grid) > hi_a // grid:  # no length of the activity is on the grid
                if used is True:
                    m.Add(length < 0)
                else:
                    m.Add(used == 0)
            m.Add(length >= lo_a).OnlyEnforceIf(used)
            if used is not True:
                m.Add(length == 0).OnlyEnforceIf(used.Not())
            segs = [m.NewBoolVar(f"g{x}{tag}{k}") for k in range(nb_max + 1)]
            if used is True:
                m.AddExactlyOne(segs)
            else:
                m.Add(sum(segs) == used)
            for k, lit in enumerate(segs):
                m.Add(b >= k).OnlyEnforceIf(lit)
            seg = m.NewIntVar(0, nb_max, f"seg{x}{tag}")
            m.Add(seg == sum(k * lit for k, lit in enumerate(segs)))
            # a rank orders the items of one segment: lessons that must come in order (a
            # track's, a prerequisite before what needs it) get increasing ranks
            rank = m.NewIntVar(0, (nb_max + 1) * _RANKS - 1, f"rank{x}{tag}")
            m.Add(rank >= _RANKS * seg)
            made = _Item(activity, used, length, seg, segs, rank)
            # Reading ("Lessons that span a break" in the file-format reference): an
            # activity with break_inside, other than an opening or closing one, may hold
            # the session's break inside it, once, with service on both sides; it then
            # ends its segment (the last rank of it) and begins the next.
            if brk is not None and activity.break_inside and not frame and nb_max > 0:
                split = m.NewBoolVar(f"split{x}{tag}")
                if used is not True:
                    m.AddImplication(split, used)
                head = m.NewIntVar(0, hi_a, f"H{x}{tag}")
                hsteps = m.NewIntVar(0, hi_a // grid, f"HU{x}{tag}")
                m.Add(head == grid * hsteps)
                m.Add(head == length).OnlyEnforceIf(split.Not())
                m.Add(head >= grid).OnlyEnforceIf(split)
                m.Add(head <= length - grid).OnlyEnforceIf(split)
                m.Add(b >= seg + 1).OnlyEnforceIf(split)
                m.Add(rank == _RANKS * (seg + 1) - 1).OnlyEnforceIf(split)
                m.Add(rank <= _RANKS * (seg + 1) - 2).OnlyEnforceIf(split.Not())
                made.split, made.head = split, head
            else:
                m.Add(rank <= _RANKS * (seg + 1) - 2)
                made.head = length
            sitting.items.append(made)
            return made

        for n, a in enumerate(opening):
            made = item(a, True, f"o{n}", frame=True)
            made.part = (0, n)
            m.Add(made.seg == 0)
        for n, a in enumerate(closing):
            made = item(a, True, f"c{n}", frame=True)
            made.part = (2, n)
            m.Add(made.seg == b)
        for a in fillers:
            item(a, m.NewBoolVar(f"u{x}{a.id}"), f"f{a.id}")
        for t, q in candidates:
            mid, number, les = tracks[t].seq[q % len(tracks[t].seq)]
            made = item(catalog.activity(les.id), m.NewBoolVar(f"z{t}_{q}_{x}"), f"t{t}q{q}")
            made.lesson = (mid, number)
            made.track = tracks[t].track.name
            z[(t, q, x)] = made

        # every segment up to b is non-empty and holds at most `after` service minutes;
        # an item cut by a break has its head in its segment and the rest in the next
        tails: list[list[Any]] = [[] for _ in range(nb_max + 1)]
        for it in sitting.items:
            if isinstance(it.split, int):
                continue
            for k in range(nb_max):
                lit = m.NewBoolVar("tail")
                m.AddBoolAnd([it.segs[k], it.split]).OnlyEnforceIf(lit)
                m.AddBoolOr([it.segs[k].Not(), it.split.Not()]).OnlyEnforceIf(lit.Not())
                tails[k + 1].append((it, lit))
            m.Add(it.split == 0).OnlyEnforceIf(it.segs[nb_max])
        for k in range(nb_max + 1):
            on = m.NewBoolVar(f"ge{x}{k}")
            m.Add(b >= k).OnlyEnforceIf(on)
            m.Add(b < k).OnlyEnforceIf(on.Not())
            m.Add(
                sum(it.segs[k] for it in sitting.items) + sum(lit for _, lit in tails[k]) >= 1
            ).OnlyEnforceIf(on)
            if k < nb_max:  # at most one item is cut by the break that ends segment k
                m.Add(sum(lit for _, lit in tails[k + 1]) <= 1)
            if brk is not None:
                parts = []
                for it in sitting.items:
                    part = m.NewIntVar(0, it.activity.minutes.max, "part")
                    m.Add(part == it.head).OnlyEnforceIf(it.segs[k])
                    m.Add(part == 0).OnlyEnforceIf(it.segs[k].Not())
                    parts.append(part)
                for it, lit in tails[k]:
                    part = m.NewIntVar(0, it.activity.minutes.max, "rest")
                    m.Add(part == it.length - it.head).OnlyEnforceIf(lit)
                    m.Add(part == 0).OnlyEnforceIf(lit.Not())
                    parts.append(part)
                m.Add(sum(parts) <= brk.after)
        service = sum(it.length for it in sitting.items)
        m.Add(service + pause * b >= lo)
        m.Add(service + pause * b <= hi)
        # no repeats: no lesson twice in a sitting (fillers occur once by construction)
        by_id: dict[str, list[Any]] = {}
        for it in sitting.items:
            if it.lesson is not None:
                by_id.setdefault(it.activity.id, []).append(it.used)
        for lits in by_id.values():
            m.Add(sum(lits) <= 1)
        if shape.order:
            _order_sitting(m, sitting, shape.order)

    def service_of(x: int) -> Any:
        return sum(it.length for it in sittings[x].items)

    def minutes_of(x: int, count: Count) -> Any:
        if count is Count.WALL:
            return service_of(x) + pause * sittings[x].breaks
        return service_of(x)

    # tracks, on the calendar: order, pace, full delivery, whole cycles -------------------
    placed: dict[tuple[int, int], Any] = {}
    for t, tr in enumerate(tracks):
        slot_of, seg_of = {}, {}
        for q in range(tr.q_max):
            its = [(x, z[(t, q, x)]) for x in tr.active if (t, q, x) in z]
            pl = m.NewBoolVar(f"placed{t}_{q}")
            m.Add(sum(it.used for _, it in its) == pl)
            placed[(t, q)] = pl
            si = m.NewIntVar(0, len(slots), f"slot{t}_{q}")
            m.Add(si == sum(sittings[x].slot * it.used for x, it in its))
            sg = m.NewIntVar(0, 1440 * _RANKS, f"rankof{t}_{q}")
            for _, it in its:
                m.Add(sg == it.rank).OnlyEnforceIf(it.used)
            slot_of[q], seg_of[q] = si, sg
            if q > 0:
                m.AddImplication(pl, placed[(t, q - 1)])
                m.Add(slot_of[q - 1] <= si).OnlyEnforceIf(pl)
                same = m.NewBoolVar("same")
                m.Add(slot_of[q - 1] == si).OnlyEnforceIf(same)
                m.Add(slot_of[q - 1] != si).OnlyEnforceIf(same.Not())
                m.Add(seg_of[q - 1] < sg).OnlyEnforceIf([pl, same])
        track = tr.track
        before: Any = 0
        for week in range(1, weeks + 1):
            mine = [x for x in tr.active if sittings[x].week == week]
            in_week = sum(
                z[(t, q, x)].used for x in mine for q in range(tr.q_max) if (t, q, x) in z
            )
            if track.per_week.max is not None:
                m.Add(in_week <= track.per_week.max)
            if mine and track.per_week.min:
                if tr.cycles:
                    m.Add(in_week >= track.per_week.min)
                else:
                    floor = m.NewIntVar(0, track.per_week.min, "floor")
                    m.AddMinEquality(floor, [track.per_week.min, len(tr.seq) - before])
                    m.Add(in_week >= floor)
            before = before + in_week
        for x in tr.active:
            m.Add(sum(z[(t, q, x)].used for q in range(tr.q_max) if (t, q, x) in z) <= tr.per_max)
        # per-session minimum, in each sitting the track teaches in, while lessons remain
        low = track.per_session.min
        if low:
            taught: Any = 0
            for x in tr.active:
                here = sum(z[(t, q, x)].used for q in range(tr.q_max) if (t, q, x) in z)
                if tr.cycles:
                    m.Add(here >= low)
                else:
                    need = m.NewIntVar(0, low, "sitting-floor")
                    m.AddMinEquality(need, [low, len(tr.seq) - taught])
                    m.Add(here >= need)
                taught = taught + here
        if track.core and admission is None:  # a closed cohort: delivered in full, as before
            if tr.q_max < len(tr.seq):
                return None
            m.Add(placed[(t, len(tr.seq) - 1)] == 1)
        if cycle:
            # Reading: "each track delivers its whole sequence a whole number of times per
            # cycle" starting from its first lesson in cycle week 1 (no rotation), and a
            # whole number may be 0 for an elective track.
            times = m.NewIntVar(0, tr.q_max // len(tr.seq), f"times{t}")
            m.Add(sum(placed[(t, q)] for q in range(tr.q_max)) == len(tr.seq) * times)

    # helper literals shared by the patients ---------------------------------------------------
    lessons_at: dict[tuple[tuple[str, int], int], list[Any]] = {}
    for (t, q, x), it in z.items():
        lessons_at.setdefault((it.lesson, x), []).append((t, q))  # type: ignore[arg-type]
    memo: dict[Any, Any] = {}

    def holds(lesson: tuple[str, int], x: int) -> Any:
        """A literal: sitting x holds the lesson (from any track); None if it cannot."""
        key = ("holds", lesson, x)
        if key not in memo:
            lits = [z[(t, q, x)].used for t, q in lessons_at.get((lesson, x), [])]
            memo[key] = _any(m, lits)
        return memo[key]

    def teaches(t: int, x: int) -> Any:
        key = ("teaches", t, x)
        if key not in memo:
            memo[key] = _any(
                m, [z[(t, q, x)].used for q in range(tracks[t].q_max) if (t, q, x) in z]
            )
        return memo[key]

    def some(kind: str, what: Any, xs: frozenset[int]) -> Any:
        """A literal: one of the sittings ``xs`` holds ``what`` (a lesson, or a track's
        lesson for kind "track"); None if none can."""
        key = (kind, what, xs)
        if key not in memo:
            pick = holds if kind == "lesson" else teaches
            memo[key] = _any(m, [lit for x in sorted(xs) if (lit := pick(what, x)) is not None])
        return memo[key]

    # prerequisites on the calendar (docs/howto/catalog.md: `requires` makes a module start
    # only after those modules are complete), besides the patients' own below: a module's
    # first lesson, from any track, comes after the last lesson of each module it requires,
    # in an earlier sitting (time order: groups before the session, its main blocks, groups
    # beside and after it) or earlier in the same sitting.
    for x, sitting in enumerate(sittings):
        before = frozenset(range(x))
        for it in sitting.items:
            if it.lesson is None or it.lesson[1] != 1:
                continue
            for required in catalog.module(it.lesson[0]).requires:
                need = (required, len(catalog.module(required).lessons))
                way = [lit for lit in (some("lesson", need, before),) if lit is not None]
                for t2, q2 in lessons_at.get((need, x), []):
                    e = m.NewBoolVar("calendar-pre-same")
                    m.AddImplication(e, z[(t2, q2, x)].used)
                    m.Add(z[(t2, q2, x)].rank < it.rank).OnlyEnforceIf(e)
                    way.append(e)
                m.AddBoolOr(way or [m.NewConstant(0)]).OnlyEnforceIf(it.used)

    # the limits of the program and of its profiles ------------------------------------------
    profiles = _profiles(program)
    requirements = [*program.require, *(r for p in profiles for r in p.require)]
    wm = program.weekly_minutes
    weekly = [(wm.min, wm.max, wm.count, 0)]  # (min, max, count, taper weeks)
    long_sessions = []  # (sessions, service minutes, taper weeks)
    for profile in profiles:
        pw = profile.weekly_minutes
        taper = pw.taper_weeks if pw is not None else 0
        if pw is not None:
            weekly.append((pw.min, pw.max, Count(pw.count), taper))
        if profile.long_sessions is not None:
            ls = profile.long_sessions
            long_sessions.append((ls.min, ls.min_minutes, taper))

    def long(x: int, minutes: int) -> Any:
        """A literal that can be true only when sitting x has ``minutes`` service minutes
        or more."""
        key = ("long", x, minutes)
        if key not in memo:
            lit = m.NewBoolVar("long")
            m.Add(service_of(x) >= minutes).OnlyEnforceIf(lit)
            memo[key] = lit
        return memo[key]

    counted_memo: dict[tuple[int, int], list[Any]] = {}

    def counts_here(x: int, r: int) -> bool:
        """Whether sitting x is in a session the requirement counts (``days``, ``weeks``,
        ``session``: first or last of its calendar week)."""
        req = requirements[r]
        if not getattr(req, "narrowed", False):
            return True
        sitting = sittings[x]
        if sitting.week not in req.week_numbers(weeks):
            return False
        if req.days is not None and sitting.day not in req.days:
            return False
        in_week = by_week[sitting.week]
        if req.session is not None and req.session.value == "first":
            return in_week.index(sitting.slot) == 0
        if req.session is not None and req.session.value == "last":
            return in_week.index(sitting.slot) == len(in_week) - 1
        return True

    def counted(x: int, r: int) -> list[Any]:
        if (x, r) not in counted_memo and not counts_here(x, r):
            counted_memo[(x, r)] = []
        if (x, r) not in counted_memo:
            sel = requirements[r].selector
            lits = []
            for it in sittings[x].items:
                if not _selected(sel, it.activity, it.lesson, it.track):
                    continue
                if sel.min_minutes is None:
                    lits.append(it.used)
                    continue
                c = m.NewBoolVar("cnt")
                if it.used is True:
                    m.Add(it.length >= sel.min_minutes).OnlyEnforceIf(c)
                    m.Add(it.length < sel.min_minutes).OnlyEnforceIf(c.Not())
                else:
                    m.AddImplication(c, it.used)
                    m.Add(it.length >= sel.min_minutes).OnlyEnforceIf(c)
                    m.Add(it.length < sel.min_minutes).OnlyEnforceIf([c.Not(), it.used])
                lits.append(c)
            counted_memo[(x, r)] = lits
        return counted_memo[(x, r)]

    # limits per patient -------------------------------------------------------------------
    done: set[Any] = set()

    def bound(key: Any, total: Any, low: int | None, high: int | None) -> None:
        if key in done:
            return
        done.add(key)
        if low:
            m.Add(total >= low)
        if high is not None:
            m.Add(total <= high)

    # Reading: limits per patient bind only what patients attend: main blocks no patient
    # attends (everyone in a beside group) need not meet per-session requirements, and a
    # week no patient is in (after the last dated admission's stay) has no weekly limits.
    # A requirement's phase applies to `per: session` as it does to `per: week`.
    # Profiles (the program's compliance profiles) add weekly minutes with tapering weeks,
    # long sessions and requirements, stated per patient as the program's own are.
    shortest_stay = stay.min
    for (a, i, length), timeline in timelines.items():
        week_of = {k: [x for kk, x in timeline if kk == k] for k in range(1, length + 1)}
        for k, xs in week_of.items():
            partial = k == 1 and i > 0  # admitted after the first session of the week
            for w, (low, high, count, taper) in enumerate(weekly):
                # the minimum is spared in a partial first week and the last `taper` weeks
                spared = partial or k > length - taper
                total = sum(minutes_of(x, count) for x in xs)
                bound(("wm", w, tuple(xs), spared), total, None if spared else low, high)
            for n, (least, minutes, taper) in enumerate(long_sessions):
                if partial or k > length - taper:
                    continue
                sessions = [x for x in xs if _is_session(sittings[x])]
                bound(("long", n, tuple(xs)), sum(long(x, minutes) for x in sessions), least, None)
        for r, req in enumerate(requirements):
            ks = sorted(_phase(req.patient_weeks, length))
            narrowed_weeks = req.week_numbers(weeks) if getattr(req, "narrowed", False) else None
            if req.per is Per.WEEK:
                for k in ks:
                    if narrowed_weeks is not None and calendar_week(a, k) not in narrowed_weeks:
                        continue  # Reading: a week outside `weeks` is not counted at all
                    partial = k == 1 and i > 0
                    total = sum(sum(counted(x, r)) for x in week_of[k])
                    bound(
                        ("rw", r, tuple(week_of[k]), partial),
                        total,
                        None if partial else req.min,
                        req.max,
                    )
            elif req.per is Per.SESSION:
                # planned: "a `per: session` requirement with `patient_weeks` is applied to
                # every session" (every session the patient attends, whatever their week)
                for k in range(1, length + 1) if planned else ks:
                    for x in week_of[k]:
                        if _is_session(sittings[x]) and counts_here(x, r):
                            bound(("rs", r, x), sum(counted(x, r)), req.min, req.max)
            else:  # per program: over the stay (the phase's weeks of it)
                xs = sorted(x for k in ks for x in week_of[k])
                bound(("rp", r, tuple(xs)), sum(sum(counted(x, r)) for x in xs), req.min, req.max)
        if planned and i > 0:
            # planned: "a patient admitted after the first session of their week has that
            # week's maximum checked on the whole week of their pattern": the maxima of
            # patient week 1 over every session of the admission week, attended as in week 1
            whole = [x for s in by_week[calendar_week(a, 1)] for x in attended(length, 1, s)]
            for w, (_, high, count, _) in enumerate(weekly):
                total = sum(minutes_of(x, count) for x in whole)
                bound(("wm", w, tuple(whole), True), total, None, high)
            for r, req in enumerate(requirements):
                narrowed = getattr(req, "narrowed", False)
                if narrowed and calendar_week(a, 1) not in req.week_numbers(weeks):
                    continue
                if req.per is Per.WEEK and 1 in _phase(req.patient_weeks, length):
                    total = sum(sum(counted(x, r)) for x in whole)
                    bound(("rw", r, tuple(whole), True), total, None, req.max)

        order: list[int] = []  # the sittings of the stay, in the order first met
        for _, x in timeline:
            if x not in order:
                order.append(x)
        for t, tr in enumerate(tracks):
            if tr.track.standalone:
                continue
            # entry at a module start: the first lesson of the track the patient receives
            # (in the first sitting of the track they attend that holds one) starts a module.
            # Reading: only the first; a patient who later misses lessons (in a beside group)
            # picks the track up wherever it is, as "lessons then reach them in track order".
            mine = [x for x in order if sittings[x].home == tr.track.group]
            for j, x in enumerate(mine):
                earlier = frozenset(mine[:j])
                for q in range(tr.q_max):
                    if (t, q, x) not in z or tr.seq[q % len(tr.seq)][1] == 1:
                        continue
                    key = ("entry", t, q, x, earlier)
                    if key in done:
                        continue
                    done.add(key)
                    way = [lit for lit in (some("track", t, earlier),) if lit is not None]
                    if (t, q - 1, x) in z:  # not the first of the track in this sitting
                        way.append(z[(t, q - 1, x)].used)
                    m.AddBoolOr(way or [m.NewConstant(0)]).OnlyEnforceIf(z[(t, q, x)].used)
        # prerequisites: a patient starts a module only after receiving, within their stay,
        # every lesson of each module it requires (earlier, or earlier in the same sitting).
        # Reading: "starts a module" is the first lesson of it they receive, whichever it
        # is; stated for every lesson of it they receive, which is the same.
        for j, x in enumerate(order):
            earlier = frozenset(order[:j])
            for it in sittings[x].items:
                if it.lesson is None:
                    continue
                for required in catalog.module(it.lesson[0]).requires:
                    for number in range(1, len(catalog.module(required).lessons) + 1):
                        need = (required, number)
                        key = ("pre", id(it), need, earlier)
                        if key in done:
                            continue
                        done.add(key)
                        way = [lit for lit in (some("lesson", need, earlier),) if lit is not None]
                        for t2, q2 in lessons_at.get((need, x), []):
                            e = m.NewBoolVar("pre-same")
                            m.AddImplication(e, z[(t2, q2, x)].used)
                            m.Add(z[(t2, q2, x)].rank < it.rank).OnlyEnforceIf(e)
                            way.append(e)
                        m.AddBoolOr(way or [m.NewConstant(0)]).OnlyEnforceIf(it.used)
        # core tracks reach every patient while they are in them (over the shortest stay).
        # Reading: literally the shortest stay only (a group phase counted from the end of
        # the stay, such as `last`, is then not checked for longer stays), and only the
        # track's own lessons count (another track teaching the same module does not).
        if admission is not None and length == shortest_stay:
            for t, tr in enumerate(tracks):
                if not tr.track.core:
                    continue
                group = program.group(tr.track.group) if tr.track.group else None
                ks = (
                    _phase(group.patient_weeks, length)
                    if group
                    else frozenset(range(1, length + 1))
                )
                xs = [x for k, x in timeline if k in ks and sittings[x].home == tr.track.group]
                for lesson in {(mid, n) for mid, n, _ in tr.seq}:
                    lits = [
                        z[(t, q, x)].used
                        for x in set(xs)
                        for q in range(tr.q_max)
                        if (t, q, x) in z and tr.seq[q % len(tr.seq)][:2] == lesson
                    ]
                    if not lits:
                        return None
                    m.AddBoolOr(lits)

    return _Model(m, slots, sittings, tracks)


def _order_sitting(m: cp_model.CpModel, sitting: _Sitting, entries: Any) -> None:
    """Order entries inside one sitting. Each item gets a position: the used items take
    0, 1, 2, ... in block order (breaks aside), unused ones the rest. Positions follow the
    items' ranks (segments, then lesson order), the opening comes first and the closing
    last; "directly" means the next position in the same segment (no break between).
    Reading ("Order inside a session" in the file-format reference): `at` looks past the
    opening and closing; the other relations look at every block of the sitting."""
    items = sitting.items
    size = len(items)
    used = []
    for it in items:
        if it.used is True:
            on = m.NewBoolVar("on")
            m.Add(on == 1)
            used.append(on)
        else:
            used.append(it.used)
    count = sum(used)
    pos = [m.NewIntVar(0, max(0, size - 1), "pos") for _ in items]
    for it, p in zip(items, pos, strict=True):
        it.pos = p
    if size > 1:
        m.AddAllDifferent(pos)
    for p, u in zip(pos, used, strict=True):
        m.Add(p < count).OnlyEnforceIf(u)
        m.Add(p >= count).OnlyEnforceIf(u.Not())
    for i in range(size):
        for j in range(i + 1, size):
            first = m.NewBoolVar("first")  # item i comes before item j
            m.Add(pos[i] < pos[j]).OnlyEnforceIf(first)
            m.Add(pos[i] > pos[j]).OnlyEnforceIf(first.Not())
            m.Add(items[i].rank <= items[j].rank).OnlyEnforceIf([first, used[i], used[j]])
            m.Add(items[j].rank <= items[i].rank).OnlyEnforceIf([first.Not(), used[i], used[j]])
    openings = [k for k, it in enumerate(items) if it.part[0] == 0]
    closings = [k for k, it in enumerate(items) if it.part[0] == 2]
    for k in openings:
        m.Add(pos[k] == items[k].part[1])
    for k in closings:
        m.Add(pos[k] == count - len(closings) + items[k].part[1])
    core = [k for k, it in enumerate(items) if it.part[0] == 1]

    def tagged(selector: Any, k: int) -> bool:
        if getattr(selector, "min_minutes", None) is not None:
            raise NotImplementedError("the oracle does not model min_minutes in order entries")
        it = items[k]
        return _selected(selector, it.activity, it.lesson, it.track)

    def both(i: int, j: int) -> list[Any]:
        return [used[i], used[j]]

    for entry in entries:
        xs = [k for k in range(size) if tagged(entry.selector, k)]
        if entry.at is not None:
            for i in xs:
                if i not in core:
                    continue
                for j in core:
                    if j in xs:
                        continue
                    if entry.at.value == "start":
                        m.Add(pos[i] < pos[j]).OnlyEnforceIf(both(i, j))
                    else:
                        m.Add(pos[i] > pos[j]).OnlyEnforceIf(both(i, j))
        elif entry.before is not None:
            ys = [k for k in range(size) if tagged(entry.before, k)]
            for i in xs:
                for j in ys:
                    if i != j:
                        m.Add(pos[i] < pos[j]).OnlyEnforceIf(both(i, j))
        elif entry.directly_before is not None:
            ys = [k for k in range(size) if tagged(entry.directly_before, k)]
            for i in xs:
                ways = []
                for j in ys:
                    if i == j:
                        continue
                    way = m.NewBoolVar("next")
                    m.AddImplication(way, used[j])
                    m.Add(pos[j] == pos[i] + 1).OnlyEnforceIf(way)
                    # no break between: j starts in the segment where i ends
                    m.Add(items[j].seg == items[i].seg + items[i].split).OnlyEnforceIf(way)
                    ways.append(way)
                m.AddBoolOr(ways or [m.NewConstant(0)]).OnlyEnforceIf(used[i])
        elif entry.not_directly_after is not None:
            ys = [k for k in range(size) if tagged(entry.not_directly_after, k)]
            for i in xs:
                for j in ys:
                    if i == j:
                        continue
                    after = m.NewBoolVar("after")
                    m.Add(pos[i] == pos[j] + 1).OnlyEnforceIf(after)
                    m.Add(pos[i] != pos[j] + 1).OnlyEnforceIf(after.Not())
                    m.Add(items[i].seg != items[j].seg + items[j].split).OnlyEnforceIf(
                        [after, *both(i, j)]
                    )


def _any(m: cp_model.CpModel, lits: list[Any]) -> Any:
    """A literal that can be true only when one of ``lits`` is (None for no literals)."""
    if not lits:
        return None
    if len(lits) == 1:
        return lits[0]
    v = m.NewBoolVar("any")
    m.AddBoolOr(lits).OnlyEnforceIf(v)
    return v


def witness(
    program: Program, catalog: Catalog, seconds: float = 60.0, *, planned: bool = False
) -> Curriculum | None:
    """A curriculum read from a solution of the open-enrolment model of ``program`` (any
    program without make-up days, module-start admission or rolling_admission), or None
    when the model has none. Tests check it patient by patient with ``tests/patients.py``,
    which checks the model's reading of the page without the composer."""
    built = _open_model(program, catalog, planned=planned)
    solver = None if built is None else _solve(built, seconds)
    if built is None or solver is None:
        return None
    brk = program.session.breaks

    def used(it: _Item) -> bool:
        return it.used is True or bool(solver.Value(it.used))

    def blocks(sitting: _Sitting) -> list[Block]:
        # block order: the positions the order entries are stated on, where they apply
        # (ranks may tie there); otherwise segments, then the frame, then ranks
        chosen = sorted(
            (it for it in sitting.items if used(it)),
            key=lambda it: (
                (solver.Value(it.pos),)
                if it.pos is not None
                else (solver.Value(it.seg), it.part, solver.Value(it.rank))
            ),
        )
        made: list[Block] = []
        start, segment = 0, 0
        for it in chosen:
            while segment < solver.Value(it.seg):
                assert brk is not None
                made.append(
                    Block.of(catalog.activity(brk.activity), start=start, minutes=brk.minutes)
                )
                start += brk.minutes
                segment += 1
            module, lesson = it.lesson or (None, None)
            minutes = solver.Value(it.length)
            pause = None
            if not isinstance(it.split, int) and solver.Value(it.split):
                assert brk is not None
                pause = Pause.of(
                    catalog.activity(brk.activity), at=solver.Value(it.head), minutes=brk.minutes
                )
                minutes += brk.minutes
                segment += 1  # the item ends after the break that ends its segment
            made.append(
                Block.of(
                    it.activity,
                    start=start,
                    minutes=minutes,
                    module=module,
                    lesson=lesson,
                    track=it.track,
                    pause=pause,
                )
            )
            start += minutes
        return made

    weeks: list[list[Session]] = [[] for _ in range(program.weeks)]
    by_slot: dict[int, list[_Sitting]] = {}
    for sitting in built.sittings:
        by_slot.setdefault(sitting.slot, []).append(sitting)
    for s, (week, day, date) in enumerate(built.slots):
        main: list[Block] = []
        before, beside, after = [], [], []
        for sitting in by_slot[s]:
            if sitting.group is None:
                main = blocks(sitting)
            else:
                place = sitting.group.place
                {Place.BEFORE: before, Place.BESIDE: beside, Place.AFTER: after}[place].append(
                    (sitting.group, blocks(sitting))
                )
        groups = []
        offset = -sum(b[-1].end for _, b in before)  # before groups in the program's order
        for group, made in before:
            groups.append(_session_group(group, offset, made))
            offset += made[-1].end
        groups += [_session_group(group, 0, made) for group, made in beside]
        offset = main[-1].end
        for group, made in after:
            groups.append(_session_group(group, offset, made))
            offset += made[-1].end
        weeks[week - 1].append(
            Session(number=s + 1, day=day, date=date, blocks=main, groups=tuple(groups))
        )
    return Curriculum(
        program=program,
        weeks=[Week(number=n, sessions=tuple(ss)) for n, ss in enumerate(weeks, start=1)],
    )


def _session_group(group: Group, start: int, blocks: list[Block]) -> SessionGroup:
    return SessionGroup(
        name=group.name,
        place=group.place,
        start=start,
        blocks=tuple(blocks),
        room=group.room,
        label=group.label,
    )
