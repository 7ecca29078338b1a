"""Waiting for the next change: PostgreSQL ``LISTEN``, or a pause between looks.

Every change committed to a PostgreSQL store is announced with ``NOTIFY`` on
the store's channel (see ``_sink.py``), its revision as the payload; a
follower waiting here wakes as soon as one arrives. On SQLite (or a driver
that cannot listen) waiting is a pause of the given interval, after which the
follower looks at the store's revision again.

The listening connection can drop (the server restarts, an administrator
terminates it): waiting then raises the driver's error, and the connection
is discarded rather than returned to the pool. Entering again listens on a
new connection; the caller decides when (``Follower`` backs off).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine

from ._sink import listen_name, notify_channel

__all__ = ["Wait", "announcements", "newest_revision"]

#: Returns at the next change announced, or after the interval: the newest revision
#: announced meanwhile, or ``None`` when none was (or nothing announces changes).
Wait: TypeAlias = Callable[[], int | None]


@contextmanager
def announcements(engine: Engine, interval: float, stop: threading.Event) -> Iterator[Wait]:
    """A function that returns at the next change announced (or after ``interval`` seconds).

    The pause ends early when ``stop`` is set. On PostgreSQL it returns the
    revision the announcement carried.

    Raises:
        sqlalchemy.exc.DBAPIError: connecting or ``LISTEN`` failed (on entering).
        Exception: the driver's error, from the function, when the listening
            connection is lost.
    """

    def pause() -> int | None:
        stop.wait(interval)
        return None

    if engine.dialect.name != "postgresql":
        yield pause
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        driver: Any = conn.connection.driver_connection
        if not hasattr(driver, "notifies"):
            yield pause
            return
        channel = listen_name(notify_channel(conn))
        conn.exec_driver_sql(f"LISTEN {channel}")

        def wait() -> int | None:
            try:
                payloads = [n.payload for n in driver.notifies(timeout=interval, stop_after=1)]
            except Exception:
                # The driver raised, not SQLAlchemy: tell the pool this connection is gone.
                conn.invalidate()
                raise
            return newest_revision(payloads)

        try:
            yield wait
        finally:
            _unlisten(conn, channel)


def _unlisten(conn: Connection, channel: str) -> None:
    """Stop listening, or discard the connection: a pooled one must not keep listening."""
    if conn.invalidated:
        return
    try:
        conn.exec_driver_sql(f"UNLISTEN {channel}")
    except Exception:  # already lost (the server went away): nothing to undo
        if not conn.invalidated:
            conn.invalidate()


def newest_revision(payloads: Iterable[str]) -> int | None:
    """The highest revision among NOTIFY ``payloads`` (others' payloads are ignored), or None."""
    revisions = [int(p) for p in payloads if p.isascii() and p.isdigit()]
    return max(revisions, default=None)
