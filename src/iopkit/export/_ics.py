"""iCalendar (RFC 5545): one event per session, with UIDs that survive recomposition.

Rules that make a re-exported calendar update the events it exported before:

- **UID**: the program and the *slot*, that is the week and the weekday a session was
  planned on (``<program>-<hash>-w3-mon@iopkit``). Neither the session's number nor its
  date is in it, so adding a closure changes no other session's UID, and a session that
  moves to a make-up day keeps the UID of the day it replaces: calendars move the event.
- **STATUS:CANCELLED**: a closed session day without a make-up session stays in the file
  as a cancelled event with its slot's UID, so a calendar that has it marks it cancelled.
- **SEQUENCE**: ``revision`` (0 unless given) plus the number of the program's closures.
  Closures are what change a published plan, and each one added can move or reshape any
  session after recomposition, so every event's SEQUENCE grows by one with each closure.
  Other changes (another start time, longer sessions) should be published with a higher
  ``revision``. The same input always gives the same file.
- **DTSTAMP**: ``stamp`` when given, else 00:00 UTC on the program's start date: derived
  from the input, never from the clock.
- **Groups**: each group sitting of a session (beside, before or after its main blocks)
  is an event of its own besides the session's, at its own times, with the group's room
  as ``LOCATION`` (the program's location when the group names no room). Its UID is the
  session's slot and the group's name (``...-w3-mon-orientation@iopkit``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from iopkit._checks import READ_CURRICULUM, expect
from iopkit._session import Session, SessionGroup
from iopkit._types import Weekday
from iopkit._words import duration
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.errors import ExportError
from iopkit.export._common import (
    DISCLAIMER,
    PLACES,
    Closure,
    Names,
    closures,
    day,
    group_title,
    held_break,
    moment,
    one_line,
    service,
    short_id,
    span,
    when,
    who,
)

if TYPE_CHECKING:
    import icalendar

PRODID = "-//iopkit//iopkit curriculum//EN"


def _program_key(curriculum: Curriculum) -> str:
    """The program's part of every UID: a slug of its name and a hash of the whole name."""
    name = curriculum.program.name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{short_id(name, 40)}-{digest}"


def uid(curriculum: Curriculum, week: int, weekday: Weekday, group: str | None = None) -> str:
    """The UID of the event for a session slot: the program, the week and the weekday
    (and the group, for the event of a group's sitting)."""
    sitting = f"-{group}" if group is not None else ""
    return f"{_program_key(curriculum)}-w{week}-{weekday.value}{sitting}@iopkit"


def slot(session: Session) -> Weekday:
    """The weekday a session was planned on: a make-up session's is the closed day's."""
    return Weekday.of(session.replaces.weekday()) if session.replaces else session.day


class _Settings:
    """What every event of one export shares."""

    def __init__(self, curriculum: Curriculum, revision: int, stamp: dt.datetime | None) -> None:
        import zoneinfo

        program = curriculum.program
        if program.start is None:
            raise ExportError(
                "the program has no start date, so its sessions have no dates for a calendar: "
                "add 'start: YYYY-MM-DD' to the program"
            )
        if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
            raise ExportError(
                f"the revision must be a whole number of 0 or more (got {revision!r})"
            )
        if stamp is not None and stamp.tzinfo is None:
            raise ExportError("the stamp must be a date and time with a time zone (UTC)")
        self.curriculum = curriculum
        self.names = Names(curriculum)
        self.start: dt.date = program.start
        self.zone = zoneinfo.ZoneInfo(program.timezone) if program.timezone else None
        self.sequence = revision + len(set(program.closures))
        self.stamp = (
            stamp.astimezone(dt.UTC)
            if stamp is not None
            else dt.datetime.combine(program.start, dt.time(), tzinfo=dt.UTC)
        )

    def at(self, date: dt.date, offset: int) -> dt.datetime:
        """The session time: zoned when the program names a time zone, else floating."""
        local = moment(self.curriculum, date, offset)
        return local.replace(tzinfo=self.zone) if self.zone is not None else local


def _event(settings: _Settings, event_uid: str, room: str | None = None) -> icalendar.Event:
    """An event with its UID, DTSTAMP and SEQUENCE, and ``room`` (else the program's
    location) as its LOCATION."""
    import icalendar

    event = icalendar.Event()
    event.add("uid", event_uid)
    event.add("dtstamp", settings.stamp)
    event.add("sequence", settings.sequence)
    location = room or settings.curriculum.program.location
    if location:
        event.add("location", one_line(location))
    return event


def _footer(curriculum: Curriculum) -> list[str]:
    program = curriculum.program
    lines = [
        f"{label}: {one_line(value)}"
        for label, value in (("Clinic", program.clinic), ("Facilitator", program.facilitator))
        if value
    ]
    return [*lines, "", DISCLAIMER]


