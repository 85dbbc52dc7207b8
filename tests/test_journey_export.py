"""Journeys exported: what one patient attends as JSON (journey/1), Markdown, HTML,
iCalendar and a FHIR R5 CarePlan; the `iopkit journey` command; and the program's
PlanDefinition applied to an admission date by hand, which must give the journey.

The curricula here are built by hand (the composer does not place groups yet) and checked
valid by the validator: an evening program admitting every week, with an orientation
group beside the first week's sessions, an early-recovery group before the sessions of
the first two weeks (teaching a standalone relapse-prevention track), a discharge group
beside the last week's Wednesday session and a family group after the last week's
Thursday session.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from html.parser import HTMLParser

import attrs
import icalendar
import jsonschema
import pytest
from click.testing import CliRunner
from fhir.resources.careplan import CarePlan
from fhir.resources.plandefinition import PlanDefinition

import iopkit
from iopkit import Block, Range, Session, SessionGroup
from iopkit._cli import main
from iopkit.curriculum import (
    Admission,
    BreakRule,
    Curriculum,
    Group,
    Program,
    SessionShape,
    Stay,
    Track,
    Week,
    curriculum_json,
    dump_curriculum,
    journey,
    load_curriculum,
    validate,
)
from iopkit.curriculum._journey import Walker
from iopkit.curriculum._program import phase_weeks
from iopkit.errors import ExportError
from iopkit.export import (
    JOURNEY_FORMATS,
    journey_fhir,
    journey_html,
    journey_ics,
    journey_ics_objects,
    journey_json,
    journey_markdown,
    to_fhir,
)
from iopkit.export._common import clock
from iopkit.export._journey import parts

CATALOG = iopkit.builtin_catalog()
START = dt.date(2027, 1, 4)  # a Monday
DAYS = {"mon": 0, "wed": 2, "thu": 3}


# -- the hand-built curricula ---------------------------------------------------------------


def lay(*items):
    """Blocks back to back from minute 0: an activity id, or (id, minutes, extra)."""
    blocks, start = [], 0
    for item in items:
        activity, minutes, extra = (*item, {})[:3] if isinstance(item, tuple) else (item, None, {})
        block = Block.of(CATALOG.activity(activity), start=start, minutes=minutes, **extra)
        blocks.append(block)
        start = block.end
    return tuple(blocks)


def lesson(number):
    """Lesson ``number`` of the relapse-prevention module, for the early-recovery track."""
    activity = CATALOG.module("relapse-prevention").lessons[number - 1]
    extra = {"module": "relapse-prevention", "lesson": number, "track": "Early recovery"}
    return (activity.id, activity.minutes.min, extra)


def evening_program(*, cycle: bool = False, weeks: int = 4, **changes) -> Program:
    program = Program(
        name="Evening Recovery IOP",
        weeks=weeks,
        days=["mon", "wed", "thu"],
        start=START,
        start_time="18:00",
        clinic="Riverside Clinic",
        location="Building B, Room 204",
        session=SessionShape(
            minutes=Range(min=160, max=180),
            opening=["check-in"],
            closing=["wrap-up"],
            breaks=BreakRule(after=90, minutes=10),
        ),
        admission=Admission(every="week"),
        stay=Stay.weeks(3) if cycle else Stay(min=2, max=3),
        cycle=cycle,
        groups=(
            Group(
                name="orientation",
                patient_weeks="first",
                room="Room 12",
                label="Orientation group",
            ),
            Group(
                name="early-recovery",
                patient_weeks={"from": 1, "to": 2},
                place="before",
                minutes=Range(min=50, max=50),
                fill=[],
                room="Room 7",
                label="Early recovery skills",
            ),
            Group(
                name="discharge",
                patient_weeks="last",
                days=["wed"],
                room="Room 3",
                label="Discharge planning",
            ),
            Group(
                name="family",
                patient_weeks="last",
                place="after",
                minutes=Range(min=50, max=50),
                days=["thu"],
                fill=["family-session"],
                label="Family education",
            ),
        ),
        tracks=(
            Track(
                name="Early recovery",
                modules=["relapse-prevention"],
                group="early-recovery",
                standalone=True,
            ),
        ),
    )
    return attrs.evolve(program, **changes) if changes else program


MAIN = lay("check-in", ("psychoeducation-group", 60), "break", ("process-group", 75), "wrap-up")
ORIENTATION = lay(
    "check-in",
    ("goal-setting", 45),
    "mindfulness-practice",
    "break",
    ("psychoeducation-group", 60),
    "wrap-up",
)
DISCHARGE = lay(
    "check-in",
    ("goal-setting", 45),
    ("peer-support-circle", 30),
    "break",
    ("individual-check-in", 20),
    ("psychoeducation-group", 45),
    "wrap-up",
)
FAMILY = lay(("family-session", 50))


def every_group(number: int, day: str) -> list[SessionGroup]:
    """Each group that may meet in session ``number`` on ``day``."""
    groups = [
        SessionGroup(
            name="early-recovery",
            place="before",
            start=-50,
            blocks=lay(lesson((number - 1) % 3 + 1)),
            room="Room 7",
            label="Early recovery skills",
        ),
        SessionGroup(
            name="orientation",
            place="beside",
            start=0,
            blocks=ORIENTATION,
            room="Room 12",
            label="Orientation group",
        ),
    ]
    if day == "wed":
        groups.append(
            SessionGroup(
                name="discharge",
                place="beside",
                start=0,
                blocks=DISCHARGE,
                room="Room 3",
                label="Discharge planning",
            )
        )
    if day == "thu":
        groups.append(
            SessionGroup(
                name="family",
                place="after",
                start=MAIN[-1].end,
                blocks=FAMILY,
                label="Family education",
            )
        )
    return groups


@functools.cache
def evening(*, cycle: bool = False) -> Curriculum:
    """The evening program's curriculum: 4 weeks (3 as a cycle), each group meeting in
    exactly the sessions where a patient of its phase can be present."""
    program = evening_program(cycle=cycle, weeks=3 if cycle else 4)
    weeks, number = [], 0
    for w in range(1, program.weeks + 1):
        sessions = []
        for weekday in ("mon", "wed", "thu"):
            number += 1
            date = START + dt.timedelta(weeks=w - 1, days=DAYS[weekday])
            sessions.append(
                Session(
                    number=number,
                    day=weekday,
                    date=date,
                    blocks=MAIN,
                    groups=every_group(number, weekday),
                )
            )
        weeks.append(Week(number=w, sessions=sessions))
    full = Curriculum(program=program, weeks=weeks)
    needed: dict[int, set[str]] = {}
    for path in Walker(full).journeys:
        phases = {g.name: phase_weeks(g.patient_weeks, path.stay) for g in program.groups}
        for week in path.weeks:
            names = {name for name, ks in phases.items() if week.number in ks}
            for visit in week.visits:
                needed.setdefault(visit.session.number, set()).update(names)
    pruned = [
        attrs.evolve(
            week,
            sessions=[
                attrs.evolve(
                    s, groups=[g for g in s.groups if g.name in needed.get(s.number, set())]
                )
                for s in week.sessions
            ],
        )
        for week in full.weeks
    ]
    return Curriculum(program=program, weeks=pruned)


def test_the_curricula_are_valid():
    """Both hand-built curricula (dated, and a cycle) meet every rule of their program."""
    for curriculum in (evening(), evening(cycle=True)):
        report = validate(curriculum)
        assert report.ok, report.text()
    groups = {g.name for _, s in evening().sessions() for g in s.groups}
    assert groups == {"orientation", "early-recovery", "discharge", "family"}


def test_a_curriculum_file_keeps_its_groups():
    """Written and read back, the curriculum is the same, groups included (the command
    line reads files)."""
    assert load_curriculum(curriculum_json(evening()).encode("utf-8")) == evening()


# -- JSON -----------------------------------------------------------------------------------


def validator():
    return jsonschema.Draft202012Validator(
        iopkit.schema("journey"),
        registry=iopkit.schema_registry(),
        format_checker=jsonschema.FormatChecker(),
    )


def every_journey():
    """Each admission and stay of both curricula, and a cycle's admission in a later run."""
    found = []
    for curriculum in (evening(), evening(cycle=True)):
        allowed = curriculum.program.patient_stay
        for path in Walker(curriculum).journeys:
            found.append((curriculum, path))
        assert allowed.lengths()
    found.append((evening(cycle=True), journey(evening(cycle=True), dt.date(2027, 2, 1))))
    return found


