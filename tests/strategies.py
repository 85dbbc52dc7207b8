"""Hypothesis strategies for every iopkit building block, shared by all tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import iopkit
from iopkit import (
    Activity,
    ActivityKind,
    Block,
    Catalog,
    Format,
    Range,
    Session,
    SkillModule,
    TherapyModality,
    Weekday,
)

slugs = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}\Z")
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() != "")


def ranges(low: int = 0, high: int = 300, *, bounded: bool = False) -> st.SearchStrategy[Range]:
    """Ranges within [low, high]; unbounded ones too unless ``bounded``."""

    @st.composite
    def build(draw: st.DrawFn) -> Range:
        a = draw(st.integers(low, high))
        b = draw(st.integers(a, high))
        if not bounded and draw(st.booleans()):
            return Range(min=a)
        return Range(min=a, max=b)

    return build()


modalities = st.builds(TherapyModality, id=slugs, name=texts, description=st.just("") | texts)

activity_minutes = st.integers(1, 480) | ranges(1, 480, bounded=True)


def activities(
    *, kinds: st.SearchStrategy[ActivityKind] | None = None
) -> st.SearchStrategy[Activity]:
    """Activities with any modality reference (or none)."""
    return st.builds(
        Activity,
        id=slugs,
        title=texts,
        kind=st.sampled_from(ActivityKind) if kinds is None else kinds,
        minutes=activity_minutes,
        format=st.sampled_from(Format),
        modality=st.none() | slugs,
        objectives=st.lists(texts, max_size=2).map(tuple),
        materials=st.lists(texts, max_size=2).map(tuple),
        billing_code=st.none() | st.sampled_from(["90853", "90834", "G0410"]),
        description=st.just("") | texts,
    )


lessons = activities(
    kinds=st.sampled_from([k for k in ActivityKind if k is not ActivityKind.BREAK])
)


@st.composite
def skill_modules(draw: st.DrawFn) -> SkillModule:
    """A module with unique lesson ids and no self-requirement."""
    module_id = draw(slugs)
    found = draw(st.lists(lessons, min_size=1, max_size=4, unique_by=lambda a: a.id))
    requires = draw(st.lists(slugs.filter(lambda s: s != module_id), max_size=2, unique=True))
    return SkillModule(
        id=module_id,
        title=draw(texts),
        modality=draw(slugs),
        lessons=tuple(found),
        skills=tuple(draw(st.lists(texts, max_size=2))),
        requires=tuple(requires),
        description=draw(st.just("") | texts),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """A consistent catalog: unique ids, resolved references, acyclic prerequisites."""
    mods = draw(st.lists(modalities, min_size=1, max_size=4, unique_by=lambda m: m.id))
    modality_ids = [m.id for m in mods]
    used: set[str] = set()

    def fresh(value: str) -> bool:
        if value in used:
            return False
        used.add(value)
        return True

    acts = draw(st.lists(activities(), max_size=6, unique_by=lambda a: a.id))
    acts = [a for a in acts if fresh(a.id)]
    acts = [
        iopkit_evolve(a, modality=draw(st.none() | st.sampled_from(modality_ids))) for a in acts
    ]
    modules: list[SkillModule] = []
    for module in draw(st.lists(skill_modules(), max_size=4, unique_by=lambda m: m.id)):
        kept = tuple(
            iopkit_evolve(lesson, modality=draw(st.none() | st.sampled_from(modality_ids)))
            for lesson in module.lessons
            if fresh(lesson.id)
        )
        if not kept:
            continue
        earlier = [m.id for m in modules]
        requires = (
            tuple(draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)))
            if earlier
            else ()
        )
        modules.append(
            iopkit_evolve(
                module,
                lessons=kept,
                modality=draw(st.sampled_from(modality_ids)),
                requires=requires,
            )
        )
    return Catalog(modalities=mods, activities=acts, modules=modules)


def iopkit_evolve(obj, **changes):  # type: ignore[no-untyped-def]
    """attrs.evolve, named for readability in strategies."""
    import attrs

    return attrs.evolve(obj, **changes)


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    """A session of back-to-back blocks made from random activities."""
    acts = draw(st.lists(activities(), min_size=1, max_size=6))
    start = 0
    blocks = []
    for act in acts:
        minutes = draw(st.integers(act.minutes.min, act.minutes.max or act.minutes.min))
        blocks.append(Block.of(act, start=start, minutes=minutes))
        start += minutes
    return Session(
        number=draw(st.integers(1, 50)), day=draw(st.sampled_from(Weekday)), blocks=blocks
    )


builtin = iopkit.builtin_catalog


def _containers(value, path=()):  # type: ignore[no-untyped-def]
    """Every (path, dict) inside a JSON-like value."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from _containers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _containers(item, (*path, index))


