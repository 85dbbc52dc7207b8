"""Attendance (issue #15): records in CSV and JSON, what each patient received week by
week against the plan and the profiles, lessons missed and their next offering, runs of
absences, the census of each group with its caps, and the `iopkit attendance` command.

The generated clinics are checked against an independent computation written here from
the curriculum's JSON and the records' CSV alone (it reads no iopkit object).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import iopkit
from iopkit._cli import main
from iopkit.curriculum import (
    Attendance,
    AttendanceRecord,
    AttendanceStatus,
    CheckState,
    GroupSizes,
    WeekState,
    attendance,
    attendance_csv,
    attendance_html,
    attendance_json,
    attendance_markdown,
    census_csv,
    census_json,
    compose,
    curriculum_json,
    load_attendance,
    load_program,
    planned_census,
    records_csv,
    records_json,
    validate,
)
from iopkit.curriculum._attendance import report_document
from iopkit.curriculum._journey import Walker
from iopkit.errors import FileFormatError, InputError, ProgramError

from . import strategies as s

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
#: cms-iop's weekly floor, as its profile states it (9 hours of service).
CMS_FLOOR = 540


def substance_use():
    return s.example_curriculum("substance-use-iop")


def twenty_six_weeks():
    """The substance-use example as 26 weeks that do not repeat (admission in weeks 1 to
    11, so that every 16-week stay fits)."""
    cache = twenty_six_weeks.__dict__.setdefault("cache", {})
    if "curriculum" not in cache:
        text = (EXAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
        text = text.replace("weeks: 16\n", "weeks: 26\n", 1).replace("cycle: true", "cycle: false")
        program = load_program(text.encode("utf-8"), roots=[EXAMPLES])
        cache["curriculum"] = compose(program)
    return cache["curriculum"]


def record(**fields):
    return AttendanceRecord(**fields)


# -- records ---------------------------------------------------------------------------------


class TestRecordFiles:
    def test_schema_is_registered(self):
        """The attendance/1 schema ships with the others: draft 2020-12, its own id."""
        schema = iopkit.schema("attendance")
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == "urn:iopkit:schema:attendance/1"
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def test_example_loads_with_lines(self):
        """The shipped example CSV loads, each record with its line in the file."""
        found = load_attendance(EXAMPLES / "attendance.csv")
        assert len(found.records) == len(found.lines) > 10
        assert found.lines[0] == 2
        assert found.records[0].status is AttendanceStatus.PRESENT

    def test_csv_and_json_round_trip(self, tmp_path):
        """Records written as CSV or as JSON read back equal, and the JSON checks against
        the schema."""
        found = load_attendance(EXAMPLES / "attendance.csv")
        (tmp_path / "a.json").write_text(records_json(found), encoding="utf-8")
        (tmp_path / "a.csv").write_text(records_csv(found), encoding="utf-8")
        assert load_attendance(tmp_path / "a.json") == found
        assert load_attendance(tmp_path / "a.csv") == found
        document = json.loads(records_json(found))
        jsonschema.Draft202012Validator(iopkit.schema("attendance")).validate(document)

    def test_columns_in_any_order_and_case(self):
        """Columns may come in any order and case; empty cells are absent values."""
        text = (
            b"Status,Date,PATIENT,admitted,minutes\r\n"
            b"late,2027-01-04,P1,2027-01-04,10\r\n"
            b"present,2027-01-06,P1,2027-01-04,\r\n"
        )
        found = load_attendance(text, label="upload.csv")
        assert found.records[0].minutes == 10
        assert found.records[1].minutes is None
        assert found.file == "upload.csv"

    def test_bytes_starting_with_a_brace_are_json(self):
        """Bytes that start with '{' are read as JSON."""
        found = load_attendance(
            records_json(
                [record(patient="P1", admitted="2027-01-04", date="2027-01-04", status="present")]
            ).encode()
        )
        assert found.records[0].patient == "P1"

    @pytest.mark.parametrize(
        ("text", "line", "phrase"),
        [
            (
                "patient,admitted,date,status,name\nP1,2027-01-04,2027-01-04,present,Ann\n",
                1,
                "unknown column 'name'",
            ),
            (
                "patient,admitted,date\nP1,2027-01-04,2027-01-04\n",
                1,
                "the required column 'status' is missing",
            ),
            ("patient,admitted,date,status,status\n", 1, "appears twice"),
            ("patient,admitted,date,status\n", 1, "no records"),
            ("patient,admitted,date,status\nP1,2027-01-04,2027-01-04\n", 2, "the row has 3 cells"),
            (
                "patient,admitted,date,status\nP1,2027-01-04,2027-01-04,present\x07\n",
                2,
                "control character",
            ),
        ],
    )
    def test_malformed_csv(self, text, line, phrase):
        """A malformed CSV file is refused with the line of the problem."""
        with pytest.raises(FileFormatError) as caught:
            load_attendance(text.encode(), label="records.csv")
        problem = caught.value.problems[0]
        assert problem.line == line
        assert phrase in problem.message

    def test_unknown_columns_never_echo_cells(self):
        """An unknown column is named, but none of its cells (they may hold names)."""
        text = (
            b"patient,admitted,date,status,full_name\nP1,2027-01-04,2027-01-04,present,Ann Smith\n"
        )
        with pytest.raises(FileFormatError) as caught:
            load_attendance(text, label="r.csv")
        assert "Ann" not in str(caught.value)

    @pytest.mark.parametrize("value", ["Ann Smith", "=HYPERLINK(1)", "+1", "a" * 65, "ÄÖ"])
    def test_invalid_patient_ids_are_not_repeated(self, value):
        """A patient id that is not pseudonymous (a name, a formula) is refused without
        repeating it, located at its record."""
        text = f'patient,admitted,date,status\n"{value}",2027-01-04,2027-01-04,present\n'.encode()
        with pytest.raises(FileFormatError) as caught:
            load_attendance(text, label="r.csv")
        problem = caught.value.problems[0]
        assert (problem.line, problem.pointer) == (2, "/records/0/patient")
        assert value not in str(caught.value)
        assert "pseudonymous" in problem.message

    @pytest.mark.parametrize(
        ("row", "pointer", "phrase"),
        [
            ("P1,2027-01-04,2027-01-04,late,-5", "/records/0/minutes", "below the minimum of 0"),
            ("P1,2027-01-04,2027-01-04,late,", "/records/0", "'minutes' is missing"),
            ("P1,2027-01-04,2027-01-04,present,10", "/records/0/minutes", "minutes go with late"),
            ("P1,2027-01-04,2027-02-30,present,", "/records/0/date", "not a valid date"),
            ("P1,2027-01-04,2027-01-04,prsent,", "/records/0/status", "did you mean 'present'"),
        ],
    )
    def test_bad_values_are_located(self, row, pointer, phrase):
        """A bad value is reported at its line and key."""
        text = f"patient,admitted,date,status,minutes\n{row}\n".encode()
        with pytest.raises(FileFormatError) as caught:
            load_attendance(text, label="r.csv")
        problem = caught.value.problems[0]
        assert (problem.line, problem.pointer) == (2, pointer)
        assert phrase in problem.message

    def test_json_errors_have_lines(self, tmp_path):
        """Problems in a JSON file name the line of their record."""
        records = [
            record(patient="P1", admitted="2027-01-04", date="2027-01-04", status="present"),
            record(patient="P1", admitted="2027-01-04", date="2027-01-06", status="present"),
        ]
        text = records_json(records).replace('"present"}', '"gone"}')
        path = tmp_path / "r.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(FileFormatError) as caught:
            load_attendance(path)
        assert [p.line for p in caught.value.problems] == [4, 5]

    def test_special_and_large_files_are_refused(self, tmp_path):
        """A folder or a file over the size limit is refused before it is parsed."""
        with pytest.raises(FileFormatError, match="not a regular file"):
            load_attendance(tmp_path)
        big = tmp_path / "big.csv"
        with big.open("wb") as handle:
            handle.truncate(16 * 1024 * 1024 + 1)
        with pytest.raises(FileFormatError, match="larger than the limit"):
            load_attendance(big)

    def test_records_in_python_are_checked(self):
        """Records built in Python refuse bad values with the field's name."""
        with pytest.raises(ProgramError, match="minutes"):
            record(patient="P1", admitted="2027-01-04", date="2027-01-04", status="late")
        with pytest.raises(ProgramError, match="pseudonymous"):
            record(patient="Ann Smith", admitted="2027-01-04", date="2027-01-04", status="absent")


