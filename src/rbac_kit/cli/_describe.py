"""Entities as JSON-ready dicts, through the library's one converter (``model/_convert.py``)."""

from __future__ import annotations

from typing import Any

from ..model import to_jsonable

__all__ = ["describe"]


def describe(entity: Any) -> dict[str, Any]:
    """An attrs entity's fields as JSON-ready values (a password hash is never shown).

    Times are ISO 8601 text in UTC (``2026-12-04T14:30:00+00:00``), enums
    their value, sets sorted lists.
    """
    fields: dict[str, Any] = to_jsonable(entity)
    fields.pop("password_hash", None)
    return fields
