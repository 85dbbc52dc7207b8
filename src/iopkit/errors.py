"""Exceptions raised by iopkit.

Every exception a caller can act on has its own class. Errors about input carry
structured :class:`Problem` records (file, JSON pointer, line, message), so a program
can act on them without parsing text, and ``str()`` gives a message a person reads.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "BudgetExceededError",
    "CatalogError",
    "ExportError",
    "FileFormatError",
    "InputError",
    "IopkitError",
    "Problem",
    "ProgramError",
]


@attrs.frozen(kw_only=True)
class Problem:
    """One thing wrong with an input, and where it is.

    Attributes:
        message: What is wrong, as a sentence.
        file: The file it was found in, or ``None`` for objects built in Python.
        pointer: A JSON pointer (RFC 6901) to the value, ``""`` for the whole document.
        line: The 1-based line in the file, when known.
    """

    message: str
    file: str | None = None
    pointer: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.pointer:
            where += f" at {self.pointer}"
        return f"{where}: {self.message}"


class IopkitError(Exception):
    """Base class of every error iopkit raises on purpose."""


class InputError(IopkitError, ValueError):
    """An input (file or object) is not acceptable; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    @property
    def file(self) -> str | None:
        """The file of the first problem, if any."""
        return self.problems[0].file if self.problems else None


class FileFormatError(InputError):
    """A file cannot be read, is not well-formed, or does not match its JSON Schema."""


class CatalogError(InputError):
    """Catalog content is inconsistent: duplicate ids, unknown references or cycles."""


class ProgramError(InputError):
    """A program states limits that contradict themselves or its catalog."""


class ExportError(IopkitError):
    """A curriculum cannot be exported in the requested format (for example no dates)."""


class BudgetExceededError(IopkitError, TimeoutError):
    """An operation ran past the time budget it was given; no partial result is returned."""

    def __init__(self, budget: float, what: str = "composing") -> None:
        self.budget = budget
        super().__init__(f"{what} stopped: the time budget of {budget:g} s was reached")
