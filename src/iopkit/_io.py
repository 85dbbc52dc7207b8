"""Loading and saving iopkit files: catalogs here, and the machinery all files share."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._converter import converter, structure
from iopkit._documents import Document, parse_document, read_document
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit._schemas import SchemaName, check
from iopkit.errors import CatalogError, Problem

#: The name that stands for the built-in catalog in a program's ``catalogs`` list.
BUILTIN = "builtin"

_SECTIONS: dict[str, type[Any]] = {
    "modalities": list[TherapyModality],
    "activities": list[Activity],
    "modules": list[SkillModule],
}


def read_checked(path: str | os.PathLike[str], name: SchemaName) -> Document:
    """Read a file and check it against its JSON Schema."""
    document = read_document(path)
    check(document, name)
    return document


def locate(document: Document, problems: tuple[Problem, ...]) -> list[Problem]:
    """Add line numbers from ``document`` to the problems found in it."""
    return [
        Problem(message=p.message, file=p.file, pointer=p.pointer, line=document.line_of(p.pointer))
        if p.file == document.file and p.line is None
        else p
        for p in problems
    ]


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


def load_catalog(path: str | os.PathLike[str], *, base: Catalog | None = None) -> Catalog:
    """Load a catalog file (YAML or JSON, ``iopkit: catalog/1``).

    Args:
        path: The file to read.
        base: A catalog the file builds on (often :func:`builtin_catalog`): the file may
            refer to its ids, and the result holds both.

    Raises:
        FileFormatError: the file is unreadable, malformed or does not match the schema;
            every problem is listed with its JSON pointer (and line, for YAML).
        CatalogError: duplicate ids, unknown references or prerequisite cycles.
    """
    return catalog_from_document(read_checked(path, "catalog"), base)


def shipped_documents(folder: str, name: SchemaName) -> Iterator[Document]:
    """The YAML documents in a folder of the package's data, checked, in name order."""
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
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part.

    The content goes to a temporary file in the same folder, is flushed to disk, then
    renamed over the target. On any failure the target is left as it was.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def dump_catalog(catalog: Catalog, path: str | os.PathLike[str]) -> None:
    """Write a catalog as YAML, or JSON when the path ends in ``.json``.

    The file loads back (without a ``base``) to an equal catalog.
    """
    write_atomic(path, to_text(converter.unstructure(catalog), path))
