"""A follower that survives: the store's connection drops, the follower says so, and comes back.

On PostgreSQL the listening connection is terminated with ``pg_terminate_backend``
while another process keeps changing grants; this stands for a database
restart (the tests never restart the shared server). On both backends a
failing look at the store is retried with backoff. Every wait is bounded.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Follower,
    InvalidInput,
    Management,
    Workspace,
    open_authorizer,
)
from rbac_kit._persistent import FollowerStatus
from rbac_kit.store import Store
from tests.store.conftest import backend, databases, store, url
from tests.store.helpers import POSTGRES_ENV, Databases, postgres_url

__all__ = ["backend", "databases", "store", "url"]

USERS = 4
#: How long the follower may take to be current again after an outage ends.
RECOVERY = 5.0
LOGGER = "rbac_kit._persistent"


def _until(condition: Callable[[], bool], what: str, timeout: float = RECOVERY) -> float:
    """Poll ``condition`` until it holds; the seconds it took. Fails after ``timeout``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.005)
    return time.monotonic() - start


def _set_up(authz: Authorizer) -> None:
    """acme, with API pay and users u0..u3 (no access yet)."""
    admin = Management(authz)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    for i in range(USERS):
        admin.people.add_user(
            SYSTEM, workspace="acme", id=f"u{i}", email=f"u{i}@acme.io", name=f"U{i}"
        )


class Writer:
    """Another process, as far as the follower can tell: its own store, changing grants
    from :meth:`start` until :meth:`stop` (or the end of its ``with`` block)."""

    def __init__(self, url: str) -> None:
        self.store = Store.open(url)
        self.authz = open_authorizer(self.store)
        self.changes = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-writer", daemon=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(10)
        self.store.close()

    def start(self) -> None:
        """Start changing grants."""
        self._thread.start()

    def stop(self) -> None:
        """Stop writing (at most 10 s); the writer's errors fail the test."""
        self._stop.set()
        self._thread.join(10)
        assert not self._thread.is_alive(), "the writer did not stop"
        assert [] == self.errors

    def _run(self) -> None:
        admin = Management(self.authz)
        try:
            while not self._stop.is_set():
                user = f"user:u{self.changes % USERS}"
                if self.changes // USERS % 2 == 0:
                    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=[user])
                else:
                    admin.access.remove(SYSTEM, workspace="acme", api="pay", target=user)
                self.changes += 1
                self._stop.wait(0.005)
        except BaseException as error:  # reported by stop()
            self.errors.append(error)


def _assert_current(store: Store, reader: Authorizer) -> None:
    """The reader holds every change the store does, as a fresh load would."""
    fresh = open_authorizer(store)
    assert fresh.revision == reader.revision
    assert fresh.index.snapshot() == reader.index.snapshot()


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


# -- status -------------------------------------------------------------------------


def test_a_follower_not_started_is_not_ready(store: Store) -> None:
    """Before start and after stop the follower is not following, and says why."""
    follower = Follower(store, open_authorizer(store), interval=0.02)
    status = follower.status()
    assert (False, 0, 0, 0, None) == (
        status.following,
        status.revision,
        status.store_revision,
        status.lag,
        status.since,
    )
    assert not follower.ready()
    assert "not following the store" in (status.reason() or "")
    with follower:
        _until(follower.ready, "ready after start")
        assert follower.status().reason() is None
    assert not follower.status().following


def test_status_values_are_checked() -> None:
    """A status whose store is behind its own revision cannot exist."""
    with pytest.raises(InvalidInput, match="store_revision"):
        FollowerStatus(following=True, revision=5, store_revision=4)
    with pytest.raises(InvalidInput, match="revision must be 0 or more"):
        FollowerStatus(following=True, revision=-1, store_revision=0)
    behind = FollowerStatus(following=True, revision=3, store_revision=5)
    assert (2, False, True) == (behind.lag, behind.ready(), behind.ready(max_lag=2))
    assert "2 revisions behind the store" in (behind.reason() or "")


# -- failing looks, on both backends --------------------------------------------------


def test_a_failing_look_is_retried_and_caught_up(
    store: Store, url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """While reading events fails the follower says so (once in the log), retries with
    backoff, and afterwards applies every change it missed."""
    caplog.set_level(logging.DEBUG, logger="rbac_kit")
    writer_store = Store.open(url)
    try:
        writer = open_authorizer(writer_store)
        _set_up(writer)
        reader = open_authorizer(store)
        broken = threading.Event()
        failures = 0
        events = store.events

        def flaky(*args: Any, **kwargs: Any) -> Any:
            nonlocal failures
            if broken.is_set():
                failures += 1
                raise ConnectionError("the database went away")
            return events(*args, **kwargs)

        monkeypatch.setattr(store, "events", flaky)
        with Follower(store, reader, interval=0.02) as follower:
            _until(follower.ready, "ready at first")
            broken.set()
            admin = Management(writer)
            admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["user:u0"])
            _until(lambda: not follower.status().following, "not following while broken")
            _until(lambda: failures >= 4, "retried", timeout=RECOVERY)
            status = follower.status()
            assert (False, False) == (status.following, follower.ready())
            assert status.since is not None
            assert "ConnectionError: the database went away" == status.last_error
            assert "the database went away" in (status.reason() or "")
            admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["user:u1"])
            broken.clear()
            took = _until(
                lambda: follower.ready() and follower.revision == writer.revision, "recovered"
            )
            status = follower.status()
            assert (True, None, None) == (status.following, status.since, status.last_error)
        _assert_current(store, reader)
    finally:
        writer_store.close()
    assert took < RECOVERY
    # Once per outage: one error for several failed retries, and one line when it is over.
    assert 1 == len(_messages(caplog, logging.ERROR))
    assert failures - 1 == len(_messages(caplog, logging.DEBUG))
    assert ["following the store again"] == [
        m[: len("following the store again")] for m in _messages(caplog, logging.INFO)
    ]


