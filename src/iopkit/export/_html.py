"""HTML: one self-contained, printable page (inline CSS and SVG, no scripts).

Printed, the page has a fixed layout: a cover page (the header, closures, legend and the
curriculum map), then the weeks at a glance, :data:`GLANCE_WEEKS` weeks to a page, then
one page per week with every session in detail. :func:`printed_pages` says how many pages
that is, when every week fits on its page (tables and sessions are never split; a week
whose sessions have groups beside, before and after them may need a second page).

A session with groups shows each sitting under its own heading with its clock times, room
and who attends it: groups before the session, then the main blocks and each group beside
them as columns side by side, then groups after it.
"""

from __future__ import annotations

import math
from html import escape
from typing import Literal

from iopkit._checks import READ_CURRICULUM, expect, expect_one_of
from iopkit._session import Block, Session
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
    every_service,
    group_facts,
    group_title,
    held_break,
    objectives,
    one_line,
    service,
    services,
    session_span,
    sittings,
    span,
    week_closures,
    when,
)

#: Weeks on one page of the "at a glance" grid.
GLANCE_WEEKS = 4

Paper = Literal["letter", "a4"]

# Light fills that keep dark text (#111) above 7:1 contrast; text always names the
# modality too, so the page reads without colour.
PALETTE = (
    "#dbeafe",
    "#dcfce7",
    "#fef3c7",
    "#fce7f3",
    "#ede9fe",
    "#ffedd5",
    "#cffafe",
    "#e5e7eb",
    "#fee2e2",
    "#ecfccb",
    "#e0e7ff",
    "#f5f5f4",
)
NONE_COLOUR = "#ffffff"
#: Between facts on one line.
DOT = " \u00b7 "

CSS = """
:root { color: #111; background: #fff; font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 1rem 0 .4rem; border-bottom: 2px solid #111; }
h3 { font-size: 1rem; margin: .6rem 0 .15rem; }
h3 small { font-weight: normal; }
p { margin: .3rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
p.note { border-left: 4px solid #444; padding: .3rem .6rem; background: #f4f4f4; }
p.running { font-size: .8rem; color: #333; margin: 0 0 .2rem; }
table { border-collapse: collapse; width: 100%; margin: .1rem 0 .4rem; }
caption { text-align: left; padding: .1rem 0; }
th, td { border: 1px solid #666; padding: .1rem .35rem; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.time { white-space: nowrap; width: 6.5rem; }
td.num { text-align: right; white-space: nowrap; width: 4.5rem; }
tr.break th, tr.break td { background: #f6f6f6; font-style: italic; font-weight: normal; }
.lesson, .sub { font-size: .85em; color: #333; font-weight: normal; }
.sub { display: block; }
table.session, table.glance { table-layout: fixed; }
table.glance th.week { width: 5.5rem; }
table.session .time { width: 6.6rem; } table.session .num { width: 5.4rem; }
table.session .modality { width: 13rem; }
ul.day { list-style: none; margin: .15rem 0 0; padding: 0; font-size: .85em; line-height: 1.25; }
ul.day li { border: 1px solid #888; padding: 0 .25rem; margin: 1px 0; }
.legend { list-style: none; padding: 0; margin: .3rem 0; }
.legend li { display: inline-block; border: 1px solid #555; padding: .05rem .4rem; margin: .1rem; }
ul.objectives { columns: 2; column-gap: 1.5rem; font-size: .8em; line-height: 1.25; margin: .2rem 0;
  padding-left: 1.1rem; }
ul.objectives li { break-inside: avoid; }
svg.map { max-width: 100%; height: auto; }
h4 { font-size: .92rem; margin: .35rem 0 .1rem; }
h4 small, p.who { font-weight: normal; font-size: .85em; color: #333; }
section.sitting { margin: 0; }
div.columns { display: flex; gap: .5rem; align-items: flex-start; }
div.columns > section.sitting { flex: 1 1 0; min-width: 0; }
table.column { table-layout: fixed; }
table.column { line-height: 1.2; }
table.column .time { width: 6.1rem; }
table.column .activity { overflow-wrap: anywhere; }
ul.day li.group { border-style: dashed; background: #fff; }
ul.groups { margin: .2rem 0; padding-left: 1.1rem; }
svg text { font: 10px system-ui, sans-serif; fill: #111; }
@media print {
  :root { font-size: 9pt; }
  body { margin: 0; }
  header.cover { break-after: page; }
  section.glance, section.week { break-before: page; }
  h1, h2, h3, caption { break-after: avoid; }
  h4 { break-after: avoid; }
  tr, article.session, section.sitting, ul.objectives, ul.day li { break-inside: avoid; }
}
"""

