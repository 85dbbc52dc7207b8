"""Journeys: what one patient attends, as JSON (``journey/1``), Markdown, HTML,
iCalendar and an HL7 FHIR R5 ``CarePlan``.

Each function takes the curriculum and a journey of it (from
``journey(curriculum, admitted)``): the curriculum names the program, its clock times,
rooms and titles, the journey says which sessions and sittings the patient attends.

A patient attends, in each session of their stay: the groups before it that are for
their week of the stay, the group beside it that is for that week (or else its main
blocks), then the groups after it. Each export shows these *sittings* in time order,
with clock times; the JSON names the group of each block.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from iopkit._checks import READ_CURRICULUM, expect, expect_one_of
from iopkit._session import SessionGroup
from iopkit._words import duration, plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._journey import Journey, PatientWeek, Visit, VisitBlock
from iopkit.curriculum._program import describe_phase
from iopkit.errors import ExportError
from iopkit.export._common import (
    DISCLAIMER,
    PLACES,
    Names,
    clock,
    day,
    group_title,
    held_break,
    one_line,
    service,
    span,
    when,
    who,
)
from iopkit.export._fhir import DEFAULT_BASE, _content_version, canonical, fhir_id
from iopkit.export._html import _PAGE, CSS, DOT, NONE_COLOUR, PALETTE, Paper
from iopkit.export._ics import _calendar, _event, _footer, _program_key, _Settings, slot
from iopkit.export._markdown import text as md

if TYPE_CHECKING:
    import icalendar

#: The format of the JSON form, as its ``iopkit`` key says.
JOURNEY_FORMAT = "journey/1"


# -- what the exports share -----------------------------------------------------------------


class Part(NamedTuple):
    """One sitting of a visit as the patient attends it: the blocks of one group, or of
    the session's main blocks.

    Attributes:
        group: The group, or ``None`` for the main blocks.
        blocks: Its blocks, each with its start from the session's main blocks.
    """

    group: SessionGroup | None
    blocks: tuple[VisitBlock, ...]

    @property
    def start(self) -> int:
        """Its first minute, from the start of the session's main blocks."""
        return self.blocks[0].start

    @property
    def end(self) -> int:
        """Its last minute, from the start of the session's main blocks."""
        return self.blocks[-1].start + self.blocks[-1].block.minutes

    @property
    def name(self) -> str:
        """``"main"`` or the group's name."""
        return "main" if self.group is None else self.group.name

    @property
    def service_minutes(self) -> int:
        """Its service minutes (breaks excluded)."""
        return sum(v.block.service_minutes for v in self.blocks)


def parts(visit: Visit) -> list[Part]:
    """The sittings of a visit in time order: runs of blocks of one group (or of the
    main blocks)."""
    groups = {g.name: g for g in visit.session.groups}
    found: list[Part] = []
    for item in visit.blocks:
        if found and found[-1].name == (item.group or "main"):
            last = found[-1]
            found[-1] = Part(last.group, (*last.blocks, item))
        else:
            found.append(Part(groups.get(item.group or ""), (item,)))
    return found


def _check(curriculum: Curriculum, journey: Journey, function: str) -> None:
    """Refuse arguments of the wrong kind, and a journey that is not one of this
    curriculum's."""
    expect(curriculum, Curriculum, f"{function}() takes the Curriculum first", READ_CURRICULUM)
    expect(
        journey,
        Journey,
        f"{function}() takes a Journey second",
        "; make one with journey(curriculum, admitted)",
    )
    sessions = {s.number: s for _, s in curriculum.sessions()}
    for _, visit in journey.visits():
        if sessions.get(visit.session.number) != visit.session:
            raise ExportError(
                f"the journey of {journey.who()} is not one of this curriculum's: its "
                f"session {visit.session.number} differs"
            )


