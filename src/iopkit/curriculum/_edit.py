"""Editing a curriculum one change at a time: each helper returns a new curriculum (the
objects are frozen), so that :func:`~iopkit.curriculum.validate` can report exactly what
the change broke.

The helpers change only what they are asked to: they do not repair what the change
breaks (a cancelled session leaves its week short, a replaced mindfulness practice leaves
its session without one). That is the validator's to report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NoReturn

import attrs

from iopkit._activity import Activity
from iopkit._session import Block, Session
from iopkit._types import Range, Weekday
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._resolve import program_catalog
from iopkit.errors import Problem, ProgramError, excerpt


def replace_activity(
    curriculum: Curriculum,
    date: dt.date | str,
    old: str,
    new: str,
    *,
    which: int | None = None,
) -> Curriculum:
    """The curriculum with the block of activity ``old`` on ``date`` replaced by activity
    ``new`` (from the curriculum's catalog), lasting as long as the catalog allows.

    The new block starts where the old one did. It keeps the old block's length when the
    new activity allows it, and otherwise takes the nearest length the activity allows
    (on the program's time grid when it can); the blocks after it move so that the
    session's blocks stay back to back. A break inside the old block stays inside the new
    one when the new activity may hold a break (``break_inside``); otherwise it goes with
    the old block (:func:`validate` then says what that breaks). A lesson replaced by a
    stand-alone activity loses its module, lesson and track; a lesson replaced by another
    lesson of a module the old block's track teaches stays in that track.

    Args:
        curriculum: The curriculum to change (it is not modified).
        date: The session's date, as a :class:`datetime.date` or ``"2027-01-04"``.
        old: The id of the activity to replace.
        new: The id of the activity that replaces it, from
            :func:`~iopkit.curriculum.program_catalog` of the curriculum's program.
        which: When ``old`` occurs more than once in the session (a break, say), which
            occurrence to replace, from 1.

    Returns:
        A new curriculum.

    Raises:
        ProgramError: no session on that date, no block of ``old`` in it (or more than
            one and ``which`` not given), or no activity ``new`` in the catalog.
    """
    _check_curriculum(curriculum)
    when = _date(date, "date")
    for name, value in (("old", old), ("new", new)):
        if not isinstance(value, str):
            _fail(
                f"{name} must be an activity id such as 'process-group' (got {excerpt(value)})",
                name,
            )
    catalog = program_catalog(curriculum.program)
    try:
        activity = catalog.activity(new)
    except KeyError as exc:
        _fail(f"cannot replace {excerpt(old)} by {excerpt(new)}: {exc.args[0]}", "new")
    week_index, session_index = _find(curriculum, when)
    session = curriculum.weeks[week_index].sessions[session_index]
    index = _block_index(session, old, which)
    previous = session.blocks[index]
    lesson = catalog.lesson_of(activity.id)
    module, number = lesson if lesson is not None else (None, None)
    track = (
        previous.track
        if module is not None and _teaches(curriculum, previous.track, module)
        else None
    )
    grid = curriculum.program.session.grid
    old_length = previous.minutes if previous.is_break else previous.service_minutes
    service = _length(old_length, activity, grid)
    pause = previous.pause
    if pause is not None and activity.break_inside and service >= 2 * grid:
        # the break stays inside, where it was if the new activity is long enough, else
        # in its middle (on the grid)
        at = pause.at if pause.at < service else service // 2 // grid * grid
        pause = attrs.evolve(pause, at=at)
    else:
        pause = None
    block = Block.of(
        activity,
        start=previous.start,
        minutes=service + (pause.minutes if pause is not None else 0),
        module=module,
        lesson=number,
        track=track,
        pause=pause,
    )
    blocks = _back_to_back((*session.blocks[:index], block, *session.blocks[index + 1 :]))
    changed = attrs.evolve(session, blocks=blocks)
    return _with_session(curriculum, week_index, session_index, changed)


def move_session(curriculum: Curriculum, date: dt.date | str, to: dt.date | str) -> Curriculum:
    """The curriculum with the session on ``date`` moved to the date ``to``.

    The session keeps its blocks and takes the new date and its weekday. A move to a date
    of another week moves the session into that week; sessions stay in date order and are
    numbered again from 1. A make-up session keeps the date it replaces while it stays in
    that date's week.

    Args:
        curriculum: The curriculum to change (it is not modified).
        date: The session's date, as a :class:`datetime.date` or ``"2027-01-04"``.
        to: The new date, in one of the curriculum's weeks.

    Returns:
        A new curriculum (the same one when ``to`` is ``date``).

    Raises:
        ProgramError: no session on ``date``, ``to`` already has a session, the
            program has no start date, or ``to`` falls outside the curriculum's weeks.
    """
    _check_curriculum(curriculum)
    source = _date(date, "date")
    target = _date(to, "to")
    week_index, session_index = _find(curriculum, source)
    if target == source:
        return curriculum
    session = curriculum.weeks[week_index].sessions[session_index]
    for _, other in curriculum.sessions():
        if other.date == target:
            _fail(
                f"cannot move session {session.number} to {_day(target)}: session "
                f"{other.number} is already on that date (move or cancel it first)",
                "to",
            )
    start = curriculum.program.start
    if start is None:
        _fail("the program has no start date, so the week of the new date is unknown", "to")
    last = start + dt.timedelta(weeks=len(curriculum.weeks), days=-1)
    if not start <= target <= last:
        _fail(
            f"cannot move session {session.number} to {_day(target)}: the curriculum runs "
            f"from {_day(start)} to {_day(last)}",
            "to",
        )
    target_week = (target - start).days // 7
    replaces = session.replaces
    if replaces is not None and (replaces == target or (replaces - start).days // 7 != target_week):
        replaces = None
    moved = attrs.evolve(session, date=target, day=Weekday.of(target.weekday()), replaces=replaces)
    weeks = [list(week.sessions) for week in curriculum.weeks]
    del weeks[week_index][session_index]
    weeks[target_week].append(moved)
    weeks[target_week].sort(key=lambda s: s.date or target)
    return attrs.evolve(curriculum, weeks=_renumbered(curriculum.weeks, weeks))


def cancel_session(curriculum: Curriculum, date: dt.date | str) -> Curriculum:
    """The curriculum without the session on ``date``; the sessions after it are
    numbered again so that numbers stay 1, 2, ... (the week keeps its place, possibly
    with no session).

    Args:
        curriculum: The curriculum to change (it is not modified).
        date: The session's date, as a :class:`datetime.date` or ``"2027-01-04"``.

    Returns:
        A new curriculum.

    Raises:
        ProgramError: no session on that date.
    """
    _check_curriculum(curriculum)
    week_index, session_index = _find(curriculum, _date(date, "date"))
    weeks = [list(week.sessions) for week in curriculum.weeks]
    del weeks[week_index][session_index]
    return attrs.evolve(curriculum, weeks=_renumbered(curriculum.weeks, weeks))


# -- helpers ---------------------------------------------------------------------------------


def _fail(message: str, pointer: str) -> NoReturn:
    raise ProgramError([Problem(message=message, pointer=pointer)])


def _check_curriculum(curriculum: object) -> None:
    if not isinstance(curriculum, Curriculum):
        _fail(
            f"the first argument must be a Curriculum (got {type(curriculum).__name__}); "
            "to read a file use load_curriculum(path)",
            "curriculum",
        )


def _date(value: object, name: str) -> dt.date:
    """A date from a :class:`datetime.date` (a datetime gives its date) or an ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ProgramError(
        [
            Problem(
                message=f"{name} must be a date, or an ISO date such as '2027-01-04' "
                f"(got {excerpt(value)})",
                pointer=name,
            )
        ]
    )


def _day(date: dt.date) -> str:
    """``"Mon 2027-01-04"``."""
    return f"{Weekday.of(date.weekday()).value.title()} {date.isoformat()}"


def _find(curriculum: Curriculum, date: dt.date) -> tuple[int, int]:
    """The indexes of the week and of the session (in the week) on ``date``."""
    dated: list[Session] = []
    for week_index, week in enumerate(curriculum.weeks):
        for session_index, session in enumerate(week.sessions):
            if session.date == date:
                return week_index, session_index
            if session.date is not None:
                dated.append(session)
    if not dated:
        _fail(
            f"no session on {_day(date)}: the curriculum's sessions have no dates (its program "
            "has no start date)",
            "date",
        )
    nearest = sorted(dated, key=lambda s: (abs(((s.date or date) - date).days), s.number))[:2]
    shown = " and ".join(f"{_day(s.date)} (session {s.number})" for s in nearest if s.date)
    _fail(f"no session on {_day(date)}; the nearest are {shown}", "date")


def _block_index(session: Session, old: str, which: int | None) -> int:
    """The index of the block of ``old`` to replace."""
    found = [i for i, b in enumerate(session.blocks) if b.activity == old]
    where = (
        f"session {session.number} ({_day(session.date) if session.date else session.day.value})"
    )
    if not found:
        present = ", ".join(dict.fromkeys(b.activity for b in session.blocks))
        _fail(f"no block of {excerpt(old)} in {where}; it has {present}", "old")
    if which is None:
        if len(found) > 1:
            _fail(
                f"{excerpt(old)} occurs {len(found)} times in {where}: pass which=1 to "
                f"{len(found)} to choose the one to replace",
                "which",
            )
        return found[0]
    if isinstance(which, bool) or not isinstance(which, int) or not 1 <= which <= len(found):
        _fail(
            f"which must be a whole number from 1 to {len(found)}: {excerpt(old)} occurs "
            f"{len(found)} {'time' if len(found) == 1 else 'times'} in {where} "
            f"(got {excerpt(which)})",
            "which",
        )
    return found[which - 1]


def _length(old: int, activity: Activity, grid: int) -> int:
    """The old length when the activity allows it; otherwise the nearest length it
    allows, preferring lengths on the time grid, and the shorter of two as near."""
    allowed: Range = activity.minutes
    if old in allowed:
        return old
    high = allowed.max if allowed.max is not None else allowed.min
    on_grid = [m for m in range(allowed.min, high + 1) if m % grid == 0]
    return min(on_grid or [allowed.min, high], key=lambda m: (abs(m - old), m))


def _teaches(curriculum: Curriculum, track_name: str | None, module: str) -> bool:
    """Whether the program's track of that name teaches the module."""
    return any(t.name == track_name and module in t.modules for t in curriculum.program.tracks)


def _back_to_back(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """The blocks laid one after the other from minute 0."""
    laid: list[Block] = []
    start = 0
    for block in blocks:
        laid.append(block if block.start == start else attrs.evolve(block, start=start))
        start += block.minutes
    return tuple(laid)


def _with_session(
    curriculum: Curriculum, week_index: int, session_index: int, session: Session
) -> Curriculum:
    """The curriculum with one session swapped for another of the same number."""
    week = curriculum.weeks[week_index]
    sessions = (*week.sessions[:session_index], session, *week.sessions[session_index + 1 :])
    weeks = list(curriculum.weeks)
    weeks[week_index] = attrs.evolve(week, sessions=sessions)
    return attrs.evolve(curriculum, weeks=weeks)


def _renumbered(old: Sequence[Week], sessions: Sequence[Sequence[Session]]) -> tuple[Week, ...]:
    """The weeks with these sessions, numbered 1, 2, ... across the curriculum."""
    weeks: list[Week] = []
    number = 0
    for week, items in zip(old, sessions, strict=True):
        renumbered = []
        for session in items:
            number += 1
            renumbered.append(
                session if session.number == number else attrs.evolve(session, number=number)
            )
        weeks.append(attrs.evolve(week, sessions=tuple(renumbered)))
    return tuple(weeks)
