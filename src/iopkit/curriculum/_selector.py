"""Selectors: which blocks a requirement counts."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from iopkit._catalog import Catalog
from iopkit._checks import invalid, items, located, whole
from iopkit._session import Block
from iopkit._types import (
    ActivityKind,
    Format,
    activity_format,
    activity_kind,
    check_slug,
    check_text,
    nfc,
)


def _kinds(
    value: ActivityKind | str | Iterable[ActivityKind | str] | None,
) -> tuple[ActivityKind, ...] | None:
    if value is None:
        return None
    return items(value, activity_kind, "activity kinds", single=str)


def _format(value: Format | str | None) -> Format | None:
    return None if value is None else activity_format(value)


@located
@attrs.frozen(kw_only=True)
class Selector:
    """Which blocks count: exactly one of ``activity``, ``kind``, ``modality``,
    ``format``, ``module`` or ``track``, optionally only blocks of at least
    ``min_minutes``.

    ``kind`` takes one kind or a list, as text (``"psychoeducation"``) or members of
    :class:`~iopkit.ActivityKind`; ``format`` as text too.

    Attributes:
        activity: An activity id.
        kind: One or more activity kinds.
        modality: A modality id.
        format: A format.
        module: A skill module id: the lessons of that module.
        track: A track name: the lessons the track teaches.
        min_minutes: Only blocks at least this long count.
    """

    activity: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_slug)
    )
    kind: tuple[ActivityKind, ...] | None = attrs.field(default=None, converter=_kinds)
    modality: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_slug)
    )
    format: Format | None = attrs.field(default=None, converter=_format)
    module: str | None = attrs.field(default=None, validator=attrs.validators.optional(check_slug))
    track: str | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(nfc),
        validator=attrs.validators.optional(check_text),
    )
    min_minutes: int | None = attrs.field(default=None, validator=whole(1, optional=True))

    def __attrs_post_init__(self) -> None:
        given = [
            n
            for n in ("activity", "kind", "modality", "format", "module", "track")
            if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise invalid(
                self,
                None,
                "a selector names exactly one of activity, kind, modality, format, module "
                "or track "
                f"(got {', '.join(given) or 'none'})",
            )
        if self.kind is not None and not self.kind:
            raise invalid(self, None, "'kind' lists no kinds")

    def matches_kind(
        self,
        activity: str,
        kind: ActivityKind,
        modality: str | None,
        fmt: Format,
        module: str | None = None,
        track: str | None = None,
    ) -> bool:
        """Whether an activity of these properties is selected (length aside); ``module``
        and ``track`` are those of a lesson (``None`` for other blocks)."""
        if self.module is not None:
            return module == self.module
        if self.track is not None:
            return track == self.track
        if self.activity is not None:
            return activity == self.activity
        if self.kind is not None:
            return kind in self.kind
        if self.modality is not None:
            return modality == self.modality
        return fmt == self.format

    def matches(self, block: Block) -> bool:
        """Whether the block counts."""
        if block.is_break:
            return False
        if self.min_minutes is not None and block.service_minutes < self.min_minutes:
            return False
        return self.matches_kind(
            block.activity, block.kind, block.modality, block.format, block.module, block.track
        )

    def describe(self, catalog: Catalog | None = None, count: int = 2) -> str:
        """What the selector counts, in words for ``count`` of them, for example
        ``"psychoeducation activities"``, ``"'Individual check-in'"`` (a title, when the
        catalog is given) or ``"group activities of 50+ minutes"``."""
        noun = "activity" if count == 1 else "activities"
        if self.activity is not None:
            what = f"'{self._title(catalog, self.activity)}'"
        elif self.kind is not None:
            what = " or ".join(_kind_words(k.value) for k in self.kind) + f" {noun}"
        elif self.module is not None:
            lessons = "lesson" if count == 1 else "lessons"
            what = f"{lessons} of '{self._module_title(catalog, self.module)}'"
        elif self.track is not None:
            lessons = "lesson" if count == 1 else "lessons"
            what = f"{lessons} of track '{self.track}'"
        elif self.modality is not None:
            name = self.modality
            if catalog is not None and self.modality in catalog:
                try:
                    name = catalog.modality(self.modality).name
                except KeyError:
                    name = self.modality
            what = f"{_in_sentence(name)} {noun}"
        else:
            what = f"{self.format.value if self.format else ''} {noun}"
        if self.min_minutes is not None:
            what += f" of {self.min_minutes}+ minutes"
        return what

    @staticmethod
    def _module_title(catalog: Catalog | None, module_id: str) -> str:
        if catalog is not None:
            try:
                return catalog.module(module_id).title
            except KeyError:
                pass
        return module_id

    @staticmethod
    def _title(catalog: Catalog | None, activity_id: str) -> str:
        if catalog is not None:
            try:
                return catalog.activity(activity_id).title
            except KeyError:
                pass
        return activity_id


#: Kinds whose hyphen belongs to the word ("check-in", "wrap-up").
_HYPHENATED = ("check-in", "wrap-up")


def _kind_words(kind: str) -> str:
    """A kind as words inside a sentence: "process group", "individual check-in"."""
    words = kind.replace("-", " ")
    for word in _HYPHENATED:
        words = words.replace(word.replace("-", " "), word)
    return words


def _in_sentence(name: str) -> str:
    """A name as it reads inside a sentence: "Individual therapy" becomes "individual
    therapy"; an initialism such as "DBT skills" is kept."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name
