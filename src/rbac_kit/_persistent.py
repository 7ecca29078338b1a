"""An Authorizer backed by a store: loaded from it, persisting into it, following it.

:func:`open_authorizer` loads every workspace of a :class:`~rbac_kit.store.Store`
into an :class:`~rbac_kit.Authorizer` whose sink is the store: each change
then commits to the database (rows, Casbin lines, audit event, revisions)
before the decision index sees it.

A :class:`Follower` brings the changes other processes commit into that
Authorizer. It reads the audit events after the Authorizer's revision and
replays each one (``store/_replay.py``) in a transaction marked as a replay,
so the directory, the policy and the decision index move forward
incrementally, one revision at a time, exactly as if the change had been
made here; the store writes nothing for a replay.

When to look: :meth:`Follower.catch_up` on demand (before a change, or to
read your own writes made elsewhere), or :meth:`Follower.start` for a
background thread that waits for PostgreSQL ``NOTIFY`` on the channel every
change announces itself on, and polls the store's revision on SQLite (or
with a driver that cannot listen).

Writes: a change made from a directory that another process has overtaken
is refused with :class:`~rbac_kit.Conflict` (it would overwrite that
process's change). :meth:`Follower.write` makes a change, catching up and
retrying while other processes get in first.

This module sits above both the facade and the store, so that neither
imports the other.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from ._authorizer import Authorizer
from ._errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from .store import AuditEvent, Store

__all__ = ["Follower", "open_authorizer"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: How many times loading is retried while other processes keep changing the store.
LOAD_ATTEMPTS = 10

#: Events read from the store at a time.
_BATCH = 200


def open_authorizer(store: Store) -> Authorizer:
    """Load every workspace of ``store`` into a new :class:`Authorizer` that persists into it.

    The Authorizer starts at the store's revision, with ``store`` as its
    sink. If the ``casbin_rule`` table is out of step with the policy
    compiled from the loaded entities, it is rewritten (see
    :meth:`Store.sync_rules <rbac_kit.store.Store.sync_rules>`): the entities
    are the source of truth, the rules are derived from them.

    The caller keeps the store (and closes it); the Authorizer holds no
    database resources of its own. To follow changes other processes make,
    see :class:`Follower`.

    Python's cyclic garbage collector is paused while the directory and the
    index are built (and resumed after, if it was running): building millions
    of objects that live on would otherwise trigger collections that scan
    them again and again, a fifth of the time of a large open. Hosts that
    keep a large Authorizer may also call :func:`gc.freeze` once it is open.

    Raises:
        Conflict: the store changed during every one of several loads in a row.
    """
    with _collector_paused():
        for _ in range(LOAD_ATTEMPTS):
            directory, revision = store.load()
            authorizer = Authorizer(directory, revision=revision, sink=store)
            if store.sync_rules(revision, authorizer.policy.rules()):
                return authorizer
    raise Conflict(f"the store changed during each of {LOAD_ATTEMPTS} loads in a row; try again")


def require_persisting(store: Store, authorizer: Authorizer) -> None:
    """Require ``authorizer`` to persist into ``store``.

    Raises:
        InvalidInput: it persists elsewhere, or nowhere.
    """
    if authorizer.sink is not store:
        raise InvalidInput(
            "the Authorizer does not persist into this store: "
            "build it with rbac_kit.open_authorizer(store)"
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector's state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Follower:
    """Keeps an Authorizer loaded from ``store`` up to date with the store.

    Args:
        store: the store the Authorizer was loaded from (see :func:`open_authorizer`).
        authorizer: the Authorizer to bring forward; it must persist into ``store``.
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
        require_persisting(store, authorizer)
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
        return self._authz.revision

    def catch_up(self) -> int:
        """Apply every change the store holds that the Authorizer has not; return its revision."""
        while True:
            events = self._store.events(self.revision, limit=_BATCH)
            for event in events:
                self._apply(event)
            if len(events) < _BATCH:
                return self.revision

    def _apply(self, event: AuditEvent) -> None:
        with self._authz.transaction(
            actor=event.actor, action=event.action, target=event.target, replaying=event.revision
        ) as tx:
            if self._authz.revision >= event.revision:
                tx.cancel()  # another thread brought it in first
            else:
                tx.directory.touch(self._store.replay(tx.directory, event))

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
        with self._store.announcements(self._interval, self._stop) as wait:
            while not self._stop.is_set():
                try:
                    self.catch_up()
                except Exception:
                    logger.exception("following the store failed; trying again")
                wait()
