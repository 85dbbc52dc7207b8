"""Rules: each one limit, with one method that reports the violations it finds.

The validator runs every rule over a finished curriculum. The composer builds its search
from the same rule objects (their parameters), checks candidate sessions with the
session rules' own :meth:`SessionRule.check_session`, and runs the validator over its
result, so "valid" has one definition.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar, Protocol

import attrs

from iopkit._catalog import Catalog
from iopkit._session import Block, Session
from iopkit._types import Range, Weekday
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._program import Count, Per, Program, Requirement, Track


@attrs.frozen(kw_only=True)
class Violation:
    """One way a curriculum breaks a rule, and where.

    Attributes:
        rule: The id of the broken rule, such as ``"weekly_minutes"``.
        message: What is wrong, as a sentence with the numbers.
        week: The 1-based week, when the violation is in one week.
        session: The session's number, when in one session.
        block: The 1-based index of the block in the session, when in one block.
    """

    rule: str
    message: str
    week: int | None = None
    session: int | None = None
    block: int | None = None

    def where(self) -> str:
        """The location in words, for example ``"week 2, session 5, block 3"``."""
        parts = []
        if self.week is not None:
            parts.append(f"week {self.week}")
        if self.session is not None:
            parts.append(f"session {self.session}")
        if self.block is not None:
            parts.append(f"block {self.block}")
        return ", ".join(parts) or "curriculum"

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where()}: {self.message}"


@attrs.frozen
class Lesson:
    """One step of a track's sequence: a module's lesson."""

    module: str
    number: int
    activity: str


@attrs.frozen(kw_only=True)
class Context:
    """What rules need besides the curriculum: the program and its catalog."""

    program: Program
    catalog: Catalog

    def sequence(self, track: Track) -> tuple[Lesson, ...]:
        """The track's lessons in teaching order (one pass)."""
        return tuple(
            Lesson(module_id, number, lesson.id)
            for module_id in track.modules
            for number, lesson in enumerate(self.catalog.module(module_id).lessons, start=1)
        )

    def cycles(self, track: Track) -> bool:
        """Whether the track's sequence starts again when it ends."""
        return track.repeat or (self.program.rolling_admission is not None and track.core)

    def track_active(self, track: Track, week: int, day: Weekday) -> bool:
        """Whether the track may place a lesson in this week on this day."""
        first, last = self.program.track_window(track)
        return first <= week <= last and (track.days is None or day in track.days)


class Rule(Protocol):
    """A limit a curriculum must meet: an id, a one-line description, one check."""

    @property
    def id(self) -> str:
        """A stable id, such as ``"session.minutes"`` or ``"require[2]"``."""
        ...

    @property
    def description(self) -> str:
        """One line saying what the rule demands."""
        ...

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Every violation of this rule in the curriculum."""
        ...


class SessionRule(Rule, Protocol):
    """A rule that looks at one session at a time; the composer checks candidates with it."""

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Every violation of this rule in one session of the given week."""
        ...


class _PerSession:
    """Mixin: ``check`` runs ``check_session`` over every session."""

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        for week, session in curriculum.sessions():
            yield from self.check_session(session, week.number, context)  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True)
class SessionLength(_PerSession):
    """Every session's wall-clock length lies within the program's range."""

    minutes: Range
    id: str = "session.minutes"
    description: str = "every session's wall-clock length is within the program's range"
    relaxable: ClassVar[bool] = True

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        if session.minutes not in self.minutes:
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                message=f"the session lasts {session.minutes} minutes, but sessions must last "
                f"{self.minutes.describe('minutes')}",
            )


@attrs.frozen(kw_only=True)
class OpeningClosing(_PerSession):
    """Every session starts with the opening activities and ends with the closing ones."""

    opening: tuple[str, ...]
    closing: tuple[str, ...]
    id: str = "session.opening-closing"
    description: str = "every session opens and closes with the program's activities, in order"
    relaxable: ClassVar[bool] = True

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        ids = [b.activity for b in session.blocks]
        head = ids[: len(self.opening)]
        tail = ids[len(ids) - len(self.closing) :] if self.closing else []
        if len(ids) < len(self.opening) + len(self.closing) or head != list(self.opening):
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                block=1,
                message=f"the session must open with {', '.join(self.opening)} "
                f"(it opens with {', '.join(head) or 'nothing'})",
            )
        if self.closing and (
            len(ids) < len(self.opening) + len(self.closing) or tail != list(self.closing)
        ):
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                block=len(ids),
                message=f"the session must close with {', '.join(self.closing)} "
                f"(it closes with {', '.join(tail)})",
            )


