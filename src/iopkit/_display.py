"""How curricula, weeks, sessions, reports and explanations look in a notebook
(``_repr_html_``) and in a terminal (``summary()``), built from the same pieces as the
HTML export.

Each ``*_html`` function returns an HTML fragment: one ``<div class="iopkit">`` holding a
``<style>`` whose every rule is scoped to that class (the export's style, so the notebook
and the printed page look alike), without scripts, links or external assets. Every text
from a program, catalog or report is escaped. Ids inside a fragment get a prefix of their
own, so that a page showing several fragments (a notebook, the docs) has no id twice.
"""

from __future__ import annotations

import functools
import itertools
import re
from html import escape
from typing import TYPE_CHECKING

from iopkit._words import duration, lesson_name, plural
from iopkit.export._common import Names, day, one_line, service, when
from iopkit.export._html import CSS, _colours, _cover, _glance, _week

if TYPE_CHECKING:
    from iopkit._session import Block, Session
    from iopkit.curriculum._curriculum import Curriculum, Week
    from iopkit.curriculum._validate import Report
    from iopkit.errors import InfeasibleError

#: Weeks a curriculum's display shows; the others are counted, not shown.
SHOWN_WEEKS = 12
#: Violations a report's display lists; the others are counted, not listed.
SHOWN_VIOLATIONS = 200
#: Runs of one module's lessons a track's summary lists before it counts the rest.
SHOWN_RUNS = 8

_SCOPE = ".iopkit"

# What the notebook needs besides the export's style: a frame, and the report tables.
_EXTRA_CSS = """
.iopkit { padding: .5rem .75rem; border: 1px solid #bbb; max-width: 100%; overflow-x: auto; }
.iopkit h1 { font-size: 1.3rem; }
.iopkit p.more, .iopkit p.alone { font-size: .85em; color: #333; font-style: italic; }
.iopkit p.ok { font-weight: 600; }
.iopkit td.rule { white-space: nowrap; width: 13rem; }
.iopkit td.where { white-space: nowrap; width: 14rem; }
.iopkit code { font-size: .9em; }
"""

_ID_ATTRIBUTES = re.compile(r'(\s(?:id|aria-labelledby|aria-describedby)=")([^"]*)(")')
_COMMENTS = re.compile(r"/\*.*?\*/", re.DOTALL)
_fragments = itertools.count(1)


# -- the frame ---------------------------------------------------------------------------------


def _pause(block: Block) -> str:
    """The break a block holds inside it, as minutes from the session's start."""
    pause = block.pause
    if pause is None:
        return ""
    first = block.start + pause.at
    return escape(
        f" ({one_line(pause.title)} {_offset(first)}\u2013{_offset(first + pause.minutes)} inside)"
    )


def scoped_css(css: str, scope: str = _SCOPE) -> str:
    """``css`` with every rule applied only inside ``scope``: ``:root`` becomes the scope,
    other selectors are prefixed with it, and page-level rules (``body``, ``@page``,
    ``@media print``) are left out, since a fragment is not a page. Comments are
    dropped."""
    css = _COMMENTS.sub("", css)
    rules: list[str] = []
    depth = 0
    prelude_start = 0
    body_start = 0
    prelude = ""
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude = css[prelude_start:index].strip()
                body_start = index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                prelude_start = index + 1
                if prelude.startswith("@"):
                    continue
                selectors = [_scoped_selector(s.strip(), scope) for s in prelude.split(",")]
                kept = [s for s in selectors if s]
                if kept:
                    rules.append(f"{', '.join(kept)} {{ {css[body_start:index].strip()} }}")
    return "\n".join(rules)


def _scoped_selector(selector: str, scope: str) -> str:
    if selector == ":root":
        return scope
    if selector in {"html", "body"}:
        return ""
    return f"{scope} {selector}"


@functools.cache
def _style() -> str:
    return scoped_css(CSS) + _EXTRA_CSS


