"""Marking public names as belonging to the package that exports them."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

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


def lazy(
    namespace: MutableMapping[str, Any], names: frozenset[str], module: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` (PEP 562) for ``names`` defined in
    ``module``, imported when one of them is first asked for and then kept in the
    package's ``namespace``; ``module`` names its public ones by calling :func:`publish`
    itself, so they read the same however it was first imported."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name in names:
            value = getattr(importlib.import_module(module), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807 - the module hook's own name
        return sorted({*namespace, *names})

    return __getattr__, __dir__
