"""iopkit: plan, compose, validate and export Intensive Outpatient Program curricula.

The building blocks (:class:`TherapyModality`, :class:`Activity`, :class:`SkillModule`,
:class:`Session`) are frozen attrs classes, validated on construction. A
:class:`Catalog` holds them by id; :func:`builtin_catalog` is the starter content and
:func:`load_catalog` reads a clinic's own files. Programs, the composer and the validator
live in :mod:`iopkit.curriculum`; exports in :mod:`iopkit.export`.

iopkit supports planning. It is not clinical or billing advice.
"""

from typing import TYPE_CHECKING

from iopkit._activity import Activity
from iopkit._budget import Budget
from iopkit._catalog import Catalog
from iopkit._files._schemas import schema, schema_registry
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit._public import lazy, publish
from iopkit._session import Block, Pause, Session, SessionGroup
from iopkit._types import ActivityKind, Format, Place, Range, Weekday

if TYPE_CHECKING:
    from iopkit._files._load import builtin_catalog, dump_catalog, load_catalog

__version__ = "0.1.0"

#: Names of the file reader, imported on first use: building objects needs no YAML.
_FILES = frozenset({"builtin_catalog", "dump_catalog", "load_catalog"})


__getattr__, __dir__ = lazy(globals(), _FILES, "iopkit._files._load")


__all__ = [
    "Activity",
    "ActivityKind",
    "Block",
    "Budget",
    "Catalog",
    "Format",
    "Pause",
    "Place",
    "Range",
    "Session",
    "SessionGroup",
    "SkillModule",
    "TherapyModality",
    "Weekday",
    "__version__",
    "builtin_catalog",
    "dump_catalog",
    "load_catalog",
    "schema",
    "schema_registry",
]


publish(__name__, globals(), [n for n in __all__ if n not in _FILES])
