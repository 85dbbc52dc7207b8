"""Program and curriculum files: the public contract keys, round trips and errors."""

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given

import iopkit
from iopkit import Range, Weekday
from iopkit.curriculum import (
    Count,
    Per,
    Program,
    SessionShape,
    Track,
    compose,
    dump_curriculum,
    dump_program,
    load_curriculum,
    load_program,
)
from iopkit.errors import FileFormatError, ProgramError

from . import strategies as s

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"


class TestExample:
    def test_loads_exactly_as_written(self):
        """The issue's example program loads with every key meaning what it says."""
        program = load_program(EXAMPLE)
        assert program.name == "Adult Mental Health IOP"
        assert program.weeks == 8
        assert program.start == dt.date(2027, 1, 4)
        assert program.days == (Weekday.MON, Weekday.TUE, Weekday.THU)
        assert program.closures == (dt.date(2027, 1, 18),)
        assert program.makeup_days == (Weekday.WED, Weekday.FRI)
        assert program.session.minutes == Range(min=180, max=210)
        assert program.session.breaks.after == 90
        assert program.weekly_minutes.count is Count.SERVICE
        assert program.require[4].selector.min_minutes == 50
        assert program.require[5].per is Per.PROGRAM
        dbt = program.tracks[1]
        assert dbt.days == (Weekday.THU,)
        assert (dbt.weeks.from_, dbt.weeks.to) == (2, 8)
        assert dbt.repeat
        assert not dbt.core
        assert program.profiles == ("asam-2.1-adult",)

    def test_shipped_copy_matches(self):
        """The example shipped in the package is the one in examples/."""
        from importlib import resources

        shipped = resources.files("iopkit").joinpath("data", "examples", "adult-iop.yaml")
        assert shipped.read_text("utf-8") == EXAMPLE.read_text("utf-8")

    def test_wall_count(self, tmp_path):
        """weekly_minutes can count wall-clock minutes."""
        text = EXAMPLE.read_text().replace(
            "weekly_minutes: {min: 540, max: 1140}", "weekly_minutes: {min: 540, count: wall}"
        )
        path = tmp_path / "p.yaml"
        path.write_text(text)
        assert load_program(path).weekly_minutes.count is Count.WALL


class TestRoundTrip:
    @given(s.small_programs())
    def test_dump_load(self, tmp_path_factory, pc):
        """dump_program then load_program gives an equal program."""
        program, _ = pc
        path = tmp_path_factory.mktemp("p") / "p.yaml"
        dump_program(program, path)
        assert load_program(path) == program

    def test_curriculum_round_trip_and_bytes(self, tmp_path):
        """A curriculum dumps to JSON, loads back equal, and dumps to the same bytes."""
        curriculum = compose(load_program(EXAMPLE))
        first = tmp_path / "a.json"
        second = tmp_path / "b.json"
        dump_curriculum(curriculum, first)
        loaded = load_curriculum(first)
        assert loaded == curriculum
        dump_curriculum(loaded, second)
        assert first.read_bytes() == second.read_bytes()

    def test_curriculum_contract_keys(self, tmp_path):
        """The curriculum JSON has the documented keys and matches its schema."""
        import jsonschema

        path = tmp_path / "c.json"
        dump_curriculum(compose(load_program(EXAMPLE)), path)
        doc = json.loads(path.read_text())
        assert doc["iopkit"] == "curriculum/1"
        assert doc["program"]["name"] == "Adult Mental Health IOP"
        session = doc["weeks"][0]["sessions"][0]
        assert set(session) == {
            "number",
            "day",
            "date",
            "replaces",
            "minutes",
            "service_minutes",
            "blocks",
        }
        assert {
            "start",
            "minutes",
            "activity",
            "title",
            "kind",
            "format",
            "modality",
            "module",
            "lesson",
            "track",
        } <= set(session["blocks"][0])
        registry = iopkit._files._schemas._registry()
        jsonschema.Draft202012Validator(iopkit.schema("curriculum"), registry=registry).validate(
            doc
        )


