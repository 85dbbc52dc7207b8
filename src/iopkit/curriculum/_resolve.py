"""From what a caller passes to what the composer and the validator work on: a program,
its catalog and its profiles, resolved and checked against each other.

Nothing here reads a user's file. The built-in catalog and profiles ship inside the
package; catalog and profile files are read when a program file is loaded, and the loaded
program carries them (:attr:`Program.catalog`, :attr:`Program.profile_definitions`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from iopkit._catalog import Catalog
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._rules import Inputs
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


def check_references(program: Program, catalog: Catalog) -> None:
    """Check that every id the program names exists in the catalog.

    Raises:
        ProgramError: listing every unknown id with its location in the program.
    """
    problems: list[Problem] = []
    file = program.file

    def need(item_id: str, ptr: str, finder: Any) -> None:
        try:
            finder(item_id)
        except KeyError as exc:
            problems.append(Problem(message=str(exc.args[0]), file=file, pointer=ptr))

    shape = program.session
    for key in ("opening", "closing"):
        for i, item in enumerate(getattr(shape, key)):
            need(item, f"/session/{key}/{i}", catalog.activity)
            if item in catalog and catalog.lesson_of(item):
                problems.append(
                    Problem(
                        message=f"{item!r} is a lesson of a module, not a stand-alone activity",
                        file=file,
                        pointer=f"/session/{key}/{i}",
                    )
                )
    for i, item in enumerate(shape.fill or ()):
        need(item, f"/session/fill/{i}", catalog.activity)
    if shape.breaks is not None:
        need(shape.breaks.activity, "/session/breaks/activity", catalog.activity)
        if shape.breaks.activity in catalog:
            act = catalog.activity(shape.breaks.activity)
            if not act.is_break:
                problems.append(
                    Problem(
                        message=f"the break activity {act.id!r} is of kind {act.kind.value}, "
                        "not break",
                        file=file,
                        pointer="/session/breaks/activity",
                    )
                )
    for i, req in enumerate(program.require):
        sel = req.selector
        if sel.activity is not None:
            need(sel.activity, f"/require/{i}/activity", catalog.activity)
        if sel.modality is not None:
            need(sel.modality, f"/require/{i}/modality", catalog.modality)
    for i, track in enumerate(program.tracks):
        for j, module in enumerate(track.modules):
            need(module, f"/tracks/{i}/modules/{j}", catalog.module)
    if problems:
        raise ProgramError(problems)
