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

The thread survives the database: when a look fails or the listening
connection drops, it logs the outage once, tries again after a pause that
doubles from :data:`RETRY_FIRST` to :data:`RETRY_LONGEST` seconds, listens
anew and reads every event after the revision it holds, so no change is
lost. :meth:`Follower.status` says whether it is following and how far
behind it is; :meth:`Follower.ready` is what a readiness probe asks.

Writes: a change made from a directory that another process has overtaken
is refused with :class:`~rbac_kit.Conflict` (it would overwrite that
process's change). :meth:`Follower.write` makes a change, catching up and
retrying while other processes get in first.

This module sits above both the facade and the store, so that neither
imports the other.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import attrs

from ._authorizer import Authorizer
from ._errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from .store import AuditEvent, Store

__all__ = ["Follower", "FollowerStatus", "open_authorizer"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: How many times loading is retried while other processes keep changing the store.
LOAD_ATTEMPTS = 10

#: Events read from the store at a time.
_BATCH = 200

#: Seconds the background thread waits before its first retry after a failure;
#: each further failure doubles the pause, up to :data:`RETRY_LONGEST`.
RETRY_FIRST = 0.05
#: The longest pause between retries, in seconds.
RETRY_LONGEST = 2.0


def _not_negative(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidInput(f"{attribute.name} must be 0 or more, got {value}")


@attrs.frozen(kw_only=True)
class FollowerStatus:
    """Where a :class:`Follower` stands, as :meth:`Follower.status` reads it.

    Attributes:
        following: the background thread runs and its last look at the store
            succeeded (on PostgreSQL: it is listening too).
        revision: the revision the Authorizer is at.
        store_revision: the newest revision the follower has seen the store at
            (read, or announced by ``NOTIFY``); never below ``revision``.
        since: when the current outage began (UTC); ``None`` while following
            or before the first failure.
        last_error: the newest failure of the current outage; ``None`` while following.
    """

    following: bool
    revision: int = attrs.field(validator=_not_negative)
    store_revision: int = attrs.field(validator=_not_negative)
    since: dt.datetime | None = None
    last_error: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.store_revision < self.revision:
            raise InvalidInput(
                f"store_revision ({self.store_revision}) must be at least "
                f"revision ({self.revision})"
            )

    @property
    def lag(self) -> int:
        """How many revisions the Authorizer is behind the newest one seen."""
        return self.store_revision - self.revision

    def ready(self, max_lag: int = 0) -> bool:
        """Following, and at most ``max_lag`` revisions behind."""
        return self.following and self.lag <= max_lag

    def reason(self, max_lag: int = 0) -> str | None:
        """Why it is not :meth:`ready` (one line), or ``None`` when it is."""
        if self.following:
            if self.lag <= max_lag:
                return None
            return (
                f"{self.lag} revisions behind the store "
                f"(at {self.revision}, the store at {self.store_revision})"
            )
        if self.since is not None:
            return f"not following the store since {self.since.isoformat()}: {self.last_error}"
        return "not following the store (the follower is not running, or has not looked yet)"


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
        # What status() reports, written by the thread (and catch_up) under the lock.
        self._lock = threading.Lock()
        self._following = False
        self._seen = authorizer.revision
        self._since: dt.datetime | None = None
        self._outage_began = 0.0  # time.monotonic() at the first failure, for the log
        self._error: str | None = None

    @property
    def revision(self) -> int:
        """The revision the Authorizer is at."""
        return self._authz.revision

    def status(self) -> FollowerStatus:
        """Whether the background thread is following the store, and how far behind it is."""
        with self._lock:
            thread = self._thread
            following = self._following and thread is not None and thread.is_alive()
            seen, since, error = self._seen, self._since, self._error
        revision = self.revision  # read after seen: the Authorizer may only have moved on
        return FollowerStatus(
            following=following,
            revision=revision,
            store_revision=max(seen, revision),
            since=None if following else since,
            last_error=None if following else error,
        )

    def ready(self, max_lag: int = 0) -> bool:
        """Following the store, and at most ``max_lag`` revisions behind what it has seen.

        What a readiness probe asks: decisions made now are not stale.
        """
        return self.status().ready(max_lag)

    def catch_up(self) -> int:
        """Apply every change the store holds that the Authorizer has not; return its revision."""
        while True:
            events = self._store.events(self.revision, limit=_BATCH)
            if events:
                self._saw(events[-1].revision)
            for event in events:
                self._apply(event)
            if len(events) < _BATCH:
                return self.revision

    def _saw(self, revision: int) -> None:
        with self._lock:
            self._seen = max(self._seen, revision)

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
        with self._lock:
            self._following, self._since, self._error = False, None, None
            self._thread = threading.Thread(target=self._run, name="rbac-kit-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the background thread (waiting up to ``timeout`` seconds for it)."""
        with self._lock:
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
        """Listen (or poll), catch up, wait; on any failure, back off and start again."""
        pause = RETRY_FIRST
        try:
            while not self._stop.is_set():
                try:
                    with self._store.announcements(self._interval, self._stop) as wait:
                        while not self._stop.is_set():
                            # Listening first, then reading: nothing committed in between is missed.
                            self.catch_up()
                            self._following_again()
                            pause = RETRY_FIRST
                            announced = wait()
                            if announced is not None:
                                self._saw(announced)
                except Exception as error:
                    self._failed(error)
                    self._stop.wait(pause)
                    pause = min(pause * 2, RETRY_LONGEST)
        finally:
            with self._lock:
                self._following = False
            if not self._stop.is_set():  # never silently: decisions stop following here
                logger.critical(
                    "the follower's thread ended; decisions stay at revision %d", self.revision
                )

    def _following_again(self) -> None:
        with self._lock:
            if self._following:
                return
            self._following, outage = True, self._since is not None
            self._since, self._error = None, None
            began = self._outage_began
        if outage:
            logger.info(
                "following the store again after %.1f s, at revision %d",
                time.monotonic() - began,
                self.revision,
            )

    def _failed(self, error: Exception) -> None:
        """Record a failure; log it when it begins an outage (not on every retry)."""
        text = f"{type(error).__name__}: {error}".splitlines()[0]
        with self._lock:
            first = self._since is None
            self._following, self._error = False, text
            if first:
                self._since, self._outage_began = dt.datetime.now(dt.UTC), time.monotonic()
        if first:
            logger.error(
                "following the store failed; decisions stay at revision %d while it retries "
                "(every %.2f to %.0f s)",
                self.revision,
                RETRY_FIRST,
                RETRY_LONGEST,
                exc_info=error,
            )
        else:
            logger.debug("following the store failed again: %s", text)
