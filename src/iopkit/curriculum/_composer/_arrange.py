"""Order inside a session: finding a sequence of a plan's pieces that keeps every order
limit (X before Y, X directly before Y, not X directly after Y, X at the start or the end),
the opening and closing in place and the lessons in order.

The menu keeps only plans that have such a sequence, so the search never chooses a session
it cannot lay out; the realiser then lays it out with the same function. Runs between
breaks may be laid out in any order, except that the run with the opening comes first and
the run with the closing last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from iopkit.curriculum._composer._menu import Piece, Role

#: The relations an order limit states.
BEFORE = "before"
DIRECTLY_BEFORE = "directly_before"
NOT_DIRECTLY_AFTER = "not_directly_after"
START = "start"
END = "end"


class OrderLimit(NamedTuple):
    """One order limit in the composer's terms: features ``x`` and ``y`` (indexes into
    the session's features; ``y`` is -1 for ``start`` and ``end``)."""

    rule_id: str
    relation: str
    x: int
    y: int


Runs = tuple[tuple[Piece, ...], ...]


def _tags(piece: Piece, feature: int) -> bool:
    return feature >= 0 and piece.counts[feature] > 0


def arrangement(
    runs: Runs,
    limits: Sequence[OrderLimit],
    precedence: frozenset[tuple[int, int]],
    key: Callable[[Piece], Any] | None = None,
) -> Runs | None:
    """The runs in an order, each in an order, that keeps every limit; ``None`` when
    there is none. ``key`` orders the pieces tried first (the realiser's preference).

    One depth-first search places piece after piece; when a run is finished it chooses
    the run that comes next (the run with the opening first, the run with the closing
    last). What may be placed next depends only on what is left and on the piece placed
    last, so a state that failed once is remembered: the search grows with the subsets
    of pieces, never with the orders of runs and pieces.
    """
    count = len(runs)
    with_opening = [i for i, run in enumerate(runs) if any(p.role == Role.OPENING for p in run)]
    with_closing = [i for i, run in enumerate(runs) if any(p.role == Role.CLOSING for p in run)]
    first_run = with_opening[0] if with_opening else None
    last_run = with_closing[0] if with_closing else None
    total_openings = sum(1 for run in runs for p in run if p.role == Role.OPENING)
    total_core = sum(1 for run in runs for p in run if p.role in (Role.LESSON, Role.FILLER))
    lesson_ranks = {p.rank for run in runs for p in run if p.role == Role.LESSON}
    remaining = [sorted(run, key=key) if key is not None else list(run) for run in runs]
    placed: list[list[Piece]] = [[] for _ in runs]
    order: list[int] = []
    state = {"openings": 0, "core": 0, "closings": 0}
    lessons_done: set[int] = set()
    # a piece cut by a break: its tail comes directly after its head, the break between
    # (the head ends a run, the tail starts the next) or none (one run holds both)
    pending: list[int] = []  # the tail due next (its head's part + 1), while one is

    def doomed(piece: Piece, sequence: list[Piece]) -> bool:
        """Whether what is already placed rules the piece out for good: these limits only
        close as pieces are added, so a remaining piece they rule out ends this branch."""
        if piece.tail:
            return False  # it follows its head, which stands where the piece does
        if piece.role == Role.OPENING:
            if state["core"] or state["closings"]:
                return True
            if any(p.role == Role.OPENING and p.rank > piece.rank for p in sequence):
                return True
        elif piece.role == Role.CLOSING:
            if any(p.role == Role.CLOSING and p.rank > piece.rank for p in sequence):
                return True
        elif state["closings"]:
            return True
        core = piece.role in (Role.LESSON, Role.FILLER)
        for lim in limits:
            if not _tags(piece, lim.x):
                if (
                    lim.relation == END
                    and core
                    and any(
                        _tags(p, lim.x) and p.role in (Role.LESSON, Role.FILLER) for p in sequence
                    )
                ):
                    return True
                continue
            # the piece itself is not in the sequence yet: equal pieces are two blocks
            if lim.relation == BEFORE and any(_tags(p, lim.y) for p in sequence):
                return True
            # at the start looks past the opening and closing, as the validator does
            if (
                lim.relation == START
                and core
                and any(
                    p.role in (Role.LESSON, Role.FILLER) and not _tags(p, lim.x) for p in sequence
                )
            ):
                return True
        return False

    def allowed(piece: Piece, run: int) -> bool:
        """Whether the piece may come next in the run. Nothing remaining is ``doomed``:
        nothing is before the first piece, and every placement is followed by
        ``hopeless()``, which ends the branch otherwise."""
        if pending:
            return piece.part == pending[-1]
        if piece.tail:
            return False
        if piece.role != Role.OPENING and state["openings"] < total_openings:
            return False
        if piece.role == Role.CLOSING and state["core"] < total_core:
            return False
        if piece.role == Role.LESSON:
            for a, b in precedence:
                if (
                    b == piece.rank
                    and a != piece.rank
                    and a in lesson_ranks
                    and a not in lessons_done
                ):
                    return False
        previous = placed[run][-1] if placed[run] else None
        if previous is None:
            return True
        for lim in limits:
            if (
                lim.relation == DIRECTLY_BEFORE
                and _tags(previous, lim.x)
                and not _tags(piece, lim.y)
            ):
                return False
            if (
                lim.relation == NOT_DIRECTLY_AFTER
                and _tags(piece, lim.x)
                and _tags(previous, lim.y)
            ):
                return False
        return True

    def hopeless() -> bool:
        """Whether some piece still to place can no longer be placed anywhere."""
        sequence = [p for r in placed for p in r]
        return any(doomed(p, sequence) for r in remaining for p in r)

    def run_closes(run: int) -> bool:
        """A run may end unless it is empty or its last piece must be directly followed."""
        if not placed[run]:
            return False
        last_piece = placed[run][-1]
        if last_piece.head:
            return True  # its tail starts the next run, after the break
        return not any(
            lim.relation == DIRECTLY_BEFORE and _tags(last_piece, lim.x) for lim in limits
        )

    failed: set[tuple[Any, ...]] = set()

    # The memo below is sound because what ``doomed`` and ``allowed`` read is the set of
    # pieces placed (everything not remaining) and the last piece of the current run, and
    # runs are never empty (so which runs are used follows from what remains).
    def place(run: int | None) -> bool:
        if run is not None and remaining[run]:
            state_key: tuple[Any, ...] = (
                run,
                tuple(map(tuple, remaining)),
                tuple(placed[run][-1:]),
            )
            if state_key in failed:
                return False
            if place_piece(run):
                return True
            failed.add(state_key)
            return False
        if run is not None and not run_closes(run):
            return False
        if len(order) == count:
            return True
        # between runs nothing about the last piece matters: what is left decides
        boundary: tuple[Any, ...] = (None, tuple(map(tuple, remaining)))
        if boundary in failed:
            return False
        if place_run():
            return True
        failed.add(boundary)
        return False

    def place_run() -> bool:
        """Start the next run: the run with the opening first, the one with the closing
        only when no other is left, runs with the same pieces tried once."""
        unused = [i for i in range(count) if i not in order]
        if first_run is not None and not order:
            unused = [first_run]
        elif last_run is not None and len(unused) > 1:
            unused = [i for i in unused if i != last_run]
        if pending:  # the run that starts with the tail comes next
            unused = [i for i in unused if any(p.part == pending[-1] for p in remaining[i])]
        tried: set[tuple[Piece, ...]] = set()
        for run in unused:
            shape = tuple(sorted(runs[run]))
            if shape in tried:
                continue
            tried.add(shape)
            order.append(run)
            if place(run):
                return True
            order.pop()
        return False

    def place_piece(run: int) -> bool:
        tried: set[Piece] = set()
        for index, piece in enumerate(list(remaining[run])):
            if piece in tried:
                continue
            tried.add(piece)
            if not allowed(piece, run):
                continue
            remaining[run].pop(index)
            placed[run].append(piece)
            role = {Role.OPENING: "openings", Role.CLOSING: "closings"}.get(piece.role, "core")
            state[role] += 1
            counted = piece.role == Role.LESSON and not piece.tail
            if counted:
                lessons_done.add(piece.rank)
            if piece.head:
                pending.append(piece.part + 1)
            elif piece.tail:
                pending.pop()
            if not hopeless() and place(run):
                return True
            if piece.head:
                pending.pop()
            elif piece.tail:
                pending.append(piece.part)
            if counted:
                lessons_done.discard(piece.rank)
            state[role] -= 1
            placed[run].pop()
            remaining[run].insert(index, piece)
        return False

    if count == 0 or not place(None):
        return None
    return tuple(tuple(placed[i]) for i in order)
