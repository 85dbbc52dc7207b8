"""CSV: one row per block, for spreadsheets."""

from __future__ import annotations

import csv
import io

from iopkit.curriculum._curriculum import Curriculum
from iopkit.export._common import clock

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
)


def to_csv(curriculum: Curriculum) -> str:
    """The curriculum as CSV text: a header, then one row per block in order.

    Columns: week, session, date, day, start_time, minutes, activity, title, kind, format,
    modality, module, lesson, track. Empty cells stand for "none".
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for week, session, _, block in curriculum.blocks():
        writer.writerow(
            (
                week.number,
                session.number,
                session.date.isoformat() if session.date else "",
                session.day.value,
                clock(curriculum, block.start),
                block.minutes,
                block.activity,
                block.title,
                block.kind.value,
                block.format.value,
                block.modality or "",
                block.module or "",
                block.lesson if block.lesson is not None else "",
                block.track or "",
            )
        )
    return out.getvalue()
