"""Programs, curricula, rules, the validator, compliance profiles and the composer.

A :class:`Program` states the limits; :func:`compose` assembles a :class:`Curriculum`
that meets them or raises :class:`InfeasibleError` saying why none exists;
:func:`validate` checks any curriculum against a program and compliance profiles.

iopkit supports planning; it is not clinical or billing advice.
"""

from iopkit._files._load import (
    curriculum_json,
    dump_curriculum,
    dump_program,
    load_curriculum,
    load_profile,
    load_program,
)
from iopkit._public import publish
from iopkit.curriculum._composer import compose
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._edit import cancel_session, move_session, replace_activity
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import (
    BreakRule,
    Count,
    Per,
    Population,
    Program,
    Requirement,
    RollingAdmission,
    SessionShape,
    Track,
    WeeklyMinutes,
    Weeks,
)
from iopkit.curriculum._resolve import program_catalog
from iopkit.curriculum._rules import Context, Inputs, Rule, Violation
from iopkit.curriculum._selector import Selector
from iopkit.curriculum._validate import Report, validate
from iopkit.errors import InfeasibleError, Reason, Repair


def profiles() -> tuple[Profile, ...]:
    """The built-in compliance profiles, sorted by id."""
    from iopkit._files._load import builtin_profiles

    return tuple(sorted(builtin_profiles().values(), key=lambda p: p.id))


__all__ = [
    "BreakRule",
    "Context",
    "Count",
    "Curriculum",
    "InfeasibleError",
    "Inputs",
    "Per",
    "Population",
    "Profile",
    "Program",
    "Reason",
    "Repair",
    "Report",
    "Requirement",
    "RollingAdmission",
    "Rule",
    "Selector",
    "SessionShape",
    "Track",
    "Violation",
    "Week",
    "WeeklyMinutes",
    "Weeks",
    "cancel_session",
    "compose",
    "curriculum_json",
    "dump_curriculum",
    "dump_program",
    "load_curriculum",
    "load_profile",
    "load_program",
    "move_session",
    "profiles",
    "program_catalog",
    "replace_activity",
    "validate",
]


publish(
    __name__, globals(), [n for n in __all__ if n not in {"InfeasibleError", "Reason", "Repair"}]
)
