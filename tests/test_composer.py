"""The composer: valid, complete (against an exact CP-SAT oracle), explaining,
deterministic and bounded."""

import contextlib
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import iopkit
from iopkit import Activity, Catalog, Range
from iopkit.curriculum import (
    BreakRule,
    InfeasibleError,
    Program,
    Requirement,
    RollingAdmission,
    Selector,
    SessionShape,
    Track,
    WeeklyMinutes,
    Weeks,
    compose,
    curriculum_json,
    load_program,
    validate,
)
from iopkit.errors import BudgetExceededError

from . import oracle
from . import strategies as s

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"


def relax(program: Program, catalog, fact_ids):  # type: ignore[no-untyped-def]
    """``(program, catalog)`` without the facts behind the given ids, written here from
    the documented meaning of each kind of fact (independently of the composer): only
    ever weaker, so every curriculum of the original stays valid."""
    shape = program.session
    require = list(program.require)
    tracks = list(program.tracks)
    closures = list(program.closures)
    changes = {}
    for fact_id in fact_ids:
        if fact_id == "session.minutes":
            shape = attrs.evolve(shape, minutes=Range(min=1, max=1440))
        elif fact_id == "session.opening-closing":
            fill = shape.fill
            if fill is not None:
                fill = (*fill, *(a for a in (*shape.opening, *shape.closing) if a not in fill))
            shape = attrs.evolve(shape, opening=(), closing=(), fill=fill)
        elif fact_id == "session.breaks":
            shape = attrs.evolve(shape, breaks=attrs.evolve(shape.breaks, after=1440))
        elif fact_id == "session.fill":
            shape = attrs.evolve(shape, fill=None)
        elif fact_id == "session.grid":
            shape = attrs.evolve(shape, grid=1)
        elif fact_id == "weekly_minutes":
            changes["weekly_minutes"] = WeeklyMinutes()
        elif fact_id.startswith("require["):
            index = int(fact_id[8:-1])
            require[index] = attrs.evolve(require[index], min=0, max=None)
        elif fact_id.endswith(".core"):
            index = int(fact_id[7:-6])
            cycling = tracks[index].repeat or program.rolling_admission is not None
            tracks[index] = attrs.evolve(tracks[index], core=False, repeat=cycling)
        elif fact_id.startswith("tracks["):
            index = int(fact_id[7:-1])
            tracks[index] = attrs.evolve(
                tracks[index], per_session=Range(max=None), per_week=Range(), days=None, weeks=None
            )
        elif fact_id == "rolling_admission":
            changes["rolling_admission"] = None
            tracks = [attrs.evolve(t, repeat=True) if t.core else t for t in tracks]
        elif fact_id.startswith("closures["):
            date = program.closures[int(fact_id[9:-1])]
            closures = [d for d in closures if d != date]
        elif fact_id.startswith("catalog:") and fact_id.endswith(":minutes"):
            catalog = _with_activity(catalog, fact_id.split(":")[1], minutes=Range(min=1, max=480))
        elif fact_id.startswith("catalog:") and ":requires:" in fact_id:
            _, module_id, _, required = fact_id.split(":")
            catalog = attrs.evolve(
                catalog,
                modules=tuple(
                    attrs.evolve(m, requires=tuple(r for r in m.requires if r != required))
                    if m.id == module_id
                    else m
                    for m in catalog.modules
                ),
            )
        else:
            raise AssertionError(fact_id)
    program = attrs.evolve(
        program,
        session=shape,
        require=tuple(require),
        tracks=tuple(tracks),
        closures=tuple(closures),
        **changes,
    )
    return program, catalog


def _with_activity(catalog, activity_id, **changes):  # type: ignore[no-untyped-def]
    def edit(a):  # type: ignore[no-untyped-def]
        return attrs.evolve(a, **changes) if a.id == activity_id else a

    return attrs.evolve(
        catalog,
        activities=tuple(edit(a) for a in catalog.activities),
        modules=tuple(
            attrs.evolve(m, lessons=tuple(edit(les) for les in m.lessons)) for m in catalog.modules
        ),
    )


