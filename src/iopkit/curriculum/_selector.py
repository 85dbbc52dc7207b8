"""Selectors: which blocks a requirement counts."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from iopkit._catalog import Catalog
from iopkit._session import Block
from iopkit._types import ActivityKind, Format


def _kinds(
    value: ActivityKind | str | Iterable[ActivityKind | str] | None,
) -> tuple[ActivityKind, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (ActivityKind(value),)
    return tuple(ActivityKind(v) for v in value)


@attrs.frozen(kw_only=True)
class Selector:
    """Which blocks count: exactly one of ``activity``, ``kind``, ``modality`` or
    ``format``, optionally only blocks of at least ``min_minutes``.

    Attributes:
        activity: An activity id.
        kind: One or more activity kinds.
        modality: A modality id.
        format: A format.
        min_minutes: Only blocks at least this long count.
    """

    activity: str | None = None
    kind: tuple[ActivityKind, ...] | None = attrs.field(default=None, converter=_kinds)
    modality: str | None = None
    format: Format | None = attrs.field(default=None, converter=attrs.converters.optional(Format))
    min_minutes: int | None = None

    def __attrs_post_init__(self) -> None:
        given = [
            n for n in ("activity", "kind", "modality", "format") if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a selector names exactly one of activity, kind, modality or format "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.kind is not None and not self.kind:
            raise ValueError("'kind' lists no kinds")
        if self.min_minutes is not None and self.min_minutes < 1:
            raise ValueError(f"'min_minutes' must be at least 1 (got {self.min_minutes})")

    def matches_kind(
        self, activity: str, kind: ActivityKind, modality: str | None, fmt: Format
    ) -> bool:
        """Whether an activity of these properties is selected (length aside)."""
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
        if self.min_minutes is not None and block.minutes < self.min_minutes:
            return False
        return self.matches_kind(block.activity, block.kind, block.modality, block.format)

    def describe(self, catalog: Catalog | None = None, count: int = 2) -> str:
        """What the selector counts, in words for ``count`` of them, for example
        ``"psychoeducation activities"``, ``"'Individual check-in'"`` (a title, when the
        catalog is given) or ``"group activities of 50+ minutes"``."""
        noun = "activity" if count == 1 else "activities"
        if self.activity is not None:
            what = f"'{self._title(catalog, self.activity)}'"
        elif self.kind is not None:
            what = " or ".join(k.value.replace("-", " ") for k in self.kind) + f" {noun}"
        elif self.modality is not None:
            name = self.modality
            if catalog is not None and self.modality in catalog:
                try:
                    name = catalog.modality(self.modality).name
                except KeyError:
                    name = self.modality
            what = f"{name} {noun}"
        else:
            what = f"{self.format.value if self.format else ''} {noun}"
        if self.min_minutes is not None:
            what += f" of {self.min_minutes}+ minutes"
        return what

    @staticmethod
    def _title(catalog: Catalog | None, activity_id: str) -> str:
        if catalog is not None:
            try:
                return catalog.activity(activity_id).title
            except KeyError:
                pass
        return activity_id
