"""Invitation tokens: minted from :mod:`secrets`, stored only as a hash, checked in constant time.

A token reads ``<invitation id>.<secret>``. The id says which invitation to
look up (it is random, but not secret); the secret is 32 bytes (256 bits)
from :func:`secrets.token_urlsafe`. The store keeps only the SHA-256 of the
whole token: a token has far too much entropy to be guessed from its hash,
so a slow password hash would add cost and nothing else. Checking compares
the hashes with :func:`hmac.compare_digest`, so the time taken says nothing
about how much of a forged token was right.

Both parts use only URL-safe characters, so a token goes into a link as is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = [
    "SECRET_BYTES",
    "hash_token",
    "invitation_id_of",
    "new_invitation_id",
    "new_token",
    "token_matches",
]

#: Random bytes in a token's secret (256 bits; the spec asks for at least 128).
SECRET_BYTES = 32
#: Random bytes in an invitation id (the token's public half).
_ID_BYTES = 8
_ID = re.compile(r"[0-9a-f]{16}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def new_invitation_id() -> str:
    """A fresh invitation id: 16 lower-case hexadecimal characters."""
    return secrets.token_hex(_ID_BYTES)


def new_token(invitation_id: str) -> tuple[str, str]:
    """A fresh token for ``invitation_id`` and the hash to store: ``(token, hash)``."""
    token = f"{invitation_id}.{secrets.token_urlsafe(SECRET_BYTES)}"
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The hash the store keeps of ``token``: SHA-256, as 64 hexadecimal characters."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_id_of(token: object) -> str | None:
    """The invitation id a well-formed token names, or None for anything else.

    Only the shape is checked here; whether the token is the invitation's
    current one is :func:`token_matches`.
    """
    if not isinstance(token, str):
        return None
    ident, sep, secret = token.partition(".")
    if not sep or not _ID.fullmatch(ident) or not _SECRET.fullmatch(secret):
        return None
    return ident


def token_matches(token: str, stored_hash: str | None) -> bool:
    """Whether ``token`` is the one whose hash is ``stored_hash``, compared in constant time."""
    if stored_hash is None:
        # Still hash and compare, so a token without a stored hash takes as long.
        hmac.compare_digest(hash_token(token), "0" * 64)
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)
