"""The calendar: which days hold sessions, closures and make-up days."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from iopkit._types import Weekday
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._program import Program
from iopkit.curriculum._rules._base import Change, Context, Fact, Inputs, Ladder, Rule, Violation

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder


def day_order(program: Program) -> list[Weekday]:
    """Weekdays in the order they fall in a program week (from the start date's day)."""
    first = program.start.weekday() if program.start else 0
    return [Weekday.of((first + i) % 7) for i in range(7)]


@attrs.frozen(kw_only=True)
class Calendar(Rule):
    """Sessions fall only on program days, in program weeks, never on a closure; a closed
    session may move to a make-up day of the same week (the week's make-up sessions replace
    its closed sessions in day order); dates agree with the start."""

    id: str = "calendar"
    description: ClassVar[str] = "sessions fall on program days, never on closures"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """Always in force."""
        yield cls()

    @property
    def where(self) -> str:
        """The program key."""
        return "/days"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Every week's sessions against the days, closures and make-up days."""
        program = context.program
        if len(curriculum.weeks) != program.weeks:
            yield Violation(
                rule=self.id,
                message=f"the curriculum has {plural(len(curriculum.weeks), 'week')}, "
                f"the program {program.weeks}",
            )
        closures = set(program.closures)
        order = day_order(program)
        for week in curriculum.weeks:
            dates = program.week_dates(week.number)
            closed = sorted(
                (d for d in program.days if dates is not None and dates[d] in closures),
                key=order.index,
            )
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
                if session.groups and not program.groups:
                    yield loc(message="the session has groups, but the program defines none")
                if session.date is not None and session.date in closures:
                    yield loc(message=f"{session.date.isoformat()} is a closure")
                if session.day in program.makeup_days:
                    makeups += 1
                elif session.day not in program.days:
                    yield loc(message=f"{session.day.value} is not a session day")
                if session.replaces is not None:
                    if session.day not in program.makeup_days:
                        yield loc(message="only a session on a make-up day replaces a closed one")
                    elif makeups > len(closed) or dates is None:
                        pass  # too many make-up sessions: reported for the week
                    elif session.replaces != dates[closed[makeups - 1]]:
                        yield loc(
                            message=f"it replaces {session.replaces.isoformat()}, but make-up "
                            "sessions replace the week's closed sessions in day order: this one "
                            f"replaces {dates[closed[makeups - 1]].isoformat()}"
                        )
            if makeups > len(closed):
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{plural(makeups, 'make-up session')} for "
                    f"{plural(len(closed), 'closed day')}",
                )
            for day in program.days:
                if day not in seen and day not in closed:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        message=f"no session on {day.value}, a session day that is not closed",
                    )

    def contribute(self, model: ModelBuilder) -> None:
        """The weeks and the ways each week's sessions can be laid out."""
        model.calendar(self.id)

    def reason(self, context: Context) -> str:
        """For example "sessions on mon, tue, thu"."""
        program = context.program
        days = ", ".join(d.value for d in program.days)
        return f"{plural(len(program.days), 'session')} a week, on {days}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame (closures are relaxed as facts of their own)."""
        return None

    def facts(self, inputs: Inputs) -> Iterator[Fact]:
        """One fact per closure: a lost session can be a reason of its own."""
        program = inputs.program
        for index, date in enumerate(program.closures):
            if Weekday.of(date.weekday()) not in program.days:
                continue  # a closure on a day without a session changes nothing
            yield Fact(
                id=f"closures[{index}]",
                message=f"the clinic is closed on {date.strftime('%a')} {date.isoformat()}",
                where=f"/closures/{index}",
                relax=functools.partial(_open_on, date=date),
                repairs=functools.partial(_make_up, date=date),
            )


def _open_on(inputs: Inputs, *, date: dt.date) -> Inputs:
    """The inputs without one closure."""
    return inputs.with_program(closures=tuple(d for d in inputs.program.closures if d != date))


def _make_up(inputs: Inputs, *, date: dt.date) -> Iterator[Ladder]:
    """A make-up day the closed session can move to."""
    program = inputs.program
    used = set(program.days) | set(program.makeup_days)
    for day in day_order(program):
        if day in used:
            continue

        def add(i: Inputs, day: Weekday = day) -> Inputs:
            return i.with_program(makeup_days=(*i.program.makeup_days, day))

        yield Ladder(
            steps=(
                Change(
                    message=f"move the session closed on {date.isoformat()} to a make-up day: "
                    f"add {day.value} to makeup_days",
                    size=0,
                    apply=add,
                ),
            )
        )
