"""Store round trips: every change persists, with its audit event, revision and Casbin rows."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Conflict,
    Follower,
    Group,
    InvalidInput,
    Management,
    Status,
    User,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import AuditRows, ExtraWrite, Store
from rbac_kit.store import _store as store_module
from rbac_kit.store._engine import create_store_engine
from rbac_kit.store._migrate import upgrade
from rbac_kit.store._rows import redact_password
from rbac_kit.store._schema import AuditEventRow, CasbinRuleRow, WorkspaceRow

from .helpers import STEPS, decisions, directory_state, dump, run_steps


def _create(authz: Authorizer, workspace: str) -> None:
    """Create an empty workspace (as the system)."""
    Management(authz).workspaces.create(
        SYSTEM, workspace=Workspace(id=workspace, name=workspace.title()), owner=None
    )


def test_every_change_persists(url: str, authz: Authorizer) -> None:
    """After each kind of change, a fresh load has the same entities, policy and decisions."""
    for name, step in STEPS:
        step(authz)
        with Store.open(url) as again:
            reloaded = open_authorizer(again)
            assert directory_state(authz.directory) == directory_state(reloaded.directory), name
            assert authz.policy.to_csv() == reloaded.policy.to_csv(), name
            assert authz.revision == reloaded.revision, name
            assert decisions(authz) == decisions(reloaded), name


def test_casbin_rule_equals_policy_after_every_change(store: Store, authz: Authorizer) -> None:
    """The casbin_rule rows are the compiled policy, line for line, after each commit."""
    for name, step in STEPS:
        step(authz)
        assert sorted(authz.policy.rules()) == store.rules(), name


def test_one_revision_and_one_audit_event_per_change(store: Store, authz: Authorizer) -> None:
    """Each change adds exactly one audit event, at the next revision, naming what it did."""
    for name, step in STEPS:
        before = store.revision()
        step(authz)
        events = store.events(before)
        assert [before + 1] == [e.revision for e in events], name
        assert before + 1 == authz.revision == store.revision()
        assert name == events[0].action


def test_audit_event_holds_actor_target_and_rows(store: Store, authz: Authorizer) -> None:
    """An audit event names actor, action and target, and holds the touched rows before/after."""
    run_steps(authz, STEPS[:16])
    Management(authz).people.disable("user:ann", workspace="acme", subject="user:bob")
    (event,) = store.events(store.revision() - 1)
    assert ("user:ann", "disable", "user:bob") == (event.actor, event.action, event.target)
    assert "acme" == event.workspace
    assert (("subject", "acme", "user:bob"),) == event.owners
    assert ["active"] == [row["status"] for row in event.before["people"]]
    assert ["disabled"] == [row["status"] for row in event.after["people"]]
    (old,) = event.before["workspaces"]
    (new,) = event.after["workspaces"]
    assert old["revision"] + 1 == new["revision"]


def test_workspace_revision_counts_its_changes(store: Store, authz: Authorizer) -> None:
    """Each workspace's revision goes up by one per change made to it."""
    run_steps(authz)
    per_workspace = {"acme": 0, "beta": 0}
    for event in store.events():
        assert event.workspace is not None
        per_workspace[event.workspace] += 1
    with store.engine.connect() as conn:
        rows = conn.execute(select(WorkspaceRow.id, WorkspaceRow.revision)).all()
    assert per_workspace == dict(rows)


def test_audit_time_comes_from_the_clock(url: str) -> None:
    """The audit event's time is the store clock's, in UTC."""
    moment = dt.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with Store.open(url, clock=lambda: moment) as store:
        authz = open_authorizer(store)
        Management(authz).workspaces.create(
            SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None
        )
        (event,) = store.events()
    assert moment == event.time
    assert dt.UTC == event.time.tzinfo


def test_grant_times_round_trip_in_utc(url: str, authz: Authorizer) -> None:
    """A grant's time comes back as the same instant, aware, in UTC."""
    run_steps(authz, STEPS[:22])
    with Store.open(url) as again:
        grants = open_authorizer(again).directory.grants("acme")
    assert {dt.UTC} == {g.granted_at.tzinfo for g in grants}
    original = {(g.api, g.target): g.granted_at for g in authz.directory.grants("acme")}
    assert original == {(g.api, g.target): g.granted_at for g in grants}


def test_unusual_customer_ids_round_trip(url: str, authz: Authorizer) -> None:
    """Customer IDs are kept exactly, including commas, case and 255 characters of emoji."""
    long_id = "\U0001f600" * 255
    admin = Management(authz)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    for ident, cid in (("c1", "Big Co, Inc."), ("c2", "big co, inc."), ("c3", long_id)):
        admin.people.add_customer(
            SYSTEM, workspace="acme", id=ident, email=f"{ident}@x.io", customer_id=cid
        )
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    admin.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="pay", customer_ids=[long_id, "ACME"]
    )
    with Store.open(url) as again:
        reloaded = open_authorizer(again)
        assert sorted(reloaded.policy.rules()) == again.rules()
    customers = reloaded.directory.workspace("acme").customers
    assert {"Big Co, Inc.", "big co, inc.", long_id} == {c.customer_id for c in customers.values()}


