"""Marking public names as belonging to the package that exports them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs


def publish(package: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Set ``__module__`` of the exported classes and functions to ``package``, so docs,
    reprs and pickles name them by their public home (attrs classes get their annotations
    resolved first, while their own module's names are still what they refer to)."""
    for name in names:
        obj = namespace[name]
        if isinstance(obj, type) and attrs.has(obj):
            # annotations are read in the defining module: resolve them before it changes
            attrs.resolve_types(obj)
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__module__")):
            try:
                obj.__module__ = package
            except (AttributeError, TypeError):  # pragma: no cover - builtins
                continue
