"""Editing one thing: replace an activity, move a session, cancel a session. Each edit
returns a new curriculum, and the validator then reports exactly what the edit broke."""

import copy
import datetime as dt
import functools
from pathlib import Path

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from iopkit import Block
from iopkit.curriculum import (
    Curriculum,
    Per,
    Week,
    cancel_session,
    compose,
    load_program,
    move_session,
    program_catalog,
    replace_activity,
    validate,
)
from iopkit.errors import ProgramError

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
MONDAY = dt.date(2027, 1, 4)  # session 1: check-in, process group, break, mindfulness, ...
THURSDAY = dt.date(2027, 1, 7)  # session 3: no lesson of a track
CLOSED = dt.date(2027, 1, 18)  # the example's closure, made up on Wednesday
MADE_UP = dt.date(2027, 1, 20)  # session 8, a make-up session with a lesson
TUESDAY_WEEK_8 = dt.date(2027, 2, 23)  # session 23: ends with goal setting, then wrap-up
#: The rules that follow a track's lessons across weeks: removing or moving a lesson
#: shifts everything after it.
TRACK_RULES = ("tracks[", "lesson-order", "prerequisites")


@functools.cache
def example() -> Curriculum:
    return compose(load_program(EXAMPLE))


def sessions():
    return [(week.number, session) for week, session in example().sessions()]


def broken(curriculum: Curriculum, **options) -> set[tuple[str, int | None, int | None]]:
    """``(rule, week, session)`` of every violation."""
    report = validate(curriculum, **options)
    return {(v.rule, v.week, v.session) for v in report.violations}


def session_on(curriculum: Curriculum, date: dt.date):
    return next(s for _, s in curriculum.sessions() if s.date == date)


def is_track_rule(rule: str) -> bool:
    return rule.startswith(TRACK_RULES)


