"""Order inside a session, as clinicians state it (``session.order`` in a program file):
one rule class for each relation: at the start or the end, before, directly before, and
not directly after. Each looks at one sitting at a time (a session's main blocks, or one
of its groups)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from iopkit._session import Block, Session
from iopkit._types import Place
from iopkit.curriculum._program import Edge, Group, Order, Program
from iopkit.curriculum._rules._base import Context, Inputs, Rule, Violation
from iopkit.curriculum._rules._session import SessionRule

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder
    from iopkit.curriculum._selector import Selector


def _neutral(inputs: Inputs, index: int) -> Inputs:
    """The inputs with order entry ``index`` stating nothing (kept in place, so that the
    other entries keep their ids)."""
    order = list(inputs.program.session.order)
    order[index] = order[index].stating_nothing()
    return inputs.with_session(order=tuple(order))


class OrderRule(SessionRule):
    """What the four order rules share: an entry of ``session.order`` and its place."""

    entry: Order
    index: int

    @property
    def where(self) -> str:
        """The program key."""
        return f"/session/order/{self.index}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """The entry states nothing."""
        return _neutral(inputs, self.index)

    def _what(self, context: Context, selector: Selector) -> str:
        """What the selector picks, in words ("'Drug screen'", "lessons of 'Mod 1'")."""
        return selector.describe(context.catalog, 2)

    def _subject(self, context: Context) -> tuple[str, str, str]:
        """The entry's selector as a subject, with the verb ending and pronoun that agree
        with it: an activity's title is one thing ("'Drug screen' comes ... it"), a kind,
        a module's lessons or a track's lessons are many ("... come ... them")."""
        one = self.entry.selector.activity is not None
        return self._what(context, self.entry.selector), "s" if one else "", "it" if one else "them"

    def _fixed(self, context: Context, group: Group | None) -> frozenset[str]:
        """The opening and closing activities of a sitting (none for a group before or
        after a session)."""
        if group is not None and group.place is not Place.BESIDE:
            return frozenset()
        shape = context.program.session
        return frozenset(shape.opening) | frozenset(shape.closing)

    def check_session(self, session: Session, week: int, context: Context) -> Iterator[Violation]:
        """The main blocks."""
        yield from self._check(session, week, context, None)

    def check_group(
        self, sitting: Session, group: Group | None, week: int, context: Context
    ) -> Iterator[Violation]:
        """A group's blocks."""
        yield from self._check(sitting, week, context, group)

    def _check(
        self, session: Session, week: int, context: Context, group: Group | None
    ) -> Iterator[Violation]:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _at(self, session: Session, week: int, block: int, message: str) -> Violation:
        return Violation(
            rule=self.id, week=week, session=session.number, block=block, message=message
        )


def _adjacent(blocks: tuple[Block, ...]) -> Iterator[tuple[int, Block, Block]]:
    """Each pair of blocks that follow each other with no break between (1-based index of
    the second)."""
    for index in range(1, len(blocks)):
        first, second = blocks[index - 1], blocks[index]
        if not first.is_break and not second.is_break:
            yield index + 1, first, second


@attrs.frozen(kw_only=True)
class AtEdge(OrderRule):
    """Blocks matching a selector come first (``at: start``: after the opening only) or
    last (``at: end``: before the closing only) in the sessions that hold them."""

    entry: Order
    index: int = 0
    id: str = "session.order"
    description: ClassVar[str] = "some blocks come at the start or at the end of a session"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per ``at`` entry."""
        for i, entry in enumerate(program.session.order):
            if entry.at is not None:
                yield cls(entry=entry, index=i, id=f"session.order[{i}]")

    def _check(
        self, session: Session, week: int, context: Context, group: Group | None
    ) -> Iterator[Violation]:
        if self.entry.at is None:
            return
        fixed = self._fixed(context, group)
        core = [
            (i, b)
            for i, b in enumerate(session.blocks, start=1)
            if not b.is_break and b.activity not in fixed
        ]
        if self.entry.at is Edge.END:
            core.reverse()
        other = False
        for index, block in core:
            if self.entry.selector.matches(block):
                if other:
                    edge = "start" if self.entry.at is Edge.START else "end"
                    yield self._at(
                        session,
                        week,
                        index,
                        f"'{block.title}' should come at the {edge} of the session",
                    )
                    return
            else:
                other = True

    def contribute(self, model: ModelBuilder) -> None:
        """An order limit inside sessions."""
        if self.entry.at is not None:
            model.order(self.id, self.entry.at.value, self.entry.selector, None)

    def reason(self, context: Context) -> str:
        """For example "'Weekly testing' comes at the start of the sessions that hold
        it"."""
        edge = "start" if self.entry.at is Edge.START else "end"
        what, s, them = self._subject(context)
        return f"{what} come{s} at the {edge} of the sessions that hold {them}"


