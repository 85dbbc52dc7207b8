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
