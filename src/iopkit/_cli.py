"""The ``iopkit`` command line.

Exit codes, mapped in one place (:func:`exit_code`): 0 success; 1 the program is
infeasible or the curriculum is not valid; 2 bad input or usage; 3 a limit was reached
(time or memory); 4 an internal error (a bug); 130 interrupted.

The command line owns its process, so it guards every command with the limits it is
given (``--budget`` seconds, ``--memory`` megabytes): the composer stops itself within its
budget, and a timer checks the whole command besides, in every phase (reading, checking,
composing, exporting, writing). Everything it prints to the terminal is escaped: no
control character, terminal escape sequence or lone surrogate from an input reaches it,
and messages quote at most a short excerpt of a value.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

import iopkit
from iopkit._budget import Budget, _resident_mb
from iopkit._files._documents import MAX_JSON_BYTES
from iopkit._files._schemas import SCHEMA_NAMES, SchemaName
from iopkit._files._write import write_atomic
from iopkit._words import duration, plural
from iopkit.errors import (
    BudgetExceededError,
    ExportError,
    InputError,
    IopkitError,
    Problem,
    excerpt,
)

if TYPE_CHECKING:
    from iopkit.curriculum import Curriculum, Profile


class Exit(enum.IntEnum):
    """The exit codes of the command line."""

    OK = 0
    FAILED = 1
    INPUT = 2
    LIMIT = 3
    INTERNAL = 4
    INTERRUPTED = 130


#: Seconds a command may take unless ``--budget`` says otherwise.
DEFAULT_SECONDS = 60.0
#: Megabytes a command's memory may grow by unless ``--memory`` says otherwise.
DEFAULT_MEMORY = 1024.0
#: How often the guard of a command looks at the clock and at memory, in seconds.
WATCH_EVERY = 0.05
#: Seconds the guard waits past the budget, so the composer's own, more precise stop
#: comes first.
GRACE = 0.5
#: Most problems listed for one error; the rest are counted.
MOST_PROBLEMS = 50
#: The example program composed when ``iopkit compose`` is given none.
DEFAULT_EXAMPLE = "adult-iop"


# -- what reaches the terminal ------------------------------------------------------------

# C0 and C1 controls (tab and line feed aside), DEL, lone surrogates, and the invisible
# characters that reorder or break lines on a terminal.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with every character that could act on a terminal shown escaped."""
    return _UNSAFE.sub(_escape_char, text)


def _say(text: str, *, err: bool = False) -> None:
    """Print lines of text, escaped, never failing on an encoding."""
    stream = sys.stderr if err else sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    for line in text.split("\n"):
        safe = terminal_text(line)
        safe = safe.encode(encoding, "backslashreplace").decode(encoding, "replace")
        click.echo(safe, err=err)


# -- errors and exit codes ----------------------------------------------------------------


class _Stop(Exception):  # noqa: N818 - not an error: the command has said what it had to
    """The command ends now with this exit code; its message is printed already."""

    def __init__(self, code: Exit) -> None:
        super().__init__(int(code))
        self.code = code


def exit_code(exc: BaseException) -> Exit:
    """The exit code for an exception that ends a command: the one place they are mapped."""
    from iopkit.curriculum import InfeasibleError

    if isinstance(exc, _Stop):
        return exc.code
    if isinstance(exc, InfeasibleError):
        return Exit.FAILED
    if isinstance(exc, BudgetExceededError | MemoryError):
        return Exit.LIMIT
    if isinstance(exc, InputError | ExportError | IopkitError | OSError | click.ClickException):
        return Exit.INPUT
    if isinstance(exc, KeyboardInterrupt):
        return Exit.INTERRUPTED
    return Exit.INTERNAL


def _problem_line(problem: Problem, file: str | None) -> str:
    """A problem as one line, located in the user's file (never ``<input>``)."""
    where = problem.file or file
    if where is None:
        place = problem.pointer and f"at {problem.pointer}: "
        return f"error: {place}{problem.message}"
    if problem.line is not None:
        where += f":{problem.line}"
    if problem.pointer:
        where += f" at {problem.pointer}"
    return f"error: {where}: {problem.message}"


def _os_message(exc: OSError, file: str | None) -> str:
    name = exc.filename if isinstance(exc.filename, str) and exc.filename else file
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"error: {name}: {reason}" if name else f"error: {reason}"


