"""Waiting for the next change: PostgreSQL ``LISTEN``, or a pause between looks.

Every change committed to a PostgreSQL store is announced with ``NOTIFY`` on
the store's channel (see ``_sink.py``); a follower waiting here wakes as
soon as one arrives. On SQLite (or a driver that cannot listen) waiting is a
pause of the given interval, after which the follower looks at the store's
revision again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from ._sink import listen_name, notify_channel

__all__ = ["announcements"]


@contextmanager
def announcements(
    engine: Engine, interval: float, stop: threading.Event
) -> Iterator[Callable[[], None]]:
    """A function that returns at the next change announced (or after ``interval`` seconds).

    The pause ends early when ``stop`` is set.
    """

    def pause() -> None:
        stop.wait(interval)

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

        def wait() -> None:
            for _ in driver.notifies(timeout=interval, stop_after=1):
                pass

        try:
            yield wait
        finally:
            conn.exec_driver_sql(f"UNLISTEN {channel}")
