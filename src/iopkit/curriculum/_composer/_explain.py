"""Explaining infeasibility: cheap arithmetic first, then a minimal conflict by deletion.

Every check is the exact search on relaxed inputs, bounded by a budget of work (search
steps), not of time, so the same program gets the same explanation on any machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import attrs

from iopkit._activity import Activity
from iopkit._budget import Meter
from iopkit._types import Weekday
from iopkit.curriculum._composer._model import Layout, Model, Slot, SlotFilter, build_model
from iopkit.curriculum._composer._windows import Windows
from iopkit.curriculum._program import Per, describe_phase
from iopkit.curriculum._rules import (
    Breaks,
    Change,
    Context,
    CoreDelivery,
    Fact,
    Fill,
    Grid,
    Inputs,
    OpeningClosing,
    PatientCoverage,
    RequirementRule,
    Rule,
    SessionLength,
    TrackPlacement,
    WeeklyMinutesRule,
    all_rules,
    plural,
)
from iopkit.errors import BudgetExceededError, InfeasibleError, Reason, Repair

#: Search steps one check of an explanation may take before it is called undecided.
CHECK_WORK = 400_000
#: Search steps spent looking for a quick witness before the exact search.
WITNESS_WORK = 200_000
#: Most filler blocks a session holds in the quick witness search.
WITNESS_FILLERS = 5
#: Search steps a repair's check may take (the whole program, changed).
REPAIR_WORK = 300_000
#: Most checks spent looking for repairs.
REPAIR_CHECKS = 40
#: Search steps all the checks of one explanation may take together, and all the
#: checks of its repairs (past it, the smallest list proven so far is given, not minimal).
EXPLAIN_WORK = 1_500_000
REPAIRS_WORK = 1_000_000


class Conflict(NamedTuple):
    """Rule ids (and finer facts, such as a closure or a lesson's length) that cannot hold
    together, and the arithmetic that shows it."""

    rules: tuple[str, ...]
    summary: str
    facts: tuple[str, ...] = ()


def quick_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """A conflict found by arithmetic alone, or ``None``. The arithmetic reads one
    stream of sessions attended by everyone alike, so it is not tried for programs with
    admission, groups or phases (the search decides those)."""
    if model.open:
        return _stay_conflict(model, rules)
    if model.streams or any(c.phase is not None for c in model.counts):
        return None
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
            tuple(f"catalog:{a.id}:minutes" for a in (*session.opening, *session.closing)),
        )
    for find in (
        _lesson_conflict,
        _ceiling_conflict,
        _weekly_conflict,
        _count_conflict,
        _nested_conflict,
        _track_conflict,
        _demand_conflict,
    ):
        found = find(model, rules)
        if found is not None:
            return found
    return None


def _stay_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """A patient who can never receive every lesson of a core track, or what a per-stay
    requirement asks, from the sittings they attend: the stay tracker's own bound, which
    the search refuses such admissions with."""
    tracker = next((t for t in model.trackers if isinstance(t, Windows)), None)
    if tracker is None:
        return None
    placements = {r.index: r for r in rules if isinstance(r, TrackPlacement)}
    coverage = {r.index: r for r in rules if isinstance(r, PatientCoverage)}
    by_id = {r.id: r for r in rules}
    for week, layouts in enumerate(model.weeks, start=1):
        # the search may lay a week out in any of its ways (a make-up session or not):
        # only when every way admits a patient who can never close is there a conflict
        every = [tracker.unreachable(week, layout) for layout in layouts]
        if not every or any(found is None for found in every):
            continue
        layout, found = layouts[0], every[0]
        if found is None:  # pragma: no cover - checked above
            continue
        slot = layout.slots[found.slot]
        when = f"in week {week}"
        if slot.date is not None:
            when = f"on {slot.day.value} {slot.date.isoformat()} (week {week})"
        elif found.slot:
            when = f"on {slot.day.value} of week {week}"
        stay = plural(found.stay, "week")
        if found.track is not None:
            if found.track not in placements or found.track not in coverage:
                continue
            spec = model.tracks[found.track]
            return Conflict(
                (placements[found.track].id, coverage[found.track].id),
                f"a patient admitted {when} for {stay} can receive at most "
                f"{plural(found.most, 'lesson')} of track '{spec.name}' in the sessions "
                f"they attend, but it has {plural(found.wanted, 'lesson')}",
            )
        limit = found.limit
        rule = by_id.get(limit.rule_id) if limit is not None else None
        if not isinstance(rule, RequirementRule):
            continue
        req = rule.requirement
        what = req.selector.describe(model.context.catalog, found.most)
        during = "the stay" if req.patient_weeks is None else describe_phase(req.patient_weeks)
        return Conflict(
            (rule.id,),
            f"a patient admitted {when} for {stay} attends sessions that can hold at "
            f"most {found.most} {what} in {during}, but {rule.source} needs at least "
            f"{found.wanted}",
        )
    return None


def _closures(model: Model) -> dict[dt.date, str]:
    """The fact id of each closure on a session day, by date."""
    program = model.context.program
    return {
        date: f"closures[{i}]"
        for i, date in enumerate(program.closures)
        if Weekday.of(date.weekday()) in program.days
    }


def _week_closures(model: Model, week: int) -> tuple[str, ...]:
    known = _closures(model)
    if not known:
        return ()
    dates = model.context.program.week_dates(week) or {}
    return tuple(known[d] for d in dates.values() if d in known)


def _lesson_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """A lesson a core track must teach that cannot be placed: off the grid, longer than a
    session, or longer than the service allowed between breaks."""
    session = model.session
    g = model.grid
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    breaks = next((r for r in rules if isinstance(r, Breaks) and r.after is not None), None)
    grid = next((r for r in rules if isinstance(r, Grid)), None)
    for rule in rules:
        if not isinstance(rule, CoreDelivery):
            continue
        spec = model.tracks[rule.index]
        for activity in spec.activities:
            fact = f"catalog:{activity.id}:minutes"
            shown = f"'{activity.title}'"
            span = session.units(activity)
            if span is None and grid is not None:
                return Conflict(
                    (grid.id, rule.id),
                    f"the lesson {shown} lasts {activity.minutes.describe('minutes')}, which is "
                    f"not a whole number of the {g}-minute grid",
                    (fact,),
                )
            if span is None:
                continue
            held = 2 if activity.break_inside else 1  # runs of service it can span
            if (
                breaks is not None
                and session.breaks is not None
                and span[0] > held * session.breaks.after
            ):
                inside = (
                    f"twice the {breaks.after} service minutes allowed between breaks (it "
                    "holds at most one break inside it)"
                    if activity.break_inside
                    else f"the {breaks.after} service minutes allowed between breaks"
                )
                return Conflict(
                    (breaks.id, rule.id),
                    f"the {span[0] * g}-minute lesson {shown} is longer than {inside}",
                    (fact,),
                )
            if length is not None and span[0] > session.max_service():
                return Conflict(
                    (length.id, rule.id),
                    f"the {span[0] * g}-minute lesson {shown} does not fit in a session of at "
                    f"most {session.wall_hi * g} minutes",
                    (fact,),
                )
    return None


def _least_service(model: Model) -> int:
    """The fewest service units a session of at least ``wall_lo`` can hold (a sound
    bound: every run between breaks holds at least one activity of the shortest
    length, or part of one that may hold a break inside it: such an activity can add
    one break more)."""
    session = model.session
    every = [*session.pool, *session.opening, *session.closing]
    every += [a for spec in model.tracks for a in spec.activities]
    spans = [session.units(a) for a in every]
    shortest = min((s[0] for s in spans if s is not None), default=1)
    fixed = sum((session.units(a) or (0, 0))[0] for a in (*session.opening, *session.closing))
    size = session.breaks.size if session.breaks is not None else 0
    inner = [*session.pool, *(a for spec in model.tracks for a in spec.activities)]
    per = 2 if any(a.break_inside for a in inner) else 1  # the frame is held whole
    service = fixed
    while service + (per * service // max(1, shortest)) * size < session.wall_lo:
        service += 1
    return service


def _ceiling_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """Weekly bounds that contradict each other, or a weekly maximum below what the
    sessions must hold at least."""
    weekly = [r for r in rules if isinstance(r, WeeklyMinutesRule)]
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    for low in weekly:
        for high in weekly:
            if (
                high.range.max is not None
                and low.count == high.count
                and low.range.min > high.range.max
            ):
                return Conflict(
                    (low.id, high.id),
                    f"{low.source} needs at least {low.range.min} minutes a week, but "
                    f"{high.source} allows at most {high.range.max}",
                )
    g = model.grid
    least = _least_service(model)
    if length is None or least == 0:
        return None
    for rule in weekly:
        if rule.range.max is None or rule.count.value == "wall":
            continue
        for w, layouts in enumerate(model.weeks):
            sessions = min(len(layout.slots) for layout in layouts)
            if sessions * least * g > rule.range.max:
                return Conflict(
                    (length.id, rule.id),
                    f"{plural(sessions, 'session')} in week {w + 1} of at least "
                    f"{session_minutes(model)} minutes {'holds' if sessions == 1 else 'hold'} "
                    f"at least {sessions * least * g} "
                    f"service minutes, but {rule.source} allows at most {rule.range.max}",
                    _week_closures(model, w + 1),
                )
    return None


def _placeable(model: Model) -> list[tuple[Activity, tuple[int, int], str | None, str | None]]:
    """What the main session can hold, on the grid: each fill, opening and closing
    activity, and each track lesson with the module and track it counts under (for module
    and track selectors), with its lengths in units."""
    session = model.session
    return [
        *(
            (a, span, None, None)
            for a in (*session.pool, *session.opening, *session.closing)
            if (span := session.units(a)) is not None
        ),
        *(
            (a, span, lesson.module, spec.name)
            for spec in model.tracks
            for a, lesson in zip(spec.activities, spec.sequence, strict=True)
            if (span := session.units(a)) is not None
        ),
    ]


def _demand_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """What a week must hold against what its sessions can: the opening and closing
    activities, and for requirements no one activity can meet together (so none of their
    blocks is counted twice), their fewest blocks at their shortest lengths."""
    session = model.session
    g = model.grid
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    if length is None:
        return None
    breaks = next((r for r in rules if isinstance(r, Breaks) and r.after is not None), None)
    oc = next((r for r in rules if isinstance(r, OpeningClosing)), None)
    candidates = _placeable(model)
    # what each requirement needs at least, per block: the same every week
    needs: list[tuple[RequirementRule, int, frozenset[str]]] = []
    for rule in rules:
        if not isinstance(rule, RequirementRule) or rule.requirement.min == 0:
            continue
        if rule.requirement.per.value == "program":
            continue
        feature = next(
            (f for f in session.features if f.selector == rule.requirement.selector), None
        )
        if feature is None:
            continue
        matching = [
            (a, span)
            for a, span, module, track in candidates
            if feature.may_count(a, span[1], module, track)
        ]
        if matching:
            shortest = min(max(span[0], feature.min_units or 0) for _, span in matching)
            needs.append((rule, shortest, frozenset(a.id for a, _ in matching)))
    most = session.max_service()
    weeks = len(model.weeks)
    placements = {r.index: r for r in rules if isinstance(r, TrackPlacement)}
    passed: set[tuple[int, tuple[bool, ...], tuple[int, ...]]] = set()
    # the most lessons each track can have placed before each week
    placed_before = []
    for spec in model.tracks:
        sums = [0]
        for v in range(weeks):
            sums.append(sums[-1] + model.week_capacity(spec, v))
        placed_before.append(sums)

    def in_layout(w: int, layout: Layout) -> Conflict | None:
        """The conflict of week ``w`` laid out this way (a week with make-up options has
        several layouts: it conflicts only when every one of them does)."""
        sessions = sum(1 for slot in layout.slots if slot.group is None)
        active = tuple(any(spec.active(slot) for slot in layout.slots) for spec in model.tracks)
        # the sessions each requirement counts this week (narrowed ones: only some)
        counted = tuple(
            0
            if (where := rule.slot_filter(weeks)) is not None
            and where.weeks is not None
            and w + 1 not in where.weeks
            else _counted(layout, where)
            for rule, _, _ in needs
        )
        shape = (sessions, active, counted)
        if not any(active) and shape in passed:
            return None  # the same demands as a week already checked
        demands: list[tuple[int, str, frozenset[str], str]] = []  # (minutes, rule, ids, words)
        for (rule, shortest, ids), here in zip(needs, counted, strict=True):
            req = rule.requirement
            if here == 0:
                continue  # not counted in this week
            need = req.min * (here if req.per.value == "session" else 1)
            words = f"{need} {req.selector.describe(model.context.catalog, need)}"
            demands.append((need * shortest, rule.id, ids, words))
        for spec, on in zip(model.tracks, active, strict=True):
            placement = placements.get(spec.position)
            if placement is None or spec.per_week_min == 0 or not on:
                continue
            before = placed_before[spec.position][w]
            need = int(min(spec.per_week_min, spec.remaining(before)))
            spans = [session.units(a) for a in spec.activities]
            if need <= 0 or any(span is None for span in spans):
                continue
            shortest = min(span[0] for span in spans if span is not None)
            words = f"{plural(need, 'lesson')} of track '{spec.name}'"
            ids = frozenset(a.id for a in spec.activities)
            demands.append((need * shortest, placement.id, ids, words))
        demands.sort(key=lambda d: -d[0])
        chosen: list[tuple[int, str, frozenset[str], str]] = []
        for demand in demands:
            if all(not (demand[2] & other[2]) for other in chosen):
                chosen.append(demand)
        used = frozenset().union(*(d[2] for d in chosen)) if chosen else frozenset()
        fixed = (
            sum(
                (session.units(a) or (0, 0))[0]
                for a in (*session.opening, *session.closing)
                if a.id not in used
            )
            * sessions
        )
        total = fixed + sum(d[0] for d in chosen)
        capacity = sessions * most
        if not chosen or total <= capacity:
            passed.add(shape)
            return None
        named = [length.id, *(d[1] for d in chosen)]
        if breaks is not None and most < session.wall_hi:
            named.append(breaks.id)
        if fixed and oc is not None:
            named.append(oc.id)
        shown = ", ".join(d[3] for d in chosen)
        return Conflict(
            tuple(named),
            f"week {w + 1} must hold at least {total * g} service minutes ({shown}"
            f"{', and the opening and closing activities' if fixed else ''}), but "
            f"{plural(sessions, 'session')} of at most {session.wall_hi * g} minutes "
            f"{'holds' if sessions == 1 else 'hold'} at most {capacity * g}",
            tuple(f"catalog:{a.id}:minutes" for a in (*session.opening, *session.closing)),
        )

    for w, layouts in enumerate(model.weeks):
        found = [in_layout(w, layout) for layout in layouts]
        if found and all(c is not None for c in found):
            return found[0]  # the fullest layout's arithmetic
    return None


def session_minutes(model: Model) -> int:
    """The shortest session, in minutes."""
    return model.session.wall_lo * model.grid


def _weekly_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    length = next((r for r in rules if isinstance(r, SessionLength)), None)
    breaks = next((r for r in rules if isinstance(r, Breaks) and r.after is not None), None)
    weeks = len(model.weeks)
    g = model.grid
    wall = model.session.wall_hi
    # a week without closures shows a conflict that does not depend on them
    order = sorted(range(weeks), key=lambda w: (bool(_week_closures(model, w + 1)), w))
    for rule in rules:
        if not isinstance(rule, WeeklyMinutesRule) or rule.range.min == 0 or length is None:
            continue
        for w in order:
            if w + 1 > weeks - rule.taper_weeks:
                continue
            closed = _week_closures(model, w + 1)
            sessions = max(len(layout.slots) for layout in model.weeks[w])
            if sessions == 0:
                # nothing about the sessions' length matters: the week has none
                return Conflict(
                    (rule.id,),
                    f"week {w + 1} has no session (the clinic is closed on every session "
                    f"day), so it gives no minutes, but {rule.source} needs {rule.range.min}",
                    closed,
                )
            count = plural(sessions, "session") + " a week"
            if closed:
                count += f" (week {w + 1} has a closure)"
            give = "gives" if sessions == 1 else "give"
            if rule.count.value == "wall":
                if sessions * wall * g < rule.range.min:
                    return Conflict(
                        (length.id, rule.id),
                        f"{count} of at most {wall * g} minutes {give} at most "
                        f"{sessions * wall * g} minutes, but {rule.source} needs "
                        f"{rule.range.min}",
                        closed,
                    )
                continue
            plain = sessions * wall * g
            if plain < rule.range.min:
                return Conflict(
                    (length.id, rule.id),
                    f"{count} of at most {wall * g} minutes {give} at most {plain} "
                    f"service minutes, but {rule.source} needs {rule.range.min}",
                    closed,
                )
            if breaks is not None and model.session.breaks is not None:
                paused = sessions * model.session.max_service() * g
                if paused < rule.range.min:
                    return Conflict(
                        (length.id, breaks.id, rule.id),
                        f"{count} of at most {wall * g} minutes, with a "
                        f"{breaks.minutes}-minute break every {breaks.after} service minutes, "
                        f"{give} at most {paused} service minutes, but {rule.source} "
                        f"needs {rule.range.min}",
                        closed,
                    )
    return None


def _nested_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    """Two requirements counted alike (the same ``per``), where everything the first
    counts the second counts too, at every length, but the first needs more than the
    second allows: at least 3 peer support circles a program, and no group activity."""
    session = model.session
    catalog = model.context.catalog
    candidates = _placeable(model)
    counted = [
        (rule, feature)
        for rule in rules
        if isinstance(rule, RequirementRule) and rule.requirement.patient_weeks is None
        for feature in session.features
        if feature.selector == rule.requirement.selector
    ]
    if not any(layout.slots for layouts in model.weeks for layout in layouts):
        return None  # no session at all: nothing is counted anywhere
    # a per-session requirement binds only if some session must be held: a week in which
    # every layout has one (a closed day with an optional make-up may leave none)
    held = any(all(layout.slots for layout in layouts) for layouts in model.weeks)
    for needs, wanted in counted:
        low = needs.requirement.min
        if low == 0 or (needs.requirement.narrowed and needs.requirement.per is not Per.PROGRAM):
            continue  # (a narrowed one may count in no session, and then binds nothing)
        if needs.requirement.per is Per.SESSION and not held:
            continue
        for caps, ceiling in counted:
            high = caps.requirement.max
            if (
                caps is needs
                or high is None
                or high >= low
                or caps.requirement.per is not needs.requirement.per
                or caps.requirement.narrowed
            ):
                continue
            inside = all(
                ceiling.counts(a, units, module, track)
                for a, span, module, track in candidates
                for units in range(span[0], span[1] + 1)
                if wanted.counts(a, units, module, track)
            )
            if inside:
                per = needs.requirement.per.value
                return Conflict(
                    (needs.id, caps.id),
                    f"{needs.source} needs at least {low} "
                    f"{needs.requirement.selector.describe(catalog, low)} per {per}, but each "
                    f"of them is also one of the "
                    f"{caps.requirement.selector.describe(catalog, 2)}, of which "
                    f"{caps.source} allows "
                    f"{'none' if high == 0 else f'at most {high}'} per {per}",
                )
    return None


def _count_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    session = model.session
    candidates = _placeable(model)
    fill = next((r for r in rules if isinstance(r, Fill) and r.allowed is not None), None)
    for rule in rules:
        if not isinstance(rule, RequirementRule) or rule.requirement.per is not Per.WEEK:
            continue
        req = rule.requirement
        feature = next((f for f in session.features if f.selector == req.selector), None)
        if feature is None:
            continue
        found = [
            (a, module)
            for a, span, module, track in candidates
            if feature.may_count(a, span[1], module, track)
        ]
        if any(module is not None for _, module in found):
            continue  # a track's lessons count too: no quick answer
        matching = [a for a, _ in found]
        counting = rule.slot_filter(len(model.weeks))
        for w in sorted(range(len(model.weeks)), key=lambda w: bool(_week_closures(model, w + 1))):
            if counting is not None and counting.weeks is not None and w + 1 not in counting.weeks:
                continue  # the requirement does not count this week
            sessions = max(_counted(layout, counting) for layout in model.weeks[w])
            most = sessions * len(matching)
            if most < req.min:
                where = "the fill list admits" if fill is not None else "sessions may hold"
                kinds = plural(len(matching), "such activity", "such activities")
                return Conflict(
                    (rule.id, fill.id) if fill is not None else (rule.id,),
                    f"{rule.source} needs at least {req.min} "
                    f"{req.selector.describe(model.context.catalog, req.min)} a week, "
                    f"but {where} {kinds} and no activity repeats within a session, so "
                    f"{plural(sessions, 'session')} "
                    f"{'holds' if sessions == 1 else 'hold'} at most {most}",
                    _week_closures(model, w + 1),
                )
    return None


def _counted(layout: Layout, where: SlotFilter | None) -> int:
    """How many of a week layout's main sessions a requirement counts (``where``: its
    days, weeks, first or last session; all when ``None``)."""
    mains = [slot for slot in layout.slots if slot.group is None]
    if where is None:
        return len(mains)
    return sum(
        1
        for position, slot in enumerate(mains)
        if where.matches(slot, position == 0, position == len(mains) - 1)
    )


def _track_conflict(model: Model, rules: Sequence[Rule]) -> Conflict | None:
    placements = {r.index: r for r in rules if isinstance(r, TrackPlacement)}
    closures = _closures(model)
    program = model.context.program
    for rule in rules:
        if not isinstance(rule, CoreDelivery):
            continue
        spec = model.tracks[rule.index]
        capacity = sum(model.week_capacity(spec, w) for w in range(len(model.weeks)))
        if capacity < len(spec.sequence) and rule.index in placements:
            lost = tuple(
                fact
                for date, fact in closures.items()
                if any(
                    spec.active(Slot(w, Weekday.of(date.weekday()), date))
                    for w in range(1, program.weeks + 1)
                    if date in (program.week_dates(w) or {}).values()
                )
            )
            closed = " (after closures)" if lost else ""
            return Conflict(
                (placements[rule.index].id, rule.id),
                f"core track '{spec.name}' has {plural(len(spec.sequence), 'lesson')}, but its "
                f"days, weeks and pace leave room for at most {capacity}{closed}",
                lost,
            )
    return None


Feasible = Callable[[Inputs, Meter], bool]


class Checker:
    """Decides whether the inputs, reduced to some facts, have a curriculum: every other
    fact is relaxed. Verdicts are cached; each check runs under a budget of work, and a
    check that exhausts it is undecided (``None``)."""

    def __init__(
        self, inputs: Inputs, facts: Sequence[Fact], meter: Meter, feasible: Feasible
    ) -> None:
        self.inputs = inputs
        self.facts = tuple(facts)
        self.meter = meter
        self.feasible = feasible
        self.verdicts: dict[frozenset[str], bool | None] = {}

    def reduced(self, kept: Iterable[str]) -> Inputs:
        """The inputs with every fact outside ``kept`` relaxed."""
        keep = set(kept)
        current = self.inputs
        for fact in self.facts:
            if fact.id not in keep:
                current = fact.relax(current)
        return current

    def status(self, kept: Iterable[str]) -> bool | None:
        """Whether the inputs reduced to ``kept`` have a curriculum (``None``: undecided)."""
        key = frozenset(kept)
        if key not in self.verdicts:
            self.verdicts[key] = self.check(self.reduced(key))
        return self.verdicts[key]

    def smallest(self) -> frozenset[str]:
        """The smallest set of facts proven to conflict so far."""
        proven = [key for key, verdict in self.verdicts.items() if verdict is False]
        return min(proven, key=lambda key: (len(key), sorted(key)))

    def check(self, inputs: Inputs, work: int = CHECK_WORK) -> bool | None:
        """Whether ``inputs`` have a curriculum, within ``work`` steps."""
        try:
            return self.feasible(inputs, self.meter.child(work, "explaining"))
        except BudgetExceededError as exc:
            if exc.limit != "work" or (
                self.meter.work_limit is not None and self.meter.steps >= self.meter.work_limit
            ):
                raise
            return None


def facts_of(inputs: Inputs, rules: Sequence[Rule]) -> list[Fact]:
    """Every fact the rules name, program and profile limits first, then closures and the
    catalog's facts (an explanation prefers the first ones)."""
    found = [fact for rule in rules for fact in rule.facts(inputs)]
    kind = {"closures": 1, "catalog:": 2}

    def order(item: tuple[int, Fact]) -> tuple[int, int]:
        index, fact = item
        for prefix, rank in kind.items():
            if fact.id.startswith(prefix):
                return rank, index
        return 0, index

    return [fact for _, fact in sorted(enumerate(found), key=order)]