def _fragment(parts: list[str]) -> str:
    """The parts in a scoped frame, their ids made unique to this fragment."""
    prefix = f"iopkit-{next(_fragments)}"

    def own(match: re.Match[str]) -> str:
        ids = " ".join(f"{prefix}-{name}" for name in match[2].split())
        return f"{match[1]}{ids}{match[3]}"

    body = _ID_ATTRIBUTES.sub(own, "\n".join(parts))
    return f'<div class="iopkit">\n<style>{_style()}</style>\n{body}\n</div>'


# -- curricula, weeks and sessions -------------------------------------------------------------


def curriculum_html(curriculum: Curriculum) -> str:
    """A curriculum as an HTML fragment: the export's cover (program, closures, legend and
    map of the tracks), then the week grid with clock times and weekly service hours, for
    the first :data:`SHOWN_WEEKS` weeks (the rest are counted)."""
    names = Names(curriculum)
    colours = _colours(curriculum)
    weeks = curriculum.weeks
    parts = _cover(curriculum, colours, names)
    if not weeks:
        parts.append("<p>The curriculum has no weeks.</p>")
        return _fragment(parts)
    # the weekly service time goes with the program's facts, after the title
    facts = next((i for i, p in enumerate(parts) if p.startswith('<dl class="facts">')), 1)
    weekly = escape(_weekly([w.service_minutes for w in weeks]))
    parts.insert(facts + 1, f"<p>Service time a week: {weekly}.</p>")
    parts += _glance(curriculum, weeks[:SHOWN_WEEKS], colours, names)
    left = len(weeks) - SHOWN_WEEKS
    if left > 0:
        parts.append(
            f'<p class="more">{plural(left, "more week")} (weeks {SHOWN_WEEKS + 1} to '
            f"{len(weeks)}) not shown here: show one with <code>curriculum.weeks[{SHOWN_WEEKS}]"
            "</code>, or write the whole schedule with "
            "<code>iopkit.export.to_html(curriculum)</code>.</p>"
        )
    return _fragment(parts)


def week_html(week: Week, curriculum: Curriculum | None = None) -> str:
    """One week as an HTML fragment: its service time, then each session with its blocks.

    With the curriculum it belongs to, the week is the export's week page (clock times,
    module titles, modalities, closures, objectives). A week alone knows neither the
    program's start time nor its catalog: times are counted from each session's start.
    """
    if curriculum is not None:
        names = Names(curriculum)
        return _fragment(_week(curriculum, week, _colours(curriculum), names))
    parts = [
        f"<h2>Week {week.number}</h2>",
        (
            f"<p>{plural(len(week.sessions), 'session')}, {service(week.service_minutes)} "
            f"(breaks excluded; {duration(week.minutes)} in all).</p>"
        ),
        _alone_note("a week"),
    ]
    if not week.sessions:
        parts.append("<p>No sessions this week.</p>")
    parts += [_session_alone(s) for s in week.sessions]
    return _fragment(parts)


def session_html(session: Session) -> str:
    """One session as an HTML fragment: its day, length and service time, and a row per
    block with its times (counted from the session's start: a session alone does not know
    the program's start time), title, lesson, length and kind."""
    return _fragment([_alone_note("a session"), _session_alone(session)])


def _alone_note(what: str) -> str:
    return (
        f'<p class="alone">Times are counted from the start of each session: {what} shown '
        "alone does not know the program's start time. The curriculum's display and its "
        "exports give clock times.</p>"
    )


