"""Building programs in Python: constructors take what the program file takes, refuse the
rest with iopkit's errors located by field path, and the public functions say what they
expected (issue #16)."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import iopkit
from iopkit import Activity, Block, Catalog, Range, Session, SkillModule, Weekday
from iopkit.curriculum import (
    InfeasibleError,
    Per,
    Program,
    Requirement,
    Selector,
    SessionShape,
    Track,
    Weeks,
    compose,
    curriculum_json,
    load_curriculum,
    load_program,
    validate,
)
from iopkit.errors import (
    CatalogError,
    FileFormatError,
    InputError,
    IopkitError,
    Problem,
    ProgramError,
    ProgramTypeError,
)
from iopkit.export import (
    to_csv,
    to_fhir,
    to_fhir_json,
    to_html,
    to_ics,
    to_ics_objects,
    to_json,
    to_markdown,
)

from . import strategies as s

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "adult-iop.yaml"
SESSION = {"minutes": {"min": 180, "max": 210}}
EXPORTS = (to_json, to_markdown, to_html, to_ics, to_ics_objects, to_csv, to_fhir, to_fhir_json)


def program(**changes):  # type: ignore[no-untyped-def]
    """A small valid program built from plain values, with some keys changed."""
    keys = {"name": "Evening IOP", "weeks": 6, "days": ["mon", "wed", "thu"], "session": SESSION}
    return Program(**{**keys, **changes})


def refused(error_type, build):  # type: ignore[no-untyped-def]
    """The only problem of the error ``build()`` raises, which must be of ``error_type``."""
    with pytest.raises(error_type) as info:
        build()
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    """The example program, loaded from its file, and its curriculum."""
    loaded = load_program(EXAMPLE)
    return loaded, compose(loaded)


class TestToday:
    """Each failure the issue lists, now fixed."""

    def test_requirement_takes_the_selector_keys(self):
        """Requirement(activity=..., per=..., min=...) works as in the file, and
        selector= still does; giving both is refused at the requirement."""
        written = Requirement(activity="art-walk", per="week", min=1)
        assert written == Requirement(selector=Selector(activity="art-walk"), per=Per.WEEK, min=1)
        assert Requirement(kind=["mindfulness", "break"], per="session").selector.kind == (
            iopkit.ActivityKind.MINDFULNESS,
            iopkit.ActivityKind.BREAK,
        )
        problem = refused(
            ProgramError,
            lambda: Requirement(activity="a", selector=Selector(kind="break"), per="week"),
        )
        assert str(problem).startswith("Requirement: give the selector's keys")
        problem = refused(ProgramError, lambda: Requirement(kind="nap", per="week"))
        assert problem.path == "kind"
        assert "'nap' is not one of check-in" in problem.message

    def test_requirements_given_as_mappings_are_built(self):
        """Program(require=[{...}]) builds Requirement objects at once, and a bad one is
        refused on construction with its place, not later by compose."""
        built = program(require=[{"activity": "process-group", "per": "session", "min": 1}])
        assert built.require == (Requirement(activity="process-group", per="session", min=1),)
        problem = refused(
            ProgramError, lambda: program(require=[{"activity": "process-group", "per": "wek"}])
        )
        assert str(problem) == (
            "Program.require[0].per: 'wek' is not one of session, week, program; "
            "did you mean 'week'?"
        )

    def test_track_weeks_as_a_mapping(self):
        """Track(weeks={"from": 2, "to": 4}) is the window of weeks 2 to 4."""
        track = Track(name="DBT", modules="dbt-mindfulness", weeks={"from": 2, "to": 4})
        assert track.weeks == Weeks(from_=2, to=4)
        assert track.modules == ("dbt-mindfulness",)
        problem = refused(ProgramError, lambda: Track(name="T", modules="m", weeks={"from": 0}))
        assert str(problem) == "Track.weeks.from: must be 1 or more (got 0)"

    def test_session_minutes_as_a_mapping(self):
        """SessionShape(minutes={"min": 180, "max": 200}) is a range; a bare number is
        refused, as the file refuses it."""
        shape = SessionShape(minutes={"min": 180, "max": 200}, opening="check-in")
        assert shape.minutes == Range(min=180, max=200)
        assert shape.opening == ("check-in",)
        problem = refused(ProgramTypeError, lambda: SessionShape(minutes=180))
        assert str(problem) == (
            "SessionShape.minutes: must be a Range or a mapping {min, max} (got int 180)"
        )

    @pytest.mark.parametrize(
        ("weeks", "message"),
        [
            (8.5, "must be a whole number (got float 8.5)"),
            (True, "must be a whole number (got bool True)"),
            ("8", "must be a whole number (got str '8')"),
        ],
    )
    def test_weeks_of_the_wrong_type(self, weeks, message):
        """weeks=8.5, True or "8" is refused with a ProgramTypeError at Program.weeks."""
        problem = refused(ProgramTypeError, lambda: program(weeks=weeks))
        assert (problem.path, problem.message, problem.root) == ("weeks", message, "Program")

    def test_session_as_a_mapping(self):
        """Program(session={...}) builds the session shape; an unknown key in it is named,
        with the key it was probably meant to be."""
        assert program().session == SessionShape(minutes=Range(min=180, max=210))
        with pytest.raises(ProgramTypeError) as info:
            program(session={"minutse": {"min": 1}})
        assert [str(p) for p in info.value.problems] == [
            "Program.session: unknown key 'minutse'; did you mean 'minutes'?",
            "Program.session.minutes: required, but not given",
        ]

    @pytest.mark.parametrize("key", ["catalogs", "profiles"])
    def test_a_single_text_is_a_list_of_one(self, key):
        """catalogs="builtin" and profiles="cms-iop" are lists of one text, never of
        characters."""
        value = {"catalogs": "builtin", "profiles": "cms-iop"}[key]
        assert getattr(program(**{key: value}), key) == (value,)

    def test_single_texts_everywhere(self):
        """days, makeup_days, closures and a track's days take a single text too."""
        built = program(days="mon", makeup_days="fri", start="2027-01-04", closures="2027-01-11")
        assert built.days == (Weekday.MON,)
        assert built.makeup_days == (Weekday.FRI,)
        assert built.closures == (dt.date(2027, 1, 11),)

    def test_start_as_an_iso_date(self):
        """start="2027-01-04" is a date; a text that is not an ISO date is refused at
        Program.start, and so is a date with a time."""
        assert program(start="2027-01-04").start == dt.date(2027, 1, 4)
        problem = refused(ProgramError, lambda: program(start="Jan 4"))
        assert str(problem) == "Program.start: 'Jan 4' is not a date written YYYY-MM-DD"
        problem = refused(
            ProgramTypeError, lambda: program(start=dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC))
        )
        assert problem.path == "start"

    @pytest.mark.parametrize("given", [None, "examples/adult-iop.yaml", EXAMPLE])
    def test_compose_takes_a_program(self, given):
        """compose() refuses anything but a Program and says how to read a file."""
        problem = refused(ProgramTypeError, lambda: compose(given))
        assert problem.message.startswith("compose() takes a Program (got ")
        assert problem.message.endswith("; to read a file use load_program(path)")
        assert str(problem) == problem.message

    def test_validate_takes_a_curriculum(self):
        """validate(None) says it takes a Curriculum and how to read one."""
        problem = refused(ProgramTypeError, lambda: validate(None))
        assert str(problem) == (
            "validate() takes a Curriculum (got None); to read a file use load_curriculum(path)"
        )

    @pytest.mark.parametrize("seed", ["x", 1.5, True, None])
    def test_seed_is_a_whole_number(self, example, seed):
        """compose(program, seed=...) refuses anything but a whole number."""
        problem = refused(ProgramTypeError, lambda: compose(example[0], seed=seed))
        assert problem.message.startswith("seed must be a whole number (got ")

    def test_constructor_errors_are_located_iopkit_errors(self):
        """An error inside a track built from a mapping while building a program carries
        the whole path, as a ProgramError that is also a ValueError."""
        build = lambda: program(tracks=[{"name": "T", "modules": ["m"], "weeks": {"from": 0}}])  # noqa: E731
        with pytest.raises(ValueError, match="must be 1 or more"):
            build()
        problem = refused(ProgramError, build)
        assert str(problem) == "Program.tracks[0].weeks.from: must be 1 or more (got 0)"
        assert problem.pointer == "/tracks/0/weeks/from"
        assert problem.path == "tracks[0].weeks.from"
        assert (problem.root, problem.file, problem.line) == ("Program", None, None)


