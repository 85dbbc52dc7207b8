"""Exports: a curriculum as JSON, Markdown, HTML, iCalendar, CSV or FHIR.

Each function takes a :class:`~iopkit.curriculum.Curriculum` and returns text (or bytes
for iCalendar); options are keyword-only. :data:`FORMATS` maps the command line's format
names to them. Every export shows clock times, durations as ``9 h 05 min``, module titles
(``CBT foundations, lesson 1 of 3``), closed dates and make-up sessions, and says that
iopkit is not clinical or billing advice. Names and titles are text, never markup: each
format escapes them, and control characters in them become spaces.

A session's groups (beside, before or after its main blocks) are in every export. The
``journey_*`` functions export what one patient attends (a journey, from
``journey(curriculum, admitted)``): JSON (``journey/1``), Markdown, HTML, iCalendar and
a FHIR R5 CarePlan; :data:`JOURNEY_FORMATS` maps the command line's names to them.
"""

from collections.abc import Callable as _Callable
from collections.abc import Mapping as _Mapping
from types import MappingProxyType as _MappingProxyType

from iopkit._checks import READ_CURRICULUM as _READ_CURRICULUM
from iopkit._checks import expect as _expect
from iopkit._files._load import curriculum_json as _curriculum_json
from iopkit._public import publish as _publish
from iopkit.curriculum._curriculum import Curriculum as _Curriculum
from iopkit.curriculum._journey import Journey as _Journey
from iopkit.export._csv import to_csv
from iopkit.export._fhir import to_fhir, to_fhir_json
from iopkit.export._html import to_html
from iopkit.export._ics import to_ics, to_ics_objects
from iopkit.export._journey import (
    journey_fhir,
    journey_fhir_json,
    journey_html,
    journey_ics,
    journey_ics_objects,
    journey_json,
    journey_markdown,
)
from iopkit.export._markdown import to_markdown


def to_json(curriculum: _Curriculum) -> str:
    """The curriculum as canonical JSON text, the curriculum file format (as
    :func:`~iopkit.curriculum.curriculum_json`): equal curricula give identical text, and
    it carries the catalog items and profiles it needs that are not built in."""
    _expect(curriculum, _Curriculum, "to_json() takes a Curriculum", _READ_CURRICULUM)
    return _curriculum_json(curriculum)


#: Format name -> exporter; each returns ``str`` or ``bytes``. Read-only: the table is
#: shared by every caller (and thread) in the process.
FORMATS: _Mapping[str, _Callable[[_Curriculum], str | bytes]] = _MappingProxyType(
    {
        "json": to_json,
        "md": to_markdown,
        "html": to_html,
        "ics": to_ics,
        "csv": to_csv,
        "fhir": to_fhir_json,
    }
)

#: Format name -> journey exporter (curriculum, journey); each returns ``str`` or ``bytes``.
#: Read-only, as ``FORMATS``.
JOURNEY_FORMATS: _Mapping[str, _Callable[[_Curriculum, _Journey], str | bytes]] = _MappingProxyType(
    {
        "json": journey_json,
        "md": journey_markdown,
        "html": journey_html,
        "ics": journey_ics,
        "fhir": journey_fhir_json,
    }
)

__all__ = [
    "FORMATS",
    "JOURNEY_FORMATS",
    "journey_fhir",
    "journey_fhir_json",
    "journey_html",
    "journey_ics",
    "journey_ics_objects",
    "journey_json",
    "journey_markdown",
    "to_csv",
    "to_fhir",
    "to_fhir_json",
    "to_html",
    "to_ics",
    "to_ics_objects",
    "to_json",
    "to_markdown",
]


_publish(__name__, globals(), __all__)
