"""Entities as JSON-ready dicts, and one-line summaries for people to read."""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = ["describe"]


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def describe(entity: Any) -> dict[str, Any]:
    """An attrs entity's fields as JSON-ready values (a password hash is never shown)."""
    fields = attrs.asdict(entity, recurse=False)
    fields.pop("password_hash", None)
    return {name: _plain(value) for name, value in fields.items()}
