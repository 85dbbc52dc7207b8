"""Markdown: a facilitator's schedule, week by week and session by session."""

from __future__ import annotations

import itertools
import re

from iopkit._checks import READ_CURRICULUM, expect
from iopkit._session import Session
from iopkit._types import Place
from iopkit._words import duration
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._program import describe_phase
from iopkit.export._common import (
    DISCLAIMER,
    EVERY_OTHER,
    PLACES,
    Names,
    Sitting,
    closures,
    group_facts,
    group_title,
    held_break,
    objectives,
    one_line,
    service,
    session_span,
    sittings,
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
    if program.admission is not None:
        lines.append(
            f"- Patients are {program.admission.describe()} and stay "
            f"{program.patient_stay.describe()}"
            + (f"; the {len(curriculum.weeks)} weeks repeat as a cycle" if program.cycle else "")
        )
    lines += ["", f"> {DISCLAIMER}", ""]
    if program.groups:
        lines += ["## Groups", ""]
        for group in program.groups:
            facts = [PLACES[group.place]]
            if group.days is not None:
                facts.append("on " + ", ".join(d.value.title() for d in group.days))
            if group.room:
                facts.append(group.room)
            facts.append(f"for {describe_phase(group.patient_weeks)}")
            lines.append(f"- **{text(group.label or group.name)}**: {text(', '.join(facts))}")
        lines.append("")
    found = closures(curriculum)
    if found:
        lines += ["## Closures", ""]
        lines += [f"- Week {c.week}: {c.describe()}" for c in found]
        lines.append("")
    return lines


def _table(curriculum: Curriculum, sitting: Sitting, names: Names) -> list[str]:
    """A sitting's blocks as a table: clock times, length, activity, lesson, objectives."""
    lines = [
        "| Time | Length | Activity | Lesson | Objectives |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for block in sitting.blocks:
        start = sitting.start + block.start
        lines.append(
            f"| {span(curriculum, start, start + block.minutes)} | {duration(block.minutes)} "
            f"| {text(block.title + held_break(curriculum, start, block))} "
            f"| {text(names.lesson(block))} "
            f"| {text('; '.join(objectives(block)))} |"
        )
    return [*lines, ""]


def _heading(curriculum: Curriculum, sitting: Sitting) -> str:
    """A sitting's title with its clock times and who attends it."""
    group = sitting.group
    times = span(curriculum, sitting.start, sitting.end)
    if group is None:
        return f"Main session, {times}"
    title = text(group_title(group))
    if group.place is not Place.BESIDE:
        title = f"{PLACES[group.place].capitalize()}: {title}"
    facts = group_facts(curriculum, group)
    return f"{title}, {times}" + (f" ({text('; '.join(facts))})" if facts else "")


def _columns(curriculum: Curriculum, side: list[Sitting], names: Names) -> list[str]:
    """The main blocks and the groups beside them as columns side by side, a block per
    cell in order, then each activity's objectives."""
    heads = []
    for sitting in side:
        if sitting.group is None:
            times = span(curriculum, sitting.start, sitting.end)
            heads.append(f"Main session, {times} ({EVERY_OTHER})")
        else:
            heads.append(_heading(curriculum, sitting))
    lines = ["| " + " | ".join(heads) + " |", "|" + " --- |" * len(side)]
    cells = []
    for sitting in side:
        column = []
        for block in sitting.blocks:
            start = sitting.start + block.start
            lesson = names.lesson(block)
            column.append(
                f"**{span(curriculum, start, start + block.minutes)}** "
                f"{text(block.title + held_break(curriculum, start, block))}, "
                f"{duration(block.minutes)}" + (f" \u00b7 {text(lesson)}" if lesson else "")
            )
        cells.append(column)
    for row in itertools.zip_longest(*cells, fillvalue=""):
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    seen: dict[str, str] = {}
    for sitting in side:
        for block in sitting.blocks:
            goals = objectives(block)
            if goals and block.activity not in seen:
                seen[block.activity] = f"- {text(block.title)}: {text(' '.join(goals))}"
    if seen:
        lines += ["Objectives:", "", *seen.values(), ""]
    return lines


def _session(curriculum: Curriculum, session: Session, names: Names) -> list[str]:
    """One session: a heading with its day and clock times, then a table of its blocks.
    A session with groups shows each sitting under its own heading: groups before it, the
    main blocks with the groups beside them as columns side by side, groups after it."""
    main = Sitting(None, session.blocks, 0)
    if not session.groups:
        return [
            (
                f"### Session {session.number}: {when(session)}, "
                f"{span(curriculum, 0, session.minutes)}"
            ),
            "",
            f"{duration(session.minutes)}, {service(session.service_minutes)}.",
            "",
            *_table(curriculum, main, names),
        ]
    first, last = session_span(session)
    lines = [
        f"### Session {session.number}: {when(session)}, {span(curriculum, first, last)}",
        "",
        (
            f"Main session {span(curriculum, 0, session.minutes)}: "
            f"{duration(session.minutes)}, {service(session.service_minutes)}."
        ),
        "",
    ]
    found = sittings(session)
    side = [s for s in found if s.place in {None, Place.BESIDE}]
    for sitting in found:
        if sitting.place in {Place.BEFORE, Place.AFTER} or (
            sitting.group is None and len(side) == 1
        ):
            lines += [
                f"#### {_heading(curriculum, sitting)}",
                "",
                *_table(curriculum, sitting, names),
            ]
        elif sitting.group is None:
            lines += [
                f"#### Side by side, {span(curriculum, 0, max(s.end for s in side))}",
                "",
                *_columns(curriculum, side, names),
            ]
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
    times, blocks, lessons (by module title) and objectives. A session with groups shows
    each sitting with its clock times, room and who attends it: groups before it, then a
    table whose columns are the main blocks and each group beside them, then groups
    after it. Names and titles are literal text: raw HTML, table pipes, newlines and
    other Markdown syntax in them are escaped, and control characters become spaces.
    """
    expect(curriculum, Curriculum, "to_markdown() takes a Curriculum", READ_CURRICULUM)
    names = Names(curriculum)
    lines = _header(curriculum)
    for week in curriculum.weeks:
        lines += _week(curriculum, week, names)
    return "\n".join(lines).rstrip() + "\n"