class TestJson:
    def test_valid_against_journey_1(self):
        """Every journey's JSON is valid against the journey/1 schema (draft 2020-12)."""
        schema = iopkit.schema("journey")
        assert schema["$id"] == "urn:iopkit:schema:journey/1"
        jsonschema.Draft202012Validator.check_schema(schema)
        for curriculum, path in every_journey():
            document = json.loads(journey_json(curriculum, path))
            validator().validate(document)
            assert document["iopkit"] == "journey/1"

    def test_byte_stable(self):
        """The same journey gives the same bytes, also from a curriculum built again."""
        first = journey_json(evening(), journey(evening(), 2, stay=3))
        evening.cache_clear()
        try:
            again = journey_json(evening(), journey(evening(), 2, stay=3))
        finally:
            evening.cache_clear()
        assert first == again
        assert first.endswith("}\n")
        assert json.dumps(json.loads(first), indent=2, ensure_ascii=False) + "\n" == first

    def test_what_the_patient_attends(self):
        """Weeks are numbered by patient week; blocks carry clock times and their group:
        the early-recovery group before the session, the orientation group instead of
        the main blocks in the first week, the main blocks (group null) after it."""
        curriculum = evening()
        path = journey(curriculum, 2, stay=2)
        document = json.loads(journey_json(curriculum, path))
        assert document["admitted"] == {"week": 2, "session": 4, "date": "2027-01-11"}
        assert document["stay"] == 2
        assert [(w["number"], w["week"], w["partial"]) for w in document["weeks"]] == [
            (1, 2, False),
            (2, 3, False),
        ]
        first = document["weeks"][0]["sessions"][0]
        assert (first["number"], first["date"], first["day"]) == (4, "2027-01-11", "mon")
        assert (first["start"], first["end"]) == ("17:10", "20:40")
        groups = [b["group"] for b in first["blocks"]]
        assert groups == ["early-recovery"] + ["orientation"] * len(ORIENTATION)
        lesson_block = first["blocks"][0]
        assert lesson_block["start"] == "17:10"
        assert (lesson_block["module"], lesson_block["lesson"]) == ("relapse-prevention", 1)
        second_week = document["weeks"][1]["sessions"]
        assert {b["group"] for b in second_week[0]["blocks"]} == {"early-recovery", None}
        assert [b["group"] for b in second_week[1]["blocks"]][-1] == "discharge"
        assert [b["group"] for b in second_week[2]["blocks"]][-1] == "family"
        assert second_week[2]["end"] == "21:45"
        for week, patient_week in zip(document["weeks"], path.weeks, strict=True):
            assert week["service_minutes"] == patient_week.service_minutes
        assert document["service_minutes"] == sum(w.service_minutes for w in path.weeks)
        assert {g["name"]: g["patient_weeks"] for g in document["groups"]} == {
            "early-recovery": "patient weeks 1 to 2",
            "orientation": "the patient's first week",
            "discharge": "the patient's last week",
            "family": "the patient's last week",
        }

    def test_later_runs_of_a_cycle_are_dated_later(self):
        """In a cycle, a stay that crosses the turn of the cycle is dated on: the
        sessions of its next run fall 3 weeks after the first run's."""
        curriculum = evening(cycle=True)
        path = journey(curriculum, 2)
        document = json.loads(journey_json(curriculum, path))
        weeks = [(w["week"], w["run"]) for w in document["weeks"]]
        assert weeks == [(2, 0), (3, 0), (1, 1)]
        dates = [s["date"] for w in document["weeks"] for s in w["sessions"]]
        assert dates == sorted(dates)
        assert dates[-3:] == ["2027-01-25", "2027-01-27", "2027-01-28"]
        later = json.loads(journey_json(curriculum, journey(curriculum, dt.date(2027, 2, 1))))
        assert later["admitted"] == {"week": 2, "session": 4, "date": "2027-02-01"}
        assert later["weeks"][0]["run"] == 1

    def test_a_journey_of_another_curriculum_is_refused(self):
        """A journey is exported only with the curriculum it was taken from."""
        other = journey(evening(cycle=True), 1)
        with pytest.raises(ExportError, match="not one of this curriculum's"):
            journey_json(evening(), other)
        with pytest.raises(TypeError, match="Journey"):
            journey_json(evening(), 2)


