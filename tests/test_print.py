"""The printable HTML schedule, printed to PDF by headless Chromium on Letter and A4."""

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

from iopkit.curriculum import Curriculum, compose, load_program
from iopkit.export import to_html
from iopkit.export._html import printed_pages

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
#: Page sizes in PDF points (1/72 inch), as Chromium writes them.
SIZES = {"letter": (612, 792), "a4": (595, 842)}


@functools.cache
def curriculum() -> Curriculum:
    """The example, with the optional header texts a clinic would give."""
    composed = compose(load_program(EXAMPLE))
    program = attrs.evolve(
        composed.program,
        clinic="Riverside Clinic",
        location="Building B, Room 204",
        facilitator="A. Rivera, LCSW",
    )
    return attrs.evolve(composed, program=program)


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("IOPKIT_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here but not installed")
        pytest.skip("chromium is not installed (CI installs it and requires this test)")
    return browser


def print_to_pdf(page: Path, pdf: Path, profile: Path) -> bytes:
    """Print ``page`` with headless Chromium, offline, with a fresh profile."""
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return pdf.read_bytes()


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF written by Chromium (its page objects are plain)."""
    found = []
    for match in re.finditer(rb"/Type\s*/Page\b(?!s)", pdf):
        window = pdf[max(0, match.start() - 400) : match.end() + 400]
        box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", window)
        found.append((float(box[1]), float(box[2])) if box else (0.0, 0.0))
    return found


def page_texts(pdf: Path) -> list[str] | None:
    """The text of each page, when poppler's pdftotext is installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split("\f")[:-1]


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_one_week_per_page(paper, tmp_path):
    """Printed on Letter and on A4, the schedule has exactly the pages its layout
    promises (a cover, the glance pages, one page per week), so no week spills over."""
    page = tmp_path / "schedule.html"
    page.write_text(to_html(curriculum(), paper=paper), encoding="utf-8")
    pdf = tmp_path / "schedule.pdf"
    found = pages(print_to_pdf(page, pdf, tmp_path / "profile"))
    weeks = len(curriculum().weeks)
    assert len(found) == printed_pages(curriculum()) == 1 + 2 + weeks
    width, height = SIZES[paper]
    for size in found:
        assert size == pytest.approx((width, height), abs=1.5)
    texts = page_texts(pdf)
    if texts is not None:  # with poppler: each week's page is that week, from its top
        assert "Riverside Clinic" in texts[0]
        assert "Weeks 1 to 4 at a glance" in texts[1]
        assert "Weeks 5 to 8 at a glance" in texts[2]
        for number, text in enumerate(texts[3:], start=1):
            assert re.search(rf"^\s*Week {number}\s*$", text, re.MULTILINE), text[:300]
            assert "Objectives this week" in text


# -- groups and journeys --------------------------------------------------------------------


def wrap_ups(text: str) -> int:
    """The wrap-up blocks on a page (its title may wrap; the objectives list is not one)."""
    return len(re.findall(r"Wrap-up and(?!\s+homework:)", text))


def grouped() -> Curriculum:
    """A hand-built curriculum with groups beside, before and after its sessions."""
    from .test_journey_export import evening

    return evening()


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_groups_print_as_readable_columns(paper, tmp_path):
    """Printed, a session's main blocks and the groups beside it stand side by side (their
    headings on one line of the page), and no session is split across pages: each page
    holds whole sessions, each with one wrap-up per column."""
    curriculum = grouped()
    page = tmp_path / "schedule.html"
    page.write_text(to_html(curriculum, paper=paper), encoding="utf-8")
    pdf = tmp_path / "schedule.pdf"
    found = pages(print_to_pdf(page, pdf, tmp_path / "profile"))
    width, height = SIZES[paper]
    for size in found:
        assert size == pytest.approx((width, height), abs=1.5)
    texts = page_texts(pdf)
    if texts is None:
        pytest.skip("pdftotext is not installed")
    columns = {
        s.number: 1 + sum(g.place.value == "beside" for g in s.groups)
        for _, s in curriculum.sessions()
    }
    seen = []
    for text in texts:
        numbers = [int(n) for n in re.findall(r"^Session (\d+): ", text, re.MULTILINE)]
        seen += numbers
        if numbers:
            assert wrap_ups(text) == sum(columns[n] for n in numbers), text
    assert sorted(seen) == sorted(columns)
    side_by_side = [
        line
        for text in texts
        for line in text.splitlines()
        if "Main session, 18:00" in line and "Orientation group, 18:00" in line
    ]
    assert len(side_by_side) == sum(
        1 for _, s in curriculum.sessions() if any(g.name == "orientation" for g in s.groups)
    )
    assert any("Discharge planning, 18:00" in line for line in side_by_side)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_patient_schedule_prints_whole_visits(paper, tmp_path):
    """A patient's schedule prints on the paper asked for, with every visit whole on
    one page."""
    from iopkit.curriculum import journey
    from iopkit.export import journey_html

    curriculum = grouped()
    path = journey(curriculum, 2)
    page = tmp_path / "patient.html"
    page.write_text(journey_html(curriculum, path, paper=paper), encoding="utf-8")
    pdf = tmp_path / "patient.pdf"
    found = pages(print_to_pdf(page, pdf, tmp_path / "profile"))
    width, height = SIZES[paper]
    assert 2 <= len(found) <= 5
    for size in found:
        assert size == pytest.approx((width, height), abs=1.5)
    texts = page_texts(pdf)
    if texts is None:
        pytest.skip("pdftotext is not installed")
    visits = 0
    for text in texts:
        headings = re.findall(r"^(Mon|Wed|Thu) 2027-\d\d-\d\d, \d\d:\d\d", text, re.MULTILINE)
        visits += len(headings)
        assert wrap_ups(text) == len(headings), text
    assert visits == sum(len(w.visits) for w in path.weeks)
    assert "Early recovery skills, Room 7, 17:10" in "".join(texts)