@attrs.frozen(kw_only=True)
class Breaks(_PerSession):
    """Breaks come often enough, last as long as the program says, and only between
    services; a program without a break rule has no breaks."""

    after: int | None
    minutes: int | None
    activity: str | None
    id: str = "session.breaks"
    description: str = "never more service minutes in a row than the break rule allows"
    relaxable: ClassVar[bool] = True

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        run = 0
        blocks = session.blocks
        for index, block in enumerate(blocks, start=1):
            loc = functools.partial(
                Violation, rule=self.id, week=week, session=session.number, block=index
            )
            if block.is_break:
                if self.after is None:
                    yield loc(message="the program has no break rule, so sessions have no breaks")
                    continue
                if block.minutes != self.minutes or block.activity != self.activity:
                    yield loc(
                        message=f"breaks are {self.minutes} minutes of '{self.activity}' "
                        f"(this one is {block.minutes} minutes of '{block.activity}')",
                    )
                if index in (1, len(blocks)):
                    yield loc(message="a session neither opens nor closes with a break")
                elif blocks[index - 2].is_break:
                    yield loc(message="two breaks follow each other")
                run = 0
                continue
            run += block.minutes
            if self.after is not None and run > self.after:
                yield loc(
                    message=f"{run} service minutes in a row by the end of '{block.activity}', "
                    f"but a {self.minutes}-minute break is due at least every {self.after}",
                )
                run = 0


@attrs.frozen(kw_only=True)
class NoRepeat(_PerSession):
    """Apart from the opening and closing blocks, an activity occurs at most once in a
    session, and never again after opening or before closing."""

    opening: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    id: str = "session.no-repeat"
    description: str = "no activity is repeated within a session"
    relaxable: ClassVar[bool] = False

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        allowed = Counter(self.opening) + Counter(self.closing)
        seen: Counter[str] = Counter()
        for index, block in enumerate(session.blocks, start=1):
            if block.is_break:
                continue
            seen[block.activity] += 1
            if seen[block.activity] > max(1, allowed[block.activity]):
                yield Violation(
                    rule=self.id,
                    week=week,
                    session=session.number,
                    block=index,
                    message=f"'{block.activity}' already occurs earlier in this session",
                )


@attrs.frozen(kw_only=True)
class Fill(_PerSession):
    """Blocks that are not opening, closing, lesson or break use allowed stand-alone
    activities; a lesson appears only as part of a track."""

    allowed: frozenset[str] | None
    fixed: frozenset[str] = frozenset()
    id: str = "session.fill"
    description: str = "sessions are filled only with allowed activities"
    relaxable: ClassVar[bool] = False

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        for index, block in enumerate(session.blocks, start=1):
            loc = functools.partial(
                Violation, rule=self.id, week=week, session=session.number, block=index
            )
            if block.is_break or block.module is not None or block.activity in self.fixed:
                continue
            if block.activity not in context.catalog:
                yield loc(message=f"'{block.activity}' is not in the catalog")
            elif context.catalog.lesson_of(block.activity):
                yield loc(message=f"'{block.activity}' is a lesson but names no module and track")
            elif self.allowed is not None and block.activity not in self.allowed:
                yield loc(
                    message=f"'{block.activity}' is not among the activities sessions may be filled with",
                )
            else:
                act = context.catalog.activity(block.activity)
                if block.minutes not in act.minutes:
                    yield loc(
                        message=f"'{act.id}' lasts {act.minutes.describe('minutes')}, not {block.minutes}",
                    )


