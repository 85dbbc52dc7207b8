"""From what a caller passes to what the composer and the validator work on: a program,
its catalog and its profiles, resolved and checked against each other.

Nothing here reads a user's file. The built-in catalog and profiles ship inside the
package; catalog and profile files are read when a program file is loaded, and the loaded
program carries them (:attr:`Program.catalog`, :attr:`Program.profile_definitions`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from iopkit._catalog import Catalog
from iopkit._types import Place
from iopkit._words import plural
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program, Weeks
from iopkit.curriculum._rules import Inputs
from iopkit.curriculum._selector import Selector
from iopkit.errors import Problem, ProgramError

#: The name that stands for the built-in catalog in a program's ``catalogs`` list.
BUILTIN = "builtin"


def builtin_catalog() -> Catalog:
    """The catalog shipped with iopkit (read once, then shared)."""
    from iopkit._files._load import builtin_catalog as load

    return load()


def builtin_profiles() -> dict[str, Profile]:
    """The compliance profiles shipped with iopkit, by id."""
    from iopkit._files._load import builtin_profiles as load

    return load()


def program_catalog(program: Program) -> Catalog:
    """The catalog a program draws on: the one it carries, or the built-in one.

    Raises:
        ProgramError: the program names catalog files but carries no catalog (it was
            built in Python without one).
    """
    if program.catalog is not None:
        return program.catalog
    files = [c for c in program.catalogs if c != BUILTIN]
    if files:
        raise ProgramError(
            [
                Problem(
                    message=f"the program names catalog files ({', '.join(files)}) but carries "
                    "no catalog: read it with load_program(), or pass catalog=",
                    pointer="/catalogs",
                    file=program.file,
                )
            ]
        )
    if BUILTIN in program.catalogs:
        return builtin_catalog()
    return Catalog()


def profile(name: str, program: Program | None = None) -> Profile:
    """A profile by id: built in, or one the program carries (read from a file).

    Raises:
        ProgramError: no such profile, with a hint of close ids.
    """
    for reference, known in program.profile_definitions if program is not None else ():
        if name in (reference, known.id):
            result: Profile = known
            return result
    builtin = builtin_profiles()
    if name in builtin:
        return builtin[name]
    close = difflib.get_close_matches(name, list(builtin), n=1)
    hint = (
        f"; did you mean {close[0]!r}?" if close else f" (built-in: {', '.join(sorted(builtin))})"
    )
    shown = name if len(name) <= 60 else name[:57] + "..."
    raise ProgramError(
        [
            Problem(
                message=f"no compliance profile {shown!r}{hint}",
                pointer="/profiles",
                file=program.file if program is not None else None,
            )
        ]
    )


def resolve_profiles(program: Program, extra: Iterable[str | Profile] = ()) -> tuple[Profile, ...]:
    """The program's profiles, then the extra ones, without repeats."""
    found: dict[str, Profile] = {}
    for item in (*program.profiles, *extra):
        if isinstance(item, Profile):
            found.setdefault(item.id, item)
        elif isinstance(item, str):
            resolved = profile(item, program)
            found.setdefault(resolved.id, resolved)
        else:
            raise ProgramError(
                [
                    Problem(
                        message=f"profiles must be profile ids or Profile objects (got "
                        f"{type(item).__name__})",
                        pointer="profiles",
                    )
                ]
            )
    return tuple(found.values())


def resolve(
    program: Program, catalog: Catalog | None = None, profiles: Iterable[str | Profile] = ()
) -> Inputs:
    """The inputs of a composition or a validation, checked against each other.

    Raises:
        ProgramError: the program names something its catalog or the profiles lack.
    """
    chosen = catalog if catalog is not None else program_catalog(program)
    check_references(program, chosen)
    return Inputs(program=program, catalog=chosen, profiles=resolve_profiles(program, profiles))


class Reference(NamedTuple):
    """An id a program names: what it names (``activity``, ``module`` or ``modality``),
    the id, and where the program names it (a JSON pointer)."""

    section: str
    id: str
    pointer: str


def program_references(program: Program) -> Iterator[Reference]:
    """Every catalog id the program names, with where: the one list both the reference
    check and a curriculum's carried catalog read."""
    shape = program.session
    for key in ("opening", "closing"):
        for i, item in enumerate(getattr(shape, key)):
            yield Reference("activity", item, f"/session/{key}/{i}")
    for i, item in enumerate(shape.fill or ()):
        yield Reference("activity", item, f"/session/fill/{i}")
    if shape.breaks is not None:
        yield Reference("activity", shape.breaks.activity, "/session/breaks/activity")

    def selected(sel: Selector, ptr: str) -> Iterator[Reference]:
        if sel.activity is not None:
            yield Reference("activity", sel.activity, f"{ptr}/activity")
        if sel.modality is not None:
            yield Reference("modality", sel.modality, f"{ptr}/modality")
        if sel.module is not None:
            yield Reference("module", sel.module, f"{ptr}/module")

    for i, req in enumerate(program.require):
        yield from selected(req.selector, f"/require/{i}")
    for i, entry in enumerate(shape.order):
        yield from selected(entry.selector, f"/session/order/{i}")
        for name in ("before", "directly_before", "not_directly_after"):
            other = getattr(entry, name)
            if other is not None:
                yield from selected(other, f"/session/order/{i}/{name}")
    for i, track in enumerate(program.tracks):
        for j, module in enumerate(track.modules):
            yield Reference("module", module, f"/tracks/{i}/modules/{j}")
    for i, group in enumerate(program.groups):
        for j, item in enumerate(group.fill or ()):
            yield Reference("activity", item, f"/groups/{i}/fill/{j}")