def messages(exc: BaseException, file: str | None = None) -> list[str]:
    """What the command line says about an exception: lines for standard error.

    ``file`` is the user's file the command was working on, named when a problem or an
    operating-system error does not say which file it is about.
    """
    from iopkit.curriculum import InfeasibleError

    if isinstance(exc, InputError):
        lines = [_problem_line(p, file) for p in exc.problems[:MOST_PROBLEMS]]
        if len(exc.problems) > MOST_PROBLEMS:
            more = len(exc.problems) - MOST_PROBLEMS
            lines.append(f"error: ... and {plural(more, 'more problem')} not shown")
        return lines or [f"error: {file or 'input'}: not acceptable"]
    if isinstance(exc, InfeasibleError):
        lines = ["infeasible: no curriculum meets every limit of the program"]
        if exc.summary:
            lines.append(f"  {exc.summary}")
        lines += [f"  reason: {r}" for r in exc.reasons]
        if not exc.minimal:
            lines.append("  (the list may hold more reasons than needed: the work ran out)")
        lines += [f"  repair: {r}" for r in exc.repairs]
        return lines
    if isinstance(exc, BudgetExceededError):
        hint = {
            "time": "  (allow more time with --budget SECONDS)",
            "memory": "  (allow more memory with --memory MB)",
        }
        return [f"error: {exc}", *([hint[exc.limit]] if exc.limit in hint else [])]
    if isinstance(exc, MemoryError):
        return ["error: the memory ceiling was reached (the system refused more memory)"]
    if isinstance(exc, IopkitError):
        return [f"error: {file}: {exc}" if file else f"error: {exc}"]
    if isinstance(exc, OSError):
        return [_os_message(exc, file)]
    if isinstance(exc, KeyboardInterrupt):
        return ["interrupted"]
    return [
        f"internal error: {type(exc).__name__}: {excerpt(str(exc), 300)}",
        "please report this as a bug",
    ]


def _fail(lines: Iterable[str], code: Exit) -> NoReturn:
    for line in lines:
        _say(line, err=True)
    raise _Stop(code)


def _silence_stdout() -> None:
    """Point standard output at nothing, so that a final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass


@contextmanager
def _errors(file: str | None = None) -> Iterator[None]:
    """Turn every exception into readable lines and an exit code, never a traceback."""
    try:
        yield
    except _Stop:
        raise
    except BrokenPipeError:
        # the reader went away (for example `iopkit catalog | head`): not an error
        _silence_stdout()
        raise _Stop(Exit.OK) from None
    except click.ClickException:
        raise
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the last line of defence
        _fail(messages(exc, file), exit_code(exc))


# -- limits -------------------------------------------------------------------------------


class TooLargeError(BudgetExceededError):
    """A result larger than iopkit reads back (a curriculum over the JSON size limit)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(limit / 1024 / 1024, "composing", "size")
        text = (
            f"composing stopped: the curriculum would take {size / 1024 / 1024:.1f} MiB, more "
            f"than the {limit // 1024 // 1024} MiB iopkit reads back (fewer weeks, days or "
            "blocks make it smaller)"
        )
        self.args = (text,)