@attrs.frozen(kw_only=True)
class WeeklyMinutesRule:
    """Minutes per week (service or wall-clock) lie within a range; a profile may let the
    last ``taper_weeks`` weeks fall below the minimum (stepping down)."""

    range: Range
    count: Count = Count.SERVICE
    taper_weeks: int = 0
    source: str = "the program"
    id: str = "weekly_minutes"
    description: str = "minutes per week are within the weekly range"
    relaxable: ClassVar[bool] = True

    def measure(self, week: Week) -> int:
        """The week's minutes as this rule counts them."""
        return week.service_minutes if self.count is Count.SERVICE else week.minutes

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        what = "service minutes" if self.count is Count.SERVICE else "minutes (breaks included)"
        total_weeks = len(curriculum.weeks)
        for week in curriculum.weeks:
            value = self.measure(week)
            tapering = week.number > total_weeks - self.taper_weeks
            if value < self.range.min and not tapering:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"the week has {value} {what} ({value / 60:g} h), but {self.source} "
                    f"needs at least {self.range.min} ({self.range.min / 60:g} h)",
                )
            if self.range.max is not None and value > self.range.max:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"the week has {value} {what} ({value / 60:g} h), but {self.source} "
                    f"allows at most {self.range.max} ({self.range.max / 60:g} h)",
                )


@attrs.frozen(kw_only=True)
class RequirementRule:
    """Blocks matching a selector occur as often as a requirement says."""

    requirement: Requirement
    source: str = "the program"
    id: str = "require"
    description: str = "a kind of service occurs as often as required"
    relaxable: ClassVar[bool] = True

    def _verdict(self, count: int) -> str | None:
        req = self.requirement
        if count < req.min:
            return f"{count} {req.selector.describe()}, but {self.source} needs at least {req.min} per {req.per.value}"
        if req.max is not None and count > req.max:
            return f"{count} {req.selector.describe()}, but {self.source} allows at most {req.max} per {req.per.value}"
        return None

    def count(self, blocks: Iterable[Block]) -> int:
        """How many of the blocks match."""
        return sum(1 for b in blocks if self.requirement.selector.matches(b))

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        per = self.requirement.per
        if per is Per.SESSION:
            for week, session in curriculum.sessions():
                message = self._verdict(self.count(session.blocks))
                if message:
                    yield Violation(
                        rule=self.id, week=week.number, session=session.number, message=message
                    )
        elif per is Per.WEEK:
            for week in curriculum.weeks:
                message = self._verdict(self.count(b for s in week.sessions for b in s.blocks))
                if message:
                    yield Violation(rule=self.id, week=week.number, message=message)
        else:
            message = self._verdict(self.count(b for _, _, _, b in curriculum.blocks()))
            if message:
                yield Violation(rule=self.id, message=message)


@attrs.frozen(kw_only=True)
class LongSessions:
    """At least ``min`` sessions a week have at least ``min_minutes`` service minutes."""

    min: int
    min_minutes: int
    taper_weeks: int = 0
    source: str = "the program"
    id: str = "long-sessions"
    description: str = "enough long sessions each week"
    relaxable: ClassVar[bool] = True

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        total = len(curriculum.weeks)
        for week in curriculum.weeks:
            if week.number > total - self.taper_weeks:
                continue
            long = sum(1 for s in week.sessions if s.service_minutes >= self.min_minutes)
            if long < self.min:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{long} sessions of {self.min_minutes}+ service minutes, but "
                    f"{self.source} needs at least {self.min} a week",
                )


@attrs.frozen(kw_only=True)
class Calendar:
    """Sessions fall only on program days, in program weeks, never on a closure; a closed
    session may move to a make-up day of the same week; dates agree with the start."""

    id: str = "calendar"
    description: str = "sessions fall on program days, never on closures"
    relaxable: ClassVar[bool] = False

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        program = context.program
        if len(curriculum.weeks) != program.weeks:
            yield Violation(
                rule=self.id,
                message=f"the curriculum has {len(curriculum.weeks)} weeks, the program {program.weeks}",
            )
        closures = set(program.closures)
        for week in curriculum.weeks:
            dates = program.week_dates(week.number)
            order = _day_order(program)
            closed = [d for d in program.days if dates is not None and dates[d] in closures]
            seen: list[Weekday] = []
            makeups = 0
            for session in week.sessions:
                loc = functools.partial(
                    Violation, rule=self.id, week=week.number, session=session.number
                )
                expected = dates[session.day] if dates is not None else None
                if session.date != expected:
                    shown = (
                        expected.isoformat() if expected else "no date (the program has no start)"
                    )
                    yield loc(message=f"the session's date should be {shown}")
                if session.day in seen:
                    yield loc(message=f"a second session on {session.day.value}")
                elif seen and order.index(session.day) < order.index(seen[-1]):
                    yield loc(message="sessions of a week are not in day order")
                seen.append(session.day)
                if session.date is not None and session.date in closures:
                    yield loc(message=f"{session.date.isoformat()} is a closure")
                if session.day in program.makeup_days:
                    makeups += 1
                elif session.day not in program.days:
                    yield loc(message=f"{session.day.value} is not a session day")
            if makeups > len(closed):
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{makeups} make-up sessions for {len(closed)} closed days",
                )
            for day in program.days:
                if day not in seen and day not in closed:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        message=f"no session on {day.value}, a session day that is not closed",
                    )


