"""How curricula, weeks, sessions, reports and explanations look in a notebook
(``_repr_html_``) and in a terminal (``summary()``), built from the same pieces as the
HTML export."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iopkit._session import Session
    from iopkit.curriculum._curriculum import Curriculum, Week
    from iopkit.curriculum._validate import Report
    from iopkit.errors import InfeasibleError


def curriculum_html(curriculum: Curriculum) -> str:
    """A curriculum as an HTML fragment: its week grid with clock times and weekly hours."""
    raise NotImplementedError


def curriculum_summary(curriculum: Curriculum) -> str:
    """A curriculum as a few lines of text for a terminal."""
    raise NotImplementedError


def week_html(week: Week) -> str:
    """One week as an HTML fragment."""
    raise NotImplementedError


def session_html(session: Session) -> str:
    """One session as an HTML fragment."""
    raise NotImplementedError


def report_html(report: Report) -> str:
    """A validation report as an HTML fragment."""
    raise NotImplementedError


def infeasible_html(error: InfeasibleError) -> str:
    """An explanation as an HTML fragment."""
    raise NotImplementedError