class TestErrors:
    def test_type_errors_are_both_kinds(self):
        """A ProgramTypeError is an iopkit input error, a ValueError and a TypeError."""
        error = ProgramTypeError([Problem(message="m")])
        assert isinstance(error, ProgramError | InputError | IopkitError)
        assert isinstance(error, ValueError)
        assert isinstance(error, TypeError)

    def test_file_problems_read_as_before(self):
        """A problem found in a file still reads file:line at /pointer: message."""
        problem = Problem(message="m", file="p.yaml", pointer="/tracks/0", line=3)
        assert str(problem) == "p.yaml:3 at /tracks/0: m"
        assert Problem(message="m", pointer="/x").__str__() == "<input> at /x: m"

    def test_paths_of_odd_keys(self):
        """A key that is not a Python name is written in brackets."""
        problem = Problem(message="m", pointer="/a b/0/x~1y", root="Thing")
        assert str(problem) == "Thing['a b'][0]['x/y']: m"

    def test_several_problems_of_one_mapping(self):
        """Unknown and missing keys of a mapping are all reported at once."""
        with pytest.raises(ProgramTypeError) as info:
            program(tracks=[{"nmae": "T"}])
        assert [str(p) for p in info.value.problems] == [
            "Program.tracks[0]: unknown key 'nmae'; did you mean 'name'?",
            "Program.tracks[0].name: required, but not given",
            "Program.tracks[0].modules: required, but not given",
        ]

    def test_positional_arguments(self):
        """Positional arguments are refused with the form to use."""
        problem = refused(ProgramTypeError, lambda: Program("P"))
        assert str(problem) == "Program: takes keyword arguments only, as Program(name=value, ...)"

    @pytest.mark.parametrize(
        "key",
        [
            "name",
            "weeks",
            "days",
            "session",
            "population",
            "start",
            "start_time",
            "timezone",
            "clinic",
            "closures",
            "makeup_days",
            "catalogs",
            "weekly_minutes",
            "require",
            "tracks",
            "profiles",
            "rolling_admission",
            "admission",
            "stay",
            "cycle",
            "groups",
        ],
    )
    @pytest.mark.parametrize("wrong", [3.5, object()])
    def test_a_wrong_type_is_reported_at_its_key(self, key, wrong):
        """Any key of the program file given a value of the wrong type is refused with a
        problem at that key."""
        with pytest.raises(ProgramError) as info:
            program(**{key: wrong})
        assert info.value.problems[0].path.startswith(key)

    def test_semantic_problems_keep_their_pointers(self):
        """Limits that contradict each other are reported where files report them, with
        the class name in front."""
        with pytest.raises(ProgramError) as info:
            program(start="2027-01-04", closures=["2027-03-01"])
        problem = info.value.problems[0]
        assert problem.pointer == "/closures/0"
        assert str(problem).startswith("Program.closures[0]: closure 2027-03-01 is outside")


