"""Small value types shared by the building blocks: ranges, kinds, formats, weekdays."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import attrs

from iopkit.errors import excerpt

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Longest id accepted (FHIR ids hold at most 64 characters, with a short prefix).
MAX_ID = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_LONG = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ActivityKind(enum.StrEnum):
    """What an activity does in a session."""

    CHECK_IN = "check-in"
    WRAP_UP = "wrap-up"
    BREAK = "break"
    MINDFULNESS = "mindfulness"
    PSYCHOEDUCATION = "psychoeducation"
    SKILLS_TRAINING = "skills-training"
    SKILLS_PRACTICE = "skills-practice"
    ROLE_PLAY = "role-play"
    PROCESS_GROUP = "process-group"
    INDIVIDUAL_CHECK_IN = "individual-check-in"
    INDIVIDUAL_THERAPY = "individual-therapy"
    FAMILY_THERAPY = "family-therapy"
    MEDICATION_MANAGEMENT = "medication-management"
    PEER_SUPPORT = "peer-support"
    EXPRESSIVE_THERAPY = "expressive-therapy"
    ASSESSMENT = "assessment"


class Format(enum.StrEnum):
    """Who takes part in an activity."""

    GROUP = "group"
    INDIVIDUAL = "individual"
    FAMILY = "family"


class Place(enum.StrEnum):
    """Where a group's sitting lies against the main session."""

    BEFORE = "before"
    AFTER = "after"
    BESIDE = "beside"


class Weekday(enum.StrEnum):
    """A day of the week, as written in files (``mon`` .. ``sun``)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def position(self) -> int:
        """0 for Monday .. 6 for Sunday, as :meth:`datetime.date.weekday`."""
        return list(Weekday).index(self)

    @classmethod
    def of(cls, index: int) -> Weekday:
        """The weekday with the given index (0 = Monday)."""
        return list(cls)[index]


def check_slug(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate an id: lowercase letters, digits and single hyphens."""
    if not isinstance(value, str) or len(value) > MAX_ID or not SLUG.fullmatch(value):
        msg = (
            f"'{attribute.name}' must be an id of lowercase letters, digits and hyphens "
            f"such as 'process-group' (got {excerpt(value)})"
        )
        raise ValueError(msg)


def nfc(value: object) -> object:
    """A text in Unicode normal form C (one way to write each character), so that one
    name is always one string; other values unchanged."""
    if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
        return unicodedata.normalize("NFC", value)
    return value


def nfc_all(value: str | Iterable[str]) -> tuple[str, ...]:
    """A tuple of texts in normal form C; a single text becomes a one-item tuple."""
    if isinstance(value, str):
        return (str(nfc(value)),)
    return tuple(nfc(v) for v in value)  # type: ignore[misc]


def long_text(value: object) -> object:
    """A free text (a description): normal form C, control characters refused."""
    value = nfc(value)
    if not isinstance(value, str):
        raise TypeError(f"must be text (got {excerpt(value)})")
    if _CONTROL_LONG.search(value):
        raise ValueError(f"text may not hold control characters (got {excerpt(value)})")
    return value


def check_text(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate a required, non-blank text on one line, without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{attribute.name}' must be a non-empty text (got {excerpt(value)})")
    if _CONTROL.search(value):
        raise ValueError(
            f"'{attribute.name}' must be one line of text without control characters "
            f"(got {excerpt(value)})"
        )


def _non_negative(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"'{attribute.name}' must be a whole number of 0 or more (got {value!r})")


@attrs.frozen(kw_only=True)
class Range:
    """A closed range of whole numbers; ``max=None`` means no upper limit.

    Written in files as ``{min: 45, max: 90}``; a fixed activity length may be written
    as a plain number.

    Attributes:
        min: The smallest allowed value.
        max: The largest allowed value, or ``None`` for no limit.
    """

    min: int = attrs.field(default=0, validator=_non_negative)
    max: int | None = attrs.field(default=None, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"range minimum {self.min} is above its maximum {self.max}")

    @classmethod
    def exactly(cls, value: int) -> Range:
        """The range holding only ``value``."""
        return cls(min=value, max=value)

    @property
    def fixed(self) -> bool:
        """Whether the range holds exactly one value."""
        return self.max == self.min

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        return self.min <= value and (self.max is None or value <= self.max)

    def describe(self, unit: str = "") -> str:
        """The range in words, for example ``"45 to 90 minutes"``."""
        unit = f" {unit}" if unit else ""
        if self.max is None:
            return f"at least {self.min}{unit}"
        if self.fixed:
            return f"{self.min}{unit}"
        if self.min == 0:
            return f"at most {self.max}{unit}"
        return f"{self.min} to {self.max}{unit}"
