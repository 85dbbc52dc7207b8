"""Limits on one session at a time: its length, its opening and closing, breaks, what
fills it, the catalog's lengths and labels, and the time grid."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from iopkit._activity import MAX_ACTIVITY_MINUTES
from iopkit._session import Session
from iopkit._types import Place, Range
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._program import Group, Program
from iopkit.curriculum._rules._base import (
    Change,
    Context,
    Fact,
    Inputs,
    Ladder,
    Rule,
    Violation,
    title,
)

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder


class SessionRule(Rule):
    """A rule that looks at one sitting at a time: a session's main blocks, and each of
    its groups."""

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Run :meth:`check_session` over every session's main blocks and
        :meth:`check_group` over each of its groups."""
        for week, session in curriculum.sessions():
            yield from self.check_session(session, week.number, context)
            for group in session.groups:
                sitting = Session(
                    number=session.number, day=session.day, date=session.date, blocks=group.blocks
                )
                definition = context.program.group(group.name)
                for violation in self.check_group(sitting, definition, week.number, context):
                    yield attrs.evolve(violation, group=group.name)

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Every violation of this rule in one session of the given week."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def check_group(
        self, sitting: Session, group: Group | None, week: int, context: Context
    ) -> Iterator[Violation]:
        """Every violation in one group's sitting (its blocks, as a session); by default
        the same as for a session. ``group`` is the program's definition of it."""
        return self.check_session(sitting, week, context)


def _session_like(group: Group | None) -> bool:
    """Whether a group's sitting is a session in its own right (it meets beside)."""
    return group is None or group.place is Place.BESIDE


