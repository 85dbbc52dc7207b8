"""Words for people: durations, counts and lesson names, written the same way everywhere
(reasons, reports, schedules and the command line)."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 lesson"``, ``"2 lessons"``: a count with its noun."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def duration(minutes: int) -> str:
    """Minutes as a clinician reads them: ``"50 min"``, ``"9 h 05 min"``, ``"9 h"``."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d} min"


def lesson_name(module_title: str, number: int, of: int) -> str:
    """``"CBT foundations, lesson 1 of 3"``."""
    return f"{module_title}, lesson {number} of {of}"
