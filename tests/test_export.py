"""Exports, each read back by a real client: icalendar, csv, fhir.resources, html.parser
and a CommonMark renderer."""

import csv
import datetime as dt
import functools
import io
import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import attrs
import icalendar
import pytest
from fhir.resources.bundle import Bundle
from fhir.resources.plandefinition import PlanDefinition
from hypothesis import given
from hypothesis import strategies as st

from iopkit._words import duration
from iopkit.curriculum import (
    Curriculum,
    compose,
    load_program,
    program_catalog,
)
from iopkit.errors import ExportError
from iopkit.export import (
    FORMATS,
    to_csv,
    to_fhir,
    to_fhir_json,
    to_html,
    to_ics,
    to_ics_objects,
    to_markdown,
)
from iopkit.export._csv import COLUMNS

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
CLOSED = dt.date(2027, 1, 18)  # the example's closure: Monday of week 3, made up on Wednesday
MADE_UP = dt.date(2027, 1, 20)
HOSTILE = '<script>alert("x")</script> & | =1+2 **bold** [link](http://x) `code`'


@functools.cache
def program():
    return load_program(EXAMPLE)


@functools.cache
def composed() -> Curriculum:
    return compose(program())


@functools.cache
def recomposed(*extra: dt.date) -> Curriculum:
    """The example composed again with more closures."""
    return compose(attrs.evolve(program(), closures=(*program().closures, *extra)))


def without_make_up(curriculum: Curriculum, *closed: dt.date) -> Curriculum:
    """The curriculum as it would be with no make-up days: make-up sessions and the
    sessions of the ``closed`` dates left out, the rest numbered again."""
    hostile = attrs.evolve(
        curriculum.program, makeup_days=(), closures=(*curriculum.program.closures, *closed)
    )
    numbers = iter(range(1, 1000))
    weeks = [
        attrs.evolve(
            week,
            sessions=[
                attrs.evolve(s, number=next(numbers))
                for s in week.sessions
                if s.replaces is None and s.date not in closed
            ],
        )
        for week in curriculum.weeks
    ]
    return Curriculum(program=hostile, weeks=weeks)


def dressed(curriculum: Curriculum | None = None, **changes: object) -> Curriculum:
    """A curriculum whose program names a clinic, a location, a facilitator and a zone."""
    curriculum = curriculum or composed()
    values = {
        "clinic": "Riverside Clinic",
        "location": "Building B, Room 204",
        "facilitator": "A. Rivera, LCSW",
        "timezone": "America/Chicago",
    } | changes
    return attrs.evolve(curriculum, program=attrs.evolve(curriculum.program, **values))


def with_block(curriculum: Curriculum, **changes: object) -> Curriculum:
    """The curriculum with its first block changed (title, objectives, ...)."""
    week = curriculum.weeks[0]
    session = week.sessions[0]
    block = attrs.evolve(session.blocks[0], **changes)
    session = attrs.evolve(session, blocks=(block, *session.blocks[1:]))
    week = attrs.evolve(week, sessions=(session, *week.sessions[1:]))
    return attrs.evolve(curriculum, weeks=(week, *curriculum.weeks[1:]))


def forced_name(curriculum: Curriculum, name: str) -> Curriculum:
    """The curriculum with a program name set past the objects' checks, as a program
    from an unchecked source could carry."""
    hostile = attrs.evolve(curriculum.program)
    object.__setattr__(hostile, "name", name)
    return attrs.evolve(curriculum, program=hostile)


def events(data: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in events(data)}


