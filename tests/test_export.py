"""Exports, each read back by a real client."""

import csv
import datetime as dt
import functools
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import attrs
import icalendar
import pytest
from fhir.resources.plandefinition import PlanDefinition

from iopkit.curriculum import Curriculum, compose, load_program
from iopkit.errors import ExportError
from iopkit.export import FORMATS, to_csv, to_fhir, to_html, to_ics, to_markdown

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"


@functools.cache
def composed() -> Curriculum:
    return compose(load_program(EXAMPLE))


class TestICalendar:
    def test_one_event_per_session_with_times(self):
        """The .ics parses with icalendar: one event per session at the right local times."""
        calendar = icalendar.Calendar.from_ical(to_ics(composed()))
        events = calendar.walk("VEVENT")
        sessions = [s for _, s in composed().sessions()]
        assert len(events) == len(sessions)
        for event, session in zip(events, sessions, strict=True):
            start = event.decoded("dtstart")
            end = event.decoded("dtend")
            assert start == dt.datetime.combine(session.date, dt.time(9, 0))
            assert end - start == dt.timedelta(minutes=session.minutes)
            assert session.blocks[0].title in str(event.get("description"))

    def test_stable_uids(self):
        """The same curriculum gives the same UIDs; UIDs are unique."""
        first = [
            str(e["uid"]) for e in icalendar.Calendar.from_ical(to_ics(composed())).walk("VEVENT")
        ]
        second = [
            str(e["uid"]) for e in icalendar.Calendar.from_ical(to_ics(composed())).walk("VEVENT")
        ]
        assert first == second
        assert len(set(first)) == len(first)

    def test_needs_a_start_date(self):
        """Without a start date the export fails with a clear error."""
        undated = attrs.evolve(
            composed(), program=attrs.evolve(composed().program, start=None, closures=())
        )
        with pytest.raises(ExportError, match="no start date"):
            to_ics(undated)


class TestCsv:
    def test_one_row_per_block(self):
        """The CSV parses with csv: a header and one row per block, in order."""
        rows = list(csv.DictReader(io.StringIO(to_csv(composed()))))
        blocks = list(composed().blocks())
        assert len(rows) == len(blocks)
        for row, (week, session, _, block) in zip(rows, blocks, strict=True):
            assert int(row["week"]) == week.number
            assert int(row["session"]) == session.number
            assert row["activity"] == block.activity
            assert int(row["minutes"]) == block.minutes
            assert row["lesson"] == ("" if block.lesson is None else str(block.lesson))
        assert {
            "week",
            "session",
            "date",
            "start_time",
            "minutes",
            "activity",
            "kind",
            "format",
            "modality",
            "module",
            "lesson",
            "track",
        } <= set(rows[0])


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
            assert block.definitionCanonical[1:] in contained

    def test_json_text(self):
        """The CLI form is the same resource as indented JSON."""
        assert json.loads(FORMATS["fhir"](composed())) == to_fhir(composed())


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append(dict(attrs))


class TestHtml:
    def test_self_contained_and_accessible(self):
        """One page, no scripts or external assets, tables with header cells, an SVG map."""
        page = to_html(composed())
        parsed = _Structure()
        parsed.feed(page)
        assert "script" not in parsed.tags
        assert not any(
            a.get("src") or (a.get("href") or "").startswith("http") for a in parsed.attrs
        )
        assert "svg" in parsed.tags
        assert parsed.tags.count("th") > 20
        assert "@media print" in page
        assert "break-before: page" in page
        assert "not clinical or billing advice" in page

    def test_rendered_in_chromium(self, tmp_path):
        """Headless Chromium renders every session of every week."""
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if browser is None:
            if os.environ.get("IOPKIT_REQUIRE_CHROMIUM"):
                pytest.fail("chromium is required here but not installed")
            pytest.skip("chromium is not installed (CI installs it and requires this test)")
        page = tmp_path / "schedule.html"
        page.write_text(to_html(composed()), encoding="utf-8")
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        dom = done.stdout
        for week, session in composed().sessions():
            assert f'id="session-{session.number}"' in dom
            assert f'id="week-{week.number}"' in dom
        assert len(re.findall(r'<article class="session"', dom)) == sum(
            len(w.sessions) for w in composed().weeks
        )


class TestMarkdown:
    def test_schedule(self):
        """The Markdown lists every session with clock times, lessons and objectives."""
        text = to_markdown(composed())
        for _, session in composed().sessions():
            assert f"### Session {session.number}:" in text
        assert "| 09:00 | 15 | Group check-in |" in text
        assert "cbt-foundations, lesson 1 (Core skills)" in text