def _day_order(program: Program) -> list[Weekday]:
    first = program.start.weekday() if program.start else 0
    return [Weekday.of((first + i) % 7) for i in range(7)]


def track_blocks(curriculum: Curriculum, track: Track) -> list[tuple[Week, Session, int, Block]]:
    """The blocks a track placed, in order."""
    return [(w, s, i, b) for w, s, i, b in curriculum.blocks() if b.track == track.name]


@attrs.frozen(kw_only=True)
class TrackPlacement:
    """A track's lessons fall only on its days and weeks, within its per-session and
    per-week limits (minimums apply while lessons remain)."""

    track: Track
    id: str = "tracks"
    description: str = "track lessons respect the track's days, weeks and pace"
    relaxable: ClassVar[bool] = True

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        track = self.track
        length = len(context.sequence(track))
        cycles = context.cycles(track)
        delivered = 0
        for week in curriculum.weeks:
            remaining_week = math.inf if cycles else length - delivered
            in_week = 0
            any_active = False
            for session in week.sessions:
                mine = [(i, b) for i, b in enumerate(session.blocks, 1) if b.track == track.name]
                active = context.track_active(track, week.number, session.day)
                any_active = any_active or active
                loc = functools.partial(
                    Violation, rule=self.id, week=week.number, session=session.number
                )
                for index, block in mine:
                    if block.module not in track.modules:
                        yield loc(
                            block=index,
                            message=f"module '{block.module}' is not in track '{track.name}'",
                        )
                if mine and not active:
                    yield loc(
                        block=mine[0][0],
                        message=f"track '{track.name}' has no lessons on this day or week",
                    )
                if track.per_session.max is not None and len(mine) > track.per_session.max:
                    yield loc(
                        message=f"{len(mine)} lessons of track '{track.name}', "
                        f"at most {track.per_session.max} per session",
                    )
                remaining = math.inf if cycles else length - delivered
                floor = min(track.per_session.min, remaining)
                if active and len(mine) < floor:
                    yield loc(
                        message=f"{len(mine)} lessons of track '{track.name}', at least {floor} per session",
                    )
                delivered += len(mine)
                in_week += len(mine)
            if track.per_week.max is not None and in_week > track.per_week.max:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{in_week} lessons of track '{track.name}', at most {track.per_week.max} a week",
                )
            floor = min(track.per_week.min, remaining_week)
            if any_active and in_week < floor:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{in_week} lessons of track '{track.name}', at least {floor:g} a week",
                )


@attrs.frozen(kw_only=True)
class LessonOrder:
    """Each track delivers its sequence in order: module after module, lesson after
    lesson, starting again only if the track repeats."""

    id: str = "lesson-order"
    description: str = "lessons of every track are delivered in order"
    relaxable: ClassVar[bool] = False

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        known = {t.name for t in context.program.tracks}
        for week, session, index, block in curriculum.blocks():
            if block.module is not None and block.track not in known:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    session=session.number,
                    block=index,
                    message=f"lesson of '{block.module}' belongs to no track of the program"
                    + (f" ('{block.track}')" if block.track else ""),
                )
        for track in context.program.tracks:
            sequence = context.sequence(track)
            cycles = context.cycles(track)
            for position, (week, session, index, block) in enumerate(
                track_blocks(curriculum, track)
            ):
                if position >= len(sequence) and not cycles:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        message=f"track '{track.name}' has no lessons left to teach here (it does not repeat)",
                    )
                    break
                want = sequence[position % len(sequence)]
                if (block.module, block.lesson, block.activity) != (
                    want.module,
                    want.number,
                    want.activity,
                ):
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        message=f"expected lesson {want.number} of '{want.module}' next in track "
                        f"'{track.name}', found {_lesson_name(block)}",
                    )
                    break


def _lesson_name(block: Block) -> str:
    return f"lesson {block.lesson} of '{block.module}'"