_PAGE = {
    None: "@page { margin: 10mm; }",
    "letter": "@page { size: letter portrait; margin: 10mm; }",
    "a4": "@page { size: A4 portrait; margin: 10mm; }",
}


def printed_pages(curriculum: Curriculum) -> int:
    """The pages :func:`to_html` prints on, when each week fits on its page: the cover,
    the glance pages (:data:`GLANCE_WEEKS` weeks each), and one page per week."""
    weeks = len(curriculum.weeks)
    return 1 + math.ceil(weeks / GLANCE_WEEKS) + weeks


def _colours(curriculum: Curriculum) -> dict[str, str]:
    found = sorted({b.modality for _, _, _, b in curriculum.blocks() if b.modality})
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(found)}


def _fit(label: str, width: float) -> str:
    """The label cut to what fits in ``width`` pixels of 10px text (with an ellipsis)."""
    room = max(1, int(width / 5.6))
    return label if len(label) <= room else label[: max(1, room - 1)].rstrip() + "\u2026"


def _runs(curriculum: Curriculum, track: str) -> list[tuple[str, int, int, str | None]]:
    """``(module, first week, last week, modality)`` for each run of a track's module."""
    runs: list[tuple[str, int, int, str | None]] = []
    for week, _, _, block in curriculum.blocks():
        if block.track != track or block.module is None:
            continue
        if runs and runs[-1][0] == block.module and block.lesson != 1:
            module, first, _, modality = runs[-1]
            runs[-1] = (module, first, week.number, modality)
        else:
            runs.append((block.module, week.number, week.number, block.modality))
    return runs