@st.composite
def mutated(draw: st.DrawFn, document: dict) -> tuple[dict, str, tuple]:  # type: ignore[type-arg]
    """A deep copy of ``document`` with one random mutation.

    Returns ``(mutated, how, path)`` where ``how`` is ``unknown-key``, ``wrong-type`` or
    ``missing-key`` and ``path`` locates the change.
    """
    import copy

    doc = copy.deepcopy(document)
    places = [(p, d) for p, d in _containers(doc)]
    path, target = draw(st.sampled_from(places))
    how = draw(st.sampled_from(["unknown-key", "wrong-type", "missing-key"]))
    if how == "unknown-key" or not [k for k in target if k != "iopkit"]:
        key = draw(st.from_regex(r"\Azz[a-z_]{0,8}\Z"))
        target[key] = draw(st.integers() | st.text(max_size=5))
        return doc, "unknown-key", (*path, key)
    key = draw(st.sampled_from(sorted(k for k in target if k != "iopkit")))
    if how == "missing-key":
        del target[key]
        return doc, how, (*path, key)
    old = target[key]
    target[key] = draw(
        st.sampled_from([[], {}, "text", -7, 3.5, True, None]).filter(
            lambda v: type(v) is not type(old)
        )
    )
    return doc, how, (*path, key)


# -- programs -------------------------------------------------------------------------

SMALL_KINDS = [
    ActivityKind.PROCESS_GROUP,
    ActivityKind.PSYCHOEDUCATION,
    ActivityKind.MINDFULNESS,
    ActivityKind.SKILLS_PRACTICE,
    ActivityKind.INDIVIDUAL_CHECK_IN,
]


@st.composite
def small_catalogs(draw: st.DrawFn, *, spanning: bool = False) -> Catalog:
    """A small catalog for composer tests: a few fillers, a break, up to two modules.
    With ``spanning``, some fillers and lessons are long and may hold a break inside
    them (``break_inside``)."""
    modality = TherapyModality(id="m", name="M")
    count = draw(st.integers(1, 4))
    acts = [
        Activity(id="open", title="Open", kind="check-in", minutes=draw(st.sampled_from([10, 15]))),
        Activity(id="close", title="Close", kind="wrap-up", minutes=10),
        Activity(id="pause", title="Pause", kind="break", minutes=10),
    ]
    for i in range(count):
        low = draw(st.sampled_from([15, 20, 30, 45, *([60, 75, 90] if spanning else [])]))
        high = draw(st.sampled_from([low, low, low + 15, low + 30]))
        acts.append(
            Activity(
                id=f"f{i}",
                title=f"F{i}",
                kind=draw(st.sampled_from(SMALL_KINDS)),
                format=draw(st.sampled_from([Format.GROUP, Format.GROUP, Format.INDIVIDUAL])),
                minutes=Range(min=low, max=high),
                modality=draw(st.sampled_from([None, "m"])),
                break_inside=spanning and draw(st.booleans()),
            )
        )
    modules = []
    for j in range(draw(st.integers(0, 2))):
        lessons = tuple(
            Activity(
                id=f"l{j}-{k}",
                title=f"L{j}.{k}",
                kind=draw(
                    st.sampled_from([ActivityKind.SKILLS_TRAINING, ActivityKind.PSYCHOEDUCATION])
                ),
                minutes=draw(
                    st.sampled_from(
                        [30, 45, Range(min=30, max=45), *([75, 100, 120] if spanning else [])]
                    )
                ),
                modality="m",
                break_inside=spanning and draw(st.booleans()),
            )
            for k in range(draw(st.integers(1, 3)))
        )
        requires = ("mod0",) if j == 1 and draw(st.booleans()) else ()
        modules.append(
            SkillModule(
                id=f"mod{j}", title=f"Mod {j}", modality="m", lessons=lessons, requires=requires
            )
        )
    return Catalog(modalities=[modality], activities=acts, modules=modules)