# -- matching records to the curriculum -----------------------------------------------------


def _problems(curriculum, rows, header="patient,admitted,date,group,block,status,minutes"):
    text = (header + "\n" + "\n".join(rows) + "\n").encode()
    with pytest.raises(InputError) as caught:
        attendance(curriculum, load_attendance(text, label="r.csv"))
    return caught.value.problems


class TestBadRecords:
    @pytest.mark.parametrize(
        ("row", "pointer", "phrase"),
        [
            ("P1,2027-01-04,2026-12-28,,,present,", "/records/1/date", "outside the curriculum"),
            (
                "P1,2027-01-04,2027-01-05,,,present,",
                "/records/1/date",
                "no session on Tue 2027-01-05",
            ),
            (
                "P1,2027-01-04,2027-01-04,,process-grp,present,",
                "/records/1/block",
                "did you mean 'process-group'",
            ),
            ("P1,2027-01-04,2027-01-04,,9,present,", "/records/1/block", "there is no block 9"),
            (
                "P1,2027-01-04,2027-01-06,early-recovery,,present,",
                "/records/1/group",
                "does not meet on Wed",
            ),
            (
                "P1,2027-01-04,2027-01-06,social-support,,present,",
                "/records/1/group",
                "not in group 'social-support'",
            ),
            ("P1,2027-01-04,2027-01-04,,,late,400", "/records/1/minutes", "lasts 240 minutes"),
            ("P1,2027-01-04,2027-01-06,,,absent,", "/records/1/date", "recorded twice"),
            (
                "P1,2027-01-11,2027-01-13,,,absent,",
                "/records/1/admitted",
                "admitted again needs a new id",
            ),
            (
                "P2,2027-01-05,2027-01-06,,,absent,",
                "/records/1/admitted",
                "no patient is admitted on 2027-01-05",
            ),
        ],
    )
    def test_located(self, row, pointer, phrase):
        """A record the curriculum or the patient's schedule cannot hold is reported at
        its line and key."""
        problems = _problems(substance_use(), ["P1,2027-01-04,2027-01-06,,,present,", row])
        assert [(p.file, p.line, p.pointer) for p in problems] == [("r.csv", 3, pointer)]
        assert phrase in problems[0].message

    def test_dates_outside_a_curriculum_that_ends(self):
        """In a curriculum that is not a cycle, a date after its last week is outside it;
        a date after a patient's stay is reported as such."""
        curriculum = s.example_curriculum("adult-iop")
        problems = _problems(
            curriculum,
            [
                "P1,2027-01-04,2027-03-01,,,present,",
                "P1,2027-01-04,2027-03-04,,,present,",
            ],
        )
        assert (
            "outside the curriculum, which runs from 2027-01-04 to 2027-02-28"
            in problems[0].message
        )
        assert len(problems) == 2
        cycle = _problems(substance_use(), ["P1,2027-01-04,2027-04-26,,,present,"])
        assert "after the patient's stay of 16 weeks" in cycle[0].message

    def test_two_parallel_sittings(self):
        """A patient present at a group beside the session and at its main blocks (or at
        a group that is not theirs) is reported: a patient attends one sitting at a time."""
        curriculum = s.example_curriculum("adolescent-iop")
        problems = _problems(
            curriculum,
            [
                "T1,2027-01-04,2027-01-04,orientation,,present,",
                "T1,2027-01-04,2027-01-04,,process-group,present,",
                "T2,2027-01-04,2027-01-11,orientation,,present,",
                "T2,2027-01-04,2027-01-11,,,present,",
            ],
        )
        assert [(p.line, p.pointer) for p in problems] == [
            (3, "/records/1/group"),
            (4, "/records/2/group"),
        ]
        assert "meets at the same time" in problems[0].message
        assert "line 2" in problems[0].message
        assert "not in group 'orientation'" in problems[1].message

    def test_a_group_beside_the_session(self):
        """A new patient present at the group beside the session receives its minutes."""
        curriculum = s.example_curriculum("adolescent-iop")
        text = b"patient,admitted,date,group,status\nT1,2027-01-04,2027-01-04,orientation,present\n"
        report = attendance(curriculum, load_attendance(text))
        assert report.patients[0].weeks[0].received > 0

    def test_ambiguous_block(self):
        """A block named by an activity that occurs twice in its sitting asks for its
        position instead."""
        curriculum = substance_use()
        session = curriculum.weeks[0].sessions[0]
        twice = attrs_evolve_session(session)
        weeks = list(curriculum.weeks)
        weeks[0] = iopkit_evolve(weeks[0], sessions=(twice, *weeks[0].sessions[1:]))
        changed = iopkit_evolve(curriculum, weeks=tuple(weeks))
        problems = _problems(changed, ["P1,2027-01-04,2027-01-04,,check-in,present,"])
        assert "name the block by its position" in problems[0].message

    def test_curriculum_without_dates(self):
        """Attendance needs dates: a curriculum without a start date is refused."""
        curriculum = substance_use()
        undated = iopkit_evolve(
            curriculum,
            program=iopkit_evolve(curriculum.program, start=None),
            weeks=tuple(
                iopkit_evolve(w, sessions=tuple(iopkit_evolve(x, date=None) for x in w.sessions))
                for w in curriculum.weeks
            ),
        )
        with pytest.raises(ProgramError, match="start date"):
            attendance(undated, [])

    def test_records_in_python_are_located_by_index(self):
        """Problems with records built in Python name the record's index."""
        records = [record(patient="P1", admitted="2027-01-04", date="2027-01-05", status="absent")]
        with pytest.raises(InputError) as caught:
            attendance(substance_use(), records)
        assert str(caught.value.problems[0]).startswith("Attendance.records[0].date:")

    def test_every_problem_at_once(self):
        """Every bad record is reported at once, in file order."""
        rows = [f"P1,2027-01-04,2027-01-0{d},,,present," for d in (5, 2, 3, 4)]
        problems = _problems(substance_use(), rows)
        assert [p.line for p in problems] == [2, 3, 4]