def _timeline(curriculum: Curriculum, colours: dict[str, str], names: Names) -> str:
    tracks = curriculum.program.tracks
    weeks = len(curriculum.weeks)
    if not tracks or not weeks:
        return "<p>No tracks of skill modules.</p>"
    label_width, week_width, row = 140, max(24, 560 // weeks), 30
    width = label_width + weeks * week_width + 10
    height = 24 + row * len(tracks)
    described: list[str] = []
    shapes: list[str] = []
    for w in range(weeks):
        x = label_width + w * week_width
        shapes.append(f'<text x="{x + 2}" y="12">W{w + 1}</text>')
        shapes.append(f'<line x1="{x}" y1="16" x2="{x}" y2="{height}" stroke="#bbb"/>')
    for index, track in enumerate(tracks):
        y = 20 + index * row
        track_name = one_line(track.name)
        shapes.append(
            f'<text x="2" y="{y + 17}">{escape(_fit(track_name, label_width - 6))}</text>'
        )
        parts = []
        for module, first, last, modality in _runs(curriculum, track.name):
            x = label_width + (first - 1) * week_width + 2
            extent = (last - first + 1) * week_width - 4
            fill = colours.get(modality or "", NONE_COLOUR)
            title = names.module(module)
            weeks_text = f"week {first}" if first == last else f"weeks {first} to {last}"
            parts.append(f"{title} ({weeks_text})")
            shapes.append(
                f"<g><title>{escape(title)}: {weeks_text}</title>"
                f'<rect x="{x}" y="{y + 4}" width="{extent}" height="{row - 8}" fill="{fill}" '
                f'stroke="#333"/><text x="{x + 3}" y="{y + 18}">'
                f"{escape(_fit(title, extent - 6))}</text></g>"
            )
        described.append(f"{track_name}: {'; '.join(parts) or 'no lessons'}.")
    return (
        f'<svg class="map" role="img" aria-labelledby="map-title map-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="map-title">Curriculum map: the modules of each track across the weeks'
        f'</title><desc id="map-desc">{escape(" ".join(described))}</desc>'
        + "".join(shapes)
        + "</svg>"
    )


def _facts(curriculum: Curriculum) -> str:
    program = curriculum.program
    sessions = sum(len(w.sessions) for w in curriculum.weeks)
    days = ", ".join(d.value.title() for d in program.days)
    rows = [
        ("Clinic", program.clinic),
        ("Location", program.location),
        ("Facilitator", program.facilitator),
        ("Starts", program.start.isoformat() if program.start else None),
        (
            "Sessions",
            f"{len(curriculum.weeks)} weeks, {sessions} sessions on {days}, "
            f"from {program.start_time}" + (f" ({program.timezone})" if program.timezone else ""),
        ),
    ]
    if program.admission is not None:
        rows.append(("Admission", f"Patients are {program.admission.describe()}"))
        rows.append(("Stay", program.patient_stay.describe()))
    if program.cycle:
        rows.append(("Cycle", f"the {len(curriculum.weeks)} weeks repeat: week 1 follows the last"))
    return (
        '<dl class="facts">'
        + "".join(
            f"<dt>{label}</dt><dd>{escape(one_line(value))}</dd>" for label, value in rows if value
        )
        + "</dl>"
    )


def _running(curriculum: Curriculum) -> str:
    """The line at the top of each printed week: program, clinic, location, facilitator."""
    program = curriculum.program
    parts = [program.name, program.clinic, program.location, program.facilitator]
    return '<p class="running">' + escape(" \u00b7 ".join(one_line(p) for p in parts if p)) + "</p>"


def _cover(curriculum: Curriculum, colours: dict[str, str], names: Names) -> list[str]:
    program = curriculum.program
    out = [
        '<header class="cover">',
        f"<h1>{escape(one_line(program.name))}</h1>",
        _facts(curriculum),
        f'<p class="note">{escape(DISCLAIMER)}</p>',
        '<section aria-labelledby="closures"><h2 id="closures">Closures</h2>',
    ]
    found = closures(curriculum)
    if found:
        out.append(
            "<ul>"
            + "".join(f"<li>Week {c.week}: {escape(c.describe())}</li>" for c in found)
            + "</ul>"
        )
    else:
        out.append("<p>No closed dates.</p>")
    out.append("</section>")
    out.append('<section aria-labelledby="legend"><h2 id="legend">Modalities</h2>')
    out.append(
        '<ul class="legend">'
        + "".join(
            f'<li style="background:{c}">{escape(names.modality(m))}</li>'
            for m, c in colours.items()
        )
        + "</ul><p>Each activity also names its modality in words.</p></section>"
    )
    out += _groups(curriculum)
    out += [
        '<section aria-labelledby="map"><h2 id="map">Curriculum map</h2>',
        _timeline(curriculum, colours, names),
        "</section></header>",
    ]
    return out


def _groups(curriculum: Curriculum) -> list[str]:
    """The program's groups on the cover: where each meets and who attends it."""
    groups = curriculum.program.groups
    if not groups:
        return []
    items = []
    for group in groups:
        facts = [PLACES[group.place]]
        if group.days is not None:
            facts.append("on " + ", ".join(d.value.title() for d in group.days))
        if group.room:
            facts.append(one_line(group.room))
        facts.append(f"for {describe_phase(group.patient_weeks)}")
        title = one_line(group.label or group.name)
        items.append(f"<li><strong>{escape(title)}</strong>: {escape(', '.join(facts))}</li>")
    return [
        '<section aria-labelledby="groups"><h2 id="groups">Groups</h2>',
        (
            "<p>Patients attend a group in the weeks of their stay it is for: a group "
            "beside the session instead of its main blocks, a group before or after it as "
            "well.</p>"
        ),
        f'<ul class="groups">{"".join(items)}</ul></section>',
    ]


def _item(block: Block, colours: dict[str, str], names: Names) -> str:
    """One activity in the glance grid: its title and lesson on its modality's colour."""
    colour = colours.get(block.modality or "", NONE_COLOUR)
    lesson = names.lesson(block)
    small = f'<span class="lesson"> \u00b7 {escape(lesson)}</span>' if lesson else ""
    return f'<li style="background:{colour}">{escape(one_line(block.title))}{small}</li>'


def _glance_cell(
    curriculum: Curriculum, session: Session, colours: dict[str, str], names: Names
) -> str:
    """One session in the glance grid: its day and times, then its activities."""
    items = "".join(_item(b, colours, names) for b in services(session))
    for group in sorted(session.groups, key=lambda g: (_ORDER[g.place], g.start)):
        lessons = [names.lesson(b) for b in group.blocks if b.lesson is not None]
        small = "".join(f'<span class="lesson"> \u00b7 {escape(t)}</span>' for t in lessons)
        items += (
            f'<li class="group">{escape(group.place.value.title())}: '
            f"{escape(group_title(group))}{small}</li>"
        )
    return (
        f"<td><strong>Session {session.number}</strong>, {escape(when(session))}, "
        f'{span(curriculum, 0, session.minutes)}<ul class="day">{items}</ul></td>'
    )


_ORDER = {Place.BEFORE: 0, Place.BESIDE: 1, Place.AFTER: 2}


def _glance(
    curriculum: Curriculum, weeks: tuple[Week, ...], colours: dict[str, str], names: Names
) -> list[str]:
    first, last = weeks[0].number, weeks[-1].number
    label = f"Week {first}" if first == last else f"Weeks {first} to {last}"
    most = max((len(w.sessions) for w in weeks), default=0)
    out = [
        f'<section class="glance" aria-labelledby="glance-{first}">',
        _running(curriculum),
        f'<h2 id="glance-{first}">{label} at a glance</h2>',
        (
            '<table class="glance"><caption>Sessions of each week with the week\'s service '
            "time. Colours show each activity's modality (see the legend); each week's page "
            "names it in words.</caption>"
        ),
        '<thead><tr><th scope="col" class="week">Week</th>',
    ]
    out += [f'<th scope="col">Session {i + 1} of the week</th>' for i in range(most)]
    out.append("</tr></thead><tbody>")
    for week in weeks:
        out.append(
            f'<tr><th scope="row">Week {week.number}'
            f'<span class="sub">{service(week.service_minutes)}</span></th>'
        )
        out += [_glance_cell(curriculum, s, colours, names) for s in week.sessions]
        if not week.sessions:
            out.append(f'<td colspan="{max(1, most)}">No sessions this week.</td>')
        else:
            out += ["<td></td>"] * (most - len(week.sessions))
        out.append("</tr>")
    out.append("</tbody></table></section>")
    return out


def _rows(
    curriculum: Curriculum,
    sitting: Sitting,
    colours: dict[str, str],
    names: Names,
    *,
    compact: bool = False,
) -> str:
    """A table of a sitting's blocks with clock times: four columns (time, activity,
    length, modality), or three when ``compact`` (the modality under the activity)."""
    rows = []
    for block in sitting.blocks:
        start = sitting.start + block.start
        lesson = names.lesson(block)
        modality = names.modality(block.modality) or "none"
        colour = colours.get(block.modality or "", NONE_COLOUR)
        held = held_break(curriculum, start, block)
        title = (
            escape(one_line(block.title))
            + (f'<span class="lesson">{escape(held)}</span>' if held else "")
            + (f'<span class="lesson"> \u00b7 {escape(lesson)}</span>' if lesson else "")
        )
        time = f'<td class="time">{span(curriculum, start, start + block.minutes)}</td>'
        length = f'<td class="num">{duration(block.minutes)}</td>'
        if compact:
            if block.is_break:
                rows.append(
                    f'<tr class="break">{time}<th scope="row">{title} '
                    f"({duration(block.minutes)}, not a service)</th></tr>"
                )
            else:
                rows.append(
                    f'<tr>{time}<th scope="row" class="activity" style="background:{colour}">'
                    f'{title}<span class="sub">{escape(modality)}{DOT}'
                    f"{duration(block.minutes)}</span></th></tr>"
                )
            continue
        cells = f'{time}<th scope="row">{title}</th>{length}'
        if block.is_break:
            rows.append(f'<tr class="break">{cells}<td>not a service</td></tr>')
            continue
        rows.append(f'<tr>{cells}<td style="background:{colour}">{escape(modality)}</td></tr>')
    if compact:
        head = (
            '<table class="column"><thead><tr><th scope="col" class="time">Time</th>'
            '<th scope="col">Activity</th>'
        )
    else:
        head = (
            '<table class="session"><thead><tr><th scope="col" class="time">Time</th>'
            '<th scope="col">Activity</th><th scope="col" class="num">Length</th>'
            '<th scope="col" class="modality">Modality</th>'
        )
    return head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"


def _sitting(
    curriculum: Curriculum,
    sitting: Sitting,
    colours: dict[str, str],
    names: Names,
    *,
    compact: bool = False,
    beside: bool = False,
) -> str:
    """One sitting of a session that has groups: a heading that names it, its clock
    times and who attends it, then its blocks."""
    group = sitting.group
    times = span(curriculum, sitting.start, sitting.end)
    if group is None:
        title, facts, kind = "Main session", [EVERY_OTHER] if beside else [], "main"
    else:
        title = group_title(group)
        if group.place is not Place.BESIDE:
            title = f"{PLACES[group.place].capitalize()}: {title}"
        facts, kind = group_facts(curriculum, group), group.place.value
    small = f" <small>{escape(DOT.join(facts))}</small>" if facts else ""
    return (
        f'<section class="sitting {kind}"><h4>{escape(title)}, {times}{small}</h4>'
        + _rows(curriculum, sitting, colours, names, compact=compact)
        + "</section>"
    )


def _session(
    curriculum: Curriculum, session: Session, colours: dict[str, str], names: Names
) -> str:
    """One session in detail: a heading with its day and times, a row per block. A
    session with groups shows each sitting under its own heading: groups before it, the
    main blocks with each group beside them as columns side by side, groups after it."""
    number = session.number
    head = (
        f'<article class="session" id="session-{number}" '
        f'aria-labelledby="session-{number}-title">'
        f'<h3 id="session-{number}-title">Session {number}: {escape(when(session))}, '
    )
    main = Sitting(None, session.blocks, 0)
    if not session.groups:
        return (
            head + f"{span(curriculum, 0, session.minutes)} "
            f"<small>({duration(session.minutes)}, {service(session.service_minutes)})</small>"
            "</h3>" + _rows(curriculum, main, colours, names) + "</article>"
        )
    first, last = session_span(session)
    parts = [
        head + f"{span(curriculum, first, last)} <small>(main session "
        f"{span(curriculum, 0, session.minutes)}: {duration(session.minutes)}, "
        f"{service(session.service_minutes)})</small></h3>"
    ]
    found = sittings(session)
    side = [s for s in found if s.place in {None, Place.BESIDE}]
    for sitting in found:
        alone = sitting.place in {Place.BEFORE, Place.AFTER} or len(side) == 1
        if alone and sitting.place is not Place.BESIDE:
            parts.append(_sitting(curriculum, sitting, colours, names))
        elif sitting.group is None:
            columns = "".join(
                _sitting(curriculum, s, colours, names, compact=True, beside=True) for s in side
            )
            parts.append(f'<div class="columns">{columns}</div>')
    return "".join(parts) + "</article>"


def _objectives(week: Week) -> str:
    """Each activity of the week once, with its objectives."""
    seen: dict[str, tuple[str, list[str]]] = {}
    for session in week.sessions:
        for block in every_service(session):
            if block.activity not in seen and objectives(block):
                seen[block.activity] = (one_line(block.title), objectives(block))
    if not seen:
        return ""
    items = "".join(
        f"<li><strong>{escape(title)}</strong>: {escape(' '.join(goals))}</li>"
        for title, goals in seen.values()
    )
    return (
        f'<h3 id="week-{week.number}-objectives">Objectives this week</h3>'
        f'<ul class="objectives" aria-labelledby="week-{week.number}-objectives">{items}</ul>'
    )


def _week(curriculum: Curriculum, week: Week, colours: dict[str, str], names: Names) -> list[str]:
    out = [
        f'<section class="week" aria-labelledby="week-{week.number}">',
        _running(curriculum),
        f'<h2 id="week-{week.number}">Week {week.number}</h2>',
        (
            f"<p>{len(week.sessions)} sessions, {service(week.service_minutes)} "
            f"(breaks excluded; {duration(week.minutes)} in all)"
            + (
                " in the main sessions; each group adds its time for its patients"
                if any(s.groups for s in week.sessions)
                else ""
            )
            + ".</p>"
        ),
    ]
    out += [
        f"<p><strong>Closed:</strong> {escape(c.describe())}.</p>"
        for c in week_closures(curriculum, week)
    ]
    if not week.sessions:
        out.append("<p>No sessions this week.</p>")
    out += [_session(curriculum, s, colours, names) for s in week.sessions]
    out.append(_objectives(week))
    out.append("</section>")
    return out


def to_html(curriculum: Curriculum, *, paper: Paper | None = None) -> str:
    """A printable, self-contained HTML page (inline CSS and SVG; no script, no link).

    A cover (program, clinic, location and facilitator, closures, a legend of the
    modalities and a map of the tracks' modules across the weeks), the weeks at a glance
    with their service time, then a page per week: each session with clock times, breaks,
    lessons by module title and modality, and the week's objectives. Groups are shown
    with their sittings (the cover lists them with who attends each; see this module's
    documentation). Printed, headings stay with what follows, and no table row, session
    or week is split across pages.

    Args:
        curriculum: The curriculum.
        paper: ``"letter"`` or ``"a4"`` to fix the paper size in the page's print
            style; ``None`` leaves it to the printer.
    """
    expect(curriculum, Curriculum, "to_html() takes a Curriculum", READ_CURRICULUM)
    expect_one_of(paper, _PAGE, "paper")
    program = curriculum.program
    names = Names(curriculum)
    colours = _colours(curriculum)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(one_line(program.name))}: schedule</title>",
        f"<style>{_PAGE[paper]}{CSS}</style></head><body>",
        "<main>",
    ]
    out += _cover(curriculum, colours, names)
    weeks = curriculum.weeks
    for index in range(0, len(weeks), GLANCE_WEEKS):
        out += _glance(curriculum, weeks[index : index + GLANCE_WEEKS], colours, names)
    for week in weeks:
        out += _week(curriculum, week, colours, names)
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
