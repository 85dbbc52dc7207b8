"""Compliance profiles: the limits of a payer or a standard, as data with their source.

This module holds the data classes only; the rules a profile makes are built in
``_rules``, and profile files are read in ``iopkit._files``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from iopkit.curriculum._program import Count, Population, Requirement


@attrs.frozen(kw_only=True)
class ProfileWeeklyMinutes:
    """A profile's weekly minutes, with the weeks at the end that may taper below the floor.

    Attributes:
        min: The fewest minutes a week.
        max: The most minutes a week, or ``None``.
        count: ``service`` (breaks excluded) or ``wall``.
        taper_weeks: How many of the last weeks may fall below ``min`` (stepping down).
    """

    min: int = 0
    max: int | None = None
    count: Count = attrs.field(default=Count.SERVICE, converter=Count)
    taper_weeks: int = 0


@attrs.frozen(kw_only=True)
class ProfileLongSessions:
    """At least ``min`` sessions a week of at least ``min_minutes`` service minutes.

    Attributes:
        min: How many long sessions a week.
        min_minutes: The service minutes that make a session long.
    """

    min: int
    min_minutes: int


@attrs.frozen(kw_only=True)
class Profile:
    """A compliance profile: limits from a payer or a standard, with their source.

    Profiles are planning aids that encode public sources as data; they are not billing
    advice. Check the source before relying on one.

    Attributes:
        id: The profile's id, such as ``"asam-2.1-adult"``.
        title: Its title.
        source: The public source it encodes.
        checked: When the source was last checked.
        population: The population it applies to, if only one.
        notes: What it does not model, and other remarks.
        weekly_minutes: Weekly minutes, with an optional taper.
        require: How often kinds of service occur.
        long_sessions: How many long sessions a week.
        file: The file it was read from, or ``None`` for built-in profiles and objects
            made in Python (not part of equality).
    """

    id: str
    title: str
    source: str
    checked: dt.date
    population: Population | None = None
    notes: str = ""
    weekly_minutes: ProfileWeeklyMinutes | None = None
    require: tuple[Requirement, ...] = attrs.field(default=(), converter=tuple)
    long_sessions: ProfileLongSessions | None = None
    file: str | None = attrs.field(default=None, eq=False, repr=False)

    def rules(self) -> list[Any]:
        """The rules this profile adds, with ids prefixed by the profile's id."""
        from iopkit.curriculum._rules import profile_rules

        return profile_rules(self)
