"""What the exporters share: clock times, the words for dates, closures and make-up
sessions, titles looked up in the catalog, and text made safe for one line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import NamedTuple

from iopkit._catalog import Catalog
from iopkit._session import Block, Session, SessionGroup
from iopkit._types import Place
from iopkit._words import duration, lesson_name
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._journey import sittings as _sittings
from iopkit.curriculum._program import describe_phase

DISCLAIMER = "iopkit supports planning; it is not clinical or billing advice."

#: Short weekday names by ``date.weekday()``.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# C0 and C1 controls, DEL, and the characters other tools read as line ends.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` on one line: every run of control characters (newlines, CR, tabs, NUL,
    escapes) and of Unicode line or paragraph separators becomes one space, and lone
    surrogates (which no UTF-8 file can hold) become U+FFFD."""
    return _SURROGATES.sub("\ufffd", _BREAKS.sub(" ", text)).strip()


def pause_span(curriculum: Curriculum, start: int, block: Block) -> str:
    """The clock times of the break a block holds inside it ("10:30-10:40"), or "" when
    it holds none; ``start`` is the block's first minute from the session's."""
    pause = block.pause
    if pause is None:
        return ""
    first = start + pause.at
    return span(curriculum, first, first + pause.minutes)


def held_break(curriculum: Curriculum, start: int, block: Block) -> str:
    """The break a block holds inside it, for schedules: "(Break 10:30-10:40 inside)",
    or "" when it holds none; ``start`` is the block's first minute from the session's."""
    if block.pause is None:
        return ""
    return f" ({one_line(block.pause.title)} {pause_span(curriculum, start, block)} inside)"


def start_minutes(curriculum: Curriculum) -> int:
    """Minutes after midnight at which sessions begin (``start_time``, 09:00 by default)."""
    hours, minutes = curriculum.program.start_time.split(":")
    return int(hours) * 60 + int(minutes)


def clock(curriculum: Curriculum, offset: int) -> str:
    """The clock time ``offset`` minutes after the session's start, as ``HH:MM``."""
    total = start_minutes(curriculum) + offset
    return f"{total // 60 % 24:02d}:{total % 60:02d}"


def span(curriculum: Curriculum, start: int, end: int) -> str:
    """``"09:00\u201310:15"`` (an en dash): the clock times of minutes ``start`` to ``end`` of a session."""
    return f"{clock(curriculum, start)}\u2013{clock(curriculum, end)}"


def moment(curriculum: Curriculum, date: dt.date, offset: int) -> dt.datetime:
    """The local date and time ``offset`` minutes into a session on ``date``."""
    start = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=start_minutes(curriculum))
    return start + dt.timedelta(minutes=offset)


def slug(text: str) -> str:
    """A lowercase id made from a name (``"program"`` when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "program"


def short_id(text: str, limit: int) -> str:
    """:func:`slug` of ``text`` in at most ``limit`` characters: a longer slug is cut and
    ends with 8 hexadecimal digits of a hash of the whole text, so that two long names
    that share a beginning still get different ids, the same on every run."""
    full = slug(text)
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{full[: limit - 9].rstrip('-')}-{digest}"


def day(date: dt.date) -> str:
    """``"Wed 2027-01-20"``."""
    return f"{WEEKDAYS[date.weekday()]} {date.isoformat()}"


def when(session: Session) -> str:
    """A session's day in words: ``"Mon 2027-01-04"``, or for a make-up session
    ``"Wed 2027-01-20 (make-up for Mon 2027-01-18, closed)"``; ``"Mon"`` without a date."""
    if session.date is None:
        return session.day.value.title()
    text = day(session.date)
    if session.replaces is not None:
        text += f" (make-up for {day(session.replaces)}, closed)"
    return text


class Closure(NamedTuple):
    """A closed date and what became of its session.

    Attributes:
        date: The closed date.
        week: The week it falls in (1-based).
        session_day: Whether a session was planned that day (a program day).
        moved_to: The date of the make-up session that replaces it, if any.
    """

    date: dt.date
    week: int
    session_day: bool
    moved_to: dt.date | None

    def describe(self) -> str:
        """``"Mon 2027-01-18 closed: its session moved to Wed 2027-01-20"``."""
        if not self.session_day:
            return f"{day(self.date)} closed (no session was planned that day)"
        if self.moved_to is None:
            return f"{day(self.date)} closed: no session, and no make-up day"
        return f"{day(self.date)} closed: its session moved to {day(self.moved_to)}"


def closures(curriculum: Curriculum) -> list[Closure]:
    """The program's closed dates in order, each with the week it falls in and the date
    its session moved to (empty without a start date)."""
    program = curriculum.program
    if program.start is None:
        return []
    moved = {s.replaces: s.date for _, s in curriculum.sessions() if s.replaces is not None}
    days = {d.position for d in program.days}
    return [
        Closure(
            date=date,
            week=(date - program.start).days // 7 + 1,
            session_day=date.weekday() in days,
            moved_to=moved.get(date),
        )
        for date in sorted(set(program.closures))
    ]


def week_closures(curriculum: Curriculum, week: Week) -> list[Closure]:
    """The closures that fall in ``week``."""
    return [c for c in closures(curriculum) if c.week == week.number]


def service(minutes: int) -> str:
    """``"9 h 05 min of service"``."""
    return f"{duration(minutes)} of service"


class Names:
    """Titles for the ids a curriculum holds, read from the catalog it was made from.

    A curriculum carries its activities' titles; module titles, lesson counts,
    modality names and billing codes live in the catalog. When the catalog cannot be
    found (a curriculum built in Python for a program without one), or does not hold
    an id, the id itself is shown: never a blank.
    """

    def __init__(self, curriculum: Curriculum) -> None:
        from iopkit.curriculum._resolve import program_catalog
        from iopkit.errors import IopkitError

        self.curriculum = curriculum
        try:
            self.catalog: Catalog | None = program_catalog(curriculum.program)
        except IopkitError:
            self.catalog = None

    def module(self, module_id: str) -> str:
        """The module's title."""
        if self.catalog is not None:
            try:
                return one_line(self.catalog.module(module_id).title)
            except KeyError:
                pass
        return module_id

    def lessons(self, module_id: str) -> int | None:
        """How many lessons the module has, if known."""
        if self.catalog is None:
            return None
        try:
            return len(self.catalog.module(module_id).lessons)
        except KeyError:
            return None

    def lesson(self, block: Block) -> str:
        """``"CBT foundations, lesson 1 of 3"`` for a lesson, ``""`` for other blocks."""
        if block.module is None or block.lesson is None:
            return ""
        of = self.lessons(block.module)
        title = self.module(block.module)
        if of is None:
            return f"{title}, lesson {block.lesson}"
        return lesson_name(title, block.lesson, of)

    def modality(self, modality_id: str | None) -> str:
        """The modality's name (``"Cognitive Behavioral Therapy"``), ``""`` for none."""
        if modality_id is None:
            return ""
        if self.catalog is not None:
            try:
                return one_line(self.catalog.modality(modality_id).name)
            except KeyError:
                pass
        return modality_id

    def billing_code(self, block: Block) -> str:
        """The activity's CPT or HCPCS code from the catalog, ``""`` when it has none."""
        if self.catalog is None:
            return ""
        try:
            code = self.catalog.activity(block.activity).billing_code
        except KeyError:
            return ""
        return one_line(code) if code else ""