def _session_event(settings: _Settings, week: Week, session: Session) -> icalendar.Event:
    """One session as a VEVENT: its times, its blocks in the description."""
    curriculum = settings.curriculum
    date = session.date
    if date is None:  # pragma: no cover - every session has a date when the program starts
        raise ExportError(f"session {session.number} has no date")
    event = _event(settings, uid(curriculum, week.number, slot(session)))
    name = one_line(curriculum.program.name)
    made_up = " (make-up)" if session.replaces else ""
    event.add("summary", f"{name}: week {week.number}, session {session.number}{made_up}")
    event.add("dtstart", settings.at(date, 0))
    event.add("dtend", settings.at(date, session.minutes))
    event.add("status", "CONFIRMED")
    lines = [f"{when(session)}, {span(curriculum, 0, session.minutes)}", ""]
    for block in session.blocks:
        lesson = settings.names.lesson(block)
        lines.append(
            f"{span(curriculum, block.start, block.end)} {one_line(block.title)}"
            f"{held_break(curriculum, block.start, block)} "
            f"({duration(block.minutes)})" + (f", {lesson}" if lesson else "")
        )
    lines += ["", f"{duration(session.minutes)}, {service(session.service_minutes)}."]
    for group in session.groups:
        end = group.start + group.minutes
        facts = [f"{span(curriculum, group.start, end)} {group_title(group)}"]
        facts += [one_line(group.room)] if group.room else []
        attends = who(curriculum, group)
        facts += [attends] if attends else []
        lines.append(f"Group {PLACES[group.place]}: {', '.join(facts)}.")
    event.add("description", "\n".join([*lines, *_footer(curriculum)]))
    return event


def group_lines(curriculum: Curriculum, names: Names, group: SessionGroup) -> list[str]:
    """A group sitting's blocks with clock times and lessons, then where it meets and
    who attends it: the lines of its event's description."""
    lines = []
    for block in group.blocks:
        start = group.start + block.start
        lesson = names.lesson(block)
        lines.append(
            f"{span(curriculum, start, start + block.minutes)} {one_line(block.title)}"
            f"{held_break(curriculum, start, block)} "
            f"({duration(block.minutes)})" + (f", {lesson}" if lesson else "")
        )
    facts = [f"Meets {PLACES[group.place]}" + (f" in {one_line(group.room)}" if group.room else "")]
    attends = who(curriculum, group)
    if attends:
        facts.append(attends)
    return [*lines, "", ", ".join(facts) + "."]


def _group_event(
    settings: _Settings, week: Week, session: Session, group: SessionGroup
) -> icalendar.Event:
    """One group's sitting in a session as a VEVENT: its own times, room and blocks."""
    curriculum = settings.curriculum
    date = session.date
    if date is None:  # pragma: no cover - every session has a date when the program starts
        raise ExportError(f"session {session.number} has no date")
    event = _event(settings, uid(curriculum, week.number, slot(session), group.name), group.room)
    name = one_line(curriculum.program.name)
    event.add(
        "summary",
        f"{name}: {group_title(group)}, week {week.number} "
        f"({group.place.value} session {session.number})",
    )
    end = group.start + group.minutes
    event.add("dtstart", settings.at(date, group.start))
    event.add("dtend", settings.at(date, end))
    event.add("status", "CONFIRMED")
    lines = [f"{when(session)}, {span(curriculum, group.start, end)}", ""]
    lines += group_lines(curriculum, settings.names, group)
    lines += ["", f"{duration(group.minutes)}, {service(group.service_minutes)}."]
    event.add("description", "\n".join([*lines, *_footer(curriculum)]))
    return event


def _cancelled_event(settings: _Settings, closure: Closure) -> icalendar.Event:
    """A closed session day without a make-up session: a cancelled event in its slot."""
    curriculum = settings.curriculum
    event = _event(settings, uid(curriculum, closure.week, Weekday.of(closure.date.weekday())))
    name = one_line(curriculum.program.name)
    event.add("summary", f"Closed: {name}, week {closure.week} ({day(closure.date)})")
    minutes = curriculum.program.session.minutes.min
    event.add("dtstart", settings.at(closure.date, 0))
    event.add("dtend", settings.at(closure.date, minutes))
    event.add("status", "CANCELLED")
    event.add("transp", "TRANSPARENT")
    lines = [f"{closure.describe()}.", *_footer(curriculum)]
    event.add("description", "\n".join(lines))
    return event


def _events(settings: _Settings) -> list[icalendar.Event]:
    curriculum = settings.curriculum
    events = [_session_event(settings, week, session) for week, session in curriculum.sessions()]
    events += [
        _group_event(settings, week, session, group)
        for week, session in curriculum.sessions()
        for group in session.groups
    ]
    events += [
        _cancelled_event(settings, c)
        for c in closures(curriculum)
        if c.session_day and c.moved_to is None and c.week <= len(curriculum.weeks)
    ]
    return sorted(events, key=lambda e: (e.decoded("dtstart").isoformat(), str(e["uid"])))