@st.composite
def small_programs(draw: st.DrawFn, *, rolling: bool = True, spanning: bool = False):  # type: ignore[no-untyped-def]
    """``(program, catalog)``: a small random program over a small random catalog.

    Small enough for an exact CP-SAT model to settle quickly, varied enough to reach
    every kind of limit: session length, opening and closing, breaks, weekly minutes,
    requirements per session, week and program (with ``min_minutes``), tracks with days,
    windows, paces, repeats and prerequisites, closures with make-up days, and rolling
    admission.
    """
    import datetime as dt

    from iopkit.curriculum import (
        BreakRule,
        Program,
        Requirement,
        RollingAdmission,
        Selector,
        SessionShape,
        Track,
        WeeklyMinutes,
        Weeks,
    )

    catalog = draw(small_catalogs(spanning=spanning))
    weeks = draw(st.integers(1, 3))
    days = tuple(
        draw(
            st.lists(
                st.sampled_from(["mon", "tue", "wed", "thu"]), min_size=1, max_size=3, unique=True
            )
        )
    )
    start = dt.date(2027, 1, 4)
    closures: tuple[dt.date, ...] = ()
    makeup: tuple[str, ...] = ()
    if draw(st.booleans()):
        day = draw(st.sampled_from(days))
        week = draw(st.integers(1, weeks))
        closures = (start + dt.timedelta(weeks=week - 1, days=Weekday(day).position),)
        makeup = tuple(draw(st.lists(st.sampled_from(["fri", "sat"]), max_size=1)))
    low = draw(st.sampled_from([45, 60, 90, 120, *([150, 180] if spanning else [])]))
    high = low + draw(st.sampled_from([0, 15, 30, 60]))
    opening = ("open",) if draw(st.booleans()) else ()
    closing = ("close",) if draw(st.booleans()) else ()
    breaks = (
        BreakRule(after=draw(st.sampled_from([45, 60, 90])), minutes=10, activity="pause")
        if spanning or draw(st.booleans())
        else None
    )
    weekly = WeeklyMinutes()
    if draw(st.booleans()):
        wmin = draw(st.sampled_from([0, 60, 120, 200, 300]))
        wmax = draw(st.sampled_from([None, wmin + 60, wmin + 200]))
        weekly = WeeklyMinutes(min=wmin, max=wmax, count=draw(st.sampled_from(["service", "wall"])))
    fillers = [a for a in catalog.activities if a.id.startswith("f")]
    require = []
    for _ in range(draw(st.integers(0, 2))):
        how = draw(st.sampled_from(["activity", "kind", "format"]))
        if how == "activity":
            sel = Selector(activity=draw(st.sampled_from(fillers)).id)
        elif how == "kind":
            sel = Selector(kind=draw(st.sampled_from(SMALL_KINDS + [ActivityKind.SKILLS_TRAINING])))
        else:
            sel = Selector(
                format=draw(st.sampled_from([Format.GROUP, Format.INDIVIDUAL])),
                min_minutes=draw(st.sampled_from([None, 30, 45])),
            )
        rmin = draw(st.integers(0, 2))
        rmax = draw(st.sampled_from([None, rmin, rmin + 1]))
        require.append(
            Requirement(
                per=draw(st.sampled_from(["session", "week", "program"])),
                selector=sel,
                min=rmin,
                max=rmax,
            )
        )
    tracks = []
    # tracks draw their modules from the catalog in any order, so a module may depend on
    # one that another track teaches, listed before or after it (cross-track prerequisites)
    module_ids = [m.id for m in catalog.modules]
    count = draw(st.integers(0, 2)) if module_ids else 0
    for t in range(count):
        chosen = draw(st.lists(st.sampled_from(module_ids), min_size=1, max_size=2))
        track_days = None
        if draw(st.booleans()):
            track_days = (draw(st.sampled_from(days)),)
        window = None
        if weeks > 1 and draw(st.booleans()):
            first = draw(st.integers(1, weeks))
            window = Weeks(from_=first, to=draw(st.integers(first, weeks)))
        per_week_min = draw(st.integers(0, 1))
        tracks.append(
            Track(
                name=f"T{t}",
                modules=tuple(chosen),
                # a per-session minimum now and then (at most its maximum)
                per_session=Range(
                    min=draw(st.sampled_from([0, 0, 0, 1])), max=draw(st.integers(1, 3))
                ),
                per_week=Range(min=per_week_min, max=draw(st.sampled_from([None, 1, 2, 3]))),
                days=track_days,
                weeks=window,
                repeat=draw(st.booleans()),
                core=draw(st.booleans()),
            )
        )
    roll = None
    if rolling and tracks and weeks >= 2 and draw(st.booleans()):
        roll = RollingAdmission(stay_weeks=draw(st.integers(1, weeks)))
    program = Program(
        name="Random",
        weeks=weeks,
        days=days,
        start=start,
        closures=closures,
        makeup_days=makeup,
        session=SessionShape(
            minutes=Range(min=low, max=high), opening=opening, closing=closing, breaks=breaks
        ),
        weekly_minutes=weekly,
        require=tuple(require),
        tracks=tuple(tracks),
        rolling_admission=roll,
    )
    return program, catalog


