"""Markdown: a facilitator's schedule, week by week and session by session."""

from __future__ import annotations

import re

from iopkit._session import Session
from iopkit._words import duration
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.export._common import (
    DISCLAIMER,
    Names,
    closures,
    objectives,
    one_line,
    service,
    span,
    week_closures,
    when,
)

# Characters that start Markdown syntax anywhere in a line (emphasis, code, links,
# raw HTML, entities, tables, strikethrough, headings) and the backslash itself.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&!])")
# Characters that start a block at the beginning of a line (lists, quotes, rules).
_LEADING = re.compile(r"^([-+=>]|\d+[.)])")


def text(value: str) -> str:
    """``value`` as literal Markdown text on one line: control characters become spaces
    and every character that could start Markdown syntax or raw HTML is escaped with a
    backslash, so ``<script>`` renders as text and ``|`` cannot end a table cell."""
    escaped = _SPECIAL.sub(r"\\\1", one_line(value))
    return _LEADING.sub(
        lambda m: "".join(f"\\{c}" if not c.isdigit() else c for c in m[0]), escaped
    )


def _header(curriculum: Curriculum) -> list[str]:
    program = curriculum.program
    sessions = sum(len(w.sessions) for w in curriculum.weeks)
    lines = [f"# {text(program.name)}", ""]
    for label, value in (
        ("Clinic", program.clinic),
        ("Location", program.location),
        ("Facilitator", program.facilitator),
    ):
        if value:
            lines.append(f"- {label}: {text(value)}")
    days = ", ".join(d.value.title() for d in program.days)
    start = f", from {program.start.isoformat()}" if program.start else ""
    zone = f" ({text(program.timezone)})" if program.timezone else ""
    lines.append(
        f"- {len(curriculum.weeks)} weeks, {sessions} sessions on {days}{start}, "
        f"starting at {program.start_time}{zone}"
    )
    lines += ["", f"> {DISCLAIMER}", ""]
    found = closures(curriculum)
    if found:
        lines += ["## Closures", ""]
        lines += [f"- Week {c.week}: {c.describe()}" for c in found]
        lines.append("")
    return lines


def _session(curriculum: Curriculum, session: Session, names: Names) -> list[str]:
    """One session: a heading with its day and clock times, then a table of its blocks."""
    lines = [
        f"### Session {session.number}: {when(session)}, {span(curriculum, 0, session.minutes)}",
        "",
        f"{duration(session.minutes)}, {service(session.service_minutes)}.",
        "",
        "| Time | Length | Activity | Lesson | Objectives |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for block in session.blocks:
        lines.append(
            f"| {span(curriculum, block.start, block.end)} | {duration(block.minutes)} "
            f"| {text(block.title)} | {text(names.lesson(block))} "
            f"| {text('; '.join(objectives(block)))} |"
        )
    lines.append("")
    return lines


def _week(curriculum: Curriculum, week: Week, names: Names) -> list[str]:
    lines = [f"## Week {week.number}", ""]
    lines.append(f"{len(week.sessions)} sessions, {service(week.service_minutes)}.")
    lines.append("")
    for closure in week_closures(curriculum, week):
        lines += [f"Closed: {closure.describe()}.", ""]
    if not week.sessions:
        lines += ["No sessions this week.", ""]
    for session in week.sessions:
        lines += _session(curriculum, session, names)
    return lines


def to_markdown(curriculum: Curriculum) -> str:
    """A facilitator's schedule in Markdown (CommonMark with GitHub tables).

    A header with the clinic, location and facilitator when the program names them, the
    closures, then each week with its service time and each session with its clock
    times, blocks, lessons (by module title) and objectives. Names and titles are
    literal text: raw HTML, table pipes, newlines and other Markdown syntax in them are
    escaped, and control characters become spaces.
    """
    names = Names(curriculum)
    lines = _header(curriculum)
    for week in curriculum.weeks:
        lines += _week(curriculum, week, names)
    return "\n".join(lines).rstrip() + "\n"
