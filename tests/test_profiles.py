"""Compliance profiles: shipped data with sources, and thresholds at their edges."""

import datetime as dt

import pytest

from iopkit import Range
from iopkit.curriculum import Curriculum, Program, SessionShape, load_profile, profiles, validate

from .helpers import SERVICE_CATALOG, one_session_weeks


def curriculum(*hours: float) -> Curriculum:
    program = Program(
        name="P",
        weeks=len(hours),
        days=["mon"],
        start=dt.date(2027, 1, 4),
        session=SessionShape(minutes=Range(min=1, max=1440), grid=1),
    )
    return Curriculum(
        program=program, weeks=one_session_weeks(program, [round(h * 60) for h in hours])
    )


def ok(profile: str, *hours: float) -> bool:
    report = validate(curriculum(*hours), profiles=[profile], catalog=SERVICE_CATALOG)
    return report.ok


class TestShipped:
    def test_listed(self):
        """The required profiles ship, each with a source, a checked date and rules."""
        ids = {p.id for p in profiles()}
        assert {
            "cms-iop",
            "asam-2.1-adult",
            "asam-2.1-adolescent",
            "asam-2.5",
            "ahcccs-s9480",
            "bcbs-mi-iop",
        } <= ids
        for profile in profiles():
            assert profile.source
            assert profile.checked.year >= 2024
            assert profile.rules()


class TestThresholds:
    @pytest.mark.parametrize(
        ("hours", "expected"), [(8.9, False), (9, True), (19, True), (19.1, False), (20, False)]
    )
    def test_asam_adult(self, hours, expected):
        """ASAM 2.1 adult: 9 to 19 hours a week (outside the taper weeks)."""
        assert ok("asam-2.1-adult", hours, 12, 12, 12) is expected

    @pytest.mark.parametrize(
        ("hours", "expected"), [(5.9, False), (6, True), (19, True), (19.1, False)]
    )
    def test_asam_adolescent(self, hours, expected):
        """ASAM 2.1 adolescent: 6 to 19 hours a week."""
        assert ok("asam-2.1-adolescent", hours, 10, 10) is expected

    @pytest.mark.parametrize(
        ("hours", "expected"), [(8.9, False), (9, True), (19.1, True), (20, True)]
    )
    def test_cms(self, hours, expected):
        """Medicare IOP: at least 9 hours a week, no maximum."""
        assert ok("cms-iop", hours) is expected

    @pytest.mark.parametrize(
        ("hours", "expected"), [(19, False), (19.9, False), (20, True), (23, True)]
    )
    def test_asam_25(self, hours, expected):
        """ASAM 2.5: 20 hours a week or more."""
        assert ok("asam-2.5", hours) is expected

    def test_taper(self):
        """ASAM lets the last two weeks fall below the floor; Medicare does not."""
        assert ok("asam-2.1-adult", 9, 8.9, 3)
        assert not ok("asam-2.1-adult", 8.9, 9, 9)
        assert not ok("cms-iop", 9, 8.9, 3)

    def test_taper_never_excuses_the_maximum(self):
        """The taper lowers the floor only: a last week above 19 hours is still reported."""
        assert not ok("asam-2.1-adult", 9, 9, 19.1)


class TestFiles:
    def test_load_own_profile(self, tmp_path):
        """Users load their own profile files."""
        path = tmp_path / "mine.yaml"
        path.write_text(
            "iopkit: profile/1\nid: clinic-min\ntitle: Ours\nsource: house rule\n"
            "checked: 2026-11-01\nweekly_minutes: {min: 600}\n"
        )
        profile = load_profile(path)
        report = validate(curriculum(9.5), profiles=[profile], catalog=SERVICE_CATALOG)
        assert [v.rule for v in report.violations] == ["clinic-min:weekly_minutes"]
        assert "clinic-min needs at least 600" in report.violations[0].message
