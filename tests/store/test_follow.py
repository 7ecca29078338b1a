"""Following the store: other Authorizers' and other processes' changes arrive, none is lost."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Conflict,
    Follower,
    InvalidInput,
    Management,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import Store
from rbac_kit.store._sink import listen_name, notify_channel

from .helpers import (
    POSTGRES_ENV,
    STEPS,
    Change,
    Databases,
    apply_script,
    changes,
    decisions,
    directory_state,
    postgres_url,
    run_steps,
    wipe,
)


def _create(authz: Authorizer, workspace: str) -> None:
    """Create an empty workspace (as the system)."""
    Management(authz).workspaces.create(
        SYSTEM, workspace=Workspace(id=workspace, name=workspace.title()), owner=None
    )


def _record(authz: Authorizer, cid: str) -> None:
    """Record Customer ID ``cid`` in the traffic of API acme/pay."""
    Management(authz).apis.record_customer_ids(
        SYSTEM, workspace="acme", api="pay", customer_ids=[cid]
    )


def assert_same(expected: Authorizer, actual: Authorizer) -> None:
    """Two Authorizers hold the same entities, policy, index, decisions and revision."""
    assert directory_state(expected.directory) == directory_state(actual.directory)
    assert expected.policy.to_csv() == actual.policy.to_csv()
    assert expected.index.snapshot() == actual.index.snapshot()
    assert decisions(expected) == decisions(actual)
    assert expected.revision == actual.revision


def test_follower_replays_every_kind_of_change(store: Store) -> None:
    """After each kind of change made elsewhere, catching up gives the same state."""
    writer = open_authorizer(store)
    reader = open_authorizer(store)
    follower = Follower(store, reader)
    for name, step in STEPS:
        step(writer)
        assert writer.revision == follower.catch_up(), name
        assert_same(writer, reader)


def test_follower_catches_up_many_changes_at_once(store: Store) -> None:
    """A follower far behind applies every missed change in order, one revision at a time."""
    writer = open_authorizer(store)
    reader = open_authorizer(store)
    run_steps(writer)
    assert len(STEPS) == Follower(store, reader).catch_up()
    assert_same(writer, reader)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(changes, max_size=30))
def test_follower_replays_generated_changes(store: Store, script: list[Change]) -> None:
    """On generated workspaces, a follower ends where the writer is, and so does a fresh load.

    Each example writes to a real database, so a fixed, small number of examples runs.
    """
    wipe(store)
    writer = open_authorizer(store)
    reader = open_authorizer(store)
    apply_script(writer, script)
    Follower(store, reader).catch_up()
    assert_same(writer, reader)
    assert_same(writer, open_authorizer(store))


def test_own_changes_are_not_replayed(store: Store) -> None:
    """Catching up after one's own changes applies nothing twice."""
    authz = open_authorizer(store)
    run_steps(authz, STEPS[:12])
    policy = authz.policy.to_csv()
    assert 12 == Follower(store, authz).catch_up()
    assert policy == authz.policy.to_csv()


def test_write_catches_up_and_retries_when_overtaken(store: Store) -> None:
    """A change from a stale Authorizer is retried after catching up, and keeps both changes."""
    first = open_authorizer(store)
    second = open_authorizer(store)
    follower = Follower(store, second)
    _create(first, "acme")
    Management(first).apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    _record(first, "A")
    follower.write(lambda a: _record(a, "B"))
    assert 4 == second.revision
    assert frozenset({"A", "B"}) == store.load()[0].api("acme", "pay").customer_ids


def test_write_raises_a_real_conflict(store: Store) -> None:
    """A change that conflicts with the data itself is raised, not retried."""
    first = open_authorizer(store)
    _create(first, "acme")
    Management(first).groups.create(SYSTEM, workspace="acme", id="ops", name="Ops")
    second = open_authorizer(store)
    with pytest.raises(Conflict, match="already exists"):
        Follower(store, second).write(
            lambda a: Management(a).groups.create(SYSTEM, workspace="acme", id="ops2", name="OPS")
        )


def test_follower_needs_the_store_sink(store: Store) -> None:
    """A follower refuses an Authorizer that does not persist into its store."""
    with pytest.raises(InvalidInput, match="does not persist into this store"):
        Follower(store, Authorizer())