# -- fuzzing ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def near_documents(draw: st.DrawFn, kind: str) -> object:
    """A JSON value that often looks like an iopkit document of ``kind`` (right marker,
    plausible keys) but with arbitrary values."""
    keys = {
        "catalog": ["modalities", "activities", "modules"],
        "program": ["name", "weeks", "days", "session", "require", "tracks", "start", "closures"],
        "curriculum": ["program", "weeks"],
    }[kind]
    if draw(st.booleans()):
        return draw(json_values)
    doc = {"iopkit": f"{kind}/1"}
    for key in draw(st.lists(st.sampled_from(keys), unique=True)):
        doc[key] = draw(json_values)
    return doc


# -- open enrolment ----------------------------------------------------------------------

#: Phases as files write them, with the longest stay each needs to hold a week.
OPEN_PHASES: list[tuple[object, int]] = [
    ("first", 1),
    ("last", 1),
    ({"last": 2}, 1),
    ({"from": 2}, 2),
    ({"from": 1, "to": 2}, 1),
    (2, 2),
    (["first", "last"], 1),
    ([1, {"from": 3}], 3),
]


@st.composite
def open_programs(draw: st.DrawFn, *, spanning: bool = False):  # type: ignore[no-untyped-def]
    """``(program, catalog)``: a small random open-enrolment program over a small random
    catalog, in the style of :func:`small_programs`.

    Small enough for the oracle (at most 4 weeks, 3 session days), varied enough to reach
    every per-patient limit: admission every week, every day or on dates; fixed stays and
    stay ranges; cycles (with stays longer than the cycle); closures outside cycles; groups
    beside, before and after the main blocks with their own minutes, days and fill; phases
    on groups and requirements; requirements counting lessons of a module or a track, now
    and then narrowed to a day, a week or the week's first or last session; tracks in groups, standalone tracks, prerequisites; a compliance profile with weekly
    minutes and tapering weeks, long sessions and a requirement. With ``spanning``, long
    lessons and fillers that may hold a break inside them (:func:`small_catalogs`).
    """
    import datetime as dt

    from iopkit.curriculum import (
        BreakRule,
        Program,
        Requirement,
        Selector,
        SessionShape,
        Track,
        WeeklyMinutes,
        Which,
    )
    from iopkit.curriculum._profile import Profile, ProfileLongSessions, ProfileWeeklyMinutes
    from iopkit.curriculum._program import Admission, Group, Stay, phase

    catalog = draw(small_catalogs(spanning=spanning))
    cycle = draw(st.booleans())
    weeks = draw(st.integers(1, 4))
    days = tuple(
        draw(
            st.lists(
                st.sampled_from(["mon", "tue", "wed", "thu"]), min_size=1, max_size=3, unique=True
            )
        )
    )
    days = tuple(sorted(days, key=lambda d: Weekday(d).position))
    start = dt.date(2027, 1, 4)  # a Monday
    longest = draw(st.integers(1, weeks + 1 if cycle else weeks))
    shortest = draw(st.integers(max(1, longest - 1), longest))
    stay = Stay(min=shortest, max=longest)
    last_week = weeks if cycle else weeks - longest + 1
    closures: tuple[dt.date, ...] = ()
    # a closure only where another session keeps its week open: a week without sessions
    # admits no one, which could leave a program with no admission point at all
    if not cycle and len(days) > 1 and draw(st.booleans()):
        week = draw(st.integers(1, weeks))
        day = draw(st.sampled_from(days))
        closures = (start + dt.timedelta(weeks=week - 1, days=Weekday(day).position),)
    how = draw(st.sampled_from(["week", "day", "dates"]))
    if how == "dates":
        choices = [
            start + dt.timedelta(weeks=w, days=Weekday(d).position)
            for w in range(last_week)
            for d in days
        ]
        choices = [d for d in choices if d not in closures]
        if not choices:
            how = "week"
        else:
            dates = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2, unique=True))
            admission = Admission(dates=tuple(sorted(dates)))
    if how != "dates":
        admission = Admission(every=how)

    low = draw(st.sampled_from([45, 60, 90]))
    high = low + draw(st.sampled_from([0, 15, 30, 60]))
    opening = ("open",) if draw(st.booleans()) else ()
    closing = ("close",) if draw(st.booleans()) else ()
    breaks = (
        BreakRule(after=draw(st.sampled_from([45, 60, 90])), minutes=10, activity="pause")
        if draw(st.booleans())
        else None
    )
    weekly = WeeklyMinutes()
    if draw(st.booleans()):
        wmin = draw(st.sampled_from([0, 60, 120, 200]))
        wmax = draw(st.sampled_from([None, wmin + 60, wmin + 200]))
        weekly = WeeklyMinutes(min=wmin, max=wmax, count=draw(st.sampled_from(["service", "wall"])))
    fillers = [a for a in catalog.activities if a.id.startswith("f")]

    def a_phase():  # type: ignore[no-untyped-def]
        written, _ = draw(st.sampled_from([p for p in OPEN_PHASES if p[1] <= longest]))
        return phase(written)

    groups = []
    places = draw(st.lists(st.sampled_from(["beside", "before", "after"]), max_size=2, unique=True))
    for g, place in enumerate(places):
        minutes = None
        if place != "beside" or draw(st.booleans()):
            glow = draw(st.sampled_from([15, 30, 45]))
            minutes = Range(min=glow, max=glow + draw(st.sampled_from([0, 15, 30])))
        fill = None
        if place != "beside" or draw(st.booleans()):
            # mostly something to fill a before or after group with (it has no fill else)
            least = 0 if draw(st.integers(0, 4)) == 0 else 1
            chosen = draw(
                st.lists(st.sampled_from(fillers), min_size=least, max_size=2, unique=True)
            )
            fill = tuple(a.id for a in chosen)
        group_days = None
        if draw(st.booleans()):
            group_days = (draw(st.sampled_from(days)),)
        groups.append(
            Group(
                name=f"g{g}",
                patient_weeks=a_phase(),
                place=place,
                minutes=minutes,
                days=group_days,
                fill=fill,
            )
        )

    tracks = []
    module_ids = [m.id for m in catalog.modules]
    for t in range(draw(st.integers(0, 2)) if module_ids else 0):
        tracks.append(
            Track(
                name=f"T{t}",
                modules=tuple(draw(st.lists(st.sampled_from(module_ids), min_size=1, max_size=2))),
                per_session=Range(min=0, max=draw(st.integers(1, 2))),
                per_week=Range(
                    min=draw(st.integers(0, 1)), max=draw(st.sampled_from([None, 1, 2, 3]))
                ),
                days=(draw(st.sampled_from(days)),) if draw(st.booleans()) else None,
                repeat=draw(st.booleans()),
                core=draw(st.booleans()),
                group=draw(st.sampled_from([None, *(g.name for g in groups)])),
                standalone=draw(st.booleans()),
            )
        )

    def requirement():  # type: ignore[no-untyped-def]
        by = draw(
            st.sampled_from(
                ["activity", "kind", "format"]
                + (["module"] if module_ids else [])
                + (["track"] if tracks else [])
            )
        )
        if by == "activity":
            sel = Selector(activity=draw(st.sampled_from(fillers)).id)
        elif by == "kind":
            sel = Selector(kind=draw(st.sampled_from(SMALL_KINDS + [ActivityKind.SKILLS_TRAINING])))
        elif by == "module":
            sel = Selector(module=draw(st.sampled_from(module_ids)))
        elif by == "track":
            sel = Selector(track=draw(st.sampled_from([t.name for t in tracks])))
        else:
            sel = Selector(
                format=draw(st.sampled_from([Format.GROUP, Format.INDIVIDUAL])),
                min_minutes=draw(st.sampled_from([None, 30])),
            )
        rmin = draw(st.integers(0, 2))
        # now and then narrowed to a day, some calendar weeks, or the week's first or
        # last session
        narrowing: dict[str, Any] = {}
        if draw(st.integers(0, 3)) == 0:
            kind = draw(st.sampled_from(["days", "weeks", "session"]))
            if kind == "days":
                narrowing["days"] = (draw(st.sampled_from(days)),)
            elif kind == "weeks":
                narrowing["weeks"] = (draw(st.integers(1, weeks)),)
            else:
                narrowing["session"] = draw(st.sampled_from(list(Which)))
        return Requirement(
            per=draw(st.sampled_from(["session", "week", "program"])),
            selector=sel,
            min=rmin,
            max=draw(st.sampled_from([None, rmin, rmin + 1])),
            patient_weeks=a_phase() if draw(st.booleans()) else None,
            **narrowing,
        )

    require = [requirement() for _ in range(draw(st.integers(0, 2)))]

    # now and then a compliance profile: weekly minutes with tapering weeks, long
    # sessions, a requirement of its own
    profile = None
    if draw(st.integers(0, 2)) == 0:
        pmin = draw(st.sampled_from([0, 60, 90, 120]))
        weekly_minutes = None
        if draw(st.booleans()):
            weekly_minutes = ProfileWeeklyMinutes(
                min=pmin,
                max=draw(st.sampled_from([None, pmin + 60, pmin + 120])),
                count=draw(st.sampled_from(["service", "wall"])),
                taper_weeks=draw(st.integers(0, 2)),
            )
        long_sessions = None
        if draw(st.booleans()):
            long_sessions = ProfileLongSessions(
                min=draw(st.integers(1, 2)), min_minutes=draw(st.sampled_from([45, 60, 75]))
            )
        profile = Profile(
            id="random-profile",
            title="Random profile",
            source="a test",
            checked=start,
            weekly_minutes=weekly_minutes,
            long_sessions=long_sessions,
            require=tuple(requirement() for _ in range(draw(st.integers(0, 1)))),
        )
    program = Program(
        name="Random open",
        weeks=weeks,
        days=days,
        start=start,
        closures=closures,
        session=SessionShape(
            minutes=Range(min=low, max=high), opening=opening, closing=closing, breaks=breaks
        ),
        weekly_minutes=weekly,
        require=tuple(require),
        tracks=tuple(tracks),
        admission=admission,
        stay=stay,
        cycle=cycle,
        groups=tuple(groups),
        profiles=("random-profile",) if profile is not None else (),
        profile_definitions=(("random-profile", profile),) if profile is not None else (),
    )
    return program, catalog


