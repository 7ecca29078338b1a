"""What one page of an admin list asks for (:class:`ListQuery`) and what it holds (:class:`Page`).

Value objects, checked when they are made; the SQL that answers them is
``_lists.py``. What depends on the kind listed (sort column, filter names) is
checked there, as a query does not know the kind it will be asked of.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..._errors import InvalidInput

__all__ = ["MAX_LIMIT", "MAX_SEARCH", "ListQuery", "Page"]

#: The most rows one page holds.
MAX_LIMIT = 500
#: The largest offset: what a signed 64-bit ``OFFSET`` holds (PostgreSQL refuses more).
_MAX_OFFSET = 2**63 - 1
#: The longest search term, in characters (longer than any searched text).
MAX_SEARCH = 320


#: NUL and the other control characters (Unicode category Cc).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _control(value: str) -> str | None:
    """The first NUL or other control character of ``value`` (None if it has none).

    No shown text holds one; a NUL matched every row on SQLite and was a
    driver error on PostgreSQL, so they are refused before any SQL.
    """
    found = _CONTROL.search(value)
    return found.group() if found else None


def _search(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"search must be a string or None, got {type(value).__name__} {value!r}")
    if len(value) > MAX_SEARCH:
        raise InvalidInput(f"search {value[:40]!r}... is longer than {MAX_SEARCH} characters")
    if (char := _control(value)) is not None:
        raise InvalidInput(f"search {value[:40]!r} holds the control character {char!r}")
    return value


def _filters(value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"filters must be a mapping of filter name to value, got {type(value).__name__}"
        )
    for name, wanted in value.items():
        if not isinstance(name, str) or not isinstance(wanted, str):
            raise InvalidInput(f"filter {name!r}={wanted!r}: names and values must be strings")
        if (char := _control(name) or _control(wanted)) is not None:
            raise InvalidInput(
                f"filter {name[:40]!r}={wanted[:40]!r} holds the control character {char!r}"
            )
    # Read-only, so a frozen query stays what it was checked to be.
    return MappingProxyType(dict(sorted(value.items())))


def _check_sort(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"sort must name a column, got {value!r}")


def _check_bool(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{attribute.name} must be True or False, got {value!r}")


def _int_between(low: int, high: int | None) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        too_high = high is not None and isinstance(value, int) and value > high
        if isinstance(value, bool) or not isinstance(value, int) or value < low or too_high:
            bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
            # A huge int has no repr (over 4,300 digits), and a value may be megabytes.
            big = isinstance(value, int) and value.bit_length() > 64
            shown = "a number beyond 64 bits" if big else repr(value)[:100]
            raise InvalidInput(f"{attribute.name} must be a whole number {bounds}, got {shown}")

    return check


@attrs.frozen(kw_only=True)
class ListQuery:
    """What one page of a list holds: search, filters, sort and the slice.

    Checked at construction, except what depends on the kind listed (the
    sort column and filter names), which :meth:`rbac_kit.store.Store.list` checks.
    """

    #: A case-insensitive substring of the shown text (None or "" for everything).
    search: str | None = attrs.field(default=None, converter=_search)
    #: Filter name -> value: people by ``role`` (id), ``group`` (id) and ``status``;
    #: APIs by ``environment`` and ``category`` (exact values).
    filters: Mapping[str, str] = attrs.field(factory=dict, converter=_filters, hash=False)
    #: The column to sort by (any of the kind's :data:`COLUMNS`).
    sort: str = attrs.field(default="id", validator=_check_sort)
    descending: bool = attrs.field(default=False, validator=_check_bool)
    #: Matching rows to skip, 0 to 2**63 - 1 (a signed 64-bit integer).
    offset: int = attrs.field(default=0, validator=_int_between(0, _MAX_OFFSET))
    #: Rows in the page, 1 to :data:`MAX_LIMIT`.
    limit: int = attrs.field(default=50, validator=_int_between(1, MAX_LIMIT))


@attrs.frozen(kw_only=True)
class Page:
    """One page of a list and how many rows matched in all."""

    #: The rows, in order; each maps the kind's :data:`COLUMNS` to values.
    rows: tuple[Mapping[str, object], ...]
    #: Rows matching the search and filters, before paging.
    total: int
    offset: int
    limit: int
