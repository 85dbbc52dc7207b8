"""Exports: a curriculum as JSON, Markdown, HTML, iCalendar, CSV or FHIR.

Each function takes a :class:`~iopkit.curriculum.Curriculum` and returns text (or bytes
for iCalendar); options are keyword-only. :data:`FORMATS` maps the command line's format
names to them. Every export shows clock times, durations as ``9 h 05 min``, module titles
(``CBT foundations, lesson 1 of 3``), closed dates and make-up sessions, and says that
iopkit is not clinical or billing advice. Names and titles are text, never markup: each
format escapes them, and control characters in them become spaces.
"""

from collections.abc import Callable

from iopkit._files._load import curriculum_json as to_json
from iopkit._public import publish
from iopkit.curriculum._curriculum import Curriculum
from iopkit.export._csv import to_csv
from iopkit.export._fhir import to_fhir, to_fhir_json
from iopkit.export._html import to_html
from iopkit.export._ics import to_ics, to_ics_objects
from iopkit.export._markdown import to_markdown

#: Format name -> exporter; each returns ``str`` or ``bytes``.
FORMATS: dict[str, Callable[[Curriculum], str | bytes]] = {
    "json": to_json,
    "md": to_markdown,
    "html": to_html,
    "ics": to_ics,
    "csv": to_csv,
    "fhir": to_fhir_json,
}

__all__ = [
    "FORMATS",
    "to_csv",
    "to_fhir",
    "to_fhir_json",
    "to_html",
    "to_ics",
    "to_ics_objects",
    "to_json",
    "to_markdown",
]


publish(__name__, globals(), __all__)
