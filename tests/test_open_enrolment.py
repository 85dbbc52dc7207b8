"""Open enrolment: admission, stays, phases, groups and cycles, checked per patient."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from iopkit._cli import main
from iopkit.curriculum import (
    Admission,
    Group,
    Program,
    SessionShape,
    Stay,
    Track,
    admission_points,
    cancel_session,
    compose,
    journey,
    load_program,
    validate,
)
from iopkit.curriculum._journey import Walker
from iopkit.errors import ProgramError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def composed():
    """The three open-enrolment examples, composed once."""
    names = ["substance-use-iop", "dbt-skills-cycle", "adolescent-iop"]
    return {name: compose(load_program(EXAMPLES / f"{name}.yaml")) for name in names}


class TestExamples:
    def test_examples_validate(self, composed):
        """Each example composes to a curriculum every patient's journey of which meets
        every limit (the validator walks them all)."""
        for name, curriculum in composed.items():
            report = validate(curriculum)
            assert report.ok, (name, [str(v) for v in report.violations][:5])

    def test_composing_again_gives_the_same_bytes(self, composed):
        """The composer is deterministic for open-enrolment programs too."""
        from iopkit.export import to_json

        for name, curriculum in composed.items():
            again = compose(load_program(EXAMPLES / f"{name}.yaml"))
            assert to_json(again) == to_json(curriculum), name

    def test_early_recovery_only_in_the_first_four_weeks(self, composed):
        """In the substance-use example, each patient attends the early-recovery group in
        their weeks 1 to 4 only, the social-support group from their week 13, and an
        individual session in their weeks 1, 8 and 16; everyone attends relapse
        prevention every week."""
        curriculum = composed["substance-use-iop"]
        for point in admission_points(curriculum):
            patient = journey(curriculum, point.week)
            for week in patient.weeks:
                groups = {b.group for v in week.visits for b in v.blocks}
                assert ("early-recovery" in groups) == (week.number <= 4), week.number
                assert ("social-support" in groups) == (week.number >= 13), week.number
                assert ("individual" in groups) == (week.number in (1, 8, 16)), week.number
                tracks = {b.block.track for v in week.visits for b in v.blocks}
                assert "Relapse prevention" in tracks

    def test_early_recovery_topics_reach_every_new_patient(self, composed):
        """Each patient meets all eight early-recovery topics in their first four weeks,
        and no topic twice."""
        curriculum = composed["substance-use-iop"]
        for point in admission_points(curriculum):
            patient = journey(curriculum, point.week)
            topics = [
                b.block.lesson
                for w in patient.weeks
                for v in w.visits
                for b in v.blocks
                if b.block.track == "Early recovery"
            ]
            assert sorted(topics) == list(range(1, 9))

    def test_dbt_patients_meet_modules_whole_and_in_order(self, composed):
        """In the skills cycle, patients start only at a mindfulness segment and meet
        every module from its first lesson, in order, each after mindfulness, over one
        full cycle of 24 lessons."""
        curriculum = composed["dbt-skills-cycle"]
        points = admission_points(curriculum)
        assert len(points) == 3
        for point in points:
            patient = journey(curriculum, point.week)
            lessons = [
                (b.block.module, b.block.lesson)
                for w in patient.weeks
                for v in w.visits
                for b in v.blocks
                if b.block.track == "DBT skills"
            ]
            assert len(lessons) == 24
            assert lessons[0] == ("core-mindfulness", 1)
            for (module, number), (after, following) in itertools.pairwise(lessons):
                if after == module:
                    assert following == number + 1
                else:
                    assert following == 1
                    if after != "core-mindfulness":
                        assert module == "core-mindfulness"

    def test_orientation_group_beside_monday(self, composed):
        """In the adolescent example, a patient's first Monday is the orientation group,
        held at the same time as the main group; from their second week they attend the
        main group."""
        curriculum = composed["adolescent-iop"]
        patient = journey(curriculum, 3)
        first_monday = patient.weeks[0].visits[0]
        assert {b.group for b in first_monday.blocks} == {"orientation"}
        assert first_monday.blocks[0].start == 0
        later_monday = patient.weeks[1].visits[0]
        assert {b.group for b in later_monday.blocks} == {None}

    def test_cycle_dates_run_on(self, composed):
        """A patient admitted in a later run of a cycle gets that run's dates."""
        curriculum = composed["adolescent-iop"]
        start = curriculum.program.start
        later = start + dt.timedelta(weeks=8 + 2)
        patient = journey(curriculum, later)
        assert patient.admitted_date == later
        assert patient.weeks[0].visits[0].date == later
        assert patient.weeks[-1].visits[-1].date > later + dt.timedelta(weeks=7)

    def test_admission_past_the_calendar(self, composed):
        """A date whose cycle run would pass the year 9999 is refused as any date on
        which no patient is admitted: a ValueError saying when patients start."""
        curriculum = composed["adolescent-iop"]
        with pytest.raises(ValueError, match="no patient is admitted on 9999-12-31"):
            journey(curriculum, dt.date(9999, 12, 31))


