"""The validator: every rule over a curriculum, collected into a report."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from iopkit._catalog import Catalog
from iopkit._checks import READ_CURRICULUM, expect
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._resolve import resolve
from iopkit.curriculum._rules import Context, Violation, all_rules, run


def _violations(value: Iterable[Violation]) -> tuple[Violation, ...]:
    return tuple(value)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Report:
    """The result of validating a curriculum.

    Attributes:
        violations: Every violation found, in rule order.
        rules: The ids of the rules that were checked.
    """

    violations: tuple[Violation, ...] = attrs.field(converter=_violations)
    rules: tuple[str, ...] = attrs.field(default=(), converter=_ids)

    @property
    def ok(self) -> bool:
        """Whether the curriculum meets every rule."""
        return not self.violations

    def text(self) -> str:
        """A readable report: one line per violation, or a line saying all is well."""
        if self.ok:
            return f"valid: {len(self.rules)} rules checked, no violation"
        count = len(self.violations)
        lines = [f"{count} {'violation' if count == 1 else 'violations'}:"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        from iopkit._display import report_html

        return report_html(self)


def validate(
    curriculum: Curriculum,
    program: Program | None = None,
    profiles: Iterable[str | Profile] = (),
    *,
    catalog: Catalog | None = None,
) -> Report:
    """Check a curriculum against a program's limits and compliance profiles.

    Args:
        curriculum: The curriculum to check.
        program: The program whose limits apply; by default the one the curriculum
            carries.
        profiles: Profiles to check besides the program's own (ids or objects).
        catalog: The catalog for module lengths; by default the one the curriculum
            carries.

    Returns:
        A :class:`Report`; ``report.ok`` is true when nothing is violated.

    Raises:
        ProgramError: an argument is not what it should be, or the program names
            something its catalog does not have.
    """
    expect(curriculum, Curriculum, "validate() takes a Curriculum", READ_CURRICULUM)
    expect(program, (Program, type(None)), "program must be a Program or None")
    expect(profiles, (str, Profile, Iterable), "profiles must be profile ids or Profile objects")
    expect(catalog, (Catalog, type(None)), "catalog must be a Catalog or None")
    if isinstance(profiles, str):
        profiles = (profiles,)
    program = program or curriculum.program
    if catalog is None and program is not curriculum.program:
        catalog = program.catalog or curriculum.program.catalog
    inputs = resolve(program, catalog, profiles)
    rules = all_rules(inputs.program, inputs.profiles)
    context = Context(program=inputs.program, catalog=inputs.catalog)
    return Report(violations=run(rules, curriculum, context), rules=[r.id for r in rules])