def explain(
    inputs: Inputs,
    rules: Sequence[Rule],
    quick: Conflict | None,
    meter: Meter,
    feasible: Feasible,
) -> InfeasibleError:
    """An :class:`~iopkit.errors.InfeasibleError` whose reasons form a conflict (the
    inputs reduced to them have no curriculum: checked) and, when ``minimal``, a minimal
    one (without any one of them the rest have a curriculum: proven by finding one), with
    the nearest repair of each reason that has one (verified by composing)."""
    facts = facts_of(inputs, rules)
    ids = [f.id for f in facts]
    checker = Checker(inputs, facts, meter.child(EXPLAIN_WORK, "explaining"), feasible)
    checker.verdicts[frozenset(ids)] = False  # the whole program: known to be infeasible
    try:
        conflict: list[str] | None = None
        if quick is not None:
            implicated = [i for i in ids if i in quick.rules or i in quick.facts]
            if checker.status(implicated) is False:
                conflict = _deletion(checker, implicated, [])
        if conflict is None:
            conflict = _quickxplain(checker, ids)
        if checker.status(conflict) is not False:  # not confirmed: delete from all facts
            conflict = _deletion(checker, ids, [])
        minimal = all(
            checker.status([i for i in conflict if i != fact]) is True for fact in conflict
        )
    except BudgetExceededError as exc:
        if exc.limit != "work":
            raise
        # out of explaining work: the smallest list proven to conflict so far
        conflict = [i for i in ids if i in checker.smallest()]
        minimal = False
    by_id = {f.id: f for f in facts}
    reasons = [
        Reason(rule=i, message=by_id[i].message, where=by_id[i].where, file=_file(inputs, by_id[i]))
        for i in conflict
    ]
    if quick is not None and all(i in conflict for i in quick.rules):
        # the arithmetic about the program as written (a reduced program may have a
        # closed session open again, and then names a day the clinic is closed)
        summary = quick.summary
    else:
        reduced = checker.reduced(conflict)
        reduced_rules = all_rules(reduced.program, reduced.profiles)
        found = quick_conflict(
            build_model(Context(program=reduced.program, catalog=reduced.catalog), reduced_rules),
            reduced_rules,
        )
        summary = found.summary if found is not None else ""
    repairs: list[Repair] = []
    checker.meter = meter.child(REPAIRS_WORK, "looking for repairs")
    with contextlib.suppress(BudgetExceededError):  # repairs are dropped, not the reasons
        _repairs(checker, [by_id[i] for i in conflict], repairs)
    return InfeasibleError(reasons, summary, minimal=minimal, repairs=repairs)