class TestPerPatientViolations:
    def test_cancelled_session_names_the_patients(self, composed):
        """Cancelling a session in a cycle leaves the patients present that week short
        of the weekly floor: the violation names a patient by admission week and their
        own week."""
        curriculum = composed["adolescent-iop"]
        session = curriculum.weeks[3].sessions[1]
        edited = cancel_session(curriculum, session.date)
        report = validate(edited)
        messages = [v.message for v in report.violations if "weekly_minutes" in v.rule]
        assert messages, [str(v) for v in report.violations]
        assert any("a patient admitted in week" in m and "in their week" in m for m in messages), (
            messages
        )

    def test_walker_sees_every_admission_and_stay(self, composed):
        """Every admission point is walked once per stay length."""
        curriculum = composed["substance-use-iop"]
        walker = Walker(curriculum)
        assert len(walker.points) == 16
        assert len(walker.journeys) == 16


def _program(**changes):
    base = {
        "name": "Open",
        "weeks": 4,
        "days": ["mon", "wed"],
        "session": SessionShape(minutes={"min": 60, "max": 90}),
        "admission": Admission(every="week"),
        "stay": Stay.weeks(2),
    }
    base.update(changes)
    return Program(**base)


def _where(error: ProgramError) -> list[str]:
    """The place of an error's first problem, as the parts of its path."""
    import re

    return [p for p in re.split(r"[/.\[\]]+", error.problems[0].pointer) if p]


class TestBadInput:
    def test_admission_names_unknown_track(self):
        """Admission at the module starts of a track the program lacks is refused at
        /admission/track."""
        with pytest.raises(ProgramError) as info:
            _program(admission=Admission(track="Nope"))
        assert _where(info.value) == ["admission", "track"]

    def test_phase_outside_the_stay(self):
        """A group for patient weeks beyond the stay is refused at its patient_weeks."""
        with pytest.raises(ProgramError) as info:
            _program(groups=[Group(name="late", patient_weeks={"from": 5})])
        assert _where(info.value) == ["groups", "0", "patient_weeks"]
        assert "outside the stay" in str(info.value)

    def test_group_with_no_patients(self):
        """A group whose patient weeks are empty has no patients."""
        with pytest.raises((ProgramError, ValueError)) as info:
            Group(name="nobody", patient_weeks=[])
        assert "no patients" in str(info.value)

    def test_cycle_shorter_than_a_module(self):
        """A cycle too short for one module of a track is refused, naming the module."""
        program = _program(
            weeks=2,
            cycle=True,
            tracks=[Track(name="T", modules=["cognitive-restructuring"], days=["mon"])],
        )
        with pytest.raises(ProgramError) as info:
            compose(program)
        assert _where(info.value) == ["tracks", "0", "modules", "0"]
        assert "shorter than the module" in str(info.value)

    @pytest.mark.parametrize(
        ("edit", "pointer"),
        [
            ("admission: {at: module-starts, track: Nope}", "/admission/track"),
            ("groups: [{name: late, patient_weeks: {from: 9}}]", "/groups/0/patient_weeks"),
            ("groups: [{name: nobody, patient_weeks: []}]", "/groups/0/patient_weeks"),
        ],
    )
    def test_cli_exit_code_2(self, tmp_path, edit, pointer):
        """The command line reports these with the file, the place and exit code 2."""
        text = (EXAMPLES / "adolescent-iop.yaml").read_text(encoding="utf-8")
        if edit.startswith("groups"):
            start = text.index("\ngroups:")
            end = text.index("\ntracks:")
            text = text[:start] + text[end:]
            text = text.replace("admission: {every: week}", "admission: {every: week}\n" + edit)
        else:
            text = text.replace("admission: {every: week}", edit)
        (tmp_path / "catalogs").mkdir()
        for item in (EXAMPLES / "catalogs").iterdir():
            (tmp_path / "catalogs" / item.name).write_bytes(item.read_bytes())
        path = tmp_path / "program.yaml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["compose", str(path), "-o", str(tmp_path / "c.json")])
        assert result.exit_code == 2, result.output
        assert "program.yaml" in result.output
        assert pointer in result.output
        assert "Traceback" not in result.output