# -- Markdown and HTML ----------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


class TestMarkdownAndHtml:
    def test_markdown_shows_groups_and_clock_times(self):
        """Each session lists the patient's blocks with clock times and where they meet;
        the tables render as tables with five columns."""
        markdown_it = pytest.importorskip("markdown_it")
        curriculum = evening()
        text = journey_markdown(curriculum, journey(curriculum, 2, stay=2))
        assert (
            "# Evening Recovery IOP: schedule of a patient admitted in week 2 (2027-01-11)" in text
        )
        assert "## Week 1 of the stay: Mon 2027-01-11 to Sun 2027-01-17" in text
        assert "### Mon 2027-01-11, 17:10\u201320:40 (session 4)" in text
        assert (
            "| 17:10\u201318:00 | 50 min | Personal warning signs "
            "| Relapse prevention, lesson 1 of 3 | Early recovery skills, Room 7 |"
        ) in text
        assert (
            "| 18:15\u201319:00 | 45 min | Motivation and goal setting |  | Orientation group, Room 12 |"
            in text
        )
        assert "| 20:55\u201321:45 | 50 min | Family session |  | Family education |" in text
        assert "| 19:25\u201320:40 | 1 h 15 min | Process group |  | Main session |" in text
        assert "not clinical or billing advice" in text
        html = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
        assert html.count("<table>") == 6
        assert "<script" not in html

    def test_html_is_printable_and_shows_groups(self):
        """The page is self-contained, has a table per visit, and heads each sitting with
        the group, its room and its clock times."""
        curriculum = evening()
        path = journey(curriculum, 2, stay=2)
        page = journey_html(curriculum, path, paper="a4")
        parser = _Page()
        parser.feed(page)
        assert "script" not in parser.tags
        assert parser.tags.count("article") == sum(len(w.visits) for w in path.weeks)
        text = " ".join(parser.text)
        assert "Early recovery skills, Room 7, 17:10\u201318:00" in text
        assert "Orientation group, Room 12, 18:00\u201320:40" in text
        assert "Main session, 18:00\u201320:55" in text
        assert "Family education, 20:55\u201321:45" in text
        assert "@page { size: A4 portrait" in page
        assert "not clinical or billing advice" in text

    def test_hostile_names_stay_text(self):
        """A group label with markup is shown as text in HTML and Markdown."""
        hostile = '<script>alert("x")</script> | **b**'
        curriculum = evening()
        weeks = [
            attrs.evolve(
                week,
                sessions=[
                    attrs.evolve(s, groups=[attrs.evolve(g, label=hostile) for g in s.groups])
                    for s in week.sessions
                ],
            )
            for week in curriculum.weeks
        ]
        changed = Curriculum(program=curriculum.program, weeks=weeks)
        path = journey(changed, 1)
        parser = _Page()
        parser.feed(journey_html(changed, path))
        assert "script" not in parser.tags
        assert any(hostile in t for t in parser.text)
        assert "&lt;script&gt;" in journey_html(changed, path)
        assert "\\<script\\>" in journey_markdown(changed, path)