class _Positive(click.ParamType):  # type: ignore[type-arg]
    """A finite number above 0 (refuses nan, inf, 0 and negatives)."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.name = unit

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{excerpt(str(value))} is not a number of {self.unit}", param, ctx)
        if not math.isfinite(number) or number <= 0:
            self.fail(
                f"must be a finite number of {self.unit} above 0 (got {excerpt(str(value))})",
                param,
                ctx,
            )
        return number


class Guard:
    """The limits of one command: its time budget and its memory ceiling.

    The composer is given what is left of both. Besides, while the guard is armed, a timer
    looks at the clock and at the process's memory every :data:`WATCH_EVERY` seconds and
    stops whatever phase is running. The timer is a signal, so it is armed only on the main
    thread; the previous handler is put back afterwards.

    Attributes:
        seconds: The time budget of the whole command.
        memory: How many megabytes the process's resident memory may grow by.
        phase: What the command is doing now, for the message when it stops.
    """

    def __init__(self, seconds: float, memory: float) -> None:
        self.seconds = seconds
        self.memory = memory
        self.phase = "starting"
        self.started = time.monotonic()
        self.base = _resident_mb()
        self._armed = False

    def budget(self) -> Budget:
        """What is left of the limits, for the composer."""
        left = self.seconds - (time.monotonic() - self.started)
        grown = max(_resident_mb() - self.base, 0.0)
        return Budget(seconds=max(left, 0.001), memory=max(self.memory - grown, 1.0))

    def restate(self, exc: BudgetExceededError) -> BudgetExceededError:
        """The composer's stop, stated with the command's limits (it was given what was
        left of them)."""
        if exc.limit == "time":
            return BudgetExceededError(self.seconds, exc.what, "time")
        if exc.limit == "memory":
            return BudgetExceededError(self.memory, exc.what, "memory")
        return exc

    def check(self) -> None:
        """Raise when a limit has been reached."""
        if time.monotonic() - self.started > self.seconds + GRACE:
            raise BudgetExceededError(self.seconds, self.phase, "time")
        if _resident_mb() - self.base > self.memory:
            raise BudgetExceededError(self.memory, self.phase, "memory")

    def _on_alarm(self, _signum: int, _frame: FrameType | None) -> None:
        if not self._armed:  # a late alarm while the guard is being taken down
            return
        try:
            self.check()
        except BudgetExceededError:
            self._disarm()
            raise

    def _disarm(self) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._armed = False

    @contextmanager
    def armed(self) -> Iterator[Guard]:
        """Watch the limits while the block runs (on the main thread, where signals can)."""
        usable = hasattr(signal, "setitimer") and (
            threading.current_thread() is threading.main_thread()
        )
        if not usable:
            yield self
            return
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        try:
            self._armed = True
            signal.setitimer(signal.ITIMER_REAL, WATCH_EVERY, WATCH_EVERY)
            yield self
        finally:
            try:
                self._disarm()
            finally:
                signal.signal(signal.SIGALRM, previous)

    def enter(self, phase: str) -> None:
        """Say what the command does next (and stop now if a limit is already reached)."""
        self.phase = phase
        self.check()


F = TypeVar("F", bound=Callable[..., Any])


def _limit_options(command: F) -> F:
    budget = click.option(
        "--budget",
        type=_Positive("seconds"),
        default=DEFAULT_SECONDS,
        show_default=True,
        help="Seconds the command may take, in every phase (composing included); past "
        "them it stops with exit 3. Must be a finite number above 0.",
    )
    memory = click.option(
        "--memory",
        type=_Positive("megabytes"),
        default=DEFAULT_MEMORY,
        show_default=True,
        help="Megabytes the process's resident memory (RSS) may grow by while the command "
        "works; past them it stops with exit 3.",
    )
    return budget(memory(command))


# -- output -------------------------------------------------------------------------------


_CONTENT_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _stdout_bytes(data: bytes) -> None:
    """Write content to standard output as UTF-8 bytes (escaped for a terminal)."""
    out = sys.stdout
    out.flush()
    if out.isatty():  # a terminal sees no control character from the content
        text = _CONTENT_UNSAFE.sub(_escape_char, data.decode("utf-8", "replace"))
        data = text.encode("utf-8")
    binary = getattr(out, "buffer", None)
    if binary is None:
        out.write(data.decode("utf-8", "replace"))
        out.flush()
        return
    binary.write(data)
    binary.flush()


def _write(output: str | None, content: str | bytes) -> None:
    """Write content to standard output (``None`` or ``-``) or to a file, naming the
    user's file (or standard output) in any error."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if output is None or output == "-":
        try:
            _stdout_bytes(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            _silence_stdout()
            raise OSError(exc.errno, exc.strerror or str(exc), "standard output") from None
        return
    try:
        write_atomic(output, data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), output) from None


_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write to this file instead of standard output ('-'). A regular file is replaced "
    "atomically (keeping its mode, and the target of a symbolic link); a device or a pipe "
    "is written as it is.",
)


# -- the commands -------------------------------------------------------------------------


