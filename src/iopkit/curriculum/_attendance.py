"""Attendance: what patients of a composed curriculum actually received.

A curriculum is the plan. Attendance records say what each patient attended of it: one
record per patient per session, per sitting (the main blocks or one group) or per block.
:func:`attendance` follows each patient's journey (see the open-enrolment page of the
docs), applies their records and reports, week by week of their stay: the service
minutes planned and received, the compliance profiles' limits met or missed with the
arithmetic, the lessons they missed with the date each is offered again within their
stay, and runs of consecutive absences. A program-level summary gives the share of
patient-weeks that met each profile and the patients below a floor in the week of the
report. A census counts the patients of each sitting of each session, from the records or
(:func:`planned_census`) from an expected admission rate, against group-size caps
(:class:`GroupSizes`).

Records are health data. Messages about a record name its line (or index) and at most the
patient id written in that record; nothing here logs, and nothing touches the network.

iopkit supports planning; it is not clinical or billing advice.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from iopkit._checks import (
    READ_CURRICULUM,
    expect,
    expect_one_of,
    got,
    invalid,
    located,
    member,
    whole,
)
from iopkit._checks import date as to_date
from iopkit._session import Block, Session
from iopkit._types import MAX_ID, SLUG, Place
from iopkit._words import duration, lesson_name, plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._journey import AdmissionPoint, Journey, PatientWeek, Visit, Walker
from iopkit.curriculum._journey import journey as patient_journey
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import (
    Count,
    GroupSizes,
    Per,
    Requirement,
    describe_phase,
    phase_weeks,
)
from iopkit.errors import FileFormatError, InputError, Problem, ProgramError, excerpt

#: The format of attendance files, as their ``iopkit`` key (JSON) says.
RECORDS_FORMAT = "attendance/1"
#: Largest attendance file read, in bytes (CSV or JSON).
MAX_RECORDS_BYTES = 16 * 1024 * 1024
#: Most records one file may hold.
MAX_RECORDS = 1_000_000
#: Most problems reported about one set of records (a count of the others follows).
MOST_PROBLEMS = 100
#: A block counts as received (for requirements, and as not missed for lessons) when the
#: patient attended at least this share of its minutes.
RECEIVED_SHARE = 0.5
#: Consecutive sessions without any service received that make a run worth reporting.
ABSENCE_RUN = 2
#: The columns of a CSV attendance file; the first four are required.
COLUMNS = ("patient", "admitted", "date", "status", "group", "block", "minutes", "stay")
REQUIRED_COLUMNS = COLUMNS[:4]

_PATIENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_INTEGER = re.compile(r"-?[0-9]{1,9}")
_POSITION = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: What a patient id may be, in words (messages never repeat an id that is not one).
PATIENT_ID = (
    "a pseudonymous patient id: letters, digits, '.', '_' and '-', at most 64 "
    "characters, starting with a letter or digit"
)


# -- records ---------------------------------------------------------------------------------


class AttendanceStatus(enum.StrEnum):
    """What a record says the patient did."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    LATE = "late"
    LEFT_EARLY = "left-early"
    ATTENDED = "attended"


#: The statuses that need ``minutes``.
TIMED = frozenset({AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY, AttendanceStatus.ATTENDED})


_STATUSES = {s.value: s for s in AttendanceStatus}


def _status(value: AttendanceStatus | str) -> AttendanceStatus:
    if isinstance(value, str) and value in _STATUSES:
        return _STATUSES[value]
    return member(AttendanceStatus, value)