def _file(inputs: Inputs, fact: Fact) -> str | None:
    if fact.where.startswith("/"):
        return inputs.program.file
    if fact.where.startswith("profile:"):
        name = fact.where.split(":", 1)[1].split("/", 1)[0]
        for profile in inputs.profiles:
            if profile.id == name:
                return profile.file
    return None


def _deletion(checker: Checker, candidates: Sequence[str], background: Sequence[str]) -> list[str]:
    """Drop each candidate whose absence keeps the rest infeasible (an undecided check
    keeps it)."""
    keep = list(candidates)
    for fact in candidates:
        trial = [i for i in keep if i != fact]
        if checker.status([*background, *trial]) is False:
            keep = trial
    return keep


def _quickxplain(checker: Checker, candidates: Sequence[str]) -> list[str]:
    """A minimal conflict among the candidates, preferring the first ones (Junker's
    QuickXplain: a few checks for each fact in the conflict, not one for every fact)."""

    def infeasible(kept: Sequence[str]) -> bool:
        return checker.status(kept) is False

    def qx(background: list[str], *, delta: bool, items: list[str]) -> list[str]:
        if delta and infeasible(background):
            return []
        if len(items) == 1:
            return list(items)
        half = len(items) // 2
        first, second = items[:half], items[half:]
        found_second = qx([*background, *first], delta=bool(first), items=second)
        found_first = qx([*background, *found_second], delta=bool(found_second), items=first)
        return found_first + found_second

    if not candidates:
        return []
    order = {item: position for position, item in enumerate(candidates)}
    return sorted(qx([], delta=False, items=list(candidates)), key=order.__getitem__)