def _week_dates(curriculum: Curriculum, week: PatientWeek) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a week of the stay, when the curriculum has dates."""
    start = curriculum.program.start
    if start is None:
        return None
    first = start + dt.timedelta(weeks=week.week - 1 + week.run * len(curriculum.weeks))
    return first, first + dt.timedelta(days=6)


def _visit_when(visit: Visit) -> str:
    """A visit's day in words: ``"Mon 2027-01-04"`` (with the make-up note), its
    run-adjusted date in a cycle, ``"Mon"`` without dates."""
    session = visit.session
    if visit.date is None or visit.date == session.date:
        return when(session)
    return day(visit.date)


def _part_title(part: Part) -> str:
    """``"Main session"`` or the group's title."""
    return "Main session" if part.group is None else group_title(part.group)


def _where(part: Part) -> str:
    """Which sitting it is and where it meets: the group's title and room, or
    ``"Main session"``."""
    if part.group is None:
        return "Main session"
    room = f", {one_line(part.group.room)}" if part.group.room else ""
    return f"{group_title(part.group)}{room}"


def _attended_groups(journey: Journey) -> list[SessionGroup]:
    """Each group the patient attends once, in the order first met."""
    seen: dict[str, SessionGroup] = {}
    for _, visit in journey.visits():
        for part in parts(visit):
            if part.group is not None:
                seen.setdefault(part.group.name, part.group)
    return list(seen.values())


def _total(journey: Journey) -> int:
    return sum(w.service_minutes for w in journey.weeks)


def _sessions(journey: Journey) -> int:
    return sum(len(w.visits) for w in journey.weeks)


def _title(curriculum: Curriculum, journey: Journey) -> str:
    return f"{one_line(curriculum.program.name)}: schedule of {journey.who()}"


def _facts(curriculum: Curriculum, journey: Journey) -> list[tuple[str, str]]:
    program = curriculum.program
    first = journey.weeks[0].visits[0] if journey.weeks and journey.weeks[0].visits else None
    admitted = _visit_when(first) if first is not None else f"week {journey.admitted_week}"
    rows = [
        ("Clinic", one_line(program.clinic) if program.clinic else ""),
        ("Location", one_line(program.location) if program.location else ""),
        (
            "Admitted",
            f"{admitted} (week {journey.admitted_week}, session {journey.admitted_session})",
        ),
        ("Stay", plural(journey.stay, "week")),
        (
            "Sessions",
            f"{plural(_sessions(journey), 'session')}, {service(_total(journey))} "
            f"(breaks excluded), from {program.start_time}"
            + (f" ({program.timezone})" if program.timezone else ""),
        ),
    ]
    return [(label, value) for label, value in rows if value]


def _week_heading(curriculum: Curriculum, week: PatientWeek) -> str:
    dates = _week_dates(curriculum, week)
    when_ = f": {day(dates[0])} to {day(dates[1])}" if dates else ""
    return f"Week {week.number} of the stay{when_}"


def _week_note(curriculum: Curriculum, week: PatientWeek) -> str:
    run = f", run {week.run + 1} of the cycle" if curriculum.program.cycle else ""
    joined = " The patient joins after the week's first session." if week.partial else ""
    return (
        f"Curriculum week {week.week}{run}: {plural(len(week.visits), 'session')}, "
        f"{service(week.service_minutes)} (breaks excluded).{joined}"
    )


# -- JSON -----------------------------------------------------------------------------------


def _pause_document(curriculum: Curriculum, item: VisitBlock) -> dict[str, Any]:
    pause = item.block.pause
    if pause is None:  # pragma: no cover - called for blocks that hold a break
        raise ValueError("the block holds no break")
    first = item.start + pause.at
    return {
        "start": clock(curriculum, first),
        "end": clock(curriculum, first + pause.minutes),
        "minutes": pause.minutes,
        "activity": pause.activity,
        "title": pause.title,
    }


def _block_document(curriculum: Curriculum, item: VisitBlock) -> dict[str, Any]:
    block = item.block
    return {
        "start": clock(curriculum, item.start),
        "end": clock(curriculum, item.start + block.minutes),
        "minutes": block.minutes,
        **({"break_inside": _pause_document(curriculum, item)} if block.pause else {}),
        "activity": block.activity,
        "title": block.title,
        "kind": block.kind.value,
        "format": block.format.value,
        "modality": block.modality,
        "module": block.module,
        "lesson": block.lesson,
        "track": block.track,
        "group": item.group,
        "objectives": list(block.objectives),
    }


