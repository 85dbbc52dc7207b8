"""Programs, curricula, rules, the validator, compliance profiles and the composer.

A :class:`Program` states the limits; :func:`compose` assembles a :class:`Curriculum`
that meets them or raises :class:`InfeasibleError` saying why none exists;
:func:`validate` checks any curriculum against a program and compliance profiles.

iopkit supports planning; it is not clinical or billing advice.
"""

from iopkit._public import publish
from iopkit.curriculum._composer import InfeasibleError, Reason, compose
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._files import (
    dump_curriculum,
    dump_program,
    load_curriculum,
    load_program,
    program_catalog,
)
from iopkit.curriculum._profiles import Profile, load_profile, profiles
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
from iopkit.curriculum._rules import Context, Rule, Violation
from iopkit.curriculum._selector import Selector
from iopkit.curriculum._validator import Report, validate

__all__ = [
    "BreakRule",
    "Context",
    "Count",
    "Curriculum",
    "InfeasibleError",
    "Per",
    "Population",
    "Profile",
    "Program",
    "Reason",
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
    "compose",
    "dump_curriculum",
    "dump_program",
    "load_curriculum",
    "load_profile",
    "load_program",
    "profiles",
    "program_catalog",
    "validate",
]


publish(__name__, globals(), __all__)
