"""Rules: every limit a curriculum must meet, one class per kind of limit.

:data:`RULE_TYPES` is the registry. A program's rules come from each registered type's
``from_program``, a profile's from ``from_profile``, in registry order, so reports list
violations in a stable order. The validator runs the rules' checks; the composer builds
its model from the same rule objects' contributions; explanations word and relax them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from iopkit._words import duration as minutes_text
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program
from iopkit.curriculum._rules._base import (
    Change,
    Context,
    Fact,
    Inputs,
    Ladder,
    Lesson,
    Rule,
    Violation,
    title,
)
from iopkit.curriculum._rules._calendar import Calendar, day_order
from iopkit.curriculum._rules._counts import LongSessions, RequirementRule, WeeklyMinutesRule
from iopkit.curriculum._rules._order import AtEdge, Before, DirectlyBefore, NotDirectlyAfter
from iopkit.curriculum._rules._patients import (
    CycleRuns,
    GroupMeetings,
    PatientCoverage,
    PatientOrder,
)
from iopkit.curriculum._rules._session import (
    Blocks,
    Breaks,
    Fill,
    Grid,
    NoRepeat,
    OpeningClosing,
    SessionLength,
    SessionRule,
)
from iopkit.curriculum._rules._tracks import (
    CoreDelivery,
    LessonOrder,
    Prerequisites,
    RollingCoverage,
    TrackPlacement,
    effective_day,
    track_blocks,
)

#: Every rule type, in the order a program's rules are listed.
RULE_TYPES: tuple[type[Rule], ...] = (
    Calendar,
    GroupMeetings,
    SessionLength,
    OpeningClosing,
    Breaks,
    NoRepeat,
    Fill,
    Blocks,
    Grid,
    AtEdge,
    Before,
    DirectlyBefore,
    NotDirectlyAfter,
    WeeklyMinutesRule,
    RequirementRule,
    LongSessions,
    TrackPlacement,
    LessonOrder,
    Prerequisites,
    CoreDelivery,
    RollingCoverage,
    PatientOrder,
    PatientCoverage,
    CycleRuns,
)


def program_rules(program: Program) -> list[Rule]:
    """The rules a program's own limits make, in a stable order."""
    found: list[Rule] = []
    for rule_type in RULE_TYPES:
        make = getattr(rule_type, "from_program", None)
        if make is not None:
            found += make(program)
    return found


def profile_rules(profile: Profile) -> list[Rule]:
    """The rules a compliance profile adds, with ids prefixed by the profile's id."""
    found: list[Rule] = []
    for rule_type in RULE_TYPES:
        make = getattr(rule_type, "from_profile", None)
        if make is not None:
            found += make(profile)
    return found


def all_rules(program: Program, profiles: Iterable[Profile]) -> list[Rule]:
    """The program's rules followed by each profile's."""
    rules = program_rules(program)
    for profile in profiles:
        rules += profile_rules(profile)
    return rules


def run(rules: Sequence[Rule], curriculum: Curriculum, context: Context) -> list[Violation]:
    """Every violation of every rule, in rule order."""
    return [v for rule in rules for v in rule.check(curriculum, context)]


__all__ = [
    "RULE_TYPES",
    "Blocks",
    "Breaks",
    "Calendar",
    "Change",
    "Context",
    "CoreDelivery",
    "CycleRuns",
    "Fact",
    "Fill",
    "Grid",
    "GroupMeetings",
    "Inputs",
    "Ladder",
    "Lesson",
    "LessonOrder",
    "LongSessions",
    "NoRepeat",
    "OpeningClosing",
    "PatientCoverage",
    "PatientOrder",
    "Prerequisites",
    "RequirementRule",
    "RollingCoverage",
    "Rule",
    "SessionLength",
    "SessionRule",
    "TrackPlacement",
    "Violation",
    "WeeklyMinutesRule",
    "all_rules",
    "day_order",
    "effective_day",
    "minutes_text",
    "plural",
    "profile_rules",
    "program_rules",
    "run",
    "title",
    "track_blocks",
]