# -- iCalendar ------------------------------------------------------------------------------


class TestIcs:
    def test_one_event_per_sitting_with_its_room(self):
        """Each sitting the patient attends is an event with its own times, its room (or
        the program's location) and a unique UID."""
        curriculum = evening()
        path = journey(curriculum, 2, stay=2)
        found = icalendar.Calendar.from_ical(journey_ics(curriculum, path)).walk("VEVENT")
        expected = [(v, p) for _, v in path.visits() for p in parts(v)]
        assert len(found) == len(expected)
        assert len({str(e["uid"]) for e in found}) == len(found)
        starts = {}
        for event in found:
            starts[event.decoded("dtstart")] = event
        for visit, part in expected:
            start = dt.datetime.combine(visit.date, dt.time(18)) + dt.timedelta(minutes=part.start)
            event = starts[start]
            assert event.decoded("dtend") - start == dt.timedelta(minutes=part.end - part.start)
            room = part.group.room if part.group is not None else None
            assert str(event["location"]) == (room or "Building B, Room 204")
        first = found[0]
        assert first.decoded("dtstart") == dt.datetime(2027, 1, 11, 17, 10)  # noqa: DTZ001
        assert "Personal warning signs" in str(first["description"])
        assert "not clinical or billing advice" in str(first["description"])

    def test_stable_uids_and_bytes(self):
        """The same journey gives the same file; a longer stay keeps every UID of the
        shorter one and adds the last week's."""
        curriculum = evening()
        short = journey_ics(curriculum, journey(curriculum, 1, stay=2))
        assert short == journey_ics(curriculum, journey(curriculum, 1, stay=2))
        objects = journey_ics_objects(curriculum, journey(curriculum, 1, stay=2))
        longer = journey_ics_objects(curriculum, journey(curriculum, 1, stay=3))
        common = set(objects) & set(longer)
        assert len(common) >= 6
        for uid in objects:
            assert re.fullmatch(
                r"evening-recovery-iop-[0-9a-f]{8}-a1-mon-w\d-\w{3}-[\w-]+@iopkit", uid
            )

    def test_cycle_runs_are_dated_later(self):
        """A stay across the turn of a cycle has events dated in the next run."""
        curriculum = evening(cycle=True)
        found = icalendar.Calendar.from_ical(journey_ics(curriculum, journey(curriculum, 3)))
        dates = sorted(e.decoded("dtstart").date() for e in found.walk("VEVENT"))
        assert dates[0] == dt.date(2027, 1, 18)
        assert dates[-1] == dt.date(2027, 2, 4)
        uids = [str(e["uid"]) for e in found.walk("VEVENT")]
        assert any("-r1-" in u for u in uids)

    def test_needs_dates(self):
        """Without a start date there is nothing to put in a calendar: a clear error."""
        curriculum = evening()
        undated = Curriculum(
            program=attrs.evolve(curriculum.program, start=None),
            weeks=[
                attrs.evolve(w, sessions=[attrs.evolve(s, date=None) for s in w.sessions])
                for w in curriculum.weeks
            ],
        )
        with pytest.raises(ExportError, match="no start date"):
            journey_ics(undated, journey(undated, 1))


