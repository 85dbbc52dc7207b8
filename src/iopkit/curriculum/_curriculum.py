"""Curricula: the composed result, week by week and session by session."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from iopkit._session import Block, Session
from iopkit.curriculum._program import Program


def _positive(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"'{attribute.name}' must be a whole number of 1 or more (got {value!r})")


def _sessions(value: Iterable[Session]) -> tuple[Session, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Week:
    """One week of a curriculum.

    Attributes:
        number: The week's number, from 1.
        sessions: Its sessions in order (possibly none, for a week with every day closed).
    """

    number: int = attrs.field(validator=_positive)
    sessions: tuple[Session, ...] = attrs.field(default=(), converter=_sessions)

    @property
    def service_minutes(self) -> int:
        """Service minutes in the week (breaks excluded)."""
        return sum(s.service_minutes for s in self.sessions)

    @property
    def minutes(self) -> int:
        """Wall-clock minutes in the week (breaks included)."""
        return sum(s.minutes for s in self.sessions)

    def _repr_html_(self) -> str:
        from iopkit._display import week_html

        return week_html(self)


def _weeks(value: Iterable[Week]) -> tuple[Week, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Curriculum:
    """A multi-week curriculum, self-contained: it carries the program it was made for.

    Attributes:
        program: The program whose limits it is meant to meet.
        weeks: The weeks, numbered from 1 in order.
    """

    program: Program
    weeks: tuple[Week, ...] = attrs.field(converter=_weeks)

    def __attrs_post_init__(self) -> None:
        for index, week in enumerate(self.weeks, start=1):
            if week.number != index:
                raise ValueError(
                    f"week {index} is numbered {week.number}: weeks are numbered 1, 2, ..."
                )
        numbers = [s.number for _, s in self.sessions()]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("sessions must be numbered 1, 2, ... across the curriculum, in order")

    def sessions(self) -> Iterator[tuple[Week, Session]]:
        """Every ``(week, session)`` pair in order."""
        for week in self.weeks:
            for session in week.sessions:
                yield week, session

    def blocks(self) -> Iterator[tuple[Week, Session, int, Block]]:
        """Every ``(week, session, 1-based block index, block)`` in order: each session's
        main blocks, then the blocks of each of its groups (indexed within the group)."""
        for week, session in self.sessions():
            for index, block in enumerate(session.blocks, start=1):
                yield week, session, index, block
            for group in session.groups:
                for index, block in enumerate(group.blocks, start=1):
                    yield week, session, index, block

    def summary(self) -> str:
        """A few lines of text: weeks, sessions, weekly service hours and tracks."""
        from iopkit._display import curriculum_summary

        return curriculum_summary(self)

    def _repr_html_(self) -> str:
        from iopkit._display import curriculum_html

        return curriculum_html(self)