class TestBuildingBlocks:
    def test_activity_from_file_values(self):
        """An activity takes text for its kind and format, a mapping for its minutes and a
        single objective."""
        activity = Activity(
            id="art-walk",
            title="Art walk",
            kind="expressive-therapy",
            format="group",
            minutes={"min": 30, "max": 60},
            objectives="Notice the present moment",
        )
        assert activity.minutes == Range(min=30, max=60)
        assert activity.objectives == ("Notice the present moment",)
        problem = refused(
            ProgramTypeError,
            lambda: Activity(id="a", title="A", kind="check-in", minutes=10, objectives=[1]),
        )
        assert str(problem) == "Activity.objectives[0]: must be a text (got int 1)"

    def test_module_lessons_as_mappings(self):
        """A module's lessons may be mappings; an error in one is located in it."""
        lesson = {"id": "l1", "title": "L", "kind": "skills-training", "minutes": 45}
        module = SkillModule(id="m", title="M", modality="cbt", lessons=[lesson], requires="x")
        assert module.lessons[0].minutes == Range(min=45, max=45)
        assert module.requires == ("x",)
        problem = refused(
            ProgramError,
            lambda: SkillModule(
                id="m", title="M", modality="cbt", lessons=[lesson, {**lesson, "kind": "nap"}]
            ),
        )
        assert problem.path == "lessons[1].kind"

    def test_catalog_from_mappings(self):
        """A catalog takes mappings; its own checks name the place of the item."""
        walk = {"id": "art-walk", "title": "Art walk", "kind": "check-in", "minutes": 10}
        catalog = Catalog(activities=[walk])
        assert catalog.activity("art-walk").title == "Art walk"
        problem = refused(CatalogError, lambda: Catalog(activities=[walk, walk]))
        assert str(problem) == "Catalog.activities[1]: activity id 'art-walk' is defined twice"
        problem = refused(
            ProgramError, lambda: Catalog(activities=[walk, {**walk, "id": "b", "kind": "x"}])
        )
        assert problem.path == "activities[1].kind"

    def test_ranges(self):
        """A range refuses a bool and a reversed span, located in the range."""
        assert str(refused(ProgramError, lambda: Range(min=5, max=3))) == (
            "Range: range minimum 5 is above its maximum 3"
        )
        assert refused(ProgramTypeError, lambda: Range(min=True)).path == "min"

    def test_session_dates_as_text(self):
        """A session's date may be an ISO text; blocks keep their plain errors."""
        block = Block(start=0, minutes=10, activity="a", title="A", kind="check-in")
        session = Session(number=1, day="mon", date="2027-01-04", blocks=[block])
        assert session.date == dt.date(2027, 1, 4)