# -- FHIR -----------------------------------------------------------------------------------


def actions_of(plan: dict) -> dict[str, dict]:
    """Every action of a PlanDefinition by linkId."""
    found = {}

    def walk(actions):
        for action in actions:
            found[action["linkId"]] = action
            walk(action.get("action", []))

    walk(plan["action"])
    return found


def holds(expression: str, week: int, stay: int) -> bool:
    """A condition's FHIRPath expression evaluated for a patient in ``week`` of a stay
    of ``stay`` weeks (the expressions iopkit writes: comparisons of %patientWeek with
    numbers and %stay, joined by and/or, possibly negated with .not())."""
    code = expression.replace("%patientWeek", str(week)).replace("%stay", str(stay))
    negate = code.endswith(".not()")
    code = code.removesuffix(".not()").replace("true", "True")
    code = re.sub(r"(?<![<>=])=(?!=)", "==", code)
    assert re.fullmatch(r"[\d\s()<>=+\-andorTrue]*", code), expression
    value = bool(eval(code, {"__builtins__": {}}))  # noqa: S307 - checked above: numbers and logic
    return not value if negate else value


def apply_plan(
    plan: dict, admitted: dt.date, stay: int
) -> list[tuple[dt.date, list[tuple[str, str, list[str]]]]]:
    """The PlanDefinition applied by hand to a patient admitted on ``admitted`` who stays
    ``stay`` weeks: every session occurrence within the admission option's bounds, each
    with its sittings whose conditions hold (name, clock time, block titles)."""
    actions = actions_of(plan)
    day0 = dt.date.fromisoformat(plan["effectivePeriod"]["start"])
    weeks = [a for a in plan["action"] if a["linkId"].startswith("week-")]
    week_start: dict[str, int] = {}
    period = None
    for week in weeks:
        related = week.get("relatedAction", [])
        week_start[week["linkId"]] = (
            0
            if not related
            else week_start[related[0]["targetId"]] + related[0]["offsetDuration"]["value"]
        )
        period = week["timingTiming"]["repeat"].get("period")
    sessions: dict[str, tuple[dt.date, int]] = {}  # linkId -> (first date, day in its week)
    for week in weeks:
        for session in week.get("action", []):
            offset = next(
                r["offsetDuration"]["value"]
                for r in session["relatedAction"]
                if r["targetId"] == week["linkId"]
            )
            sessions[session["linkId"]] = (
                day0 + dt.timedelta(days=week_start[week["linkId"]] + offset),
                offset,
            )

    def occurrences(link: str) -> list[dt.date]:
        first = sessions[link][0]
        if period is None:
            return [first]
        return [first + dt.timedelta(weeks=period * run) for run in range(20)]

    (admission,) = [a for a in plan["action"] if a["linkId"] == "admission"]
    assert admission["selectionBehavior"] == "exactly-one"
    options = [
        option
        for option in admission["action"]
        if admitted in occurrences(option["relatedAction"][0]["targetId"])
    ]
    (option,) = options
    target = option["relatedAction"][0]
    assert target["relationship"] == "concurrent-with-start"
    day_in_week = sessions[target["targetId"]][1]
    days = 7 * stay - day_in_week
    repeat = option["timingTiming"]["repeat"]
    if "boundsDuration" in repeat:
        assert repeat["boundsDuration"] == {
            "value": days,
            "unit": "d",
            "system": "http://unitsofmeasure.org",
            "code": "d",
        }
    else:
        assert (
            repeat["boundsRange"]["low"]["value"] <= days <= repeat["boundsRange"]["high"]["value"]
        )
    end = admitted + dt.timedelta(days=days)
    admission_week = admitted - dt.timedelta(days=day_in_week)
    plan_for_patient = []
    for link, (_, offset) in sessions.items():
        for date in occurrences(link):
            if not admitted <= date < end:
                continue
            patient_week = ((date - dt.timedelta(days=offset)) - admission_week).days // 7 + 1
            session = actions[link]
            sittings = []
            blocks = [
                c
                for c in session["action"]
                if "-block-" in c["linkId"] and c["linkId"].count("-") == 3
            ]
            for child in session["action"]:
                condition = child.get("condition")
                if condition and not holds(
                    condition[0]["expression"]["expression"], patient_week, stay
                ):
                    continue
                if child in blocks:
                    if child is blocks[0]:
                        time = session["timingTiming"]["repeat"]["timeOfDay"][0][:5]
                        sittings.append(("main", time, [b["title"] for b in blocks]))
                    continue
                name = child["linkId"].removeprefix(f"{link}-")
                time = child["timingTiming"]["repeat"]["timeOfDay"][0][:5]
                sittings.append((name, time, [b["title"] for b in child["action"]]))
            plan_for_patient.append((date, sittings))
    return sorted(plan_for_patient)