# -- programs written in Python -----------------------------------------------------------


@st.composite
def scripted(draw: st.DrawFn, program):  # type: ignore[no-untyped-def]
    """The keyword arguments a script passes to build ``program``: each value written, at
    random, as the typed object or as a program file writes it (texts for weekdays, kinds
    and dates, mappings for parts, a requirement's selector keys beside its others, a
    single text for a list of one), with default values sometimes left out.
    ``Program(**kwargs) == program``."""
    import attrs

    from iopkit.curriculum import Program, Selector

    def pick(*options):  # type: ignore[no-untyped-def]
        return draw(st.sampled_from(options))

    def texts(values):  # type: ignore[no-untyped-def]
        words = [getattr(v, "value", v) for v in values]
        if len(words) == 1 and draw(st.booleans()):
            return words[0]
        return pick(words, tuple(words), list(values))

    def dates(values):  # type: ignore[no-untyped-def]
        written = [pick(d, d.isoformat()) for d in values]
        return written[0] if len(written) == 1 and draw(st.booleans()) else written

    def bounds(value):  # type: ignore[no-untyped-def]
        written = {"min": value.min} if value.min or value.max is None else {}
        if value.max is not None:
            written["max"] = value.max
        return pick(value, written or {"min": 0})

    def span(value):  # type: ignore[no-untyped-def]
        if value.from_end and value.from_ == 1:
            return pick(value, "last" if value.to == 1 else {"last": value.to})
        if value.from_end:
            return value
        if value.from_ == value.to:
            return pick(value, value.from_, "first" if value.from_ == 1 else value.from_)
        return pick(value, {"from": value.from_, **({"to": value.to} if value.to else {})})

    def phase(values):  # type: ignore[no-untyped-def]
        if values is None:
            return None
        written = [span(v) for v in values]
        return written[0] if len(written) == 1 and draw(st.booleans()) else written

    def written_weeks(value):  # type: ignore[no-untyped-def]
        if isinstance(value, tuple):
            return list(value)
        window = {"from": value.from_}
        if value.to is not None:
            window["to"] = value.to
        return window

    def selector(sel: Selector):  # type: ignore[no-untyped-def]
        keys = {}
        if sel.activity is not None:
            keys["activity"] = sel.activity
        if sel.kind is not None:
            keys["kind"] = texts(sel.kind)
        if sel.modality is not None:
            keys["modality"] = sel.modality
        if sel.format is not None:
            keys["format"] = pick(sel.format, sel.format.value)
        if sel.module is not None:
            keys["module"] = sel.module
        if sel.track is not None:
            keys["track"] = sel.track
        if sel.min_minutes is not None:
            keys["min_minutes"] = sel.min_minutes
        return keys

    def fields(obj, written):  # type: ignore[no-untyped-def]
        """The object, or a mapping of its non-default fields (defaults kept at random)."""
        if draw(st.integers(0, 3)) == 0:
            return obj
        result = {}
        for field in attrs.fields(type(obj)):
            name = field.name.rstrip("_")
            value = getattr(obj, field.name)
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()  # type: ignore[call-arg]
            if value == default and draw(st.booleans()):
                continue
            result[name] = written.get(field.name, lambda v: v)(value)
        return result

    def requirement(req):  # type: ignore[no-untyped-def]
        how = draw(st.integers(0, 2))
        if how == 0:
            return req
        rest = {"per": pick(req.per, req.per.value), "min": req.min}
        if req.max is not None:
            rest["max"] = req.max
        if req.patient_weeks is not None:
            rest["patient_weeks"] = phase(req.patient_weeks)
        if req.days is not None:
            rest["days"] = pick(req.days, [d.value for d in req.days])
        if req.weeks is not None:
            rest["weeks"] = pick(req.weeks, written_weeks(req.weeks))
        if req.session is not None:
            rest["session"] = pick(req.session, req.session.value)
        if how == 1:
            return {**selector(req.selector), **rest}
        return {"selector": pick(req.selector, selector(req.selector)), **rest}

    def admission(value):  # type: ignore[no-untyped-def]
        if value is None or draw(st.booleans()):
            return value
        if value.every is not None:
            return {"every": value.every.value}
        if value.track is not None:
            written = {"at": "module-starts", "track": value.track}
            if value.modules is not None:
                written["modules"] = texts(value.modules)
            return written
        return {"dates": dates(value.dates)}

    def stay(value):  # type: ignore[no-untyped-def]
        if value is None or draw(st.booleans()):
            return value
        return {"weeks": value.min if value.fixed else {"min": value.min, "max": value.max}}

    optional_texts = {"opening": texts, "closing": texts, "fill": lambda v: v and texts(v)}
    part = {
        "session": lambda v: fields(
            v,
            {
                "minutes": bounds,
                **optional_texts,
                "breaks": lambda b: b and fields(b, {}),
            },
        ),
        "weekly_minutes": lambda v: fields(v, {"count": lambda c: pick(c, c.value)}),
        "rolling_admission": lambda v: v and fields(v, {}),
        "admission": admission,
        "stay": stay,
        "days": texts,
        "makeup_days": texts,
        "closures": dates,
        "start": lambda v: v and pick(v, v.isoformat()),
        "population": lambda v: pick(v, v.value),
        "catalogs": texts,
        "profiles": texts,
        "require": lambda v: [requirement(r) for r in v],
        "tracks": lambda v: [
            fields(
                t,
                {
                    "modules": texts,
                    "per_session": bounds,
                    "per_week": bounds,
                    "days": lambda d: d and texts(d),
                    "weeks": lambda w: w and fields(w, {}),
                },
            )
            for t in v
        ],
        "groups": lambda v: [
            fields(
                g,
                {
                    "patient_weeks": phase,
                    "place": lambda p: pick(p, p.value),
                    "minutes": lambda m: (
                        m and (m.min if m.fixed and draw(st.booleans()) else bounds(m))
                    ),
                    "days": lambda d: d and texts(d),
                    "fill": lambda f: f and texts(f),
                },
            )
            for g in v
        ],
    }
    kwargs = {}
    for field in attrs.fields(Program):
        if not field.init or field.name in {"catalog", "profile_definitions", "file"}:
            continue
        value = getattr(program, field.name)
        if field.default is not attrs.NOTHING and value == field.default and draw(st.booleans()):
            continue
        kwargs[field.name] = part.get(field.name, lambda v: v)(value)
    return kwargs


