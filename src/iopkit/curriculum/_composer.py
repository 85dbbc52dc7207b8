"""The composer: a valid multi-week curriculum, or the reasons none exists."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence

import attrs

from iopkit._catalog import Catalog
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._files import check_references, program_catalog
from iopkit.curriculum._menu import MenuMaker, filler_classes
from iopkit.curriculum._model import compile_model
from iopkit.curriculum._profiles import Profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._realize import Realizer
from iopkit.curriculum._rules import Context, Rule, run
from iopkit.curriculum._search import Search
from iopkit.curriculum._validator import all_rules, resolve_profiles
from iopkit.errors import IopkitError


@attrs.frozen(kw_only=True)
class Reason:
    """One limit that takes part in a conflict.

    Attributes:
        rule: The id of the limit, such as ``"session.minutes"`` or
            ``"asam-2.1-adult:weekly_minutes"``.
        message: The limit in words, with its numbers.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [{self.rule}]"


class InfeasibleError(IopkitError):
    """No curriculum meets every limit of the program.

    Attributes:
        reasons: A minimal set of conflicting limits: together they cannot be met, and
            without any one of them the rest can.
        summary: The arithmetic behind the conflict, when there is some.
        minimal: Whether minimality was proven; ``False`` when some checks ran out of
            time (the limits still conflict, but one may be more than needed).
    """

    def __init__(
        self, reasons: Sequence[Reason], summary: str = "", *, minimal: bool = True
    ) -> None:
        self.reasons = tuple(reasons)
        self.summary = summary
        self.minimal = minimal
        lines = ["no curriculum meets every limit of the program"]
        if summary:
            lines.append(summary)
        if minimal:
            lines.append("these limits conflict (drop any one and the rest can be met):")
        else:
            lines.append("these limits conflict (time ran out before the list was made minimal):")
        lines += [f"  - {r}" for r in self.reasons]
        super().__init__("\n".join(lines))


def _attempt(
    program: Program,
    catalog: Catalog,
    rules: Sequence[Rule],
    seed: int,
    deadline: float | None,
    budget: float | None,
) -> Curriculum | None:
    model = compile_model(program, catalog, rules)
    classes = filler_classes(model)
    search = Search(model, MenuMaker(model, classes), seed, deadline, budget)
    search.menus.tick = search.tick
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        found = search.run()
    finally:
        sys.setrecursionlimit(old)
    if not found:
        return None
    weeks = Realizer(model, classes, seed).weeks(search)
    return Curriculum(program=program, weeks=tuple(weeks))


def _infeasible(
    program: Program,
    catalog: Catalog,
    rules: Sequence[Rule],
    quick: object,
    deadline: float | None,
    budget: float | None,
) -> InfeasibleError:
    from iopkit.curriculum._explain import explain

    del budget
    reasons, summary, minimal = explain(program, catalog, rules, quick, deadline)  # type: ignore[arg-type]
    return InfeasibleError(reasons, summary, minimal=minimal)


def compose(
    program: Program,
    catalog: Catalog | None = None,
    *,
    seed: int = 0,
    profiles: Iterable[str | Profile] = (),
    budget: float | None = None,
) -> Curriculum:
    """Assemble a curriculum that meets every limit of the program and its profiles.

    Args:
        program: The limits to meet.
        catalog: The content to draw on; by default the program's ``catalogs``.
        seed: Different seeds may give different valid curricula; the same seed always
            gives the same one.
        profiles: Compliance profiles to meet besides the program's own.
        budget: Seconds the composer may take; past it, :class:`~iopkit.errors.BudgetExceededError`.

    Returns:
        A curriculum that :func:`validate` passes with no violation.

    Raises:
        InfeasibleError: no curriculum meets every limit; ``reasons`` says why.
        BudgetExceededError: the time budget ran out first.
        ProgramError: the program names something the catalog does not have.
    """
    catalog = catalog if catalog is not None else program_catalog(program)
    check_references(program, catalog)
    rules = all_rules(program, resolve_profiles(program, profiles))
    deadline = time.monotonic() + budget if budget is not None else None
    from iopkit.curriculum._explain import quick_conflict

    quick = quick_conflict(program, catalog, rules)
    if quick is not None:
        raise _infeasible(program, catalog, rules, quick, deadline, budget)
    result = _attempt(program, catalog, rules, seed, deadline, budget)
    if result is None:
        raise _infeasible(program, catalog, rules, None, deadline, budget)
    violations = run(rules, result, Context(program=program, catalog=catalog))
    if violations:  # pragma: no cover - would be a bug in the composer
        shown = "; ".join(str(v) for v in violations[:5])
        raise RuntimeError(f"internal error: the composed curriculum breaks rules: {shown}")
    return result