def attrs_evolve_session(session):
    """A session whose second block is another check-in (an activity twice)."""
    blocks = list(session.blocks)
    second = blocks[1]
    blocks[1] = iopkit_evolve(blocks[0], start=second.start, minutes=second.minutes)
    return iopkit_evolve(session, blocks=tuple(blocks))


def iopkit_evolve(obj, **changes):
    import attrs

    return attrs.evolve(obj, **changes)


# -- the report --------------------------------------------------------------------------------


class TestReport:
    def report(self, **kwargs):
        return attendance(substance_use(), load_attendance(EXAMPLES / "attendance.csv"), **kwargs)

    def test_example_numbers(self):
        """The example's numbers, worked by hand: late by 20 loses the first 20 minutes of
        the visit (the early-recovery group's), a block record refines a session record."""
        report = self.report()
        first = report.patient("P-1001")
        assert [w.received for w in first.weeks[:3]] == [690 - 20, 640 - 180 - 230, 640 - 45]
        assert first.weeks[0].checks[0].state is CheckState.MET
        assert first.weeks[1].checks[0].state is CheckState.MISSED
        assert "230 service minutes" in first.weeks[1].checks[0].text
        assert "310 short" in first.weeks[1].checks[0].text
        second = report.patient("P-1002")
        assert second.weeks[1].received == 640 - 230 - 15
        assert report.as_of == dt.date(2027, 1, 21)
        assert first.weeks[3].state is WeekState.UPCOMING
        assert first.weeks[3].checks == ()
        assert [(r.first, r.last, r.sessions, r.excused) for r in first.absences] == [
            (dt.date(2027, 1, 13), dt.date(2027, 1, 14), 2, 1)
        ]
        assert {a.patient for a in report.below_floor} == {"P-1002", "P-1003"}

    def test_as_of_splits_the_week(self):
        """On the Wednesday of a week, its Thursday is still planned: the week is in
        progress, its floor pending, and the patient can still reach it."""
        report = self.report(as_of=dt.date(2027, 1, 20))
        week = report.patient("P-1003").weeks[0]
        assert week.state is WeekState.CURRENT
        assert week.checks[0].state is CheckState.PENDING
        assert week.remaining == 280
        alert = next(a for a in report.below_floor if a.patient == "P-1003")
        assert alert.reachable
        assert alert.received + alert.remaining >= alert.floor

    def test_unrecorded_sessions(self):
        """Sessions without a record count as absent, or as present when asked."""
        records = [record(patient="P1", admitted="2027-01-04", date="2027-01-07", status="absent")]
        absent = attendance(substance_use(), records)
        present = attendance(substance_use(), records, unrecorded="present")
        assert absent.patients[0].weeks[0].received == 0
        assert absent.patients[0].weeks[0].unrecorded == 2
        assert present.patients[0].weeks[0].received == 690 - 280

    def test_more_profiles(self):
        """Extra profiles are checked besides the program's own, each with its arithmetic:
        ASAM's band, a payer's minimum count."""
        report = self.report(profiles=["asam-2.1-adult", "bcbs-mi-iop"])
        assert [p.id for p in report.profiles] == ["cms-iop", "asam-2.1-adult", "bcbs-mi-iop"]
        checks = report.patient("P-1001").weeks[0].checks
        limits = {(c.profile, c.limit) for c in checks}
        assert ("asam-2.1-adult", "weekly_minutes.max") in limits
        assert ("bcbs-mi-iop", "require[2]") in limits
        family = next(c for c in checks if (c.profile, c.limit) == ("bcbs-mi-iop", "require[2]"))
        assert family.state is CheckState.MISSED
        assert "needs at least 1" in family.text
        # the plan holds no family session that week: missed by the plan, and said so
        assert (family.planned, family.counted) == (0, "family therapy activities")
        assert "family therapy activities 0 of at least 1 (the plan holds 0)" in (
            attendance_markdown(report)
        )

    def test_exports(self):
        """Markdown, HTML, CSV and JSON carry the same report; the HTML has no script."""
        report = self.report(group_sizes=GroupSizes(max=2))
        markdown = attendance_markdown(report)
        assert "## Below a floor this week" in markdown
        assert "not clinical or billing advice" in markdown
        html = attendance_html(report, paper="a4")
        for active in ("<script", "<link", "<iframe", "src=", "http:", "https:"):
            assert active not in html.lower()
        assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no event handlers
        assert "@page { size: A4" in html
        assert "Weekly compliance" in html
        assert "over their cap" in html
        rows = list(csv.reader(io.StringIO(attendance_csv(report))))
        assert rows[0][-2:] == ["cms-iop", "cms-iop details"]
        assert len(rows) == 1 + sum(len(p.weeks) for p in report.patients)
        document = json.loads(attendance_json(report))
        assert document == report_document(report)
        assert document["census"]["violations"] == len(report.census.violations) > 0

    def test_missed_lessons_and_next_offering(self):
        """A missed lesson gives the date it is next offered in the patient's own sittings,
        and whether they received it then."""
        curriculum = twenty_six_weeks()
        journey = Walker(curriculum).journey(Walker(curriculum).points[0], 16)
        records = [
            record(
                patient="P1",
                admitted=journey.admitted_date,
                date=v.date,
                status="absent" if v.date == dt.date(2027, 1, 6) else "present",
            )
            for _, v in journey.visits()
        ]
        report = attendance(curriculum, records)
        missed = report.patients[0].missed
        family = [m for m in missed if m.module == "family-education"]
        assert family
        assert family[0].next is not None
        assert family[0].made_up is True
        offered = [
            v.date
            for _, v in journey.visits()
            for i in v.blocks
            if (i.block.module, i.block.lesson) == (family[0].module, family[0].lesson)
        ]
        assert family[0].next == offered[1]


