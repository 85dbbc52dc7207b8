"""Hypothesis strategies for every iopkit building block, shared by all tests."""

from __future__ import annotations

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
def small_catalogs(draw: st.DrawFn) -> Catalog:
    """A small catalog for composer tests: a few fillers, a break, up to two modules."""
    modality = TherapyModality(id="m", name="M")
    count = draw(st.integers(1, 4))
    acts = [
        Activity(id="open", title="Open", kind="check-in", minutes=draw(st.sampled_from([10, 15]))),
        Activity(id="close", title="Close", kind="wrap-up", minutes=10),
        Activity(id="pause", title="Pause", kind="break", minutes=10),
    ]
    for i in range(count):
        low = draw(st.sampled_from([15, 20, 30, 45]))
        high = draw(st.sampled_from([low, low, low + 15, low + 30]))
        acts.append(
            Activity(
                id=f"f{i}",
                title=f"F{i}",
                kind=draw(st.sampled_from(SMALL_KINDS)),
                format=draw(st.sampled_from([Format.GROUP, Format.GROUP, Format.INDIVIDUAL])),
                minutes=Range(min=low, max=high),
                modality=draw(st.sampled_from([None, "m"])),
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
                minutes=draw(st.sampled_from([30, 45, Range(min=30, max=45)])),
                modality="m",
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
def small_programs(draw: st.DrawFn, *, rolling: bool = True):  # type: ignore[no-untyped-def]
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

    catalog = draw(small_catalogs())
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
    low = draw(st.sampled_from([45, 60, 90, 120]))
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
                per_session=Range(min=0, max=draw(st.integers(1, 3))),
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
