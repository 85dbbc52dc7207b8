"""Journeys: what one patient attends, from their admission to the end of their stay.

A program with ``admission`` admits patients at several points; each stays a number of
weeks and, in each of their own weeks, attends the main blocks of each session or the
groups of their phase (see the open-enrolment page of the docs). The validator checks
limits per patient by walking every journey; :func:`journey` gives one to a caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cached_property

import attrs

from iopkit._session import Block, Session, SessionGroup
from iopkit._types import Place
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._program import Admission, Every, Program, phase_weeks


@attrs.frozen
class AdmissionPoint:
    """A session at which patients may be admitted.

    Attributes:
        week: The curriculum week (1-based).
        index: The session's place in its week (0 for the week's first session).
        session: The session's number in the curriculum.
    """

    week: int
    index: int
    session: int


@attrs.frozen(kw_only=True)
class VisitBlock:
    """One block a patient attends.

    Attributes:
        start: Its first minute, from the start of the session's main blocks (negative in
            a group that meets before them).
        block: The block.
        group: The group it belongs to, or ``None`` for the main blocks.
    """

    start: int
    block: Block
    group: str | None = None


@attrs.frozen(kw_only=True)
class Visit:
    """One session as a patient attends it.

    Attributes:
        session: The curriculum's session.
        date: Its date for this patient (a later run of a cycle is dated later), if any.
        blocks: What the patient attends, in time order.
        sitting: The session as per-session limits count it for this patient: the main
            blocks, or the group they attend beside them.
    """

    session: Session
    date: dt.date | None
    blocks: tuple[VisitBlock, ...]
    sitting: tuple[Block, ...]

    @property
    def service_minutes(self) -> int:
        """Service minutes the patient attends (breaks excluded)."""
        return sum(v.block.service_minutes for v in self.blocks)

    @property
    def minutes(self) -> int:
        """Wall-clock minutes the patient attends (breaks included)."""
        return sum(v.block.minutes for v in self.blocks)

    @property
    def sitting_service_minutes(self) -> int:
        """Service minutes of :attr:`sitting`."""
        return sum(b.service_minutes for b in self.sitting)


@attrs.frozen(kw_only=True)
class PatientWeek:
    """One week of a patient's stay.

    Attributes:
        number: The patient week (1 is the week of admission).
        week: The curriculum week it falls in.
        run: For a cycle, which run of the cycle (0 for the first); otherwise 0.
        partial: Whether it is a first week the patient joined after its first session.
        visits: The sessions the patient attends.
    """

    number: int
    week: int
    run: int
    partial: bool
    visits: tuple[Visit, ...]

    @property
    def service_minutes(self) -> int:
        """Service minutes the patient attends this week."""
        return sum(v.service_minutes for v in self.visits)

    @property
    def minutes(self) -> int:
        """Wall-clock minutes the patient attends this week."""
        return sum(v.minutes for v in self.visits)

    def blocks(self) -> Iterator[Block]:
        """Every block the patient attends this week."""
        for visit in self.visits:
            for item in visit.blocks:
                yield item.block


@attrs.frozen(kw_only=True)
class Journey:
    """What one patient attends over their stay.

    Attributes:
        admitted_week: The curriculum week they are admitted in.
        admitted_session: The number of the session they are admitted at.
        admitted_date: The date they are admitted, when the curriculum has dates.
        stay: How many weeks they stay.
        weeks: Their weeks, numbered from 1.
        closed: Whether the program is a closed cohort (one admission, in week 1).
    """

    admitted_week: int
    admitted_session: int
    admitted_date: dt.date | None
    stay: int
    weeks: tuple[PatientWeek, ...]
    closed: bool = False

    def who(self) -> str:
        """The patient in words: ``"a patient admitted in week 3"`` (with the date when
        the curriculum has one)."""
        when = f"week {self.admitted_week}"
        if self.admitted_date is not None:
            when += f" ({self.admitted_date.isoformat()})"
        return f"a patient admitted in {when}"

    def visits(self) -> Iterator[tuple[PatientWeek, Visit]]:
        """Every ``(patient week, visit)`` in order."""
        for week in self.weeks:
            for visit in week.visits:
                yield week, visit


class Walker:
    """Every journey of a curriculum, built once and shared by the rules that check
    them. Visits are cached per session and set of groups attended."""

    def __init__(self, curriculum: Curriculum) -> None:
        self.curriculum = curriculum
        self.program: Program = curriculum.program
        self._visits: dict[tuple[int, int, frozenset[str]], Visit] = {}

    @cached_property
    def points(self) -> tuple[AdmissionPoint, ...]:
        """Where patients may be admitted."""
        return admission_points(self.curriculum)

    @cached_property
    def planned(self) -> tuple[Journey, ...]:
        """The journeys groups are planned for: every journey, except that with admission
        at module starts (which depend on where lessons fall) a patient may start in any
        week."""
        admission = self.program.admission
        if admission is None or admission.track is None:
            return self.journeys
        points = admission_points(self.curriculum, every_week=True)
        return tuple(
            self.journey(point, stay)
            for point in points
            for stay in self.program.patient_stay.lengths()
        )

    @cached_property
    def journeys(self) -> tuple[Journey, ...]:
        """Every journey: each admission point with each stay length."""
        result = []
        for point in self.points:
            for stay in self.program.patient_stay.lengths():
                result.append(self.journey(point, stay))
        return tuple(result)

    def journey(self, point: AdmissionPoint, stay: int, run: int = 0) -> Journey:
        """The journey of a patient admitted at ``point`` (in run ``run`` of a cycle) who
        stays ``stay`` weeks."""
        program = self.program
        total = len(self.curriculum.weeks)
        weeks: list[PatientWeek] = []
        groups = program.groups
        phases = {g.name: phase_weeks(g.patient_weeks, stay) for g in groups}
        for k in range(1, stay + 1):
            offset = point.week - 1 + k - 1 + run * total
            if program.cycle:
                number, week_run = offset % total + 1, offset // total
            else:
                number, week_run = offset + 1, 0
            if number > total:
                break
            week = self.curriculum.weeks[number - 1]
            attended = frozenset(name for name, ks in phases.items() if k in ks)
            first = point.index if k == 1 else 0
            visits = tuple(
                self.visit(session, attended, week_run) for session in week.sessions[first:]
            )
            weeks.append(
                PatientWeek(number=k, week=number, run=week_run, partial=first > 0, visits=visits)
            )
        first_session = self.curriculum.weeks[point.week - 1].sessions[point.index]
        date = first_session.date
        if date is not None and run:
            date += dt.timedelta(weeks=run * total)
        return Journey(
            admitted_week=point.week,
            admitted_session=point.session,
            admitted_date=date,
            stay=stay,
            weeks=tuple(weeks),
            closed=program.admission is None,
        )

    def visit(self, session: Session, attended: frozenset[str], run: int) -> Visit:
        """A session as a patient in ``attended`` groups attends it."""
        key = (session.number, run, attended)
        found = self._visits.get(key)
        if found is None:
            found = self._visits[key] = _visit(session, attended, run, len(self.curriculum.weeks))
        return found


def _visit(session: Session, attended: frozenset[str], run: int, total: int) -> Visit:
    mine = [g for g in session.groups if g.name in attended]
    beside = next((g for g in mine if g.place is Place.BESIDE), None)
    blocks: list[VisitBlock] = []

    def sitting(group: SessionGroup) -> None:
        blocks.extend(
            VisitBlock(start=group.start + b.start, block=b, group=group.name) for b in group.blocks
        )

    for group in mine:
        if group.place is Place.BEFORE:
            sitting(group)
    if beside is not None:
        sitting(beside)
        main: tuple[Block, ...] = beside.blocks
    else:
        blocks.extend(VisitBlock(start=b.start, block=b) for b in session.blocks)
        main = session.blocks
    for group in mine:
        if group.place is Place.AFTER:
            sitting(group)
    date = session.date
    if date is not None and run:
        date += dt.timedelta(weeks=run * total)
    return Visit(session=session, date=date, blocks=tuple(blocks), sitting=main)


def sittings(session: Session) -> list[tuple[SessionGroup | None, tuple[Block, ...]]]:
    """A session's sittings in time order: groups before it, its main blocks, groups
    beside it, groups after it (``None`` stands for the main blocks)."""
    order = {Place.BEFORE: 0, Place.BESIDE: 2, Place.AFTER: 3}
    items: list[tuple[int, int, SessionGroup | None, tuple[Block, ...]]] = [
        (1, 0, None, session.blocks)
    ]
    items += [(order[g.place], g.start, g, g.blocks) for g in session.groups]
    items.sort(key=lambda item: (item[0], item[1]))
    return [(group, blocks) for _, _, group, blocks in items]


def admission_points(
    curriculum: Curriculum, *, every_week: bool = False
) -> tuple[AdmissionPoint, ...]:
    """Every session at which a patient may be admitted, in order (``every_week``: as if
    patients started at the first session of any week)."""
    program = curriculum.program
    admission = program.admission
    if every_week:
        admission = Admission(every=Every.WEEK)
    total = len(curriculum.weeks)
    last = total if program.cycle else total - program.patient_stay.max + 1
    points: list[AdmissionPoint] = []
    for week in curriculum.weeks[: max(0, last)]:
        for index, session in enumerate(week.sessions):
            if admission is None:
                admits = week.number == 1 and index == 0
            elif admission.every is Every.WEEK:
                admits = index == 0
            elif admission.every is Every.DAY:
                admits = True
            elif admission.dates is not None:
                admits = session.date in admission.dates
            else:
                admits = _starts_module(session, admission.track, admission.modules)
            if admits:
                points.append(AdmissionPoint(week=week.number, index=index, session=session.number))
    return tuple(points)


def _starts_module(session: Session, track: str | None, modules: tuple[str, ...] | None) -> bool:
    every = [session.blocks, *(g.blocks for g in session.groups)]
    return any(
        b.track == track and b.lesson == 1 and (modules is None or b.module in modules)
        for blocks in every
        for b in blocks
    )


def journey(curriculum: Curriculum, admitted: int | dt.date, *, stay: int | None = None) -> Journey:
    """What one patient attends: the sessions of each of their weeks, with the main blocks
    or the groups of their phase.

    Args:
        curriculum: A composed (or loaded) curriculum.
        admitted: The week they are admitted in (the first admission point of that
            week), or the date (the first admission point on or after it, within its
            week; for a cycle, a date in any later run of the cycle).
        stay: How many weeks they stay; by default the program's longest stay.

    Raises:
        TypeError: For arguments of the wrong kind.
        ValueError: When no patient can be admitted then, or the stay is not one the
            program allows; the message lists when patients can start.
    """
    if not isinstance(curriculum, Curriculum):
        raise TypeError(
            "journey() takes a Curriculum; compose one with compose(program) or read one "
            f"with load_curriculum(path) (got {type(curriculum).__name__})"
        )
    program = curriculum.program
    allowed = program.patient_stay
    if stay is None:
        stay = allowed.max
    elif isinstance(stay, bool) or not isinstance(stay, int) or stay not in allowed.lengths():
        raise ValueError(f"patients of this program stay {allowed.describe()} (got {stay!r})")
    walker = Walker(curriculum)
    points = walker.points
    if not points:
        raise ValueError("no patient can be admitted in this curriculum")
    total = len(curriculum.weeks)
    if isinstance(admitted, dt.datetime) or not isinstance(admitted, int | dt.date):
        raise TypeError(f"'admitted' is a week number or a date (got {admitted!r})")
    if isinstance(admitted, bool):
        raise TypeError(f"'admitted' is a week number or a date (got {admitted!r})")
    if isinstance(admitted, int):
        found = [p for p in points if p.week == admitted]
        if not found:
            raise ValueError(f"no patient is admitted in week {admitted}: {_when(walker)}")
        return walker.journey(found[0], stay)
    run = 0
    start = program.start
    if start is None:
        raise ValueError("the curriculum has no dates: give the week of admission instead")
    if program.cycle and admitted >= start:
        run = (admitted - start).days // (7 * total)
    try:
        dates = [
            (p, d)
            for p in points
            if (d := _date(curriculum, p, run)) is not None
            and admitted <= d < admitted + dt.timedelta(days=7)
            and _week_of(curriculum, d, run) == _week_of(curriculum, admitted, run)
        ]
    except OverflowError:  # a date past the calendar's end (year 9999)
        dates = []
    if not dates:
        raise ValueError(f"no patient is admitted on {admitted.isoformat()}: {_when(walker)}")
    return walker.journey(dates[0][0], stay, run)


def _date(curriculum: Curriculum, point: AdmissionPoint, run: int) -> dt.date | None:
    date = curriculum.weeks[point.week - 1].sessions[point.index].date
    if date is None:
        return None
    return date + dt.timedelta(weeks=run * len(curriculum.weeks))


def _week_of(curriculum: Curriculum, day: dt.date, run: int) -> int:
    start = curriculum.program.start
    assert start is not None  # noqa: S101 - checked by the caller
    return (day - start).days // 7 - run * len(curriculum.weeks)


def _when(walker: Walker) -> str:
    """When patients can start, in words: their weeks, and their dates when known."""
    points = walker.points
    weeks = sorted({p.week for p in points})
    shown = ", ".join(str(w) for w in weeks[:12]) + (", ..." if len(weeks) > 12 else "")
    text = (
        f"patients start in week {shown}" if len(weeks) == 1 else f"patients start in weeks {shown}"
    )
    dates = [
        d.isoformat()
        for p in points[:6]
        if (d := walker.curriculum.weeks[p.week - 1].sessions[p.index].date) is not None
    ]
    if dates:
        more = ", ..." if len(points) > 6 else ""
        text += f" (on {', '.join(dates)}{more})"
    return text