def _visit_document(curriculum: Curriculum, visit: Visit) -> dict[str, Any]:
    session = visit.session
    first = visit.blocks[0].start
    last = visit.blocks[-1].start + visit.blocks[-1].block.minutes
    return {
        "number": session.number,
        "date": visit.date.isoformat() if visit.date else None,
        "day": session.day.value,
        "replaces": session.replaces.isoformat() if session.replaces else None,
        "start": clock(curriculum, first),
        "end": clock(curriculum, last),
        "service_minutes": visit.service_minutes,
        "blocks": [_block_document(curriculum, item) for item in visit.blocks],
    }


def journey_document(curriculum: Curriculum, journey: Journey) -> dict[str, Any]:
    """The JSON document of a journey (``iopkit: journey/1``), as a dict."""
    _check(curriculum, journey, "journey_json")
    program = curriculum.program
    groups = []
    for group in _attended_groups(journey):
        definition = program.group(group.name)
        groups.append(
            {
                "name": group.name,
                "title": group.title,
                "place": group.place.value,
                "room": group.room,
                "patient_weeks": describe_phase(
                    definition.patient_weeks if definition is not None else None
                ),
            }
        )
    return {
        "iopkit": JOURNEY_FORMAT,
        "program": {
            "name": program.name,
            "start_time": program.start_time,
            "timezone": program.timezone,
            "clinic": program.clinic,
            "location": program.location,
            "weeks": len(curriculum.weeks),
            "cycle": program.cycle,
        },
        "admitted": {
            "week": journey.admitted_week,
            "session": journey.admitted_session,
            "date": journey.admitted_date.isoformat() if journey.admitted_date else None,
        },
        "stay": journey.stay,
        "closed": journey.closed,
        "service_minutes": _total(journey),
        "groups": groups,
        "weeks": [
            {
                "number": week.number,
                "week": week.week,
                "run": week.run,
                "partial": week.partial,
                "service_minutes": week.service_minutes,
                "sessions": [_visit_document(curriculum, v) for v in week.visits],
            }
            for week in journey.weeks
        ],
    }


def journey_json(curriculum: Curriculum, journey: Journey) -> str:
    """A journey as JSON text (``iopkit: journey/1``; its JSON Schema is
    ``iopkit.schema("journey")``): the program, the admission, the stay, the groups the
    patient attends, then each week of the stay with its sessions and, in each, the
    blocks the patient attends in time order, with clock times (``"HH:MM"``) and the
    group each belongs to (``null`` for main blocks). The same journey always gives the
    same text, byte for byte.

    Args:
        curriculum: The curriculum.
        journey: A journey of it, from ``journey(curriculum, admitted)``.
    """
    document = journey_document(curriculum, journey)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- Markdown -------------------------------------------------------------------------------


def journey_markdown(curriculum: Curriculum, journey: Journey) -> str:
    """A patient's schedule in Markdown (CommonMark with GitHub tables): a header with
    the program, the admission and the stay, then each week of the stay with its dates
    and each session with a row per block: clock times, length, activity, lesson, and
    where it meets (the main session, or the group and its room).

    Args:
        curriculum: The curriculum.
        journey: A journey of it, from ``journey(curriculum, admitted)``.
    """
    _check(curriculum, journey, "journey_markdown")
    names = Names(curriculum)
    lines = [f"# {md(_title(curriculum, journey))}", ""]
    lines += [f"- {label}: {md(value)}" for label, value in _facts(curriculum, journey)]
    lines += ["", f"> {DISCLAIMER}", ""]
    attended = _attended_groups(journey)
    if attended:
        lines += ["## Groups", ""]
        for group in attended:
            facts = [PLACES[group.place]]
            if group.room:
                facts.append(one_line(group.room))
            attends = who(curriculum, group)
            if attends:
                facts.append(attends)
            lines.append(f"- **{md(group_title(group))}**: {md(', '.join(facts))}")
        lines.append("")
    for week in journey.weeks:
        lines += [f"## {_week_heading(curriculum, week)}", "", _week_note(curriculum, week), ""]
        for visit in week.visits:
            first = visit.blocks[0].start
            last = visit.blocks[-1].start + visit.blocks[-1].block.minutes
            lines += [
                (
                    f"### {md(_visit_when(visit))}, {span(curriculum, first, last)} "
                    f"(session {visit.session.number})"
                ),
                "",
                "| Time | Length | Activity | Lesson | Where |",
                "| --- | ---: | --- | --- | --- |",
            ]
            for part in parts(visit):
                where = _where(part)
                for item in part.blocks:
                    block = item.block
                    lines.append(
                        f"| {span(curriculum, item.start, item.start + block.minutes)} "
                        f"| {duration(block.minutes)} "
                        f"| {md(block.title + held_break(curriculum, item.start, block))} "
                        f"| {md(names.lesson(block))} | {md(where)} |"
                    )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- HTML -----------------------------------------------------------------------------------

