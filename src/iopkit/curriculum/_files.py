"""Program and curriculum files, and the catalog a program draws on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from iopkit._catalog import Catalog
from iopkit._converter import converter, structure
from iopkit._documents import Document
from iopkit._io import BUILTIN, builtin_catalog, locate, read_checked, to_text, write_atomic
from iopkit._io import load_catalog as _load_catalog
from iopkit._types import ActivityKind, Weekday
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._program import (
    BreakRule,
    Count,
    Per,
    Population,
    Program,
    Requirement,
    RollingAdmission,
    SessionShape,
    Track,
    WeeklyMinutes,
    Weeks,
)
from iopkit.curriculum._selector import Selector
from iopkit.errors import FileFormatError, Problem, ProgramError

for _enum in (Population, Per, Count):
    converter.register_unstructure_hook(_enum, lambda v: v.value)

_SELECTOR_KEYS = ("activity", "kind", "modality", "format", "min_minutes")


def _structure_requirement(data: Any, _type: object) -> Requirement:
    data = dict(data)
    selector = Selector(**{k: data.pop(k) for k in _SELECTOR_KEYS if k in data})
    return Requirement(selector=selector, **data)


def _unstructure_requirement(req: Requirement) -> dict[str, Any]:
    sel = req.selector
    result: dict[str, Any] = {}
    if sel.activity is not None:
        result["activity"] = sel.activity
    if sel.kind is not None:
        kinds = [k.value for k in sel.kind]
        result["kind"] = kinds[0] if len(kinds) == 1 else kinds
    if sel.modality is not None:
        result["modality"] = sel.modality
    if sel.format is not None:
        result["format"] = sel.format.value
    if sel.min_minutes is not None:
        result["min_minutes"] = sel.min_minutes
    result["per"] = req.per.value
    result["min"] = req.min
    if req.max is not None:
        result["max"] = req.max
    return result


converter.register_structure_hook(Requirement, _structure_requirement)
converter.register_unstructure_hook(Requirement, _unstructure_requirement)


def _structure_weeks(data: Any, _type: object) -> Weeks:
    return Weeks(from_=data.get("from", 1), to=data.get("to"))


def _unstructure_weeks(weeks: Weeks) -> dict[str, int]:
    result = {"from": weeks.from_}
    if weeks.to is not None:
        result["to"] = weeks.to
    return result


converter.register_structure_hook(Weeks, _structure_weeks)
converter.register_unstructure_hook(Weeks, _unstructure_weeks)
converter.register_structure_hook(
    tuple[Weekday, ...] | None, lambda v, _: None if v is None else tuple(Weekday(d) for d in v)
)
converter.register_structure_hook(
    tuple[ActivityKind, ...] | None,
    lambda v, _: (
        None if v is None else tuple(ActivityKind(k) for k in ([v] if isinstance(v, str) else v))
    ),
)

for _cls in (BreakRule, SessionShape, WeeklyMinutes, Track, RollingAdmission):
    converter.register_unstructure_hook(
        _cls, make_dict_unstructure_fn(_cls, converter, _cattrs_omit_if_default=True)
    )
    converter.register_structure_hook(
        _cls, make_dict_structure_fn(_cls, converter, _cattrs_forbid_extra_keys=True)
    )

_program_unstructure = make_dict_unstructure_fn(
    Program, converter, _cattrs_omit_if_default=True, base_dir=override(omit=True)
)
_program_structure = make_dict_structure_fn(
    Program, converter, _cattrs_forbid_extra_keys=True, base_dir=override(omit=True)
)


def program_document(program: Program) -> dict[str, Any]:
    """The program as a plain document, ``iopkit: program/1`` first."""
    return {"iopkit": "program/1", **_program_unstructure(program)}


def _structure_program(data: Any, _type: object) -> Program:
    data = dict(data)
    data.pop("iopkit", None)
    return _program_structure(data, Program)


converter.register_structure_hook(Program, _structure_program)
converter.register_unstructure_hook(Program, program_document)


def _structure_curriculum(data: Any, _type: object) -> Curriculum:
    return Curriculum(
        program=converter.structure(data["program"], Program),
        weeks=converter.structure(data["weeks"], list[Week]),
    )


def curriculum_document(curriculum: Curriculum) -> dict[str, Any]:
    """The curriculum as a plain document, ``iopkit: curriculum/1`` first."""
    return {
        "iopkit": "curriculum/1",
        "program": program_document(curriculum.program),
        "weeks": [
            {"number": w.number, "sessions": [converter.unstructure(s) for s in w.sessions]}
            for w in curriculum.weeks
        ],
    }


converter.register_structure_hook(Curriculum, _structure_curriculum)
converter.register_unstructure_hook(Curriculum, curriculum_document)
converter.register_structure_hook(
    Week, make_dict_structure_fn(Week, converter, _cattrs_forbid_extra_keys=True)
)


def _structured(document: Document, cls: type[Any]) -> Any:
    try:
        return structure(document, cls)
    except FileFormatError as exc:
        raise FileFormatError(locate(document, exc.problems)) from None


def load_program(path: str | os.PathLike[str]) -> Program:
    """Load a program file (YAML or JSON, ``iopkit: program/1``).

    Relative catalog and profile paths in it are read from the file's folder.

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema, or its
            values contradict each other; every problem is listed with its location.
    """
    document = read_checked(path, "program")
    program: Program = _structured(document, Program)
    return attrs.evolve(program, base_dir=Path(path).resolve().parent)


def dump_program(program: Program, path: str | os.PathLike[str]) -> None:
    """Write a program as YAML (or JSON for ``.json``) that loads to an equal program."""
    write_atomic(path, to_text(program_document(program), path))


def load_curriculum(path: str | os.PathLike[str]) -> Curriculum:
    """Load a curriculum JSON file (``iopkit: curriculum/1``).

    Relative catalog and profile paths in its program are read from the file's folder.

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema, or its
            sessions are inconsistent (gaps, overlaps, wrong totals).
    """
    document = read_checked(path, "curriculum")
    curriculum: Curriculum = _structured(document, Curriculum)
    program = attrs.evolve(curriculum.program, base_dir=Path(path).resolve().parent)
    return attrs.evolve(curriculum, program=program)


def curriculum_json(curriculum: Curriculum) -> str:
    """The canonical JSON text of a curriculum: equal curricula give identical text."""
    return json.dumps(curriculum_document(curriculum), indent=2, ensure_ascii=False) + "\n"


def dump_curriculum(curriculum: Curriculum, path: str | os.PathLike[str]) -> None:
    """Write a curriculum as canonical JSON (atomically: old file intact on failure)."""
    write_atomic(path, curriculum_json(curriculum))


def program_catalog(program: Program) -> Catalog:
    """The catalog a program draws on: its ``catalogs`` merged in order.

    Raises:
        FileFormatError, CatalogError: a catalog file is bad.
    """
    catalog: Catalog | None = None
    for entry in program.catalogs:
        if entry == BUILTIN:
            part = builtin_catalog()
            catalog = part if catalog is None else catalog.merge(part)
        else:
            path = Path(entry)
            if not path.is_absolute() and program.base_dir is not None:
                path = program.base_dir / path
            catalog = _load_catalog(path, base=catalog)
    return catalog if catalog is not None else Catalog()


def check_references(program: Program, catalog: Catalog, file: str | None = None) -> None:
    """Check that every id the program names exists in the catalog.

    Raises:
        ProgramError: listing every unknown id with its location in the program.
    """
    problems: list[Problem] = []

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
                        message=f"the break activity {act.id!r} is of kind {act.kind.value}, not break",
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
