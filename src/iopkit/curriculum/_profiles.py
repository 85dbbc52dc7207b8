"""Compliance profiles: the limits of a payer or a standard, shipped as data."""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

import attrs
from cattrs.gen import make_dict_structure_fn

from iopkit._converter import converter, structure
from iopkit._io import locate, read_checked, shipped_documents
from iopkit._types import Range
from iopkit.curriculum._program import Count, Population, Requirement
from iopkit.curriculum._rules import LongSessions, RequirementRule, Rule, WeeklyMinutesRule
from iopkit.errors import FileFormatError, Problem, ProgramError


@attrs.frozen(kw_only=True)
class ProfileWeeklyMinutes:
    """A profile's weekly minutes, with the weeks at the end that may taper below the floor."""

    min: int = 0
    max: int | None = None
    count: Count = attrs.field(default=Count.SERVICE, converter=Count)
    taper_weeks: int = 0


@attrs.frozen(kw_only=True)
class ProfileLongSessions:
    """At least ``min`` sessions a week of at least ``min_minutes`` service minutes."""

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

    def rules(self) -> list[Rule]:
        """The rules this profile adds, with ids prefixed by the profile's id."""
        found: list[Rule] = []
        if self.weekly_minutes is not None:
            wm = self.weekly_minutes
            found.append(
                WeeklyMinutesRule(
                    id=f"{self.id}:weekly_minutes",
                    range=Range(min=wm.min, max=wm.max),
                    count=wm.count,
                    taper_weeks=wm.taper_weeks,
                    source=self.id,
                )
            )
        found += [
            RequirementRule(id=f"{self.id}:require[{i}]", requirement=r, source=self.id)
            for i, r in enumerate(self.require)
        ]
        if self.long_sessions is not None:
            found.append(
                LongSessions(
                    id=f"{self.id}:long_sessions",
                    min=self.long_sessions.min,
                    min_minutes=self.long_sessions.min_minutes,
                    taper_weeks=self.weekly_minutes.taper_weeks if self.weekly_minutes else 0,
                    source=self.id,
                )
            )
        return found


for _cls in (ProfileWeeklyMinutes, ProfileLongSessions):
    converter.register_structure_hook(
        _cls, make_dict_structure_fn(_cls, converter, _cattrs_forbid_extra_keys=True)
    )


def _structure_profile(data: Any, _type: object) -> Profile:
    data = dict(data)
    data.pop("iopkit", None)
    return _profile_structure(data, Profile)


_profile_structure = make_dict_structure_fn(Profile, converter, _cattrs_forbid_extra_keys=True)
converter.register_structure_hook(Profile, _structure_profile)


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Load a profile file (YAML or JSON, ``iopkit: profile/1``).

    Raises:
        FileFormatError: the file is unreadable, malformed or breaks the schema.
    """
    document = read_checked(path, "profile")
    try:
        profile: Profile = structure(document, Profile)
    except FileFormatError as exc:
        raise FileFormatError(locate(document, exc.problems)) from None
    return profile


@functools.cache
def _builtin() -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for document in shipped_documents("profiles", "profile"):
        profile = structure(document, Profile)
        found[profile.id] = profile
    return found


def profiles() -> tuple[Profile, ...]:
    """The built-in compliance profiles, sorted by id."""
    return tuple(sorted(_builtin().values(), key=lambda p: p.id))


def get_profile(name: str, base_dir: Path | None = None) -> Profile:
    """A built-in profile by id, or a profile file by path (relative to ``base_dir``).

    Raises:
        ProgramError: no such profile.
        FileFormatError: the profile file is bad.
    """
    builtin = _builtin()
    if name in builtin:
        return builtin[name]
    if name.endswith((".yaml", ".yml", ".json")):
        path = Path(name)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return load_profile(path)
    import difflib

    close = difflib.get_close_matches(name, list(builtin), n=1)
    hint = (
        f"; did you mean {close[0]!r}?" if close else f" (built-in: {', '.join(sorted(builtin))})"
    )
    raise ProgramError(
        [Problem(message=f"no compliance profile {name!r}{hint}", pointer="/profiles")]
    )