def _repairs(checker: Checker, facts: Sequence[Fact], found: list[Repair]) -> None:
    """For each fact, the smallest change among its ladders that makes the whole program
    feasible, verified by composing (a curriculum is found for it), added to ``found`` as
    they are found."""
    budget = REPAIR_CHECKS
    for fact in facts:
        best: Change | None = None
        best_inputs: Inputs | None = None
        for ladder in fact.repairs(checker.inputs):
            steps = ladder.steps
            if not steps or budget <= 0:
                continue
            if best is not None and steps[0].size >= best.size:
                continue
            # gallop: steps 0, 1, 3, 7, ... until one works (near steps are cheap to
            # check and often enough), then halve the last gap
            low, high, probe = 0, -1, 0
            while probe < len(steps) and budget > 0:
                budget -= 1
                if checker.check(steps[probe].apply(checker.inputs), REPAIR_WORK) is True:
                    high = probe
                    break
                low = probe + 1
                probe = min(2 * probe + 1, len(steps) - 1) if probe < len(steps) - 1 else len(steps)
            if high < 0:
                continue
            while low < high and budget > 0:
                middle = (low + high) // 2
                budget -= 1
                if checker.check(steps[middle].apply(checker.inputs), REPAIR_WORK) is True:
                    high = middle
                else:
                    low = middle + 1
            if best is None or steps[high].size < best.size:
                best = steps[high]
                best_inputs = best.apply(checker.inputs)
        if best is not None and best_inputs is not None:
            changed = attrs.evolve(best_inputs.program, catalog=best_inputs.catalog)
            found.append(
                Repair(rule=fact.id, message=best.message, size=best.size, program=changed)
            )
