"""Checks at iopkit's edges, each refusing a value with an error that says what was
expected and where.

- :func:`expect` checks an argument of a public function (``compose(None)``).
- :func:`located` makes a class's constructor raise :class:`~iopkit.errors.ProgramError`
  located by field path; :func:`invalid` is what its validators raise, and :func:`build`,
  :func:`items`, :func:`member` and :func:`date` are the small conversions its field
  converters share (a mapping of the file's keys into an object, a list, an enumeration,
  a date).

Wrong types raise :class:`~iopkit.errors.ProgramTypeError`, which is a ``ProgramError``,
a ``ValueError`` and a ``TypeError``; other wrong values raise ``ProgramError``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import functools
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from iopkit.errors import InputError, Problem, ProgramError, ProgramTypeError, excerpt

_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

#: The attribute marking a class whose constructor raises located errors.
_LOCATED = "_iopkit_located"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def got(value: object) -> str:
    """What a value is, for a message: ``None``, ``float 8.5``, ``str 'x.yaml'``, ``dict``."""
    if value is None:
        return "None"
    if isinstance(value, str | bytes | int | float | os.PathLike):
        return f"{type(value).__name__} {excerpt(value)}"
    return type(value).__name__


def did_you_mean(value: object, options: Iterable[str]) -> str:
    """``"; did you mean 'tue'?"`` when an option is close to ``value``, else ``""``."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# -- arguments of public functions ------------------------------------------------------

#: The hint for a file name given where a program was expected.
READ_PROGRAM = "; to read a file use load_program(path)"
#: The hint for a file name given where a curriculum was expected.
READ_CURRICULUM = "; to read a file use load_curriculum(path)"


