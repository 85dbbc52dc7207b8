"""HTML: one self-contained, printable page (inline CSS and SVG, no scripts)."""

from __future__ import annotations

from html import escape

from iopkit.curriculum._curriculum import Curriculum
from iopkit.export._common import DISCLAIMER, clock

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

CSS = """
:root { color: #111; background: #fff; font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #111; }
h3 { font-size: 1.05rem; margin: 1rem 0 .3rem; }
p.note { border-left: 4px solid #444; padding: .3rem .6rem; background: #f4f4f4; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid #666; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; }
.chip { display: block; border: 1px solid #555; border-radius: 3px; padding: .1rem .3rem; margin: .1rem 0; }
.chip small { display: block; color: #333; }
.legend span { display: inline-block; border: 1px solid #555; padding: .1rem .4rem; margin: .15rem; }
svg text { font: 10px system-ui, sans-serif; fill: #111; }
@media print {
  body { margin: 0; }
  @page { margin: 12mm; }
  section.week { break-before: page; }
  table, .chip { break-inside: avoid; }
}
"""


def _colours(curriculum: Curriculum) -> dict[str, str]:
    found = sorted({b.modality for _, _, _, b in curriculum.blocks() if b.modality})
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(found)}


def _timeline(curriculum: Curriculum, colours: dict[str, str]) -> str:
    tracks = curriculum.program.tracks
    weeks = len(curriculum.weeks)
    if not tracks or not weeks:
        return "<p>No tracks of skill modules.</p>"
    label_width, week_width, row = 150, max(24, 720 // weeks), 30
    width = label_width + weeks * week_width + 10
    height = 24 + row * len(tracks)
    parts = [
        (
            f'<svg role="img" aria-labelledby="map-title" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        ),
        '<title id="map-title">Curriculum map: modules of each track across the weeks</title>',
    ]
    for w in range(weeks):
        x = label_width + w * week_width
        parts.append(f'<text x="{x + 2}" y="12">W{w + 1}</text>')
        parts.append(f'<line x1="{x}" y1="16" x2="{x}" y2="{height}" stroke="#bbb"/>')
    for index, track in enumerate(tracks):
        y = 20 + index * row
        parts.append(f'<text x="2" y="{y + 17}">{escape(track.name)}</text>')
        runs: list[list[object]] = []  # [module, first week, last week, modality]
        for week, _, _, block in curriculum.blocks():
            if block.track != track.name:
                continue
            if runs and runs[-1][0] == block.module and block.lesson != 1:
                runs[-1][2] = week.number
            else:
                runs.append([block.module, week.number, week.number, block.modality])
        for module, first, last, modality in runs:
            x = label_width + (int(first) - 1) * week_width + 2  # type: ignore[call-overload]
            span = (int(last) - int(first) + 1) * week_width - 4  # type: ignore[call-overload]
            fill = colours.get(str(modality), NONE_COLOUR)
            label = escape(str(module))
            parts.append(
                f"<g><title>{label}: weeks {first} to {last}</title>"
                f'<rect x="{x}" y="{y + 4}" width="{span}" height="{row - 8}" fill="{fill}" '
                f'stroke="#333"/><text x="{x + 3}" y="{y + 18}">{label}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def to_html(curriculum: Curriculum) -> str:
    """A printable HTML page: a curriculum map, a week-by-week grid with a colour per
    modality and a legend, then every session in detail."""
    program = curriculum.program
    colours = _colours(curriculum)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(program.name)}: schedule</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{escape(program.name)}</h1>",
        (
            f"<p>{len(curriculum.weeks)} weeks, sessions on "
            f"{escape(', '.join(d.value for d in program.days))} at {escape(program.start_time)}.</p>"
        ),
        f'<p class="note">{escape(DISCLAIMER)}</p></header>',
        "<main>",
        '<section aria-labelledby="map"><h2 id="map">Curriculum map</h2>',
        _timeline(curriculum, colours),
        "</section>",
        '<section aria-labelledby="grid"><h2 id="grid">Week by week</h2>',
        '<p class="legend">Modalities: '
        + "".join(f'<span style="background:{c}">{escape(m)}</span>' for m, c in colours.items())
        + "</p>",
    ]
    most = max((len(w.sessions) for w in curriculum.weeks), default=0)
    out.append(
        '<table><caption>Sessions of each week</caption><thead><tr><th scope="col">Week</th>'
    )
    out += [f'<th scope="col">Session {i + 1} of the week</th>' for i in range(most)]
    out.append("</tr></thead><tbody>")
    for week in curriculum.weeks:
        out.append(f'<tr><th scope="row">Week {week.number}</th>')
        for session in week.sessions:
            when = session.date.isoformat() if session.date else ""
            chips = "".join(
                f'<span class="chip" style="background:{colours.get(b.modality or "", NONE_COLOUR)}">'
                f"{escape(b.title)}<small>{b.minutes} min"
                f"{' · ' + escape(b.modality) if b.modality else ''}</small></span>"
                for b in session.blocks
                if not b.is_break
            )
            out.append(
                f"<td><strong>Session {session.number}</strong>, {session.day.value} {when}{chips}</td>"
            )
        out += ["<td></td>"] * (most - len(week.sessions))
        out.append("</tr>")
    out.append("</tbody></table></section>")
    for week in curriculum.weeks:
        out.append(f'<section class="week" aria-labelledby="week-{week.number}">')
        out.append(f'<h2 id="week-{week.number}">Week {week.number}</h2>')
        if not week.sessions:
            out.append("<p>No sessions this week.</p>")
        for session in week.sessions:
            when = session.date.isoformat() if session.date else "no date"
            out.append(
                f'<article class="session" id="session-{session.number}">'
                f"<h3>Session {session.number}: {session.day.value} {when}, "
                f"{clock(curriculum, 0)} to {clock(curriculum, session.minutes)}</h3>"
            )
            out.append(
                "<table><thead><tr>"
                + "".join(
                    f'<th scope="col">{h}</th>'
                    for h in ("Time", "Minutes", "Activity", "Modality", "Lesson", "Objectives")
                )
                + "</tr></thead><tbody>"
            )
            for block in session.blocks:
                lesson = f"{block.module}, lesson {block.lesson}" if block.module else ""
                out.append(
                    f"<tr><td>{clock(curriculum, block.start)}</td>"
                    f'<td class="num">{block.minutes}</td>'
                    f'<th scope="row">{escape(block.title)}</th>'
                    f"<td>{escape(block.modality or '')}</td><td>{escape(lesson)}</td>"
                    f"<td>{escape('; '.join(block.objectives))}</td></tr>"
                )
            out.append("</tbody></table></article>")
        out.append("</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