def test_the_thread_does_not_die_of_an_unexpected_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even an error that is not the database's (a bug, say) leaves the thread running."""
    reader = open_authorizer(store)
    calls = 0
    events = store.events

    def buggy(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise KeyError("surprise")
        return events(*args, **kwargs)

    monkeypatch.setattr(store, "events", buggy)
    with Follower(store, reader, interval=0.02) as follower:
        _until(follower.ready, "ready after the errors")
        assert calls > 2


# -- PostgreSQL: the listening connection is terminated ---------------------------------


@pytest.fixture
def pg(tmp_path: Any) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL store: its URL and its schema."""
    if postgres_url() is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    made = Databases("postgresql", tmp_path)
    try:
        new = made.new_url()
        with Store.open(new) as store, store.engine.connect() as conn:
            schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar_one())
        yield new, schema
    finally:
        made.drop_all()


def _admin(url: str) -> Any:
    """An engine for the test's own statements (terminating, locking), on the store's schema."""
    return create_engine(url)


def _listeners(admin: Any, schema: str) -> list[int]:
    """The backends listening on the store's channel (the follower's, nobody else's)."""
    with admin.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE query = :listen "
                    "AND datname = current_database() AND pid <> pg_backend_pid()"
                ),
                {"listen": f'LISTEN "rbac_kit_revision:{schema}"'},
            ).scalars()
        )


def test_a_terminated_listen_connection_is_reopened(
    pg: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The LISTEN backend is terminated while grants keep changing: the follower listens
    again on a new connection, and misses none of the changes made meanwhile."""
    url, schema = pg
    caplog.set_level(logging.INFO, logger="rbac_kit")
    admin = _admin(url)
    with Store.open(url) as store, Writer(url) as writer:
        _set_up(writer.authz)
        reader = open_authorizer(store)
        with Follower(store, reader, interval=0.5) as follower:
            _until(follower.ready, "ready at first")
            _until(lambda: len(_listeners(admin, schema)) == 1, "listening")
            (before,) = _listeners(admin, schema)
            writer.start()
            _until(lambda: writer.changes >= 10, "the writer writes")
            with admin.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
            took = _until(
                lambda: _listeners(admin, schema) not in ([], [before]) and follower.ready(),
                "listening again",
            )
            _until(lambda: writer.changes >= 30, "the writer writes on")
            writer.stop()
            assert follower.wait_for(writer.authz.revision, timeout=RECOVERY)
            assert [] != _listeners(admin, schema)
        _assert_current(store, reader)
    admin.dispose()
    assert took < RECOVERY
    assert 1 == len(_messages(caplog, logging.ERROR))


def test_a_database_restart_is_survived(
    pg: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Every connection of the follower is terminated, as a restart would, and the store
    stays unreadable a while (a lock stands for the server coming up): the follower is
    not ready meanwhile, and current again within seconds of the store's return."""
    url, schema = pg
    caplog.set_level(logging.INFO, logger="rbac_kit")
    admin = _admin(url)
    app = f"rbac-follower-{schema}"
    options = {"connect_args": {"application_name": app}}
    with Store.open(url, engine_options=options) as store, Writer(url) as writer:
        _set_up(writer.authz)
        reader = open_authorizer(store)
        with Follower(store, reader, interval=0.5) as follower, admin.connect() as conn:
            _until(follower.ready, "ready at first")
            before = _listeners(admin, schema)
            writer.start()
            _until(lambda: writer.changes >= 10, "the writer writes")
            lock = conn.begin()
            conn.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()"
                ),
                {"app": app},
            ).scalar_one()
            assert killed >= 1
            _until(lambda: not follower.status().following, "not following")
            # It listens again at once, but cannot read the events until the lock goes.
            _until(lambda: _listeners(admin, schema) not in ([], before), "listening again")
            status = follower.status()
            assert (False, False) == (status.following, follower.ready())
            assert status.since is not None
            assert status.last_error is not None
            lock.rollback()
            took = _until(follower.ready, "ready again")
            writer.stop()
            assert follower.wait_for(writer.authz.revision, timeout=RECOVERY)
        _assert_current(store, reader)
    admin.dispose()
    assert took < RECOVERY
    assert 1 == len(_messages(caplog, logging.ERROR))