def fact_ids(program: Program, catalog) -> list[str]:  # type: ignore[no-untyped-def]
    """Every fact an explanation of the program may name (independently of the composer)."""
    shape = program.session
    ids = ["session.minutes"]
    if shape.opening or shape.closing:
        ids.append("session.opening-closing")
    if shape.breaks is not None:
        ids.append("session.breaks")
    if shape.fill is not None:
        ids.append("session.fill")
    if shape.grid > 1:
        ids.append("session.grid")
    if program.weekly_minutes.min or program.weekly_minutes.max is not None:
        ids.append("weekly_minutes")
    ids += [f"require[{i}]" for i in range(len(program.require))]
    ids += [f"tracks[{i}]" for i in range(len(program.tracks))]
    ids += [f"tracks[{i}].core" for i, t in enumerate(program.tracks) if t.core]
    if program.rolling_admission:
        ids.append("rolling_admission")
    ids += [
        f"closures[{i}]"
        for i, d in enumerate(program.closures)
        if d.strftime("%a").lower() in program.days
    ]
    lessons = {
        les.id for t in program.tracks for m in t.modules for les in catalog.module(m).lessons
    }
    ids += [
        f"catalog:{a}:minutes" for a in sorted(lessons | set(shape.opening) | set(shape.closing))
    ]
    ids += [
        f"catalog:{m}:requires:{r}"
        for m in sorted({m for t in program.tracks for m in t.modules})
        for r in catalog.module(m).requires
    ]
    return ids


class TestValidAndDeterministic:
    @given(s.small_programs(), st.integers(0, 3))
    def test_composed_validates(self, pc, seed):
        """Every curriculum the composer returns passes validate with no violation."""
        program, catalog = pc
        try:
            curriculum = compose(program, catalog, seed=seed, budget=60)
        except InfeasibleError as exc:
            assert exc.reasons
            return
        report = validate(curriculum, catalog=catalog)
        assert report.ok, report.text()

    @given(s.small_programs())
    def test_same_input_same_json(self, pc):
        """Composing twice gives byte-identical JSON."""
        program, catalog = pc
        try:
            first = curriculum_json(compose(program, catalog, budget=60))
        except InfeasibleError:
            return
        assert curriculum_json(compose(program, catalog, budget=60)) == first

    def test_example_across_processes(self):
        """The example gives the same JSON in processes with different hash seeds."""
        code = (
            "import sys; from iopkit.curriculum import compose, load_program; "
            "from iopkit.curriculum import curriculum_json; "
            f"sys.stdout.write(curriculum_json(compose(load_program({str(EXAMPLE)!r}), seed=3)))"
        )
        outputs = set()
        for hash_seed in ("0", "1", "12345"):
            env = {**os.environ, "PYTHONHASHSEED": hash_seed}
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, check=True
            )
            outputs.add(done.stdout)
        assert len(outputs) == 1

    def test_seeds_may_differ_and_stay_valid(self):
        """Different seeds give valid curricula (and not all the same one)."""
        program = load_program(EXAMPLE)
        texts = set()
        for seed in range(3):
            curriculum = compose(program, seed=seed)
            assert validate(curriculum).ok
            texts.add(curriculum_json(curriculum))
        assert len(texts) > 1

    def test_inputs_not_mutated(self):
        """Composing never changes the program or catalog it is given."""
        program = load_program(EXAMPLE)
        catalog = iopkit.builtin_catalog()
        before = (attrs.asdict(program), catalog.activities, catalog.modules)
        compose(program, catalog)
        assert (attrs.asdict(program), catalog.activities, catalog.modules) == before


class TestComplete:
    @settings(max_examples=int(os.environ.get("IOPKIT_ORACLE_EXAMPLES", "15")))
    @given(s.small_programs())
    def test_agrees_with_cp_sat(self, pc):
        """The composer and an independent CP-SAT model agree on feasible / infeasible."""
        program, catalog = pc
        try:
            compose(program, catalog, budget=60)
            mine = True
        except InfeasibleError:
            mine = False
        assert mine == oracle.feasible(program, catalog)