def _offset(zone: dt.tzinfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset() or dt.timedelta()


def _transitions(
    zone: dt.tzinfo, first: dt.date, last: dt.date
) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """``(UTC instant, offset before, offset after)`` for each change of UTC offset."""
    found = []
    instant = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last, dt.time(), tzinfo=dt.UTC)
    step = dt.timedelta(hours=6)
    while instant < end:
        before, after = _offset(zone, instant), _offset(zone, instant + step)
        if before != after:
            low, high = instant, instant + step
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset(zone, middle) == before else (low, middle)
            found.append((high.replace(second=0, microsecond=0), before, after))
        instant += step
    return found


def _utc_offset(value: dt.timedelta) -> str:
    minutes = int(value.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def vtimezone(name: str, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """A VTIMEZONE for the IANA zone ``name`` that is right from ``first`` to ``last``.

    Each change of offset in that span is an observance whose DTSTART is the local time
    just before the change, as RFC 5545 (3.6.5) asks (02:00 for the start of daylight
    time in the US); the first observance states the offset in force on ``first``.
    """
    import zoneinfo

    import icalendar

    zone = zoneinfo.ZoneInfo(name)
    timezone = icalendar.Timezone()
    timezone.add("tzid", name)
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    offset = _offset(zone, start)
    changes = [(start, offset, offset), *_transitions(zone, first, last)]
    for instant, before, after in changes:
        local = instant.astimezone(zone)
        daylight = (local.dst() or dt.timedelta()) > dt.timedelta()
        observance = icalendar.TimezoneDaylight() if daylight else icalendar.TimezoneStandard()
        observance.add("dtstart", (instant + before).replace(tzinfo=None))
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("tzname", icalendar.vText(local.tzname() or _utc_offset(after)))
        timezone.add_component(observance)
    return timezone


def _calendar(settings: _Settings, events: list[icalendar.Event]) -> icalendar.Calendar:
    import icalendar

    program = settings.curriculum.program
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # X- properties are not escaped by default: give the name as TEXT
    calendar.add("x-wr-calname", icalendar.vText(one_line(program.name)))
    if settings.zone is not None and program.timezone:
        calendar.add("x-wr-timezone", icalendar.vText(program.timezone))
        last = settings.start + dt.timedelta(weeks=len(settings.curriculum.weeks) + 1)
        calendar.add_component(
            vtimezone(
                program.timezone,
                dt.date(settings.start.year, 1, 1),
                dt.date(last.year + 1, 1, 1),
            )
        )
    for event in events:
        calendar.add_component(event)
    return calendar


def to_ics(curriculum: Curriculum, *, revision: int = 0, stamp: dt.datetime | None = None) -> bytes:
    """The curriculum as an iCalendar file: one VEVENT per session, and one per group
    sitting (beside, before or after a session's main blocks).

    With the program's ``timezone`` the times are zoned (``DTSTART;TZID=...`` and a
    VTIMEZONE); without it they are floating, shown at the clinic's clock time wherever
    the calendar is read. Each event's description lists the blocks with clock times
    and lessons; ``LOCATION`` is the program's location (for a group's event, the group's
    room when it names one). A closed session day without a
    make-up session is a cancelled event. UIDs, SEQUENCE and DTSTAMP follow the rules of
    this module's documentation, so importing an updated file updates the events.

    Args:
        curriculum: The curriculum; its program needs a start date.
        revision: Added to every event's SEQUENCE: raise it when a change other than a
            closure is published.
        stamp: The DTSTAMP of every event (a time-zone-aware time); by default 00:00 UTC
            on the program's start date.

    Raises:
        ExportError: the program has no start date, so sessions have no dates.
    """
    expect(curriculum, Curriculum, "to_ics() takes a Curriculum", READ_CURRICULUM)
    expect(stamp, (dt.datetime, type(None)), "stamp must be a datetime with a time zone, or None")
    settings = _Settings(curriculum, revision, stamp)
    data: bytes = _calendar(settings, _events(settings)).to_ical()
    return data


def to_ics_objects(
    curriculum: Curriculum, *, revision: int = 0, stamp: dt.datetime | None = None
) -> dict[str, bytes]:
    """The events of :func:`to_ics` one by one, as CalDAV stores them (RFC 4791): a
    complete calendar per event (with its VTIMEZONE), keyed by UID, in time order.

    To publish an update to a CalDAV calendar, PUT each object (at ``<UID>.ics``, say)
    and delete the server's events whose UIDs are no longer keys.

    Raises:
        ExportError: the program has no start date, so sessions have no dates.
    """
    expect(curriculum, Curriculum, "to_ics_objects() takes a Curriculum", READ_CURRICULUM)
    expect(stamp, (dt.datetime, type(None)), "stamp must be a datetime with a time zone, or None")
    settings = _Settings(curriculum, revision, stamp)
    return {
        str(event["uid"]): _calendar(settings, [event]).to_ical() for event in _events(settings)
    }
