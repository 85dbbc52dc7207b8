"""Therapy modalities: the approaches activities and modules belong to."""

from __future__ import annotations

import attrs

from iopkit._checks import located
from iopkit._types import check_slug, check_text, long_text, nfc


@located
@attrs.frozen(kw_only=True)
class TherapyModality:
    """A therapeutic approach, such as CBT, DBT or group therapy.

    Attributes:
        id: A slug such as ``"cbt"``; unique in a catalog.
        name: The name people use, such as ``"Cognitive Behavioral Therapy"``.
        description: One or two neutral sentences.
    """

    id: str = attrs.field(validator=check_slug)
    name: str = attrs.field(converter=nfc, validator=check_text)
    description: str = attrs.field(default="", converter=long_text)