class TestExplains:
    def test_arithmetic(self):
        """Short sessions against a weekly floor: the reasons cite both, with the numbers."""
        program = load_program(EXAMPLE)
        short = attrs.evolve(
            program, session=attrs.evolve(program.session, minutes=Range(min=120, max=150))
        )
        with pytest.raises(InfeasibleError) as info:
            compose(short)
        error = info.value
        assert "3 sessions a week of at most 150 minutes give at most" in error.summary
        assert "needs 540" in error.summary
        assert {r.rule for r in error.reasons} & {"weekly_minutes", "asam-2.1-adult:weekly_minutes"}
        assert "session.minutes" in {r.rule for r in error.reasons}
        assert error.minimal

    @settings(max_examples=int(os.environ.get("IOPKIT_ORACLE_EXAMPLES", "15")))
    @given(s.small_programs())
    def test_reasons_form_a_minimal_conflict(self, pc):
        """For a random infeasible program, the program reduced to the reasons (every
        other fact relaxed) has no curriculum by the CP-SAT oracle; when the reasons are
        said to be minimal, dropping any one of them gives one; and every repair, applied
        alone to the whole program, makes it feasible by the oracle. (A relaxed program
        CP-SAT cannot decide within its time limit proves nothing either way: such an
        example is set aside, not counted as a pass.)"""
        program, catalog = pc
        try:
            compose(program, catalog, budget=60)
        except InfeasibleError as exc:
            try:
                self._check_conflict(program, catalog, exc)
            except TimeoutError:
                reject()

    @staticmethod
    def _check_conflict(program, catalog, exc):
        reasons = [r.rule for r in exc.reasons]
        assert reasons
        known = fact_ids(program, catalog)
        assert set(reasons) <= set(known), reasons
        others = [i for i in known if i not in reasons]
        assert not oracle.feasible(*relax(program, catalog, others), seconds=30)
        if exc.minimal:
            for reason in reasons:
                assert oracle.feasible(*relax(program, catalog, [*others, reason])), reason
        for repair in exc.repairs:
            assert repair.rule in reasons
            changed = repair.program
            assert oracle.feasible(changed, changed.catalog), repair


class TestTargeted:
    def _program(self, **changes):
        base = {
            "name": "T",
            "weeks": 2,
            "days": ["mon", "wed"],
            "start": dt.date(2027, 1, 4),
            "session": SessionShape(
                minutes=Range(min=150, max=180),
                opening=["check-in"],
                closing=["wrap-up"],
                breaks=BreakRule(after=90, minutes=10),
            ),
        }
        base.update(changes)
        return Program(**base)

    def test_closure_made_up(self):
        """A closed session moves to a make-up day of the same week when hours need it."""
        program = self._program(
            closures=[dt.date(2027, 1, 6)],
            makeup_days=["fri"],
            weekly_minutes=WeeklyMinutes(min=300),
        )
        curriculum = compose(program)
        days = [s.day.value for s in curriculum.weeks[0].sessions]
        assert days == ["mon", "fri"]
        assert validate(curriculum).ok

    def test_closure_without_makeup_explained(self):
        """Without a make-up day, the closed week cannot meet the weekly floor."""
        program = self._program(
            closures=[dt.date(2027, 1, 6)], weekly_minutes=WeeklyMinutes(min=300)
        )
        with pytest.raises(InfeasibleError) as info:
            compose(program)
        assert "1 session a week" in info.value.summary

    def test_repeated_module_and_prerequisites_across_tracks(self):
        """A module taught twice, and a prerequisite met by another track, are honoured."""
        program = self._program(
            weeks=4,
            tracks=[
                Track(name="A", modules=["cbt-foundations", "cbt-foundations"]),
                Track(name="B", modules=["cognitive-restructuring"], weeks=Weeks(from_=2)),
            ],
        )
        curriculum = compose(program)
        assert validate(curriculum).ok
        a = [b for _, s in curriculum.sessions() for b in s.blocks if b.track == "A"]
        assert len(a) == 6
        first_b = next(i for i, (_, s, _, b) in enumerate(curriculum.blocks()) if b.track == "B")
        done_a = [
            i
            for i, (_, s, _, b) in enumerate(curriculum.blocks())
            if b.module == "cbt-foundations" and b.lesson == 3
        ]
        assert done_a[0] < first_b

    def test_rolling_admission(self):
        """With rolling admission, every stay covers every core lesson."""
        program = self._program(
            weeks=4,
            days=["mon", "tue", "wed"],
            tracks=[Track(name="A", modules=["cbt-foundations"])],
            rolling_admission=RollingAdmission(stay_weeks=2),
        )
        curriculum = compose(program)
        assert validate(curriculum).ok
        for first in range(3):
            taught = {
                b.lesson
                for w in curriculum.weeks[first : first + 2]
                for s in w.sessions
                for b in s.blocks
                if b.module == "cbt-foundations"
            }
            assert taught == {1, 2, 3}

    def test_requirement_limits(self):
        """Per-week requirements with a maximum are met exactly."""
        program = self._program(
            require=[
                Requirement(
                    per="week", selector=Selector(activity="individual-check-in"), min=2, max=2
                )
            ]
        )
        curriculum = compose(program)
        for week in curriculum.weeks:
            assert (
                sum(b.activity == "individual-check-in" for s in week.sessions for b in s.blocks)
                == 2
            )

    def test_budget(self):
        """A tiny budget raises BudgetExceededError, never a partial result."""
        program = attrs.evolve(load_program(EXAMPLE), weeks=40, closures=())
        with pytest.raises(BudgetExceededError, match="time budget"):
            compose(program, budget=0.0001)


