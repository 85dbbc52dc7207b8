"""The composer: a valid multi-week curriculum, or the reasons none exists.

Objects in, objects out: :func:`compose` works on a program, its catalog and profiles
(resolved once, at the edge) and returns a :class:`~iopkit.curriculum.Curriculum`. It
reads no file, changes no process-wide state, and its result depends only on its inputs
and seed, so calls may run side by side in threads.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from iopkit._budget import Budget, Meter
from iopkit._catalog import Catalog
from iopkit._checks import READ_PROGRAM, expect
from iopkit.curriculum._composer._explain import (
    WITNESS_FILLERS,
    WITNESS_WORK,
    explain,
    quick_conflict,
)
from iopkit.curriculum._composer._menu import FillerClass, book_for
from iopkit.curriculum._composer._model import build_model
from iopkit.curriculum._composer._realise import Realiser
from iopkit.curriculum._composer._search import Search
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._resolve import resolve
from iopkit.curriculum._rules import Context, Inputs, all_rules, run
from iopkit.errors import BudgetExceededError

#: The largest curriculum file iopkit reads back (JSON), so the largest it composes.
MAX_RESULT_BYTES = 16 * 2**20
#: About how many bytes of JSON one block takes (with its objectives).
BYTES_PER_BLOCK = 420


def compose(
    program: Program,
    catalog: Catalog | None = None,
    *,
    seed: int = 0,
    profiles: Iterable[str | Profile] = (),
    budget: Budget | float | None = None,
) -> Curriculum:
    """Assemble a curriculum that meets every limit of the program and its profiles.

    Args:
        program: The limits to meet.
        catalog: The content to draw on; by default the one the program carries (read
            from its ``catalogs`` when it was loaded), or the built-in catalog.
        seed: Different seeds may give different valid curricula; the same seed always
            gives the same one.
        profiles: Compliance profiles to meet besides the program's own (ids or objects).
        budget: Seconds the composer may take, or a :class:`~iopkit.Budget` of time,
            memory and work; past it, :class:`~iopkit.errors.BudgetExceededError`.

    Returns:
        A curriculum that :func:`validate` passes with no violation. It carries the
        catalog it was made from.

    Raises:
        InfeasibleError: no curriculum meets every limit; ``reasons`` says why and
            ``repairs`` what would fix it.
        BudgetExceededError: the budget ran out first.
        ProgramError: an argument is not what it should be, or the program names
            something the catalog does not have.
    """
    expect(program, Program, "compose() takes a Program", READ_PROGRAM)
    expect(catalog, (Catalog, type(None)), "catalog must be a Catalog or None")
    expect(seed, int, "seed must be a whole number")
    expect(profiles, (str, Profile, Iterable), "profiles must be profile ids or Profile objects")
    if isinstance(profiles, str | Profile):
        profiles = (profiles,)
    meter = Meter(Budget.of(budget))
    return compose_inputs(resolve(program, catalog, profiles), seed, meter)


def compose_inputs(inputs: Inputs, seed: int, meter: Meter) -> Curriculum:
    """Compose from resolved inputs (see :func:`compose`)."""
    rules = all_rules(inputs.program, inputs.profiles)
    context = Context(program=inputs.program, catalog=inputs.catalog)
    model = build_model(context, rules)
    quick = quick_conflict(model, rules)
    if quick is not None:
        raise explain(inputs, rules, quick, meter, feasible)
    search = Search(model, book_for(model.session), seed, meter)
    if not search.run():
        raise explain(inputs, rules, None, meter, feasible)
    blocks = sum(2 * len(pick.choice.plans[0].runs) + pick.choice.breaks for pick in search.picks)
    blocks += sum(len(run) for pick in search.picks for run in pick.choice.plans[0].runs)
    if blocks * BYTES_PER_BLOCK > MAX_RESULT_BYTES:
        raise BudgetExceededError(MAX_RESULT_BYTES // 2**20, "composing", "size")
    streams: dict[str | None, tuple[FillerClass, ...]] = {
        name: book.classes for (name, *_), book in search.books.items() if name is not None
    }
    weeks = Realiser(model, search.book.classes, seed, streams).weeks(search)
    result = Curriculum(
        program=attrs.evolve(inputs.program, catalog=inputs.catalog), weeks=tuple(weeks)
    )
    meter.tick(sum(len(s.blocks) for _, s in result.sessions()))
    meter.check(memory=True)  # the result itself is within the memory budget
    violations = run(rules, result, context)
    if violations:  # pragma: no cover - the safety net: a bug in the composer
        shown = "; ".join(str(v) for v in violations[:5])
        raise RuntimeError(f"internal error: the composed curriculum breaks rules: {shown}")
    return result


def feasible(inputs: Inputs, meter: Meter) -> bool:
    """Whether some curriculum meets every limit of the inputs (the exact search)."""
    expect(inputs, Inputs, "feasible() takes Inputs, as resolve() gives them")
    expect(meter, Meter, "meter must be a Meter")
    rules = all_rules(inputs.program, inputs.profiles)
    model = build_model(Context(program=inputs.program, catalog=inputs.catalog), rules)
    if quick_conflict(model, rules) is not None:
        return False
    # a quick look for a witness in a smaller space (at most three fillers and one lesson
    # per track in a session): finding one proves feasibility; not finding one proves nothing
    try:
        small = book_for(model.session, WITNESS_FILLERS)
        if Search(model, small, 0, meter.child(WITNESS_WORK), witness=True).run():
            return True
    except BudgetExceededError as exc:
        if exc.limit != "work" or (meter.work_limit is not None and meter.steps > meter.work_limit):
            raise
    return Search(model, book_for(model.session), 0, meter).run()