def journey_plan(
    curriculum: Curriculum, path
) -> list[tuple[dt.date, list[tuple[str, str, list[str]]]]]:
    """The same shape, read from a journey."""
    return [
        (
            visit.date,
            [
                (part.name, clock(curriculum, part.start), [i.block.title for i in part.blocks])
                for part in parts(visit)
            ],
        )
        for _, visit in path.visits()
    ]


class TestFhir:
    def test_care_plan_is_valid_r5(self):
        """The CarePlan validates with fhir.resources (R5), instantiates the program's
        PlanDefinition and has one dated activity per session of the stay."""
        curriculum = evening()
        path = journey(curriculum, 2, stay=3)
        resource = journey_fhir(curriculum, path, patient="Patient/example")
        plan = CarePlan.model_validate(resource)
        definition = to_fhir(curriculum)
        assert resource["instantiatesCanonical"] == [f"{definition['url']}|{definition['version']}"]
        assert len(plan.activity) == sum(len(w.visits) for w in path.weeks)
        assert resource["subject"] == {"display": path.who(), "reference": "Patient/example"}
        requests = {r["id"]: r for r in resource["contained"]}
        for activity, (_, visit) in zip(resource["activity"], path.visits(), strict=True):
            request = requests[activity["plannedActivityReference"]["reference"][1:]]
            timing = request["occurrenceTiming"]
            assert timing["event"] == [visit.date.isoformat()]
            assert timing["repeat"]["timeOfDay"] == [
                f"{clock(curriculum, visit.blocks[0].start)}:00"
            ]
            assert (
                timing["repeat"]["duration"]
                == visit.blocks[-1].start + visit.blocks[-1].block.minutes - visit.blocks[0].start
            )
        assert resource["period"] == {"start": "2027-01-11", "end": "2027-01-28"}
        assert "not clinical or billing advice" in resource["description"]
        assert json.loads(JOURNEY_FORMATS["fhir"](curriculum, path)) == journey_fhir(
            curriculum, path
        )

    def test_plan_definition_is_valid_r5(self):
        """The open-enrolment PlanDefinition with groups validates with fhir.resources."""
        for curriculum in (evening(), evening(cycle=True)):
            PlanDefinition.model_validate(to_fhir(curriculum))

    @pytest.mark.parametrize("cycle", [False, True], ids=["dated", "cycle"])
    def test_plan_definition_applied_to_an_admission_gives_the_journey(self, cycle):
        """Applying the PlanDefinition by hand (week and session offsets from day 0, the
        admission option's bounds, each sitting's condition on %patientWeek and %stay)
        to every admission date and stay gives the dates, sittings, clock times and
        blocks of journey()."""
        curriculum = evening(cycle=cycle)
        plan = to_fhir(curriculum)
        checked = 0
        for path in Walker(curriculum).journeys:
            assert path.admitted_date is not None
            applied = apply_plan(plan, path.admitted_date, path.stay)
            assert applied == journey_plan(curriculum, path), path.who()
            checked += 1
        if cycle:  # an admission in the cycle's second run
            later = journey(curriculum, dt.date(2027, 2, 1))
            assert apply_plan(plan, dt.date(2027, 2, 1), later.stay) == journey_plan(
                curriculum, later
            )
        assert checked >= 3

    def test_conditions_are_fhirpath(self):
        """Each condition evaluates in a FHIRPath engine, with %patientWeek and %stay,
        to the group's phase."""
        fhirpathpy = pytest.importorskip("fhirpathpy")
        curriculum = evening()
        program = curriculum.program
        actions = actions_of(to_fhir(curriculum))
        for name in ("orientation", "early-recovery", "discharge", "family"):
            action = next(a for k, a in actions.items() if k.endswith(f"-{name}"))
            expression = action["condition"][0]["expression"]
            assert expression["language"] == "text/fhirpath"
            for stay in program.patient_stay.lengths():
                phase = phase_weeks(program.group(name).patient_weeks, stay)
                for week in range(1, stay + 1):
                    found = fhirpathpy.evaluate(
                        {}, expression["expression"], {"patientWeek": week, "stay": stay}
                    )
                    assert found == [week in phase]
                    assert holds(expression["expression"], week, stay) is (week in phase)