class _Group(click.Group):
    """The command group; its usage errors are escaped like every other message."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            done = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _Stop as stop:
            sys.exit(int(stop.code))
        except click.Abort:
            _say("interrupted", err=True)
            sys.exit(int(Exit.INTERRUPTED))
        except click.ClickException as exc:
            import io

            shown = io.StringIO()
            exc.show(file=shown)
            _say(shown.getvalue().rstrip("\n"), err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(int(Exit.OK))
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - never a traceback
            for line in messages(exc):
                _say(line, err=True)
            sys.exit(int(exit_code(exc)))
        sys.exit(done if isinstance(done, int) else int(Exit.OK))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(iopkit.__version__, prog_name="iopkit")
def main() -> None:
    """Plan, compose, validate and export IOP curricula.

    Exit codes: 0 success; 1 infeasible program or invalid curriculum; 2 bad input or
    usage; 3 a limit (--budget seconds, --memory megabytes) was reached; 4 an internal
    error (please report it).

    iopkit supports planning; it is not clinical or billing advice.
    """


def _example_names() -> list[str]:
    root = resources.files("iopkit").joinpath("data", "examples")
    return sorted(e.name.removesuffix(".yaml") for e in root.iterdir() if e.name.endswith(".yaml"))


def _example_text(name: str) -> bytes:
    names = _example_names()
    if name not in names:
        raise click.BadParameter(
            f"no example named {excerpt(name)}; the examples are: {', '.join(names)}",
            param_hint="NAME",
        )
    return resources.files("iopkit").joinpath("data", "examples", f"{name}.yaml").read_bytes()


def _example_catalogs(text: bytes) -> list[tuple[str, bytes]]:
    """The clinic catalogs a shipped example reads, as (relative path, content)."""
    import yaml

    document = yaml.safe_load(text)
    found: list[tuple[str, bytes]] = []
    for entry in document.get("catalogs", ()) if isinstance(document, dict) else ():
        if isinstance(entry, str) and entry != "builtin":
            shipped = resources.files("iopkit").joinpath("data", "examples", *entry.split("/"))
            found.append((entry, shipped.read_bytes()))
    return found


def _write_example(name: str, output: str | None) -> None:
    """Write a shipped example program and, next to a file, the catalogs it reads.

    A catalog already there with other content is never replaced: the user may have edited it.
    """
    text = _example_text(name)
    catalogs = _example_catalogs(text)
    if output is None or output == "-":
        _write(output, text)
        if catalogs:
            wanted = ", ".join(path for path, _ in catalogs)
            _say(f"note: this example reads {wanted}; write it with -o FILE to get them", err=True)
        return
    folder = Path(output).parent
    for relative, content in catalogs:
        target = folder / relative
        if target.exists():
            if target.is_file() and target.read_bytes() == content:
                continue
            raise click.UsageError(
                f"{target} already exists with other content; the example would replace it. "
                "Move it, or write the example into another folder."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(str(target), content)
    _write(output, text)
    for relative, _ in catalogs:
        _say(f"wrote {folder / relative}", err=True)


def _profile_arguments(
    values: Iterable[str], carried: Iterable[tuple[str, Profile]] = ()
) -> list[str | Profile]:
    """Profile ids checked (built in, or carried by the program); profile files (``.yaml``,
    ``.yml``, ``.json``) loaded.

    Raises:
        click.BadParameter: no profile has that id (with a hint of close ids).
    """
    import difflib

    from iopkit._files._load import builtin_profiles
    from iopkit.curriculum import load_profile

    known = set(builtin_profiles())
    known |= {name for reference, profile in carried for name in (reference, profile.id)}
    result: list[str | Profile] = []
    for value in values:
        if value.lower().endswith((".yaml", ".yml", ".json")):
            result.append(load_profile(value))
        elif value in known:
            result.append(value)
        else:
            close = difflib.get_close_matches(value[:100], sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" ({', '.join(sorted(known))})"
            raise click.BadParameter(
                f"no compliance profile {excerpt(value)}{hint}", param_hint="'--profile'"
            )
    return result


def _hours(minutes: Sequence[int]) -> str:
    if not minutes:
        return "no weeks"
    if len(set(minutes)) == 1:
        return f"{duration(minutes[0])} every week"
    if len(minutes) <= 16:
        return ", ".join(duration(m) for m in minutes)
    return f"from {duration(min(minutes))} to {duration(max(minutes))} a week"


def summary(curriculum: Curriculum) -> list[str]:
    """The lines ``compose`` prints about a curriculum: its size, weekly service time and
    what each track teaches, with titles (never ids)."""
    program = curriculum.program
    sessions = sum(len(w.sessions) for w in curriculum.weeks)
    lines = [
        f"{program.name}: {plural(len(curriculum.weeks), 'week')}, {plural(sessions, 'session')}",
        f"service time per week: {_hours([w.service_minutes for w in curriculum.weeks])}",
    ]
    catalog = program.catalog
    for track in program.tracks:
        count = sum(1 for _, _, _, b in curriculum.blocks() if b.track == track.name)
        titles: list[str] = []
        for module_id in dict.fromkeys(track.modules):
            try:
                titles.append(catalog.module(module_id).title if catalog else module_id)
            except KeyError:
                titles.append(module_id)
        shown = ", ".join(titles[:6]) + (", ..." if len(titles) > 6 else "")
        lines.append(f"track {track.name!r}: {plural(count, 'lesson')} ({shown})")
    return lines


@main.command()
@click.argument("program", required=False, type=click.Path(dir_okay=False))
@_output
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=0,
    show_default=True,
    help="Different seeds may give different valid curricula.",
)
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also meet this compliance profile (id or file); repeatable.",
)
@click.option(
    "--allow",
    "allowed",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder the program's catalog and profile files may be read from; repeatable. "
    "By default only the program's own folder (and those below it).",
)
@_limit_options
def compose(
    program: str | None,
    output: str | None,
    seed: int,
    profiles: tuple[str, ...],
    allowed: tuple[Path, ...],
    budget: float,
    memory: float,
) -> None:
    """Compose a curriculum for PROGRAM (the built-in example when omitted) as JSON.

    Exit 0 on success, 1 when the program is infeasible (with the reasons), 2 on bad
    input, 3 when the time budget or the memory ceiling is reached.
    """
    from iopkit.curriculum import compose as compose_
    from iopkit.curriculum import curriculum_json, load_program

    guard = Guard(budget, memory)
    with _errors(program), guard.armed():
        guard.enter("reading the program")
        roots = list(allowed) if allowed else None
        if program is None:
            name = f"{DEFAULT_EXAMPLE}.yaml"
            shipped = resources.files("iopkit").joinpath("data", "examples", name)
            with resources.as_file(shipped) as path:
                loaded = load_program(path)
        else:
            loaded = load_program(program, roots=roots)
        extra = _profile_arguments(profiles, loaded.profile_definitions)
        guard.enter("composing")
        try:
            curriculum = compose_(loaded, seed=seed, profiles=extra, budget=guard.budget())
        except BudgetExceededError as exc:
            raise guard.restate(exc) from None
        guard.enter("writing the curriculum")
        data = curriculum_json(curriculum).encode("utf-8")
        if len(data) > MAX_JSON_BYTES:
            raise TooLargeError(len(data), MAX_JSON_BYTES)
        _write(output, data)
        for line in summary(curriculum):
            _say(line, err=True)


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also check this compliance profile (id or file); repeatable.",
)
@_limit_options
def validate(curriculum: str, profiles: tuple[str, ...], budget: float, memory: float) -> None:
    """Check CURRICULUM against its program and compliance profiles.

    The report goes to standard output. Exit 0 when valid, 1 with every violation listed,
    2 on bad input, 3 when a limit is reached.
    """
    from iopkit.curriculum import load_curriculum
    from iopkit.curriculum import validate as validate_

    guard = Guard(budget, memory)
    with _errors(curriculum), guard.armed():
        guard.enter("reading the curriculum")
        loaded = load_curriculum(curriculum)
        extra = _profile_arguments(profiles, loaded.program.profile_definitions)
        guard.enter("validating")
        report = validate_(loaded, profiles=extra)
        _say(report.text())
        if not report.ok:
            raise _Stop(Exit.FAILED)


_FORMATS = ["md", "html", "ics", "csv", "fhir", "json"]


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False))
@click.option(
    "-f",
    "--format",
    "fmt",
    required=True,
    type=click.Choice(_FORMATS, case_sensitive=False),
    help="The export format (any case).",
)
@_output
@_limit_options
def export(curriculum: str, fmt: str, output: str | None, budget: float, memory: float) -> None:
    """Export CURRICULUM as Markdown, HTML, iCalendar, CSV, FHIR or JSON."""
    from iopkit.curriculum import load_curriculum
    from iopkit.export import FORMATS

    guard = Guard(budget, memory)
    with _errors(curriculum), guard.armed():
        guard.enter("reading the curriculum")
        loaded = load_curriculum(curriculum)
        guard.enter("exporting")
        content = FORMATS[fmt.lower()](loaded)
        guard.enter("writing the export")
        _write(output, content)


class _Admitted(click.ParamType):  # type: ignore[type-arg]
    """When a patient is admitted: a week number, or a date written YYYY-MM-DD."""

    name = "WEEK|DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | dt.date:
        if isinstance(value, int | dt.date) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if re.fullmatch(r"[0-9]{1,4}", text):
            return int(text)
        problem = f"{excerpt(text)} is neither a week number (such as 3) nor a date (YYYY-MM-DD)"
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                problem = f"{excerpt(text)} is not a date of the calendar"
        return self.fail(problem, param, ctx)


_JOURNEY_FORMATS = ["json", "md", "html", "ics", "fhir"]


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False))
@click.option(
    "--admitted",
    required=True,
    type=_Admitted(),
    help="When the patient is admitted: the week (a number, such as 3), or the date "
    "(YYYY-MM-DD), for the first admission on or after it in its week.",
)
@click.option(
    "--stay",
    type=click.IntRange(min=1, max=520),
    help="How many weeks the patient stays; by default the program's longest stay.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    default="json",
    show_default=True,
    type=click.Choice(_JOURNEY_FORMATS, case_sensitive=False),
    help="The export format (any case).",
)
@_output
@_limit_options
def journey(
    curriculum: str,
    admitted: int | dt.date,
    stay: int | None,
    fmt: str,
    output: str | None,
    budget: float,
    memory: float,
) -> None:
    """Write what one patient of CURRICULUM attends, from admission to the end of the stay.

    Each week of the stay with its sessions and, in each, the main blocks or the groups
    of the patient's phase, with clock times: as JSON (journey/1), Markdown, HTML,
    iCalendar or a FHIR CarePlan. Exit 2 when the file does not load, when no patient is
    admitted then (the message says when patients start), or for a stay the program does
    not allow.
    """
    from iopkit.curriculum import load_curriculum
    from iopkit.curriculum._journey import journey as journey_
    from iopkit.export import JOURNEY_FORMATS

    guard = Guard(budget, memory)
    with _errors(curriculum), guard.armed():
        guard.enter("reading the curriculum")
        loaded = load_curriculum(curriculum)
        guard.enter("following the patient")
        allowed = loaded.program.patient_stay
        if stay is not None and stay not in allowed.lengths():
            raise click.BadParameter(
                f"patients of this program stay {allowed.describe()} (got {stay})",
                param_hint="'--stay'",
            )
        try:
            found = journey_(loaded, admitted, stay=stay)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--admitted'") from None
        guard.enter("exporting")
        content = JOURNEY_FORMATS[fmt.lower()](loaded, found)
        guard.enter("writing the export")
        _write(output, content)


@main.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema(name: SchemaName) -> None:
    """Print the JSON Schema of a file format."""
    with _errors():
        _say(json.dumps(iopkit.schema(name), indent=2))


@main.command()
@click.argument("name", required=False, default=DEFAULT_EXAMPLE, metavar="[NAME]")
@_output
def example(name: str, output: str | None) -> None:
    """Write a shipped example program (NAME, by default adult-iop).

    An example with its own content catalogs writes them next to the program file (in a
    ``catalogs`` folder); an existing file with other content is never replaced.
    """
    with _errors(output):
        _write_example(name, output)


if example.help:  # the names of the shipped examples, listed in --help (unwrapped)
    example.help = (
        inspect.cleandoc(example.help)
        + "\n\n\b\nThe examples:\n"
        + "\n".join(f"  {name}" for name in _example_names())
    )


@main.command()
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A catalog file to add to the built-in one; repeatable.",
)
def catalog(files: tuple[str, ...]) -> None:
    """List modalities, activities and modules with their lengths."""
    guard = Guard(DEFAULT_SECONDS, DEFAULT_MEMORY)
    with _errors(files[0] if len(files) == 1 else None), guard.armed():
        guard.enter("reading the catalog")
        found = iopkit.builtin_catalog()
        for file in files:
            found = iopkit.load_catalog(file, base=found)
        lines = ["Modalities:"]
        lines += [f"  {m.id:28} {m.name}" for m in found.modalities]
        lines.append("Activities:")
        lines += [
            f"  {a.id:34} {a.minutes.describe('min'):>14}  {a.kind.value}, {a.format.value}"
            + (", may hold a break inside" if a.break_inside else "")
            for a in found.activities
        ]
        lines.append("Modules:")
        for module in found.modules:
            lengths = ", ".join(
                les.minutes.describe() + (" (break inside)" if les.break_inside else "")
                for les in module.lessons
            )
            needs = f" (requires {', '.join(module.requires)})" if module.requires else ""
            lines.append(f"  {module.id:34} {len(module.lessons)} lessons: {lengths} min{needs}")
        _say("\n".join(lines))


@main.command()
def profiles() -> None:
    """List the built-in compliance profiles with their sources."""
    from iopkit.curriculum import profiles as profiles_

    with _errors():
        lines = []
        for profile in profiles_():
            lines.append(f"{profile.id}: {profile.title}")
            lines.append(f"  source: {profile.source}")
            lines.append(f"  checked: {profile.checked.isoformat()}")
        lines.append("Profiles are planning aids, not billing advice.")
        _say("\n".join(lines))


# -- attendance ----------------------------------------------------------------------------


class _Date(click.ParamType):  # type: ignore[type-arg]
    """A date written YYYY-MM-DD."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.fail(f"{excerpt(text)} is not a date of the calendar", param, ctx)
        return self.fail(f"{excerpt(text)} is not a date written YYYY-MM-DD", param, ctx)