def test_closed_cohort_is_one_journey(composed):
    """A program without admission is one cohort: its only journey is the curriculum."""
    curriculum = compose(load_program(EXAMPLES / "adult-iop.yaml"))
    (point,) = admission_points(curriculum)
    assert (point.week, point.index) == (1, 0)
    patient = journey(curriculum, 1)
    assert [w.week for w in patient.weeks] == [w.number for w in curriculum.weeks]
    assert patient.weeks[2].service_minutes == curriculum.weeks[2].service_minutes
    with pytest.raises(ValueError, match="patients start in week 1"):
        journey(curriculum, 2)
    del composed


def test_program_round_trips_new_keys(tmp_path):
    """The new keys survive a dump and a load."""
    from iopkit.curriculum import dump_program

    program = load_program(EXAMPLES / "substance-use-iop.yaml")
    target = tmp_path / "program.yaml"
    for item in ("catalogs",):
        (tmp_path / item).mkdir()
        for path in (EXAMPLES / item).iterdir():
            (tmp_path / item / path.name).write_bytes(path.read_bytes())
    dump_program(program, target)
    text = target.read_text(encoding="utf-8")
    assert "patient_weeks:" in text
    assert "cycle: true" in text
    again = load_program(target)
    assert again == program


class TestClosedWeeks:
    def test_no_patient_is_admitted_in_a_week_without_sessions(self):
        """Every session of the program is closed: nobody can be admitted, so no weekly
        limit binds anyone and the (empty) curriculum is composed and valid, as the
        per-patient reading says (a week no patient is in has no weekly limits)."""
        from iopkit.curriculum import WeeklyMinutes

        program = _program(
            weeks=1,
            days=["mon"],
            start=dt.date(2027, 1, 4),
            closures=[dt.date(2027, 1, 4)],
            stay=Stay.weeks(1),
            weekly_minutes=WeeklyMinutes(min=120),
        )
        curriculum = compose(program)
        assert [len(week.sessions) for week in curriculum.weeks] == [0]
        assert validate(curriculum).ok

    def test_the_summary_names_the_day_patients_are_admitted(self):
        """Wednesday of week 1 is closed, so the week-1 patient is admitted on Thursday;
        the arithmetic that explains why a core track cannot reach them says Thursday,
        not the closed Wednesday (it used to be worked out on the program with the
        closure dropped)."""
        from iopkit.curriculum import InfeasibleError, Weeks

        program = _program(
            weeks=2,
            days=["wed", "thu"],
            start=dt.date(2027, 1, 11),
            closures=[dt.date(2027, 1, 13)],
            stay=Stay.weeks(1),
            tracks=[Track(name="Skills", modules=["sleep-management"], weeks=Weeks(from_=2))],
        )
        with pytest.raises(InfeasibleError) as info:
            compose(program)
        assert "thu 2027-01-14" in info.value.summary
        assert "2027-01-13" not in info.value.summary


class TestEmptyGroups:
    def test_a_group_before_or_after_with_nothing_to_hold_is_refused_where_written(self):
        """A group meeting after the session with no fill list and no track teaching in
        it could hold nothing; it is refused at /groups/0 when the program is read,
        instead of an explanation that blamed the session's length."""
        for fill in (None, ()):
            program = _program(
                groups=[
                    Group(name="after", patient_weeks="first", place="after", minutes=50, fill=fill)
                ],
            )
            with pytest.raises(ProgramError) as info:
                compose(program)
            assert info.value.problems[0].pointer == "/groups/0"
            assert "no fill list and no track" in info.value.problems[0].message
