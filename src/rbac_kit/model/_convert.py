"""One converter for every boundary: values to JSON-ready data and back.

The audit log's row snapshots (``store/_rows.py``), the command line's
``--json`` output (``cli/_describe.py``), the decision service's answers
(``service/_app.py``) and the context kept with queued emails
(``onboarding/_mail.py``) all go through the one :mod:`cattrs` converter
configured here, so a value reads the same wherever it leaves the library:

- times: ISO 8601 in UTC with a numeric offset, as
  :meth:`datetime.datetime.isoformat` writes it (``2026-12-04T14:30:00+00:00``,
  with ``.ffffff`` when there are microseconds); a naive time is taken as UTC.
  Reading also accepts ``Z`` and any other offset (:func:`parse_time`);
- enums: their value;
- sets and frozensets: sorted lists;
- attrs classes: dicts of their fields (and back, through the class, which
  checks every field).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Set
from typing import Any, TypeVar

import cattrs

from .._errors import InvalidInput

__all__ = ["as_utc", "format_time", "parse_time", "structure", "to_jsonable"]

T = TypeVar("T")

#: How much of a bad value an error message shows.
_SHOWN = 100


def as_utc(field: str, value: dt.datetime) -> dt.datetime:
    """``value`` as the same instant in UTC; a naive time is taken as UTC.

    Raises:
        InvalidInput: ``value`` is not a datetime (the message names ``field``).
    """
    if not isinstance(value, dt.datetime):
        shown = repr(value)[:_SHOWN]
        raise InvalidInput(f"{field} must be a datetime, got {type(value).__name__} {shown}")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def format_time(value: dt.datetime) -> str:
    """``value`` as ISO 8601 text in UTC, e.g. ``2026-12-04T14:30:00+00:00``.

    A naive time is taken as UTC. Microseconds are written when there are any,
    so the text reads back as the same instant.

    Raises:
        InvalidInput: ``value`` is not a datetime.
    """
    return as_utc("a time", value).isoformat()


def parse_time(text: str) -> dt.datetime:
    """The aware UTC time ISO 8601 ``text`` names (the inverse of :func:`format_time`).

    Accepts what :func:`format_time` writes and what earlier versions stored
    (``+00:00`` or ``Z``, any offset, with or without microseconds); text with
    no offset is taken as UTC.

    Raises:
        InvalidInput: ``text`` is not an ISO 8601 time.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"a time must be ISO 8601 text, got {type(text).__name__}")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"time {text[:_SHOWN]!r} is not ISO 8601 (e.g. 2026-12-04T14:30:00+00:00)"
        ) from None
    return as_utc("a time", value)


def _structure_text(value: Any, _: type) -> str:
    # cattrs would turn 5 or None into "5" or "None"; at a boundary that is an error.
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(
        # Sets leave as sorted lists, so the same set always reads the same.
        unstruct_collection_overrides={Set: sorted},
        # A field with a converter of its own (most fields of the value objects)
        # gets the raw value, so the model's checks and their messages apply.
        prefer_attrib_converters=True,
    )
    converter.register_unstructure_hook(dt.datetime, format_time)
    converter.register_structure_hook(dt.datetime, lambda value, _: parse_time(value))
    converter.register_structure_hook(str, _structure_text)
    # cattrs passes str and int enums through as they are (they are a str or an
    # int); give their plain value, as it does for other enums.
    converter.register_unstructure_hook(enum.StrEnum, _enum_value)
    converter.register_unstructure_hook(enum.IntEnum, _enum_value)
    return converter


_CONVERTER = _make_converter()


def to_jsonable(value: object) -> Any:
    """``value`` as data :func:`json.dumps` writes as is: dicts, lists, text, numbers.

    Attrs classes become dicts of their fields, times ISO 8601 text in UTC,
    enums their value, sets sorted lists; dicts, lists and tuples are
    converted item by item.
    """
    return _CONVERTER.unstructure(value)


def structure(data: object, cls: type[T]) -> T:
    """The ``cls`` (an attrs class) that JSON-ready ``data`` describes.

    The inverse of :func:`to_jsonable`: the class's own converters and
    validators check every field on the way in.

    Raises:
        InvalidInput: a field is missing or invalid, naming each problem and
            where it is (``$.email``).
    """
    try:
        return _CONVERTER.structure(data, cls)
    except cattrs.BaseValidationError as error:
        problems = "; ".join(cattrs.transform_error(error, format_exception=_problem))
        raise InvalidInput(f"cannot read a {cls.__name__}: {problems}") from error


def _problem(error: BaseException, cls: type | None) -> str:
    # The model's own checks already say what is wrong and what would be valid.
    if isinstance(error, InvalidInput):
        return str(error)
    return cattrs.v.format_exception(error, cls)
