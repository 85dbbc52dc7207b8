"""CSV: one row per block, for spreadsheets.

Text cells are safe to open in a spreadsheet: a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that no spreadsheet
runs it as a formula (OWASP's advice on CSV injection), and control characters and
line breaks inside names become spaces, so every row is one line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from iopkit._checks import READ_CURRICULUM, expect
from iopkit._session import Session
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.export._common import (
    Names,
    clock,
    one_line,
    pause_span,
    sittings,
    week_closures,
)

COLUMNS = (
    "week",
    "session",
    "date",
    "day",
    "start_time",
    "minutes",
    "activity",
    "title",
    "kind",
    "format",
    "modality",
    "module",
    "lesson",
    "track",
    # added in 0.2, after the columns above so that existing sheets keep working
    "end_time",
    "week_service_minutes",
    "billing_code",
    "objectives",
    "program",
    "lesson_name",
    "modality_name",
    "makeup_for",
    "week_closures",
    # added in 0.3
    "group",
    # added in 0.4
    "service_minutes",
    "break_inside",
)

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The byte-order mark that tells Excel a CSV file is UTF-8.
BOM = "\ufeff"


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: control characters become spaces, and a
    cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'``."""
    text = one_line(value)
    if value.startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _session_rows(
    curriculum: Curriculum, week: Week, session: Session, names: Names
) -> Iterator[tuple[object, ...]]:
    """The rows of one session: one per block, in time order (groups before it, its
    main blocks, groups beside it, groups after it)."""
    closed = "; ".join(c.date.isoformat() for c in week_closures(curriculum, week))
    for sitting in sittings(session):
        for block in sitting.blocks:
            start = sitting.start + block.start
            yield (
                week.number,
                session.number,
                session.date.isoformat() if session.date else "",
                session.day.value,
                clock(curriculum, start),
                block.minutes,
                block.activity,
                safe_cell(block.title),
                block.kind.value,
                block.format.value,
                block.modality or "",
                block.module or "",
                block.lesson if block.lesson is not None else "",
                safe_cell(block.track or ""),
                clock(curriculum, start + block.minutes),
                week.service_minutes,
                safe_cell(names.billing_code(block)),
                safe_cell("; ".join(o for o in block.objectives if one_line(o))),
                safe_cell(curriculum.program.name),
                safe_cell(names.lesson(block)),
                safe_cell(names.modality(block.modality)),
                session.replaces.isoformat() if session.replaces else "",
                closed,
                sitting.group.name if sitting.group is not None else "",
                block.service_minutes,
                pause_span(curriculum, start, block),
            )


def to_csv(curriculum: Curriculum, *, bom: bool = False) -> str:
    """The curriculum as CSV text (RFC 4180, CRLF line ends): a header, then one row per
    block in order, the blocks of groups included.

    Columns: week, session, date, day, start_time, minutes, activity, title, kind,
    format, modality, module, lesson, track, then end_time, week_service_minutes (the
    week's service minutes, breaks excluded), billing_code (CPT or HCPCS, from the
    catalog), objectives (joined with ``"; "``), program (its name), lesson_name
    (``"CBT foundations, lesson 1 of 3"``), modality_name, makeup_for (the closed date a
    make-up session replaces), week_closures (the week's closed dates) and group (the
    group a block belongs to; empty for the main blocks), service_minutes (the block's
    minutes without a break inside it) and break_inside (the clock times of the
    session's break when the block holds it inside, as ``"10:30-10:40"``). Blocks of groups have rows of
    their own, in time order: a group before the session comes first, and its start
    time is before the session's. week_service_minutes counts the main blocks. Empty
    cells stand for "none". Text cells that a spreadsheet would run as a formula start with
    ``'``.

    Args:
        curriculum: The curriculum.
        bom: Start with a UTF-8 byte-order mark, so that Excel reads accented letters
            right when the file is opened with a double click.
    """
    expect(curriculum, Curriculum, "to_csv() takes a Curriculum", READ_CURRICULUM)
    expect(bom, bool, "bom must be True or False")
    names = Names(curriculum)
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for week in curriculum.weeks:
        for session in week.sessions:
            writer.writerows(_session_rows(curriculum, week, session, names))
    return out.getvalue()