def _variants() -> list[Program]:
    """Eight different programs: the example reshaped (weeks, days, closures, tracks)."""
    base = load_program(EXAMPLE)
    return [
        base,
        attrs.evolve(base, weeks=4, closures=()),
        attrs.evolve(base, days=("mon", "wed", "thu"), makeup_days=("tue", "fri")),
        attrs.evolve(base, weeks=12, closures=(dt.date(2027, 2, 9),)),
        attrs.evolve(base, tracks=base.tracks[:1]),
        attrs.evolve(base, require=base.require[:3], profiles=()),
        attrs.evolve(base, session=attrs.evolve(base.session, minutes=Range(min=120, max=150))),
        attrs.evolve(base, weeks=6, days=("tue", "thu", "fri"), closures=(), makeup_days=()),
    ]


def _outcome(program: Program, seed: int) -> str:
    try:
        return curriculum_json(compose(program, seed=seed, budget=120))
    except InfeasibleError as exc:
        return "infeasible\n" + str(exc)


class TestThreads:
    def test_threads_match_sequential(self):
        """Eight different programs composed from eight threads at once, twice, give
        byte-identical results (curricula and explanations) to composing them one by one."""
        from concurrent.futures import ThreadPoolExecutor

        programs = _variants()
        sequential = [_outcome(p, i) for i, p in enumerate(programs)]
        assert any(s.startswith("infeasible") for s in sequential)
        assert any(not s.startswith("infeasible") for s in sequential)
        for _ in range(2):
            with ThreadPoolExecutor(max_workers=8) as pool:
                parallel = list(pool.map(_outcome, programs, range(len(programs))))
            assert parallel == sequential

    def test_recursion_limit_untouched(self):
        """Composing a long program leaves the interpreter's recursion limit as it was."""
        before = sys.getrecursionlimit()
        program = attrs.evolve(load_program(EXAMPLE), weeks=52, closures=(), profiles=())
        compose(program, budget=120)
        assert sys.getrecursionlimit() == before


