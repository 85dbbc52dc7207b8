"""Compliance profiles: the limits of a payer or a standard, as data with their source.

This module holds the data classes only; the rules a profile makes are built in
``_rules``, and profile files are read in ``iopkit._files``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iopkit._checks import build, date, got, invalid, items, located, member, whole
from iopkit.curriculum._program import Count, Population, Requirement


def _text(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise invalid(inst, attribute, f"must be a text (got {got(value)})", wrong_type=True)


def _count(value: Count | str) -> Count:
    return member(Count, value)


def _population(value: Population | str | None) -> Population | None:
    return None if value is None else member(Population, value)


def _weekly(value: ProfileWeeklyMinutes | Mapping[str, Any] | None) -> ProfileWeeklyMinutes | None:
    if value is None:
        return None
    return build(ProfileWeeklyMinutes, value, "a ProfileWeeklyMinutes or a mapping {min, max, ...}")


def _long(value: ProfileLongSessions | Mapping[str, Any] | None) -> ProfileLongSessions | None:
    if value is None:
        return None
    return build(
        ProfileLongSessions, value, "a ProfileLongSessions or a mapping {min, min_minutes}"
    )


def _requirement(value: Requirement | Mapping[str, Any]) -> Requirement:
    return build(Requirement, value, "a Requirement or a mapping such as {kind: ..., per: ...}")


def _requirements(
    value: Iterable[Requirement | Mapping[str, Any]] | Requirement,
) -> tuple[Requirement, ...]:
    return items(value, _requirement, "requirements", single=Requirement)


@located
@attrs.frozen(kw_only=True)
class ProfileWeeklyMinutes:
    """A profile's weekly minutes, with the weeks at the end that may taper below the floor.

    Attributes:
        min: The fewest minutes a week.
        max: The most minutes a week, or ``None``.
        count: ``service`` (breaks excluded) or ``wall``.
        taper_weeks: How many of the last weeks may fall below ``min`` (stepping down).
    """

    min: int = attrs.field(default=0, validator=whole(0))
    max: int | None = attrs.field(default=None, validator=whole(0, optional=True))
    count: Count = attrs.field(default=Count.SERVICE, converter=_count)
    taper_weeks: int = attrs.field(default=0, validator=whole(0))


@located
@attrs.frozen(kw_only=True)
class ProfileLongSessions:
    """At least ``min`` sessions a week of at least ``min_minutes`` service minutes.

    Attributes:
        min: How many long sessions a week.
        min_minutes: The service minutes that make a session long.
    """

    min: int = attrs.field(validator=whole(0))
    min_minutes: int = attrs.field(validator=whole(1))


@located
@attrs.frozen(kw_only=True)
class Profile:
    """A compliance profile: limits from a payer or a standard, with their source.

    Profiles are planning aids that encode public sources as data; they are not billing
    advice. Check the source before relying on one. Built in Python, a profile takes what
    a profile file writes: ``checked="2025-01-01"``, mappings for its parts.

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

    id: str = attrs.field(validator=_text)
    title: str = attrs.field(validator=_text)
    source: str = attrs.field(validator=_text)
    checked: dt.date = attrs.field(converter=date)
    population: Population | None = attrs.field(default=None, converter=_population)
    notes: str = attrs.field(default="", validator=_text)
    weekly_minutes: ProfileWeeklyMinutes | None = attrs.field(default=None, converter=_weekly)
    require: tuple[Requirement, ...] = attrs.field(default=(), converter=_requirements)
    long_sessions: ProfileLongSessions | None = attrs.field(default=None, converter=_long)
    file: str | None = attrs.field(default=None, eq=False, repr=False)

    def rules(self) -> list[Any]:
        """The rules this profile adds, with ids prefixed by the profile's id."""
        from iopkit.curriculum._rules import profile_rules

        return profile_rules(self)
