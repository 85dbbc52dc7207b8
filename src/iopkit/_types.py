"""Small value types shared by the building blocks: ranges, kinds, formats, weekdays."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from iopkit._checks import got, invalid, invalid_item, located, member
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


def weekday(value: Weekday | str) -> Weekday:
    """A weekday given as a :class:`Weekday` or as text (``"mon"``)."""
    return member(Weekday, value)


def activity_kind(value: ActivityKind | str) -> ActivityKind:
    """An activity kind given as an :class:`ActivityKind` or as text."""
    return member(ActivityKind, value)


def activity_format(value: Format | str) -> Format:
    """A format given as a :class:`Format` or as text."""
    return member(Format, value)


def place(value: Place | str) -> Place:
    """A place given as a :class:`Place` or as text."""
    return member(Place, value)


def strings(value: str | Iterable[str]) -> tuple[str, ...]:
    """A tuple of texts; a single text is a tuple of one (never of its characters)."""
    if isinstance(value, str):
        return (value,)
    if value.__class__ not in (tuple, list) and (
        isinstance(value, bytes | Mapping) or not isinstance(value, Iterable)
    ):
        raise TypeError(f"must be a text or a list of texts (got {got(value)})")
    result = tuple(value)
    for index, item in enumerate(result):
        if not isinstance(item, str):
            raise invalid_item(index, f"must be a text (got {got(item)})")
    return result


def check_slug(
    inst: object, attribute: attrs.Attribute[Any], value: object, index: int | None = None
) -> None:
    """Validate an id: lowercase letters, digits and single hyphens."""
    if not isinstance(value, str) or len(value) > MAX_ID or not SLUG.fullmatch(value):
        msg = (
            f"'{attribute.name}' must be an id of lowercase letters, digits and hyphens "
            f"such as 'process-group' (got {excerpt(value)})"
        )
        raise invalid(inst, attribute, msg, index=index)


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


def check_text(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate a required, non-blank text on one line, without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise invalid(
            inst, attribute, f"'{attribute.name}' must be a non-empty text (got {excerpt(value)})"
        )
    if _CONTROL.search(value):
        raise invalid(
            inst,
            attribute,
            f"'{attribute.name}' must be one line of text without control characters "
            f"(got {excerpt(value)})",
        )


def check_texts(inst: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
    """Validate a list of texts (objectives, skills)."""
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(
                inst, attribute, f"must be a text (got {got(item)})", wrong_type=True, index=index
            )


def _non_negative(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise invalid(
            inst,
            attribute,
            f"'{attribute.name}' must be a whole number of 0 or more (got {value!r})",
            wrong_type=not isinstance(value, int) or isinstance(value, bool),
        )


@located
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
            raise invalid(self, None, f"range minimum {self.min} is above its maximum {self.max}")

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
        if self.max is None and self.min == 0:
            return f"any number of{unit}" if unit else "any number"
        if self.max is None:
            return f"at least {self.min}{unit}"
        if self.fixed:
            return f"{self.min}{unit}"
        if self.min == 0:
            return f"at most {self.max}{unit}"
        return f"{self.min} to {self.max}{unit}"


def to_range(value: Range | int | Mapping[str, Any], *, number: bool = True) -> Range:
    """A :class:`Range` given as one, as a mapping ``{min, max}``, or (with ``number``) as
    a whole number for exactly that value."""
    if isinstance(value, Range):
        return value
    if number and isinstance(value, int) and not isinstance(value, bool):
        return Range.exactly(value)
    if isinstance(value, Mapping):
        extra = set(value) - {"min", "max"}
        if extra:
            raise ValueError(f"unknown range keys: {', '.join(sorted(map(str, extra)))}")
        return Range(min=value.get("min", 0), max=value.get("max"))
    kinds = "a whole number, a Range" if number else "a Range"
    raise TypeError(f"must be {kinds} or a mapping {{min, max}} (got {got(value)})")


def as_range(value: Range | Mapping[str, Any]) -> Range:
    """A :class:`Range` given as one or as a mapping ``{min, max}`` (not a number)."""
    return to_range(value, number=False)