class TestReplaceActivity:
    def test_mindfulness_replaced_breaks_the_per_session_requirement_there(self):
        """Replacing the mindfulness practice on a date is reported as the per-session
        requirement, at that session and nowhere else."""
        edited = replace_activity(example(), MONDAY, "mindfulness-practice", "breathing-exercises")
        assert broken(edited) == {("require[0]", 1, 1)}
        (violation,) = validate(edited).violations
        assert "Mindfulness practice" in violation.message

    def test_an_edit_that_breaks_nothing_validates_clean(self):
        """Swapping one skills activity for another of a length it allows breaks no rule of
        the program, nor of the Medicare IOP profile."""
        edited = replace_activity(example(), TUESDAY_WEEK_8, "goal-setting", "peer-support-circle")
        assert edited != example()
        assert validate(edited).ok
        assert validate(edited, profiles=["cms-iop"]).ok

    def test_the_new_block_keeps_the_start_and_takes_the_nearest_length(self):
        """A 15-minute mindfulness practice replaced by breathing exercises (20 to 30
        minutes) starts where it did and lasts 20 minutes; later blocks move by 5."""
        before = session_on(example(), MONDAY)
        after = session_on(
            replace_activity(example(), MONDAY, "mindfulness-practice", "breathing-exercises"),
            MONDAY,
        )
        index = [b.activity for b in before.blocks].index("mindfulness-practice")
        new = after.blocks[index]
        assert (new.activity, new.start, new.minutes) == (
            "breathing-exercises",
            before.blocks[index].start,
            20,
        )
        assert new.title == "Breathing exercises for anxiety"
        assert [b.start for b in after.blocks[index + 1 :]] == [
            b.start + 5 for b in before.blocks[index + 1 :]
        ]
        assert after.minutes == before.minutes + 5

    def test_the_old_length_is_kept_when_the_new_activity_allows_it(self):
        """A 45-minute process group replaced by an expressive arts group (45 to 60
        minutes) still lasts 45 minutes, so the session keeps its length."""
        before = session_on(example(), MONDAY)
        after = session_on(
            replace_activity(example(), MONDAY, "process-group", "expressive-arts"), MONDAY
        )
        assert [b.minutes for b in after.blocks] == [b.minutes for b in before.blocks]
        assert after.minutes == before.minutes

    def test_a_lesson_replaced_by_a_stand_alone_activity_leaves_its_track(self):
        """A lesson block replaced by a stand-alone activity no longer names a module,
        lesson or track (and the validator then reports the track's missing lesson)."""
        edited = replace_activity(example(), MONDAY, "cbt-f1-cycle", "role-play")
        block = next(b for b in session_on(edited, MONDAY).blocks if b.activity == "role-play")
        assert (block.module, block.lesson, block.track) == (None, None, None)
        assert block.minutes == 45  # 50 minutes is too long: role-play lasts 30 to 45
        assert any(rule.startswith("tracks[0]") for rule, _, _ in broken(edited))

    def test_a_lesson_replaced_by_a_lesson_of_the_track_stays_in_the_track(self):
        """A lesson replaced by another lesson of a module its track teaches names that
        module, its lesson number and the same track."""
        edited = replace_activity(example(), MONDAY, "cbt-f1-cycle", "sab1-stress-body")
        block = next(
            b for b in session_on(edited, MONDAY).blocks if b.activity == "sab1-stress-body"
        )
        assert (block.module, block.lesson, block.track) == (
            "stress-and-breathing",
            1,
            "Core skills",
        )

    def test_the_original_is_unchanged(self):
        """The edit returns a new curriculum and leaves the one it was given as it was."""
        original = example()
        before = copy.deepcopy(original)
        edited = replace_activity(original, MONDAY, "mindfulness-practice", "breathing-exercises")
        assert original == before
        assert edited is not original

    def test_dates_are_dates_or_iso_texts(self):
        """A date and its ISO text find the same session."""
        assert replace_activity(
            example(), "2027-01-04", "process-group", "expressive-arts"
        ) == replace_activity(example(), MONDAY, "process-group", "expressive-arts")

    def test_which_picks_one_of_repeated_blocks(self):
        """With two breaks in the session, ``which=2`` replaces the second one."""
        edited = replace_activity(example(), MONDAY, "break", "breathing-exercises", which=2)
        activities = [b.activity for b in session_on(edited, MONDAY).blocks]
        assert activities.count("break") == 1
        assert activities.index("break") < activities.index("breathing-exercises")

    def test_a_replaced_break_keeps_its_length(self):
        """A break replaced by an activity whose lengths include the break's keeps the
        break's length (a break has no service minutes; the old block's length is its
        wall-clock length)."""
        import datetime as dt

        from iopkit import Activity, Catalog, Range, TherapyModality
        from iopkit.curriculum import BreakRule, Program, SessionShape, compose

        catalog = Catalog(
            modalities=[TherapyModality(id="m", name="M")],
            activities=[
                Activity(id="open", title="Open", kind="check-in", minutes=15),
                Activity(id="pause", title="Pause", kind="break", minutes=10),
                Activity(id="stretch", title="Stretch", kind="break", minutes=Range(min=5, max=15)),
                Activity(
                    id="talk", title="Talk", kind="process-group", minutes=Range(min=15, max=60)
                ),
                Activity(id="walk", title="Walk", kind="mindfulness", minutes=Range(min=5, max=45)),
            ],
        )
        program = Program(
            name="P",
            weeks=1,
            days=("mon",),
            start=dt.date(2027, 1, 4),
            session=SessionShape(
                minutes={"min": 120, "max": 120},
                opening=("open",),
                breaks=BreakRule(after=60, minutes=10, activity="pause"),
            ),
            catalog=catalog,
        )
        curriculum = compose(program)
        before = curriculum.weeks[0].sessions[0]
        index = next(i for i, b in enumerate(before.blocks) if b.activity == "pause")
        edited = replace_activity(curriculum, before.date, "pause", "stretch")
        block = edited.weeks[0].sessions[0].blocks[index]
        assert block.activity == "stretch"
        assert block.minutes == before.blocks[index].minutes == 10

    @pytest.mark.parametrize(
        ("args", "options", "phrases"),
        [
            (
                ("2027-01-06", "break", "role-play"),
                {},
                ["Wed 2027-01-06", "Tue 2027-01-05", "Thu 2027-01-07"],
            ),
            (("2027-01-04", "brake", "role-play"), {}, ["'brake'", "session 1", "process-group"]),
            (
                ("2027-01-04", "check-in", "rol-play"),
                {},
                ["'rol-play'", "did you mean 'role-play'"],
            ),
            (("2027-01-04", "break", "role-play"), {}, ["2 times", "which="]),
            (("2027-01-04", "break", "role-play"), {"which": 3}, ["from 1 to 2", "got 3"]),
            (("the 4th", "break", "role-play"), {}, ["ISO date", "'the 4th'"]),
        ],
    )
    def test_what_cannot_be_found_is_named(self, args, options, phrases):
        """An unknown date, activity or occurrence raises a ProgramError naming what was
        asked for and what there is instead."""
        with pytest.raises(ProgramError) as error:
            replace_activity(example(), *args, **options)
        for phrase in phrases:
            assert phrase in str(error.value)

    def test_only_curricula_are_edited(self):
        """Anything but a curriculum is refused with a ProgramError that says what to pass."""
        with pytest.raises(ProgramError, match="must be a Curriculum"):
            replace_activity("curriculum.json", MONDAY, "break", "role-play")  # type: ignore[arg-type]

    @given(data=st.data())
    def test_any_block_replaced_changes_only_that_block(self, data):
        """For any service block and any stand-alone service of the catalog, the edit
        changes only that block (and the starts after it): the new block lasts a length its
        activity allows, and every other session is untouched."""
        catalog = program_catalog(example().program)
        _, session = data.draw(st.sampled_from(sessions()))
        choices = [(i, b) for i, b in enumerate(session.blocks) if not b.is_break]
        index, old = data.draw(st.sampled_from(choices))
        assume([b.activity for b in session.blocks].count(old.activity) == 1)  # else which=
        new = data.draw(st.sampled_from([a for a in catalog.activities if not a.is_break]))
        edited = replace_activity(example(), session.date, old.activity, new.id)
        after = session_on(edited, session.date)
        block = after.blocks[index]
        assert block.activity == new.id
        assert block.start == old.start
        assert block.minutes in new.minutes
        if old.minutes in new.minutes:
            assert block.minutes == old.minutes
        assert [b.activity for i, b in enumerate(after.blocks) if i != index] == [
            b.activity for i, b in enumerate(session.blocks) if i != index
        ]
        assert [s for _, s in edited.sessions() if s.date != session.date] == [
            s for _, s in example().sessions() if s.date != session.date
        ]


