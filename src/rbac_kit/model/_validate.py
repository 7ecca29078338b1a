"""Checks shared by the value objects: slugs, names, emails, Customer IDs.

Each check returns the (normalised) value or raises :class:`InvalidInput`
naming the field, the offending value and what would be valid.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .._errors import InvalidInput

__all__ = [
    "customer_id",
    "email",
    "entity_id",
    "name",
    "slug",
]

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_ENTITY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_MAX_NAME = 200
_MAX_CUSTOMER_ID = 255


_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _has_control(text: str) -> bool:
    # Cs: a lone surrogate cannot even be encoded as UTF-8 (to a database, a CSV, a URL).
    if text.isprintable():
        # Fast path: a printable string holds no character of categories C* or Z*
        # other than the ASCII space, so none of the rejected ones.
        return False
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text)


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, got {type(value).__name__} {value!r}")
    return value


def slug(field: str, value: Any) -> str:
    """A lower-case slug: letters, digits and inner hyphens, 1 to 63 characters."""
    text = _text(field, value)
    if not _SLUG.fullmatch(text):
        raise InvalidInput(
            f"{field} {text!r} is not a valid slug: use 1 to 63 lower-case letters, "
            "digits and inner hyphens (e.g. 'payments-api')"
        )
    return text


def entity_id(field: str, value: Any) -> str:
    """An id: a letter or digit, then letters, digits, '_', '.' or '-' (at most 64)."""
    text = _text(field, value)
    if not _ENTITY_ID.fullmatch(text):
        raise InvalidInput(
            f"{field} {text!r} is not a valid id: use 1 to 64 letters, digits, '_', '.' "
            "or '-', starting with a letter or digit"
        )
    return text


def name(field: str, value: Any) -> str:
    """A display name: trimmed, not empty, no control characters, at most 200 characters."""
    text = _text(field, value).strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty")
    if len(text) > _MAX_NAME:
        raise InvalidInput(f"{field} {text[:40]!r}... is longer than {_MAX_NAME} characters")
    if _has_control(text):
        raise InvalidInput(f"{field} {text!r} contains control characters")
    return text


def email(field: str, value: Any) -> str:
    """An email address, trimmed, with its domain lower-cased (the local part keeps its case)."""
    text = _text(field, value).strip()
    local, at, domain = text.rpartition("@")
    if not at or not _EMAIL_LOCAL.fullmatch(local) or not _EMAIL_DOMAIN.fullmatch(domain):
        raise InvalidInput(
            f"{field} {text!r} is not a valid email address (expected name@example.com)"
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidInput(f"{field} {text!r} has dots in the wrong place before the '@'")
    return f"{local}@{domain.lower()}"


def customer_id(field: str, value: Any) -> str:
    """A Customer ID, kept exactly as given.

    Case-sensitive and never trimmed: input with surrounding whitespace or any
    control character is rejected rather than silently changed.
    """
    text = _text(field, value)
    if not text:
        raise InvalidInput(f"{field} must not be empty")
    if text != text.strip():
        raise InvalidInput(
            f"{field} {text!r} has surrounding whitespace; Customer IDs are stored exactly "
            "as given, so remove it before sending"
        )
    if _has_control(text):
        raise InvalidInput(f"{field} {text!r} contains control characters")
    if len(text) > _MAX_CUSTOMER_ID:
        raise InvalidInput(f"{field} {text[:40]!r}... is longer than {_MAX_CUSTOMER_ID} characters")
    return text
