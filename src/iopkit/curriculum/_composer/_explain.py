"""Explaining infeasibility: cheap arithmetic first, then a minimal conflict by deletion.

Every check is the exact search on relaxed inputs, bounded by a budget of work (search
steps), not of time, so the same program gets the same explanation on any machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from iopkit._budget import Meter
from iopkit.curriculum._composer._model import Model, build_model
from iopkit.curriculum._program import Per
from iopkit.curriculum._rules import (
    Breaks,
    Context,
    CoreDelivery,
    Inputs,
    OpeningClosing,
    RequirementRule,
    Rule,
    SessionLength,
    TrackPlacement,
    WeeklyMinutesRule,
    all_rules,
    plural,
)
from iopkit.errors import BudgetExceededError, InfeasibleError, Reason

#: Search steps one check of an explanation may take before it is called undecided.
CHECK_WORK = 150_000
#: Search steps spent looking for a quick witness before the exact search.
WITNESS_WORK = 20_000
#: Most filler blocks a session holds in the quick witness search.
WITNESS_FILLERS = 3


class Conflict(NamedTuple):
    """Rule ids that cannot hold together, and the arithmetic that shows it."""

    rules: tuple[str, ...]
    summary: str


def quick_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """A conflict found by arithmetic alone, or ``None``."""
    session = model.session
    g = model.grid
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    oc = next((r for r in rules if isinstance(r, OpeningClosing)), None)
    fixed = sum((session.units(a) or (0, 0))[0] for a in (*session.opening, *session.closing))
    if length is not None and oc is not None and fixed > session.wall_hi:
        return Conflict(
            (length.id, oc.id),
            f"the opening and closing activities take at least {fixed * g} minutes, but "
            f"sessions last at most {session.wall_hi * g}",
        )
    for find in (_weekly_conflict, _count_conflict, _track_conflict):
        found = find(model, rules)
        if found is not None:
            return found
    return None


def _weekly_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    breaks = next((r for r in rules if isinstance(r, Breaks) and r.after is not None), None)
    weeks = len(model.weeks)
    g = model.grid
    wall = model.session.wall_hi
    for rule in rules:
        if not isinstance(rule, WeeklyMinutesRule) or rule.range.min == 0 or length is None:
            continue
        for w, layouts in enumerate(model.weeks):
            if w + 1 > weeks - rule.taper_weeks:
                continue
            sessions = max(len(layout.slots) for layout in layouts)
            count = plural(sessions, "session")
            if rule.count.value == "wall":
                if sessions * wall * g < rule.range.min:
                    return Conflict(
                        (length.id, rule.id),
                        f"{count} a week of at most {wall * g} minutes give at most "
                        f"{sessions * wall * g} minutes, but {rule.source} needs "
                        f"{rule.range.min}",
                    )
                continue
            plain = sessions * wall * g
            if plain < rule.range.min:
                return Conflict(
                    (length.id, rule.id),
                    f"{count} a week of at most {wall * g} minutes give at most {plain} "
                    f"service minutes, but {rule.source} needs {rule.range.min}",
                )
            if breaks is not None and model.session.breaks is not None:
                paused = sessions * model.session.max_service() * g
                if paused < rule.range.min:
                    return Conflict(
                        (length.id, breaks.id, rule.id),
                        f"{count} a week of at most {wall * g} minutes, with a "
                        f"{breaks.minutes}-minute break every {breaks.after} service minutes, "
                        f"give at most {paused} service minutes, but {rule.source} needs "
                        f"{rule.range.min}",
                    )
    return None


def _count_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    session = model.session
    for rule in rules:
        if not isinstance(rule, RequirementRule) or rule.requirement.per is not Per.WEEK:
            continue
        req = rule.requirement
        feature = next((f for f in session.features if f.selector == req.selector), None)
        if feature is None:
            continue
        matching = [
            a
            for a in (*session.pool, *session.opening, *session.closing)
            if (span := session.units(a)) is not None and feature.may_count(a, span[1])
        ]
        if any(
            (span := session.units(a)) is not None and feature.may_count(a, span[1])
            for spec in model.tracks
            for a in spec.activities
        ):
            continue
        for layouts in model.weeks:
            sessions = max(len(layout.slots) for layout in layouts)
            most = sessions * len(matching)
            if most < req.min:
                return Conflict(
                    (rule.id,),
                    f"{rule.source} needs at least {req.min} {req.selector.describe()} a week, "
                    f"but sessions may hold {plural(len(matching), 'such activity', 'such activities')} "
                    f"and no activity repeats within a session, so "
                    f"{plural(sessions, 'session')} hold at most {most}",
                )
    return None


def _track_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    placements = {r.index: r for r in rules if isinstance(r, TrackPlacement)}
    for rule in rules:
        if not isinstance(rule, CoreDelivery):
            continue
        spec = model.tracks[rule.index]
        capacity = sum(model.week_capacity(spec, w) for w in range(len(model.weeks)))
        if capacity < len(spec.sequence) and rule.index in placements:
            return Conflict(
                (placements[rule.index].id, rule.id),
                f"core track '{spec.name}' has {plural(len(spec.sequence), 'lesson')}, but its "
                f"days, weeks and pace leave room for at most {capacity}",
            )
    return None


Feasible = Callable[[Inputs, Meter], bool]


def explain(
    inputs: Inputs,
    rules: Sequence[Rule],
    quick: Conflict | None,
    meter: Meter,
    feasible: Feasible,
) -> InfeasibleError:
    """An :class:`~iopkit.errors.InfeasibleError` whose reasons are a conflict: the inputs
    reduced to them are infeasible, and (when ``minimal``) dropping any one of them makes
    the rest feasible. ``feasible`` is the exact check, run under a work budget."""
    context = Context(program=inputs.program, catalog=inputs.catalog)
    candidates = [r for r in rules if r.relax(inputs) is not None]
    current = inputs
    if quick is not None:
        for rule in candidates:
            if rule.id not in quick.rules:
                current = _relaxed(rule, current)
        candidates = [r for r in candidates if r.id in quick.rules]
    keep: list[Rule] = []
    proven = True
    for rule in candidates:
        trial = _relaxed(rule, current)
        try:
            ok = feasible(trial, meter.child(CHECK_WORK, "explaining"))
        except BudgetExceededError as exc:
            if exc.limit != "work":
                raise
            proven = False  # undecided within the work budget: keep the limit
            keep.append(rule)
            continue
        if ok:
            keep.append(rule)
        else:
            current = trial
    summary = quick.summary if quick is not None else ""
    ids = {r.id for r in keep}
    if quick is None or ids != set(quick.rules):
        reduced_rules = all_rules(current.program, current.profiles)
        found = quick_conflict(
            build_model(Context(program=current.program, catalog=current.catalog), reduced_rules),
            reduced_rules,
        )
        summary = found.summary if found is not None and set(found.rules) <= ids else ""
    reasons = [Reason(rule=r.id, message=r.reason(context), where=r.where) for r in keep]
    return InfeasibleError(reasons, summary, minimal=proven)


def _relaxed(rule: Rule, inputs: Inputs) -> Inputs:
    relaxed = rule.relax(inputs)
    return relaxed if relaxed is not None else inputs
