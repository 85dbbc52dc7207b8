"""An exact, independent model of a program for Google OR-Tools CP-SAT.

It shares nothing with the composer except the loaded program and catalog: it reads the
limits straight from the :class:`~iopkit.curriculum.Program` and states them as
constraints, so that the composer's "feasible / infeasible" answers can be checked.
Each session is a set of used activities, each in one of the segments that breaks
separate; segment order gives block order (inside a segment any order is possible).
"""

from __future__ import annotations

import datetime as dt

from ortools.sat.python import cp_model

from iopkit import Catalog, Weekday
from iopkit.curriculum import Per, Program


def _selected(sel, activity) -> bool:  # type: ignore[no-untyped-def]
    if sel.activity is not None:
        return activity.id == sel.activity
    if sel.kind is not None:
        return activity.kind in sel.kind
    if sel.modality is not None:
        return activity.modality == sel.modality
    return activity.format == sel.format


def feasible(program: Program, catalog: Catalog, seconds: float = 60.0) -> bool:
    """Whether some curriculum meets every limit of ``program`` (no profiles)."""
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
            week, day, _, replaces = slots[s]
            if not first <= week <= last:
                active.append(False)
            elif track.days is None:
                active.append(True)
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
        # without a per-session maximum, a session holds as many lessons as fit in it
        shortest = min(les.minutes.min for _, _, les in seq)
        per_max = (
            track.per_session.max
            if track.per_session.max is not None
            else max(1, wall_hi // shortest)
        )
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