def _patient(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise invalid(inst, attribute, f"must be {PATIENT_ID} (got {got(value)})", wrong_type=True)
    if not _PATIENT.fullmatch(value):
        raise invalid(inst, attribute, f"is not {PATIENT_ID}")


def _slug(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > MAX_ID or not SLUG.fullmatch(value):
        raise invalid(
            inst,
            attribute,
            f"must be an id of lowercase letters, digits and single hyphens (got {got(value)})",
            wrong_type=not isinstance(value, str),
        )


def _block(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 1000:
            raise invalid(inst, attribute, f"a block's position is from 1 (got {value})")
        return
    _slug(inst, attribute, value)


@located
@attrs.frozen(kw_only=True)
class AttendanceRecord:
    """What one patient attended of one session, sitting or block.

    Without ``group`` and ``block`` a record is about the whole session as the patient
    attends it (every sitting of their visit); with ``group`` only, about that group's
    sitting; with ``block``, about one block of the main blocks (or of ``group``'s). A
    more precise record overrides a broader one for what it names.

    Attributes:
        patient: A pseudonymous patient id (never a name).
        admitted: The date the patient was admitted.
        date: The date of the session (a curriculum has at most one session a day).
        status: present, absent, excused, late, left-early or attended.
        group: The group whose sitting the record is about, or ``None``.
        block: The block: its activity id, or its 1-based position in its sitting.
        minutes: Wall-clock minutes (breaks included): late by, left early by, or
            attended from the start; only with those statuses.
        stay: How many weeks the patient stays (by default the program's longest stay).
    """

    patient: str = attrs.field(validator=_patient)
    admitted: dt.date = attrs.field(converter=to_date)
    date: dt.date = attrs.field(converter=to_date)
    status: AttendanceStatus = attrs.field(converter=_status)
    group: str | None = attrs.field(default=None, validator=_slug)
    block: str | int | None = attrs.field(default=None, validator=_block)
    minutes: int | None = attrs.field(default=None, validator=whole(0, 1440, optional=True))
    stay: int | None = attrs.field(default=None, validator=whole(1, 520, optional=True))

    def __attrs_post_init__(self) -> None:
        if self.status in TIMED and self.minutes is None:
            raise invalid(
                self,
                attrs.fields(AttendanceRecord).minutes,
                f"a record with status {self.status.value} needs its minutes",
            )
        if self.status not in TIMED and self.minutes is not None:
            raise invalid(
                self,
                attrs.fields(AttendanceRecord).minutes,
                "minutes go with late, left-early or attended only (this record is "
                f"{self.status.value})",
            )

    @property
    def scope(self) -> str:
        """``"session"``, ``"sitting"`` or ``"block"``: what the record is about."""
        if self.block is not None:
            return "block"
        return "session" if self.group is None else "sitting"


def _records(value: Iterable[AttendanceRecord]) -> tuple[AttendanceRecord, ...]:
    result = tuple(value)
    for index, item in enumerate(result):
        if not isinstance(item, AttendanceRecord):
            raise TypeError(f"record {index} must be an AttendanceRecord (got {got(item)})")
    return result


@attrs.frozen(kw_only=True)
class Attendance:
    """Attendance records, as read from a file (:func:`load_attendance`) or built in Python.

    Attributes:
        records: The records, in file order.
        file: The file they were read from, for messages; ``None`` in Python.
        lines: The line of each record in its file, for messages (empty in Python).
    """

    records: tuple[AttendanceRecord, ...] = attrs.field(converter=_records)
    file: str | None = attrs.field(default=None, eq=False)
    lines: tuple[int, ...] = attrs.field(default=(), eq=False, repr=False)

    def where(self, index: int, key: str = "") -> Problem:
        """An empty problem located at record ``index`` (and its ``key``)."""
        pointer = f"/records/{index}" + (f"/{key}" if key else "")
        if self.file is None:
            return Problem(message="", pointer=pointer, root="Attendance")
        line = self.lines[index] if index < len(self.lines) else None
        return Problem(message="", file=self.file, pointer=pointer, line=line)

    def problem(self, index: int, key: str, message: str) -> Problem:
        """A problem with record ``index``."""
        return attrs.evolve(self.where(index, key), message=message)


# -- reading and writing records ---------------------------------------------------------------


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, up to :data:`MAX_RECORDS_BYTES`; anything else (a
    FIFO, a device, a folder) is refused before it is read."""
    name = str(path)

    def fail(message: str) -> FileFormatError:
        return FileFormatError([Problem(message=message, file=name)])

    try:
        info = os.stat(path)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise fail("this is not a regular file, so it is not read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise fail("this is not a regular file, so it is not read")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_RECORDS_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_RECORDS_BYTES:
        raise fail(f"the file is larger than the limit of {MAX_RECORDS_BYTES // 1024 // 1024} MiB")
    return raw


def load_attendance(
    source: str | os.PathLike[str] | bytes, *, label: str | None = None
) -> Attendance:
    """Read attendance records: a CSV file (a header row naming the columns, then one
    row per record) or a JSON file (``iopkit: attendance/1``), or their bytes.

    A file whose name ends in ``.json`` (or bytes that start with ``{``) is JSON; anything
    else is CSV. Text is UTF-8 (a byte-order mark is allowed) and normalised to NFC.

    Args:
        source: The file, or its content as bytes.
        label: The name messages give bytes (``"<upload>"`` by default).

    Raises:
        FileFormatError: the file is unreadable, too large, not UTF-8, malformed, has
            unknown or missing columns, or a record breaks the format; every problem is
            listed with its line and place (``/records/3/status``). Messages never repeat
            a value given as a patient id unless it is a valid pseudonymous id, nor the
            cells of unknown columns.
    """
    if isinstance(source, bytes):
        raw = source
        name = label or "<upload>"
        is_json = source.lstrip()[:1] == b"{"
        if len(raw) > MAX_RECORDS_BYTES:
            raise FileFormatError(
                [
                    Problem(
                        message="the file is larger than the limit of "
                        f"{MAX_RECORDS_BYTES // 1024 // 1024} MiB",
                        file=name,
                    )
                ]
            )
    else:
        path = Path(source)
        raw = _read_regular(path)
        name = str(path)
        is_json = path.suffix.lower() == ".json"
    if is_json:
        from iopkit._files._documents import parse_document

        document = parse_document(raw, name, is_json=True)
        lines = _json_lines(raw)
    else:
        document = _parse_csv(raw, name)
        lines = None
    _check_schema(document, lines)
    data = document.data["records"]
    if lines is None:
        found = [document.lines.get(f"/records/{i}", 0) for i in range(len(data))]
    else:
        found = [lines[i] if i < len(lines) else 0 for i in range(len(data))]
    shell = Attendance(records=(), file=name, lines=tuple(found))
    records: list[AttendanceRecord] = []
    problems: list[Problem] = []
    dates: dict[str, dt.date] = {}
    for index, item in enumerate(data):
        try:
            records.append(_record(item, dates))
        except InputError as exc:
            for p in exc.problems:
                problems.append(shell.problem(index, p.pointer.lstrip("/"), p.message))
    if problems:
        raise FileFormatError(_capped(problems))
    return Attendance(records=tuple(records), file=name, lines=tuple(found))


def _record(item: Mapping[str, Any], dates: dict[str, dt.date]) -> AttendanceRecord:
    admitted, day = item["admitted"], item["date"]
    for text in (admitted, day):
        if text not in dates:
            dates[text] = to_date(text)
    return AttendanceRecord(
        patient=item["patient"],
        admitted=dates[admitted],
        date=dates[day],
        status=item["status"],
        group=item.get("group"),
        block=item.get("block"),
        minutes=item.get("minutes"),
        stay=item.get("stay"),
    )


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MOST_PROBLEMS:
        return problems
    more = len(problems) - MOST_PROBLEMS
    first = problems[0]
    return [
        *problems[:MOST_PROBLEMS],
        Problem(message=f"{more} more problems like these are not listed", file=first.file),
    ]


def _check_schema(document: Any, lines: list[int] | None) -> None:
    """The schema check, with messages that never repeat an invalid patient id, located
    by line (for JSON, by the line each record starts on)."""
    from iopkit._files._schemas import check

    try:
        check(document, "attendance")
    except FileFormatError as exc:
        problems = []
        for p in exc.problems:
            problem = p
            parts = p.pointer.split("/")
            if len(parts) >= 4 and parts[1] == "records" and parts[3] == "patient":
                problem = attrs.evolve(problem, message=f"the patient id is not {PATIENT_ID}")
            if lines is not None and len(parts) >= 3 and parts[1] == "records":
                index = int(parts[2]) if parts[2].isdigit() else -1
                if 0 <= index < len(lines):
                    problem = attrs.evolve(problem, line=lines[index])
            problems.append(problem)
        problems.sort(key=_record_index)
        raise FileFormatError(problems) from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{\n]')


def _json_lines(raw: bytes) -> list[int]:
    """The line each record of an attendance JSON document starts on: records are the
    only objects inside the top-level one (their values are all scalars)."""
    text = raw.decode("utf-8-sig", "replace")
    line = 1
    found: list[int] = []
    seen_top = False
    for match in _JSON_TOKEN.finditer(text):
        first = match.group()[0]
        if first == "\n":
            line += 1
        elif first == "{":
            if seen_top:
                found.append(line)
            seen_top = True
    return found


def _parse_csv(raw: bytes, name: str) -> Any:
    """A CSV attendance file as the document its JSON form would be, each record's line
    kept (so that schema errors are located the same way)."""
    from iopkit._files._documents import Document

    def fail(message: str, line: int | None = None) -> FileFormatError:
        return FileFormatError([Problem(message=message, file=name, line=line)])

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(f"the file is not valid UTF-8 text (byte {exc.start})", line) from None
    if not text.strip():
        raise fail("the file is empty")
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise fail(
            f"the file holds the control character U+{ord(found.group()):04X}, which is "
            "not allowed in records",
            line,
        )
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise fail(f"not valid CSV: {exc}", 1) from None
    columns = [cell.strip().lower() for cell in header]
    problems: list[Problem] = []
    for position, column in enumerate(columns, start=1):
        if column not in COLUMNS:
            import difflib

            close = difflib.get_close_matches(column[:60], COLUMNS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                Problem(
                    message=f"unknown column {excerpt(column)} (column {position}){hint}: the "
                    f"columns are {', '.join(COLUMNS)}. Records hold pseudonymous ids, never "
                    "names or other details about a patient",
                    file=name,
                    line=1,
                )
            )
        elif columns.index(column) != position - 1:
            problems.append(
                Problem(message=f"the column {column!r} appears twice", file=name, line=1)
            )
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(
                Problem(message=f"the required column {column!r} is missing", file=name, line=1)
            )
    if problems:
        raise FileFormatError(problems)
    records: list[dict[str, Any]] = []
    lines: dict[str, int] = {"": 1, "/records": 1}
    previous = reader.line_num
    try:
        for row in reader:
            line = previous + 1
            previous = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                problems.append(
                    Problem(
                        message=f"the row has {plural(len(row), 'cell')}; the header names "
                        f"{plural(len(columns), 'column')}",
                        file=name,
                        line=line,
                        pointer=f"/records/{len(records)}",
                    )
                )
                if len(problems) > MOST_PROBLEMS:
                    break
                continue
            if len(records) >= MAX_RECORDS:
                raise fail(f"the file holds more than {MAX_RECORDS:,} records", line)
            record: dict[str, Any] = {}
            for column, cell in zip(columns, row, strict=True):
                value = cell.strip()
                if not value:
                    continue
                number = _INTEGER if column in {"minutes", "stay"} else _POSITION
                if column in {"minutes", "stay", "block"} and number.fullmatch(value):
                    record[column] = int(value)
                else:
                    record[column] = value
            lines[f"/records/{len(records)}"] = line
            records.append(record)
    except csv.Error as exc:
        raise fail(f"not valid CSV: {exc}", reader.line_num) from None
    if problems:
        raise FileFormatError(_capped(problems))
    if not records:
        raise fail("the file holds no records, only its header", 1)
    return Document(data={"iopkit": RECORDS_FORMAT, "records": records}, file=name, lines=lines)


def _record_fields(record: AttendanceRecord) -> dict[str, Any]:
    result: dict[str, Any] = {
        "patient": record.patient,
        "admitted": record.admitted.isoformat(),
        "date": record.date.isoformat(),
        "status": record.status.value,
    }
    for key in ("group", "block", "minutes", "stay"):
        value = getattr(record, key)
        if value is not None:
            result[key] = value
    return result


def records_json(records: Attendance | Iterable[AttendanceRecord]) -> str:
    """Attendance records as JSON (``iopkit: attendance/1``), one record a line."""
    items = records.records if isinstance(records, Attendance) else tuple(records)
    body = ",\n".join("    " + json.dumps(_record_fields(r), ensure_ascii=False) for r in items)
    return (
        f'{{\n  "iopkit": "{RECORDS_FORMAT}",\n  "records": [\n{body}\n  ]\n}}\n'
        if items
        else f'{{\n  "iopkit": "{RECORDS_FORMAT}",\n  "records": []\n}}\n'
    )


def records_csv(records: Attendance | Iterable[AttendanceRecord]) -> str:
    """Attendance records as CSV: a header row, then one row per record (CRLF line
    ends, as RFC 4180 writes them)."""
    items = records.records if isinstance(records, Attendance) else tuple(records)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in items:
        fields = _record_fields(record)
        writer.writerow([fields.get(c, "") for c in COLUMNS])
    return out.getvalue()


# -- the report ----------------------------------------------------------------------------------


class CheckState(enum.StrEnum):
    """How a week stands against one limit."""

    MET = "met"
    MISSED = "missed"
    EXEMPT = "exempt"
    PENDING = "pending"


class WeekState(enum.StrEnum):
    """Where a patient week stands on the date of the report."""

    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


@attrs.frozen(kw_only=True)
class LimitCheck:
    """One limit of a compliance profile, checked on what a patient received.

    Attributes:
        profile: The profile's id.
        limit: Which of its limits: ``weekly_minutes.min``, ``weekly_minutes.max``,
            ``long_sessions``, ``require[0]``, ...
        state: met, missed, exempt (the limit does not apply that week) or pending (the
            week is not over).
        value: What was received (minutes or a count).
        bound: The profile's bound.
        text: The arithmetic in words.
        counted: What ``value`` counts, in words, with the span when it is not the week:
            ``service minutes``, ``sessions with 180+ service minutes``, ``individual
            therapy activities``, ``group therapy activities on 2027-01-04``.
        planned: The same count had the patient attended everything planned for them: a
            limit missed with ``planned`` below ``bound`` is missed by the plan itself,
            not by the patient's attendance.
    """

    profile: str
    limit: str
    state: CheckState
    value: int
    bound: int
    text: str
    counted: str = ""
    planned: int = 0


@attrs.frozen(kw_only=True)
class WeekReport:
    """One week of a patient's stay.

    Attributes:
        number: The patient week (1 is the week of admission).
        week: The curriculum week it falls in.
        run: For a cycle, which run of it (0 for the first).
        first: The first day (Monday) of the calendar week.
        state: done, current (the week of the report) or upcoming.
        partial: Whether the patient joined after the week's first session.
        planned: Service minutes planned for the patient this week.
        received: Service minutes received (up to the date of the report).
        remaining: Service minutes planned after the date of the report.
        sessions: Sessions planned for the patient this week.
        attended: Sessions up to the date of the report with any service received.
        unrecorded: Sessions up to the date of the report with no record at all.
        checks: Each profile limit checked this week (none for an upcoming week).
    """

    number: int
    week: int
    run: int
    first: dt.date
    state: WeekState
    partial: bool
    planned: int
    received: int
    remaining: int
    sessions: int
    attended: int
    unrecorded: int
    checks: tuple[LimitCheck, ...] = ()

    def verdict(self, profile: str) -> CheckState | None:
        """The week against one profile: missed if a limit is missed, else pending if one
        is pending, else met; ``None`` for an upcoming week or a profile not checked."""
        found = [c.state for c in self.checks if c.profile == profile]
        if self.state is WeekState.UPCOMING:
            return None
        if CheckState.MISSED in found:
            return CheckState.MISSED
        if CheckState.PENDING in found:
            return CheckState.PENDING
        return CheckState.MET


@attrs.frozen(kw_only=True)
class MissedLesson:
    """A lesson a patient missed (received less than half of), and its next offering.

    Attributes:
        date: The date it was missed.
        week: The patient week it fell in.
        title: The activity's title.
        name: The lesson in words (``"Relapse prevention topics, lesson 3 of 16"``).
        module: The module's id.
        lesson: The lesson's number in its module.
        group: The group it was taught in, or ``None`` for the main blocks.
        minutes: The lesson's length.
        received: The minutes of it the patient attended.
        next: The date it is next offered in a sitting the patient attends, within their
            stay, or ``None``: not offered again before discharge.
        made_up: Whether the patient received it on that date; ``None`` when it is later
            than the report or there is no next offering.
    """

    date: dt.date
    week: int
    title: str
    name: str
    module: str
    lesson: int
    group: str | None
    minutes: int
    received: int
    next: dt.date | None
    made_up: bool | None


@attrs.frozen(kw_only=True)
class AbsenceRun:
    """Consecutive sessions of a patient's schedule in which they received no service.

    Attributes:
        first: The date of the first session missed.
        last: The date of the last one.
        sessions: How many sessions in a row.
        excused: How many of them were excused.
        unrecorded: How many of them had no record (counted as absent).
    """

    first: dt.date
    last: dt.date
    sessions: int
    excused: int
    unrecorded: int


@attrs.frozen(kw_only=True)
class PatientReport:
    """One patient's stay.

    Attributes:
        patient: The pseudonymous id the records give.
        admitted: The date of their admission session.
        stay: How many weeks they stay.
        weeks: Each week of the stay.
        missed: The lessons they missed, in date order.
        absences: Runs of two or more sessions missed in a row.
        stay_checks: Requirements counted over the whole stay (``per: program``).
    """

    patient: str
    admitted: dt.date
    stay: int
    weeks: tuple[WeekReport, ...]
    missed: tuple[MissedLesson, ...] = ()
    absences: tuple[AbsenceRun, ...] = ()
    stay_checks: tuple[LimitCheck, ...] = ()

    @property
    def planned(self) -> int:
        """Service minutes planned over the stay."""
        return sum(w.planned for w in self.weeks)

    @property
    def received(self) -> int:
        """Service minutes received up to the date of the report."""
        return sum(w.received for w in self.weeks)


@attrs.frozen(kw_only=True)
class ProfileShare:
    """How many finished patient-weeks met a profile.

    Attributes:
        profile: The profile's id.
        title: Its title.
        met: Finished patient-weeks that met every limit of it (a limit that does not
            apply in a week, such as a floor in a partial first week, counts as met).
        weeks: Finished patient-weeks checked.
    """

    profile: str
    title: str
    met: int
    weeks: int

    @property
    def share(self) -> float | None:
        """``met / weeks``, or ``None`` when no week is finished."""
        return self.met / self.weeks if self.weeks else None


@attrs.frozen(kw_only=True)
class FloorAlert:
    """A patient below a profile's weekly floor in the week of the report.

    Attributes:
        patient: The pseudonymous id.
        admitted: Their admission date.
        week: Their patient week.
        profile: The profile whose floor it is.
        floor: The floor, in minutes.
        received: Minutes received so far this week.
        remaining: Minutes still planned this week after the date of the report.
        count: ``service`` or ``wall`` minutes.
    """

    patient: str
    admitted: dt.date
    week: int
    profile: str
    floor: int
    received: int
    remaining: int
    count: Count = Count.SERVICE

    @property
    def short(self) -> int:
        """Minutes still needed to reach the floor."""
        return max(0, self.floor - self.received)

    @property
    def reachable(self) -> bool:
        """Whether attending everything still planned this week reaches the floor."""
        return self.received + self.remaining >= self.floor


@attrs.frozen(kw_only=True)
class SittingCensus:
    """How many patients sit one sitting of one session.

    Attributes:
        week: The curriculum week.
        run: For a cycle, the run (0 for the first; always 0 in a planned census).
        session: The session's number in the curriculum.
        date: The session's date (in its run), if the curriculum has dates.
        group: The group's name, or ``None`` for the main blocks.
        title: What schedules call the sitting.
        enrolled: Patients whose schedule holds the sitting (an expected number, possibly
            fractional, in a planned census).
        present: Patients who attended some of it (from records), or ``None`` for a
            session after the date of the report or a planned census.
        cap: The group-size cap that applies, or ``None``.
        cap_source: Which cap it is (``"max"``, ``"activities.process-group"``, ...).
    """

    week: int
    run: int
    session: int
    date: dt.date | None
    group: str | None
    title: str
    enrolled: float
    present: int | None = None
    cap: int | None = None
    cap_source: str | None = None

    @property
    def over(self) -> bool:
        """Whether more patients are enrolled than the cap allows."""
        return self.cap is not None and self.enrolled > self.cap + 1e-9


@attrs.frozen(kw_only=True)
class Census:
    """The patients of each sitting of each session.

    Attributes:
        sittings: Every sitting with at least one patient, in time order.
        rate: For a planned census, the new patients a week it assumes; else ``None``.
        stay: For a planned census, the stay it assumes in weeks; else ``None``.
        caps: The group-size caps checked, if any.
    """

    sittings: tuple[SittingCensus, ...]
    rate: float | None = None
    stay: int | None = None
    caps: GroupSizes | None = None

    @property
    def violations(self) -> tuple[SittingCensus, ...]:
        """The sittings over their cap."""
        return tuple(s for s in self.sittings if s.over)


@attrs.frozen(kw_only=True)
class AttendanceReport:
    """What the patients of a curriculum received, against the plan and the profiles.

    Attributes:
        program: The program's name.
        as_of: The date of the report: later sessions are upcoming.
        profiles: The compliance profiles checked.
        patients: Each patient's stay, by admission date then id.
        shares: For each profile, the finished patient-weeks that met it.
        below_floor: Patients below a profile's weekly floor in the week of ``as_of``.
        census: The patients of each sitting, from the records.
        unrecorded: How sessions without a record up to ``as_of`` were counted.
    """

    program: str
    as_of: dt.date
    profiles: tuple[Profile, ...]
    patients: tuple[PatientReport, ...]
    shares: tuple[ProfileShare, ...]
    below_floor: tuple[FloorAlert, ...]
    census: Census
    unrecorded: Literal["absent", "present"] = "absent"

    def patient(self, patient: str) -> PatientReport:
        """The report of one patient.

        Raises:
            KeyError: no patient has that id in the records.
        """
        for found in self.patients:
            if found.patient == patient:
                return found
        raise KeyError("no patient has that id in the records")


# -- matching records to the curriculum ---------------------------------------------------------


@attrs.frozen
class _Target:
    """What a record is about in one session: the scope, the sitting and the block."""

    scope: str  # "session", "sitting" or "block"
    group: str | None
    block: int | None  # 0-based, in the sitting


class _Calendar:
    """The curriculum's sessions by date, in any run of a cycle."""

    def __init__(self, curriculum: Curriculum) -> None:
        program = curriculum.program
        start = program.start
        if start is None:
            raise ProgramError(
                [
                    Problem(
                        message="attendance needs a curriculum with dates: give the program a "
                        "start date ('start') and compose it again",
                        pointer="/start",
                        file=program.file,
                    )
                ]
            )
        self.start = start
        self.weeks = len(curriculum.weeks)
        self.cycle = program.cycle
        self.by_date: dict[dt.date, Session] = {}
        self.week_of: dict[int, int] = {}
        for week, session in curriculum.sessions():
            if session.date is not None:
                self.by_date[session.date] = session
            self.week_of[session.number] = week.number
        self.days = ", ".join(d.value for d in program.days)

    @property
    def end(self) -> dt.date:
        """The last day of the curriculum (of its first run, for a cycle)."""
        return self.start + dt.timedelta(weeks=self.weeks, days=-1)

    def find(self, day: dt.date) -> tuple[int, Session] | str:
        """``(run, session)`` on a date, or why there is none."""
        offset = (day - self.start).days
        if offset < 0 or (not self.cycle and offset >= 7 * self.weeks):
            return (
                f"{day.isoformat()} is outside the curriculum, which runs from "
                f"{self.start.isoformat()} to {self.end.isoformat()}"
                + (" and then repeats" if self.cycle else "")
            )
        run = offset // (7 * self.weeks) if self.cycle else 0
        base = day - dt.timedelta(weeks=run * self.weeks)
        session = self.by_date.get(base)
        if session is None:
            return (
                f"the curriculum has no session on {day.strftime('%a')} {day.isoformat()} "
                f"(sessions are on {self.days}, closures aside)"
            )
        return run, session

    def week_start(self, week: int, run: int) -> dt.date:
        """The first day of curriculum week ``week`` in run ``run``."""
        return self.start + dt.timedelta(weeks=week - 1 + run * self.weeks)


def _sitting_blocks(session: Session, group: str | None) -> tuple[Block, ...] | None:
    if group is None:
        return session.blocks
    for found in session.groups:
        if found.name == group:
            return found.blocks
    return None


def _sitting_span(session: Session, group: str | None) -> tuple[int, int]:
    if group is None:
        return 0, session.minutes
    for found in session.groups:
        if found.name == group:
            return found.start, found.start + found.minutes
    return 0, 0  # pragma: no cover - the group was found before


def _target(session: Session, record: AttendanceRecord) -> _Target | str:
    """What a record names in a session, or why it names nothing there."""
    blocks = _sitting_blocks(session, record.group)
    when = _When(record.date)
    if blocks is None:
        meeting = [g.name for g in session.groups]
        import difflib

        close = difflib.get_close_matches(record.group or "", meeting, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else (f" (groups that day: {', '.join(meeting)})" if meeting else "")
        )
        return f"group {record.group!r} does not meet on {when}{hint}"
    if record.block is None:
        return _Target(scope=record.scope, group=record.group, block=None)
    where = "the main blocks" if record.group is None else f"group {record.group!r}"
    if isinstance(record.block, int):
        if record.block > len(blocks):
            return (
                f"{where} on {when} hold {plural(len(blocks), 'block')}; there is no block "
                f"{record.block}"
            )
        return _Target(scope="block", group=record.group, block=record.block - 1)
    places = [i for i, b in enumerate(blocks) if b.activity == record.block]
    if not places:
        import difflib

        ids = list(dict.fromkeys(b.activity for b in blocks))
        close = difflib.get_close_matches(record.block, ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (it holds {', '.join(ids)})"
        return f"{where} on {when} hold no block {record.block!r}{hint}"
    if len(places) > 1:
        return (
            f"{record.block!r} occurs {len(places)} times in {where} on {when}: name the "
            f"block by its position (1 to {len(blocks)})"
        )
    return _Target(scope="block", group=record.group, block=places[0])


class _When:
    """A date as messages write it (``Mon 2027-01-04``), worked out only when shown."""

    __slots__ = ("day",)

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __format__(self, spec: str) -> str:
        return format(_when(self.day), spec)


@attrs.frozen
class _Row:
    """A record matched to a session of the patient's schedule."""

    index: int
    record: AttendanceRecord
    target: _Target


class _Stay:
    """One patient's journey with their records, by date."""

    def __init__(self, patient: str, journey: Journey) -> None:
        self.patient = patient
        self.journey = journey
        self.rows: dict[dt.date, list[_Row]] = {}
        #: Records of sittings the patient's schedule does not hold, with the reason.
        self.strangers: dict[dt.date, list[tuple[_Row, str]]] = {}
        self.visits: dict[dt.date, tuple[PatientWeek, Visit]] = {}
        for week, visit in journey.visits():
            if visit.date is not None:
                self.visits[visit.date] = (week, visit)


def _visit_groups(visit: Visit) -> set[str | None]:
    return {item.group for item in visit.blocks}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _attending(record: AttendanceRecord) -> bool:
    if record.status in {AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED}:
        return False
    return not (record.status is AttendanceStatus.ATTENDED and record.minutes == 0)


class _Matcher:
    """Matches records to patients' journeys, collecting every problem."""

    def __init__(self, curriculum: Curriculum, attendance: Attendance) -> None:
        self.curriculum = curriculum
        self.attendance = attendance
        self.calendar = _Calendar(curriculum)
        self.problems: list[Problem] = []
        self.journeys: dict[tuple[dt.date, int | None], Journey | str] = {}
        self.targets: dict[tuple[int, str | None, str | int | None], _Target] = {}

    def fail(self, index: int, key: str, message: str) -> None:
        if len(self.problems) <= MOST_PROBLEMS:
            self.problems.append(self.attendance.problem(index, key, message))

    def journey(self, admitted: dt.date, stay: int | None) -> Journey | str:
        key = (admitted, stay)
        if key not in self.journeys:
            try:
                self.journeys[key] = patient_journey(self.curriculum, admitted, stay=stay)
            except ValueError as exc:
                self.journeys[key] = str(exc)
        return self.journeys[key]

    def stays(self) -> list[_Stay]:
        """Each patient's stay with their records, in the order patients first appear."""
        records = self.attendance.records
        first: dict[str, int] = {}
        stays: dict[str, _Stay | None] = {}
        for index, record in enumerate(records):
            if record.patient not in first:
                first[record.patient] = index
                found = self.journey(record.admitted, record.stay)
                if isinstance(found, str):
                    self.fail(index, "admitted", found)
                    stays[record.patient] = None
                else:
                    stays[record.patient] = _Stay(record.patient, found)
            head = records[first[record.patient]]
            if record.admitted != head.admitted:
                self.fail(
                    index,
                    "admitted",
                    f"patient {record.patient!r} was admitted on {head.admitted.isoformat()} "
                    f"({self._at(first[record.patient])}); this record says "
                    f"{record.admitted.isoformat()}. A patient admitted again needs a new id",
                )
                continue
            if record.stay != head.stay:
                self.fail(
                    index,
                    "stay",
                    f"the stay of patient {record.patient!r} differs from the one given "
                    f"{self._at(first[record.patient])}: give it the same on every record",
                )
                continue
            stay = stays[record.patient]
            if stay is not None:
                self._match(index, record, stay)
        for stay in stays.values():
            if stay is not None:
                self._parallel(stay)
        self.problems.sort(key=_record_index)
        return [s for s in stays.values() if s is not None]

    def _at(self, index: int) -> str:
        where = self.attendance.where(index)
        return f"line {where.line}" if where.line else f"record {index}"

    def _match(self, index: int, record: AttendanceRecord, stay: _Stay) -> None:
        found = self.calendar.find(record.date)
        if isinstance(found, str):
            self.fail(index, "date", found)
            return
        _, session = found
        key = (session.number, record.group, record.block)
        target = self.targets.get(key) or _target(session, record)
        if isinstance(target, _Target):
            self.targets[key] = target
        if isinstance(target, str):
            self.fail(index, "block" if record.block is not None else "group", target)
            return
        visit = stay.visits.get(record.date)
        journey = stay.journey
        if visit is None:
            first = journey.admitted_date
            dates = sorted(stay.visits)
            if first is not None and record.date < first:
                why = f"is before the patient's admission on {first.isoformat()}"
            elif dates and record.date > dates[-1]:
                why = (
                    f"is after the patient's stay of {plural(journey.stay, 'week')} (their last "
                    f"session is on {dates[-1].isoformat()})"
                )
            else:
                why = "is not in the patient's schedule"
            self.fail(index, "date", f"{record.date.isoformat()} {why}")
            return
        week, planned = visit
        row = _Row(index, record, target)
        if target.scope != "session" and target.group not in _visit_groups(planned):
            why = self._not_theirs(target.group, week, planned)
            stay.strangers.setdefault(record.date, []).append((row, why))
            return
        stay.rows.setdefault(record.date, []).append(row)

    def _not_theirs(self, group: str | None, week: PatientWeek, visit: Visit) -> str:
        attends = sorted({g for g in _visit_groups(visit) if g is not None})
        instead = f" (they attend {', '.join(repr(g) for g in attends)})" if attends else ""
        if group is None:
            return (
                f"in their week {week.number} the patient does not attend the main blocks of "
                f"this session{instead}"
            )
        definition = self.curriculum.program.group(group)
        phase = f": it is for {describe_phase(definition.patient_weeks)}" if definition else ""
        return f"in their week {week.number} the patient is not in group {group!r}{phase}"

    def _parallel(self, stay: _Stay) -> None:
        """Two records for the same thing, or the patient present at two sittings that
        meet at the same time."""
        for day in sorted(set(stay.rows) | set(stay.strangers)):
            rows = stay.rows.get(day, [])
            strangers = stay.strangers.get(day, [])
            _, visit = stay.visits[day]
            seen: dict[tuple[str, str | None, int | None], int] = {}
            for row in rows:
                key = (row.target.scope, row.target.group, row.target.block)
                if key in seen:
                    self.fail(
                        row.index,
                        "date",
                        f"this is recorded twice for the patient (also {self._at(seen[key])})",
                    )
                else:
                    seen[key] = row.index
            every = sorted([*rows, *(r for r, _ in strangers)], key=lambda r: r.index)
            sitting_rows = [
                r for r in every if r.target.scope != "session" and _attending(r.record)
            ]
            clashing: set[int] = set()
            for i, row in enumerate(sitting_rows):
                for other in sitting_rows[:i]:
                    if row.target.group == other.target.group:
                        continue
                    a = self._span(visit.session, row.target)
                    b = self._span(visit.session, other.target)
                    if _overlap(a, b):
                        what = (
                            "the main blocks"
                            if other.target.group is None
                            else f"group {other.target.group!r}"
                        )
                        self.fail(
                            row.index,
                            "group",
                            f"the patient is also recorded at {what} ({self._at(other.index)}), "
                            "which meets at the same time: a patient attends one sitting at a time",
                        )
                        clashing.add(row.index)
                        break
            for row, why in strangers:
                if row.index not in clashing:
                    self.fail(row.index, "group" if row.target.group else "block", why)
            self._lengths(stay, day, rows)

    @staticmethod
    def _span(session: Session, target: _Target) -> tuple[int, int]:
        first, last = _sitting_span(session, target.group)
        if target.block is None:
            return first, last
        blocks = _sitting_blocks(session, target.group) or ()
        block = blocks[target.block]
        return first + block.start, first + block.end

    def _lengths(self, stay: _Stay, day: dt.date, rows: list[_Row]) -> None:
        """Minutes late, early or attended within the length of what the record names."""
        _, visit = stay.visits[day]
        for row in rows:
            record = row.record
            if record.minutes is None:
                continue
            length = sum(b.block.minutes for b in _scope_items(visit, row.target))
            if record.minutes > length:
                what = {"session": "the session", "sitting": "the sitting", "block": "the block"}
                self.fail(
                    row.index,
                    "minutes",
                    f"{record.status.value} {record.minutes} minutes, but "
                    f"{what[row.target.scope]} lasts {length} minutes for this patient",
                )


def _record_index(problem: Problem) -> int:
    """The index of the record a problem is about (problems about no record sort last)."""
    parts = problem.pointer.split("/")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else MAX_RECORDS


def _scope_items(visit: Visit, target: _Target) -> list[Any]:
    """The visit's blocks a record's target covers, in time order."""
    if target.scope == "session":
        return list(visit.blocks)
    items = [item for item in visit.blocks if item.group == target.group]
    if target.block is None:
        return items
    return items[target.block : target.block + 1]


# -- what each patient received ----------------------------------------------------------------


def _kept(record: AttendanceRecord, total: int) -> tuple[int, int]:
    """The minutes ``[from, to)`` of ``total`` a record says the patient attended."""
    minutes = record.minutes or 0
    if record.status is AttendanceStatus.PRESENT:
        return 0, total
    if record.status is AttendanceStatus.LATE:
        return min(minutes, total), total
    if record.status is AttendanceStatus.LEFT_EARLY:
        return 0, max(0, total - minutes)
    if record.status is AttendanceStatus.ATTENDED:
        return 0, min(minutes, total)
    return 0, 0


class _Layout:
    """A visit's blocks laid out once (visits are shared by the patients of a journey):
    what working out what a patient received of it needs."""

    __slots__ = (
        "groups",
        "index",
        "inside",
        "items",
        "minutes",
        "offset",
        "pauses",
        "planned",
        "position",
        "service",
        "sitting",
        "sitting_planned",
        "sizes",
        "wall",
        "zeros",
    )

    def __init__(self, visit: Visit) -> None:
        self.items = visit.blocks
        self.minutes = tuple(item.block.minutes for item in visit.blocks)
        #: Per block, the break inside it as (first minute in the block, minutes).
        self.pauses = tuple(
            (p.at, p.minutes) if (p := item.block.pause) is not None else None
            for item in visit.blocks
        )
        #: Per block, the minutes of a break inside it (not service).
        self.inside = tuple(p[1] if p is not None else 0 for p in self.pauses)
        self.service = tuple(not item.block.is_break for item in visit.blocks)
        self.groups = tuple(item.group for item in visit.blocks)
        index: list[int] = []
        offset: list[int] = []
        position: list[int] = []
        counted: dict[str | None, int] = {}
        within: dict[str | None, int] = {}
        at = 0
        for group, minutes in zip(self.groups, self.minutes, strict=True):
            index.append(counted.get(group, 0))
            counted[group] = index[-1] + 1
            offset.append(within.get(group, 0))
            within[group] = offset[-1] + minutes
            position.append(at)
            at += minutes
        self.index = tuple(index)
        self.offset = tuple(offset)
        self.position = tuple(position)
        self.sizes = within
        self.wall = at
        self.planned = sum(item.block.service_minutes for item in visit.blocks)
        self.sitting = _sitting_group(visit)
        self.sitting_planned = sum(
            item.block.service_minutes for item in visit.blocks if item.group == self.sitting
        )
        self.zeros = (0,) * len(self.minutes)


class _Received:
    """What a patient received of one visit: minutes of each of its blocks, in the
    visit's order, with their sums."""

    __slots__ = (
        "excused",
        "future",
        "inside",
        "kept",
        "layout",
        "recorded",
        "service",
        "visit",
        "wall",
    )

    def __init__(
        self,
        visit: Visit,
        layout: _Layout,
        kept: tuple[int, ...],
        *,
        recorded: bool,
        excused: bool = False,
        future: bool = False,
        inside: tuple[int, ...] | None = None,
    ) -> None:
        self.visit = visit
        self.layout = layout
        self.kept = kept
        #: Per block, the minutes received of a break inside it (not service).
        self.inside = inside if inside is not None else layout.inside
        self.recorded = recorded
        self.excused = excused
        self.future = future
        if kept is layout.minutes:
            self.wall, self.service = layout.wall, layout.planned
        elif kept is layout.zeros:
            self.wall = self.service = 0
            self.inside = layout.zeros
        else:
            self.wall = sum(kept)
            self.service = sum(
                k - i for k, i, s in zip(kept, self.inside, layout.service, strict=True) if s
            )

    def sitting_service(self) -> int:
        """Service minutes received of the visit's sitting (main blocks or the group
        beside them), as long sessions count them."""
        layout = self.layout
        return sum(
            k - i
            for k, i, s, g in zip(
                self.kept, self.inside, layout.service, layout.groups, strict=True
            )
            if s and g == layout.sitting
        )

    def pairs(self) -> Iterator[tuple[Any, int]]:
        """``(visit block, minutes of service received)`` for each block."""
        return (
            (item, k - i)
            for item, k, i in zip(self.layout.items, self.kept, self.inside, strict=True)
        )


def _receive(
    visit: Visit, layout: _Layout, rows: Sequence[_Row], *, future: bool, default: bool
) -> _Received:
    """Minutes received of each block of a visit: the most precise record covering a
    block decides it (block, then sitting, then session)."""
    if future:
        return _Received(visit, layout, layout.zeros, recorded=bool(rows), future=True)
    if not rows:
        return _Received(visit, layout, layout.minutes if default else layout.zeros, recorded=False)
    if len(rows) == 1:
        only = rows[0]
        if only.target.scope == "session" and only.record.status is AttendanceStatus.PRESENT:
            return _Received(visit, layout, layout.minutes, recorded=True)
    session_row: _Row | None = None
    sitting_rows: dict[str | None, _Row] = {}
    block_rows: dict[tuple[str | None, int], _Row] = {}
    for row in rows:
        target = row.target
        if target.scope == "session":
            session_row = row
        elif target.scope == "sitting":
            sitting_rows[target.group] = row
        elif target.block is not None:
            block_rows[(target.group, target.block)] = row
    session_keep = _kept(session_row.record, layout.wall) if session_row else None
    sitting_keep = {g: _kept(r.record, layout.sizes.get(g, 0)) for g, r in sitting_rows.items()}
    kept: list[int] = []
    inside: list[int] = []  # of which minutes of a break inside the block
    for group, here, minutes, pause, offset, position in zip(
        layout.groups,
        layout.index,
        layout.minutes,
        layout.pauses,
        layout.offset,
        layout.position,
        strict=True,
    ):
        block_row = block_rows.get((group, here))
        if block_row is not None:
            start, (low, high) = 0, _kept(block_row.record, minutes)
        elif group in sitting_keep:
            start, (low, high) = offset, sitting_keep[group]
        elif session_keep is not None:
            start, (low, high) = position, session_keep
        else:
            kept.append(minutes if default else 0)
            inside.append(pause[1] if default and pause is not None else 0)
            continue
        kept.append(_span_overlap(start, minutes, low, high))
        held = 0 if pause is None else _span_overlap(start + pause[0], pause[1], low, high)
        inside.append(held)
    excused = all(r.record.status is AttendanceStatus.EXCUSED for r in rows)
    return _Received(
        visit, layout, tuple(kept), recorded=True, excused=excused, inside=tuple(inside)
    )


def _span_overlap(start: int, minutes: int, low: int, high: int) -> int:
    return max(0, min(start + minutes, high) - max(start, low))


def _counts(item_block: Block, kept: int) -> bool:
    """Whether a block counts as received."""
    return kept > 0 and kept >= RECEIVED_SHARE * item_block.service_minutes


def _matches(requirement: Requirement, block: Block, kept: int) -> bool:
    selector = requirement.selector
    if not _counts(block, kept) or not selector.matches(block):
        return False
    return selector.min_minutes is None or kept >= selector.min_minutes


def _sitting_group(visit: Visit) -> str | None:
    """The group whose blocks are the visit's sitting (the beside group), or ``None``."""
    for group in visit.session.groups:
        if group.place is Place.BESIDE and any(i.group == group.name for i in visit.blocks):
            return group.name
    return None


class _Week:
    """What a patient received in one week, visit by visit."""

    def __init__(self, week: PatientWeek, received: list[_Received]) -> None:
        self.week = week
        self.received = received
        self.service = sum(r.service for r in received)
        self.wall = sum(r.wall for r in received)
        self.planned = sum(r.layout.planned for r in received)
        self.planned_wall = sum(r.layout.wall for r in received)

    def planned_remaining(self, wall: bool) -> int:
        """Minutes still planned after the date of the report."""
        return sum((r.layout.wall if wall else r.layout.planned) for r in self.received if r.future)

    def pairs(self) -> Iterator[tuple[Block, int]]:
        for got_ in self.received:
            for item, kept in got_.pairs():
                yield item.block, kept

    def long_sessions(self, minutes: int) -> int:
        return sum(1 for r in self.received if r.sitting_service() >= minutes)

    def planned_long_sessions(self, minutes: int) -> int:
        return sum(1 for r in self.received if r.layout.sitting_planned >= minutes)


def _amount(value: int, count: Count) -> str:
    what = "service minutes" if count is Count.SERVICE else "minutes (breaks included)"
    return f"{value} {what} ({duration(value)})"


class _Checker:
    """Checks one patient's weeks against the profiles' limits, as the open-enrolment
    page states them (per patient)."""

    def __init__(self, profiles: Sequence[Profile], catalog: Any) -> None:
        self.profiles = profiles
        self.catalog = catalog
        #: Blocks of a visit layout (all, and of its sitting) matching a requirement had
        #: the patient attended all of them, by the layout's and the requirement's ids
        #: (layouts are shared by the patients of a journey and live as long as the run).
        self._planned: dict[tuple[int, int], tuple[int, int]] = {}

    def planned(self, layout: _Layout, requirement: Requirement) -> tuple[int, int]:
        """``(in the visit, in its sitting)``: blocks of a visit that count for a
        requirement when every one is attended."""
        key = (id(layout), id(requirement))
        found = self._planned.get(key)
        if found is None:
            matching = [
                item.group
                for item in layout.items
                if _matches(requirement, item.block, item.block.service_minutes)
            ]
            found = (len(matching), sum(1 for g in matching if g == layout.sitting))
            self._planned[key] = found
        return found

    def week(self, stay: int, week: _Week, state: WeekState) -> list[LimitCheck]:
        if state is WeekState.UPCOMING:
            return []
        found: list[LimitCheck] = []
        for profile in self.profiles:
            found += self._weekly(profile, stay, week, state)
            found += self._long(profile, stay, week, state)
            for index, requirement in enumerate(profile.require):
                if week.week.number not in phase_weeks(requirement.patient_weeks, stay):
                    continue
                if requirement.per is Per.WEEK:
                    found += self._per_week(profile, index, requirement, week, state)
                elif requirement.per is Per.SESSION:
                    found += self._per_session(profile, index, requirement, week)
        return found

    def _weekly(
        self, profile: Profile, stay: int, week: _Week, state: WeekState
    ) -> list[LimitCheck]:
        limits = profile.weekly_minutes
        if limits is None:
            return []
        wall = limits.count is Count.WALL
        value = week.wall if wall else week.service
        planned = week.planned_wall if wall else week.planned
        has = f"received {_amount(value, limits.count)} of {planned} planned"
        counted = "service minutes" if not wall else "minutes (breaks included)"
        found = []
        tapering = week.week.number > stay - limits.taper_weeks
        if limits.min > 0:
            need = f"{profile.id} needs at least {limits.min} ({duration(limits.min)})"
            if week.week.partial or tapering:
                why = (
                    "a partial first week"
                    if week.week.partial
                    else f"the last {plural(limits.taper_weeks, 'week')} of the stay (stepping down)"
                )
                result = (CheckState.EXEMPT, f"{has}; {need}, but not in {why}")
            elif value >= limits.min:
                result = (CheckState.MET, f"{has}; {need}: met")
            elif state is WeekState.CURRENT:
                more = week.planned_remaining(wall)
                result = (
                    CheckState.PENDING,
                    f"{has} so far; {need}: {limits.min - value} to go, {more} still planned",
                )
            else:
                result = (
                    CheckState.MISSED,
                    f"{has}; {need}: {limits.min - value} short",
                )
            found.append(
                LimitCheck(
                    profile=profile.id,
                    limit="weekly_minutes.min",
                    state=result[0],
                    value=value,
                    bound=limits.min,
                    text=result[1],
                    counted=counted,
                    planned=planned,
                )
            )
        if limits.max is not None:
            allow = f"{profile.id} allows at most {limits.max} ({duration(limits.max)})"
            if value > limits.max:
                result = (CheckState.MISSED, f"{has}; {allow}: {value - limits.max} over")
            elif state is WeekState.CURRENT:
                result = (CheckState.PENDING, f"{has} so far; {allow}")
            else:
                result = (CheckState.MET, f"{has}; {allow}: within")
            found.append(
                LimitCheck(
                    profile=profile.id,
                    limit="weekly_minutes.max",
                    state=result[0],
                    value=value,
                    bound=limits.max,
                    text=result[1],
                    counted=counted,
                    planned=planned,
                )
            )
        return found

    def _long(self, profile: Profile, stay: int, week: _Week, state: WeekState) -> list[LimitCheck]:
        limits = profile.long_sessions
        if limits is None:
            return []
        taper = profile.weekly_minutes.taper_weeks if profile.weekly_minutes else 0
        count = week.long_sessions(limits.min_minutes)
        planned = week.planned_long_sessions(limits.min_minutes)
        has = (
            f"{count} of {plural(planned, 'planned session')} with {limits.min_minutes}+ "
            f"service minutes received; {profile.id} needs at least {limits.min} a week"
        )
        if week.week.partial or week.week.number > stay - taper:
            result = (CheckState.EXEMPT, f"{has}, but not in a partial first or tapering week")
        elif count >= limits.min:
            result = (CheckState.MET, f"{has}: met")
        elif state is WeekState.CURRENT:
            result = (CheckState.PENDING, f"{has}: {limits.min - count} to go")
        else:
            result = (CheckState.MISSED, f"{has}: {limits.min - count} short")
        return [
            LimitCheck(
                profile=profile.id,
                limit="long_sessions",
                state=result[0],
                value=count,
                bound=limits.min,
                text=result[1],
                counted=f"sessions with {limits.min_minutes}+ service minutes",
                planned=planned,
            )
        ]

    def _bounds(
        self,
        profile: Profile,
        index: int,
        requirement: Requirement,
        count: int,
        *,
        planned: int,
        lenient: bool,
        current: bool,
        span: str,
    ) -> LimitCheck:
        what = requirement.selector.describe(self.catalog, planned)
        has = f"{count} of {planned} planned {what} received {span}"
        low, high = requirement.min, requirement.max
        if high is not None and count > high:
            state, text = CheckState.MISSED, f"{has}; {profile.id} allows at most {high}"
            bound = high
        elif count < low and lenient:
            state = CheckState.EXEMPT
            text = f"{has}; {profile.id} needs at least {low}, but not in a partial first week"
            bound = low
        elif count < low:
            state = CheckState.PENDING if current else CheckState.MISSED
            text = f"{has}; {profile.id} needs at least {low}: {low - count} short"
            if current:
                text += " so far"
            bound = low
        else:
            state = CheckState.PENDING if current and high is not None else CheckState.MET
            text = f"{has}; {profile.id} needs {_range(low, high)}: met" + (
                " so far" if state is CheckState.PENDING else ""
            )
            bound = low
        return LimitCheck(
            profile=profile.id,
            limit=f"require[{index}]",
            state=state,
            value=count,
            bound=bound,
            text=text,
            counted=requirement.selector.describe(self.catalog)
            + ("" if span == "this week" else f" {span}"),
            planned=planned,
        )

    def _per_week(
        self, profile: Profile, index: int, requirement: Requirement, week: _Week, state: WeekState
    ) -> list[LimitCheck]:
        count = sum(1 for block, kept in week.pairs() if _matches(requirement, block, kept))
        planned = sum(self.planned(r.layout, requirement)[0] for r in week.received)
        return [
            self._bounds(
                profile,
                index,
                requirement,
                count,
                planned=planned,
                lenient=week.week.partial,
                current=state is WeekState.CURRENT,
                span="this week",
            )
        ]

    def _per_session(
        self, profile: Profile, index: int, requirement: Requirement, week: _Week
    ) -> list[LimitCheck]:
        worst: LimitCheck | None = None
        for got_ in week.received:
            if got_.future or not got_.wall:
                continue
            visit = got_.visit
            sitting = got_.layout.sitting
            count = sum(
                1
                for item, kept in got_.pairs()
                if item.group == sitting and _matches(requirement, item.block, kept)
            )
            day = visit.date.isoformat() if visit.date else f"session {visit.session.number}"
            check = self._bounds(
                profile,
                index,
                requirement,
                count,
                planned=self.planned(got_.layout, requirement)[1],
                lenient=False,
                current=False,
                span=f"on {day}",
            )
            if worst is None or (
                check.state is CheckState.MISSED and worst.state is not CheckState.MISSED
            ):
                worst = check
        return [worst] if worst is not None else []

    def stay(self, stay: int, weeks: list[_Week], done: bool) -> list[LimitCheck]:
        found = []
        for profile in self.profiles:
            for index, requirement in enumerate(profile.require):
                if requirement.per is not Per.PROGRAM:
                    continue
                phase = phase_weeks(requirement.patient_weeks, stay)
                count = sum(
                    1
                    for week in weeks
                    if week.week.number in phase
                    for block, kept in week.pairs()
                    if _matches(requirement, block, kept)
                )
                planned = sum(
                    self.planned(r.layout, requirement)[0]
                    for week in weeks
                    if week.week.number in phase
                    for r in week.received
                )
                found.append(
                    self._bounds(
                        profile,
                        index,
                        requirement,
                        count,
                        planned=planned,
                        lenient=False,
                        current=not done,
                        span="over the stay",
                    )
                )
        return found


def _range(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low}"
    if low == high:
        return f"exactly {low}"
    return f"{low} to {high}"


def _lesson_names(curriculum: Curriculum) -> Any:
    from iopkit.curriculum._resolve import program_catalog
    from iopkit.errors import IopkitError

    try:
        catalog = program_catalog(curriculum.program)
    except IopkitError:
        catalog = None

    def name(block: Block) -> str:
        if block.module is None or block.lesson is None:
            return block.title
        if catalog is not None and block.module in catalog:
            module = catalog.module(block.module)
            return lesson_name(module.title, block.lesson, len(module.lessons))
        return f"{block.module}, lesson {block.lesson}"

    return catalog, name


def _patient_report(
    stay: _Stay,
    calendar: _Calendar,
    checker: _Checker,
    as_of: dt.date,
    default: bool,
    names: Any,
    layouts: dict[int, _Layout],
) -> tuple[PatientReport, list[_Week], list[FloorAlert]]:
    journey = stay.journey
    weeks: list[WeekReport] = []
    received_weeks: list[_Week] = []
    alerts: list[FloorAlert] = []
    timeline: list[tuple[dt.date, PatientWeek, _Received]] = []
    for week in journey.weeks:
        found = []
        for visit in week.visits:
            day = visit.date
            assert day is not None  # noqa: S101 - the calendar checked the curriculum has dates
            layout = layouts.get(id(visit))
            if layout is None:
                layout = layouts[id(visit)] = _Layout(visit)
            got_ = _receive(
                visit, layout, stay.rows.get(day, ()), future=day > as_of, default=default
            )
            found.append(got_)
            timeline.append((day, week, got_))
        received = _Week(week, found)
        received_weeks.append(received)
        first = calendar.week_start(week.week, week.run)
        if first > as_of:
            state = WeekState.UPCOMING
        elif any(r.future for r in found):
            state = WeekState.CURRENT
        else:
            state = WeekState.DONE
        checks = tuple(checker.week(journey.stay, received, state))
        if first <= as_of <= first + dt.timedelta(days=6):
            alerts += _alerts(stay.patient, journey, week, received, checks, checker.profiles)
        weeks.append(
            WeekReport(
                number=week.number,
                week=week.week,
                run=week.run,
                first=first,
                state=state,
                partial=week.partial,
                planned=received.planned,
                received=received.service,
                remaining=received.planned_remaining(wall=False),
                sessions=len(week.visits),
                attended=sum(1 for r in found if not r.future and r.service),
                unrecorded=sum(1 for r in found if not r.future and not r.recorded),
                checks=checks,
            )
        )
    done = all(w.state is WeekState.DONE for w in weeks)
    report = PatientReport(
        patient=stay.patient,
        admitted=journey.admitted_date or calendar.start,
        stay=journey.stay,
        weeks=tuple(weeks),
        missed=tuple(_missed(timeline, names)),
        absences=tuple(_absences(timeline)),
        stay_checks=tuple(checker.stay(journey.stay, received_weeks, done)),
    )
    return report, received_weeks, alerts


def _alerts(
    patient: str,
    journey: Journey,
    week: PatientWeek,
    received: _Week,
    checks: Sequence[LimitCheck],
    profiles: Sequence[Profile],
) -> list[FloorAlert]:
    """The floors a patient is below in the week of the report."""
    found = []
    for check in checks:
        if check.limit != "weekly_minutes.min":
            continue
        if check.state not in {CheckState.MISSED, CheckState.PENDING}:
            continue
        profile = next(p for p in profiles if p.id == check.profile)
        count = profile.weekly_minutes.count if profile.weekly_minutes else Count.SERVICE
        found.append(
            FloorAlert(
                patient=patient,
                admitted=journey.admitted_date or week.visits[0].date or dt.date.min,
                week=week.number,
                profile=check.profile,
                floor=check.bound,
                received=check.value,
                remaining=received.planned_remaining(wall=count is Count.WALL),
                count=count,
            )
        )
    return found


def _missed(
    timeline: list[tuple[dt.date, PatientWeek, _Received]], names: Any
) -> Iterator[MissedLesson]:
    offered: dict[tuple[str, int], list[tuple[dt.date, int, Block, bool]]] = {}
    for day, _, got_ in timeline:
        for item, kept in got_.pairs():
            block = item.block
            if block.module is not None and block.lesson is not None:
                offered.setdefault((block.module, block.lesson), []).append(
                    (day, kept, block, got_.future)
                )
    for day, week, got_ in timeline:
        if got_.future:
            continue
        for item, kept in got_.pairs():
            block = item.block
            if block.module is None or block.lesson is None or _counts(block, kept):
                continue
            later = [o for o in offered[(block.module, block.lesson)] if o[0] > day]
            following = later[0] if later else None
            made_up = None
            if following is not None and not following[3]:
                made_up = _counts(following[2], following[1])
            yield MissedLesson(
                date=day,
                week=week.number,
                title=block.title,
                name=names(block),
                module=block.module,
                lesson=block.lesson,
                group=item.group,
                minutes=block.minutes,
                received=kept,
                next=following[0] if following else None,
                made_up=made_up,
            )


def _absences(
    timeline: list[tuple[dt.date, PatientWeek, _Received]],
) -> Iterator[AbsenceRun]:
    run: list[_Received] = []
    dates: list[dt.date] = []

    def close() -> Iterator[AbsenceRun]:
        if len(run) >= ABSENCE_RUN:
            yield AbsenceRun(
                first=dates[0],
                last=dates[-1],
                sessions=len(run),
                excused=sum(1 for r in run if r.excused),
                unrecorded=sum(1 for r in run if not r.recorded),
            )

    for day, _, got_ in timeline:
        if got_.future:
            break
        if got_.service == 0 and got_.layout.planned > 0:
            run.append(got_)
            dates.append(day)
            continue
        yield from close()
        run, dates = [], []
    yield from close()


# -- census ----------------------------------------------------------------------------------------


def _sitting_title(session: Session, group: str | None) -> str:
    if group is None:
        return "Main session"
    for found in session.groups:
        if found.name == group:
            return found.title
    return group  # pragma: no cover - groups come from the session


def _sitting_order(session: Session, group: str | None) -> int:
    if group is None:
        return 1
    for found in session.groups:
        if found.name == group:
            return {Place.BEFORE: 0, Place.BESIDE: 2, Place.AFTER: 3}[found.place]
    return 4  # pragma: no cover


def _census(
    curriculum: Curriculum,
    counts: Mapping[tuple[int, int, str | None], tuple[float, int | None]],
    caps: GroupSizes | None,
    **extra: Any,
) -> Census:
    sessions = {s.number: (w.number, s) for w, s in curriculum.sessions()}
    total = len(curriculum.weeks)
    rows = []
    for (run, number, group), (enrolled, present) in counts.items():
        week, session = sessions[number]
        day = session.date
        if day is not None and run:
            day += dt.timedelta(weeks=run * total)
        cap = caps.cap(group, _sitting_blocks(session, group) or ()) if caps else None
        rows.append(
            SittingCensus(
                week=week,
                run=run,
                session=number,
                date=day,
                group=group,
                title=_sitting_title(session, group),
                enrolled=enrolled,
                present=present,
                cap=cap[0] if cap else None,
                cap_source=cap[1] if cap else None,
            )
        )
    rows.sort(
        key=lambda r: (
            r.run,
            r.session,
            _sitting_order(sessions[r.session][1], r.group),
            r.group or "",
        )
    )
    return Census(sittings=tuple(rows), caps=caps, **extra)


def _caps_of(curriculum: Curriculum, group_sizes: GroupSizes | None) -> GroupSizes | None:
    """The caps given, or else those the program states (``group_size``), if any."""
    if group_sizes is not None:
        expect(group_sizes, GroupSizes, "group_sizes must be a GroupSizes or None")
        return group_sizes
    return curriculum.program.group_size


def planned_census(
    curriculum: Curriculum,
    rate: float,
    *,
    stay: int | None = None,
    group_sizes: GroupSizes | None = None,
) -> Census:
    """The expected patients of each sitting when ``rate`` new patients start a week.

    Patients arrive evenly through the week and start at the next admission point, so
    each admission point admits ``rate`` times the days since the one before it, divided
    by 7 (``rate`` a week with admission every week; for a closed cohort, ``rate`` is the
    cohort). Each stays ``stay`` weeks (by default the program's longest stay). In a
    cycle the result is the steady state: every run of the cycle looks the same. In a
    curriculum that is not a cycle, the first weeks fill up as patients are admitted
    (the first admission point takes as many patients as the gap after it).

    Args:
        curriculum: A composed (or loaded) curriculum.
        rate: New patients a week, above 0 (such as ``2``).
        stay: The weeks each stays; one the program allows.
        group_sizes: Caps to check; by default those the program states, if any.

    Raises:
        ProgramError: an argument is not what it should be.
    """
    expect(curriculum, Curriculum, "planned_census() takes a Curriculum", READ_CURRICULUM)
    expect(rate, (int, float), "rate must be a number of new patients a week")
    if not 0 < rate <= 10_000:  # refuses nan too
        raise ProgramError(
            [Problem(message=f"rate must be above 0 and at most 10000 (got {rate!r})")]
        )
    program = curriculum.program
    allowed = program.patient_stay
    if stay is None:
        stay = allowed.max
    elif isinstance(stay, bool) or not isinstance(stay, int) or stay not in allowed.lengths():
        raise ProgramError(
            [Problem(message=f"patients of this program stay {allowed.describe()} (got {stay!r})")]
        )
    caps = _caps_of(curriculum, group_sizes)
    walker = Walker(curriculum)
    points = walker.points
    weights = _weights(curriculum, points, float(rate))
    counts: dict[tuple[int, int, str | None], tuple[float, int | None]] = {}
    for point, weight in zip(points, weights, strict=True):
        found = walker.journey(point, stay)
        for _, visit in found.visits():
            for group in {item.group for item in visit.blocks}:
                key = (0, visit.session.number, group)
                counts[key] = (counts.get(key, (0.0, None))[0] + weight, None)
    return _census(curriculum, counts, caps, rate=float(rate), stay=stay)


def _weights(curriculum: Curriculum, points: Sequence[AdmissionPoint], rate: float) -> list[float]:
    """Patients admitted at each point: ``rate`` times the days since the point before."""
    if not points:
        return []
    days = []
    for point in points:
        session = curriculum.weeks[point.week - 1].sessions[point.index]
        days.append((point.week - 1) * 7 + session.day.position)
    if curriculum.program.admission is None:
        return [rate] * len(points)
    total = 7 * len(curriculum.weeks)
    gaps = []
    for i, day in enumerate(days):
        if i:
            gaps.append(day - days[i - 1])
        elif curriculum.program.cycle:
            gaps.append(day + total - days[-1])
        else:
            gaps.append(days[1] - day if len(days) > 1 else 7)
    return [rate * gap / 7 for gap in gaps]


# -- the report -----------------------------------------------------------------------------------


def attendance(
    curriculum: Curriculum,
    records: Attendance | Iterable[AttendanceRecord],
    *,
    profiles: Iterable[str | Profile] = (),
    as_of: dt.date | None = None,
    group_sizes: GroupSizes | None = None,
    unrecorded: Literal["absent", "present"] = "absent",
) -> AttendanceReport:
    """What each patient of the records received of the curriculum, week by week.

    Each patient follows their journey (admitted on the records' ``admitted`` date, for
    the records' ``stay`` or the program's longest). A block counts as received when the
    patient attended at least half of its minutes; service minutes received are exact.
    Limits are those of the open-enrolment page, per patient: a weekly floor does not
    apply in a partial first week nor in a profile's tapering weeks.

    Args:
        curriculum: The composed curriculum the records are about (it needs dates).
        records: The records (:func:`load_attendance`), or records built in Python.
        profiles: Compliance profiles to check besides the program's own (ids or
            objects).
        as_of: The date of the report; sessions after it are upcoming and records after
            it are left out. By default the last date in the records.
        group_sizes: Group-size caps for the census; by default those the program
            states, if any.
        unrecorded: How a session up to ``as_of`` without any record counts:
            ``"absent"`` (the default) or ``"present"`` (for records that list only
            exceptions).

    Raises:
        InputError: a record names a date, session, group or block the curriculum (or
            the patient's schedule) does not have, a patient is recorded at two sittings
            at once, or records contradict each other; every problem located by line and
            place (``attendance.csv:7 at /records/5/date``), or by index in Python.
        ProgramError: an argument is not what it should be, the curriculum has no dates,
            or a profile is unknown.
    """
    from iopkit.curriculum._resolve import resolve_profiles

    expect(curriculum, Curriculum, "attendance() takes a Curriculum", READ_CURRICULUM)
    if not isinstance(records, Attendance):
        expect(
            records,
            Iterable,
            "records must be an Attendance (load_attendance(path)) or AttendanceRecord objects",
        )
        records = Attendance(records=tuple(records))
    expect(as_of, (dt.date, type(None)), "as_of must be a date or None")
    if isinstance(as_of, dt.datetime):
        raise ProgramError([Problem(message="as_of must be a date, not a date and time")])
    expect_one_of(unrecorded, ("absent", "present"), "unrecorded")
    if isinstance(profiles, str | Profile):
        profiles = (profiles,)
    chosen = resolve_profiles(curriculum.program, profiles)
    caps = _caps_of(curriculum, group_sizes)
    matcher = _Matcher(curriculum, records)
    stays = matcher.stays()
    if matcher.problems:
        raise InputError(_capped(matcher.problems))
    if as_of is None:
        if not records.records:
            raise ProgramError([Problem(message="no records: give as_of for the report's date")])
        as_of = max(r.date for r in records.records)
    catalog, names = _lesson_names(curriculum)
    checker = _Checker(chosen, catalog)
    patients: list[PatientReport] = []
    alerts: list[FloorAlert] = []
    counts: dict[tuple[int, int, str | None], tuple[float, int | None]] = {}
    layouts: dict[int, _Layout] = {}
    for stay in stays:
        report, weeks, found = _patient_report(
            stay, matcher.calendar, checker, as_of, unrecorded == "present", names, layouts
        )
        patients.append(report)
        alerts += found
        for week in weeks:
            run = week.week.run
            for got_ in week.received:
                kept: dict[str | None, int] = {}
                for group, k in zip(got_.layout.groups, got_.kept, strict=True):
                    kept[group] = kept.get(group, 0) + k
                number = got_.visit.session.number
                for group, minutes in kept.items():
                    key = (run, number, group)
                    enrolled, present = counts.get(key, (0.0, None))
                    if not got_.future:  # after the report's date, nobody is present yet
                        present = (present or 0) + (minutes > 0)
                    counts[key] = (enrolled + 1, present)
    patients.sort(key=lambda p: (p.admitted, p.patient))
    shares = []
    for profile in chosen:
        done = [
            w.verdict(profile.id) for p in patients for w in p.weeks if w.state is WeekState.DONE
        ]
        shares.append(
            ProfileShare(
                profile=profile.id,
                title=profile.title,
                met=sum(1 for v in done if v is CheckState.MET),
                weeks=len(done),
            )
        )
    return AttendanceReport(
        program=curriculum.program.name,
        as_of=as_of,
        profiles=chosen,
        patients=tuple(patients),
        shares=tuple(shares),
        below_floor=tuple(
            sorted(alerts, key=lambda a: (a.reachable, -a.short, a.admitted, a.patient))
        ),
        census=_census(curriculum, counts, caps),
        unrecorded=unrecorded,
    )


# -- the report as JSON, CSV, Markdown and HTML ------------------------------------------------

#: The format of the report's JSON form, as its ``format`` key says.
REPORT_FORMAT = "attendance-report/1"

_MARKS = {
    CheckState.MET: "\u2713",
    CheckState.MISSED: "\u2717",
    CheckState.PENDING: "\u2026",
    CheckState.EXEMPT: "\u2013",
}
_WORDS = {
    CheckState.MET: "met",
    CheckState.MISSED: "missed",
    CheckState.PENDING: "in progress",
    CheckState.EXEMPT: "does not apply",
}


def _number(value: float) -> int | float:
    """A whole number as an ``int``, else rounded to 2 decimals."""
    return int(value) if float(value).is_integer() else round(value, 2)


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _hours(minutes: int) -> str:
    """Hours to one decimal, rounded down: 539 minutes is 8.9, never 9.0 beside a 9-hour
    floor it misses."""
    return f"{minutes // 60}.{minutes % 60 // 6}"


def _cap_source(source: str) -> str:
    """Where a cap comes from, in words (``activities.process-group``: ``process-group``)."""
    kind, _, name = source.partition(".")
    return {"max": "any group sitting", "activities": "activity", "groups": "group"}.get(
        kind, kind
    ) + (f" {name}" if name else "")


def _check_document(check: LimitCheck) -> dict[str, Any]:
    return {
        "profile": check.profile,
        "limit": check.limit,
        "state": check.state.value,
        "value": check.value,
        "bound": check.bound,
        "counted": check.counted,
        "planned": check.planned,
        "text": check.text,
    }


def _sitting_document(item: SittingCensus) -> dict[str, Any]:
    return {
        "week": item.week,
        "run": item.run,
        "session": item.session,
        "date": item.date.isoformat() if item.date else None,
        "group": item.group,
        "title": item.title,
        "enrolled": _number(item.enrolled),
        "present": item.present,
        "cap": item.cap,
        "cap_source": item.cap_source,
        "over": item.over,
    }


def census_document(census: Census) -> dict[str, Any]:
    """A census as plain data."""
    return {
        "rate": census.rate,
        "stay": census.stay,
        "caps": census.caps.to_dict() if census.caps is not None else None,
        "sittings": [_sitting_document(s) for s in census.sittings],
        "violations": len(census.violations),
    }


def census_json(census: Census) -> str:
    """A census as JSON: the assumed rate and stay (planned), the caps, every sitting and
    the number over its cap."""
    expect(census, Census, "census_json() takes a Census")
    return json.dumps(census_document(census), indent=2, ensure_ascii=False) + "\n"


def report_document(report: AttendanceReport) -> dict[str, Any]:
    """The report as plain data: what :func:`attendance_json` writes."""
    from iopkit.export._common import DISCLAIMER

    patients = []
    for patient in report.patients:
        patients.append(
            {
                "patient": patient.patient,
                "admitted": patient.admitted.isoformat(),
                "stay": patient.stay,
                "planned": patient.planned,
                "received": patient.received,
                "weeks": [
                    {
                        "number": w.number,
                        "week": w.week,
                        "run": w.run,
                        "first": w.first.isoformat(),
                        "state": w.state.value,
                        "partial": w.partial,
                        "planned": w.planned,
                        "received": w.received,
                        "remaining": w.remaining,
                        "sessions": w.sessions,
                        "attended": w.attended,
                        "unrecorded": w.unrecorded,
                        "profiles": {
                            p.id: (v.value if (v := w.verdict(p.id)) is not None else None)
                            for p in report.profiles
                        },
                        "checks": [_check_document(c) for c in w.checks],
                    }
                    for w in patient.weeks
                ],
                "missed": [
                    {
                        "date": m.date.isoformat(),
                        "week": m.week,
                        "title": m.title,
                        "name": m.name,
                        "module": m.module,
                        "lesson": m.lesson,
                        "group": m.group,
                        "minutes": m.minutes,
                        "received": m.received,
                        "next": m.next.isoformat() if m.next else None,
                        "made_up": m.made_up,
                    }
                    for m in patient.missed
                ],
                "absences": [
                    {
                        "first": a.first.isoformat(),
                        "last": a.last.isoformat(),
                        "sessions": a.sessions,
                        "excused": a.excused,
                        "unrecorded": a.unrecorded,
                    }
                    for a in patient.absences
                ],
                "stay_checks": [_check_document(c) for c in patient.stay_checks],
            }
        )
    return {
        "format": REPORT_FORMAT,
        "program": report.program,
        "as_of": report.as_of.isoformat(),
        "unrecorded": report.unrecorded,
        "notice": DISCLAIMER,
        "profiles": [{"id": p.id, "title": p.title, "source": p.source} for p in report.profiles],
        "shares": [
            {
                "profile": s.profile,
                "met": s.met,
                "weeks": s.weeks,
                "share": None if s.share is None else round(s.share, 4),
            }
            for s in report.shares
        ],
        "below_floor": [
            {
                "patient": a.patient,
                "admitted": a.admitted.isoformat(),
                "week": a.week,
                "profile": a.profile,
                "floor": a.floor,
                "received": a.received,
                "remaining": a.remaining,
                "short": a.short,
                "reachable": a.reachable,
            }
            for a in report.below_floor
        ],
        "census": census_document(report.census),
        "patients": patients,
    }


def attendance_json(report: AttendanceReport) -> str:
    """The report as JSON (``format: attendance-report/1``): every patient, week, check,
    missed lesson, absence run and sitting of the census."""
    expect(report, AttendanceReport, "attendance_json() takes an AttendanceReport")
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"


#: The fixed columns of the report's CSV form; two columns per profile follow them.
REPORT_COLUMNS = (
    "patient",
    "admitted",
    "stay",
    "patient_week",
    "week",
    "run",
    "week_start",
    "state",
    "partial",
    "sessions",
    "attended",
    "unrecorded",
    "planned_minutes",
    "received_minutes",
    "remaining_minutes",
    "lessons_missed",
)

#: The columns of a census's CSV form.
CENSUS_COLUMNS = (
    "week",
    "run",
    "session",
    "date",
    "sitting",
    "title",
    "enrolled",
    "present",
    "cap",
    "cap_source",
    "over",
)


def attendance_csv(report: AttendanceReport, *, bom: bool = False) -> str:
    """The report as CSV (RFC 4180, UTF-8): one row per patient-week.

    Columns: patient, admitted, stay, patient_week, week, run, week_start, state,
    partial, sessions, attended, unrecorded, planned_minutes, received_minutes,
    remaining_minutes, lessons_missed; then for each profile its verdict (met, missed,
    pending, or empty for an upcoming week) and ``<profile> details`` (the arithmetic of
    each limit, joined with ``"; "``). Text cells that a spreadsheet would run as a
    formula start with ``'``.
    """
    from iopkit.export._csv import BOM, safe_cell

    expect(report, AttendanceReport, "attendance_csv() takes an AttendanceReport")
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    extra = [name for p in report.profiles for name in (p.id, f"{p.id} details")]
    writer.writerow([*REPORT_COLUMNS, *extra])
    for patient in report.patients:
        missed: dict[int, int] = {}
        for lesson in patient.missed:
            missed[lesson.week] = missed.get(lesson.week, 0) + 1
        for w in patient.weeks:
            cells: list[object] = [
                patient.patient,
                patient.admitted.isoformat(),
                patient.stay,
                w.number,
                w.week,
                w.run,
                w.first.isoformat(),
                w.state.value,
                "yes" if w.partial else "no",
                w.sessions,
                w.attended,
                w.unrecorded,
                w.planned,
                w.received,
                w.remaining,
                missed.get(w.number, 0),
            ]
            for profile in report.profiles:
                verdict = w.verdict(profile.id)
                cells.append(verdict.value if verdict is not None else "")
                cells.append(
                    safe_cell("; ".join(c.text for c in w.checks if c.profile == profile.id))
                )
            writer.writerow(cells)
    return out.getvalue()


def census_csv(census: Census, *, bom: bool = False) -> str:
    """A census as CSV: one row per sitting of each session, with the columns week, run,
    session, date, sitting (``main`` or the group's name), title, enrolled, present, cap,
    cap_source and over (``yes`` or ``no``)."""
    from iopkit.export._csv import BOM, safe_cell

    expect(census, Census, "census_csv() takes a Census")
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CENSUS_COLUMNS)
    for s in census.sittings:
        writer.writerow(
            [
                s.week,
                s.run,
                s.session,
                s.date.isoformat() if s.date else "",
                s.group or "main",
                safe_cell(s.title),
                _shown(s.enrolled),
                "" if s.present is None else s.present,
                "" if s.cap is None else s.cap,
                s.cap_source or "",
                "yes" if s.over else "no",
            ]
        )
    return out.getvalue()


def _when(day: dt.date | None) -> str:
    return f"{day.strftime('%a')} {day.isoformat()}" if day else ""


@attrs.frozen
class _OverCap:
    """The sittings of one kind over the same cap."""

    title: str
    cap: int
    source: str
    sessions: int
    most: float
    first: dt.date | None
    last: dt.date | None


def _caps_words(caps: GroupSizes) -> str:
    """Caps in words: ``any group sitting 12, activity process-group 8``."""
    parts = [f"any group sitting {caps.max}"] if caps.max is not None else []
    parts += [f"activity {a} {n}" for a, n in caps.activities]
    parts += [f"group {g} {n}" for g, n in caps.groups]
    return ", ".join(parts) or "none"


def _over_words(count: int) -> str:
    return f"{plural(count, 'sitting')} over {'its' if count == 1 else 'their'} cap"


def _over(census: Census) -> list[_OverCap]:
    """The sittings over their cap, grouped by sitting and cap."""
    found: dict[tuple[str | None, str, int, str], list[SittingCensus]] = {}
    for item in census.violations:
        key = (item.group, item.title, item.cap or 0, item.cap_source or "")
        found.setdefault(key, []).append(item)
    result = []
    for (_, title, cap, source), items in found.items():
        dates = sorted(i.date for i in items if i.date is not None)
        result.append(
            _OverCap(
                title=title,
                cap=cap,
                source=source,
                sessions=len(items),
                most=max(i.enrolled for i in items),
                first=dates[0] if dates else None,
                last=dates[-1] if dates else None,
            )
        )
    return result


_RECORDS_CENSUS = (
    "Each sitting counts the patients in the records whose schedule holds it, and those "
    "present at it; sessions after the date of the report count the patients already "
    "admitted."
)


def _census_markdown(census: Census, as_of: dt.date | None) -> list[str]:
    from iopkit.export._markdown import text as md

    lines = []
    if census.rate is not None:
        lines += [
            (
                f"Expected patients in each sitting when {_shown(census.rate)} new patients "
                f"start a week and each stays {plural(census.stay or 0, 'week')}."
            ),
            "",
        ]
    else:
        lines += [_RECORDS_CENSUS, ""]
    if census.caps is None:
        lines += ["No group-size caps were given.", ""]
    else:
        over = _over(census)
        lines += [f"Caps: {md(_caps_words(census.caps))}.", ""]
        if over:
            lines += [
                (f"**{_over_words(len(census.violations))}** (the JSON and CSV forms list each):"),
                "",
                "| Sitting | Cap | Sessions over | Most patients | First | Last |",
                "| --- | --- | ---: | ---: | --- | --- |",
            ]
            lines += [
                f"| {md(o.title)} | {o.cap} ({md(_cap_source(o.source))}) | {o.sessions} | "
                f"{_shown(o.most)} | {_when(o.first) or ''} | {_when(o.last) or ''} |"
                for o in over
            ]
            lines.append("")
        else:
            lines += ["No sitting is over its cap.", ""]
    shown_rows = list(census.sittings)
    if as_of is not None:
        start = as_of - dt.timedelta(days=as_of.weekday())
        shown_rows = [
            s
            for s in shown_rows
            if s.date is not None and start <= s.date < start + dt.timedelta(7)
        ]
        lines += [f"Patients in each sitting in the week of {as_of.isoformat()}:", ""]
    if not shown_rows:
        return [*lines, "No sessions.", ""]
    recorded = census.rate is None  # a planned census has nobody present
    lines += [
        "| Date | Session | Sitting | Patients | " + ("Present | " if recorded else "") + "Cap |",
        "| --- | ---: | --- | ---: | " + ("---: | " if recorded else "") + "--- |",
    ]
    for s in shown_rows:
        when = _when(s.date) if recorded else f"week {s.week}, {_when(s.date)}"
        present = ("" if s.present is None else str(s.present)) + " | " if recorded else ""
        cap = "" if s.cap is None else f"{s.cap}" + (" (over)" if s.over else "")
        lines.append(
            f"| {when} | {s.session} | {md(s.title)} | {_shown(s.enrolled)} | {present}{cap} |"
        )
    return [*lines, ""]


def census_markdown(census: Census, *, title: str = "Census") -> str:
    """A census as Markdown: the caps, the sittings over them, and every sitting."""
    from iopkit.export._common import DISCLAIMER
    from iopkit.export._markdown import text as md

    expect(census, Census, "census_markdown() takes a Census")
    lines = [f"# {md(title)}", "", f"> {DISCLAIMER}", ""]
    lines += _census_markdown(census, None)
    return "\n".join(lines).rstrip("\n") + "\n"


def _floor_rows(alerts: Sequence[FloorAlert]) -> list[tuple[FloorAlert, list[str]]]:
    """The alerts with the same patient, floor and minutes as one row naming every
    profile (cms-iop and ASAM both set 9 hours), in the order of the first."""
    rows: dict[tuple[str, int, int, int, Count], tuple[FloorAlert, list[str]]] = {}
    for alert in alerts:
        key = (alert.patient, alert.floor, alert.received, alert.remaining, alert.count)
        rows.setdefault(key, (alert, []))[1].append(alert.profile)
    return list(rows.values())


def _short(check: LimitCheck, week: WeekReport) -> str | None:
    """A limit missed, in progress or not applying, in a few words for a patient's weekly
    table (the week's columns give the minutes); ``None`` for one met."""
    state, value, bound = check.state, check.value, check.bound
    if state is CheckState.MET:
        return None
    if check.limit.startswith("weekly_minutes"):
        extra = "" if check.counted in {"", "service minutes"} else " (breaks included)"
        if check.limit.endswith(".max"):
            if state is not CheckState.MISSED:
                return None
            return f"{duration(bound)} ceiling{extra}, {duration(value - bound)} over"
        floor = f"{duration(bound)} floor{extra}"
        if state is CheckState.EXEMPT:
            why = "partial first week" if week.partial else "stepping down"
            return f"{floor} does not apply ({why})"
        gap = duration(bound - value)
        plan = f" (the plan holds {duration(check.planned)})" if check.planned < bound else ""
        return f"{floor}, {gap} " + ("short" if state is CheckState.MISSED else "to go") + plan
    if state is CheckState.EXEMPT or value == bound:
        return None
    counted = check.counted or check.limit
    if value > bound:
        return f"{counted} {value}, at most {bound}"
    plan = f" (the plan holds {check.planned})" if check.planned < bound else ""
    return (
        f"{counted} {value} of at least {bound}"
        + (" so far" if state is CheckState.PENDING else "")
        + plan
    )


def _details(report: AttendanceReport, week: WeekReport) -> list[str]:
    """The limits of a week missed, in progress or not applying, in a few words each, a
    line per profile; the same words for several profiles (cms-iop's and ASAM's 9 hours)
    once, on a line naming them all."""
    found: dict[str, list[str]] = {}
    for check in week.checks:
        text = _short(check, week)
        if text is not None and check.profile not in found.setdefault(text, []):
            found[text].append(check.profile)
    lines: dict[tuple[str, ...], list[str]] = {}
    for text, ids in found.items():
        lines.setdefault(tuple(ids), []).append(text)
    if len(report.profiles) < 2:
        return ["; ".join(texts) for texts in lines.values()]
    return [f"{', '.join(ids)}: {'; '.join(texts)}" for ids, texts in lines.items()]


def _verdict_word(week: WeekReport, profile: str) -> tuple[str, str]:
    """A week against one profile: a mark and a word, and its CSS class."""
    verdict = week.verdict(profile)
    if verdict is None:
        return "upcoming", "h-upcoming"
    found = [c.state for c in week.checks if c.profile == profile]
    if not found:
        return "no limit", "h-none"
    if verdict is CheckState.MET and all(s is CheckState.EXEMPT for s in found):
        verdict = CheckState.EXEMPT
    words = {CheckState.EXEMPT: "n/a"}.get(verdict, _WORDS[verdict])
    return f"{_MARKS[verdict]} {words}", _HEAT_CLASS[verdict]


def attendance_markdown(report: AttendanceReport) -> str:
    """The report as Markdown: the summary, the patients below a floor this week, group
    sizes, then each patient's weeks, missed lessons and runs of absences."""
    from iopkit.export._common import DISCLAIMER
    from iopkit.export._markdown import text as md

    expect(report, AttendanceReport, "attendance_markdown() takes an AttendanceReport")
    ids = [p.id for p in report.profiles]
    lines = [
        f"# Attendance: {md(report.program)}",
        "",
        f"- As of: {_when(report.as_of)}",
        f"- Patients: {len(report.patients)}",
        f"- Profiles: {md(', '.join(ids)) if ids else 'none'}",
        f"- Sessions without a record up to that date count as {report.unrecorded}.",
        "",
        f"> {DISCLAIMER}",
        "",
        "## Summary",
        "",
    ]
    if report.shares:
        lines += [
            "| Profile | Finished patient-weeks | Met | Share |",
            "| --- | ---: | ---: | ---: |",
        ]
        for share in report.shares:
            ratio = "" if share.share is None else f"{share.share:.0%}"
            lines.append(f"| {md(share.profile)} | {share.weeks} | {share.met} | {ratio} |")
    else:
        lines.append("No compliance profile was checked.")
    lines += ["", "## Below a floor this week", ""]
    if report.below_floor:
        lines += [
            (
                "| Patient | Admitted | Their week | Profiles | Received | Floor "
                "| Still planned | Outlook |"
            ),
            "| --- | --- | ---: | --- | ---: | ---: | ---: | --- |",
        ]
        for alert, ids in _floor_rows(report.below_floor):
            outlook = "can still reach it" if alert.reachable else "cannot reach it this week"
            lines.append(
                f"| {alert.patient} | {alert.admitted.isoformat()} | {alert.week} | "
                f"{md(', '.join(ids))} | {duration(alert.received)} | {duration(alert.floor)} | "
                f"{duration(alert.remaining)} | {outlook} |"
            )
    else:
        lines.append("No patient is below a floor this week.")
    lines += ["", "## Group sizes", ""]
    lines += _census_markdown(report.census, report.as_of)
    lines += ["## Patients", ""]
    for patient in report.patients:
        lines += [
            f"### {patient.patient}, admitted {patient.admitted.isoformat()}",
            "",
            (
                f"Stay of {plural(patient.stay, 'week')}; received {duration(patient.received)} "
                f"of {duration(patient.planned)} planned service."
            ),
            "",
            "| Week | From | Planned | Received | "
            + "".join(f"{md(i)} | " for i in ids)
            + "Limits missed or in progress |",
            "| ---: | --- | ---: | ---: |" + " --- |" * (len(ids) + 1),
        ]
        for w in patient.weeks:
            label = f"{w.number}" + (" (partial)" if w.partial else "")
            received = "" if w.state is WeekState.UPCOMING else duration(w.received)
            cells = [_verdict_word(w, i)[0] for i in ids]
            lines.append(
                f"| {label} | {w.first.isoformat()} | {duration(w.planned)} | {received} | "
                + "".join(f"{c} | " for c in cells)
                + md("; ".join(_details(report, w)))
                + " |"
            )
        lines.append("")
        if patient.missed:
            lines += ["Lessons missed:", ""]
            for lesson in patient.missed:
                if lesson.next is None:
                    again = "not offered again before discharge"
                else:
                    again = f"next offered {_when(lesson.next)}"
                    if lesson.made_up is not None:
                        again += " (received then)" if lesson.made_up else " (missed again)"
                lines.append(
                    f"- {_when(lesson.date)}: {md(lesson.name)} ({md(lesson.title)}): {again}"
                )
            lines.append("")
        if patient.absences:
            lines += ["Sessions missed in a row:", ""]
            for run in patient.absences:
                notes = []
                if run.excused:
                    notes.append(f"{run.excused} excused")
                if run.unrecorded:
                    notes.append(f"{run.unrecorded} without a record")
                extra = f" ({', '.join(notes)})" if notes else ""
                lines.append(
                    f"- {_when(run.first)} to {_when(run.last)}: "
                    f"{plural(run.sessions, 'session')}{extra}"
                )
            lines.append("")
        if patient.stay_checks:
            lines += ["Over the stay:", ""]
            lines += [f"- {md(c.text)} ({_WORDS[c.state]})" for c in patient.stay_checks]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


#: Weeks in one table of the heat map (longer stays continue in a second table).
HEAT_WEEKS = 20
#: Tables of at most this many rows are kept on one printed page.
KEEP_ROWS = 30

_HEAT_CSS = """
table.heat { table-layout: fixed; width: auto; }
table.heat th.who { width: 11.5rem; }
table.heat th[scope=row] { white-space: nowrap; }
table.heat th.wk { width: 2.7rem; text-align: center; }
table.heat td { text-align: center; white-space: nowrap; font-size: .85em; padding: .05rem .1rem; }
.h-met { background: #dcfce7; }
.h-missed { background: #fecaca; font-weight: 600; }
.h-pending { background: #fef3c7; }
.h-exempt { background: #e5e7eb; }
.h-upcoming { background: #fff; color: #444; }
.h-none { background: #fff; }
td.na { background: #fff; border-color: #ccc; }
ul.key { list-style: none; padding: 0; margin: .3rem 0; }
ul.key li { display: inline-block; border: 1px solid #555; padding: .05rem .4rem; margin: .1rem; }
td.over, tr.over th { font-weight: 600; }
tr.over td, tr.over th { background: #fecaca; }
table.heat th small { font-weight: normal; color: #333; }
td.date, table.weeks td.date { white-space: nowrap; }
table.floor td, table.floor th { white-space: nowrap; }
table.weeks { font-size: .9em; table-layout: fixed; }
table.weeks td.h-missed { font-weight: normal; }
table.weeks .num { width: 5.5rem; }
table.weeks .wk { width: 3.6rem; }
table.weeks .date { width: 5.4rem; }
table.weeks .verdict { width: 4.9rem; overflow-wrap: anywhere; }
table.weeks td.details { font-size: .95em; }
article.patient { break-inside: avoid; margin: .4rem 0 .8rem; }
article.patient ul { margin: .1rem 0 .3rem; font-size: .9em; }
article.patient p { margin: .2rem 0 0; }
@media print {
  section.heat, section.patients { break-before: page; }
  article.patient, table.keep { break-inside: avoid; }
}
"""

_HEAT_CLASS = {
    CheckState.MET: "h-met",
    CheckState.MISSED: "h-missed",
    CheckState.PENDING: "h-pending",
    CheckState.EXEMPT: "h-exempt",
}


def _heat_state(week: WeekReport) -> CheckState | None:
    """One week against every profile at once (``None``: upcoming, or nothing to check)."""
    if week.state is WeekState.UPCOMING or not week.checks:
        return None
    states = {c.state for c in week.checks}
    for state in (CheckState.MISSED, CheckState.PENDING):
        if state in states:
            return state
    if states == {CheckState.EXEMPT}:
        return CheckState.EXEMPT
    return CheckState.MET


def _heat_cell(week: WeekReport | None) -> str:
    from html import escape

    if week is None:
        return '<td class="na"></td>'
    if week.state is WeekState.UPCOMING:
        return (
            f'<td class="h-upcoming" title="upcoming: {_hours(week.planned)} h planned">\u00b7</td>'
        )
    state = _heat_state(week)
    css = _HEAT_CLASS[state] if state is not None else "h-none"
    mark = _MARKS[state] if state is not None else ""
    tip = "; ".join(c.text for c in week.checks) or "no limit checked"
    return (
        f'<td class="{css}" title="{escape(tip)}">{_hours(week.received)}'
        f"{'&#8239;' + mark if mark else ''}</td>"
    )


def _heat(report: AttendanceReport) -> list[str]:
    longest = max((p.stay for p in report.patients), default=0)
    out = [
        '<section class="heat" aria-labelledby="heat">',
        '<h2 id="heat">Weekly compliance</h2>',
        (
            "<p>Each row is a patient, each column a week of their stay (week 1 is the week "
            "they were admitted). A cell gives the hours of service received and whether the "
            "week met every profile checked.</p>"
        ),
        '<ul class="key">',
        f'<li class="h-met">{_MARKS[CheckState.MET]} met every limit</li>',
        f'<li class="h-missed">{_MARKS[CheckState.MISSED]} missed a limit</li>',
        f'<li class="h-pending">{_MARKS[CheckState.PENDING]} week in progress</li>',
        (
            f'<li class="h-exempt">{_MARKS[CheckState.EXEMPT]} no limit applies '
            "(partial first week, stepping down)</li>"
        ),
        '<li class="h-upcoming">\u00b7 upcoming</li>',
        "</ul>",
    ]
    if not report.patients:
        return [*out, "<p>No patients.</p></section>"]
    for first in range(1, longest + 1, HEAT_WEEKS):
        last = min(longest, first + HEAT_WEEKS - 1)
        out.append(
            f'<table class="heat"><caption>Hours of service received, patient weeks {first} '
            f"to {last}</caption><thead><tr>"
            '<th scope="col" class="who">Patient (admitted)</th>'
            + "".join(f'<th scope="col" class="wk">W{k}</th>' for k in range(first, last + 1))
            + "</tr></thead><tbody>"
        )
        for patient in report.patients:
            weeks = {w.number: w for w in patient.weeks}
            cells = "".join(_heat_cell(weeks.get(k)) for k in range(first, last + 1))
            out.append(
                f'<tr><th scope="row">{patient.patient} <small>'
                f"{patient.admitted.isoformat()}</small></th>{cells}</tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _census_html(census: Census, as_of: dt.date | None) -> list[str]:
    from html import escape

    out: list[str] = []
    if census.rate is not None:
        out.append(
            f"<p>Expected patients in each sitting when {_shown(census.rate)} new patients "
            f"start a week and each stays {plural(census.stay or 0, 'week')}.</p>"
        )
    else:
        out.append(f"<p>{_RECORDS_CENSUS}</p>")
    if census.caps is None:
        out.append("<p>No group-size caps were given.</p>")
    else:
        out.append(f"<p>Caps: {escape(_caps_words(census.caps))}.</p>")
        over = _over(census)
        if over:
            out.append(
                f'<table class="keep"><caption><strong>{_over_words(len(census.violations))}'
                "</strong> (the JSON and CSV forms list each)</caption><thead><tr>"
                '<th scope="col">Sitting</th><th scope="col">Cap</th>'
                '<th scope="col">Sessions over</th><th scope="col">Most patients</th>'
                '<th scope="col">First</th><th scope="col">Last</th></tr></thead><tbody>'
            )
            out += [
                f'<tr class="over"><th scope="row">{escape(o.title)}</th>'
                f"<td>{o.cap} ({escape(_cap_source(o.source))})</td>"
                f'<td class="num">{o.sessions}</td><td class="num">{_shown(o.most)}</td>'
                f'<td class="date">{_when(o.first)}</td><td class="date">{_when(o.last)}</td>'
                "</tr>"
                for o in over
            ]
            out.append("</tbody></table>")
        else:
            out.append("<p>No sitting is over its cap.</p>")
    rows = list(census.sittings)
    if as_of is not None:
        start = as_of - dt.timedelta(days=as_of.weekday())
        rows = [s for s in rows if s.date is not None and start <= s.date < start + dt.timedelta(7)]
        caption = f"Patients in each sitting in the week of {escape(as_of.isoformat())}"
    else:
        caption = "Patients in each sitting"
    if not rows:
        return [*out, "<p>No sessions that week.</p>"]
    recorded = census.rate is None  # a planned census has nobody present
    keep = ' class="keep"' if len(rows) <= KEEP_ROWS else ""
    out.append(
        f"<table{keep}><caption>{caption}</caption><thead><tr>"
        '<th scope="col">Date</th><th scope="col">Session</th><th scope="col">Sitting</th>'
        '<th scope="col">Patients</th>'
        + ('<th scope="col">Present</th>' if recorded else "")
        + '<th scope="col">Cap</th></tr></thead><tbody>'
    )
    for s in rows:
        cls = ' class="over"' if s.over else ""
        when = _when(s.date) if recorded else f"week {s.week}, {_when(s.date)}"
        present = "" if s.present is None else str(s.present)
        out.append(
            f"<tr{cls}><td>{escape(when)}</td><td>{s.session}</td>"
            f'<th scope="row">{escape(s.title)}</th><td class="num">{_shown(s.enrolled)}</td>'
            + (f'<td class="num">{present}</td>' if recorded else "")
            + f"<td>{'' if s.cap is None else s.cap}{' (over)' if s.over else ''}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _patient_html(report: AttendanceReport, patient: PatientReport) -> list[str]:
    from html import escape

    ids = [p.id for p in report.profiles]
    out = [
        f'<article class="patient" aria-labelledby="p-{patient.patient}">',
        (
            f'<h3 id="p-{patient.patient}">{patient.patient} <small>admitted '
            f"{patient.admitted.isoformat()}, stay of {plural(patient.stay, 'week')}; "
            f"received {duration(patient.received)} of {duration(patient.planned)} planned"
            "</small></h3>"
        ),
        '<table class="weeks"><thead><tr><th scope="col" class="wk">Week</th>'
        '<th scope="col" class="date">From</th>'
        '<th scope="col" class="num">Planned</th><th scope="col" class="num">Received</th>'
        + "".join(f'<th scope="col" class="verdict">{escape(i)}</th>' for i in ids)
        + '<th scope="col">Limits missed or in progress</th></tr></thead><tbody>',
    ]
    for w in patient.weeks:
        cells = "".join(
            f'<td class="{css}">{escape(word)}</td>'
            for word, css in (_verdict_word(w, i) for i in ids)
        )
        details = "<br>".join(escape(d) for d in _details(report, w))
        received = "" if w.state is WeekState.UPCOMING else duration(w.received)
        out.append(
            f'<tr><th scope="row">{w.number}{" (partial)" if w.partial else ""}</th>'
            f'<td class="date">{w.first.isoformat()}</td><td class="num">{duration(w.planned)}</td>'
            f'<td class="num">{received}</td>{cells}<td class="details">{details}</td></tr>'
        )
    out.append("</tbody></table>")
    if patient.missed:
        items = []
        for lesson in patient.missed:
            if lesson.next is None:
                again = "not offered again before discharge"
            else:
                again = f"next offered {_when(lesson.next)}"
                if lesson.made_up is not None:
                    again += " (received then)" if lesson.made_up else " (missed again)"
            items.append(
                f"<li>{escape(_when(lesson.date))}: {escape(lesson.name)} "
                f"({escape(lesson.title)}): {escape(again)}</li>"
            )
        out.append(f"<p>Lessons missed:</p><ul>{''.join(items)}</ul>")
    if patient.absences:
        items = []
        for run in patient.absences:
            notes = [f"{run.excused} excused"] if run.excused else []
            if run.unrecorded:
                notes.append(f"{run.unrecorded} without a record")
            extra = f" ({', '.join(notes)})" if notes else ""
            items.append(
                f"<li>{_when(run.first)} to {_when(run.last)}: "
                f"{plural(run.sessions, 'session')}{extra}</li>"
            )
        out.append(f"<p>Sessions missed in a row:</p><ul>{''.join(items)}</ul>")
    if patient.stay_checks:
        items = [f"<li>{escape(c.text)} ({_WORDS[c.state]})</li>" for c in patient.stay_checks]
        out.append(f"<p>Over the stay:</p><ul>{''.join(items)}</ul>")
    out.append("</article>")
    return out


def attendance_html(
    report: AttendanceReport, *, paper: Literal["letter", "a4"] | None = None
) -> str:
    """The report as one printable HTML page for a program director (inline CSS, no
    script, no link), in the look of the curriculum's schedule: the summary, the
    patients below a floor this week, group sizes, a heat map of weekly compliance
    (patients by weeks of their stay) and each patient's weeks.

    Args:
        report: The report.
        paper: ``"letter"`` or ``"a4"`` to fix the paper size; ``None`` leaves it to the
            printer.
    """
    from html import escape

    from iopkit.export._common import DISCLAIMER, one_line
    from iopkit.export._html import _PAGE, CSS

    expect(report, AttendanceReport, "attendance_html() takes an AttendanceReport")
    expect_one_of(paper, _PAGE, "paper")
    ids = [p.id for p in report.profiles]
    name = escape(one_line(report.program))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{name}: attendance as of {report.as_of.isoformat()}</title>",
        f"<style>{_PAGE[paper]}{CSS}{_HEAT_CSS}</style></head><body>",
        "<main>",
        "<header>",
        f"<h1>Attendance: {name}</h1>",
        '<dl class="facts">',
        f"<dt>As of</dt><dd>{_when(report.as_of)}</dd>",
        f"<dt>Patients</dt><dd>{len(report.patients)}</dd>",
        "<dt>Profiles</dt><dd>"
        + (
            escape("; ".join(f"{p.id} ({one_line(p.title)})" for p in report.profiles))
            if ids
            else "none"
        )
        + "</dd>",
        (
            "<dt>Unrecorded</dt><dd>sessions without a record up to that date count as "
            f"{report.unrecorded}</dd>"
        ),
        "</dl>",
        (
            f'<p class="note">{escape(DISCLAIMER)} This page holds health data about the '
            "patients it names by their pseudonymous ids: keep it as you keep their "
            "records.</p>"
        ),
        "</header>",
        '<section aria-labelledby="summary"><h2 id="summary">Summary</h2>',
    ]
    if report.shares:
        out.append(
            "<table><caption>Finished patient-weeks that met each profile (a limit that "
            "does not apply in a week counts as met)</caption><thead><tr>"
            '<th scope="col">Profile</th><th scope="col">Patient-weeks</th>'
            '<th scope="col">Met</th><th scope="col">Share</th></tr></thead><tbody>'
        )
        for share in report.shares:
            ratio = "" if share.share is None else f"{share.share:.0%}"
            out.append(
                f'<tr><th scope="row">{escape(share.profile)}<span class="sub">'
                f"{escape(one_line(share.title))}</span></th>"
                f'<td class="num">{share.weeks}</td><td class="num">{share.met}</td>'
                f'<td class="num">{ratio}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No compliance profile was checked.</p>")
    out.append("</section>")
    out.append('<section aria-labelledby="floor"><h2 id="floor">Below a floor this week</h2>')
    if report.below_floor:
        out.append(
            '<table class="floor"><caption>Patients below a weekly floor in the week of '
            f"{report.as_of.isoformat()}</caption><thead><tr>"
            '<th scope="col">Patient</th><th scope="col">Admitted</th>'
            '<th scope="col">Their week</th><th scope="col">Profiles</th>'
            '<th scope="col">Received</th><th scope="col">Floor</th>'
            '<th scope="col">Still planned</th><th scope="col">Outlook</th></tr></thead><tbody>'
        )
        for alert, ids in _floor_rows(report.below_floor):
            outlook = "can still reach it" if alert.reachable else "cannot reach it this week"
            css = "h-pending" if alert.reachable else "h-missed"
            out.append(
                f'<tr><th scope="row">{alert.patient}</th><td>{alert.admitted.isoformat()}</td>'
                f'<td class="num">{alert.week}</td><td>{escape(", ".join(ids))}</td>'
                f'<td class="num">{duration(alert.received)}</td>'
                f'<td class="num">{duration(alert.floor)}</td>'
                f'<td class="num">{duration(alert.remaining)}</td>'
                f'<td class="{css}">{outlook}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No patient is below a floor this week.</p>")
    out.append("</section>")
    out.append('<section aria-labelledby="sizes"><h2 id="sizes">Group sizes</h2>')
    out += _census_html(report.census, report.as_of)
    out.append("</section>")
    out += _heat(report)
    out.append('<section class="patients" aria-labelledby="patients">')
    out.append('<h2 id="patients">Patients</h2>')
    for patient in report.patients:
        out += _patient_html(report, patient)
    out.append("</section></main></body></html>")
    return "\n".join(out) + "\n"


def census_html(
    census: Census, *, title: str = "Census", paper: Literal["letter", "a4"] | None = None
) -> str:
    """A census as one printable HTML page: the caps, the sittings over them, and every
    sitting."""
    from html import escape

    from iopkit.export._common import DISCLAIMER, one_line
    from iopkit.export._html import _PAGE, CSS

    expect(census, Census, "census_html() takes a Census")
    expect_one_of(paper, _PAGE, "paper")
    heading = escape(one_line(title))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{heading}</title>",
        f"<style>{_PAGE[paper]}{CSS}{_HEAT_CSS}</style></head><body><main>",
        f"<h1>{heading}</h1>",
        f'<p class="note">{escape(DISCLAIMER)}</p>',
    ]
    out += _census_html(census, None)
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _publish() -> None:
    """Name the public classes and functions by their home, ``iopkit.curriculum``, however
    this module was first imported (the package imports it on first use)."""
    from iopkit._public import publish
    from iopkit.curriculum import _ATTENDANCE

    publish("iopkit.curriculum", globals(), _ATTENDANCE)


_publish()
