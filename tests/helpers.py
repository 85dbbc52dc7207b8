"""Small builders for hand-made curricula in tests."""

from __future__ import annotations

import datetime as dt

import attrs

from iopkit import Activity, Block, Catalog, Range, Session
from iopkit.curriculum import Curriculum, Week


def restart(blocks):  # type: ignore[no-untyped-def]
    """The blocks laid back to back from minute 0."""
    start = 0
    result = []
    for block in blocks:
        result.append(attrs.evolve(block, start=start))
        start += block.minutes
    return tuple(result)


def replace_session(curriculum: Curriculum, number: int, **changes) -> Curriculum:  # type: ignore[no-untyped-def]
    """A copy of the curriculum with one session changed (blocks re-laid)."""
    weeks = []
    for week in curriculum.weeks:
        sessions = []
        for session in week.sessions:
            if session.number == number:
                if "blocks" in changes:
                    changes["blocks"] = restart(changes["blocks"])
                sessions.append(attrs.evolve(session, **changes))
            else:
                sessions.append(session)
        weeks.append(attrs.evolve(week, sessions=tuple(sessions)))
    return attrs.evolve(curriculum, weeks=tuple(weeks))


def session_at(curriculum: Curriculum, number: int) -> tuple[Week, Session]:
    """The week and session with this number."""
    for week, session in curriculum.sessions():
        if session.number == number:
            return week, session
    raise KeyError(number)


def block(activity: str, minutes: int, kind: str = "process-group", **extra) -> Block:  # type: ignore[no-untyped-def]
    """A block of an ad-hoc activity (titled as SERVICE_CATALOG titles its services)."""
    title = f"Service {activity[4:]}" if activity.startswith("svc-") else activity
    extra.setdefault("title", title)
    return Block(start=0, minutes=minutes, activity=activity, kind=kind, **extra)


SERVICE_CATALOG = Catalog(
    activities=[
        Activity(
            id=f"svc-{i}", title=f"Service {i}", kind="process-group", minutes=Range(min=1, max=480)
        )
        for i in range(1, 6)
    ]
)


def one_session_weeks(program, minutes_per_week):  # type: ignore[no-untyped-def]
    """Weeks of one session each, holding the given service minutes (for SERVICE_CATALOG)."""
    weeks = []
    for index, minutes in enumerate(minutes_per_week, start=1):
        date = program.start + dt.timedelta(weeks=index - 1) if program.start else None
        parts = []
        left = minutes
        while left > 0:
            parts.append(block(f"svc-{len(parts) + 1}", min(left, 400)))
            left -= 400
        session = Session(number=index, day=program.days[0], date=date, blocks=restart(parts))
        weeks.append(Week(number=index, sessions=(session,)))
    return tuple(weeks)
