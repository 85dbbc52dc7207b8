"""The validator: every rule over a curriculum, collected into a report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from iopkit._catalog import Catalog
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._files import check_references, program_catalog
from iopkit.curriculum._profiles import Profile, get_profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._rules import Context, Rule, Violation, program_rules, run


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
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def resolve_profiles(program: Program, extra: Iterable[str | Profile] = ()) -> list[Profile]:
    """The program's profiles, then the extra ones, without repeats."""
    found: dict[str, Profile] = {}
    for item in (*program.profiles, *extra):
        profile = item if isinstance(item, Profile) else get_profile(item, program.base_dir)
        found.setdefault(profile.id, profile)
    return list(found.values())


def all_rules(program: Program, profiles: Sequence[Profile]) -> list[Rule]:
    """The program's rules followed by each profile's."""
    rules = program_rules(program)
    for profile in profiles:
        rules += profile.rules()
    return rules


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
        catalog: The catalog for module lengths; by default the program's catalogs.

    Returns:
        A :class:`Report`; ``report.ok`` is true when nothing is violated.

    Raises:
        ProgramError: the program names something its catalog does not have.
    """
    program = program or curriculum.program
    catalog = catalog if catalog is not None else program_catalog(program)
    check_references(program, catalog)
    rules = all_rules(program, resolve_profiles(program, profiles))
    context = Context(program=program, catalog=catalog)
    return Report(violations=run(rules, curriculum, context), rules=[r.id for r in rules])