_JOURNEY_CSS = """
section.stay-week { margin-top: .6rem; }
table.visit .num { width: 5.4rem; }
table.visit tr.sitting th { background: #eee; font-weight: 600; }
@media print { section.stay-week h2 { break-after: avoid; } }
"""


def _colours(journey: Journey) -> dict[str, str]:
    found = sorted(
        {i.block.modality for _, v in journey.visits() for i in v.blocks if i.block.modality}
    )
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(found)}


def _visit_html(
    curriculum: Curriculum, visit: Visit, colours: dict[str, str], names: Names, anchor: str
) -> str:
    """One visit: a heading with its day and times, then a row group per sitting (headed
    by where it meets) with a row per block."""
    first = visit.blocks[0].start
    last = visit.blocks[-1].start + visit.blocks[-1].block.minutes
    groups = []
    for part in parts(visit):
        where = escape(_where(part))
        times = span(curriculum, part.start, part.end)
        rows = [f'<tr class="sitting"><th scope="rowgroup" colspan="3">{where}, {times}</th></tr>']
        for item in part.blocks:
            block = item.block
            lesson = names.lesson(block)
            held = held_break(curriculum, item.start, block)
            title = (
                escape(one_line(block.title))
                + (f'<span class="lesson">{escape(held)}</span>' if held else "")
                + (f'<span class="lesson">{DOT}{escape(lesson)}</span>' if lesson else "")
            )
            time = (
                f'<td class="time">{span(curriculum, item.start, item.start + block.minutes)}</td>'
            )
            length = f'<td class="num">{duration(block.minutes)}</td>'
            if block.is_break:
                rows.append(
                    f'<tr class="break">{time}<th scope="row">{title} (not a service)</th>'
                    f"{length}</tr>"
                )
                continue
            colour = colours.get(block.modality or "", NONE_COLOUR)
            modality = escape(names.modality(block.modality) or "none")
            rows.append(
                f'<tr>{time}<th scope="row" style="background:{colour}">{title}'
                f'<span class="sub">{modality}</span></th>{length}</tr>'
            )
        groups.append("<tbody>" + "".join(rows) + "</tbody>")
    return (
        f'<article class="session" id="{anchor}" aria-labelledby="{anchor}-title">'
        f'<h3 id="{anchor}-title">{escape(_visit_when(visit))}, {span(curriculum, first, last)} '
        f"<small>(session {visit.session.number}, {service(visit.service_minutes)})</small></h3>"
        '<table class="session visit"><thead><tr><th scope="col" class="time">Time</th>'
        '<th scope="col">Activity</th><th scope="col" class="num">Length</th></tr></thead>'
        + "".join(groups)
        + "</table></article>"
    )


