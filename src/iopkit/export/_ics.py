"""iCalendar (RFC 5545): one event per dated session, with stable UIDs."""

from __future__ import annotations

import datetime as dt

from iopkit.curriculum._curriculum import Curriculum
from iopkit.errors import ExportError
from iopkit.export._common import DISCLAIMER, clock, moment, slug


def to_ics(curriculum: Curriculum) -> bytes:
    """The curriculum as an iCalendar file: one VEVENT per session.

    Times are local ("floating"): the calendar shows them at the clinic's clock time.
    Each event's UID comes from the program's name, the session's number and date, so
    the same curriculum always gives the same UIDs and calendars update, not duplicate.

    Raises:
        ExportError: the program has no start date, so sessions have no dates.
    """
    import icalendar

    program = curriculum.program
    if program.start is None:
        raise ExportError(
            "the program has no start date, so its sessions have no dates for a calendar: "
            "add 'start: YYYY-MM-DD' to the program"
        )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//iopkit//iopkit curriculum//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", program.name)
    stamp = dt.datetime.combine(program.start, dt.time(), tzinfo=dt.UTC)
    name = slug(program.name)
    for week, session in curriculum.sessions():
        if session.date is None:  # pragma: no cover - dates follow from the start date
            continue
        event = icalendar.Event()
        event.add("uid", f"{name}-{session.date.isoformat()}-s{session.number}@iopkit")
        event.add("dtstamp", stamp)
        event.add("dtstart", moment(curriculum, session.date, 0))
        event.add("dtend", moment(curriculum, session.date, session.minutes))
        event.add("summary", f"{program.name}: week {week.number}, session {session.number}")
        lines = [
            f"{clock(curriculum, b.start)} {b.title} ({b.minutes} min)"
            + (f" - {b.module} lesson {b.lesson}" if b.module else "")
            for b in session.blocks
        ]
        event.add("description", "\n".join([*lines, "", DISCLAIMER]))
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