def expect(value: object, kind: type | tuple[type, ...], what: str, hint: str = "") -> None:
    """Refuse an argument that is not of ``kind`` with a :class:`ProgramTypeError`.

    ``what`` starts the message (``"compose() takes a Program"``); the message adds what
    was given and then ``hint`` (``"; to read a file use load_program(path)"``). A bool is
    not taken for a whole number unless ``kind`` names ``bool``.
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, kinds) and (not isinstance(value, bool) or bool in kinds):
        return
    raise ProgramTypeError([Problem(message=f"{what} (got {got(value)}){hint}")])


def expect_one_of(value: object, options: Iterable[object], what: str) -> None:
    """Refuse an argument that is none of ``options``, naming them: a
    :class:`ProgramTypeError` when its type is none of theirs, else a
    :class:`ProgramError`."""
    allowed = tuple(options)
    if any(value is o or (type(value) is type(o) and value == o) for o in allowed):
        return
    shown = ", ".join(repr(o) for o in allowed)
    problems = [Problem(message=f"{what} must be one of {shown} (got {got(value)})")]
    if any(isinstance(value, type(o)) for o in allowed):
        raise ProgramError(problems)
    raise ProgramTypeError(problems)


# -- constructors -------------------------------------------------------------------------


def key(name: str) -> str:
    """The file key of a field: its name without a trailing underscore (``from_``)."""
    return name.removesuffix("_")


def invalid(
    inst: object,
    field: attrs.Attribute[Any] | None,
    message: str,
    *,
    wrong_type: bool = False,
    index: int | None = None,
) -> Exception:
    """The error a validator (or ``__attrs_post_init__``) raises about ``inst``.

    In a class made with :func:`located`: a :class:`ProgramError` (or
    :class:`ProgramTypeError` for ``wrong_type``) located at the field (and item
    ``index``), or at the whole object without a field. In other classes: a plain
    ``ValueError`` (or ``TypeError``) with the same message.
    """
    cls = type(inst)
    if not getattr(cls, _LOCATED, False):
        return TypeError(message) if wrong_type else ValueError(message)
    pointer = "" if field is None else "/" + key(field.name)
    if index is not None:
        pointer += f"/{index}"
    problems = [Problem(message=message, pointer=pointer, root=cls.__name__)]
    return ProgramTypeError(problems) if wrong_type else ProgramError(problems)


def invalid_item(index: int, message: str, *, wrong_type: bool = True) -> InputError:
    """The error a field converter raises about item ``index`` of the list it converts
    (the constructor adds the field's place)."""
    problems = [Problem(message=message, pointer=f"/{index}")]
    return ProgramTypeError(problems) if wrong_type else ProgramError(problems)


def reroot(exc: Exception, root: str | None, prefix: str) -> InputError:
    """``exc`` as an error located under ``prefix`` (a JSON pointer) of an object of class
    ``root``: its problems move under the prefix, and a plain ``TypeError`` or
    ``ValueError`` becomes one problem there. Problems found in a file stay as they are."""
    if isinstance(exc, InputError):
        problems = [
            p
            if p.file is not None
            else Problem(message=p.message, pointer=prefix + p.pointer, line=p.line, root=root)
            for p in exc.problems
        ]
        return type(exc)(problems)
    problem = Problem(message=str(exc) or type(exc).__name__, pointer=prefix, root=root)
    return ProgramTypeError([problem]) if isinstance(exc, TypeError) else ProgramError([problem])


def located(cls: type[_T]) -> type[_T]:
    """Make the constructor of an attrs class (applied above ``@attrs.frozen``) raise
    located errors: a value a field converter refuses is reported at that field, with the
    path inside it when the value was a mapping or a list (``tracks[0].weeks.from``);
    unknown and missing keys are named; validators raise with :func:`invalid`.

    Building an object that is right costs one more call and nothing else: the errors are
    located only when one is raised.
    """
    init = cls.__init__

    @functools.wraps(init)
    def located_init(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except (ValueError, TypeError) as exc:
            raise _locate(cls, init, args, kwargs, exc) from None

    type.__setattr__(cls, "__init__", located_init)
    type.__setattr__(cls, _LOCATED, True)
    return cls


def _locate(
    cls: type[Any],
    init: Callable[..., None],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    exc: Exception,
) -> InputError:
    """Where the error ``exc`` raised by ``cls(*args, **kwargs)`` lies."""
    name = cls.__name__
    if args:
        message = f"takes keyword arguments only, as {name}(name=value, ...)"
        return ProgramTypeError([Problem(message=message, root=name)])
    params = dict(inspect.signature(init).parameters)
    params.pop("self", None)
    keys = [key(p) for p in params]
    problems = [
        Problem(message=f"unknown key {excerpt(k)}{did_you_mean(k, keys)}", root=name)
        for k in kwargs
        if k not in params
    ]
    problems += [
        Problem(message="required, but not given", pointer=f"/{key(p.name)}", root=name)
        for p in params.values()
        if p.default is p.empty and p.kind is p.KEYWORD_ONLY and p.name not in kwargs
    ]
    if problems:
        return ProgramTypeError(problems)
    # converters run before validators, in field order: the first that refuses its value
    # again is the one that refused it
    for field in attrs.fields(cls):
        if field.converter is None or not field.init or field.alias not in kwargs:
            continue
        try:
            field.converter(kwargs[field.alias])
        except (ValueError, TypeError) as inner:
            return reroot(inner, name, "/" + key(field.name))
    return reroot(exc, name, "")


def build(cls: type[_T], value: object, what: str, aliases: Mapping[str, str] | None = None) -> _T:
    """``value`` if it is a ``cls``; a mapping with the file's keys, built into one; else
    a ``TypeError`` saying ``what`` it must be. ``aliases`` maps file keys to argument
    names (``{"from": "from_"}``)."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        kwargs: dict[str, Any] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"the keys of a mapping are texts (got {got(name)})")
            kwargs[aliases.get(name, name) if aliases else name] = item
        return cls(**kwargs)
    raise TypeError(f"must be {what} (got {got(value)})")


def items(
    value: object,
    convert: Callable[[Any], _T],
    what: str,
    single: type | tuple[type, ...] = (),
) -> tuple[_T, ...]:
    """A tuple of ``convert(item)`` for each item of a list; a value of a ``single`` type
    is a list of one. An item's error is located at its index."""
    if value.__class__ is not tuple and value.__class__ is not list:
        if single and isinstance(value, single):
            return (convert(value),)
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"must be a list of {what} (got {got(value)})")
    result = []
    for index, item in enumerate(value):
        try:
            result.append(convert(item))
        except (ValueError, TypeError) as exc:
            raise reroot(exc, None, f"/{index}") from None
    return tuple(result)


def member(cls: type[_E], value: object) -> _E:
    """The member of an enumeration a value names (``"mon"`` for ``Weekday.MON``)."""
    if value.__class__ is cls:
        return value
    options = [str(m.value) for m in cls]
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
        raise ValueError(
            f"{excerpt(value)} is not one of {', '.join(options)}{did_you_mean(value, options)}"
        )
    raise TypeError(f"must be one of {', '.join(options)} (got {got(value)})")


def date(value: object) -> dt.date:
    """A date given as a :class:`datetime.date` or as an ISO text ``YYYY-MM-DD``."""
    if value.__class__ is dt.date:
        return value
    if isinstance(value, str):
        if not _DATE.fullmatch(value):
            raise ValueError(f"{excerpt(value)} is not a date written YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{excerpt(value)} is not a date ({exc})") from None
    if isinstance(value, dt.datetime):
        raise TypeError(f"must be a date, not a date and time (got {value!r}): use .date()")
    raise TypeError(f"must be a date or a text YYYY-MM-DD (got {got(value)})")


# -- validators -------------------------------------------------------------------------------


def whole(low: int | None = None, high: int | None = None, *, optional: bool = False) -> Validator:
    """A validator: a whole number (not a bool) from ``low`` to ``high``; ``None`` too when
    ``optional``."""

    def check(inst: object, field: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(
                inst, field, f"must be a whole number (got {got(value)})", wrong_type=True
            )
        if low is not None and value < low:
            raise invalid(inst, field, f"must be {low} or more (got {value})")
        if high is not None and value > high:
            raise invalid(inst, field, f"must be at most {high} (got {value})")

    return check


def boolean(inst: object, field: attrs.Attribute[Any], value: object) -> None:
    """A validator: ``True`` or ``False``."""
    if value is not True and value is not False:
        raise invalid(inst, field, f"must be True or False (got {got(value)})", wrong_type=True)


def one_of(options: Iterable[int]) -> Validator:
    """A validator: one of these whole numbers."""
    allowed = tuple(options)
    shown = ", ".join(map(str, allowed))

    def check(inst: object, field: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(
                inst, field, f"must be a whole number (got {got(value)})", wrong_type=True
            )
        if value not in allowed:
            raise invalid(inst, field, f"must be one of {shown} (got {value})")

    return check


def instance(kind: type, what: str) -> Validator:
    """A validator: ``None`` or an instance of ``kind`` (``what`` names it)."""

    def check(inst: object, field: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, kind):
            raise invalid(inst, field, f"must be {what} (got {got(value)})", wrong_type=True)

    return check