class TestPrerequisitesInOneSession:
    def test_regression(self):
        """The reported program composes: a prerequisite finishing in the session where
        the dependent module starts comes first in it."""
        program = load_program(
            Path(__file__).parent / "programs" / "prerequisite-same-session.yaml"
        )
        curriculum = compose(program)
        assert validate(curriculum).ok
        order = [
            (b.module, b.lesson) for _, s in curriculum.sessions() for b in s.blocks if b.module
        ]
        assert order.index(("dbt-mindfulness", 3)) < order.index(("dbt-emotion-regulation", 1))

    def test_a_prerequisite_taught_by_a_later_track_is_packed_into_an_earlier_run(self):
        """Track T0 teaches a module that requires T1's module; one 90-minute session with
        a break after 45 minutes holds both lessons and the closing. The quick split put
        T0's lesson in the first run and T1's in the closing run (a run that must come
        last), and the realiser ended in its internal error; the prerequisite now comes
        first, in the curriculum and by the validator."""
        from iopkit import SkillModule, TherapyModality

        def lesson(ident: str) -> Activity:
            return Activity(
                id=ident, title=ident.upper(), kind="skills-training", minutes=30, modality="m"
            )

        catalog = Catalog(
            modalities=[TherapyModality(id="m", name="M")],
            activities=[
                Activity(id="open", title="Open", kind="check-in", minutes=10),
                Activity(id="close", title="Close", kind="wrap-up", minutes=10),
                Activity(id="pause", title="Pause", kind="break", minutes=10),
                Activity(id="f0", title="F0", kind="process-group", minutes=15),
            ],
            modules=[
                SkillModule(id="mod0", title="Mod 0", modality="m", lessons=(lesson("l0"),)),
                SkillModule(
                    id="mod1",
                    title="Mod 1",
                    modality="m",
                    requires=("mod0",),
                    lessons=(lesson("l1"),),
                ),
            ],
        )
        program = Program.from_dict(
            {
                "name": "Later track first",
                "weeks": 1,
                "days": ["mon"],
                "start": "2027-01-04",
                "session": {
                    "minutes": {"min": 90, "max": 90},
                    "closing": ["close"],
                    "breaks": {"after": 45, "minutes": 10, "activity": "pause"},
                },
                "tracks": [
                    {"name": "T0", "modules": ["mod1"], "per_session": {"max": 1}, "core": False},
                    {"name": "T1", "modules": ["mod0"], "per_session": {"max": 1}, "core": False},
                ],
            }
        )
        curriculum = compose(program, catalog)
        assert validate(curriculum, catalog=catalog).ok
        order = [b.activity for _, s in curriculum.sessions() for b in s.blocks]
        if "l1" in order:
            assert "l0" in order
            assert order.index("l0") < order.index("l1")

    @settings(max_examples=400)  # pure and quick: many examples in every profile
    @given(
        st.lists(st.integers(1, 6), min_size=1, max_size=5),
        st.lists(st.integers(1, 4), max_size=3),
        st.booleans(),
        st.booleans(),
        st.integers(1, 3),
        st.integers(4, 12),
        st.data(),
    )
    def test_runs_keep_the_lessons_order(
        self, lessons, fillers, opening, closing, count, capacity, data
    ):
        """Property: whenever the packer splits pieces into runs between breaks, the
        opening is in the first run, the closing in the last, and a lesson that must come
        before another is never in a later run (the runs are laid out in order)."""
        from iopkit.curriculum._composer._menu import Piece, Role, partition

        pieces = [Piece(n, n, (), Role.LESSON, rank, None) for rank, n in enumerate(lessons)]
        pieces += [Piece(n, n, (), Role.FILLER, 0, None) for n in fillers]
        if opening:
            pieces.append(Piece(1, 1, (), Role.OPENING, 0, None))
        if closing:
            pieces.append(Piece(1, 1, (), Role.CLOSING, 0, None))
        # a random order of the lessons, and some of the pairs it implies
        order = data.draw(st.permutations(range(len(lessons))))
        pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1 :]]
        precedence = (
            frozenset(data.draw(st.lists(st.sampled_from(pairs), unique=True)))
            if pairs
            else frozenset()
        )
        found = partition(tuple(pieces), count, capacity, precedence, 0, 10**6, lambda _: None)
        if found is None:
            return
        runs, _ = found
        run_of = {
            (p.role, p.rank): r for r, run in enumerate(runs) for p in run if p.role != Role.FILLER
        }
        assert all(runs), "every run holds a piece"
        assert all(sum(p.lo for p in run) <= capacity for run in runs)
        if opening:
            assert run_of[Role.OPENING, 0] == 0
        if closing:
            assert run_of[Role.CLOSING, 0] == count - 1
        for a, b in precedence:
            assert run_of[Role.LESSON, a] <= run_of[Role.LESSON, b]

    @given(s.small_programs(), st.integers(0, 3))
    def test_never_an_internal_error(self, pc, seed):
        """Composing a random program ends in a curriculum or an explanation, never in the
        internal-error safety net (a curriculum that breaks its own rules)."""
        program, catalog = pc
        with contextlib.suppress(InfeasibleError):
            compose(program, catalog, seed=seed, budget=60)