# -- properties ---------------------------------------------------------------------------------

PROFILES = ("cms-iop", "asam-2.1-adult", "asam-2.1-adolescent", "ahcccs-s9480", "bcbs-mi-iop")


@st.composite
def clinics(draw):
    name = draw(st.sampled_from(s.ATTENDANCE_EXAMPLES))
    curriculum = s.example_curriculum(name)
    journeys = draw(s.clinic_journeys(curriculum))
    return curriculum, journeys


class TestProperties:
    @given(data=st.data())
    def test_received_never_exceeds_planned(self, data):
        """For any records, a patient's received service minutes never exceed the planned
        ones, week by week and over the stay."""
        curriculum, journeys = data.draw(clinics())
        records = data.draw(s.attendance_records(curriculum, journeys))
        as_of = max(v.date for j in journeys.values() for _, v in j.visits())
        report = attendance(curriculum, records, as_of=as_of, unrecorded="present")
        for patient in report.patients:
            assert patient.received <= patient.planned
            for week in patient.weeks:
                assert 0 <= week.received <= week.planned
                assert week.received + week.remaining <= week.planned

    @given(data=st.data())
    def test_present_everywhere_meets_what_the_plan_meets(self, data):
        """A patient present at every block receives exactly their journey's plan (every
        limit counts what the plan holds), misses a weekly floor exactly where the plan
        is below it, and meets every profile the curriculum meets."""
        curriculum, journeys = data.draw(clinics())
        records = [
            record(
                patient=p,
                admitted=j.admitted_date,
                date=v.date,
                status="present",
                stay=j.stay
                if curriculum.program.patient_stay.min != curriculum.program.patient_stay.max
                else None,
            )
            for p, j in journeys.items()
            for _, v in j.visits()
        ]
        report = attendance(curriculum, records, profiles=PROFILES, as_of=dt.date(2100, 1, 1))
        met = _profiles_met(curriculum)
        for patient in report.patients:
            journey = journeys[patient.patient]
            assert [w.number for w in patient.weeks] == [w.number for w in journey.weeks]
            for week, planned in zip(patient.weeks, journey.weeks, strict=True):
                assert week.received == week.planned == planned.service_minutes
                assert week.state is WeekState.DONE
                for check in week.checks:
                    if check.limit == "weekly_minutes.min" and check.state is not CheckState.EXEMPT:
                        assert (check.state is CheckState.MISSED) == (
                            planned.service_minutes < check.bound
                        )
                    if check.profile in met:
                        assert check.state in {CheckState.MET, CheckState.EXEMPT}, check.text
                    assert check.value == check.planned, check.text
            for check in patient.stay_checks:
                assert check.value == check.planned, check.text
            assert patient.missed == ()
            assert patient.absences == ()

    @given(data=st.data())
    def test_one_block_absent(self, data):
        """Marking any one block absent lowers the received minutes by exactly that
        block's service minutes (none for a break), in its week only."""
        curriculum, journeys = data.draw(clinics())
        patient, journey = next(iter(journeys.items()))
        stay = (
            journey.stay
            if curriculum.program.patient_stay.min != curriculum.program.patient_stay.max
            else None
        )
        base = [
            record(
                patient=patient,
                admitted=journey.admitted_date,
                date=v.date,
                status="present",
                stay=stay,
            )
            for _, v in journey.visits()
        ]
        visits = list(journey.visits())
        week, visit = data.draw(st.sampled_from(visits))
        item = data.draw(st.sampled_from(visit.blocks))
        position = [i for i in visit.blocks if i.group == item.group].index(item) + 1
        absent = record(
            patient=patient,
            admitted=journey.admitted_date,
            date=visit.date,
            group=item.group,
            block=position,
            status="absent",
            stay=stay,
        )
        as_of = dt.date(2100, 1, 1)
        before = attendance(curriculum, base, as_of=as_of).patients[0]
        after = attendance(curriculum, [*base, absent], as_of=as_of).patients[0]
        lost = 0 if item.block.is_break else item.block.minutes
        assert before.received - after.received == lost
        for old, new in zip(before.weeks, after.weeks, strict=True):
            assert old.received - new.received == (lost if old.number == week.number else 0)

    @given(data=st.data())
    def test_records_round_trip(self, data):
        """Any records written as CSV or as JSON read back as the same records, each
        located at its line."""
        curriculum, journeys = data.draw(clinics())
        records = data.draw(s.attendance_records(curriculum, journeys))
        if not records:
            return
        as_csv = load_attendance(records_csv(records).encode(), label="r.csv")
        as_json = load_attendance(records_json(records).encode(), label="r.json")
        assert as_csv.records == as_json.records == tuple(records)
        assert as_csv.lines == tuple(range(2, len(records) + 2))
        assert as_json.lines == tuple(range(4, len(records) + 4))


