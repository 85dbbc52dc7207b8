"""Programs, curricula, rules, the validator, compliance profiles and the composer.

A :class:`Program` states the limits; :func:`compose` assembles a :class:`Curriculum`
that meets them or raises :class:`InfeasibleError` saying why none exists;
:func:`validate` checks any curriculum against a program and compliance profiles.

iopkit supports planning; it is not clinical or billing advice.
"""

from typing import TYPE_CHECKING

from iopkit._files._load import (
    curriculum_json,
    dump_curriculum,
    dump_program,
    load_curriculum,
    load_profile,
    load_program,
)
from iopkit._public import lazy, publish
from iopkit.curriculum._composer import compose
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._edit import cancel_session, move_session, replace_activity
from iopkit.curriculum._journey import (
    AdmissionPoint,
    Journey,
    PatientWeek,
    Visit,
    VisitBlock,
    admission_points,
    journey,
)
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import (
    Admission,
    BreakRule,
    Count,
    Edge,
    Every,
    Group,
    GroupSizes,
    Order,
    PatientWeeks,
    Per,
    Population,
    Program,
    Requirement,
    RollingAdmission,
    SessionShape,
    Stay,
    Track,
    WeeklyMinutes,
    Weeks,
    Which,
)
from iopkit.curriculum._resolve import program_catalog
from iopkit.curriculum._rules import Context, Inputs, Rule, Violation
from iopkit.curriculum._selector import Selector
from iopkit.curriculum._validate import Report, validate
from iopkit.errors import InfeasibleError, Reason, Repair

if TYPE_CHECKING:
    from iopkit.curriculum._attendance import (
        AbsenceRun,
        Attendance,
        AttendanceRecord,
        AttendanceReport,
        AttendanceStatus,
        Census,
        CheckState,
        FloorAlert,
        LimitCheck,
        MissedLesson,
        PatientReport,
        ProfileShare,
        SittingCensus,
        WeekReport,
        WeekState,
        attendance,
        attendance_csv,
        attendance_html,
        attendance_json,
        attendance_markdown,
        census_csv,
        census_html,
        census_json,
        census_markdown,
        load_attendance,
        planned_census,
        records_csv,
        records_json,
    )

#: Names of the attendance part, imported on first use: most callers compose and export,
#: and the attendance module is the largest in the package.
_ATTENDANCE = frozenset(
    {
        "AbsenceRun",
        "Attendance",
        "AttendanceRecord",
        "AttendanceReport",
        "AttendanceStatus",
        "Census",
        "CheckState",
        "FloorAlert",
        "LimitCheck",
        "MissedLesson",
        "PatientReport",
        "ProfileShare",
        "SittingCensus",
        "WeekReport",
        "WeekState",
        "attendance",
        "attendance_csv",
        "attendance_html",
        "attendance_json",
        "attendance_markdown",
        "census_csv",
        "census_html",
        "census_json",
        "census_markdown",
        "load_attendance",
        "planned_census",
        "records_csv",
        "records_json",
    }
)


__getattr__, __dir__ = lazy(globals(), _ATTENDANCE, "iopkit.curriculum._attendance")


def profiles() -> tuple[Profile, ...]:
    """The built-in compliance profiles, sorted by id."""
    from iopkit._files._load import builtin_profiles

    return tuple(sorted(builtin_profiles().values(), key=lambda p: p.id))


__all__ = [
    "AbsenceRun",
    "Admission",
    "AdmissionPoint",
    "Attendance",
    "AttendanceRecord",
    "AttendanceReport",
    "AttendanceStatus",
    "BreakRule",
    "Census",
    "CheckState",
    "Context",
    "Count",
    "Curriculum",
    "Edge",
    "Every",
    "FloorAlert",
    "Group",
    "GroupSizes",
    "InfeasibleError",
    "Inputs",
    "Journey",
    "LimitCheck",
    "MissedLesson",
    "Order",
    "PatientReport",
    "PatientWeek",
    "PatientWeeks",
    "Per",
    "Population",
    "Profile",
    "ProfileShare",
    "Program",
    "Reason",
    "Repair",
    "Report",
    "Requirement",
    "RollingAdmission",
    "Rule",
    "Selector",
    "SessionShape",
    "SittingCensus",
    "Stay",
    "Track",
    "Violation",
    "Visit",
    "VisitBlock",
    "Week",
    "WeekReport",
    "WeekState",
    "WeeklyMinutes",
    "Weeks",
    "Which",
    "admission_points",
    "attendance",
    "attendance_csv",
    "attendance_html",
    "attendance_json",
    "attendance_markdown",
    "cancel_session",
    "census_csv",
    "census_html",
    "census_json",
    "census_markdown",
    "compose",
    "curriculum_json",
    "dump_curriculum",
    "dump_program",
    "journey",
    "load_attendance",
    "load_curriculum",
    "load_profile",
    "load_program",
    "move_session",
    "planned_census",
    "profiles",
    "program_catalog",
    "records_csv",
    "records_json",
    "replace_activity",
    "validate",
]


publish(
    __name__,
    globals(),
    [n for n in __all__ if n not in {"InfeasibleError", "Reason", "Repair", *_ATTENDANCE}],
)