def check_references(program: Program, catalog: Catalog) -> None:
    """Check that every id the program names exists in the catalog.

    Raises:
        ProgramError: listing every unknown id with its location in the program.
    """
    problems: list[Problem] = []
    file = program.file
    finders = {"activity": catalog.activity, "module": catalog.module, "modality": catalog.modality}
    for ref in program_references(program):
        try:
            finders[ref.section](ref.id)
        except KeyError as exc:
            problems.append(Problem(message=str(exc.args[0]), file=file, pointer=ref.pointer))
    shape = program.session
    for key in ("opening", "closing"):
        for i, item in enumerate(getattr(shape, key)):
            if item in catalog and catalog.lesson_of(item):
                problems.append(
                    Problem(
                        message=f"{item!r} is a lesson of a module, not a stand-alone activity",
                        file=file,
                        pointer=f"/session/{key}/{i}",
                    )
                )
    if shape.breaks is not None and shape.breaks.activity in catalog:
        act = catalog.activity(shape.breaks.activity)
        if not act.is_break:
            problems.append(
                Problem(
                    message=f"the break activity {act.id!r} is of kind {act.kind.value}, not break",
                    file=file,
                    pointer="/session/breaks/activity",
                )
            )
    tracks = {t.name for t in program.tracks}
    selectors = [(r.selector, f"/require/{i}") for i, r in enumerate(program.require)]
    for i, entry in enumerate(shape.order):
        selectors.append((entry.selector, f"/session/order/{i}"))
        for name in ("before", "directly_before", "not_directly_after"):
            other = getattr(entry, name)
            if other is not None:
                selectors.append((other, f"/session/order/{i}/{name}"))
    for sel, ptr in selectors:
        if sel.track is not None and sel.track not in tracks:
            problems.append(
                Problem(
                    message=f"no track named {sel.track!r} (the tracks: "
                    f"{', '.join(sorted(tracks)) or 'none'})",
                    file=file,
                    pointer=f"{ptr}/track",
                )
            )
    for i, req in enumerate(program.require):
        if req.weeks is not None:
            beyond = [w for w in req.week_numbers(520) if w > program.weeks]
            if beyond and not (isinstance(req.weeks, Weeks) and req.weeks.from_ <= program.weeks):
                problems.append(
                    Problem(
                        message=f"week {beyond[0]} is after the program's last week "
                        f"({program.weeks})",
                        file=file,
                        pointer=f"/require/{i}/weeks",
                    )
                )
    for i, group in enumerate(program.groups):
        taught = any(t.group == group.name for t in program.tracks)
        if group.place is not Place.BESIDE and not group.fill and not taught:
            problems.append(
                Problem(
                    message=f"group {group.name!r} meets {group.place.value} the session "
                    "but has no fill list and no track teaches in it, so its sittings "
                    "would have nothing to hold: give it a fill list, or a track with "
                    f"group: {group.name}",
                    file=file,
                    pointer=f"/groups/{i}",
                )
            )
    if program.cycle:
        problems += _cycle_problems(program, catalog)
    if problems:
        raise ProgramError(problems)


def _cycle_problems(program: Program, catalog: Catalog) -> list[Problem]:
    """Modules too long for the cycle: a cycle runs each track whole, so a module whose
    lessons need more weeks than the cycle has can never fit."""
    problems = []
    days = len(program.days)
    for i, track in enumerate(program.tracks):
        active = len(track.days) if track.days is not None else days
        per_week = active * (track.per_session.max if track.per_session.max is not None else 10**6)
        if track.per_week.max is not None:
            per_week = min(per_week, track.per_week.max)
        most = per_week * program.weeks
        for j, module_id in enumerate(track.modules):
            if module_id not in catalog:
                continue
            lessons = len(catalog.module(module_id).lessons)
            if lessons > most:
                problems.append(
                    Problem(
                        message=f"module {module_id!r} has {plural(lessons, 'lesson')}, but a "
                        f"cycle of {plural(program.weeks, 'week')} holds at most "
                        f"{plural(most, 'lesson')} of track {track.name!r}: the cycle is "
                        "shorter than the module",
                        file=program.file,
                        pointer=f"/tracks/{i}/modules/{j}",
                    )
                )
    return problems