class TestICalendar:
    def test_one_event_per_session_with_floating_times(self):
        """Without a time zone each session is one event at its local clock times."""
        found = events(to_ics(composed()))
        sessions = [s for _, s in composed().sessions()]
        assert len(found) == len(sessions)
        for event, session in zip(found, sessions, strict=True):
            start = event.decoded("dtstart")
            assert start.tzinfo is None
            assert start == dt.datetime.combine(session.date, dt.time(9, 0))
            assert event.decoded("dtend") - start == dt.timedelta(minutes=session.minutes)
            assert session.blocks[0].title in str(event["description"])
            assert "not clinical or billing advice" in str(event["description"])

    def test_zoned_times_with_a_vtimezone(self):
        """With a time zone, times carry its TZID and the file defines it, across DST."""
        spring = attrs.evolve(program(), start=dt.date(2027, 3, 1), closures=())
        curriculum = dressed(compose(spring))
        data = to_ics(curriculum)
        calendar = icalendar.Calendar.from_ical(data)
        zones = calendar.walk("VTIMEZONE")
        assert [str(z["tzid"]) for z in zones] == ["America/Chicago"]
        offsets = {}
        for event in calendar.walk("VEVENT"):
            start = event.decoded("dtstart")
            assert event["dtstart"].params["TZID"] == "America/Chicago"
            assert start.hour == 9
            offsets[start.date()] = start.utcoffset()
        assert offsets[dt.date(2027, 3, 11)] == dt.timedelta(hours=-6)
        assert offsets[dt.date(2027, 3, 15)] == dt.timedelta(hours=-5)
        daylight = next(c for c in zones[0].subcomponents if c.name == "DAYLIGHT")
        # RFC 5545: the onset is the local time before the change, 02:00 in the US
        assert daylight.decoded("dtstart") == dt.datetime(2027, 3, 14, 2, 0)  # noqa: DTZ001 - local

    def test_location_and_header_texts(self):
        """LOCATION is the program's location; clinic and facilitator are described."""
        for event in events(to_ics(dressed())):
            assert str(event["location"]) == "Building B, Room 204"
            assert "Riverside Clinic" in str(event["description"])
            assert "A. Rivera, LCSW" in str(event["description"])

    def test_make_up_session_is_named(self):
        """The make-up session says which closed day it replaces."""
        event = next(
            e for e in events(to_ics(composed())) if e.decoded("dtstart").date() == MADE_UP
        )
        assert "make-up" in str(event["summary"])
        assert "make-up for Mon 2027-01-18, closed" in str(event["description"])

    def test_uids_are_slots_that_survive_a_new_closure(self):
        """Adding a closure keeps every UID; only the moved session changes day."""
        before = by_uid(to_ics(composed()))
        after = by_uid(to_ics(recomposed(dt.date(2027, 2, 9))))
        assert set(before) == set(after)
        moved = [u for u in before if before[u].decoded("dtstart") != after[u].decoded("dtstart")]
        assert len(moved) == 1
        assert before[moved[0]].decoded("dtstart").date() == dt.date(2027, 2, 9)
        assert after[moved[0]].decoded("dtstart").date().weekday() in {2, 4}  # wed, fri

    def test_make_up_keeps_the_uid_of_the_day_it_replaces(self):
        """A make-up session's UID names the closed weekday, not its own."""
        event = next(
            e for e in events(to_ics(composed())) if e.decoded("dtstart").date() == MADE_UP
        )
        assert str(event["uid"]).endswith("-w3-mon@iopkit")

    def test_sequence_grows_with_closures_and_revision(self):
        """SEQUENCE is the revision plus the number of closures, the same for every event."""
        for curriculum, revision in ((composed(), 0), (recomposed(dt.date(2027, 2, 9)), 3)):
            expected = revision + len(curriculum.program.closures)
            sequences = {int(e["sequence"]) for e in events(to_ics(curriculum, revision=revision))}
            assert sequences == {expected}

    def test_deterministic_stamp(self):
        """The same input gives the same bytes; DTSTAMP comes from the start date or stamp."""
        assert to_ics(composed()) == to_ics(composed())
        stamps = {e.decoded("dtstamp") for e in events(to_ics(composed()))}
        assert stamps == {dt.datetime(2027, 1, 4, tzinfo=dt.UTC)}
        given_stamp = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
        stamps = {e.decoded("dtstamp") for e in events(to_ics(composed(), stamp=given_stamp))}
        assert stamps == {given_stamp}

    def test_closed_day_without_make_up_is_cancelled(self):
        """A closed session day with no make-up day is a cancelled event in its slot."""
        curriculum = without_make_up(composed(), dt.date(2027, 2, 9))
        found = by_uid(to_ics(curriculum))
        cancelled = [e for e in found.values() if str(e["status"]) == "CANCELLED"]
        assert {e.decoded("dtstart").date() for e in cancelled} == {CLOSED, dt.date(2027, 2, 9)}
        slots = sorted(str(e["uid"]).rsplit("-", 2)[-2:] for e in cancelled)
        assert slots == [["w3", "mon@iopkit"], ["w6", "tue@iopkit"]]
        sessions = sum(1 for _ in curriculum.sessions())
        assert len(found) == sessions + 2

    def test_a_newline_in_the_name_cannot_break_the_file(self):
        """A name with CR, LF and a property line stays one text value everywhere."""
        name = "Evening IOP\r\nX-INJECTED:1\nBEGIN:VEVENT"
        data = to_ics(forced_name(composed(), name))
        calendar = icalendar.Calendar.from_ical(data)
        assert "X-INJECTED" not in calendar
        assert len(calendar.walk("VEVENT")) == len(events(to_ics(composed())))
        for line in data.decode().split("\r\n"):
            assert not line.startswith(("X-INJECTED", "BEGIN:VEVENT ")), line
        assert "\n" not in str(calendar["x-wr-calname"])

    def test_needs_a_start_date(self):
        """Without a start date the export fails with a clear error."""
        undated = attrs.evolve(
            composed(), program=attrs.evolve(composed().program, start=None, closures=())
        )
        with pytest.raises(ExportError, match="no start date"):
            to_ics(undated)

    def test_objects_for_caldav(self):
        """Each event alone is a calendar with its VTIMEZONE, keyed by its UID."""
        curriculum = dressed()
        objects = to_ics_objects(curriculum)
        assert list(objects) == [str(e["uid"]) for e in events(to_ics(curriculum))]
        for key, data in objects.items():
            calendar = icalendar.Calendar.from_ical(data)
            assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == [key]
            assert len(calendar.walk("VTIMEZONE")) == 1


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestCsv:
    def test_one_row_per_block_with_the_old_columns_first(self):
        """One row per block in order; the columns of 0.1 keep their places."""
        old = "week session date day start_time minutes activity title kind format modality module lesson track"
        assert list(COLUMNS[:14]) == old.split()
        found = rows(to_csv(composed()))
        blocks = list(composed().blocks())
        assert len(found) == len(blocks)
        for row, (week, session, _, block) in zip(found, blocks, strict=True):
            assert list(row) == list(COLUMNS)
            assert int(row["week"]) == week.number
            assert int(row["session"]) == session.number
            assert row["activity"] == block.activity
            assert int(row["minutes"]) == block.minutes
            start = dt.time.fromisoformat(row["start_time"])
            end = dt.time.fromisoformat(row["end_time"])
            minutes = (end.hour - start.hour) * 60 + end.minute - start.minute
            assert minutes == block.minutes
            assert int(row["week_service_minutes"]) == week.service_minutes
            assert row["program"] == "Adult Mental Health IOP"

    def test_titles_codes_and_moves(self):
        """Billing codes, lesson names, modality names and make-ups are in their cells."""
        catalog = program_catalog(composed().program)
        found = rows(to_csv(composed()))
        for row in found:
            code = catalog.activity(row["activity"]).billing_code or ""
            assert row["billing_code"] == code
        lesson = next(r for r in found if r["module"] == "cbt-foundations" and r["lesson"] == "1")
        assert lesson["lesson_name"] == "CBT foundations, lesson 1 of 3"
        assert lesson["modality_name"] == "Cognitive Behavioral Therapy"
        made_up = {r["makeup_for"] for r in found if r["date"] == MADE_UP.isoformat()}
        assert made_up == {CLOSED.isoformat()}
        assert {r["week_closures"] for r in found if r["week"] == "3"} == {CLOSED.isoformat()}
        assert {r["week_closures"] for r in found if r["week"] != "3"} == {""}

    def test_byte_order_mark_on_request(self):
        """bom=True starts the text with U+FEFF (EF BB BF in UTF-8); the default does not."""
        assert to_csv(composed(), bom=True).encode("utf-8")[:3] == b"\xef\xbb\xbf"
        assert not to_csv(composed()).startswith("\ufeff")
        assert to_csv(composed(), bom=True)[1:] == to_csv(composed())

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_formula_cells_are_neutralised(self, start):
        """A cell that would start with = + - @ TAB or CR starts with ' instead."""
        objective = f'{start}HYPERLINK("http://x","y")'
        curriculum = with_block(composed(), objectives=(objective,))
        first = rows(to_csv(curriculum))[0]
        assert first["objectives"].startswith("'")
        assert first["objectives"][1] not in "\t\r"
        assert 'HYPERLINK("http://x","y")' in first["objectives"]

    def test_names_with_line_breaks_stay_on_one_row(self):
        """Newlines and CR in objectives become spaces: each row is one line."""
        curriculum = with_block(composed(), objectives=("one\r\ntwo\nthree",))
        text = to_csv(curriculum)
        assert text.count("\r\n") == len(list(composed().blocks())) + 1
        assert rows(text)[0]["objectives"] == "one two three"