def test_background_follower_brings_changes_in(store: Store) -> None:
    """The background thread (NOTIFY on PostgreSQL, polling on SQLite) applies new changes."""
    writer = open_authorizer(store)
    reader = open_authorizer(store)
    with Follower(store, reader, interval=0.05) as follower:
        run_steps(writer, STEPS[:15])
        assert follower.wait_for(writer.revision, timeout=60)
    assert_same(writer, reader)


ROUNDS = 20


def _worker(url: str, tag: str, barrier: Any, results: Any) -> None:
    """One process: ROUNDS times, record a Customer ID on the shared API and add a user.

    The Customer IDs are written without catching up first, so most attempts
    start from a stale state and must be refused, then caught up and retried.
    """
    with Store.open(url) as store:
        authz = open_authorizer(store)
        follower = Follower(store, authz, attempts=1000)
        barrier.wait()
        for i in range(ROUNDS):
            while True:
                try:
                    _record(authz, f"{tag}-{i}")
                    break
                except Conflict:
                    follower.catch_up()
            follower.write(
                lambda a, i=i: Management(a).people.add_user(
                    SYSTEM, workspace="acme", id=f"{tag}{i}", email=f"{tag}{i}@x.io", name=tag
                )
            )
        barrier.wait()
        follower.catch_up()
        results.put((tag, authz.revision, authz.policy.to_csv()))


def test_two_processes_lose_no_change(url: str) -> None:
    """Two processes changing the same API in a loop: every change of both is kept."""
    with Store.open(url) as store:
        authz = open_authorizer(store)
        _create(authz, "acme")
        Management(authz).apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(url, t, barrier, results)) for t in "pq"]
    for worker in workers:
        worker.start()
    reports = sorted(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert [0, 0] == [worker.exitcode for worker in workers]
    with Store.open(url) as store:
        final = open_authorizer(store)
        events = store.events()
    cids = {f"{t}-{i}" for t in "pq" for i in range(ROUNDS)}
    assert cids == final.directory.api("acme", "pay").customer_ids
    assert {f"{t}{i}" for t in "pq" for i in range(ROUNDS)} == set(
        final.directory.workspace("acme").users
    )
    assert list(range(1, 3 + 4 * ROUNDS)) == [e.revision for e in events]
    expected = (final.revision, final.policy.to_csv())
    assert [("p", *expected), ("q", *expected)] == reports


def test_postgres_announces_each_change_on_its_own_schema_channel(tmp_path: Path) -> None:
    """Each commit sends NOTIFY with the new revision, on a channel of the store's schema.

    A store in another schema of the same database announces on another
    channel, so its changes never wake this store's followers.
    """
    if postgres_url() is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    databases = Databases("postgresql", tmp_path)
    try:
        with Store.open(databases.new_url()) as mine, Store.open(databases.new_url()) as other:
            authz, neighbour = open_authorizer(mine), open_authorizer(other)
            with mine.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql(f"LISTEN {listen_name(notify_channel(conn))}")
                _create(neighbour, "beta")
                _create(authz, "acme")
                Management(neighbour).groups.create(SYSTEM, workspace="beta", id="qa", name="QA")
                Management(authz).groups.create(SYSTEM, workspace="acme", id="ops", name="Ops")
                driver = conn.connection.driver_connection
                assert driver is not None
                payloads = [n.payload for n in driver.notifies(timeout=5, stop_after=3)]
    finally:
        databases.drop_all()
    assert ["1", "2"] == payloads


@pytest.mark.parametrize(("interval", "attempts"), [(0, 5), (-1, 5), (1, 0)])
def test_follower_settings_are_checked(store: Store, interval: float, attempts: int) -> None:
    """A non-positive interval or no attempts at all is refused."""
    with pytest.raises(InvalidInput, match="interval must be positive"):
        Follower(store, open_authorizer(store), interval=interval, attempts=attempts)


def test_follower_runs_one_thread(store: Store) -> None:
    """Starting a running follower again is an error; stopping it twice is harmless."""
    follower = Follower(store, open_authorizer(store), interval=0.05)
    with follower, pytest.raises(InvalidInput, match="already running"):
        follower.start()
    follower.stop()


def test_open_authorizer_gives_up_on_a_store_that_never_settles(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the store changes during every load, opening raises Conflict instead of looping."""
    monkeypatch.setattr(store, "sync_rules", lambda revision, rules: False)
    with pytest.raises(Conflict, match="changed during each of"):
        open_authorizer(store)