# -- the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def evening_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("journey") / "evening.json"
    dump_curriculum(evening(), path)
    return path


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


class TestCli:
    @pytest.mark.parametrize("fmt", ["json", "md", "html", "ics", "fhir", "JSON"])
    def test_every_format(self, run, evening_file, tmp_path, fmt):
        """Each format is written to the file named by -o, and exits 0."""
        out = tmp_path / f"journey.{fmt}"
        result = run("journey", evening_file, "--admitted", "2", "--format", fmt, "-o", out)
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert data
        if fmt.lower() == "json":
            validator().validate(json.loads(data))
        if fmt == "ics":
            assert icalendar.Calendar.from_ical(data).walk("VEVENT")
        if fmt == "fhir":
            CarePlan.model_validate(json.loads(data))

    def test_schema_command_prints_journey_1(self, run):
        """`iopkit schema journey` prints the journey/1 schema."""
        result = run("schema", "journey")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == iopkit.schema("journey")

    def test_json_by_default_on_standard_output(self, run, evening_file):
        """Without --format the journey is JSON on standard output; a date admits at the
        first admission of its week on or after it."""
        result = run("journey", evening_file, "--admitted", "2027-01-11", "--stay", "3")
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert document["admitted"] == {"week": 2, "session": 4, "date": "2027-01-11"}
        assert document["stay"] == 3
        assert len(document["weeks"]) == 3

    def test_groups_reach_the_file(self, run, evening_file):
        """The journey the command writes holds the patient's groups."""
        result = run("journey", evening_file, "--admitted", "1")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == json.loads(
            journey_json(evening(), journey(evening(), 1))
        )

    @pytest.mark.parametrize(
        ("args", "phrase"),
        [
            (["--admitted", "4"], "no patient is admitted in week 4: patients start in"),
            (["--admitted", "2027-01-12"], "no patient is admitted on 2027-01-12"),
            (["--admitted", "soon"], "neither a week number"),
            (["--admitted", "2027-02-30"], "not a date of the calendar"),
            (
                ["--admitted", "1", "--stay", "5"],
                "patients of this program stay 2 to 3 weeks (got 5)",
            ),
            (["--admitted", "1", "--format", "csv"], "'csv' is not one of"),
        ],
    )
    def test_bad_input_exits_2(self, run, evening_file, args, phrase):
        """An admission when no patient starts, a stay the program does not allow, or a
        bad value exits 2 with a message that names the option and says why."""
        result = run("journey", evening_file, *args)
        assert result.exit_code == 2
        assert phrase in result.output
        assert "Traceback" not in result.output

    def test_a_file_that_does_not_load_exits_2(self, run, tmp_path):
        """A curriculum file that is not valid JSON exits 2, named with its line."""
        bad = tmp_path / "bad.json"
        bad.write_text("{\n  oops\n", encoding="utf-8")
        result = run("journey", bad, "--admitted", "1")
        assert result.exit_code == 2
        assert f"error: {bad}:2" in result.output
        missing = run("journey", tmp_path / "missing.json", "--admitted", "1")
        assert missing.exit_code == 2
        assert "missing.json" in missing.output
        assert not (tmp_path / "out.json").exists()

    def test_calendar_without_dates_exits_2(self, run, tmp_path):
        """A calendar of an undated curriculum exits 2 and writes nothing."""
        curriculum = evening()
        undated = Curriculum(
            program=attrs.evolve(curriculum.program, start=None),
            weeks=[
                attrs.evolve(w, sessions=[attrs.evolve(s, date=None) for s in w.sessions])
                for w in curriculum.weeks
            ],
        )
        path = tmp_path / "undated.json"
        dump_curriculum(undated, path)
        out = tmp_path / "out.ics"
        result = run("journey", path, "--admitted", "1", "--format", "ics", "-o", out)
        assert result.exit_code == 2
        assert "no start date" in result.output
        assert not out.exists()
        dated = run("journey", path, "--admitted", "2027-01-04")
        assert dated.exit_code == 2
        assert "no dates" in dated.output