@attrs.frozen(kw_only=True)
class Before(OrderRule):
    """In a session holding both, every block matching one selector comes before every
    block matching the other."""

    entry: Order
    index: int = 0
    id: str = "session.order"
    description: ClassVar[str] = "some blocks come before others in a session"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per ``before`` entry."""
        for i, entry in enumerate(program.session.order):
            if entry.before is not None:
                yield cls(entry=entry, index=i, id=f"session.order[{i}]")

    def _check(
        self, session: Session, week: int, context: Context, group: Group | None
    ) -> Iterator[Violation]:
        later = self.entry.before
        if later is None:
            return
        seen_later: Block | None = None
        for index, block in enumerate(session.blocks, start=1):
            if (
                self.entry.selector.matches(block)
                and seen_later is not None
                and seen_later is not block
            ):
                yield self._at(
                    session,
                    week,
                    index,
                    f"'{block.title}' comes after '{seen_later.title}'; it should come before it",
                )
                return
            if later.matches(block):
                seen_later = block

    def contribute(self, model: ModelBuilder) -> None:
        """An order limit inside sessions."""
        if self.entry.before is not None:
            model.order(self.id, "before", self.entry.selector, self.entry.before)

    def reason(self, context: Context) -> str:
        """For example "early-recovery lessons come before relapse-prevention lessons"."""
        later = self.entry.before
        assert later is not None  # noqa: S101 - only made for before entries
        what, s, _ = self._subject(context)
        return f"{what} come{s} before {self._what(context, later)} in a session"


@attrs.frozen(kw_only=True)
class DirectlyBefore(OrderRule):
    """Every block matching one selector is followed directly (no break between) by a
    block matching the other."""

    entry: Order
    index: int = 0
    id: str = "session.order"
    description: ClassVar[str] = "some blocks come directly before others"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per ``directly_before`` entry."""
        for i, entry in enumerate(program.session.order):
            if entry.directly_before is not None:
                yield cls(entry=entry, index=i, id=f"session.order[{i}]")

    def _check(
        self, session: Session, week: int, context: Context, group: Group | None
    ) -> Iterator[Violation]:
        following = self.entry.directly_before
        if following is None:
            return
        blocks = session.blocks
        for index, block in enumerate(blocks, start=1):
            if not self.entry.selector.matches(block):
                continue
            after = blocks[index] if index < len(blocks) else None
            if after is None or after.is_break or not following.matches(after):
                yield self._at(
                    session,
                    week,
                    index,
                    f"'{block.title}' should be followed directly by "
                    f"{self._what(context, following)}",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """An order limit inside sessions."""
        if self.entry.directly_before is not None:
            model.order(self.id, "directly_before", self.entry.selector, self.entry.directly_before)

    def reason(self, context: Context) -> str:
        """For example "'Diary card review' comes directly before individual therapy"."""
        following = self.entry.directly_before
        assert following is not None  # noqa: S101 - only made for these entries
        what, s, _ = self._subject(context)
        return f"{what} come{s} directly before {self._what(context, following)}"


@attrs.frozen(kw_only=True)
class NotDirectlyAfter(OrderRule):
    """No block matching one selector directly follows (with no break between) a block
    matching the other."""

    entry: Order
    index: int = 0
    id: str = "session.order"
    description: ClassVar[str] = "some blocks never come directly after others"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per ``not_directly_after`` entry."""
        for i, entry in enumerate(program.session.order):
            if entry.not_directly_after is not None:
                yield cls(entry=entry, index=i, id=f"session.order[{i}]")

    def _check(
        self, session: Session, week: int, context: Context, group: Group | None
    ) -> Iterator[Violation]:
        earlier = self.entry.not_directly_after
        if earlier is None:
            return
        for index, first, second in _adjacent(session.blocks):
            if self.entry.selector.matches(second) and earlier.matches(first):
                yield self._at(
                    session,
                    week,
                    index,
                    f"'{second.title}' comes directly after '{first.title}'",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """An order limit inside sessions."""
        if self.entry.not_directly_after is not None:
            model.order(
                self.id, "not_directly_after", self.entry.selector, self.entry.not_directly_after
            )

    def reason(self, context: Context) -> str:
        """For example "individual check-ins never come directly after individual
        therapy"."""
        earlier = self.entry.not_directly_after
        assert earlier is not None  # noqa: S101 - only made for these entries
        what, s, _ = self._subject(context)
        return f"{what} never come{s} directly after {self._what(context, earlier)}"
