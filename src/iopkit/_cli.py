"""The ``iopkit`` command line.

Exit codes: 0 success; 1 the program is infeasible or the curriculum is not valid;
2 bad input or usage; 3 the time budget was reached; 4 an internal error (a bug).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import click

import iopkit
from iopkit._files._schemas import SCHEMA_NAMES, SchemaName
from iopkit._files._write import write_atomic
from iopkit.errors import BudgetExceededError, ExportError, InputError, IopkitError

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_BUDGET, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _fail(lines: list[str], code: int) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn iopkit's errors into readable messages and exit codes, never a traceback."""
    from iopkit.curriculum import InfeasibleError

    try:
        yield
    except BrokenPipeError:
        # the reader went away (for example `iopkit catalog | head`): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the final flush
        sys.exit(EXIT_OK)
    except InputError as exc:
        _fail([f"error: {p}" for p in exc.problems], EXIT_INPUT)
    except InfeasibleError as exc:
        lines = ["infeasible: no curriculum meets every limit of the program"]
        if exc.summary:
            lines.append(f"  {exc.summary}")
        lines += [f"  reason: {r}" for r in exc.reasons]
        _fail(lines, EXIT_FAILED)
    except BudgetExceededError as exc:
        _fail([f"error: {exc}"], EXIT_BUDGET)
    except (ExportError, IopkitError) as exc:
        _fail([f"error: {exc}"], EXIT_INPUT)
    except OSError as exc:
        _fail([f"error: {exc.filename or ''}: {exc.strerror or exc}"], EXIT_INPUT)
    except KeyboardInterrupt:
        _fail(["interrupted"], 130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
        _fail(
            [f"internal error: {type(exc).__name__}: {exc}", "please report this as a bug"],
            EXIT_INTERNAL,
        )


def _write(output: Path | None, content: str | bytes) -> None:
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            click.echo(content, nl=False)
    else:
        write_atomic(output, content)


def _summary(curriculum: Any) -> list[str]:
    lines = [
        f"{len(curriculum.weeks)} weeks, {sum(len(w.sessions) for w in curriculum.weeks)} sessions",
        "service hours per week: "
        + ", ".join(f"{w.service_minutes / 60:g}" for w in curriculum.weeks),
    ]
    for track in curriculum.program.tracks:
        count = sum(1 for _, _, _, b in curriculum.blocks() if b.track == track.name)
        lines.append(f"track {track.name!r}: {count} lessons")
    return lines


_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(iopkit.__version__, prog_name="iopkit")
def main() -> None:
    """Plan, compose, validate and export IOP curricula.

    iopkit supports planning; it is not clinical or billing advice.
    """


@main.command()
@click.argument("program", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_output
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Different seeds may give different valid curricula.",
)
@click.option(
    "--budget", type=float, default=60.0, show_default=True, help="Seconds the composer may take."
)
def compose(program: Path | None, output: Path | None, seed: int, budget: float) -> None:
    """Compose a curriculum for PROGRAM (the built-in example when omitted) as JSON.

    Exit 0 on success, 1 when the program is infeasible (with the reasons), 2 on bad
    input, 3 when the time budget is reached.
    """
    from iopkit.curriculum import compose as compose_
    from iopkit.curriculum import curriculum_json, load_program

    with _errors():
        if program is None:
            source = resources.files("iopkit").joinpath("data", "examples", "adult-iop.yaml")
            with resources.as_file(source) as path:
                loaded = load_program(path)
        else:
            loaded = load_program(program)
        curriculum = compose_(loaded, seed=seed, budget=budget)
        _write(output, curriculum_json(curriculum))
        for line in _summary(curriculum):
            click.echo(line, err=True)


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    help="Also check this compliance profile (id or file); repeatable.",
)
def validate(curriculum: Path, profiles: tuple[str, ...]) -> None:
    """Check CURRICULUM against its program and compliance profiles.

    Exit 0 when valid, 1 with every violation listed, 2 on bad input.
    """
    from iopkit.curriculum import load_curriculum
    from iopkit.curriculum import validate as validate_

    with _errors():
        report = validate_(load_curriculum(curriculum), profiles=profiles)
        if report.ok:
            click.echo(report.text())
            return
    _fail(report.text().splitlines(), EXIT_FAILED)


@main.command()
@click.argument("curriculum", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["md", "html", "ics", "csv", "fhir", "json"]),
    help="The export format.",
)
@_output
def export(curriculum: Path, fmt: str, output: Path | None) -> None:
    """Export CURRICULUM as Markdown, HTML, iCalendar, CSV, FHIR or JSON."""
    from iopkit.curriculum import load_curriculum
    from iopkit.export import FORMATS

    with _errors():
        content = FORMATS[fmt](load_curriculum(curriculum))
        _write(output, content)


@main.command()
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema(name: SchemaName) -> None:
    """Print the JSON Schema of a file format."""
    with _errors():
        click.echo(json.dumps(iopkit.schema(name), indent=2))


@main.command()
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A catalog file to add to the built-in one; repeatable.",
)
def catalog(files: tuple[Path, ...]) -> None:
    """List modalities, activities and modules with their lengths."""
    with _errors():
        found = iopkit.builtin_catalog()
        for file in files:
            found = iopkit.load_catalog(file, base=found)
        click.echo("Modalities:")
        for modality in found.modalities:
            click.echo(f"  {modality.id:28} {modality.name}")
        click.echo("Activities:")
        for activity in found.activities:
            click.echo(
                f"  {activity.id:34} {activity.minutes.describe('min'):>14}  "
                f"{activity.kind.value}, {activity.format.value}"
            )
        click.echo("Modules:")
        for module in found.modules:
            lengths = ", ".join(str(les.minutes.describe()) for les in module.lessons)
            needs = f" (requires {', '.join(module.requires)})" if module.requires else ""
            click.echo(f"  {module.id:34} {len(module.lessons)} lessons: {lengths} min{needs}")


@main.command()
def profiles() -> None:
    """List the built-in compliance profiles with their sources."""
    from iopkit.curriculum import profiles as profiles_

    with _errors():
        for profile in profiles_():
            click.echo(f"{profile.id}: {profile.title}")
            click.echo(f"  source: {profile.source}")
            click.echo(f"  checked: {profile.checked.isoformat()}")
        click.echo("Profiles are planning aids, not billing advice.")