class _Cap(click.ParamType):  # type: ignore[type-arg]
    """A group-size cap: ``N`` for any group sitting, ``ID=N`` for an activity or a
    group (``activity:ID=N`` or ``group:NAME=N`` when an id names both)."""

    name = "[ID=]N"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str | None, int]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        key, _, number = text.rpartition("=")
        if not re.fullmatch(r"[0-9]{1,5}", number) or not 1 <= int(number) <= 10_000:
            self.fail(
                f"{excerpt(text)} is not a cap: write a number of patients from 1 to 10000 "
                "(12), or an activity or group id and a number (process-group=8)",
                param,
                ctx,
            )
        if key and not re.fullmatch(r"((activity|group):)?[a-z0-9]+(-[a-z0-9]+)*", key):
            self.fail(f"{excerpt(key)} is not an activity or group id", param, ctx)
        return (key or None), int(number)


if TYPE_CHECKING:
    from iopkit.curriculum._program import GroupSizes


def _group_sizes(
    curriculum: Curriculum, caps: Sequence[tuple[str | None, int]]
) -> GroupSizes | None:
    """The caps of ``--group-size`` over those the program states (``group_size``)."""
    from iopkit.curriculum._program import GroupSizes

    stated = curriculum.program.group_size
    if not caps:
        return stated
    base = stated if stated is not None else GroupSizes()
    most = base.max
    activities = dict(base.activities)
    groups = dict(base.groups)
    names = {g.name for g in curriculum.program.groups}
    used = {b.activity for _, _, _, b in curriculum.blocks()}
    for key, number in caps:
        if key is None:
            most = number
            continue
        kind, _, name = key.rpartition(":")
        if not kind:
            if name in names and name in used:
                raise click.BadParameter(
                    f"{name!r} is both a group and an activity: write group:{name}={number} "
                    f"or activity:{name}={number}",
                    param_hint="'--group-size'",
                )
            kind = "group" if name in names else "activity"
        known = names if kind == "group" else used
        if name not in known:
            raise click.BadParameter(
                f"the curriculum has no {kind} {name!r}", param_hint="'--group-size'"
            )
        (groups if kind == "group" else activities)[name] = number
    return GroupSizes(max=most, activities=activities, groups=groups)