def _profiles_met(curriculum):
    cache = _profiles_met.__dict__.setdefault("cache", {})
    key = id(curriculum)
    if key not in cache:
        report = validate(curriculum, profiles=PROFILES)
        failing = {v.rule.split(":")[0] for v in report.violations if ":" in v.rule}
        cache[key] = {p for p in (*curriculum.program.profiles, *PROFILES) if p not in failing}
    return cache[key]


# -- census --------------------------------------------------------------------------------------


class TestCensus:
    def test_weekly_admission_steady_state(self):
        """Two new patients a week in the 16-week cycle: 32 patients in every main
        session, 8 in the early-recovery group (their first 4 weeks), 6 in the individual
        sessions (first week, week 8 and last week), 8 in the social-support group."""
        census = planned_census(substance_use(), 2)
        main = {c.enrolled for c in census.sittings if c.group is None}
        assert main == {32}
        by_group = {}
        for c in census.sittings:
            by_group.setdefault(c.group, set()).add(c.enrolled)
        assert by_group["early-recovery"] == {8}
        assert by_group["individual"] == {6}
        assert by_group["social-support"] == {8}
        assert len({c.session for c in census.sittings}) == 48

    def test_module_start_admission_little(self):
        """With admission at module starts, an admission point takes the patients of the
        weeks since the one before; over the cycle, the mean census of the sessions is the
        rate times the stay (Little's law)."""
        curriculum = s.example_curriculum("dbt-skills-cycle")
        census = planned_census(curriculum, 2)
        sessions = [c.enrolled for c in census.sittings if c.group is None]
        total = sum(len(w.sessions) for w in curriculum.weeks)
        assert sum(sessions) / total == pytest.approx(2 * 24, rel=0.05)
        assert max(sessions) == pytest.approx(48)

    def test_caps(self):
        """A sitting holding a capped activity is over when more patients sit it;
        individual sittings are never capped."""
        caps = GroupSizes(max=12, activities={"process-group": 8}, groups={"early-recovery": 6})
        census = planned_census(substance_use(), 2, group_sizes=caps)
        over = {(c.group, c.cap, c.cap_source) for c in census.violations}
        assert over == {
            (None, 8, "activities.process-group"),
            ("early-recovery", 6, "groups.early-recovery"),
        }
        assert all(c.cap is None for c in census.sittings if c.group == "individual")
        rows = list(csv.reader(io.StringIO(census_csv(census))))
        assert rows[0][0] == "week"
        assert len(rows) == 1 + len(census.sittings)

    def test_group_sizes_as_a_program_writes_them(self):
        """Caps are written as a program file would state them, and checked."""
        caps = GroupSizes(max=12, activities={"process-group": 8})
        assert caps.to_dict() == {"max": 12, "activities": {"process-group": 8}}
        with pytest.raises(ProgramError, match="max"):
            GroupSizes(max=0)
        with pytest.raises(ProgramError, match="activities"):
            GroupSizes(activities={"Process Group": 8})

    def test_caps_the_program_states(self):
        """Without caps given, the census checks the program's ``group_size``; caps given
        as an argument replace them."""
        text = (EXAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
        text += "\ngroup_size: {max: 40, groups: {early-recovery: 6}}\n"
        curriculum = compose(load_program(text.encode("utf-8"), roots=[EXAMPLES]))
        stated = planned_census(curriculum, 2)
        assert stated.caps == curriculum.program.group_size
        assert {(c.group, c.cap_source) for c in stated.violations} == {
            ("early-recovery", "groups.early-recovery")
        }
        given = planned_census(curriculum, 2, group_sizes=GroupSizes(max=100))
        assert given.caps == GroupSizes(max=100)
        assert given.violations == ()
        records = load_attendance(EXAMPLES / "attendance.csv")
        assert attendance(curriculum, records).census.caps == curriculum.program.group_size
        document = json.loads(census_json(stated))
        assert document["caps"] == {"max": 40, "groups": {"early-recovery": 6}}
        assert document["violations"] == len(stated.violations)

    def test_rate_is_checked(self):
        """A rate of 0 or less is refused."""
        with pytest.raises(ProgramError, match="rate"):
            planned_census(substance_use(), 0)


# -- a generated clinic, against an independent computation --------------------------------------


def generate_clinic(curriculum, patients, seed, last_week):
    """CSV records for ``patients`` admitted at random admission points (of the first two
    runs of a cycle), through the Thursday of week ``last_week``: mostly whole-session
    records, some for a group's sitting or one block, random absences."""
    rng = random.Random(seed)
    walker = Walker(curriculum)
    runs = 2 if curriculum.program.cycle else 1
    weeks = len(curriculum.weeks)
    start = curriculum.program.start
    as_of = start + dt.timedelta(weeks=last_week - 1, days=3)
    points = [
        (p, run)
        for run in range(runs)
        for p in walker.points
        if start + dt.timedelta(weeks=p.week - 1 + run * weeks) <= as_of
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["patient", "admitted", "date", "group", "block", "status", "minutes"])
    for number in range(patients):
        point, run = rng.choice(points)
        journey = walker.journey(point, curriculum.program.patient_stay.max, run)
        pid = f"C{number + 1:03d}"
        troubled = rng.random() < 0.3
        for _, visit in journey.visits():
            if visit.date > as_of:
                break
            row = [pid, journey.admitted_date.isoformat(), visit.date.isoformat()]
            roll = rng.random() if visit.date != journey.admitted_date else 1.0
            if roll < (0.2 if troubled else 0.05):
                writer.writerow([*row, "", "", "absent", ""])
            elif roll < (0.25 if troubled else 0.08):
                writer.writerow([*row, "", "", "excused", ""])
            elif roll < 0.12:
                writer.writerow([*row, "", "", "late", rng.choice([5, 20, 60])])
            elif roll < 0.15:
                writer.writerow([*row, "", "", "left-early", rng.choice([10, 45])])
            elif roll < 0.17:
                writer.writerow([*row, "", "", "attended", rng.choice([30, 100])])
            elif roll < 0.19:
                continue  # no record: counts as absent
            else:
                writer.writerow([*row, "", "", "present", ""])
            groups = sorted({i.group for i in visit.blocks if i.group is not None})
            if groups and rng.random() < 0.15:
                writer.writerow([*row, rng.choice(groups), "", rng.choice(["absent", "late"]), ""])
            if rng.random() < 0.1:
                mains = [i.block for i in visit.blocks if i.group is None]
                if mains:
                    position = rng.randrange(len(mains))
                    block = mains[position]
                    ids = [b.activity for b in mains]
                    name = block.activity if ids.count(block.activity) == 1 else str(position + 1)
                    early = min(rng.choice([5, 30]), block.minutes)
                    writer.writerow([*row, "", name, "left-early", early])
    text = out.getvalue()
    # a group record without minutes for 'late' is wrong: give it some
    text = text.replace(",late,\r\n", ",late,15\r\n")
    return text, as_of


def _phase(spec, stay):
    """Patient weeks as a program file writes them (the open-enrolment page's table)."""
    items = spec if isinstance(spec, list) else [spec]
    weeks = set()
    for item in items:
        if item == "first":
            weeks.add(1)
        elif item == "last":
            weeks.add(stay)
        elif isinstance(item, int):
            weeks.add(item)
        elif "last" in item:
            weeks |= set(range(stay - item["last"] + 1, stay + 1))
        else:
            weeks |= set(range(item.get("from", 1), min(item.get("to", stay), stay) + 1))
    return {k for k in weeks if 1 <= k <= stay}


def independent(document, text, as_of):
    """What each patient received, from the curriculum's JSON and the records' CSV only,
    read as the open-enrolment page and the how-to state them."""
    program = document["program"]
    start = dt.date.fromisoformat(program["start"])
    total = program["weeks"]
    cycle = program.get("cycle", False)
    stay = program["stay"]["weeks"]
    phases = {g["name"]: g["patient_weeks"] for g in program.get("groups", [])}
    weeks = {w["number"]: w["sessions"] for w in document["weeks"]}
    rows = {}
    admitted = {}
    for row in csv.DictReader(io.StringIO(text)):
        admitted[row["patient"]] = dt.date.fromisoformat(row["admitted"])
        rows.setdefault((row["patient"], row["date"]), []).append(row)

    def keep(status, minutes, length):
        if status == "present":
            return 0, length
        if status == "late":
            return min(minutes, length), length
        if status == "left-early":
            return 0, max(0, length - minutes)
        if status == "attended":
            return 0, min(minutes, length)
        return 0, 0

    patients = {}
    for patient, day in admitted.items():
        first_week = (day - start).days // 7  # 0-based, counting runs of a cycle
        schedule = []  # (patient week, curriculum week, run, date, [(group, block)])
        for k in range(1, stay + 1):
            absolute = first_week + k - 1
            number, run = (absolute % total + 1, absolute // total) if cycle else (absolute + 1, 0)
            mine = {name for name, spec in phases.items() if k in _phase(spec, stay)}
            for session in weeks[number]:
                date = dt.date.fromisoformat(session["date"]) + dt.timedelta(weeks=run * total)
                if date < day:
                    continue
                groups = [g for g in session.get("groups", []) if g["name"] in mine]
                before = sorted(
                    (g for g in groups if g["place"] == "before"), key=lambda g: g["start"]
                )
                beside = [g for g in groups if g["place"] == "beside"]
                after = sorted(
                    (g for g in groups if g["place"] == "after"), key=lambda g: g["start"]
                )
                items = [(g["name"], b) for g in before for b in g["blocks"]]
                if beside:
                    items += [(beside[0]["name"], b) for b in beside[0]["blocks"]]
                else:
                    items += [(None, b) for b in session["blocks"]]
                items += [(g["name"], b) for g in after for b in g["blocks"]]
                schedule.append((k, number, run, date, items))
        visits = []
        for k, number, run, date, items in schedule:
            found = rows.get((patient, date.isoformat()), [])
            kept = []
            if date <= as_of:
                whole = [r for r in found if not r["group"] and not r["block"]]
                sitting = {r["group"]: r for r in found if r["group"] and not r["block"]}
                single = {}
                for r in found:
                    if r["block"]:
                        blocks = [b for g, b in items if g == (r["group"] or None)]
                        if r["block"].isdigit():
                            index = int(r["block"]) - 1
                        else:
                            index = [b["activity"] for b in blocks].index(r["block"])
                        single[(r["group"] or None, index)] = r
                length = sum(b["minutes"] for _, b in items)
                position = 0
                within = {}
                counted = {}
                for group, block in items:
                    here = counted.get(group, 0)
                    counted[group] = here + 1
                    offset = within.get(group, 0)
                    within[group] = offset + block["minutes"]
                    m = block["minutes"]
                    minutes = None
                    if (group, here) in single:
                        r = single[(group, here)]
                        low, high = keep(r["status"], int(r["minutes"] or 0), m)
                        minutes = max(0, high - low)
                    elif group is not None and group in sitting:
                        r = sitting[group]
                        size = sum(b["minutes"] for g, b in items if g == group)
                        low, high = keep(r["status"], int(r["minutes"] or 0), size)
                        minutes = max(0, min(offset + m, high) - max(offset, low))
                    elif whole:
                        r = whole[0]
                        low, high = keep(r["status"], int(r["minutes"] or 0), length)
                        minutes = max(0, min(position + m, high) - max(position, low))
                    else:
                        minutes = 0
                    kept.append(minutes)
                    position += m
            visits.append((k, number, run, date, items, kept))
        patients[patient] = visits
    return patients


def _service(items, kept):
    return sum(k for (_, b), k in zip(items, kept, strict=False) if b["kind"] != "break")


class TestGeneratedClinic:
    @pytest.mark.parametrize("kind", ["twenty-six weeks", "cycle"])
    def test_against_an_independent_computation(self, kind, tmp_path):
        """40 patients over 26 weeks with random absences: the report (planned and
        received minutes, cms-iop's verdicts, lessons missed and their next offering,
        runs of absences, patients below the floor, the census) agrees with a computation
        from the curriculum's JSON and the CSV alone; so does the command line's JSON."""
        curriculum = twenty_six_weeks() if kind != "cycle" else substance_use()
        text, as_of = generate_clinic(curriculum, 40, seed=15, last_week=26)
        document = json.loads(curriculum_json(curriculum))
        path = tmp_path / "clinic.csv"
        path.write_text(text, encoding="utf-8")
        report = attendance(curriculum, load_attendance(path))
        assert report.as_of == as_of
        expected = independent(document, text, as_of)
        assert {p.patient for p in report.patients} == set(expected)
        assert len(expected) == 40
        census = {}
        alerts = set()
        met = weeks_done = 0
        for patient in report.patients:
            visits = expected[patient.patient]
            by_week = {}
            for k, number, run, date, items, kept in visits:
                by_week.setdefault(k, []).append((number, run, date, items, kept))
                for group in {g for g, _ in items}:
                    key = (date, group)
                    got = sum(x for (g, _), x in zip(items, kept, strict=False) if g == group)
                    enrolled, present = census.get(key, (0, None))
                    if date <= as_of:
                        present = (present or 0) + (got > 0)
                    census[key] = (enrolled + 1, present)
            assert [w.number for w in patient.weeks] == sorted(by_week)
            for week in patient.weeks:
                found = by_week[week.number]
                planned = sum(
                    b["minutes"]
                    for _, _, _, items, _ in found
                    for _, b in items
                    if b["kind"] != "break"
                )
                received = sum(_service(items, kept) for _, _, _, items, kept in found)
                assert (week.planned, week.received) == (planned, received), (
                    patient.patient,
                    week.number,
                )
                monday = week.first
                done = monday <= as_of and all(d <= as_of for _, _, d, _, _ in found)
                if done:
                    weeks_done += 1
                    met += received >= CMS_FLOOR
                    assert week.verdict("cms-iop") is (
                        CheckState.MET if received >= CMS_FLOOR else CheckState.MISSED
                    )
                if monday <= as_of <= monday + dt.timedelta(days=6) and received < CMS_FLOOR:
                    alerts.add((patient.patient, week.number))
            # lessons missed, with the next offering in the patient's own sittings
            lessons = []
            flat = [(d, items, kept) for _, _, _, d, items, kept in visits]
            for index, (date, items, kept) in enumerate(flat):
                if date > as_of:
                    continue
                for (_, block), k in zip(items, kept, strict=False):
                    if block["module"] is None or (2 * k >= block["minutes"] and k > 0):
                        continue
                    key = (block["module"], block["lesson"])
                    later = [
                        d
                        for d, its, _ in flat[index + 1 :]
                        if any((b["module"], b["lesson"]) == key for _, b in its)
                    ]
                    lessons.append((date, *key, later[0] if later else None))
            assert [(m.date, m.module, m.lesson, m.next) for m in patient.missed] == lessons
            # runs of absences
            runs, current = [], []
            for date, items, kept in flat:
                if date > as_of:
                    break
                if _service(items, kept) == 0:
                    current.append(date)
                    continue
                if len(current) >= 2:
                    runs.append((current[0], current[-1], len(current)))
                current = []
            if len(current) >= 2:
                runs.append((current[0], current[-1], len(current)))
            assert [(r.first, r.last, r.sessions) for r in patient.absences] == runs
        share = report.shares[0]
        assert (share.met, share.weeks) == (met, weeks_done)
        assert {(a.patient, a.week) for a in report.below_floor} == alerts
        assert {
            (c.date, c.group): (c.enrolled, c.present) for c in report.census.sittings
        } == census
        assert any(p.missed for p in report.patients)
        assert any(p.absences for p in report.patients)
        if kind != "cycle":
            assert any(m.next is not None for p in report.patients for m in p.missed)
        # the command line says the same, as JSON
        curriculum_path = tmp_path / "curriculum.json"
        curriculum_path.write_text(curriculum_json(curriculum), encoding="utf-8")
        result = CliRunner().invoke(
            main, ["attendance", str(curriculum_path), str(path), "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == report_document(report)


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def curriculum_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("attendance") / "curriculum.json"
    path.write_text(curriculum_json(substance_use()), encoding="utf-8")
    return path


class TestCommandLine:
    @pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
    def test_formats(self, curriculum_file, tmp_path, fmt):
        """Every format is written, to a file with -o."""
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(
            main,
            [
                "attendance",
                str(curriculum_file),
                str(EXAMPLES / "attendance.csv"),
                "-f",
                fmt,
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "P-1001" in out.read_text(encoding="utf-8")

    def test_profiles_caps_and_date(self, curriculum_file):
        """--profile, --group-size and --as-of reach the report."""
        result = CliRunner().invoke(
            main,
            [
                "attendance",
                str(curriculum_file),
                str(EXAMPLES / "attendance.csv"),
                "--profile",
                "asam-2.1-adult",
                "--group-size",
                "2",
                "--group-size",
                "process-group=1",
                "--as-of",
                "2027-01-13",
                "-f",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        document = json.loads(result.output)
        assert document["as_of"] == "2027-01-13"
        assert [p["id"] for p in document["profiles"]] == ["cms-iop", "asam-2.1-adult"]
        assert document["census"]["caps"] == {"max": 2, "activities": {"process-group": 1}}
        assert document["census"]["violations"] > 0

    def test_planned_census(self, curriculum_file):
        """--rate without records writes the expected census."""
        result = CliRunner().invoke(
            main,
            [
                "attendance",
                str(curriculum_file),
                "--rate",
                "2",
                "--group-size",
                "early-recovery=6",
                "-f",
                "csv",
            ],
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.output)))
        assert {r["enrolled"] for r in rows if r["sitting"] == "main"} == {"32"}
        assert {r["over"] for r in rows if r["sitting"] == "early-recovery"} == {"yes"}

    def test_group_size_over_the_program_caps(self, tmp_path):
        """--group-size adds to or changes the caps the program states; without it the
        program's caps are checked."""
        text = (EXAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
        text += "\ngroup_size: {max: 40, groups: {early-recovery: 6}}\n"
        curriculum = compose(load_program(text.encode("utf-8"), roots=[EXAMPLES]))
        path = tmp_path / "capped.json"
        path.write_text(curriculum_json(curriculum), encoding="utf-8")
        runner = CliRunner()
        stated = runner.invoke(main, ["attendance", str(path), "--rate", "2", "-f", "json"])
        assert stated.exit_code == 0, stated.output
        assert json.loads(stated.output)["caps"] == {"max": 40, "groups": {"early-recovery": 6}}
        both = runner.invoke(
            main,
            [
                "attendance",
                str(path),
                "--rate",
                "2",
                "--group-size",
                "process-group=8",
                "-f",
                "json",
            ],
        )
        assert both.exit_code == 0, both.output
        assert json.loads(both.output)["caps"] == {
            "max": 40,
            "activities": {"process-group": 8},
            "groups": {"early-recovery": 6},
        }

    @pytest.mark.parametrize(
        ("args", "phrase"),
        [
            ([], "give RECORDS"),
            (["--rate", "2", "RECORDS"], "not both"),
            (["RECORDS", "--profile", "cms-iopp"], "did you mean 'cms-iop'"),
            (["RECORDS", "--as-of", "2027-02-30"], "not a date of the calendar"),
            (["--rate", "2", "--group-size", "nothing=3"], "no activity 'nothing'"),
            (["--rate", "2", "--group-size", "x"], "is not a cap"),
            (["--rate", "2", "--stay", "3"], "stay 16 weeks"),
        ],
    )
    def test_usage(self, curriculum_file, args, phrase):
        """Bad usage is refused with exit 2 and a message."""
        args = [str(EXAMPLES / "attendance.csv") if a == "RECORDS" else a for a in args]
        result = CliRunner().invoke(main, ["attendance", str(curriculum_file), *args])
        assert result.exit_code == 2, result.output
        assert phrase in result.output
        assert "Traceback" not in result.output

    @pytest.mark.parametrize(
        ("rows", "where", "phrase"),
        [
            (
                ["P1,2027-01-04,2027-01-04,,,present,", "P1,2027-01-04,2027-01-04,,,here,"],
                "3 at /records/1/status",
                "is not one of",
            ),
            (
                ["P1,2027-01-04,2027-01-04,,,late,-1"],
                "2 at /records/0/minutes",
                "below the minimum",
            ),
            (["P1,2027-01-04,2031-01-05,,,present,"], "2 at /records/0/date", "no session on"),
            (
                ["P1,2027-01-04,2026-12-30,,,present,"],
                "2 at /records/0/date",
                "outside the curriculum",
            ),
            (
                ["P1,2027-01-04,2027-01-06,,nothing,present,"],
                "2 at /records/0/block",
                "hold no block",
            ),
        ],
    )
    def test_bad_records_exit_2(self, curriculum_file, tmp_path, rows, where, phrase):
        """A bad record is reported at its file, line and place, with exit 2."""
        path = tmp_path / "bad.csv"
        path.write_text(
            "patient,admitted,date,group,block,status,minutes\n" + "\n".join(rows) + "\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["attendance", str(curriculum_file), str(path)])
        assert result.exit_code == 2, result.output
        assert f"error: {path}:{where}: " in result.output
        assert phrase in result.output
        assert "Traceback" not in result.output

    def test_parallel_sittings_exit_2(self, tmp_path):
        """A patient recorded at two sittings that meet at the same time stops the
        command, at the line of the second record."""
        curriculum = tmp_path / "teen.json"
        curriculum.write_text(
            curriculum_json(s.example_curriculum("adolescent-iop")), encoding="utf-8"
        )
        path = tmp_path / "twice.csv"
        path.write_text(
            "patient,admitted,date,group,block,status\n"
            "T1,2027-01-04,2027-01-04,orientation,,present\n"
            "T1,2027-01-04,2027-01-04,,process-group,present\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["attendance", str(curriculum), str(path)])
        assert result.exit_code == 2, result.output
        assert f"error: {path}:3 at /records/1/group: " in result.output
        assert "meets at the same time" in result.output
        assert "Traceback" not in result.output

    def test_errors_name_only_the_patient_of_their_record(self, curriculum_file, tmp_path):
        """Errors give the line and at most the id written in the record they are about:
        no other patient's id appears."""
        rows = [f"Q{n:03d},2027-01-04,2027-01-04,,,present," for n in range(1, 30)]
        rows += [
            "Q005,2027-01-11,2027-01-13,,,absent,",  # admitted again: names Q005
            "Q006,2027-01-04,2027-01-05,,,absent,",  # no session that day
        ]
        path = tmp_path / "many.csv"
        path.write_text(
            "patient,admitted,date,group,block,status,minutes\n" + "\n".join(rows) + "\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["attendance", str(curriculum_file), str(path)])
        assert result.exit_code == 2, result.output
        named = set(re.findall(r"Q[0-9]{3}", result.output))
        assert named <= {"Q005"}
        assert "many.csv:31" in result.output
        assert "many.csv:32" in result.output

    def test_no_network(self, curriculum_file, tmp_path, monkeypatch):
        """The command reads, reports and writes with every network socket refused."""
        import socket

        def refuse(*args, **kwargs):
            raise AssertionError("iopkit opened a network socket")

        monkeypatch.setattr(socket, "socket", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        out = tmp_path / "report.html"
        result = CliRunner().invoke(
            main,
            [
                "attendance",
                str(curriculum_file),
                str(EXAMPLES / "attendance.csv"),
                "-f",
                "html",
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "<script" not in out.read_text(encoding="utf-8")

    def test_unknown_column_exit_2(self, curriculum_file, tmp_path):
        """An unknown column (a name, say) stops the command without showing its cells."""
        path = tmp_path / "names.csv"
        path.write_text(
            "patient,admitted,date,status,name\nP1,2027-01-04,2027-01-04,present,Ann Smith\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["attendance", str(curriculum_file), str(path)])
        assert result.exit_code == 2
        assert f"error: {path}:1: unknown column 'name'" in result.output
        assert "Ann" not in result.output

    def test_records_in_python(self):
        """Records built in Python give the same report as the file they came from."""
        found = load_attendance(EXAMPLES / "attendance.csv")
        assert attendance(substance_use(), list(found.records)) == attendance(
            substance_use(), found
        )
        assert isinstance(found, Attendance)