@attrs.frozen(kw_only=True)
class SessionLength(SessionRule):
    """Every session's wall-clock length lies within the program's range."""

    minutes: Range
    id: str = "session.minutes"
    description: ClassVar[str] = "every session's wall-clock length is within the program's range"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule the program's ``session.minutes`` makes."""
        yield cls(minutes=program.session.minutes)

    @property
    def where(self) -> str:
        """The program key."""
        return "/session/minutes"

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """The session's length against the range."""
        if session.minutes not in self.minutes:
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                message=f"the session lasts {session.minutes} minutes, but sessions must last "
                f"{self.minutes.describe('minutes')}",
            )

    def check_group(
        self, sitting: Session, group: Group | None, week: int, context: Context
    ) -> Iterator[Violation]:
        """A group's length against its own ``minutes`` (a beside group without them
        against the session's)."""
        if group is None or group.minutes is None:
            yield from self.check_session(sitting, week, context)
        elif sitting.minutes not in group.minutes:
            yield Violation(
                rule=self.id,
                week=week,
                session=sitting.number,
                message=f"the group lasts {sitting.minutes} minutes, but group {group.name!r} "
                f"lasts {group.minutes.describe('minutes')}",
            )

    def contribute(self, model: ModelBuilder) -> None:
        """Bounds on every session's wall-clock length."""
        model.session_minutes(self.id, self.minutes)

    def reason(self, context: Context) -> str:
        """For example "sessions last 180 to 210 minutes"."""
        return f"sessions last {self.minutes.describe('minutes')}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Sessions of any length up to a day."""
        return inputs.with_session(minutes=Range(min=1, max=1440))

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Longer sessions (up to four hours more), or shorter ones (to one grid step)."""
        shape = inputs.program.session
        grid, days = shape.grid, len(inputs.program.days)
        low, high = shape.minutes.min, shape.minutes.max or 1440
        longer = [high + grid * k for k in range(1, 241 // grid + 1) if high + grid * k <= 1440]

        def longest(value: int) -> Change:
            return Change(
                message=f"raise session.minutes.max from {high} to {value}",
                size=(value - high) * days,
                apply=lambda i: i.with_session(
                    minutes=Range(min=i.program.session.minutes.min, max=value)
                ),
            )

        def shortest(value: int) -> Change:
            return Change(
                message=f"lower session.minutes.min from {low} to {value}",
                size=(low - value) * days,
                apply=lambda i: i.with_session(
                    minutes=Range(min=value, max=i.program.session.minutes.max)
                ),
            )

        if longer:
            yield Ladder(steps=tuple(longest(v) for v in longer))
        shorter = [low - grid * k for k in range(1, low // grid + 1) if low - grid * k >= grid]
        if shorter:
            yield Ladder(steps=tuple(shortest(v) for v in shorter))


@attrs.frozen(kw_only=True)
class OpeningClosing(SessionRule):
    """Every session starts with the opening activities and ends with the closing ones."""

    opening: tuple[str, ...]
    closing: tuple[str, ...]
    id: str = "session.opening-closing"
    description: ClassVar[str] = (
        "every session opens and closes with the program's activities, in order"
    )

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``session.opening`` and ``session.closing``."""
        yield cls(opening=program.session.opening, closing=program.session.closing)

    @property
    def where(self) -> str:
        """The program key."""
        return "/session/opening" if self.opening else "/session/closing"

    def check_group(
        self, sitting: Session, group: Group | None, week: int, context: Context
    ) -> Iterator[Violation]:
        """A beside group opens and closes like a session; groups before or after one
        do not."""
        if _session_like(group):
            yield from self.check_session(sitting, week, context)

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """The first and last blocks against the opening and closing lists."""
        ids = [b.activity for b in session.blocks]
        head = ids[: len(self.opening)]
        tail = ids[len(ids) - len(self.closing) :] if self.closing else []
        short = len(ids) < len(self.opening) + len(self.closing)
        if self.opening and (short or head != list(self.opening)):
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                block=1,
                message=f"the session must open with {', '.join(self.opening)} "
                f"(it opens with {', '.join(head) or 'nothing'})",
            )
        if self.closing and (short or tail != list(self.closing)):
            yield Violation(
                rule=self.id,
                week=week,
                session=session.number,
                block=len(ids),
                message=f"the session must close with {', '.join(self.closing)} "
                f"(it closes with {', '.join(tail)})",
            )
        if not short:
            frame = [*range(len(self.opening)), *range(len(ids) - len(self.closing), len(ids))]
            for index in frame:
                if session.blocks[index].pause is not None:
                    yield Violation(
                        rule=self.id,
                        week=week,
                        session=session.number,
                        block=index + 1,
                        message=f"the {'opening' if index < len(self.opening) else 'closing'} "
                        f"'{ids[index]}' holds a break inside it: the opening and closing "
                        "are held whole",
                    )

    def contribute(self, model: ModelBuilder) -> None:
        """Activities pinned to the start and the end of every session."""
        model.open_and_close(self.id, self.opening, self.closing)

    def reason(self, context: Context) -> str:
        """For example "every session opens with 'Group check-in' and closes with ..."."""
        parts = []
        if self.opening:
            parts.append("opens with " + ", ".join(title(context, a) for a in self.opening))
        if self.closing:
            parts.append("closes with " + ", ".join(title(context, a) for a in self.closing))
        if not parts:
            return "sessions have no fixed opening or closing"
        return "every session " + " and ".join(parts)

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Sessions without a fixed opening or closing (a fill list then admits the
        opening and closing activities, so that every curriculum stays valid)."""
        if not self.opening and not self.closing:
            return None
        shape = inputs.program.session
        fill = shape.fill
        if fill is not None:
            fill = fill + tuple(a for a in (*shape.opening, *shape.closing) if a not in fill)
        return inputs.with_session(opening=(), closing=(), fill=fill)

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Dropping one opening or closing activity."""
        shape = inputs.program.session
        for key in ("opening", "closing"):
            for activity in getattr(shape, key):
                minutes = inputs.catalog.activity(activity).minutes.min

                def without(i: Inputs, key: str = key, activity: str = activity) -> Inputs:
                    kept = tuple(a for a in getattr(i.program.session, key) if a != activity)
                    return i.with_session(**{key: kept})

                yield Ladder(
                    steps=(
                        Change(
                            message=f"remove '{activity}' from session.{key}",
                            size=minutes * len(inputs.program.days),
                            apply=without,
                        ),
                    )
                )