def fhir_actions(plan: dict) -> list[dict]:
    """Every action of a PlanDefinition, depth first."""
    found = []

    def walk(actions):
        for action in actions:
            found.append(action)
            walk(action.get("action", []))

    walk(plan["action"])
    return found


class TestFhir:
    def test_valid_r5_plan_definition(self):
        """The FHIR JSON validates as an R5 PlanDefinition with fhir.resources."""
        resource = PlanDefinition.model_validate(to_fhir(composed()))
        assert len(resource.action) == len(composed().weeks)
        week1 = resource.action[0]
        assert len(week1.action) == len(composed().weeks[0].sessions)
        session = week1.action[0]
        assert session.timingTiming.repeat.duration == composed().weeks[0].sessions[0].minutes
        assert session.action[1].relatedAction[0].targetId == session.action[0].linkId
        contained = {c.id for c in resource.contained}
        for block in session.action:
            if block.definitionCanonical:
                assert block.definitionCanonical[1:] in contained

    def test_bundle_for_a_server(self):
        """bundle=True is a valid transaction Bundle whose canonical references resolve."""
        data = to_fhir(composed(), bundle=True, base="https://fhir.example.org/fhir")
        Bundle.model_validate(data)
        resources = [e["resource"] for e in data["entry"]]
        assert {r["resourceType"] for r in resources} == {
            "CodeSystem",
            "ActivityDefinition",
            "PlanDefinition",
        }
        plan = resources[-1]
        assert plan["url"] == "https://fhir.example.org/fhir/PlanDefinition/adult-mental-health-iop"
        known = {f"{r['url']}|{r['version']}" for r in resources if "version" in r}
        for action in fhir_actions(plan):
            if "definitionCanonical" in action:
                assert action["definitionCanonical"] in known
        kinds = next(r for r in resources if r["resourceType"] == "CodeSystem")
        used = {
            c["code"]
            for r in resources
            if r["resourceType"] == "ActivityDefinition"
            for c in r["code"]["coding"]
            if c["system"] == kinds["url"]
        }
        assert used <= {c["code"] for c in kinds["concept"]}
        assert all(e["request"]["method"] == "PUT" for e in data["entry"])

    def test_canonical_url_and_content_version(self):
        """The plan has a canonical URL and a version that changes with the content."""
        first = to_fhir(composed())
        assert first["url"] == "urn:iopkit:PlanDefinition:adult-mental-health-iop"
        assert first["version"] == to_fhir(composed())["version"]
        assert to_fhir(recomposed(dt.date(2027, 2, 9)))["version"] != first["version"]
        assert to_fhir(composed(), version="2027.1")["version"] == "2027.1"

    def test_billing_codes_use_the_standard_systems(self):
        """CPT codes carry the AMA system and HCPCS Level II codes the CMS system."""
        catalog = program_catalog(composed().program)
        hcpcs = [
            attrs.evolve(a, billing_code="G0410") if a.id == "process-group" else a
            for a in catalog.activities
        ]
        changed = attrs.evolve(catalog, activities=hcpcs)
        coded = attrs.evolve(composed(), program=attrs.evolve(composed().program, catalog=changed))
        for curriculum, system, code in (
            (composed(), "http://www.ama-assn.org/go/cpt", "90853"),
            (coded, "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "G0410"),
        ):
            definitions = {c["id"]: c for c in to_fhir(curriculum)["contained"]}
            coding = definitions["act-process-group"]["code"]["coding"]
            assert {"system": system, "code": code} in coding

    def test_activity_definitions_have_kind_and_participants(self):
        """Every ActivityDefinition has a kind; family sessions include a related person."""
        definitions = {c["id"]: c for c in to_fhir(composed())["contained"]}
        assert "act-break" not in definitions
        for definition in definitions.values():
            assert definition["kind"] == "ServiceRequest"
            types = [p["type"] for p in definition["participant"]]
            assert {"practitioner", "patient"} <= set(types)
        family = [d for d in definitions.values() if "relatedperson" in str(d["participant"])]
        assert family
        assert all("family" in d["usage"] for d in family)

    def test_timing_is_relative_and_reproduces_the_dates(self):
        """Week and session offsets from day 0 give back every session's date."""
        curriculum = composed()
        plan = to_fhir(curriculum)
        assert "event" not in json.dumps(plan)
        week_start = {}
        for week in plan["action"]:
            number = int(week["linkId"].split("-")[1])
            related = week.get("relatedAction", [])
            if number == 1:
                assert related == []
                week_start[number] = 0
            else:
                (link,) = related
                assert link["relationship"] == "after-start"
                assert link["targetId"] == f"week-{number - 1}"
                week_start[number] = week_start[number - 1] + link["offsetDuration"]["value"]
        start = curriculum.program.start
        for week, session in curriculum.sessions():
            action = next(
                a for a in fhir_actions(plan) if a["linkId"] == f"session-{session.number}"
            )
            offset = next(
                r for r in action["relatedAction"] if r["targetId"] == f"week-{week.number}"
            )
            day = week_start[week.number] + offset["offsetDuration"]["value"]
            assert start + dt.timedelta(days=day) == session.date
            assert action["timingTiming"]["repeat"]["timeOfDay"] == ["09:00:00"]

    def test_sessions_follow_each_other_across_weeks(self):
        """Each session after the first follows the one before it, also over a week's end."""
        actions = {a["linkId"]: a for a in fhir_actions(to_fhir(composed()))}
        numbers = [s.number for _, s in composed().sessions()]
        for before, after in itertools.pairwise(numbers):
            related = actions[f"session-{after}"]["relatedAction"]
            assert {"targetId": f"session-{before}", "relationship": "after-end"} in related
        assert not any(
            r["relationship"] == "after-end" for r in actions["session-1"]["relatedAction"]
        )

    def test_ids_are_short_and_stable(self):
        """Ids stay within 64 characters; long names sharing a start still differ."""
        long_a = "Intensive outpatient program " * 10 + "A"
        long_b = "Intensive outpatient program " * 10 + "B"
        first = to_fhir(dressed(name=long_a))["id"]
        second = to_fhir(dressed(name=long_b))["id"]
        assert first != second
        for value in (first, second):
            assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", value)
        assert first == to_fhir(dressed(name=long_a))["id"]
        PlanDefinition.model_validate(to_fhir(dressed(name=long_a)))

    def test_lessons_by_title_and_disclaimer(self):
        """Lessons are named by module title; the description keeps the disclaimer."""
        plan = to_fhir(composed())
        assert "not clinical or billing advice" in plan["description"]
        assert "Closures: Mon 2027-01-18 closed" in plan["description"]
        described = [a.get("description", "") for a in fhir_actions(plan)]
        assert any(d.startswith("CBT foundations, lesson 1 of 3") for d in described)
        assert not any("cbt-foundations" in d for d in described)

    def test_json_text(self):
        """The CLI form is the same resource as indented JSON."""
        assert json.loads(FORMATS["fhir"](composed())) == to_fhir(composed())
        assert json.loads(to_fhir_json(composed(), bundle=True))["resourceType"] == "Bundle"


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.attrs = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def parsed(page: str) -> _Structure:
    structure = _Structure()
    structure.feed(page)
    structure.close()
    return structure


class TestHtml:
    def test_self_contained_and_accessible(self):
        """One page, no scripts or external assets, headed tables, a described SVG map."""
        page = to_html(composed())
        structure = parsed(page)
        assert "script" not in structure.tags
        assert not any(
            a.get("src") or (a.get("href") or "").startswith("http") for a in structure.attrs
        )
        assert "svg" in structure.tags
        assert {"title", "desc"} <= set(structure.tags)
        assert structure.tags.count("th") > 20
        assert structure.attrs[structure.tags.index("html")]["lang"] == "en"
        assert {"h1", "h2", "h3", "caption"} <= set(structure.tags)
        assert "not clinical or billing advice" in page

    def test_print_layout_rules(self):
        """The print style keeps headings with what follows and never splits rows or weeks."""
        page = to_html(composed(), paper="letter")
        assert "@page { size: letter portrait" in page
        assert "size: A4 portrait" in to_html(composed(), paper="a4")
        assert "section.glance, section.week { break-before: page; }" in page
        assert "break-after: avoid" in page
        assert "tr, article.session" in page

    def test_header_names_the_clinic_location_and_facilitator(self):
        """The header shows the optional clinic, location and facilitator."""
        text = " ".join(parsed(to_html(dressed())).text)
        for value in ("Riverside Clinic", "Building B, Room 204", "A. Rivera, LCSW"):
            assert value in text
        plain = " ".join(parsed(to_html(composed())).text)
        assert "Clinic" not in plain

    def test_clock_times_breaks_service_hours_and_titles(self):
        """Clock times, breaks, weekly service time and module titles appear; ids do not."""
        text = " ".join(parsed(to_html(composed())).text)
        assert "09:00\u201309:15" in text
        assert "Break" in text
        for week in composed().weeks:
            assert f"Week {week.number}" in text
            assert f"{duration(week.service_minutes)} of service" in text
        assert "CBT foundations, lesson 1 of 3" in text
        assert "Cognitive Behavioral Therapy" in text
        for module in ("cbt-foundations", "stress-and-breathing", "group-therapy"):
            assert module not in text

    def test_closures_and_make_up_sessions(self):
        """The closure list and the make-up session's heading name the closed day."""
        text = " ".join(parsed(to_html(composed())).text)
        assert "Mon 2027-01-18 closed: its session moved to Wed 2027-01-20" in text
        assert "Wed 2027-01-20 (make-up for Mon 2027-01-18, closed)" in text

    def test_hostile_names_are_text(self):
        """A program name or title holding markup is shown as text, never as a tag."""
        curriculum = with_block(dressed(name=HOSTILE, clinic=HOSTILE), title=HOSTILE)
        structure = parsed(to_html(curriculum))
        assert "script" not in structure.tags
        assert sum(HOSTILE in t for t in structure.text) >= 3


def render_markdown(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").render(text)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.rows = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append(0)
        elif tag in {"td", "th"}:
            self.rows[-1] += 1


MARKDOWN_TAGS = {
    "h1",
    "h2",
    "h3",
    "p",
    "ul",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


class TestMarkdown:
    def test_schedule(self):
        """The Markdown lists every session with clock times, lessons and objectives."""
        text = to_markdown(composed())
        for _, session in composed().sessions():
            assert f"### Session {session.number}:" in text
        assert "| 09:00\u201309:15 | 15 min | Group check-in |" in text
        assert "| Thoughts, feelings and actions | CBT foundations, lesson 1 of 3 |" in text
        assert "9 h 05 min of service" in text
        assert "Wed 2027-01-20 (make-up for Mon 2027-01-18, closed)" in text
        assert "- Week 3: Mon 2027-01-18 closed: its session moved to Wed 2027-01-20" in text
        assert "not clinical or billing advice" in text

    def test_header_names_the_clinic_location_and_facilitator(self):
        """The header lists the optional clinic, location and facilitator."""
        text = to_markdown(dressed())
        assert "- Clinic: Riverside Clinic" in text
        assert "- Location: Building B, Room 204" in text
        assert "- Facilitator: A. Rivera, LCSW" in text

    def test_hostile_text_renders_as_text(self):
        """Raw HTML, pipes, CR and control characters in names cannot change the render."""
        objective = "a | b\r\n<img src=x onerror=alert(1)>\x00\x1b[31m"
        curriculum = with_block(
            dressed(name=HOSTILE, facilitator=HOSTILE), title=HOSTILE, objectives=(objective,)
        )
        text = to_markdown(curriculum)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
        html = render_markdown(text)
        cells = _Cells()
        cells.feed(html)
        assert set(cells.tags) <= MARKDOWN_TAGS
        assert set(cells.rows) == {5}
        assert "&lt;script&gt;" in html
        assert "&lt;img src=x" in html


# -- text that breaks exports ---------------------------------------------------------------

# What the objects accept in a name: no control characters, not blank (line and
# paragraph separators, bidi marks, markup and formula starts included).
names = st.one_of(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(
        [HOSTILE, "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\u2028x\u2029", "a" * 300]
    ),
).filter(lambda s: s.strip() != "")
# Objectives are free text: anything, control characters and lone surrogates included.
free_texts = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from("\r\n\t\x00\x1b<>&|=+-@\ud800")),
    max_size=60,
)


@st.composite
def hostile_curricula(draw: st.DrawFn) -> Curriculum:
    """The example's first three weeks with names, titles, tracks and objectives drawn."""
    base = composed()
    titles = draw(st.lists(names, min_size=1, max_size=4))
    goals = draw(st.lists(free_texts, min_size=1, max_size=4))
    counter = iter(range(10**6))
    weeks = []
    for week in base.weeks[:3]:
        sessions = []
        for session in week.sessions:
            blocks = []
            for block in session.blocks:
                i = next(counter)
                blocks.append(
                    attrs.evolve(
                        block,
                        title=titles[i % len(titles)],
                        objectives=(goals[i % len(goals)],),
                        track=titles[-1] if block.track else None,
                    )
                )
            sessions.append(attrs.evolve(session, blocks=blocks))
        weeks.append(attrs.evolve(week, sessions=sessions))
    optional = st.none() | names
    hostile_program = attrs.evolve(
        base.program,
        name=draw(names),
        clinic=draw(optional),
        location=draw(optional),
        facilitator=draw(optional),
        timezone=draw(st.sampled_from([None, "America/Chicago", "Asia/Kolkata"])),
    )
    return Curriculum(program=hostile_program, weeks=weeks)


ICS_LINE = re.compile(r"([A-Z][A-Z0-9-]*[;:].*| .*)?")


class TestHostileText:
    @given(hostile_curricula())
    def test_every_format_still_parses(self, curriculum):
        """Property: with any accepted names and any objectives, each export parses with
        its format's reader and keeps its structure (events, rows, resources, tags)."""
        sessions = [s for _, s in curriculum.sessions()]
        blocks = list(curriculum.blocks())

        data = to_ics(curriculum)
        assert all(ICS_LINE.fullmatch(line) for line in data.decode("utf-8").split("\r\n"))
        calendar = icalendar.Calendar.from_ical(data)
        found = calendar.walk("VEVENT")
        assert len(found) == len(sessions)
        assert len({str(e["uid"]) for e in found}) == len(found)

        table = list(csv.reader(io.StringIO(to_csv(curriculum, bom=True).lstrip("\ufeff"))))
        assert len(table) == len(blocks) + 1
        for row in table[1:]:
            assert len(row) == len(COLUMNS)
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)

        plan = PlanDefinition.model_validate(to_fhir(curriculum))
        assert len(plan.id) <= 64
        Bundle.model_validate(to_fhir(curriculum, bundle=True))

        structure = parsed(to_html(curriculum))
        assert "script" not in structure.tags
        assert structure.tags.count("article") == len(sessions)

        text = to_markdown(curriculum)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
        cells = _Cells()
        cells.feed(render_markdown(text))
        assert set(cells.tags) <= MARKDOWN_TAGS
        assert set(cells.rows) == {5}
        assert cells.tags.count("h3") == len(sessions)


