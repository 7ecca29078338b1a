"""Checks shared by the value objects: slugs, names, emails, Customer IDs.

Each check returns the (normalised) value or raises :class:`InvalidInput`
naming the field, the offending value and what would be valid. Email syntax
is email-validator's (internationalised addresses, normalisation); see
:func:`email`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

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


#: How much of a rejected address (and of the reason) a message shows.
_SHOWN_EMAIL = 100
#: What email-validator says of a special-use domain (see _normalised_email).
_SPECIAL_USE = "special-use or reserved name"

# The fast path. email-validator takes about 40 microseconds an address, 30 times
# the regular expressions below: 4 s more to open a store of 100,000 people,
# past its 10 s target (docs/benchmarks.md). Addresses already in normal form
# (every one the store reads back) nearly always are plain ASCII with lower-case
# LDH labels; such an address is returned as it is, which is exactly what
# email-validator returns for it (tests/model/test_validate.py holds this with
# hypothesis). Anything else, and every rejection, is email-validator's.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_PLAIN_DOMAIN = re.compile(
    # Labels of a-z, 0-9 and inner '-', none of the reserved form "ab--" (nor
    # Punycode "xn--"); the last label ends with a letter, as every TLD does.
    r"(?:(?![a-z0-9-]{2}--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?![a-z0-9-]{2}--)(?:[a-z0-9][a-z0-9-]{0,61})?[a-z]"
)
_CASE_INSENSITIVE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _is_plain_email(text: str) -> bool:
    local, _, domain = text.rpartition("@")
    if len(text) > 254 or len(local) > 64 or local.lower() in _CASE_INSENSITIVE_MAILBOXES:
        return False
    if not _PLAIN_LOCAL.fullmatch(local) or not _PLAIN_DOMAIN.fullmatch(domain):
        return False
    # Read at each call, as email-validator does: its users may change the list
    # (a host whose people are on ".local" may remove "local" from it).
    reserved = _reserved_suffixes(tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES))
    return not ("." + domain).endswith(reserved)


@functools.cache
def _reserved_suffixes(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("." + name for name in names if name != "test")


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut after 100 characters."""
    if len(text) <= _SHOWN_EMAIL:
        return repr(text)
    return repr(text[:_SHOWN_EMAIL]) + "..."


def email(field: str, value: Any) -> str:
    """An email address, trimmed and normalised by email-validator; no DNS lookup.

    Internationalised addresses are valid (``用户@例子.广告``, ``ann@bücher.de``).
    The normalised form is what is kept: the domain lower-cased and IDNA
    (UTS-46) normalised in its Unicode form (``ann@xn--bcher-kva.de`` becomes
    ``ann@bücher.de``), the local part in Unicode NFC keeping its case (RFC 5321;
    only role names such as ``Postmaster`` are lower-cased, RFC 2142). The
    domain has a dot and its last label ends with a letter. Special-use
    domains (``corp.local``, ``.test``) are valid: internal directories use
    them, and rbac_kit sends mail only where the host's sender can.
    """
    text = _text(field, value).strip()
    return text if _is_plain_email(text) else _normalised_email(field, text)


def _normalised_email(field: str, text: str) -> str:
    try:
        return _validated(text)
    except EmailNotValidError as error:
        if _SPECIAL_USE not in str(error):
            raise _refused(field, text, error) from None
    # A special-use domain (``corp.local``): internal directories use them, and stores
    # written before email-validator hold them. Checked as the same address under
    # ``.test`` (the one special-use name the check lets through), then given back.
    try:
        checked = _validated(f"{text}.test")
    except EmailNotValidError as error:
        raise _refused(field, text, error) from None
    return checked.removesuffix(".test")


def _validated(text: str) -> str:
    checked = validate_email(
        text,
        check_deliverability=False,
        # Every option given, so no host's change to email-validator's defaults changes ours.
        allow_smtputf8=True,
        allow_quoted_local=False,
        allow_domain_literal=False,
        allow_display_name=False,
        globally_deliverable=True,
        test_environment=True,  # allows only the special-use name "test"
        strict=True,  # also counts the local part (64 characters at most)
    )
    normalized: str = checked.normalized
    return normalized


def _refused(field: str, text: str, error: EmailNotValidError) -> InvalidInput:
    reason = str(error).rstrip(".")
    reason = (reason[:1].lower() + reason[1:])[:_SHOWN_EMAIL]
    return InvalidInput(
        f"{field} {_shown(text)} is not a valid email address: {reason} "
        "(expected e.g. name@example.com)"
    )


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
