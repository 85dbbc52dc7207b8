"""Explaining infeasibility: cheap arithmetic first, then a minimal conflict by deletion."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import attrs

from iopkit._catalog import Catalog
from iopkit.curriculum._menu import MenuMaker, filler_classes
from iopkit.curriculum._model import Model, compile_model
from iopkit.curriculum._program import Count, Per, Program
from iopkit.curriculum._rules import (
    Breaks,
    CoreDelivery,
    LongSessions,
    OpeningClosing,
    RequirementRule,
    RollingCoverage,
    Rule,
    SessionLength,
    TrackPlacement,
    WeeklyMinutesRule,
)
from iopkit.curriculum._search import Search
from iopkit.errors import BudgetExceededError

#: Seconds one check of the explanation may take before it is called undecided.
CHECK_SECONDS = 1.0
#: Seconds spent looking for a quick witness before the exact search.
WITNESS_SECONDS = 0.3


@attrs.frozen
class Conflict:
    """Rule ids that cannot hold together, and the arithmetic that shows it."""

    rules: tuple[str, ...]
    summary: str


def quick_conflict(program: Program, catalog: Catalog, rules: Sequence[Rule]) -> Conflict | None:
    """A conflict found by arithmetic alone, or ``None``."""
    model = compile_model(program, catalog, rules)
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    oc = next((r for r in rules if isinstance(r, OpeningClosing)), None)
    fixed = sum(a.minutes.min for a in (*model.opening, *model.closing))
    if length is not None and oc is not None and fixed > model.wall_max:
        return Conflict(
            (length.id, oc.id),
            f"the opening and closing activities take at least {fixed} minutes, but sessions "
            f"last at most {model.wall_max}",
        )
    found = _weekly_conflict(model, rules)
    if found is not None:
        return found
    found = _count_conflict(model, rules)
    if found is not None:
        return found
    return _track_conflict(model, rules)


def _weekly_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    breaks = next((r for r in rules if isinstance(r, Breaks) and r.after is not None), None)
    weeks = len(model.weeks)
    for rule in rules:
        if not isinstance(rule, WeeklyMinutesRule) or rule.range.min == 0 or length is None:
            continue
        for w, options in enumerate(model.weeks):
            if w + 1 > weeks - rule.taper_weeks:
                continue
            sessions = max(len(o.slots) for o in options)
            wall = model.wall_max
            if rule.count is Count.WALL:
                if sessions * wall < rule.range.min:
                    return Conflict(
                        (length.id, rule.id),
                        f"{sessions} sessions a week of at most {wall} minutes give at most "
                        f"{sessions * wall} minutes, but {rule.source} needs {rule.range.min}",
                    )
                continue
            plain = sessions * wall
            if plain < rule.range.min:
                return Conflict(
                    (length.id, rule.id),
                    f"{sessions} sessions a week of at most {wall} minutes give at most {plain} "
                    f"service minutes, but {rule.source} needs {rule.range.min}",
                )
            if breaks is not None:
                paused = sessions * model.max_service()
                if paused < rule.range.min:
                    return Conflict(
                        (length.id, breaks.id, rule.id),
                        f"{sessions} sessions a week of at most {wall} minutes, with a "
                        f"{breaks.minutes}-minute break every {breaks.after} service minutes, give "
                        f"at most {paused} service minutes, but {rule.source} needs {rule.range.min}",
                    )
    return None


def _count_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    for rule in rules:
        if not isinstance(rule, RequirementRule) or rule.requirement.per is not Per.WEEK:
            continue
        req = rule.requirement
        sel = req.selector
        matching = model.matching(sel)
        if any(model.lessons_match(spec, sel) for spec in model.tracks):
            continue
        for options in model.weeks:
            sessions = max(len(o.slots) for o in options)
            most = sessions * len(matching)
            if most < req.min:
                return Conflict(
                    (rule.id,),
                    f"{rule.source} needs at least {req.min} {sel.describe()} a week, but the "
                    f"catalog offers {len(matching)} such activities and no activity repeats "
                    f"within a session, so {sessions} sessions hold at most {most}",
                )
    return None


def _track_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    placements = {r.track.name: r for r in rules if isinstance(r, TrackPlacement)}
    for rule in rules:
        if not isinstance(rule, CoreDelivery):
            continue
        spec = next(s for s in model.tracks if s.track.name == rule.track.name)
        capacity = sum(model.week_capacity(spec, w) for w in range(len(model.weeks)))
        if capacity < len(spec.sequence) and rule.track.name in placements:
            return Conflict(
                (placements[rule.track.name].id, rule.id),
                f"core track '{rule.track.name}' has {len(spec.sequence)} lessons, but its days, "
                f"weeks and pace leave room for at most {capacity}",
            )
    return None


def describe(rule: Rule) -> str:
    """A limit in words, with its numbers."""
    if isinstance(rule, SessionLength):
        return f"sessions last {rule.minutes.describe('minutes')}"
    if isinstance(rule, OpeningClosing):
        parts = []
        if rule.opening:
            parts.append(f"open with {', '.join(rule.opening)}")
        if rule.closing:
            parts.append(f"close with {', '.join(rule.closing)}")
        return "every session must " + " and ".join(parts or ["keep its shape"])
    if isinstance(rule, Breaks):
        return f"a {rule.minutes}-minute break at least every {rule.after} service minutes"
    if isinstance(rule, WeeklyMinutesRule):
        what = "service minutes" if rule.count is Count.SERVICE else "minutes (breaks included)"
        taper = f", the last {rule.taper_weeks} weeks may fall below" if rule.taper_weeks else ""
        return f"{rule.source} needs {rule.range.describe()} {what} a week{taper}"
    if isinstance(rule, RequirementRule):
        return f"{rule.source} needs {rule.requirement.describe()}"
    if isinstance(rule, LongSessions):
        return f"{rule.source} needs at least {rule.min} sessions a week of {rule.min_minutes}+ service minutes"
    if isinstance(rule, TrackPlacement):
        track = rule.track
        where = []
        if track.days:
            where.append("on " + ", ".join(d.value for d in track.days))
        if track.weeks:
            where.append(f"in weeks {track.weeks.from_} to {track.weeks.to or 'the end'}")
        where.append(f"{track.per_session.describe()} lessons per session")
        where.append(f"{track.per_week.describe()} per week")
        return f"track '{track.name}' places lessons " + ", ".join(where)
    if isinstance(rule, CoreDelivery):
        return f"core track '{rule.track.name}' must be delivered in full"
    if isinstance(rule, RollingCoverage):
        return f"every stay of {rule.stay_weeks} weeks must cover every lesson of every core track"
    return rule.description


def _feasible(
    program: Program,
    catalog: Catalog,
    rules: Sequence[Rule],
    deadline: float | None,
    budget: float | None,
) -> bool:
    if quick_conflict(program, catalog, rules) is not None:
        return False
    model = compile_model(program, catalog, rules)
    classes = filler_classes(model)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        # a quick look for a witness in a smaller space (few fillers, one lesson per track
        # and session): finding one proves feasibility; not finding one proves nothing
        quick_end = time.monotonic() + WITNESS_SECONDS
        if deadline is not None:
            quick_end = min(quick_end, deadline)
        witness = Search(model, MenuMaker(model, classes, most_fillers=3), 0, quick_end, budget)
        witness.menus.tick = witness.tick
        witness.witness = True
        try:
            if witness.run():
                return True
        except BudgetExceededError:
            pass
        search = Search(model, MenuMaker(model, classes), 0, deadline, budget)
        search.menus.tick = search.tick
        return search.run()
    finally:
        sys.setrecursionlimit(old)


def explain(
    program: Program,
    catalog: Catalog,
    rules: Sequence[Rule],
    quick: Conflict | None,
    deadline: float | None,
) -> tuple[list[Any], str, bool]:
    """``(reasons, summary, proven minimal)``: a minimal set of conflicting limits.

    Only relaxable rules take part; the others (calendar, lesson order, prerequisites,
    no repeats) are the frame every curriculum lives in.
    """
    from iopkit.curriculum._composer import Reason

    fixed = [r for r in rules if not getattr(r, "relaxable", False)]
    candidates = [r for r in rules if getattr(r, "relaxable", False)]
    summary = ""
    if quick is not None:
        candidates = [r for r in candidates if r.id in quick.rules]
        summary = quick.summary
    keep = list(candidates)
    proven = True
    for rule in candidates:
        trial = [r for r in keep if r is not rule]
        slice_end = time.monotonic() + CHECK_SECONDS
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        try:
            feasible = _feasible(program, catalog, fixed + trial, slice_end, CHECK_SECONDS)
        except BudgetExceededError:
            # undecided in time: keep the rule, so the set still conflicts
            proven = False
            continue
        if not feasible:
            keep = trial
    if quick is None or {r.id for r in keep} != set(quick.rules):
        found = quick_conflict(program, catalog, fixed + keep)
        summary = (
            found.summary if found is not None and set(found.rules) <= {r.id for r in keep} else ""
        )
    reasons = [Reason(rule=r.id, message=describe(r)) for r in keep]
    return reasons, summary, proven