@attrs.frozen(kw_only=True)
class Prerequisites:
    """A module starts only after every module it requires has been completed."""

    id: str = "prerequisites"
    description: str = "modules start only after their prerequisites are complete"
    relaxable: ClassVar[bool] = False

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        completed: set[str] = set()
        for week, session, index, block in curriculum.blocks():
            if block.module is None or block.lesson is None:
                continue
            module = context.catalog.module(block.module)
            if block.lesson == 1:
                missing = [r for r in module.requires if r not in completed]
                if missing:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        message=f"'{module.id}' starts before {', '.join(repr(m) for m in missing)} "
                        "is complete",
                    )
            if block.lesson == len(module.lessons):
                completed.add(module.id)


@attrs.frozen(kw_only=True)
class CoreDelivery:
    """A core track is delivered in full at least once."""

    track: Track
    id: str = "tracks.core"
    description: str = "every core track is delivered in full"
    relaxable: ClassVar[bool] = True

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        length = len(context.sequence(self.track))
        count = len(track_blocks(curriculum, self.track))
        if count < length:
            yield Violation(
                rule=self.id,
                message=f"core track '{self.track.name}' delivers {count} of its {length} lessons",
            )


@attrs.frozen(kw_only=True)
class RollingCoverage:
    """With rolling admission, every stay of ``stay_weeks`` weeks covers every lesson of
    every core track."""

    stay_weeks: int
    id: str = "rolling_admission"
    description: str = "every admission week's stay covers every core lesson"
    relaxable: ClassVar[bool] = True

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        core = [t for t in context.program.tracks if t.core]
        needed = {(step.module, step.number) for t in core for step in context.sequence(t)}
        weeks = curriculum.weeks
        taught: list[set[tuple[str, int]]] = [
            {
                (b.module, b.lesson)
                for s in w.sessions
                for b in s.blocks
                if b.module is not None
                and b.lesson is not None
                and any(b.track == t.name for t in core)
            }
            for w in weeks
        ]
        for first in range(len(weeks) - self.stay_weeks + 1):
            seen = set().union(*taught[first : first + self.stay_weeks])
            missing = sorted(needed - seen)
            if missing:
                shown = ", ".join(f"lesson {n} of '{m}'" for m, n in missing[:3])
                more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
                yield Violation(
                    rule=self.id,
                    week=first + 1,
                    message=f"a patient admitted in week {first + 1} and staying "
                    f"{self.stay_weeks} weeks misses {shown}{more}",
                )


def program_rules(program: Program) -> list[Rule]:
    """The rules a program's own limits make, in a stable order."""
    shape = program.session
    rules: list[Rule] = [
        Calendar(),
        SessionLength(minutes=shape.minutes),
        OpeningClosing(opening=shape.opening, closing=shape.closing),
        Breaks(
            after=shape.breaks.after if shape.breaks else None,
            minutes=shape.breaks.minutes if shape.breaks else None,
            activity=shape.breaks.activity if shape.breaks else None,
        ),
        NoRepeat(opening=shape.opening, closing=shape.closing),
        Fill(
            allowed=frozenset(shape.fill) if shape.fill is not None else None,
            fixed=frozenset(shape.opening) | frozenset(shape.closing),
        ),
    ]
    weekly = program.weekly_minutes
    if weekly.min > 0 or weekly.max is not None:
        rules.append(WeeklyMinutesRule(range=weekly.range, count=weekly.count))
    rules += [
        RequirementRule(requirement=r, id=f"require[{i}]") for i, r in enumerate(program.require)
    ]
    rules += [TrackPlacement(track=t, id=f"tracks[{i}]") for i, t in enumerate(program.tracks)]
    rules += [LessonOrder(), Prerequisites()]
    rules += [
        CoreDelivery(track=t, id=f"tracks[{i}].core")
        for i, t in enumerate(program.tracks)
        if t.core
    ]
    if program.rolling_admission is not None:
        rules.append(RollingCoverage(stay_weeks=program.rolling_admission.stay_weeks))
    return rules


def is_session_rule(rule: Rule) -> bool:
    """Whether the rule can check one session on its own."""
    return hasattr(rule, "check_session")


def run(rules: Sequence[Rule], curriculum: Curriculum, context: Context) -> list[Violation]:
    """Every violation of every rule, in rule order."""
    return [v for rule in rules for v in rule.check(curriculum, context)]