class TestProgramErrors:
    def _shape(self):
        return SessionShape(minutes=Range(min=60, max=120))

    def test_closure_outside(self):
        """A closure outside the program's dates is refused with its pointer."""
        with pytest.raises(ProgramError) as info:
            Program(
                name="P",
                weeks=1,
                days=["mon"],
                session=self._shape(),
                start=dt.date(2027, 1, 4),
                closures=[dt.date(2027, 3, 1)],
            )
        assert info.value.problems[0].pointer == "/closures/0"

    def test_empty_track_window(self):
        """A track whose days are not session days has an empty window."""
        with pytest.raises(ProgramError, match="window is empty"):
            Program(
                name="P",
                weeks=1,
                days=["mon"],
                session=self._shape(),
                tracks=[Track(name="T", modules=["cbt-foundations"], days=["sat"])],
            )

    def test_makeup_on_session_day(self):
        """A make-up day that is already a session day is refused."""
        with pytest.raises(ProgramError, match="make-up days"):
            Program(name="P", weeks=1, days=["mon"], makeup_days=["mon"], session=self._shape())

    def test_weekday_typo_in_file(self, tmp_path):
        """A weekday typo is reported with a suggestion and its line."""
        path = tmp_path / "p.yaml"
        path.write_text(
            EXAMPLE.read_text().replace("days: [mon, tue, thu]", "days: [mon, teu, thu]")
        )
        with pytest.raises(FileFormatError) as info:
            load_program(path)
        problem = info.value.problems[0]
        assert problem.pointer == "/days/1"
        assert "did you mean 'tue'" in problem.message
        assert problem.line == 6

    def test_closure_outside_in_file(self, tmp_path):
        """Semantic errors in a file carry the file, pointer and line."""
        path = tmp_path / "p.yaml"
        path.write_text(
            EXAMPLE.read_text().replace("closures: [2027-01-18]", "closures: [2028-01-18]")
        )
        with pytest.raises(FileFormatError) as info:
            load_program(path)
        problem = info.value.problems[0]
        assert problem.pointer == "/closures/0"
        assert problem.file == str(path)
        assert problem.line == 7

    def test_unknown_activity_reference(self, tmp_path):
        """compose names an unknown opening activity with a suggestion."""
        path = tmp_path / "p.yaml"
        path.write_text(EXAMPLE.read_text().replace("opening: [check-in]", "opening: [checkin]"))
        with pytest.raises(ProgramError, match="did you mean 'check-in'"):
            compose(load_program(path))


class TestProgramClasses:
    def test_selector_needs_exactly_one(self):
        """A selector names exactly one of activity, kind, modality or format."""
        from iopkit.curriculum import Selector

        with pytest.raises(ValueError, match="exactly one"):
            Selector()
        with pytest.raises(ValueError, match="got activity, kind"):
            Selector(activity="a", kind="check-in")
        assert Selector(kind=["mindfulness", "expressive-therapy"]).kind is not None

    def test_requirement_bounds(self):
        """A requirement's minimum cannot exceed its maximum."""
        from iopkit.curriculum import Requirement, Selector

        with pytest.raises(ValueError, match="above its maximum"):
            Requirement(per="week", selector=Selector(kind="check-in"), min=3, max=2)

    def test_weekly_bounds(self):
        """Weekly minimum above maximum is refused."""
        from iopkit.curriculum import WeeklyMinutes

        with pytest.raises(ValueError, match="above the weekly maximum"):
            WeeklyMinutes(min=600, max=500)

    def test_track_limits(self):
        """A track with no modules, or a zero maximum, is refused."""
        with pytest.raises(ValueError, match="no modules"):
            Track(name="T", modules=[])
        with pytest.raises(ValueError, match="allows no lessons"):
            Track(name="T", modules=["m"], per_week=Range(max=0))

    def test_session_shape(self):
        """Sessions need a finite maximum no longer than a day."""
        with pytest.raises(ValueError, match="longest length"):
            SessionShape(minutes=Range(min=60))
        with pytest.raises(ValueError, match="over a day"):
            SessionShape(minutes=Range(min=60, max=2000))

    def test_start_time(self):
        """start_time is a clock time."""
        with pytest.raises(ValueError, match="start_time"):
            Program(
                name="P",
                weeks=1,
                days=["mon"],
                session=SessionShape(minutes=Range(min=1, max=60)),
                start_time="9am",
            )