def test_stale_directory_cannot_write(store: Store) -> None:
    """A second Authorizer that missed a change is refused, and nothing is written."""
    first = open_authorizer(store)
    second = open_authorizer(store)
    _create(first, "acme")
    before = dump(store)
    with pytest.raises(Conflict, match="another process changed it"):
        _create(second, "beta")
    assert before == dump(store)
    assert [] == list(second.directory.workspaces())
    assert 0 == second.revision


def test_store_as_sink_persists_from_the_revision_it_is_given(store: Store) -> None:
    """An Authorizer given the store as its sink persists from the revision it is given.

    Built at an older revision than the store's (an empty directory the store
    did not load), its change is refused and nothing is written; built on
    ``store.load()`` at its revision, its changes commit.
    """
    _create(open_authorizer(store), "acme")
    stale = Authorizer(sink=store)
    assert store is stale.sink
    with pytest.raises(AttributeError):
        stale.sink = None  # type: ignore[misc]
    before = dump(store)
    with pytest.raises(Conflict, match="another process changed it"):
        _create(stale, "beta")
    assert before == dump(store)
    assert ([], 0) == (list(stale.directory.workspaces()), stale.revision)
    directory, revision = store.load()
    loaded = Authorizer(directory, revision=revision, sink=store)
    _create(loaded, "beta")
    assert (2, 2) == (loaded.revision, store.revision())
    assert ["acme", "beta"] == sorted(d.workspace.id for d in store.load()[0].workspaces())


def test_a_replayed_change_writes_nothing(store: Store) -> None:
    """A transaction replaying a revision the store holds writes nothing and moves to it."""
    writer = open_authorizer(store)
    reader = open_authorizer(store)
    _create(writer, "acme")
    (event,) = store.events()
    before = dump(store)
    with reader.transaction(
        actor=event.actor, action=event.action, target=event.target, replaying=event.revision
    ) as tx:
        tx.directory.touch(store.replay(tx.directory, event))
    assert before == dump(store)
    assert (1, 1) == (tx.revision, reader.revision)
    assert directory_state(writer.directory) == directory_state(reader.directory)


def _note(workspace: str, seen: list[int]) -> ExtraWrite:
    """An extra write that records the revision it ran at and reports one audit row."""

    def write(conn: Connection, revision: int, time: dt.datetime) -> tuple[AuditRows, AuditRows]:
        conn.execute(text("SELECT 1"))
        seen.append(revision)
        return {}, {"notes": [{"revision": revision}]}

    return ExtraWrite(workspace, write)


def test_a_write_along_commits_with_the_change_at_a_revision_of_its_own(store: Store) -> None:
    """An extra write runs in the change's transaction and joins its audit event.

    A change that touches no policy owner but writes along is still one
    audited change at its own revision; a follower replays it as a no-op.
    """
    authz = open_authorizer(store)
    reader = open_authorizer(store)
    _create(authz, "acme")
    seen: list[int] = []
    with authz.transaction(actor="user:olivia", action="note", target="acme") as tx:
        tx.write_along(_note("acme", seen))
    (event,) = store.events(1)
    assert [2] == seen
    assert (2, 2, 2) == (tx.revision, authz.revision, store.revision())
    assert ("user:olivia", "note", "acme", "acme", ()) == (
        event.actor,
        event.action,
        event.target,
        event.workspace,
        event.owners,
    )
    assert [{"revision": 2}] == event.after["notes"]
    assert [2] == [row["revision"] for row in event.after["workspaces"]]
    assert 2 == Follower(store, reader).catch_up()
    assert directory_state(authz.directory) == directory_state(reader.directory)


def _group_with(authz: Authorizer, extra: object) -> None:
    """Create group ops in acme, writing ``extra`` along, in one transaction."""
    with authz.transaction(action="create_group", target="acme/group:ops") as tx:
        tx.directory.put_group(Group(workspace="acme", id="ops", name="Ops"))
        tx.write_along(extra)


def _refuse(conn: Connection, revision: int, time: dt.datetime) -> tuple[AuditRows, AuditRows]:
    raise Conflict("the extra write refused")


@pytest.mark.parametrize(
    ("extra", "error", "message"),
    [
        (ExtraWrite("acme", _refuse), Conflict, "the extra write refused"),
        ("an invitation", InvalidInput, "only an ExtraWrite"),
    ],
    ids=["raising", "not an ExtraWrite"],
)
def test_a_failing_write_along_cancels_the_whole_change(
    store: Store, extra: object, error: type[Exception], message: str
) -> None:
    """An extra write that raises, or is not an ExtraWrite, leaves every layer as it was."""
    authz = open_authorizer(store)
    _create(authz, "acme")
    before = (dump(store), directory_state(authz.directory), authz.index.snapshot())
    with pytest.raises(error, match=message):
        _group_with(authz, extra)
    assert before == (dump(store), directory_state(authz.directory), authz.index.snapshot())
    assert 1 == authz.revision