class TestEdges:
    @pytest.mark.parametrize("export", EXPORTS, ids=lambda f: f.__name__)
    @pytest.mark.parametrize("given", [None, "curriculum.json"])
    def test_exports_take_a_curriculum(self, export, given):
        """Every export refuses anything but a curriculum, naming itself."""
        problem = refused(ProgramTypeError, lambda: export(given))
        assert problem.message.startswith(f"{export.__name__}() takes a Curriculum (got ")
        assert problem.message.endswith("; to read a file use load_curriculum(path)")

    def test_export_options(self, example):
        """Export options of the wrong kind are refused, saying what they must be."""
        _, curriculum = example
        problem = refused(ProgramError, lambda: to_html(curriculum, paper="A4"))
        assert problem.message == "paper must be one of None, 'letter', 'a4' (got str 'A4')"
        assert refused(ProgramTypeError, lambda: to_csv(curriculum, bom="yes")).message == (
            "bom must be True or False (got str 'yes')"
        )
        problem = refused(ProgramTypeError, lambda: to_ics(curriculum, stamp="2027-01-01"))
        assert problem.message.startswith("stamp must be a datetime")
        assert refused(ProgramTypeError, lambda: to_fhir(curriculum, bundle=1)).message == (
            "bundle must be True or False (got int 1)"
        )

    def test_validate_and_compose_options(self, example):
        """The other arguments of compose() and validate() are checked too."""
        loaded, curriculum = example
        assert "catalog must be a Catalog or None" in str(
            refused(ProgramTypeError, lambda: compose(loaded, catalog="builtin"))
        )
        assert "program must be a Program or None" in str(
            refused(ProgramTypeError, lambda: validate(curriculum, program={}))
        )
        assert "profiles must be profile ids" in str(
            refused(ProgramTypeError, lambda: validate(curriculum, profiles=5))
        )

    def test_requirement_days_cannot_be_empty(self):
        """Requirement(days=[]) is refused where it is written, as the file format does,
        instead of failing later inside compose()."""
        problem = refused(ProgramError, lambda: Requirement(activity="x", per="week", days=[]))
        assert problem.message == "'days' lists no weekday"

    def test_from_dict_takes_a_mapping(self):
        """Program.from_dict() refuses a path and says how to read a file."""
        problem = refused(ProgramTypeError, lambda: Program.from_dict(str(EXAMPLE)))
        assert problem.message.endswith("; to read a file use load_program(path)")


class TestDocuments:
    def test_from_dict_of_the_example(self, example):
        """yaml.safe_load of the example file (with its dates as date objects) gives the
        program load_program reads, with or without the iopkit key."""
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        assert Program.from_dict(document) == example[0]
        del document["iopkit"]
        assert Program.from_dict(document) == example[0]
        assert example[0].to_dict()["iopkit"] == "program/1"

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("weeks: 8", "weeks: 8.5"),
            ("days: [mon, tue, thu]", "days: [mon, teu, thu]"),
            ("closures: [2027-01-18]", "closures: [2028-01-18]"),
            ("weeks: {from: 2, to: 8}", "weeks: {from: 5, to: 2}"),
            ("per: week, min: 1}", "per: wek, min: 1}"),
            ("- name: DBT skills", "- nmae: DBT skills"),
        ],
    )
    def test_from_dict_errors_are_the_file_errors(self, tmp_path, old, new):
        """from_dict() gives the problems load_program() gives for the same content:
        the same messages at the same pointers, without the file and its lines."""
        text = EXAMPLE.read_text(encoding="utf-8")
        assert old in text
        path = tmp_path / "p.yaml"
        path.write_text(text.replace(old, new), encoding="utf-8")
        with pytest.raises(FileFormatError) as from_file:
            load_program(path)
        with pytest.raises(ProgramError) as from_dict:
            Program.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
        expected = [(p.pointer, p.message) for p in from_file.value.problems]
        assert [(p.pointer, p.message) for p in from_dict.value.problems] == expected
        assert all(p.file is None and p.line is None for p in from_dict.value.problems)
        assert all(str(p).startswith("Program") for p in from_dict.value.problems)


