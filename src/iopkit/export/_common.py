"""Helpers the exporters share: clock times and modality colours."""

from __future__ import annotations

import datetime as dt
import re

from iopkit.curriculum._curriculum import Curriculum


def start_minutes(curriculum: Curriculum) -> int:
    """Minutes after midnight at which sessions begin (``start_time``, 09:00 by default)."""
    hours, minutes = curriculum.program.start_time.split(":")
    return int(hours) * 60 + int(minutes)


def clock(curriculum: Curriculum, offset: int) -> str:
    """The clock time ``offset`` minutes after the session's start, as ``HH:MM``."""
    total = start_minutes(curriculum) + offset
    return f"{total // 60 % 24:02d}:{total % 60:02d}"


def moment(curriculum: Curriculum, date: dt.date, offset: int) -> dt.datetime:
    """The local date and time ``offset`` minutes into a session on ``date``."""
    start = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=start_minutes(curriculum))
    return start + dt.timedelta(minutes=offset)


def slug(text: str) -> str:
    """A lowercase id made from a name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "program"


DISCLAIMER = "iopkit supports planning; it is not clinical or billing advice."