class TestMoveSession:
    def test_a_move_to_a_day_without_sessions_breaks_the_calendar_only(self):
        """Moving Thursday's session (no lesson in it) to Friday of the same week is
        reported by the calendar at that week, and by nothing else."""
        edited = move_session(example(), THURSDAY, "2027-01-08")
        moved = session_on(edited, dt.date(2027, 1, 8))
        assert (moved.number, moved.day.value) == (3, "fri")
        assert moved.blocks == session_on(example(), THURSDAY).blocks
        assert {(rule, week) for rule, week, _ in broken(edited)} == {("calendar", 1)}

    def test_a_move_to_another_week_moves_it_into_that_week_in_date_order(self):
        """Thursday's session moved to the Wednesday of the next week joins that week
        between Tuesday and Thursday, and all sessions are numbered again in order."""
        edited = move_session(example(), THURSDAY, dt.date(2027, 1, 13))
        first, second = edited.weeks[0], edited.weeks[1]
        assert [s.date for s in first.sessions] == [dt.date(2027, 1, 4), dt.date(2027, 1, 5)]
        assert [s.date.day for s in second.sessions] == [11, 12, 13, 14]
        assert [s.number for _, s in edited.sessions()] == list(range(1, 25))
        assert second.sessions[2].blocks == session_on(example(), THURSDAY).blocks
        assert ("weekly_minutes", 1, None) in broken(edited)

    def test_a_make_up_session_keeps_the_date_it_replaces_within_its_week(self):
        """The make-up session moved to the week's other make-up day still replaces the
        closed Monday; moved to another week it replaces nothing."""
        within = session_on(move_session(example(), MADE_UP, "2027-01-22"), dt.date(2027, 1, 22))
        assert within.replaces == CLOSED
        away = session_on(move_session(example(), MADE_UP, "2027-01-27"), dt.date(2027, 1, 27))
        assert away.replaces is None

    def test_a_move_to_the_same_date_changes_nothing(self):
        """Moving a session to its own date returns the curriculum as it is."""
        assert move_session(example(), MONDAY, "2027-01-04") == example()

    @pytest.mark.parametrize(
        ("to", "phrases"),
        [
            ("2027-01-05", ["Tue 2027-01-05", "session 2 is already on that date"]),
            ("2027-03-01", ["Mon 2027-03-01", "runs from Mon 2027-01-04 to Sun 2027-02-28"]),
            ("2026-12-31", ["Thu 2026-12-31", "runs from"]),
            (20270105, ["ISO date", "20270105"]),
        ],
    )
    def test_moves_that_cannot_be_made_are_refused(self, to, phrases):
        """A move onto another session's date, or out of the curriculum's weeks, raises a
        ProgramError naming the date."""
        with pytest.raises(ProgramError) as error:
            move_session(example(), MONDAY, to)
        for phrase in phrases:
            assert phrase in str(error.value)

    def test_without_dates_no_session_is_found(self):
        """A curriculum whose program has no start date has no dated sessions to edit."""
        undated = attrs.evolve(
            example(),
            program=attrs.evolve(example().program, start=None, closures=()),
            weeks=[
                attrs.evolve(
                    w, sessions=[attrs.evolve(s, date=None, replaces=None) for s in w.sessions]
                )
                for w in example().weeks
            ],
        )
        with pytest.raises(ProgramError, match="no start date"):
            cancel_session(undated, MONDAY)

    @given(data=st.data())
    def test_moving_there_and_back_restores_the_curriculum(self, data):
        """For any session that replaces no closed date and any free date of the
        curriculum, moving it there keeps every session and block in date order, and
        moving it back gives the original curriculum."""
        original = example()
        _, session = data.draw(st.sampled_from([s for s in sessions() if s[1].replaces is None]))
        taken = {s.date for _, s in original.sessions()}
        start = original.program.start
        free = [
            start + dt.timedelta(days=d)
            for d in range(7 * len(original.weeks))
            if start + dt.timedelta(days=d) not in taken
        ]
        to = data.draw(st.sampled_from(free))
        moved = move_session(original, session.date, to)
        dates = [s.date for _, s in moved.sessions()]
        assert dates == sorted(dates)
        assert [s.number for _, s in moved.sessions()] == list(range(1, 25))
        assert session_on(moved, to).blocks == session.blocks
        for week in moved.weeks:
            assert all((s.date - start).days // 7 == week.number - 1 for s in week.sessions)
        assert move_session(moved, to, session.date) == original


class TestCancelSession:
    def test_cancelling_reports_the_weekly_minutes_and_the_calendar_at_that_week(self):
        """Cancelling Monday's session leaves week 1 short of its weekly minutes and
        without its Monday session: both are reported at week 1."""
        edited = cancel_session(example(), MONDAY)
        found = broken(edited)
        assert ("weekly_minutes", 1, None) in found
        assert ("calendar", 1, None) in found
        assert ("asam-2.1-adult:weekly_minutes", 1, None) in found
        messages = [v.message for v in validate(edited).violations if v.rule == "calendar"]
        assert messages == ["no session on mon, a session day that is not closed"]

    def test_later_sessions_are_numbered_again(self):
        """The sessions after the cancelled one move up a number; the weeks stay."""
        edited = cancel_session(example(), MONDAY)
        assert [s.number for _, s in edited.sessions()] == list(range(1, 24))
        assert len(edited.weeks) == len(example().weeks)
        assert [s.date for _, s in edited.sessions()] == [
            s.date for _, s in example().sessions() if s.date != MONDAY
        ]

    def test_cancelling_the_make_up_session_leaves_the_calendar_whole(self):
        """The make-up session is optional: cancelling it is reported as week 3's minutes,
        not as a calendar violation."""
        found = broken(cancel_session(example(), MADE_UP))
        assert ("weekly_minutes", 3, None) in found
        assert not any(rule == "calendar" for rule, _, _ in found)

    def test_a_week_may_lose_every_session(self):
        """Cancelling every session of a week leaves an empty week, numbered as before."""
        edited = example()
        for session in example().weeks[0].sessions:
            edited = cancel_session(edited, session.date)
        assert edited.weeks[0] == Week(number=1, sessions=())
        assert edited.weeks[1].sessions[0].number == 1

    def test_an_unknown_date_is_named(self):
        """Cancelling on a date without a session raises a ProgramError naming the date."""
        with pytest.raises(ProgramError, match="no session on Sun 2027-01-10"):
            cancel_session(example(), dt.date(2027, 1, 10))

    @given(st.sampled_from(sessions()))
    def test_earlier_weeks_never_break_and_later_ones_only_by_their_lessons(self, item):
        """For any session of the example, cancelling it breaks nothing in earlier weeks,
        and anything it breaks in later weeks is a track's lesson sequence."""
        week, session = item
        for rule, where, _ in broken(cancel_session(example(), session.date)):
            if where is not None:
                assert where >= week, rule
            if where != week:
                assert is_track_rule(rule) or (where is None and rule.startswith("require[")), rule

    @given(st.sampled_from(sessions()))
    def test_a_session_without_lessons_breaks_only_its_week(self, item):
        """For any session of the example that holds no track lesson and nothing counted
        over the whole program, cancelling it and validating reports violations only in
        that session's week, the weekly minutes among them."""
        week, session = item
        per_program = [r.selector for r in example().program.require if r.per is Per.PROGRAM]
        assume(not any(b.track for b in session.blocks))
        assume(not any(s.matches(b) for s in per_program for b in session.blocks))
        found = broken(cancel_session(example(), session.date))
        assert found
        assert {where for _, where, _ in found} == {week}
        assert ("weekly_minutes", week, None) in found

    @given(st.sampled_from(sessions()))
    def test_cancelling_a_regular_session_is_a_calendar_violation(self, item):
        """For any session on a program day (not a make-up), cancelling it is reported by
        the calendar at its week."""
        week, session = item
        assume(session.replaces is None)
        assert ("calendar", week, None) in broken(cancel_session(example(), session.date))


def test_edits_return_new_frozen_curricula():
    """Every edit returns a curriculum of frozen blocks, never the one it was given."""
    for edited in (
        replace_activity(example(), MONDAY, "process-group", "expressive-arts"),
        move_session(example(), MONDAY, "2027-01-06"),
        cancel_session(example(), MONDAY),
    ):
        assert isinstance(edited, Curriculum)
        assert edited is not example()
        block = edited.weeks[0].sessions[0].blocks[0]
        assert isinstance(block, Block)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            block.minutes = 1  # type: ignore[misc]