# -- attendance records (issue #15) -----------------------------------------------------------

#: Example programs whose curricula attendance properties run on: open enrolment with
#: groups before and after the sessions in a cycle, admission at module starts, a group
#: beside the sessions, and a closed cohort with closures.
ATTENDANCE_EXAMPLES = ("substance-use-iop", "dbt-skills-cycle", "adolescent-iop", "adult-iop")


def example_curriculum(name: str):  # type: ignore[no-untyped-def]
    """The curriculum composed from ``examples/<name>.yaml`` (composed once per run)."""
    from pathlib import Path

    from iopkit.curriculum import compose, load_program

    cache = example_curriculum.__dict__.setdefault("cache", {})
    if name not in cache:
        path = Path(__file__).parent.parent / "examples" / f"{name}.yaml"
        cache[name] = compose(load_program(path))
    return cache[name]


@st.composite
def clinic_journeys(draw: st.DrawFn, curriculum, *, most: int = 4):  # type: ignore[no-untyped-def]
    """``{patient id: journey}`` for 1 to ``most`` patients, each admitted at an admission
    point of ``curriculum`` (in its first or second run, for a cycle) with an allowed stay."""
    from iopkit.curriculum._journey import Walker

    walker = Walker(curriculum)
    points = walker.points
    lengths = list(curriculum.program.patient_stay.lengths())
    runs = [0, 1] if curriculum.program.cycle else [0]
    count = draw(st.integers(1, most))
    found = {}
    for number in range(count):
        point = draw(st.sampled_from(points))
        stay = draw(st.sampled_from(lengths))
        run = draw(st.sampled_from(runs))
        found[f"P{number + 1:03d}"] = walker.journey(point, stay, run)
    return found


