"""Editing a curriculum one change at a time: each helper returns a new curriculum (the
objects are frozen), so that :func:`~iopkit.curriculum.validate` can report exactly what
the change broke."""

from __future__ import annotations

import datetime as dt

from iopkit.curriculum._curriculum import Curriculum


def replace_activity(curriculum: Curriculum, date: dt.date | str, old: str, new: str) -> Curriculum:
    """The curriculum with the block of activity ``old`` on ``date`` replaced by activity
    ``new`` (from the curriculum's catalog), lasting as long as the catalog allows."""
    raise NotImplementedError


def move_session(curriculum: Curriculum, date: dt.date | str, to: dt.date | str) -> Curriculum:
    """The curriculum with the session on ``date`` moved to the date ``to``."""
    raise NotImplementedError


def cancel_session(curriculum: Curriculum, date: dt.date | str) -> Curriculum:
    """The curriculum without the session on ``date``."""
    raise NotImplementedError