def _offset(minutes: int) -> str:
    """``"1:05"``: hours and minutes from the session's start."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def _kind(block: Block) -> str:
    """``"skills practice, group"``."""
    kind = block.kind.value.replace("-", " ")
    for word in ("check in", "wrap up", "role play"):
        kind = kind.replace(word, word.replace(" ", "-"))
    return f"{kind}, {block.format.value}"


def _session_alone(session: Session) -> str:
    rows = []
    for block in session.blocks:
        lesson = (
            f'<span class="lesson"> \u00b7 lesson {block.lesson}</span>' if block.lesson else ""
        )
        cells = (
            f'<td class="time">{_offset(block.start)}\u2013{_offset(block.end)}</td>'
            f'<th scope="row">{escape(one_line(block.title))}{_pause(block)}{lesson}</th>'
            f'<td class="num">{duration(block.minutes)}</td>'
        )
        if block.is_break:
            rows.append(f'<tr class="break">{cells}<td>not a service</td></tr>')
        else:
            rows.append(f"<tr>{cells}<td>{escape(_kind(block))}</td></tr>")
    return (
        f'<article class="session"><h3>Session {session.number}: {escape(when(session))} '
        f"<small>({duration(session.minutes)}, {service(session.service_minutes)})</small></h3>"
        '<table class="session"><thead><tr><th scope="col" class="time">From start</th>'
        '<th scope="col">Activity</th><th scope="col" class="num">Length</th>'
        '<th scope="col" class="modality">Kind</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></article>"
    )


# -- the terminal ------------------------------------------------------------------------------


def curriculum_summary(curriculum: Curriculum) -> str:
    """A curriculum as a few lines of text for a terminal: its name, weeks, sessions and
    days, the service time of each week, and what each track teaches, by module title."""
    program = curriculum.program
    weeks = curriculum.weeks
    sessions = sum(len(w.sessions) for w in weeks)
    days = ", ".join(d.value.title() for d in program.days)
    first = (
        f"{one_line(program.name)}: {plural(len(weeks), 'week')}, "
        f"{plural(sessions, 'session')} on {days}"
    )
    if program.start is not None:
        first += f", from {day(program.start)}"
    lines = [f"{first}, starting at {program.start_time}"]
    if program.admission is None:
        lines.append(f"Service time a week: {_weekly([w.service_minutes for w in weeks])}")
    else:
        lines += _enrolment_lines(curriculum)
    names = Names(curriculum)
    for track in program.tracks:
        lines += _track_lines(curriculum, track.name, names)
    return "\n".join(lines)


def _enrolment_lines(curriculum: Curriculum) -> list[str]:
    """Who starts when, how long they stay, the groups, and the service time a patient
    receives in a full week (over every patient's stay)."""
    from iopkit.curriculum._journey import Walker
    from iopkit.curriculum._program import describe_phase

    program = curriculum.program
    admission = program.admission
    assert admission is not None  # noqa: S101 - only called with admission
    cycle = f"; the {plural(program.weeks, 'week')} repeat as a cycle" if program.cycle else ""
    lines = [
        f"Patients are {admission.describe()} and stay {program.patient_stay.describe()}{cycle}"
    ]
    for group in program.groups:
        days = ", ".join(d.value.title() for d in group.days) if group.days else "every day"
        lines.append(
            f"Group {one_line(group.label or group.name)}: {group.place.value} the session, "
            f"{days}, for {describe_phase(group.patient_weeks)}"
        )
    walker = Walker(curriculum)
    full = [w.service_minutes for j in walker.journeys for w in j.weeks if not w.partial]
    if full:
        low, high = min(full), max(full)
        shown = duration(low) if low == high else f"from {duration(low)} to {duration(high)}"
        lines.append(f"Service time a patient receives in a full week: {shown}")
    return lines


def _weekly(minutes: list[int]) -> str:
    """``"9 h 05 min, 9 h, 9 h 10 min"``; a range for a long curriculum."""
    if not minutes:
        return "no weeks"
    if len(set(minutes)) == 1:
        return f"{duration(minutes[0])} every week"
    if len(minutes) <= 16:
        return ", ".join(duration(m) for m in minutes)
    return f"from {duration(min(minutes))} to {duration(max(minutes))}"


def _track_lines(curriculum: Curriculum, track: str, names: Names) -> list[str]:
    """The track's lesson count, then each run of one module's lessons with its weeks."""
    # [module, first lesson, last lesson, first week, last week]
    runs: list[list[int | str]] = []
    count = 0
    for week, _, _, block in curriculum.blocks():
        if block.track != track or block.module is None or block.lesson is None:
            continue
        count += 1
        if runs and runs[-1][0] == block.module and runs[-1][2] == block.lesson - 1:
            runs[-1][2] = block.lesson
            runs[-1][4] = week.number
        else:
            runs.append([block.module, block.lesson, block.lesson, week.number, week.number])
    name = one_line(track)
    if not runs:
        return [f"{name}: no lessons"]
    lines = [f"{name}: {plural(count, 'lesson')}"]
    for module, low, high, first, last in runs[:SHOWN_RUNS]:
        title = names.module(str(module))
        of = names.lessons(str(module))
        if low == high:
            taught = lesson_name(title, int(low), of) if of else f"{title}, lesson {low}"
        else:
            taught = f"{title}, lessons {low} to {high}" + (f" of {of}" if of else "")
        weeks = f"week {first}" if first == last else f"weeks {first} to {last}"
        lines.append(f"  {taught} ({weeks})")
    if len(runs) > SHOWN_RUNS:
        lines.append(f"  and {plural(len(runs) - SHOWN_RUNS, 'more module')} after these")
    return lines


# -- reports and explanations ------------------------------------------------------------------


def report_html(report: Report) -> str:
    """A validation report as an HTML fragment: a line saying it is valid, or a table of
    the violations (rule, where, what), the first :data:`SHOWN_VIOLATIONS` of them."""
    checked = plural(len(report.rules), "rule")
    if report.ok:
        return _fragment([f'<p class="ok">Valid: {checked} checked, no violation.</p>'])
    count = len(report.violations)
    parts = [
        f"<p><strong>{plural(count, 'violation')}</strong> ({checked} checked).</p>",
        (
            '<table class="report"><thead><tr><th scope="col">Rule</th><th scope="col">Where</th>'
            '<th scope="col">What</th></tr></thead><tbody>'
        ),
    ]
    parts += [
        f'<tr><td class="rule"><code>{escape(one_line(v.rule))}</code></td>'
        f'<td class="where">{escape(v.where())}</td><td>{escape(one_line(v.message))}</td></tr>'
        for v in report.violations[:SHOWN_VIOLATIONS]
    ]
    parts.append("</tbody></table>")
    if count > SHOWN_VIOLATIONS:
        parts.append(
            f'<p class="more">{plural(count - SHOWN_VIOLATIONS, "more violation")} not shown '
            "here: <code>report.text()</code> lists them all.</p>"
        )
    return _fragment(parts)


def infeasible_html(error: InfeasibleError) -> str:
    """An explanation as an HTML fragment: the summary, the limits that conflict (with
    the caveat when the list was not proven minimal), and the repairs."""
    parts = ["<p><strong>No curriculum meets every limit of the program.</strong></p>"]
    if error.summary:
        parts.append(f"<p>{escape(one_line(error.summary))}</p>")
    if error.minimal:
        parts.append("<p>These limits conflict (drop any one and the rest can be met):</p>")
    else:
        parts.append(
            '<p class="note">These limits conflict; the list may contain more than is needed '
            "(the work budget ran out before it was made minimal):</p>"
        )
    parts.append(
        '<table class="report"><thead><tr><th scope="col">Limit or fact</th>'
        '<th scope="col">Rule</th><th scope="col">Stated in</th></tr></thead><tbody>'
    )
    for reason in error.reasons:
        where = reason.where
        if reason.file:
            where = f"{reason.file} at {where}" if where else reason.file
        parts.append(
            f"<tr><td>{escape(one_line(reason.message))}</td>"
            f'<td class="rule"><code>{escape(one_line(reason.rule))}</code></td>'
            f"<td>{escape(one_line(where))}</td></tr>"
        )
    parts.append("</tbody></table>")
    if error.repairs:
        parts.append("<p>Any one of these changes makes the program feasible:</p><ul>")
        parts += [
            f"<li>{escape(one_line(r.message))} <code>[{escape(one_line(r.rule))}]</code></li>"
            for r in error.repairs
        ]
        parts.append("</ul>")
    return _fragment(parts)