def _attendance_status(draw: st.DrawFn, length: int):  # type: ignore[no-untyped-def]
    """A status and its minutes for something ``length`` minutes long."""
    status = draw(
        st.sampled_from(["present", "absent", "excused", "late", "left-early", "attended"])
    )
    if status in {"late", "left-early", "attended"}:
        return status, draw(st.integers(0, length))
    return status, None


@st.composite
def attendance_records(draw: st.DrawFn, curriculum, journeys):  # type: ignore[no-untyped-def]
    """Valid records for the patients of ``journeys``: each visit gets, at random, no
    record, a record for the whole session, records for some of its sittings and records
    for some of its blocks, each with any status (never two for the same thing)."""
    from iopkit.curriculum import AttendanceRecord

    records = []
    stays = len(set(curriculum.program.patient_stay.lengths())) > 1
    for patient, journey in journeys.items():
        admitted = journey.admitted_date
        for _, visit in journey.visits():
            base = {
                "patient": patient,
                "admitted": admitted,
                "date": visit.date,
                "stay": journey.stay if stays else None,
            }
            sittings: dict = {}
            for item in visit.blocks:
                sittings.setdefault(item.group, []).append(item.block)
            if draw(st.booleans()):
                status, minutes = _attendance_status(
                    draw, sum(i.block.minutes for i in visit.blocks)
                )
                records.append(AttendanceRecord(**base, status=status, minutes=minutes))
            for group, blocks in sittings.items():
                if group is not None and draw(st.integers(0, 3)) == 0:
                    status, minutes = _attendance_status(draw, sum(b.minutes for b in blocks))
                    records.append(
                        AttendanceRecord(**base, group=group, status=status, minutes=minutes)
                    )
                for position, block in enumerate(blocks, start=1):
                    if draw(st.integers(0, 7)) == 0:
                        status, minutes = _attendance_status(draw, block.minutes)
                        records.append(
                            AttendanceRecord(
                                **base, group=group, block=position, status=status, minutes=minutes
                            )
                        )
    return records


