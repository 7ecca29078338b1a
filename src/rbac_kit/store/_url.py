"""Which database URLs a store lives at, and what opening one tells a caller.

A store lives in SQLite (``sqlite:///path/to/file.db``, the embedded default)
or PostgreSQL (``postgresql+psycopg://user@host/db``, or plain
``postgresql://``, which means psycopg 3 here). Anything else is refused
before anything connects, with the URL to use instead where there is one;
a URL's password never appears in a message.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .._errors import InvalidInput

__all__ = ["EXAMPLES", "check_url", "shown", "sqlite_file"]

#: What a store's URL looks like.
EXAMPLES = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
#: The drivers each database may name (empty: the default).
_DRIVERS = {"sqlite": ("", "pysqlite"), "postgresql": ("", "psycopg")}


def shown(url: str | URL) -> str:
    """``url`` as a message may show it: its password as ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url[:100])


def check_url(url: str | URL) -> URL:
    """``url`` parsed, if a store can live there.

    Raises:
        InvalidInput: not a URL, or a database or driver rbac_kit does not store in
            (``postgres://``, ``mysql://``, ``postgresql+psycopg2://``, ...).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(f"{shown(url)} is not a database URL: use {EXAMPLES}") from None
    backend, _, driver = parsed.drivername.lower().partition("+")
    if backend == "postgres":
        fixed = parsed.set(drivername="postgresql+psycopg")
        raise InvalidInput(
            f"{shown(parsed)}: postgres:// is not a SQLAlchemy URL; use {shown(fixed)}"
        )
    if backend not in _DRIVERS:
        raise InvalidInput(
            f"{shown(parsed)}: {backend} is not supported; rbac_kit stores in SQLite or "
            f"PostgreSQL: {EXAMPLES}"
        )
    if driver not in _DRIVERS[backend]:
        wanted = "postgresql+psycopg" if backend == "postgresql" else "sqlite"
        raise InvalidInput(
            f"{shown(parsed)}: the driver {driver} is not supported; use "
            f"{shown(parsed.set(drivername=wanted))}"
        )
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory store (or another database)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)