def test_a_write_along_needs_a_store() -> None:
    """An Authorizer without a sink refuses a change that writes along, and changes nothing."""
    authz = Authorizer()
    _create(authz, "acme")
    with pytest.raises(InvalidInput, match="need an authorizer with a store"):
        _group_with(authz, _note("acme", []))
    assert ({}, 1) == (authz.directory.workspace("acme").groups, authz.revision)


def test_out_of_step_casbin_rule_is_rewritten_on_load(url: str, store: Store) -> None:
    """Missing, extra and duplicated casbin_rule rows are repaired when the store is loaded."""
    run_steps(open_authorizer(store), STEPS[:20])
    rules = store.rules()
    with store.engine.begin() as conn:
        conn.execute(delete(CasbinRuleRow).where(CasbinRuleRow.ptype == "p"))
        conn.execute(
            insert(CasbinRuleRow),
            [{"ptype": "g", "v0": "user:evil", "v1": "role:owner", "v2": "acme"}],
        )
        conn.execute(insert(CasbinRuleRow), [{"ptype": "g3", "v0": "acme/pay", "v1": "env:all"}])
    with Store.open(url) as again:
        reloaded = open_authorizer(again)
        assert rules == again.rules()
        assert sorted(reloaded.policy.rules()) == again.rules()


def test_every_casbin_rule_row_wrong_is_repaired_in_batches(
    url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no row holds a compiled line, every row is replaced, deleting in batches.

    A store-wide repair can name more rows than one statement may have parameters.
    """
    run_steps(open_authorizer(store), STEPS[:20])
    rules = store.rules()
    with store.engine.begin() as conn:
        conn.execute(update(CasbinRuleRow).values(v0=CasbinRuleRow.v0 + "-tampered"))
    monkeypatch.setattr(store_module, "_DELETE_BATCH", 3)
    with Store.open(url) as again:
        open_authorizer(again)
        assert rules == again.rules()


def test_empty_strings_in_place_of_nulls_are_out_of_step(url: str, store: Store) -> None:
    """A row whose unused columns hold '' rather than NULL is another line, and is repaired."""
    run_steps(open_authorizer(store), STEPS[:20])
    rules = store.rules()
    with store.engine.begin() as conn:
        conn.execute(update(CasbinRuleRow).where(CasbinRuleRow.v5.is_(None)).values(v5=""))
    assert rules != store.rules()
    with Store.open(url) as again:
        open_authorizer(again)
        assert rules == again.rules()


def test_audit_events_never_hold_password_hashes(url: str, store: Store) -> None:
    """The audit log shows a password hash only redacted; a follower still gets the hash."""
    follower_authz = open_authorizer(store)
    authz = open_authorizer(store)
    run_steps(authz, STEPS[:17])
    secret = authz.directory.workspace("acme").users["ann"].password_hash
    assert secret is not None
    events = store.events()
    assert secret not in json.dumps([[e.before, e.after] for e in events], default=str)
    (shown,) = {
        row["password_hash"]
        for e in events
        for row in e.after.get("people", ())
        if row["id"] == "ann"
    }
    assert shown.startswith("redacted:")
    Follower(store, follower_authz).catch_up()
    assert secret == follower_authz.directory.workspace("acme").users["ann"].password_hash
    assert directory_state(authz.directory) == directory_state(follower_authz.directory)


def test_migration_redacts_hashes_in_older_audit_events(url: str) -> None:
    """Events written before redaction lose their password hashes when the store migrates."""
    engine = create_store_engine(url)
    secret = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"
    person = {"workspace": "acme", "kind": "user", "id": "ann", "password_hash": secret}
    try:
        upgrade(engine, "0004")
        with engine.begin() as conn:
            for revision, before, after in [
                (1, {}, {"workspaces": [{"id": "acme"}]}),
                (2, {"people": [{**person, "password_hash": None}]}, {"people": [person]}),
            ]:
                conn.execute(
                    insert(AuditEventRow),
                    {
                        "revision": revision,
                        "workspace": "acme",
                        "actor": "user:owner",
                        "action": "change",
                        "target": "acme/user:ann",
                        "owners": [],
                        "before": before,
                        "after": after,
                        "time": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    },
                )
    finally:
        engine.dispose()
    with Store.open(url) as store:
        first, second = store.events()
    assert {"workspaces": [{"id": "acme"}]} == first.after
    assert [{**person, "password_hash": None}] == second.before["people"]
    assert [redact_password(person)] == second.after["people"]
    assert secret not in json.dumps([second.before, second.after])


def test_loaded_people_keep_every_field(url: str, authz: Authorizer) -> None:
    """Users and customers come back with email, name, status, password hash and groups."""
    run_steps(authz, STEPS[:17])
    with Store.open(url) as again:
        data = open_authorizer(again).directory.workspace("acme")
    ann = data.users["ann"]
    assert isinstance(ann, User)
    assert authz.directory.workspace("acme").users["ann"] == ann
    assert ann.password_hash is not None
    assert "Ann@example.com" == ann.email
    assert Status.DISABLED == data.users["bob"].status
    assert frozenset({"dev"}) == data.customers["c1"].groups
