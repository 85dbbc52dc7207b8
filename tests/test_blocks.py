"""Building blocks validate their input on construction."""

import datetime as dt

import attrs
import pytest
from hypothesis import given

from iopkit import (
    Activity,
    ActivityKind,
    Block,
    Format,
    Range,
    Session,
    SkillModule,
    TherapyModality,
    Weekday,
)

from . import strategies as s

LESSON = Activity(id="l1", title="Lesson one", kind="skills-training", minutes=45)


class TestRange:
    def test_min_above_max_is_refused(self):
        """A range whose minimum exceeds its maximum raises ValueError naming both."""
        with pytest.raises(ValueError, match="minimum 5 is above its maximum 3"):
            Range(min=5, max=3)

    def test_negative_is_refused(self):
        """Negative bounds are refused."""
        with pytest.raises(ValueError, match="0 or more"):
            Range(min=-1)

    @given(s.ranges())
    def test_contains_matches_bounds(self, rng):
        """A range contains exactly the values between its bounds."""
        assert rng.min in rng
        assert rng.min - 1 not in rng
        if rng.max is not None:
            assert rng.max in rng
            assert rng.max + 1 not in rng

    def test_describe(self):
        """Ranges describe themselves in words."""
        assert Range(min=45, max=90).describe("minutes") == "45 to 90 minutes"
        assert Range(min=9).describe() == "at least 9"
        assert Range(max=3).describe() == "at most 3"


class TestModality:
    def test_bad_id(self):
        """Ids must be slugs; the message shows the bad value."""
        with pytest.raises(ValueError, match="'Bad Id'"):
            TherapyModality(id="Bad Id", name="x")

    def test_blank_name(self):
        """A blank name is refused."""
        with pytest.raises(ValueError, match="'name' must be a non-empty text"):
            TherapyModality(id="cbt", name="  ")


class TestActivity:
    def test_int_minutes_become_fixed_range(self):
        """A whole number of minutes is a fixed range."""
        act = Activity(id="a", title="A", kind="check-in", minutes=15)
        assert act.minutes == Range(min=15, max=15)
        assert not act.flexible

    def test_flexible(self):
        """A range of minutes makes the activity flexible."""
        act = Activity(id="a", title="A", kind="process-group", minutes=Range(min=45, max=90))
        assert act.flexible

    @pytest.mark.parametrize("minutes", [0, -5, 481, Range(min=10), Range(min=0, max=5)])
    def test_bad_minutes(self, minutes):
        """Zero, negative, unbounded and absurd lengths are refused."""
        with pytest.raises(ValueError, match="minutes"):
            Activity(id="a", title="A", kind="check-in", minutes=minutes)

    def test_bool_minutes(self):
        """A boolean is not a length."""
        with pytest.raises(TypeError):
            Activity(id="a", title="A", kind="check-in", minutes=True)

    def test_unknown_kind(self):
        """An unknown kind is refused."""
        with pytest.raises(ValueError, match="nap"):
            Activity(id="a", title="A", kind="nap", minutes=10)

    def test_enums_are_converted(self):
        """Kinds and formats may be given as text."""
        act = Activity(id="a", title="A", kind="family-therapy", format="family", minutes=50)
        assert act.kind is ActivityKind.FAMILY_THERAPY
        assert act.format is Format.FAMILY

    def test_frozen(self):
        """Activities are immutable."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            LESSON.title = "x"  # type: ignore[misc]


class TestSkillModule:
    def test_needs_lessons(self):
        """A module without lessons is refused."""
        with pytest.raises(ValueError, match="at least one lesson"):
            SkillModule(id="m", title="M", modality="cbt", lessons=())

    def test_unique_lessons(self):
        """Lesson ids are unique in a module."""
        with pytest.raises(ValueError, match="repeated: l1"):
            SkillModule(id="m", title="M", modality="cbt", lessons=(LESSON, LESSON))

    def test_not_self_requiring(self):
        """A module cannot require itself."""
        with pytest.raises(ValueError, match="cannot require itself"):
            SkillModule(id="m", title="M", modality="cbt", lessons=(LESSON,), requires=("m",))

    def test_break_is_not_a_lesson(self):
        """A break cannot be a lesson."""
        brk = Activity(id="b", title="B", kind="break", minutes=10)
        with pytest.raises(ValueError, match="cannot be a break"):
            SkillModule(id="m", title="M", modality="cbt", lessons=(brk,))


class TestSession:
    def _blocks(self, *lengths, kinds=None):
        start = 0
        blocks = []
        for i, minutes in enumerate(lengths):
            kind = (kinds or {}).get(i, "process-group")
            blocks.append(
                Block(start=start, minutes=minutes, activity=f"a{i}", title="t", kind=kind)
            )
            start += minutes
        return blocks

    def test_minutes_and_service(self):
        """Wall-clock minutes include breaks; service minutes do not."""
        session = Session(number=1, day="mon", blocks=self._blocks(50, 10, 60, kinds={1: "break"}))
        assert session.minutes == 120
        assert session.service_minutes == 110

    def test_gap_is_refused(self):
        """Blocks must be back to back: a gap names the block and the expected start."""
        blocks = self._blocks(50, 40)
        blocks[1] = attrs.evolve(blocks[1], start=55)
        with pytest.raises(
            ValueError, match="block 2 .* leaves a gap: it should start at minute 50"
        ):
            Session(number=1, day="mon", blocks=blocks)

    def test_overlap_is_refused(self):
        """Overlapping blocks are refused."""
        blocks = self._blocks(50, 40)
        blocks[1] = attrs.evolve(blocks[1], start=45)
        with pytest.raises(ValueError, match="overlaps"):
            Session(number=1, day="mon", blocks=blocks)

    def test_date_must_match_day(self):
        """A session's date falls on its weekday."""
        with pytest.raises(ValueError, match="not a tue"):
            Session(number=1, day="tue", date=dt.date(2027, 1, 4), blocks=self._blocks(30))
        ok = Session(number=1, day=Weekday.MON, date=dt.date(2027, 1, 4), blocks=self._blocks(30))
        assert ok.day is Weekday.MON

    def test_lesson_needs_module(self):
        """A block names both module and lesson, or neither."""
        with pytest.raises(ValueError, match="both"):
            Block(start=0, minutes=5, activity="a", title="t", kind="check-in", lesson=1)

    @given(s.sessions())
    def test_service_never_exceeds_wall(self, session):
        """Service minutes are at most the wall-clock minutes, equal without breaks."""
        assert session.service_minutes <= session.minutes
        if not any(b.is_break for b in session.blocks):
            assert session.service_minutes == session.minutes