class TestNestedRequirements:
    def test_a_minimum_inside_a_smaller_maximum_is_named_at_once(self):
        """At least 3 peer support circles a program, but no group activity at all: every
        circle is a group activity, so the two requirements conflict whatever else the
        program says. The reasons are exactly those two, with the arithmetic, found
        without a search (this program used to run out of a 30-second budget)."""
        program = Program(
            name="Nested",
            weeks=3,
            days=["wed", "fri"],
            session=SessionShape(minutes=Range(min=180, max=300), closing=["wrap-up"]),
            weekly_minutes=WeeklyMinutes(min=240),
            require=[
                Requirement(
                    per="program", selector=Selector(activity="peer-support-circle"), min=3
                ),
                Requirement(per="program", selector=Selector(format="group"), max=0),
            ],
        )
        with pytest.raises(InfeasibleError) as info:
            compose(program, budget=30)
        assert {r.rule for r in info.value.reasons} == {"require[0]", "require[1]"}
        assert info.value.minimal
        assert "allows none per program" in info.value.summary

    def test_a_per_session_pair_binds_only_if_a_session_must_be_held(self):
        """The only session is closed and its make-up is optional, so the week may hold
        no session at all: a per-session minimum inside a smaller per-session maximum
        binds nothing, and the empty curriculum is valid (the quick arithmetic must not
        call this infeasible)."""
        catalog = Catalog(
            activities=(
                Activity(
                    id="circle", title="Circle", kind="peer-support", format="group", minutes=60
                ),
            )
        )
        program = Program(
            name="Optional make-up",
            weeks=1,
            days=("thu",),
            start=dt.date(2027, 1, 4),
            catalogs=(),
            closures=(dt.date(2027, 1, 7),),
            makeup_days=("fri",),
            session=SessionShape(minutes={"min": 60, "max": 120}),
            require=(
                Requirement(per="session", selector=Selector(activity="circle"), min=1),
                Requirement(per="session", selector=Selector(format="group"), max=0),
            ),
            catalog=catalog,
        )
        curriculum = compose(program)
        assert validate(curriculum).ok
        assert [len(week.sessions) for week in curriculum.weeks] == [0]


class TestMakeUpLayouts:
    def test_a_week_conflicts_only_if_every_layout_does(self):
        """Monday is closed and may move to Friday. Five psychoeducation groups are
        required in the last session of the week when it falls on a Wednesday: with the
        make-up, Friday is the last session and the requirement binds nowhere. The quick
        arithmetic used to mix the fullest layout's sessions with another layout's
        counting and call this infeasible."""
        catalog = Catalog(
            activities=tuple(
                Activity(id=f"f{i}", title=f"F{i}", kind="psychoeducation", minutes=60)
                for i in range(6)
            )
        )
        program = Program(
            name="Make-up corner",
            weeks=1,
            days=("mon", "wed"),
            start=dt.date(2027, 1, 4),
            catalogs=(),
            closures=(dt.date(2027, 1, 4),),
            makeup_days=("fri",),
            session=SessionShape(minutes={"min": 60, "max": 120}),
            require=(
                Requirement(
                    per="session",
                    selector=Selector(kind="psychoeducation"),
                    min=5,
                    session="last",
                    days=("wed",),
                ),
            ),
            catalog=catalog,
        )
        curriculum = compose(program)
        assert validate(curriculum).ok
        assert [s.day.value for s in curriculum.weeks[0].sessions] == ["wed", "fri"]