def objectives(block: Block) -> list[str]:
    """The block's objectives, each on one line, blank ones left out."""
    return [text for text in (one_line(o) for o in block.objectives) if text]


def services(session: Session) -> Iterator[Block]:
    """The session's main blocks that are not breaks."""
    return (b for b in session.blocks if not b.is_break)


def every_service(session: Session) -> Iterator[Block]:
    """The blocks of every sitting of the session (main blocks and groups, in time
    order) that are not breaks."""
    for _, blocks in _sittings(session):
        yield from (b for b in blocks if not b.is_break)


#: Where a group meets, in words.
PLACES = {
    Place.BEFORE: "before the session",
    Place.BESIDE: "beside the session",
    Place.AFTER: "after the session",
}

#: Who attends the main blocks of a session that has a group beside them.
EVERY_OTHER = "for every other patient"


class Sitting(NamedTuple):
    """One sitting of a session: its main blocks or one of its groups.

    Attributes:
        group: The group, or ``None`` for the main blocks.
        blocks: Its blocks; their ``start`` counts from the sitting's first minute.
        start: Its first minute, from the start of the main blocks (negative before them).
    """

    group: SessionGroup | None
    blocks: tuple[Block, ...]
    start: int

    @property
    def end(self) -> int:
        """Its last minute, from the start of the main blocks."""
        return self.start + self.blocks[-1].end

    @property
    def name(self) -> str:
        """``"main"`` or the group's name (an id: for UIDs and link ids)."""
        return "main" if self.group is None else self.group.name

    @property
    def place(self) -> Place | None:
        """Where the group meets; ``None`` for the main blocks."""
        return None if self.group is None else self.group.place


def sittings(session: Session) -> list[Sitting]:
    """The session's sittings in time order: groups before it, its main blocks, groups
    beside it, groups after it."""
    return [
        Sitting(group, blocks, 0 if group is None else group.start)
        for group, blocks in _sittings(session)
    ]


def session_span(session: Session) -> tuple[int, int]:
    """The first and last minute of the session with all its groups, from the start of
    its main blocks."""
    found = sittings(session)
    return min(s.start for s in found), max(s.end for s in found)


def group_title(group: SessionGroup) -> str:
    """What schedules call a group: its label, or its name, on one line."""
    return one_line(group.title)


def who(curriculum: Curriculum, group: SessionGroup) -> str:
    """Who attends a group, in words: ``"for the patient's first week"``, or ``""`` when
    the program does not define the group."""
    definition = curriculum.program.group(group.name)
    if definition is None:
        return ""
    return f"for {describe_phase(definition.patient_weeks)}"


def group_facts(curriculum: Curriculum, group: SessionGroup) -> list[str]:
    """The facts schedules show about a group's sitting: its room (if any) and who
    attends it."""
    facts = [one_line(group.room)] if group.room else []
    attends = who(curriculum, group)
    if attends:
        facts.append(attends)
    return facts
