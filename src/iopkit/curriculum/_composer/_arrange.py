"""Order inside a session: finding a sequence of a plan's pieces that keeps every order
limit (X before Y, X directly before Y, not X directly after Y, X at the start or the end),
the opening and closing in place and the lessons in order.

The menu keeps only plans that have such a sequence, so the search never chooses a session
it cannot lay out; the realiser then lays it out with the same function. Runs between
breaks may be laid out in any order, except that the run with the opening comes first and
the run with the closing last.
"""

from __future__ import annotations

import itertools
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
    there is none. ``key`` orders the pieces tried first (the realiser's preference)."""
    first = [i for i, run in enumerate(runs) if any(p.role == Role.OPENING for p in run)]
    last = [i for i, run in enumerate(runs) if any(p.role == Role.CLOSING for p in run)]
    head = first[0] if first else None
    tail = last[0] if last else None
    middle = [i for i in range(len(runs)) if i not in (head, tail)]
    seen: set[tuple[tuple[Piece, ...], ...]] = set()
    for perm in itertools.permutations(middle):
        order = ([head] if head is not None else []) + list(perm)
        if tail is not None and tail != head:
            order.append(tail)
        shape = tuple(tuple(sorted(runs[i])) for i in order)
        if shape in seen:
            continue
        seen.add(shape)
        found = _sequence([runs[i] for i in order], limits, precedence, key)
        if found is not None:
            return found
    return None


def _sequence(
    runs: list[tuple[Piece, ...]],
    limits: Sequence[OrderLimit],
    precedence: frozenset[tuple[int, int]],
    key: Callable[[Piece], Any] | None,
) -> Runs | None:
    """Depth-first: the pieces of each run in turn, checked as they are placed."""
    total_openings = sum(1 for run in runs for p in run if p.role == Role.OPENING)
    total_core = sum(1 for run in runs for p in run if p.role in (Role.LESSON, Role.FILLER))
    placed: list[list[Piece]] = [[] for _ in runs]
    state = {"openings": 0, "core": 0, "closings": 0}
    lessons_done: set[int] = set()

    def allowed(piece: Piece, run: int) -> bool:
        previous = placed[run][-1] if placed[run] else None
        sequence = [p for r in placed for p in r]
        if piece.role == Role.OPENING:
            if state["core"] or state["closings"]:
                return False
            if any(p.role == Role.OPENING and p.rank > piece.rank for p in sequence):
                return False
        elif state["openings"] < total_openings:
            return False
        if piece.role == Role.CLOSING:
            if state["core"] < total_core:
                return False
            if any(p.role == Role.CLOSING and p.rank > piece.rank for p in sequence):
                return False
        elif state["closings"]:
            return False
        if piece.role == Role.LESSON:
            for a, b in precedence:
                if (
                    b == piece.rank
                    and a not in lessons_done
                    and a != piece.rank
                    and any(p.role == Role.LESSON and p.rank == a for r in runs for p in r)
                ):
                    return False
        core = piece.role in (Role.LESSON, Role.FILLER)
        for lim in limits:
            x, y = _tags(piece, lim.x), _tags(piece, lim.y)
            if (
                lim.relation == BEFORE
                and x
                and any(_tags(p, lim.y) and p is not piece for p in sequence)
            ):
                return False
            if (
                lim.relation == DIRECTLY_BEFORE
                and previous is not None
                and _tags(previous, lim.x)
                and not y
            ):
                return False
            if (
                lim.relation == NOT_DIRECTLY_AFTER
                and previous is not None
                and x
                and _tags(previous, lim.y)
            ):
                return False
            if (
                lim.relation == START
                and x
                and any(
                    p.role in (Role.LESSON, Role.FILLER) and not _tags(p, lim.x) for p in sequence
                )
            ):
                return False
            if (
                lim.relation == END
                and core
                and not x
                and any(_tags(p, lim.x) and p.role in (Role.LESSON, Role.FILLER) for p in sequence)
            ):
                return False
        return True

    def run_closes(run: int) -> bool:
        """A run may end unless its last piece must be directly followed."""
        if not placed[run]:
            return False
        last_piece = placed[run][-1]
        return not any(
            lim.relation == DIRECTLY_BEFORE and _tags(last_piece, lim.x) for lim in limits
        )

    remaining = [sorted(run, key=key) if key is not None else list(run) for run in runs]

    # What may be placed next depends only on what is left and on the piece placed last,
    # so a state that failed once fails again: remembered, which makes the search
    # exponential in the number of pieces instead of factorial.
    failed: set[tuple[Any, ...]] = set()

    def place(run: int) -> bool:
        if run == len(runs):
            return True
        if not remaining[run]:
            return run_closes(run) and place(run + 1)
        state_key = (run, tuple(map(tuple, remaining)), placed[run][-1] if placed[run] else None)
        if state_key in failed:
            return False
        if _place(run):
            return True
        failed.add(state_key)
        return False

    def _place(run: int) -> bool:
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
            if piece.role == Role.LESSON:
                lessons_done.add(piece.rank)
            if place(run):
                return True
            if piece.role == Role.LESSON:
                lessons_done.discard(piece.rank)
            state[role] -= 1
            placed[run].pop()
            remaining[run].insert(index, piece)
        return False

    if not place(0):
        return None
    return tuple(tuple(run) for run in placed)
