"""Budgets: how much time, work and memory one operation may use.

A :class:`Budget` is what a caller asks for; a :class:`Meter` enforces it during one call.
Long-running code calls :meth:`Meter.tick` as it works; the meter raises
:class:`~iopkit.errors.BudgetExceededError` naming the limit that was reached. Nothing here
changes process-wide state: each call gets its own meter, so calls in different threads
never see each other's budgets.

Work is counted in search steps, which are the same on every machine: explanations use a
work limit so that their answer does not depend on the machine's speed. Time is wall-clock
seconds, the outer guard. Memory is the growth of the process's resident size since the
operation started, checked every few thousand steps.
"""

from __future__ import annotations

import math
import os
import sys
import time

import attrs

from iopkit.errors import BudgetExceededError, Problem, ProgramError

#: Steps between checks of the clock and of memory.
CHECK_EVERY = 256
#: Of those checks, one in this many also reads the process's memory.
MEMORY_EVERY = 16


def _positive_or_none(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProgramError(
            [Problem(message=f"{name} must be a number of seconds (got {value!r})", pointer=name)]
        )
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ProgramError(
            [
                Problem(
                    message=f"{name} must be a finite number above 0 (got {value!r})",
                    pointer=name,
                )
            ]
        )
    return number


def _check_seconds(_inst: object, _attr: object, value: float | None) -> None:
    _positive_or_none("seconds", value)


def _check_memory(_inst: object, _attr: object, value: float | None) -> None:
    _positive_or_none("memory", value)


def _check_work(_inst: object, _attr: object, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ProgramError(
            [
                Problem(
                    message=f"work must be a whole number above 0 (got {value!r})", pointer="work"
                )
            ]
        )


@attrs.frozen(kw_only=True)
class Budget:
    """Limits for one call of :func:`~iopkit.curriculum.compose` (or another long call).

    Attributes:
        seconds: Wall-clock seconds; ``None`` for no limit.
        memory: Megabytes the process may grow by during the call; ``None`` for no limit.
        work: Search steps; ``None`` for no limit. The same program always takes the
            same number of steps, on any machine.
    """

    seconds: float | None = attrs.field(default=None, validator=_check_seconds)
    memory: float | None = attrs.field(default=None, validator=_check_memory)
    work: int | None = attrs.field(default=None, validator=_check_work)

    @classmethod
    def of(cls, value: Budget | float | None) -> Budget:
        """A budget from what a caller passed: a :class:`Budget`, seconds, or ``None``."""
        if value is None:
            return cls()
        if isinstance(value, Budget):
            return value
        return cls(seconds=_positive_or_none("budget", value))


def _resident_mb() -> float:
    """The process's resident memory in megabytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError, AttributeError):  # pragma: no cover - not Linux
        try:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return peak / (1e6 if sys.platform == "darwin" else 1e3)
        except (ImportError, OSError):
            return 0.0


class Meter:
    """Enforces a :class:`Budget` during one operation; not shared between threads."""

    __slots__ = (
        "_checks",
        "_next",
        "base_memory",
        "budget",
        "deadline",
        "parent",
        "steps",
        "what",
        "work_limit",
    )

    def __init__(
        self, budget: Budget, what: str = "composing", parent: Meter | None = None
    ) -> None:
        self.budget = budget
        self.what = what
        self.parent = parent
        self.steps = 0
        self._next = CHECK_EVERY
        self._checks = 0
        self.deadline = time.monotonic() + budget.seconds if budget.seconds is not None else None
        self.work_limit = budget.work
        self.base_memory = _resident_mb() if budget.memory is not None else 0.0

    def child(self, work: int | None, what: str | None = None) -> Meter:
        """A meter for a part of this operation with its own work limit; its steps count
        here too, so this meter's time and memory limits still apply."""
        return Meter(Budget(work=work), what or self.what, parent=self)

    def tick(self, steps: int = 1) -> None:
        """Count steps of work; raise when a limit has been reached."""
        self.steps += steps
        if self.work_limit is not None and self.steps > self.work_limit:
            raise BudgetExceededError(self.work_limit, self.what, "work")
        if self.steps >= self._next:
            self._next = self.steps + CHECK_EVERY
            self.check()
        if self.parent is not None:
            self.parent.tick(steps)

    def check(self, *, memory: bool = False) -> None:
        """Check the clock (and, now and then or when ``memory`` says so, memory) without
        counting work."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceededError(self.budget.seconds or 0.0, self.what, "time")
        if self.budget.memory is not None:
            self._checks += 1
            if memory or self._checks % MEMORY_EVERY == 1:
                grown = _resident_mb() - self.base_memory
                if grown > self.budget.memory:
                    raise BudgetExceededError(self.budget.memory, self.what, "memory")