_RELATIONS = ("at", "before", "directly_before", "not_directly_after")


def _selectors(program, catalog):  # type: ignore[no-untyped-def]
    """Selectors over what the program's sessions may hold: its fillers' ids and kinds,
    its modules and its tracks."""
    from iopkit.curriculum import Selector

    options: list[Selector] = []
    for activity in catalog.activities:
        if activity.id.startswith("f"):
            options += [Selector(activity=activity.id), Selector(kind=activity.kind)]
    options += [Selector(module=m.id) for m in catalog.modules]
    options += [Selector(track=t.name) for t in program.tracks]
    return st.sampled_from(options)


@st.composite
def designed_programs(  # type: ignore[no-untyped-def]
    draw: st.DrawFn, *, order: bool = True, filters: bool = True, spanning: bool = False
):
    """A small random program, its catalog inside it (``program.catalog``), with random
    order entries (``session.order``) and requirements narrowed to days, weeks (numbers
    or a window) or the first or last session of the week. With ``spanning``, long
    lessons and fillers may hold a break inside them (:func:`small_catalogs`)."""
    import attrs

    from iopkit.curriculum import Edge, Order, Requirement, Weeks, Which

    program, catalog = draw(small_programs(rolling=False, spanning=spanning))
    select = _selectors(program, catalog)
    entries = []
    if order:
        for _ in range(draw(st.integers(1, 2))):
            relation = draw(st.sampled_from(_RELATIONS))
            value = draw(st.sampled_from(list(Edge))) if relation == "at" else draw(select)
            entries.append(Order(selector=draw(select), **{relation: value}))
    require = list(program.require)
    if filters:
        for _ in range(draw(st.integers(1, 2))):
            narrowing: dict[str, object] = {}
            if draw(st.booleans()):
                narrowing["days"] = (draw(st.sampled_from(program.days)),)
            if draw(st.booleans()):
                first = draw(st.integers(1, program.weeks))
                narrowing["weeks"] = Weeks(from_=first, to=draw(st.sampled_from([None, first])))
            elif draw(st.booleans()):
                narrowing["weeks"] = tuple(
                    sorted(
                        draw(
                            st.sets(st.integers(1, program.weeks), min_size=1, max_size=2),
                        )
                    )
                )
            if draw(st.booleans()) or not narrowing:
                narrowing["session"] = draw(st.sampled_from(list(Which)))
            low = draw(st.integers(0, 1))
            require.append(
                Requirement(
                    per=draw(st.sampled_from(["session", "week", "program"])),
                    selector=draw(select),
                    min=low,
                    max=draw(st.sampled_from([None, low, low + 1])),
                    **narrowing,
                )
            )
    program = attrs.evolve(
        program,
        session=attrs.evolve(program.session, order=tuple(entries)),
        require=tuple(require),
        catalog=catalog,
    )
    return program


def any_programs():  # type: ignore[no-untyped-def]
    """``(program, catalog)``: closed, open-enrolment and session-designed programs."""
    return st.one_of(
        small_programs(),
        open_programs(),
        designed_programs().map(lambda program: (program, program.catalog)),
    )