def journey_html(curriculum: Curriculum, journey: Journey, *, paper: Paper | None = None) -> str:
    """A patient's schedule as one printable, self-contained HTML page, in the look of
    :func:`~iopkit.export.to_html` (inline CSS; no script, no link): a header with the
    program, the admission, the stay and the groups the patient attends, then each week
    of the stay with its dates and each session with a row per block (clock times,
    activity, lesson, modality, length, and where it meets). Printed, no session is
    split across pages.

    Args:
        curriculum: The curriculum.
        journey: A journey of it, from ``journey(curriculum, admitted)``.
        paper: ``"letter"`` or ``"a4"`` to fix the paper size in the page's print
            style; ``None`` leaves it to the printer.
    """
    _check(curriculum, journey, "journey_html")
    expect_one_of(paper, _PAGE, "paper")
    names = Names(curriculum)
    colours = _colours(journey)
    title = _title(curriculum, journey)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_PAGE[paper]}{CSS}{_JOURNEY_CSS}</style></head><body>",
        "<main>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        '<dl class="facts">'
        + "".join(
            f"<dt>{label}</dt><dd>{escape(value)}</dd>"
            for label, value in _facts(curriculum, journey)
        )
        + "</dl>",
        f'<p class="note">{escape(DISCLAIMER)}</p>',
    ]
    attended = _attended_groups(journey)
    if attended:
        items = []
        for group in attended:
            facts = [PLACES[group.place]]
            if group.room:
                facts.append(one_line(group.room))
            attends = who(curriculum, group)
            if attends:
                facts.append(attends)
            items.append(
                f"<li><strong>{escape(group_title(group))}</strong>: "
                f"{escape(', '.join(facts))}</li>"
            )
        out.append(
            '<section aria-labelledby="groups"><h2 id="groups">Groups</h2>'
            f'<ul class="groups">{"".join(items)}</ul></section>'
        )
    out.append("</header>")
    for week in journey.weeks:
        anchor = f"stay-week-{week.number}"
        out.append(
            f'<section class="stay-week" aria-labelledby="{anchor}">'
            f'<h2 id="{anchor}">{escape(_week_heading(curriculum, week))}</h2>'
            f"<p>{escape(_week_note(curriculum, week))}</p>"
        )
        if not week.visits:
            out.append("<p>No sessions this week.</p>")
        out += [
            _visit_html(curriculum, visit, colours, names, f"{anchor}-visit-{index}")
            for index, visit in enumerate(week.visits, start=1)
        ]
        out.append("</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


# -- iCalendar ------------------------------------------------------------------------------


def journey_uid(
    curriculum: Curriculum, journey: Journey, week: PatientWeek, visit: Visit, part: Part
) -> str:
    """The UID of the event of one sitting of a patient's visit: the program, the
    admission point, the session's slot (curriculum week and weekday, and the run of a
    cycle) and the sitting (``main`` or the group's name)."""
    first = journey.weeks[0] if journey.weeks else week
    admitted = first.visits[0].session if first.visits else visit.session
    admission = f"a{journey.admitted_week}-{slot(admitted).value}"
    if first.run:
        admission += f"-r{first.run}"
    where = f"w{week.week}-{slot(visit.session).value}" + (f"-r{week.run}" if week.run else "")
    return f"{_program_key(curriculum)}-{admission}-{where}-{part.name}@iopkit"


def _part_event(
    settings: _Settings, journey: Journey, week: PatientWeek, visit: Visit, part: Part
) -> icalendar.Event:
    curriculum = settings.curriculum
    date = visit.date
    if date is None:  # pragma: no cover - every visit has a date when the program starts
        raise ExportError(f"session {visit.session.number} has no date")
    room = part.group.room if part.group is not None else None
    event = _event(settings, journey_uid(curriculum, journey, week, visit, part), room)
    name = one_line(curriculum.program.name)
    what = f"session {visit.session.number}" if part.group is None else f"{group_title(part.group)}"
    event.add("summary", f"{name}: {what}, week {week.number} of the stay")
    event.add("dtstart", settings.at(date, part.start))
    event.add("dtend", settings.at(date, part.end))
    event.add("status", "CONFIRMED")
    lines = [f"{_visit_when(visit)}, {span(curriculum, part.start, part.end)}", ""]
    for item in part.blocks:
        lesson = settings.names.lesson(item.block)
        lines.append(
            f"{span(curriculum, item.start, item.start + item.block.minutes)} "
            f"{one_line(item.block.title)}{held_break(curriculum, item.start, item.block)} "
            f"({duration(item.block.minutes)})" + (f", {lesson}" if lesson else "")
        )
    lines.append("")
    if part.group is not None:
        facts = [f"{_part_title(part)} meets {PLACES[part.group.place]}"]
        if part.group.room:
            facts.append(f"in {one_line(part.group.room)}")
        lines.append(" ".join(facts) + ".")
    lines.append(
        f"{duration(part.end - part.start)}, {service(part.service_minutes)}. "
        f"Week {week.number} of a stay of {plural(journey.stay, 'week')}."
    )
    event.add("description", "\n".join([*lines, *_footer(curriculum)]))
    return event


def _journey_events(settings: _Settings, journey: Journey) -> list[icalendar.Event]:
    events = [
        _part_event(settings, journey, week, visit, part)
        for week in journey.weeks
        for visit in week.visits
        for part in parts(visit)
    ]
    return sorted(events, key=lambda e: (e.decoded("dtstart").isoformat(), str(e["uid"])))


def journey_ics(
    curriculum: Curriculum,
    journey: Journey,
    *,
    revision: int = 0,
    stamp: dt.datetime | None = None,
) -> bytes:
    """A patient's schedule as an iCalendar file: one VEVENT per sitting the patient
    attends (a group before the session, the main blocks or the group beside them, a
    group after it), each dated (in a cycle, later runs are dated later), with its own
    times and ``LOCATION`` (the group's room, else the program's location).

    UIDs name the program, the admission point, the session's slot and the sitting, so
    a file exported again for the same patient updates the same events; ``SEQUENCE``,
    ``DTSTAMP`` and time zones follow :func:`~iopkit.export.to_ics`.

    Args:
        curriculum: The curriculum; its program needs a start date.
        journey: A journey of it, from ``journey(curriculum, admitted)``.
        revision: Added to every event's SEQUENCE.
        stamp: The DTSTAMP of every event (time-zone aware); by default 00:00 UTC on
            the program's start date.

    Raises:
        ExportError: the program has no start date, so sessions have no dates.
    """
    import icalendar

    _check(curriculum, journey, "journey_ics")
    expect(stamp, (dt.datetime, type(None)), "stamp must be a datetime with a time zone, or None")
    settings = _Settings(curriculum, revision, stamp)
    calendar = _calendar(settings, _journey_events(settings, journey))
    # X- properties are not escaped by default: give the name as TEXT
    calendar["x-wr-calname"] = icalendar.vText(one_line(_title(curriculum, journey)))
    data: bytes = calendar.to_ical()
    return data


def journey_ics_objects(
    curriculum: Curriculum,
    journey: Journey,
    *,
    revision: int = 0,
    stamp: dt.datetime | None = None,
) -> dict[str, bytes]:
    """The events of :func:`journey_ics` one by one, as CalDAV stores them: a complete
    calendar per event (with its VTIMEZONE), keyed by UID, in time order.

    Raises:
        ExportError: the program has no start date, so sessions have no dates.
    """
    _check(curriculum, journey, "journey_ics_objects")
    expect(stamp, (dt.datetime, type(None)), "stamp must be a datetime with a time zone, or None")
    settings = _Settings(curriculum, revision, stamp)
    return {
        str(event["uid"]): _calendar(settings, [event]).to_ical()
        for event in _journey_events(settings, journey)
    }


# -- FHIR -----------------------------------------------------------------------------------


def _occurrence(curriculum: Curriculum, visit: Visit) -> dict[str, Any]:
    first = visit.blocks[0].start
    last = visit.blocks[-1].start + visit.blocks[-1].block.minutes
    timing: dict[str, Any] = {
        "repeat": {
            "count": 1,
            "duration": last - first,
            "durationUnit": "min",
            "timeOfDay": [f"{clock(curriculum, first)}:00"],
        }
    }
    if visit.date is not None:
        timing["event"] = [visit.date.isoformat()]
    else:
        timing["repeat"]["dayOfWeek"] = [visit.session.day.value]
    return timing


def journey_fhir(
    curriculum: Curriculum,
    journey: Journey,
    *,
    base: str = DEFAULT_BASE,
    version: str | None = None,
    patient: str | None = None,
) -> dict[str, Any]:
    """A patient's schedule as an HL7 FHIR R5 ``CarePlan`` (a JSON-ready dict).

    The plan ``instantiatesCanonical`` the program's ``PlanDefinition`` (the canonical
    URL and version :func:`~iopkit.export.to_fhir` gives it with the same ``base`` and
    ``version``). Its activities are the patient's sessions in order, each a contained
    ``ServiceRequest`` with its date and clock time (``occurrenceTiming``: ``event`` is
    the date, ``repeat.timeOfDay`` the time of the patient's first block and
    ``repeat.duration`` their minutes in the session), the rooms as ``location`` and the
    blocks, with the group each belongs to, in ``patientInstruction``.

    Args:
        curriculum: The curriculum.
        journey: A journey of it, from ``journey(curriculum, admitted)``.
        base: The canonical base of the PlanDefinition (as for ``to_fhir``).
        version: The PlanDefinition's version; by default the curriculum's content hash.
        patient: A reference to the patient (``"Patient/123"``); by default the subject
            is named in words only.
    """
    _check(curriculum, journey, "journey_fhir")
    expect(base, str, "base must be a text (a URL)")
    expect(version, (str, type(None)), "version must be a text or None")
    expect(patient, (str, type(None)), "patient must be a reference such as 'Patient/123', or None")
    program = curriculum.program
    admitted = (
        journey.admitted_date.isoformat()
        if journey.admitted_date is not None
        else f"w{journey.admitted_week}"
    )
    names = Names(curriculum)
    plan_id = fhir_id(program.name)
    url = f"{canonical(base, 'PlanDefinition', plan_id)}|{version or _content_version(curriculum)}"
    subject: dict[str, Any] = {"display": journey.who()}
    if patient is not None:
        subject["reference"] = patient
    contained = []
    activities = []
    index = 0
    for week in journey.weeks:
        for visit in week.visits:
            index += 1
            found = parts(visit)
            rooms = [one_line(p.group.room) for p in found if p.group is not None and p.group.room]
            if any(p.group is None for p in found) and program.location:
                rooms.insert(0, one_line(program.location))
            lines = []
            for part in found:
                where = "" if part.group is None else f" ({md(_where(part))})"
                for item in part.blocks:
                    lesson = names.lesson(item.block)
                    lines.append(
                        f"- {span(curriculum, item.start, item.start + item.block.minutes)} "
                        f"{md(item.block.title + held_break(curriculum, item.start, item.block))}"
                        + (f", {md(lesson)}" if lesson else "")
                        + where
                    )
            label = (
                f"Session {visit.session.number}, {_visit_when(visit)}, week {week.number} "
                "of the stay"
            )
            request: dict[str, Any] = {
                "resourceType": "ServiceRequest",
                "id": f"visit-{index}",
                "instantiatesCanonical": [url],
                "status": "draft",
                "intent": "plan",
                "code": {"concept": {"text": label}},
                "subject": subject,
                "occurrenceTiming": _occurrence(curriculum, visit),
                "patientInstruction": [{"instructionMarkdown": "\n".join(lines)}],
            }
            if rooms:
                request["location"] = [{"concept": {"text": r}} for r in dict.fromkeys(rooms)]
            contained.append(request)
            activities.append(
                {"plannedActivityReference": {"reference": f"#visit-{index}", "display": label}}
            )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": fhir_id(f"{plan_id}-{admitted}-{journey.stay}w"),
        "contained": contained,
        "instantiatesCanonical": [url],
        "status": "draft",
        "intent": "plan",
        "title": _title(curriculum, journey),
        "description": md(
            f"The sessions of {journey.who()}, staying {plural(journey.stay, 'week')}: "
            f"{plural(_sessions(journey), 'session')}, {service(_total(journey))}. "
            f"Times are the clinic's clock"
            + (f" ({program.timezone})" if program.timezone else "")
            + f". {DISCLAIMER}"
        ),
        "subject": subject,
        "activity": activities,
    }
    dates = [v.date for _, v in journey.visits() if v.date is not None]
    if dates:
        resource["period"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    return resource


def journey_fhir_json(
    curriculum: Curriculum,
    journey: Journey,
    *,
    base: str = DEFAULT_BASE,
    version: str | None = None,
    patient: str | None = None,
) -> str:
    """:func:`journey_fhir` as indented JSON text."""
    resource = journey_fhir(curriculum, journey, base=base, version=version, patient=patient)
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
