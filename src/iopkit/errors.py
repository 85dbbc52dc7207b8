"""Exceptions raised by iopkit.

Every exception a caller can act on has its own class. Errors carry structured data, so a
program can act on them without parsing text, and ``str()`` gives a message a person reads:

- errors about input carry :class:`Problem` records (file, JSON pointer, line, message);
- :class:`InfeasibleError` carries the :class:`Reason` s (the limits that conflict) and the
  :class:`Repair` s (the smallest changes that make the program feasible);
- :class:`BudgetExceededError` says which limit was reached (time, work or memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

import attrs

__all__ = [
    "BudgetExceededError",
    "CatalogError",
    "ExportError",
    "FileFormatError",
    "InfeasibleError",
    "InputError",
    "IopkitError",
    "Problem",
    "ProgramError",
    "ProgramTypeError",
    "Reason",
    "Repair",
]

#: Longest excerpt of a user's value an error message quotes.
EXCERPT = 60


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """A short, escaped excerpt of a value for an error message.

    Control characters, surrogates and terminal escapes are shown escaped (``repr`` style),
    and long values are cut, so a message never echoes a large or hostile value.
    """
    text = value if isinstance(value, str) else repr(value)
    shown = text.encode("unicode_escape", "backslashreplace").decode("ascii", "replace")
    if isinstance(value, str):
        shown = "'" + shown.replace("'", "\\'") + "'"
    if len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return shown


@attrs.frozen(kw_only=True)
class Problem:
    """One thing wrong with an input, and where it is.

    A problem in a file reads ``file:line at /pointer: message``. A problem in an object
    built in Python names the class it was built as and the field path instead:
    ``Program.tracks[0].weeks.from: must be 1 or more (got 0)``.

    Attributes:
        message: What is wrong, as a sentence.
        file: The file it was found in, or ``None`` for objects built in Python.
        pointer: A JSON pointer (RFC 6901) to the value, ``""`` for the whole document
            or object. For objects built in Python it points into the object's file form,
            whose keys are the field names (``/tracks/0/weeks/from``); :attr:`path` gives
            it as a field path.
        line: The 1-based line in the file, when known.
        root: For objects built in Python, the name of the class the pointer starts
            from (``"Program"``); ``None`` for files.
    """

    message: str
    file: str | None = None
    pointer: str = ""
    line: int | None = None
    root: str | None = None

    @property
    def path(self) -> str:
        """The pointer written as a field path, ``tracks[0].weeks.from`` for
        ``/tracks/0/weeks/from`` (``""`` for the whole object)."""
        return _field_path(self.pointer).lstrip(".")

    def __str__(self) -> str:
        if self.file is None and self.root is not None:
            return f"{self.root}{_field_path(self.pointer)}: {self.message}"
        if self.file is None and not self.pointer:
            return self.message
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.pointer:
            where += f" at {self.pointer}"
        return f"{where}: {self.message}"


def _field_path(pointer: str) -> str:
    """A JSON pointer as the end of a Python expression: ``/tracks/0/weeks/from`` gives
    ``.tracks[0].weeks.from``; a key that is not a name is written ``["a b"]``."""
    if not pointer:
        return ""
    parts = []
    for escaped in pointer.split("/")[1:]:
        token = escaped.replace("~1", "/").replace("~0", "~")
        if token.isdigit():
            parts.append(f"[{token}]")
        elif token.isidentifier():
            parts.append(f".{token}")
        else:
            parts.append(f"[{excerpt(token)}]")
    return "".join(parts)


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
    """A program states limits that contradict themselves or its catalog, or an object was
    built with a value of the wrong kind.

    Objects built in Python (programs, their parts, catalog items) raise it on
    construction with every problem located by field path (see :class:`Problem`).
    """


class ProgramTypeError(ProgramError, TypeError):
    """A value or an argument of the wrong type: ``Program(weeks=8.5)``, ``compose(None)``.

    It is a :class:`ProgramError` (so an :class:`InputError` and a :class:`ValueError`)
    and also a :class:`TypeError`, so code written for either keeps working.
    """


class ExportError(IopkitError):
    """A curriculum cannot be exported in the requested format (for example no dates)."""


Limit = Literal["time", "work", "memory", "size"]


class BudgetExceededError(IopkitError, TimeoutError):
    """An operation ran past the budget it was given; no partial result is returned.

    Attributes:
        limit: Which limit was reached: ``"time"`` (seconds), ``"work"`` (search steps),
            ``"memory"`` (megabytes) or ``"size"`` (the result would be too large).
        budget: The value of that limit.
        what: The operation that stopped, such as ``"composing"``.
    """

    def __init__(self, budget: float, what: str = "composing", limit: Limit = "time") -> None:
        self.budget = budget
        self.limit: Limit = limit
        self.what = what
        text = {
            "time": f"the time budget of {budget:g} s was reached",
            "work": f"the work budget of {budget:g} search steps was reached",
            "memory": f"the memory ceiling of {budget:g} MB was reached",
            "size": f"the result would be larger than the {budget:g} MiB iopkit reads back",
        }[limit]
        super().__init__(f"{what} stopped: {text}")


@attrs.frozen(kw_only=True)
class Reason:
    """One fact that takes part in a conflict: a limit of the program or of a profile, or a
    fact of the catalog or the calendar.

    Attributes:
        rule: The id of the fact, such as ``"session.minutes"``,
            ``"cms-iop:weekly_minutes"``, ``"closures[0]"`` or
            ``"catalog:prerequisite:cognitive-restructuring"``.
        message: The fact in a clinician's words, with its numbers.
        where: Where the fact is stated: a JSON pointer into the program file, a profile
            id, or ``catalog:<id>``.
        file: The file that states it, when known.
    """

    rule: str
    message: str
    where: str = ""
    file: str | None = None

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]"


@attrs.frozen(kw_only=True)
class Repair:
    """The smallest single change to one fact that makes the whole program feasible,
    verified by composing the changed program.

    Attributes:
        rule: The id of the fact it changes (one of the reasons').
        message: The change in words, such as ``"raise session.minutes.max from 170 to
            180"``.
        size: How much it changes, in minutes or sessions (smaller is nearer).
        program: The changed program (a :class:`~iopkit.curriculum.Program` carrying its
            catalog), ready to compose.
    """

    rule: str
    message: str
    size: int = 0
    program: Any = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]"


class InfeasibleError(IopkitError):
    """No curriculum meets every limit of the program.

    Attributes:
        reasons: Facts that conflict: the program reduced to them has no curriculum (this
            is checked). When :attr:`minimal` is true, dropping any one of them makes the
            rest satisfiable (this is proven too).
        summary: The arithmetic behind the conflict, when there is some.
        minimal: Whether minimality was proven; ``False`` when the work budget ran out
            first: the facts still conflict, but the list may hold more than is needed.
        repairs: For reasons where one exists, the nearest single change that makes the
            whole program feasible, verified by composing.
    """

    def __init__(
        self,
        reasons: Sequence[Reason],
        summary: str = "",
        *,
        minimal: bool = True,
        repairs: Sequence[Repair] = (),
    ) -> None:
        self.reasons = tuple(reasons)
        self.summary = summary
        self.minimal = minimal
        self.repairs = tuple(repairs)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The explanation as lines of text: summary, reasons, caveat and repairs."""
        lines = ["no curriculum meets every limit of the program"]
        if self.summary:
            lines.append(self.summary)
        if self.minimal:
            lines.append("these limits conflict (drop any one and the rest can be met):")
        else:
            lines.append(
                "these limits conflict; the list may contain more than is needed (the work "
                "budget ran out before it was made minimal):"
            )
        lines += [f"  - {r}" for r in self.reasons]
        if self.repairs:
            lines.append("any one of these changes makes the program feasible:")
            lines += [f"  - {r}" for r in self.repairs]
        return lines

    def _repr_html_(self) -> str:
        from iopkit._display import infeasible_html

        return infeasible_html(self)