_ATTENDANCE_FORMATS = ["md", "html", "csv", "json"]


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False))
@click.argument("records", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also check this compliance profile (id or file), besides the program's own; repeatable.",
)
@click.option(
    "--as-of",
    "as_of",
    type=_Date(),
    help="The date of the report (YYYY-MM-DD): later sessions are upcoming and later "
    "records are left out. By default the last date in the records.",
)
@click.option(
    "--unrecorded",
    default="absent",
    show_default=True,
    type=click.Choice(["absent", "present"]),
    help="How a session up to the date of the report without any record counts.",
)
@click.option(
    "--rate",
    type=_Positive("patients a week"),
    help="Plan instead: the expected census of each sitting when this many new patients "
    "start a week (give no RECORDS).",
)
@click.option(
    "--stay",
    type=click.IntRange(min=1, max=520),
    help="With --rate: the weeks each patient stays; by default the program's longest stay.",
)
@click.option(
    "--group-size",
    "caps",
    multiple=True,
    type=_Cap(),
    help="A group-size cap: N patients in any group sitting, or ID=N for the sittings "
    "holding an activity or of a group (group:NAME=N or activity:ID=N when an id names "
    "both); repeatable. A sitting over its cap is reported.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    default="md",
    show_default=True,
    type=click.Choice(_ATTENDANCE_FORMATS, case_sensitive=False),
    help="The report's format (any case).",
)
@_output
@_limit_options
def attendance(
    curriculum: str,
    records: str | None,
    profiles: tuple[str, ...],
    as_of: dt.date | None,
    unrecorded: str,
    rate: float | None,
    stay: int | None,
    caps: tuple[tuple[str | None, int], ...],
    fmt: str,
    output: str | None,
    budget: float,
    memory: float,
) -> None:
    """Report what the patients of CURRICULUM received, from the attendance RECORDS.

    RECORDS is a CSV file (a header row, then one row per record) or a JSON file
    (attendance/1). For each patient and week of their stay: service minutes planned and
    received, each compliance profile's limits met or missed, lessons missed with their
    next offering, runs of absences; then the share of patient-weeks that met each
    profile, the patients below a floor this week, and the patients in each group. With
    --rate instead of RECORDS: the expected patients in each group. Exit 2 when a file
    does not load or a record names what the curriculum does not have (with its line).

    Records and reports are health data: use pseudonymous patient ids.
    """
    from iopkit.curriculum import _attendance as att
    from iopkit.curriculum import load_curriculum

    if records is None and rate is None:
        raise click.UsageError("give RECORDS for a report, or --rate for a planned census")
    if records is not None and rate is not None:
        raise click.UsageError("give RECORDS for a report or --rate for a planned census, not both")
    if stay is not None and rate is None:
        raise click.UsageError("--stay goes with --rate")
    guard = Guard(budget, memory)
    with _errors(records or curriculum), guard.armed():
        guard.enter("reading the curriculum")
        loaded = load_curriculum(curriculum)
        sizes = _group_sizes(loaded, caps)
        fmt = fmt.lower()
        if records is None:
            assert rate is not None  # noqa: S101 - checked above
            guard.enter("counting patients")
            allowed = loaded.program.patient_stay
            if stay is not None and stay not in allowed.lengths():
                raise click.BadParameter(
                    f"patients of this program stay {allowed.describe()} (got {stay})",
                    param_hint="'--stay'",
                )
            census = att.planned_census(loaded, rate, stay=stay, group_sizes=sizes)
            title = f"Planned census: {loaded.program.name}"
            writers: dict[str, Callable[[], str]] = {
                "md": lambda: att.census_markdown(census, title=title),
                "html": lambda: att.census_html(census, title=title),
                "csv": lambda: att.census_csv(census),
                "json": lambda: att.census_json(census),
            }
            content = writers[fmt]()
        else:
            extra = _profile_arguments(profiles, loaded.program.profile_definitions)
            guard.enter("reading the records")
            found = att.load_attendance(records)
            guard.enter("following the patients")
            report = att.attendance(
                loaded,
                found,
                profiles=extra,
                as_of=as_of,
                group_sizes=sizes,
                unrecorded="present" if unrecorded == "present" else "absent",
            )
            guard.enter("writing the report")
            content = {
                "md": att.attendance_markdown,
                "html": att.attendance_html,
                "csv": att.attendance_csv,
                "json": att.attendance_json,
            }[fmt](report)
        _write(output, content)