class TestProperties:
    @given(s.any_programs())
    def test_dict_round_trip(self, pc):
        """For any program, Program.from_dict(p.to_dict()) == p, and the constructor given
        the same mapping (less its iopkit key) builds an equal program."""
        built, _ = pc
        document = built.to_dict()
        assert Program.from_dict(document) == built
        del document["iopkit"]
        assert Program(**document) == built

    @given(s.any_programs(), st.data())
    def test_scripted_values(self, pc, data):
        """For any program and any mix of typed objects and file values (texts, mappings,
        ISO dates, single texts) a script may write it with, Program(**kwargs) builds an
        equal program."""
        built, _ = pc
        kwargs = data.draw(s.scripted(built))
        assert Program(**kwargs) == built

    @given(s.small_programs(), st.data())
    def test_python_and_yaml_compose_alike(self, tmp_path_factory, pc, data):
        """A program built in Python from script values and the same program written with
        yaml.safe_dump(program.to_dict()) and loaded compose to byte-identical curricula,
        or fail with the same explanation."""
        typed, catalog = pc
        built = Program(**data.draw(s.scripted(typed)))
        path = tmp_path_factory.mktemp("p") / "p.yaml"
        path.write_text(yaml.safe_dump(built.to_dict(), sort_keys=False), encoding="utf-8")
        loaded = load_program(path)
        assert loaded == built

        def outcome(which: Program) -> object:
            try:
                return curriculum_json(compose(which, catalog, budget=60))
            except InfeasibleError as error:
                return error.lines()

        composed = outcome(built)
        assert outcome(loaded) == composed
        if isinstance(composed, str):
            json_path = path.with_suffix(".json")
            json_path.write_text(composed, encoding="utf-8")
            assert curriculum_json(load_curriculum(json_path)) == composed


class TestSelfContained:
    @settings(max_examples=40)  # each example composes, saves and reads back
    @given(s.any_programs())
    def test_a_saved_curriculum_validates_alone(self, tmp_path_factory, pc):
        """Property: for any program (closed, open, or with order entries and narrowed
        requirements, whose ids may name items of a catalog built in Python), the composed
        curriculum saved as JSON and read back with no catalog at hand validates: it
        carries every catalog item its program names, even one named only by an order
        entry or a requirement selector."""
        program, catalog = pc
        try:
            curriculum = compose(program, catalog, budget=60)
        except InfeasibleError:
            return
        except ProgramError:
            reject()  # a program iopkit refuses to read (a cycle shorter than a module)
        path = tmp_path_factory.mktemp("c") / "curriculum.json"
        path.write_text(curriculum_json(curriculum), encoding="utf-8")
        report = validate(load_curriculum(path))
        assert report.ok, report.violations

    def test_a_profile_left_at_its_defaults_reloads(self, tmp_path):
        """A curriculum carrying a profile whose weekly minutes are all defaults reads
        back: the part is written with its ``min``, not as an empty mapping the schema
        refuses (found by the property above)."""
        import attrs

        from iopkit.curriculum._profile import Profile, ProfileWeeklyMinutes

        profile = Profile(
            id="plain",
            title="Plain",
            source="a test",
            checked=dt.date(2027, 1, 4),
            weekly_minutes=ProfileWeeklyMinutes(),
        )
        program = load_program(Path(iopkit.__file__).parent / "data/examples/adult-iop.yaml")
        program = attrs.evolve(
            program, profiles=("plain",), profile_definitions=(("plain", profile),)
        )
        curriculum = compose(program)
        path = tmp_path / "curriculum.json"
        path.write_text(curriculum_json(curriculum), encoding="utf-8")
        reread = load_curriculum(path)
        assert reread.program.profile_definitions == program.profile_definitions
        assert validate(reread).ok
