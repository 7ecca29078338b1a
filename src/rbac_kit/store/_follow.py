"""Following the store: changes other processes commit reach this process's Authorizer.

A :class:`Follower` reads the audit events after the revision its Authorizer
is at and replays each one (``_replay.py``) through ``Authorizer.apply``, so
the directory, the policy and the decision index move forward incrementally,
one revision at a time, exactly as if the change had been made here. The
store's sink recognises a replay and writes nothing.

When to look: :meth:`Follower.catch_up` on demand (before a change, or to
read your own writes made elsewhere), or :meth:`Follower.start` for a
background thread that waits for PostgreSQL ``NOTIFY`` on the channel every
change announces itself on, and polls the store's revision on SQLite (or
with a driver that cannot listen).

Writes: a change made from a directory that another process has overtaken
is refused with :class:`~rbac_kit.Conflict` (it would overwrite that
process's change). :meth:`Follower.write` makes a change, catching up and
retrying while other processes get in first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from .._authorizer import Authorizer
from .._errors import Conflict, InvalidInput
from ..model._directory import Directory, Owner
from ._replay import replay
from ._sink import listen_name, notify_channel
from ._store import AuditEvent, Store

__all__ = ["Follower"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Events read from the store at a time.
_BATCH = 200


class _AlreadyApplied(Exception):
    """A replay found its event already applied (internal: nothing is changed)."""


class Follower:
    """Keeps an Authorizer loaded from ``store`` up to date with the store.

    Args:
        store: the store the Authorizer was loaded from (see :func:`open_authorizer`).
        authorizer: the Authorizer to bring forward; its sink must be ``store.sink``.
        interval: seconds between looks at the store when nothing announces changes.
        attempts: how many times :meth:`write` tries before giving up.
    """

    def __init__(
        self,
        store: Store,
        authorizer: Authorizer,
        *,
        interval: float = 1.0,
        attempts: int = 50,
    ) -> None:
        if authorizer.sink != store.sink:
            raise InvalidInput(
                "the Authorizer does not persist into this store: "
                "build it with rbac_kit.store.open_authorizer(store)"
            )
        if interval <= 0 or attempts < 1:
            raise InvalidInput(
                f"interval must be positive and attempts at least 1, got {interval}, {attempts}"
            )
        self._store = store
        self._authz = authorizer
        self._interval = interval
        self._attempts = attempts
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def revision(self) -> int:
        """The revision the Authorizer is at."""
        return self._store.applied(self._authz.directory)

    def catch_up(self) -> int:
        """Apply every change the store holds that the Authorizer has not; return its revision."""
        while True:
            events = self._store.events(self.revision, limit=_BATCH)
            for event in events:
                self._apply(event)
            if len(events) < _BATCH:
                return self.revision

    def _apply(self, event: AuditEvent) -> None:
        # Audit events show password hashes redacted; the people table holds them.
        hashes = self._store.password_hashes(o for o in event.owners if o[0] == "subject")

        def change(directory: Directory) -> set[Owner]:
            if self._store.applied(directory) >= event.revision:
                raise _AlreadyApplied
            return replay(directory, event, hashes)

        try:
            with self._store.replaying(event.revision):
                self._authz.apply(
                    change, actor=event.actor, action=event.action, target=event.target
                )
        except _AlreadyApplied:
            return

    def write(self, change: Callable[[Authorizer], T]) -> T:
        """Run ``change(authorizer)``, catching up and retrying while others get in first.

        Raises:
            Conflict: the change conflicts with the data itself, or other
                processes got in first on every attempt.
        """
        for _ in range(self._attempts):
            self.catch_up()
            try:
                return change(self._authz)
            except Conflict:
                if self._store.revision() == self.revision:
                    raise  # not overtaken: the change itself conflicts
        raise Conflict(
            f"other processes changed the store before each of {self._attempts} attempts"
        )

    def wait_for(self, revision: int, timeout: float | None = None) -> bool:
        """Whether the Authorizer reaches ``revision`` (catching up now, or waiting for
        the background thread up to ``timeout`` seconds)."""
        if self._thread is None:
            return self.catch_up() >= revision
        return self._authz.index.wait_for(revision, timeout)

    # -- the background thread ------------------------------------------------

    def start(self) -> None:
        """Follow the store from a background (daemon) thread until :meth:`stop`."""
        if self._thread is not None:
            raise InvalidInput("this follower is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rbac-kit-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the background thread (waiting up to ``timeout`` seconds for it)."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> Follower:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self) -> None:
        with self._notifications() as wait:
            while not self._stop.is_set():
                try:
                    self.catch_up()
                except Exception:
                    logger.exception("following the store failed; trying again")
                wait()

    def _sleep(self) -> None:
        self._stop.wait(self._interval)

    @contextmanager
    def _notifications(self) -> Iterator[Callable[[], None]]:
        """A function that waits for the next change (or the interval)."""
        engine = self._store.engine
        if engine.dialect.name != "postgresql":
            yield self._sleep
            return
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            driver: Any = conn.connection.driver_connection
            if not hasattr(driver, "notifies"):
                yield self._sleep
                return
            channel = listen_name(notify_channel(conn))
            conn.exec_driver_sql(f"LISTEN {channel}")

            def wait() -> None:
                for _ in driver.notifies(timeout=self._interval, stop_after=1):
                    pass

            try:
                yield wait
            finally:
                conn.exec_driver_sql(f"UNLISTEN {channel}")
