"""Reading and writing iopkit's files: catalogs, programs, curricula and profiles.

This is the edge where paths are resolved. A program's catalog and profile references are
read here, once, and the loaded program carries what they hold, so that composing and
validating never touch the disk. References may only reach files under the program's own
folder, or under roots the caller allows; a program read from bytes (an upload) resolves
no path at all unless the caller allows a root.
"""

from __future__ import annotations

import functools
import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._files._documents import Document, dump_yaml, parse_document, pointer, read_limit
from iopkit._files._schemas import SchemaName, check
from iopkit._files._write import write_atomic
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit.errors import CatalogError, FileFormatError, InputError, Problem, excerpt

if TYPE_CHECKING:
    from iopkit.curriculum._curriculum import Curriculum, Week
    from iopkit.curriculum._profile import Profile
    from iopkit.curriculum._program import Program

#: The name that stands for the built-in catalog in a program's ``catalogs`` list.
BUILTIN = "builtin"

Source = str | os.PathLike[str] | bytes

_SECTIONS: dict[str, type[Any]] = {
    "modalities": list[TherapyModality],
    "activities": list[Activity],
    "modules": list[SkillModule],
}


# -- reading -------------------------------------------------------------------------------


def _open_regular(path: Path) -> bytes:
    """The bytes of a regular file, read up to the size limit; anything else (a FIFO, a
    device, a folder, standard input) is refused before it is opened for reading."""
    name = str(path)
    limit = read_limit(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileFormatError(
            [Problem(message=f"cannot read the file: {exc.strerror}", file=name)]
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileFormatError(
            [Problem(message="this is not a regular file, so it is not read", file=name)]
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileFormatError(
            [Problem(message=f"cannot read the file: {exc.strerror}", file=name)]
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the check
            raise FileFormatError(
                [Problem(message="this is not a regular file, so it is not read", file=name)]
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise FileFormatError(
            [Problem(message=f"cannot read the file: {exc.strerror}", file=name)]
        ) from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise FileFormatError(
            [
                Problem(
                    message=f"the file is larger than the limit of {limit // 1024 // 1024} MiB",
                    file=name,
                )
            ]
        )
    return raw


def read(source: Source, name: SchemaName, *, label: str | None = None) -> Document:
    """Read a file (or bytes) and check it against its JSON Schema."""
    if isinstance(source, bytes):
        is_json = source.lstrip()[:1] in (b"{", b"[")
        document = parse_document(source, label or "<upload>", is_json=is_json)
    else:
        path = Path(source)
        document = parse_document(
            _open_regular(path), str(path), is_json=path.suffix.lower() == ".json"
        )
    check(document, name)
    return document


def locate(document: Document, problems: Iterable[Problem]) -> list[Problem]:
    """Add line numbers from ``document`` to the problems found in it."""
    return [
        Problem(message=p.message, file=p.file, pointer=p.pointer, line=document.line_of(p.pointer))
        if p.file == document.file and p.line is None
        else p
        for p in problems
    ]


def structure(document: Document, cls: type[Any], base: tuple[str | int, ...] = ()) -> Any:
    """Structure a schema-valid document into ``cls``, reporting every failure at once,
    located by pointer and line."""
    from cattrs.errors import ClassValidationError, IterableValidationError

    from iopkit._files._converter import converter, message, walk

    try:
        return converter.structure(document.data, cls)
    except (ClassValidationError, IterableValidationError, InputError) as exc:
        problems = [
            document.problem(message(inner), pointer(list(base + path)))
            for path, inner in walk(exc, ())
        ]
        raise FileFormatError(problems) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise FileFormatError([document.problem(message(exc), pointer(list(base)))]) from None


# -- where references may lead -----------------------------------------------------------


def _roots(roots: Iterable[str | os.PathLike[str]]) -> tuple[Path, ...]:
    return tuple(Path(os.path.realpath(r)) for r in roots)


def _contained(target: Path, roots: Sequence[Path]) -> bool:
    real = Path(os.path.realpath(target))
    return any(real == root or root in real.parents for root in roots)


def _reference(
    entry: str, folder: Path | None, roots: Sequence[Path], document: Document, ptr: str
) -> Path:
    """The file a catalog or profile reference names, if it lies under an allowed root."""
    if "\x00" in entry:
        raise FileFormatError([document.problem("a file reference holds a NUL character", ptr)])
    path = Path(entry)
    if not path.is_absolute():
        if folder is None:
            raise FileFormatError(
                [
                    document.problem(
                        f"the reference {excerpt(entry)} names a file, but this program was "
                        "read from bytes and no folder was allowed for its references",
                        ptr,
                    )
                ]
            )
        path = folder / path
    if not roots or not _contained(path, roots):
        raise FileFormatError(
            [
                document.problem(
                    f"the reference {excerpt(entry)} leads outside the folders references may "
                    "reach (the program's own folder, or those allowed with --allow)",
                    ptr,
                )
            ]
        )
    return path


# -- catalogs --------------------------------------------------------------------------------


def catalog_from_document(document: Document, base: Catalog | None = None) -> Catalog:
    """Build a catalog from a schema-valid document, checked together with ``base``."""
    base = base or Catalog()
    parts: dict[str, Any] = {}
    for section, section_type in _SECTIONS.items():
        sub = Document(
            data=document.data.get(section, []), file=document.file, lines=document.lines
        )
        parts[section] = tuple(structure(sub, section_type, (section,)))
    try:
        return Catalog(
            modalities=base.modalities + parts["modalities"],
            activities=base.activities + parts["activities"],
            modules=base.modules + parts["modules"],
            origins={
                section: base.section_origins(section)
                + tuple((document.file, f"/{section}/{i}") for i in range(len(parts[section])))
                for section in _SECTIONS
            },
        )
    except CatalogError as exc:
        raise CatalogError(locate(document, exc.problems)) from None


def load_catalog(source: Source, *, base: Catalog | None = None) -> Catalog:
    """Load a catalog file (YAML or JSON, ``iopkit: catalog/1``), or catalog bytes.

    Args:
        source: The file to read, or its content as bytes.
        base: A catalog the file builds on (often :func:`builtin_catalog`): the file may
            refer to its ids, and the result holds both.

    Raises:
        FileFormatError: the file is unreadable, not a regular file, malformed or does
            not match the schema; every problem is listed with its JSON pointer (and line,
            for YAML).
        CatalogError: duplicate ids, unknown references or prerequisite cycles.
    """
    return catalog_from_document(read(source, "catalog"), base)


def shipped_documents(folder: str, name: SchemaName) -> Iterator[Document]:
    """The YAML documents in a folder of the package's data, in name order."""
    from importlib import resources

    root = resources.files("iopkit").joinpath("data", folder)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            document = parse_document(entry.read_bytes(), f"<builtin>/{folder}/{entry.name}")
            check(document, name)
            yield document


@functools.cache
def builtin_catalog() -> Catalog:
    """The catalog shipped with iopkit: common IOP activities and skill modules."""
    catalog = Catalog()
    for document in shipped_documents("catalog", "catalog"):
        catalog = catalog_from_document(document, catalog)
    return catalog


def to_text(data: Any, path: str | os.PathLike[str]) -> str:
    """Serialise plain data as JSON (for ``.json``) or YAML (otherwise)."""
    if Path(path).suffix.lower() == ".json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return dump_yaml(data)


def dump_catalog(catalog: Catalog, path: str | os.PathLike[str]) -> None:
    """Write a catalog as YAML, or JSON when the path ends in ``.json``.

    The file loads back (without a ``base``) to an equal catalog.
    """
    from iopkit._files._converter import converter

    write_atomic(path, to_text(converter.unstructure(catalog), path))


# -- profiles --------------------------------------------------------------------------------


def load_profile(source: Source) -> Profile:
    """Load a profile file (YAML or JSON, ``iopkit: profile/1``), or profile bytes.

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema.
    """
    from iopkit.curriculum._profile import Profile

    document = read(source, "profile")
    profile: Profile = structure(document, Profile)
    return attrs.evolve(profile, file=document.file)


@functools.cache
def builtin_profiles() -> dict[str, Profile]:
    """The compliance profiles shipped with iopkit, by id."""
    from iopkit.curriculum._profile import Profile

    found: dict[str, Profile] = {}
    for document in shipped_documents("profiles", "profile"):
        profile = structure(document, Profile)
        found[profile.id] = profile
    return found


# -- programs ----------------------------------------------------------------------------------


def _resolve_program(
    program: Program, document: Document, folder: Path | None, roots: Sequence[Path]
) -> Program:
    catalog: Catalog | None = None
    for index, entry in enumerate(program.catalogs):
        if entry == BUILTIN:
            part = builtin_catalog()
            catalog = part if catalog is None else catalog.merge(part)
        else:
            path = _reference(entry, folder, roots, document, f"/catalogs/{index}")
            catalog = load_catalog(path, base=catalog)
    definitions = []
    builtin = builtin_profiles()
    for index, entry in enumerate(program.profiles):
        if entry in builtin or not entry.endswith((".yaml", ".yml", ".json")):
            continue
        path = _reference(entry, folder, roots, document, f"/profiles/{index}")
        definitions.append((entry, load_profile(path)))
    return attrs.evolve(
        program,
        catalog=catalog if catalog is not None else Catalog(),
        profile_definitions=tuple(definitions),
        file=document.file,
    )


def program_from_document(
    document: Document, folder: Path | None, roots: Iterable[str | os.PathLike[str]]
) -> Program:
    """A program from a schema-valid document, its references resolved."""
    from iopkit.curriculum._program import Program

    program: Program = structure(document, Program)
    return _resolve_program(program, document, folder, _roots(roots))


def load_program(
    source: Source, *, roots: Iterable[str | os.PathLike[str]] | None = None
) -> Program:
    """Load a program file (YAML or JSON, ``iopkit: program/1``), or program bytes.

    Catalog and profile files the program names are read now, and the program carries
    them; relative references are read from the program file's folder. They may only
    reach files under ``roots`` (by default the program's own folder); symbolic links are
    followed before the check, so they cannot lead outside. A program given as bytes
    resolves no file reference unless ``roots`` allows one (relative references are then
    read from the first root).

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema, its values
            contradict each other, or a reference leads outside the allowed folders; every
            problem is listed with its location.
    """
    document = read(source, "program")
    if isinstance(source, bytes):
        allowed = list(roots or ())
        folder = Path(allowed[0]) if allowed else None
    else:
        folder = Path(os.path.realpath(source)).parent
        allowed = list(roots) if roots is not None else [folder]
    return program_from_document(document, folder, allowed)


def dump_program(program: Program, path: str | os.PathLike[str]) -> None:
    """Write a program as YAML (or JSON for ``.json``) that loads to an equal program."""
    from iopkit._files._converter import program_document

    write_atomic(path, to_text(program_document(program), path))


# -- curricula -----------------------------------------------------------------------------------


def carried(
    curriculum: Curriculum, catalog: Catalog, profiles: Sequence[tuple[str, Profile]]
) -> dict[str, Any]:
    """What a curriculum carries so that it can be validated anywhere: the catalog items it
    uses that are not built in, and the profiles that are not built in."""
    from iopkit._files._converter import converter
    from iopkit.curriculum._resolve import program_references

    program = curriculum.program
    builtin = builtin_catalog() if BUILTIN in program.catalogs else Catalog()
    named: dict[str, set[str]] = {"activity": set(), "module": set(), "modality": set()}
    # every id the program names (the reference check reads the same list), and the
    # selectors of its own profiles
    for ref in program_references(program):
        named[ref.section].add(ref.id)
    for _, profile in profiles:
        for req in profile.require:
            for section, value in (
                ("activity", req.selector.activity),
                ("module", req.selector.module),
                ("modality", req.selector.modality),
            ):
                if value is not None:
                    named[section].add(value)
    activities, modules, modalities = named["activity"], named["module"], named["modality"]
    for _, _, _, block in curriculum.blocks():
        if block.module is not None:
            modules.add(block.module)
        elif block.activity in catalog and not catalog.lesson_of(block.activity):
            activities.add(block.activity)
    pending = list(modules)
    while pending:
        module_id = pending.pop()
        if module_id not in catalog:
            continue
        for required in catalog.module(module_id).requires:
            if required not in modules:
                modules.add(required)
                pending.append(required)

    def own(section: str, items: Sequence[Any], wanted: set[str]) -> list[Any]:
        known = {i.id: i for i in getattr(builtin, section)}
        return [i for i in items if i.id in wanted and known.get(i.id) != i]

    extra_modules = own("modules", catalog.modules, modules)
    extra_activities = own("activities", catalog.activities, activities)
    for item in (*extra_activities, *extra_modules):
        if item.modality:
            modalities.add(item.modality)
        for lesson in getattr(item, "lessons", ()):
            if lesson.modality:
                modalities.add(lesson.modality)
    extra_modalities = own("modalities", catalog.modalities, modalities)
    result: dict[str, Any] = {}
    document: dict[str, Any] = {}
    if extra_modalities:
        document["modalities"] = [converter.unstructure(m) for m in extra_modalities]
    if extra_activities:
        document["activities"] = [converter.unstructure(a) for a in extra_activities]
    if extra_modules:
        document["modules"] = [converter.unstructure(m) for m in extra_modules]
    if document:
        result["catalog"] = document
    builtin_ids = builtin_profiles()
    own_profiles = [(ref, p) for ref, p in profiles if builtin_ids.get(p.id) != p]
    if own_profiles:
        result["profiles"] = [
            {"reference": ref, "profile": converter.unstructure(p)} for ref, p in own_profiles
        ]
    return result


def curriculum_json(curriculum: Curriculum) -> str:
    """The canonical JSON text of a curriculum: equal curricula give identical text. It
    carries the catalog items and profiles the curriculum needs that are not built in."""
    from iopkit._files._converter import curriculum_document
    from iopkit.curriculum._resolve import program_catalog

    program = curriculum.program
    extra = carried(curriculum, program_catalog(program), program.profile_definitions)
    return json.dumps(curriculum_document(curriculum, extra), indent=2, ensure_ascii=False) + "\n"


def dump_curriculum(curriculum: Curriculum, path: str | os.PathLike[str]) -> None:
    """Write a curriculum as canonical JSON (atomically: old file intact on failure)."""
    write_atomic(path, curriculum_json(curriculum))


def load_curriculum(source: Source) -> Curriculum:
    """Load a curriculum JSON file (``iopkit: curriculum/1``), or curriculum bytes.

    The curriculum carries the catalog items and profiles it needs that are not built in,
    so it validates anywhere; no other file is read.

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema, or its
            sessions are inconsistent (gaps, overlaps, wrong totals).
    """
    from iopkit.curriculum._curriculum import Curriculum
    from iopkit.curriculum._profile import Profile
    from iopkit.curriculum._program import Program

    document = read(source, "curriculum")
    data = document.data
    program_doc = Document(data=data["program"], file=document.file, lines=document.lines)
    program: Program = structure(program_doc, Program, ("program",))
    base = builtin_catalog() if BUILTIN in program.catalogs else Catalog()
    catalog = base
    if "catalog" in data:
        own = Document(
            data={"iopkit": "catalog/1", **data["catalog"]},
            file=document.file,
            lines=document.lines,
        )
        catalog = _carried_catalog(own, base)
    definitions = []
    for index, item in enumerate(data.get("profiles", [])):
        sub = Document(data=item["profile"], file=document.file, lines=document.lines)
        loaded: Profile = structure(sub, Profile, ("profiles", index, "profile"))
        definitions.append((item["reference"], loaded))
    program = attrs.evolve(
        program, catalog=catalog, profile_definitions=tuple(definitions), file=document.file
    )
    weeks = weeks_from_document(document)
    try:
        return Curriculum(program=program, weeks=tuple(weeks))
    except (ValueError, TypeError) as exc:
        raise FileFormatError([document.problem(str(exc), "/weeks")]) from None


def weeks_from_document(document: Document) -> list[Week]:
    """The weeks of a schema-valid curriculum document, built directly (the schema has
    checked every key and type; the objects check the rest), every problem located."""
    import datetime as dt

    from iopkit._session import Block, Session, SessionGroup
    from iopkit.curriculum._curriculum import Week

    problems: list[Problem] = []
    weeks = []

    def blocks_of(items: list[Any], where: str) -> list[Block] | None:
        found = []
        for k, b in enumerate(items):
            try:
                found.append(
                    Block(
                        start=b["start"],
                        minutes=b["minutes"],
                        activity=b["activity"],
                        title=b["title"],
                        kind=b["kind"],
                        format=b["format"],
                        modality=b["modality"],
                        module=b["module"],
                        lesson=b["lesson"],
                        track=b["track"],
                        objectives=b.get("objectives", ()),
                        pause=b.get("pause"),
                    )
                )
            except (ValueError, TypeError) as exc:
                problems.append(document.problem(str(exc), f"{where}/blocks/{k}"))
        return found if len(found) == len(items) else None

    def group_of(raw: Any, where: str) -> SessionGroup | None:
        blocks = blocks_of(raw["blocks"], where)
        if blocks is None:
            return None
        try:
            group = SessionGroup(
                name=raw["name"],
                place=raw["place"],
                start=raw["start"],
                blocks=blocks,
                room=raw.get("room"),
                label=raw.get("label"),
            )
        except (ValueError, TypeError) as exc:
            problems.append(document.problem(str(exc), where))
            return None
        for key, value in (("minutes", group.minutes), ("service_minutes", group.service_minutes)):
            if raw[key] != value:
                problems.append(
                    document.problem(
                        f"'{key}' says {raw[key]} but the blocks give {value}", f"{where}/{key}"
                    )
                )
        return group

    for i, week in enumerate(document.data["weeks"]):
        sessions = []
        for j, raw in enumerate(week["sessions"]):
            where = f"/weeks/{i}/sessions/{j}"
            blocks = blocks_of(raw["blocks"], where)
            if blocks is None:
                continue
            groups = [
                group_of(g, f"{where}/groups/{n}") for n, g in enumerate(raw.get("groups", ()))
            ]
            if any(g is None for g in groups):
                continue
            try:
                session = Session(
                    number=raw["number"],
                    day=raw["day"],
                    blocks=blocks,
                    date=dt.date.fromisoformat(raw["date"]) if raw["date"] else None,
                    replaces=(
                        dt.date.fromisoformat(raw["replaces"]) if raw.get("replaces") else None
                    ),
                    groups=[g for g in groups if g is not None],
                )
            except (ValueError, TypeError) as exc:
                problems.append(document.problem(str(exc), where))
                continue
            if raw["minutes"] != session.minutes:
                problems.append(
                    document.problem(
                        f"'minutes' says {raw['minutes']} but the blocks last {session.minutes}",
                        f"{where}/minutes",
                    )
                )
            if raw["service_minutes"] != session.service_minutes:
                problems.append(
                    document.problem(
                        f"'service_minutes' says {raw['service_minutes']} but the blocks hold "
                        f"{session.service_minutes}",
                        f"{where}/service_minutes",
                    )
                )
            sessions.append(session)
        try:
            weeks.append(Week(number=week["number"], sessions=sessions))
        except (ValueError, TypeError) as exc:
            problems.append(document.problem(str(exc), f"/weeks/{i}"))
    if problems:
        raise FileFormatError(problems[:100])
    return weeks


def _carried_catalog(document: Document, base: Catalog) -> Catalog:
    try:
        return catalog_from_document(document, base)
    except CatalogError as exc:
        raise CatalogError(
            [attrs.evolve(p, pointer="/catalog" + p.pointer) for p in exc.problems]
        ) from None


def _publish() -> None:
    """Name the catalog file functions by their public home, ``iopkit``, however this
    module was first imported (the package imports it on first use)."""
    from iopkit import _FILES
    from iopkit._public import publish

    publish("iopkit", globals(), _FILES)


_publish()