@attrs.frozen(kw_only=True)
class Breaks(SessionRule):
    """Breaks come often enough, last as long as the program says, and only between
    services; a program without a break rule has no breaks."""

    after: int | None
    minutes: int | None
    activity: str | None
    id: str = "session.breaks"
    description: ClassVar[str] = "never more service minutes in a row than the break rule allows"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``session.breaks`` (or of its absence)."""
        rule = program.session.breaks
        yield cls(
            after=rule.after if rule else None,
            minutes=rule.minutes if rule else None,
            activity=rule.activity if rule else None,
        )

    @property
    def where(self) -> str:
        """The program key."""
        return "/session/breaks"

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Runs of service between breaks, and each break's place and length."""
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
            pause = block.pause
            if pause is not None:
                if self.after is None:
                    yield loc(
                        message=f"the program has no break rule, so '{block.activity}' holds "
                        "no break inside it"
                    )
                    run += block.service_minutes
                    continue
                if pause.minutes != self.minutes or pause.activity != self.activity:
                    yield loc(
                        message=f"breaks are {self.minutes} minutes of '{self.activity}' (the "
                        f"one inside '{block.activity}' is {pause.minutes} minutes of "
                        f"'{pause.activity}')",
                    )
                run += pause.at
                if run > self.after:
                    yield loc(
                        message=f"{run} service minutes in a row by the break inside "
                        f"'{block.activity}', but a {self.minutes}-minute break is due at "
                        f"least every {self.after}",
                    )
                run = 0
            run += block.minutes - (pause.end if pause is not None else 0)
            if self.after is not None and run > self.after:
                yield loc(
                    message=f"{run} service minutes in a row by the end of '{block.activity}', "
                    f"but a {self.minutes}-minute break is due at least every {self.after}",
                )
                run = 0

    def contribute(self, model: ModelBuilder) -> None:
        """The break rule, or none (then sessions hold no breaks)."""
        if self.after is not None and self.minutes is not None and self.activity is not None:
            model.breaks(self.id, self.after, self.minutes, self.activity)

    def reason(self, context: Context) -> str:
        """For example "a 10-minute break at least every 90 service minutes"."""
        if self.after is None:
            return "sessions have no breaks"
        return f"a {self.minutes}-minute break at least every {self.after} service minutes"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Breaks allowed but never due: the same breaks, at most one a day apart."""
        shape = inputs.program.session
        if self.after is None or shape.breaks is None:
            return None
        return inputs.with_session(breaks=attrs.evolve(shape.breaks, after=1440))

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Breaks due less often (up to two hours more between them), or shorter breaks."""
        shape = inputs.program.session
        rule = shape.breaks
        if rule is None:
            return
        grid = shape.grid

        def later(value: int) -> Change:
            return Change(
                message=f"raise session.breaks.after from {rule.after} to {value}",
                size=value - rule.after,
                apply=lambda i: i.with_session(breaks=attrs.evolve(rule, after=value)),
            )

        def shorter(value: int) -> Change:
            return Change(
                message=f"shorten breaks from {rule.minutes} to {value} minutes",
                size=(rule.minutes - value) * len(inputs.program.days),
                apply=lambda i: i.with_session(breaks=attrs.evolve(rule, minutes=value)),
            )

        yield Ladder(steps=tuple(later(rule.after + grid * k) for k in range(1, 121 // grid + 1)))
        values = [rule.minutes - grid * k for k in range(1, rule.minutes // grid)]
        if values:
            yield Ladder(steps=tuple(shorter(v) for v in values if v >= grid))


@attrs.frozen(kw_only=True)
class NoRepeat(SessionRule):
    """Apart from the opening and closing blocks, an activity occurs at most once in a
    session, and never again after opening or before closing."""

    opening: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    id: str = "session.no-repeat"
    description: ClassVar[str] = "no activity is repeated within a session"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """Always in force."""
        yield cls(opening=program.session.opening, closing=program.session.closing)

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Activities seen more often than allowed."""
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

    def contribute(self, model: ModelBuilder) -> None:
        """Each activity at most once in a session."""
        model.no_repeats(self.id, self.opening + self.closing)

    def reason(self, context: Context) -> str:
        """The frame's wording."""
        return "no activity occurs twice in one session"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame: not relaxed."""
        return None


@attrs.frozen(kw_only=True)
class Fill(SessionRule):
    """Blocks that are not opening, closing, lesson or break use allowed stand-alone
    activities; a lesson appears only as part of a track."""

    allowed: frozenset[str] | None
    fixed: frozenset[str] = frozenset()
    id: str = "session.fill"
    description: ClassVar[str] = "sessions are filled only with allowed activities"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``session.fill``."""
        shape = program.session
        yield cls(
            allowed=frozenset(shape.fill) if shape.fill is not None else None,
            fixed=frozenset(shape.opening) | frozenset(shape.closing),
        )

    @property
    def where(self) -> str:
        """The program key."""
        return "/session/fill"

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Every filler block against the catalog and the fill list."""
        for index, block in enumerate(session.blocks, start=1):
            loc = functools.partial(
                Violation, rule=self.id, week=week, session=session.number, block=index
            )
            if block.is_break or block.module is not None or block.activity in self.fixed:
                continue
            if block.activity not in context.catalog or context.catalog.lesson_of(block.activity):
                continue  # reported by the blocks rule
            if self.allowed is not None and block.activity not in self.allowed:
                yield loc(
                    message=f"'{block.activity}' is not among the activities sessions may be "
                    "filled with",
                )

    def check_group(
        self, sitting: Session, group: Group | None, week: int, context: Context
    ) -> Iterator[Violation]:
        """A group's fillers against its own ``fill`` (a beside group without one against
        the session's; a group before or after the session holds only lessons then)."""
        if group is None:
            yield from self.check_session(sitting, week, context)
            return
        if group.fill is not None:
            allowed: frozenset[str] | None = frozenset(group.fill)
        else:
            allowed = self.allowed if group.place is Place.BESIDE else frozenset()
        fixed = self.fixed if group.place is Place.BESIDE else frozenset()
        yield from attrs.evolve(self, allowed=allowed, fixed=fixed).check_session(
            sitting, week, context
        )

    def contribute(self, model: ModelBuilder) -> None:
        """The activities the composer may fill sessions with."""
        model.fill(self.id, self.allowed)

    def reason(self, context: Context) -> str:
        """For example "sessions may be filled only with 'Process group'"."""
        if self.allowed is None:
            return "sessions are filled with the catalog's stand-alone activities"
        shown = ", ".join(title(context, a) for a in sorted(self.allowed)) or "nothing"
        return f"sessions may be filled only with {shown}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Any stand-alone activity may fill sessions."""
        if self.allowed is None:
            return None
        return inputs.with_session(fill=None)

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Allowing one more activity in the fill list."""
        fill = inputs.program.session.fill
        if fill is None:
            return
        fixed = set(inputs.program.session.opening) | set(inputs.program.session.closing)
        for activity in inputs.catalog.activities:
            if activity.is_break or activity.id in fill or activity.id in fixed:
                continue

            def allow(i: Inputs, activity_id: str = activity.id) -> Inputs:
                return i.with_session(fill=(*(i.program.session.fill or ()), activity_id))

            yield Ladder(
                steps=(
                    Change(
                        message=f"allow '{activity.id}' in session.fill",
                        size=activity.minutes.min,
                        apply=allow,
                    ),
                )
            )


@attrs.frozen(kw_only=True)
class Blocks(SessionRule):
    """Every block matches its catalog activity: the same title, kind, format and
    modality, the lesson it claims to be, and a length the catalog allows."""

    id: str = "blocks"
    description: ClassVar[str] = "every block matches its activity in the catalog, length included"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """Always in force."""
        yield cls()

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Labels and lengths of every block against the catalog."""
        catalog = context.catalog
        for index, block in enumerate(session.blocks, start=1):
            loc = functools.partial(
                Violation, rule=self.id, week=week, session=session.number, block=index
            )
            if block.activity not in catalog:
                yield loc(message=f"'{block.activity}' is not in the catalog")
                continue
            activity = catalog.activity(block.activity)
            labels = (
                ("kind", block.kind.value, activity.kind.value),
                ("format", block.format.value, activity.format.value),
                ("modality", block.modality, activity.modality),
                ("title", block.title, activity.title),
            )
            for name, said, known in labels:
                if said != known:
                    yield loc(
                        message=f"'{activity.id}' has {name} {known!r} in the catalog, "
                        f"but the block says {said!r}"
                    )
            lesson = catalog.lesson_of(activity.id)
            claimed = (block.module, block.lesson) if block.module is not None else None
            if claimed != lesson:
                where = f"lesson {lesson[1]} of '{lesson[0]}'" if lesson else "not a lesson"
                said_text = f"lesson {claimed[1]} of '{claimed[0]}'" if claimed else "not a lesson"
                yield loc(
                    message=f"'{activity.id}' is {where} in the catalog, but the block says "
                    f"{said_text}"
                )
            if block.pause is not None and not activity.break_inside:
                yield loc(
                    message=f"{title(context, activity.id)} holds a break inside it, but the "
                    "catalog does not allow it one (break_inside)",
                )
            if not activity.is_break and block.service_minutes not in activity.minutes:
                kept = " of service" if block.pause is not None else ""
                yield loc(
                    message=f"{title(context, activity.id)} lasts "
                    f"{activity.minutes.describe('minutes')}, not {block.service_minutes}{kept}",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """Activities take the lengths the catalog gives them."""
        model.catalog_lengths(self.id)

    def reason(self, context: Context) -> str:
        """The frame's wording."""
        return "every activity lasts as long as the catalog says"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame: lengths of single activities are relaxed as catalog facts."""
        return None

    def facts(self, inputs: Inputs) -> Iterator[Fact]:
        """The catalog length of each lesson a track teaches and of each opening and
        closing activity: a lesson too long for its place is a reason of its own."""
        program, catalog = inputs.program, inputs.catalog
        context = Context(program=program, catalog=catalog)
        wanted: list[str] = [*program.session.opening, *program.session.closing]
        for track in program.tracks:
            for module_id in track.modules:
                if module_id in catalog:
                    wanted += [lesson.id for lesson in catalog.module(module_id).lessons]
        seen: set[str] = set()
        for activity_id in wanted:
            if activity_id in seen or activity_id not in catalog:
                continue
            seen.add(activity_id)
            activity = catalog.activity(activity_id)
            lesson = catalog.lesson_of(activity_id)
            what = f", lesson {lesson[1]} of '{catalog.module(lesson[0]).title}'," if lesson else ""
            yield Fact(
                id=f"catalog:{activity_id}:minutes",
                message=f"{title(context, activity_id)}{what} lasts "
                f"{activity.minutes.describe('minutes')} (catalog)",
                where=f"catalog:{activity_id}",
                relax=functools.partial(_any_length, activity_id=activity_id),
                repairs=functools.partial(_shorter, activity_id=activity_id),
            )


def _any_length(inputs: Inputs, *, activity_id: str) -> Inputs:
    """The inputs with one activity of any length up to the longest allowed."""
    return inputs.with_activity(activity_id, minutes=Range(min=1, max=MAX_ACTIVITY_MINUTES))


def _shorter(inputs: Inputs, *, activity_id: str) -> Iterator[Ladder]:
    """Shortening one activity of the catalog, in grid steps."""
    activity = inputs.catalog.activity(activity_id)
    grid = inputs.program.session.grid
    low, high = activity.minutes.min, activity.minutes.max or activity.minutes.min

    def to(value: int) -> Change:
        return Change(
            message=f"shorten '{activity_id}' to {value} minutes in the catalog",
            size=high - value,
            apply=lambda i: i.with_activity(
                activity_id, minutes=Range(min=min(low, value), max=value)
            ),
        )

    values = [high - grid * k for k in range(1, high // grid) if high - grid * k >= grid]
    if values:
        yield Ladder(steps=tuple(to(v) for v in values))


@attrs.frozen(kw_only=True)
class Grid(SessionRule):
    """Every block starts and lasts a whole number of grid steps (5 minutes by default),
    so that clock times are the ones clinics use."""

    minutes: int
    id: str = "session.grid"
    description: ClassVar[str] = "every block starts and lasts a multiple of the time grid"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``session.grid`` (none when the grid is 1 minute)."""
        if program.session.grid > 1:
            yield cls(minutes=program.session.grid)

    @property
    def where(self) -> str:
        """The program key."""
        return "/session/grid"

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """Starts and lengths against the grid."""
        off = f"not on the {self.minutes}-minute grid"
        for index, block in enumerate(session.blocks, start=1):
            loc = functools.partial(
                Violation, rule=self.id, week=week, session=session.number, block=index
            )
            if block.start % self.minutes or block.minutes % self.minutes:
                yield loc(
                    message=f"'{block.activity}' starts at minute {block.start} and lasts "
                    f"{block.minutes} minutes: {off}",
                )
            pause = block.pause
            if pause is not None and (pause.at % self.minutes or pause.minutes % self.minutes):
                yield loc(
                    message=f"the break inside '{block.activity}' starts {pause.at} minutes "
                    f"into it and lasts {pause.minutes} minutes: {off}",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """Lengths in whole grid steps."""
        model.grid(self.id, self.minutes)

    def reason(self, context: Context) -> str:
        """For example "every activity and break starts and lasts a multiple of 5 minutes"."""
        return f"every activity and break starts and lasts a multiple of {plural(self.minutes, 'minute')}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Blocks on any minute."""
        return inputs.with_session(grid=1)