# -- groups beside, before and after sessions ---------------------------------------------


def grouped() -> Curriculum:
    """A valid hand-built curriculum whose sessions have groups beside, before and after
    them (see tests/test_journey_export.py)."""
    from .test_journey_export import evening

    return evening()


def grouped_session(curriculum: Curriculum, *names: str):
    """The first session whose groups are exactly ``names``."""
    return next(
        (w, s)
        for w, s in curriculum.sessions()
        if sorted(g.name for g in s.groups) == sorted(names)
    )


class TestGroups:
    def test_json_carries_groups(self):
        """to_json writes each session's groups (name, place, start, room, label, blocks)
        and only where a session has any."""
        document = json.loads(FORMATS["json"](grouped()))
        sessions = [s for w in document["weeks"] for s in w["sessions"]]
        assert "groups" not in sessions[9]  # week 4, Monday: no group meets
        first = {g["name"]: g for g in sessions[0]["groups"]}
        assert first["early-recovery"]["place"] == "before"
        assert first["early-recovery"]["start"] == -50
        assert first["orientation"]["room"] == "Room 12"
        assert first["orientation"]["label"] == "Orientation group"
        assert [b["activity"] for b in first["orientation"]["blocks"]][:2] == [
            "check-in",
            "goal-setting",
        ]

    def test_html_columns_side_by_side(self):
        """A session with a group beside it shows the main blocks and each beside group
        as columns, each headed with its clock times, room and who attends it; groups
        before and after come before and after them with clock times."""
        curriculum = grouped()
        page = to_html(curriculum)
        structure = parsed(page)
        text = " ".join(structure.text)
        _, session = grouped_session(curriculum, "early-recovery", "orientation", "discharge")
        article = page[page.index(f'id="session-{session.number}"') :]
        article = article[: article.index("</article>")]
        columns = article[article.index('<div class="columns">') :]
        assert columns.count('<section class="sitting') == 3
        assert "Main session, 18:00\u201320:55 <small>for every other patient</small>" in columns
        assert (
            "Orientation group, 18:00\u201320:40 <small>Room 12 \u00b7 for the patient&#x27;s "
            "first week</small>"
        ) in columns
        assert "Discharge planning, 18:00\u201321:00" in columns
        assert article.index(
            "Before the session: Early recovery skills, 17:10\u201318:00"
        ) < article.index('<div class="columns">')
        assert "After the session: Family education, 20:55\u201321:45" in text
        assert "Session 1: Mon 2027-01-04, 17:10\u201320:55" in text
        assert "Beside: Orientation group" in text  # the glance grid
        assert "Groups" in structure.text
        assert structure.tags.count("article") == sum(1 for _ in curriculum.sessions())

    def test_markdown_columns_side_by_side(self):
        """Markdown puts the main blocks and the beside groups in one table, a column
        each, and the groups before and after in tables of their own."""
        curriculum = grouped()
        text = to_markdown(curriculum)
        assert (
            "| Main session, 18:00\u201320:55 (for every other patient) "
            "| Orientation group, 18:00\u201320:40 (Room 12; for the patient's first week) "
            "| Discharge planning, 18:00\u201321:00 (Room 3; for the patient's last week) |"
        ) in text
        assert "| **18:15\u201319:00** Motivation and goal setting, 45 min |" in text
        assert (
            "#### Before the session: Early recovery skills, 17:10\u201318:00 (Room 7; for patient weeks 1 to 2)"
            in text
        )
        assert (
            "#### After the session: Family education, 20:55\u201321:45 (for the patient's last week)"
            in text
        )
        html = render_markdown(text)
        cells = _Cells()
        cells.feed(html)
        assert set(cells.rows) == {2, 3, 5}

    def test_csv_has_a_group_column(self):
        """Each block of a group is a row of its own, in time order, with its group."""
        curriculum = grouped()
        found = rows(to_csv(curriculum))
        # columns are only ever added at the end: group (0.3), then those of 0.4
        assert COLUMNS[COLUMNS.index("group") :] == ("group", "service_minutes", "break_inside")
        assert len(found) == len(list(curriculum.blocks()))
        first = [r for r in found if r["session"] == "1"]
        assert [r["group"] for r in first][:2] == ["early-recovery", ""]
        assert (first[0]["start_time"], first[0]["end_time"]) == ("17:10", "18:00")
        assert first[0]["lesson_name"] == "Relapse prevention, lesson 1 of 3"
        beside = [r for r in first if r["group"] == "orientation"]
        assert [r["start_time"] for r in beside][:3] == ["18:00", "18:15", "19:00"]
        assert {r["group"] for r in found} == {
            "",
            "early-recovery",
            "orientation",
            "discharge",
            "family",
        }

    def test_ics_event_per_group_sitting(self):
        """Each group sitting is an event besides its session's, with its own times,
        stable UID and LOCATION (the group's room, else the program's location)."""
        curriculum = grouped()
        data = to_ics(curriculum)
        assert data == to_ics(curriculum)
        found = events(data)
        sittings_count = sum(1 + len(s.groups) for _, s in curriculum.sessions())
        assert len(found) == sittings_count
        uids = by_uid(data)
        assert len(uids) == sittings_count
        key = next(iter(uids)).split("-w1-")[0]
        orientation = uids[f"{key}-w1-mon-orientation@iopkit"]
        assert orientation.decoded("dtstart") == dt.datetime(2027, 1, 4, 18, 0)  # noqa: DTZ001
        assert orientation.decoded("dtend") == dt.datetime(2027, 1, 4, 20, 40)  # noqa: DTZ001
        assert str(orientation["location"]) == "Room 12"
        assert "for the patient's first week" in str(orientation["description"])
        before = uids[f"{key}-w1-mon-early-recovery@iopkit"]
        assert before.decoded("dtstart") == dt.datetime(2027, 1, 4, 17, 10)  # noqa: DTZ001
        family = uids[f"{key}-w2-thu-family@iopkit"]
        assert str(family["location"]) == "Building B, Room 204"  # no room: the program's
        assert family.decoded("dtstart") == dt.datetime(2027, 1, 14, 20, 55)  # noqa: DTZ001
        session = uids[f"{key}-w1-mon@iopkit"]
        assert "Group before the session: 17:10\u201318:00 Early recovery skills" in str(
            session["description"]
        )

    def test_fhir_group_actions(self):
        """Group sittings are nested actions with their clock time, length, room and
        phase (a condition, and words); a beside group makes the main blocks an action
        for every other patient."""
        curriculum = grouped()
        plan = to_fhir(curriculum)
        PlanDefinition.model_validate(plan)
        Bundle.model_validate(to_fhir(curriculum, bundle=True))
        actions = {a["linkId"]: a for a in fhir_actions(plan)}
        orientation = actions["session-1-orientation"]
        assert orientation["timingTiming"]["repeat"]["timeOfDay"] == ["18:00:00"]
        assert orientation["timingTiming"]["repeat"]["duration"] == 160
        assert orientation["location"] == {"concept": {"text": "Room 12"}}
        assert orientation["condition"][0]["expression"]["expression"] == "%patientWeek = 1"
        assert "for the patient's first week" in orientation["description"]
        assert orientation["relatedAction"] == [
            {"targetId": "session-1-main", "relationship": "concurrent-with-start"}
        ]
        main_action = actions["session-1-main"]
        assert (
            main_action["condition"][0]["expression"]["expression"] == "((%patientWeek = 1)).not()"
        )
        assert main_action["action"][0]["linkId"] == "session-1-block-1"
        before = actions["session-1-early-recovery"]
        assert before["timingTiming"]["repeat"]["timeOfDay"] == ["17:10:00"]
        assert before["relatedAction"][0]["relationship"] == "before-start"
        children = [a["linkId"] for a in actions["session-1"]["action"]]
        assert children == ["session-1-early-recovery", "session-1-main", "session-1-orientation"]
        family = actions["session-6-family"]
        assert family["relatedAction"][0] == {
            "targetId": "session-6-main",
            "relationship": "after-end",
        }
        last_week = [a["linkId"] for a in actions["session-12"]["action"]]
        assert last_week[-1] == "session-12-family"
        assert "session-12-block-1" in last_week  # no group beside: the blocks as before
        assert actions["admission"]["selectionBehavior"] == "exactly-one"

    def test_hostile_group_names_are_text(self):
        """A group's label and room holding markup, pipes or line-like text stay text in
        every export, and every export still parses."""
        curriculum = grouped()
        weeks = [
            attrs.evolve(
                week,
                sessions=[
                    attrs.evolve(
                        s,
                        groups=[
                            attrs.evolve(g, label=HOSTILE, room="Room | 7\u2028B") for g in s.groups
                        ],
                    )
                    for s in week.sessions
                ],
            )
            for week in curriculum.weeks
        ]
        hostile = Curriculum(program=curriculum.program, weeks=weeks)
        structure = parsed(to_html(hostile))
        assert "script" not in structure.tags
        assert any(HOSTILE in t for t in structure.text)
        cells = _Cells()
        cells.feed(render_markdown(to_markdown(hostile)))
        assert set(cells.tags) <= MARKDOWN_TAGS | {"h4", "strong"}
        assert "script" not in cells.tags
        found = events(to_ics(hostile))
        assert len(found) == sum(1 + len(s.groups) for _, s in hostile.sessions())
        assert all("\u2028" not in str(e.get("location", "")) for e in found)
        PlanDefinition.model_validate(to_fhir(hostile))
        table = list(csv.reader(io.StringIO(to_csv(hostile))))
        assert all(len(row) == len(COLUMNS) for row in table)
