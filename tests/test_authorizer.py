"""Tests of the facade (``rbac_kit._authorizer``): changes carried through to decisions.

The changes are made the one way the library offers: the guarded operations of
:class:`~rbac_kit.Management` (here as the trusted actor :data:`~rbac_kit.SYSTEM`,
unless a test is about the actor), each one :meth:`Authorizer.transaction`; the
tests of the change path itself use ``transaction`` directly.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Conflict,
    Explanation,
    Grant,
    InvalidInput,
    Management,
    NotFound,
    RbacKitError,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.model import Directory
from rbac_kit.policy import (
    MODEL_PATH,
    ChangeRecord,
    ChangeSink,
    DecisionIndex,
    PolicyDelta,
    compile_directory,
)


class StoreDown(Exception):
    """A sink failing to persist a change."""


class Sink:
    """A :class:`~rbac_kit.ChangeSink` for tests: keeps every record it is given.

    It answers with one more than the record's base revision, or with what
    :attr:`then` returns (or raises) once a test sets it.
    """

    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []
        self.then: Callable[[Directory, ChangeRecord], int] | None = None

    def persist(self, directory: Directory, change: ChangeRecord) -> int:
        self.records.append(change)
        if self.then is not None:
            return self.then(directory, change)
        return change.base + 1


def _user(uid: str, role: str = "member", **kw: object) -> User:
    return User(workspace="acme", id=uid, email=f"{uid}@acme.io", name=uid, role=role, **kw)  # type: ignore[arg-type]


def _add_user(
    admin: Management, uid: str, role: str = "member", groups: Iterable[str] = ()
) -> User:
    return admin.people.add_user(
        SYSTEM,
        workspace="acme",
        id=uid,
        email=f"{uid}@acme.io",
        name=uid,
        role=role,
        groups=groups,
    )


def _acme(sink: ChangeSink | None = None) -> Authorizer:
    """Workspace ``acme``: API ``pay`` (production, Customer ID ``ACME`` seen), API ``logs``
    (staging), group ``ops`` granted ``pay``, ann (member, in ops), bob (administrator),
    customer ``acme-co`` with Customer ID ``ACME``."""
    a = Authorizer(sink=sink)
    admin = Management(a)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.groups.create(SYSTEM, workspace="acme", id="ops", name="Ops")
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="pay", customer_ids=["ACME"])
    admin.apis.register(SYSTEM, workspace="acme", id="logs", name="Logs", environment="staging")
    _add_user(admin, "ann", groups=("ops",))
    _add_user(admin, "bob", "administrator")
    admin.people.add_customer(
        SYSTEM, workspace="acme", id="acme-co", email="it@co.io", customer_id="ACME"
    )
    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["group:ops"])
    return a


@pytest.fixture
def authz() -> Authorizer:
    """The ``acme`` world (see :func:`_acme`), in memory only."""
    return _acme()


@pytest.fixture
def admin(authz: Authorizer) -> Management:
    """The management operations over ``authz``."""
    return Management(authz)


@pytest.fixture
def sink() -> Sink:
    """A recording sink."""
    return Sink()


@pytest.fixture
def stored(sink: Sink) -> Authorizer:
    """The ``acme`` world built with ``sink`` given to the constructor (its records cleared)."""
    a = _acme(sink)
    sink.records.clear()
    return a


def _assert_in_step(authz: Authorizer) -> None:
    """The incremental policy and index equal a compile and an index made from scratch."""
    fresh = compile_directory(authz.directory)
    assert fresh.to_csv() == authz.policy.to_csv()
    assert DecisionIndex(fresh.rules()).snapshot() == authz.index.snapshot()


def _observed(authz: Authorizer) -> tuple[object, ...]:
    """What a failed change must leave alone: policy, index, revision and entities."""
    data = authz.directory.workspace("acme")
    entities = [dict(x) for x in (data.roles, data.users, data.customers, data.groups, data.apis)]
    return (
        authz.policy.to_csv(),
        authz.index.snapshot(),
        authz.revision,
        entities,
        set(data.grants),
        set(data.exclusions),
    )


# -- each change ----------------------------------------------------------------


def test_create_workspace_compiles_the_builtin_roles() -> None:
    """A new workspace's roles reach the policy; the revision moves by one."""
    authz = Authorizer()
    Management(authz).workspaces.create(
        SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None
    )
    line = ("p", "role:owner", "acme", "acme", "delete_workspace", "workspace")
    assert (True, 1) == (line in set(authz.policy.rules()), authz.revision)
    _assert_in_step(authz)


def test_add_user_and_decisions(authz: Authorizer, admin: Management) -> None:
    """A new member can see people but no API until granted."""
    _add_user(admin, "zoe")
    assert [True, False] == authz.can_many(
        [("user:zoe", "view_people", "acme"), ("user:zoe", "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_change_role(authz: Authorizer, admin: Management) -> None:
    """Making ann an administrator reaches logs, which no grant gave her."""
    assert not authz.can("user:ann", "view_api", "acme/logs")
    admin.people.change_role(SYSTEM, workspace="acme", subject="user:ann", role="administrator")
    assert authz.can("user:ann", "view_api", "acme/logs")
    _assert_in_step(authz)


def test_change_role_to_unknown_role(authz: Authorizer, admin: Management) -> None:
    """An unknown role is not found and changes nothing."""
    before = _observed(authz)
    with pytest.raises(NotFound, match="no role 'boss'"):
        admin.people.change_role(SYSTEM, workspace="acme", subject="user:ann", role="boss")
    assert before == _observed(authz)


def test_disable_and_enable(authz: Authorizer, admin: Management) -> None:
    """A disabled person is denied everything; enabling restores the access."""
    admin.people.disable(SYSTEM, workspace="acme", subject="customer:acme-co")
    alias = customer_id_subject("ACME")
    assert [False, False] == authz.can_many(
        [("customer:acme-co", "view_api", "acme/pay"), (alias, "view_api", "acme/pay")]
    )
    admin.people.enable(SYSTEM, workspace="acme", subject="customer:acme-co")
    assert [True, True] == authz.can_many(
        [("customer:acme-co", "view_api", "acme/pay"), (alias, "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_set_customer_id_moves_the_access(authz: Authorizer, admin: Management) -> None:
    """Editing a Customer ID moves access to the APIs that ID was seen on."""
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="logs", customer_ids=["ACME-2"])
    admin.people.set_customer_id(
        SYSTEM, workspace="acme", subject="customer:acme-co", customer_id="ACME-2"
    )
    assert [False, True] == authz.can_many(
        [
            ("customer:acme-co", "view_api", "acme/pay"),
            ("customer:acme-co", "view_api", "acme/logs"),
        ]
    )
    assert authz.can(customer_id_subject("ACME-2"), "view_api", "acme/logs")
    assert not authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    _assert_in_step(authz)


def test_set_customer_id_of_a_user_is_invalid(authz: Authorizer, admin: Management) -> None:
    """Users have no Customer ID; trying changes nothing."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="user:ann is not a customer"):
        admin.people.set_customer_id(SYSTEM, workspace="acme", subject="user:ann", customer_id="X")
    assert before == _observed(authz)


def test_set_customer_id_to_a_bad_value(authz: Authorizer, admin: Management) -> None:
    """A Customer ID with surrounding whitespace is refused and nothing changes."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="surrounding whitespace"):
        admin.people.set_customer_id(
            SYSTEM, workspace="acme", subject="customer:acme-co", customer_id="ACME "
        )
    assert before == _observed(authz)


def test_remove_person(authz: Authorizer, admin: Management) -> None:
    """A removed person is an unknown subject."""
    admin.people.remove(SYSTEM, workspace="acme", subject="user:ann")
    assert not authz.can("user:ann", "view_people", "acme")
    _assert_in_step(authz)


def test_add_and_remove_member(authz: Authorizer, admin: Management) -> None:
    """Group membership gives and takes the group's access."""
    admin.groups.remove_member(SYSTEM, workspace="acme", group="ops", subject="user:ann")
    assert not authz.can("user:ann", "view_api", "acme/pay")
    admin.groups.add_member(SYSTEM, workspace="acme", group="ops", subject="user:ann")
    assert authz.can("user:ann", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_membership_errors(authz: Authorizer, admin: Management) -> None:
    """Unknown groups and people are not found; leaving a group one is not in is a conflict."""
    before = _observed(authz)
    with pytest.raises(NotFound, match="no group 'nope'"):
        admin.groups.add_member(SYSTEM, workspace="acme", group="nope", subject="user:ann")
    with pytest.raises(Conflict, match="user:bob is not a member of group 'ops'"):
        admin.groups.remove_member(SYSTEM, workspace="acme", group="ops", subject="user:bob")
    with pytest.raises(NotFound, match="user:nope"):
        admin.groups.add_member(SYSTEM, workspace="acme", group="ops", subject="user:nope")
    assert before == _observed(authz)


def test_create_and_delete_group(authz: Authorizer, admin: Management) -> None:
    """Deleting ops takes pay from ann; a duplicate name is a conflict."""
    before = _observed(authz)
    with pytest.raises(Conflict, match="'OPS'"):
        admin.groups.create(SYSTEM, workspace="acme", id="ops2", name="OPS")
    assert before == _observed(authz)
    admin.groups.delete(SYSTEM, workspace="acme", group="ops")
    assert not authz.can("user:ann", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_create_role_and_delete_role(authz: Authorizer, admin: Management) -> None:
    """A custom role works at once; it can be deleted once nobody holds it."""
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="ops-lead",
        name="Ops lead",
        permissions=["edit_api"],
        api_scope="all",
    )
    admin.people.change_role(SYSTEM, workspace="acme", subject="user:ann", role="ops-lead")
    assert authz.can("user:ann", "edit_api", "acme/logs")
    with pytest.raises(Conflict, match="in use: held by 1 person"):
        admin.roles.delete(SYSTEM, workspace="acme", role="ops-lead")
    admin.people.change_role(SYSTEM, workspace="acme", subject="user:ann", role="member")
    admin.roles.delete(SYSTEM, workspace="acme", role="ops-lead")
    assert "ops-lead" not in authz.directory.workspace("acme").roles
    _assert_in_step(authz)


def test_edit_api_changes_environment(authz: Authorizer, admin: Management) -> None:
    """A role scoped to production loses an API moved to staging."""
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="prod",
        name="Prod",
        permissions=["view_api"],
        environments=["production"],
        api_scope="all",
    )
    _add_user(admin, "pat", "prod")
    assert authz.can("user:pat", "view_api", "acme/pay")
    admin.apis.edit(SYSTEM, workspace="acme", api="pay", environment="staging")
    assert not authz.can("user:pat", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_record_customer_ids_adds_to_those_seen(authz: Authorizer, admin: Management) -> None:
    """Recorded Customer IDs join the ones already seen; a lone string is one ID."""
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="pay", customer_ids="Big Co")
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="pay", customer_ids={"X", "Y"})
    assert (
        frozenset({"ACME", "Big Co", "X", "Y"}) == authz.directory.api("acme", "pay").customer_ids
    )
    _assert_in_step(authz)


def test_record_customer_ids_refuses_bad_ids(authz: Authorizer, admin: Management) -> None:
    """One bad Customer ID refuses the whole batch."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="control characters"):
        admin.apis.record_customer_ids(
            SYSTEM, workspace="acme", api="pay", customer_ids=["OK", "BAD\x00"]
        )
    assert before == _observed(authz)


def test_remove_api(authz: Authorizer, admin: Management) -> None:
    """A removed API answers no for everyone, administrators included."""
    admin.apis.remove(SYSTEM, workspace="acme", api="pay")
    assert [False, False] == authz.can_many(
        [("user:bob", "view_api", "acme/pay"), ("user:ann", "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_add_access_remove_access_and_revoke_all(authz: Authorizer, admin: Management) -> None:
    """Grant, remove from the list (excluding a customer), then Revoke All Access."""
    admin.access.add(SYSTEM, workspace="acme", api="logs", targets=["user:ann"])
    assert authz.can("user:ann", "view_api", "acme/logs")
    admin.access.remove(SYSTEM, workspace="acme", api="logs", target="user:ann")
    assert not authz.can("user:ann", "view_api", "acme/logs")
    admin.access.remove(SYSTEM, workspace="acme", api="pay", target="customer:acme-co")
    assert not authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["customer:acme-co"])
    assert authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    admin.access.revoke_all(SYSTEM, workspace="acme", api="pay")
    assert [False, False, True] == authz.can_many(
        [
            ("user:ann", "view_api", "acme/pay"),
            ("customer:acme-co", "view_api", "acme/pay"),
            ("user:bob", "view_api", "acme/pay"),
        ]
    )
    _assert_in_step(authz)


def test_apis_for_and_subjects_for(authz: Authorizer) -> None:
    """The list questions answer what can() allows."""
    assert {"acme/pay"} == authz.apis_for("user:ann", "view_api")
    assert {"user:ann", "user:bob", "customer:acme-co"} == authz.subjects_for(
        "acme/pay", "view_api"
    )


# -- the change path -----------------------------------------------------------


def test_a_failing_change_changes_nothing(authz: Authorizer) -> None:
    """A transaction whose block raises after changing the directory leaves all as it was."""
    before = _observed(authz)

    def change() -> None:
        with authz.transaction() as tx:
            tx.directory.put_person(_user("zoe"))
            tx.directory.remove_group("acme", "ops")
            raise Conflict("changed my mind")

    with pytest.raises(Conflict, match="changed my mind"):
        change()
    assert before == _observed(authz)


def test_a_transaction_reports_its_delta_and_revision(authz: Authorizer) -> None:
    """Inside the block the revision is the one before; after it, the delta and the new one."""
    start = authz.revision
    with authz.transaction(actor="user:bob", action="add_access", target="acme/logs") as tx:
        assert (start, PolicyDelta(removed=frozenset(), added=frozenset())) == (
            tx.revision,
            tx.delta,
        )
        tx.directory.add_access(Grant(workspace="acme", api="logs", target="user:ann"))
        assert not authz.can("user:ann", "view_api", "acme/logs")  # not before the block ends
    assert (
        PolicyDelta(
            removed=frozenset(), added=frozenset({("g2", "user:ann", "acme/logs", "acme")})
        ),
        start + 1,
        start + 1,
    ) == (tx.delta, tx.revision, authz.revision)
    assert authz.can("user:ann", "view_api", "acme/logs")
    _assert_in_step(authz)


def test_without_a_sink_each_change_counts_one_up(authz: Authorizer, admin: Management) -> None:
    """In memory, each change is one revision more than the last."""
    start = authz.revision
    _add_user(admin, "zoe")
    admin.access.add(SYSTEM, workspace="acme", api="logs", targets=["user:zoe"])
    assert start + 2 == authz.revision


def test_cancel_leaves_without_a_change(stored: Authorizer, sink: Sink) -> None:
    """A cancelled transaction reaches neither the sink nor the index."""
    before = _observed(stored)
    with stored.transaction(action="add_access", target="acme/logs") as tx:
        tx.cancel()
    assert (before, [], before[2]) == (_observed(stored), sink.records, tx.revision)


def test_cancel_after_a_change_is_refused(stored: Authorizer, sink: Sink) -> None:
    """Cancelling once the directory has changed raises, and the change is rolled back."""
    before = _observed(stored)

    def change() -> None:
        with stored.transaction() as tx:
            tx.directory.add_access(Grant(workspace="acme", api="logs", target="user:ann"))
            tx.cancel()

    with pytest.raises(InvalidInput, match="changed something or wrote along cannot cancel"):
        change()
    assert (before, []) == (_observed(stored), sink.records)


def test_the_sink_receives_each_change(stored: Authorizer, sink: Sink) -> None:
    """A sink given to the constructor gets the owners, delta, actor, action, target and
    base of a change; the revision it answers is the authorizer's."""

    def persist(directory: Directory, record: ChangeRecord) -> int:
        assert directory is stored.directory
        return 41

    sink.then = persist
    base = stored.revision
    Management(stored).access.add("user:bob", workspace="acme", api="logs", targets=["user:ann"])
    assert [
        ChangeRecord(
            owners=frozenset({("subject", "acme", "user:ann")}),
            delta=PolicyDelta(
                removed=frozenset(), added=frozenset({("g2", "user:ann", "acme/logs", "acme")})
            ),
            actor="user:bob",
            action="add_access",
            target="acme/logs",
            base=base,
        )
    ] == sink.records
    assert sink is stored.sink
    assert (41, 41) == (
        stored.revision,
        stored.explain("user:ann", "view_api", "acme/logs").revision,
    )


def test_writes_along_reach_the_sink(stored: Authorizer, sink: Sink) -> None:
    """Extra writes ride along in the record, even of a change that touches no owner."""
    base = stored.revision
    with stored.transaction(actor="user:bob", action="note", target="acme") as tx:
        tx.write_along("first")
        tx.write_along("second")
    assert [(("first", "second"), frozenset(), base)] == [
        (r.extra, r.owners, r.base) for r in sink.records
    ]
    assert base + 1 == tx.revision


def test_writes_along_need_a_sink(authz: Authorizer) -> None:
    """Without a sink there is nowhere to write along: refused, and nothing changes."""
    before = _observed(authz)

    def change() -> None:
        with authz.transaction() as tx:
            tx.directory.add_access(Grant(workspace="acme", api="logs", target="user:ann"))
            tx.write_along("row")

    with pytest.raises(InvalidInput, match="need an authorizer with a store"):
        change()
    assert before == _observed(authz)


def test_a_failing_sink_cancels_the_change(stored: Authorizer, sink: Sink) -> None:
    """If the store cannot persist, the directory rolls back and nothing changes."""
    before = _observed(stored)

    def persist(directory: Directory, record: ChangeRecord) -> int:
        raise StoreDown("database is gone")

    sink.then = persist
    with pytest.raises(StoreDown):
        Management(stored).access.revoke_all(SYSTEM, workspace="acme", api="pay")
    assert before == _observed(stored)
    assert stored.can("user:ann", "view_api", "acme/pay")


def test_explain_never_sees_a_change_in_flight(stored: Authorizer, sink: Sink) -> None:
    """An explanation asked while a change waits on its sink sees the state before or after.

    Here the sink fails, so the change never happened: the explanation, asked from
    another thread while the change was in flight, must not show it.
    """
    answers: list[Explanation] = []
    asker = threading.Thread(
        target=lambda: answers.append(stored.explain("user:zoe", "view_people", "acme"))
    )

    def persist(directory: Directory, record: ChangeRecord) -> int:
        asker.start()
        asker.join(timeout=0.5)  # with the fix, the asker waits for this change to end
        raise StoreDown("database is gone")

    sink.then = persist
    with pytest.raises(StoreDown):
        _add_user(Management(stored), "zoe")
    asker.join()
    assert ["unknown subject 'user:zoe'"] == [a.reason for a in answers]


def test_a_failing_change_keeps_the_revision_of_explanations(
    authz: Authorizer, admin: Management
) -> None:
    """Explanations carry the revision of the index they agree with."""
    revision = authz.revision
    with pytest.raises(RbacKitError):
        _add_user(admin, "ann", role="boss")
    assert revision == authz.explain("user:ann", "view_api", "acme/pay").revision


def test_starting_from_a_directory_and_revision() -> None:
    """An Authorizer over an existing directory compiles it and starts at the given revision."""
    directory = Directory()
    directory.add_workspace(Workspace(id="acme", name="Acme"))
    directory.put_person(_user("ann"))
    authz = Authorizer(directory, revision=7)
    assert (7, True) == (authz.revision, authz.can("user:ann", "view_people", "acme"))
    assert (True, None) == (directory is authz.directory, authz.sink)


def test_export_writes_model_and_policy(authz: Authorizer, tmp_path: Path) -> None:
    """export() writes the Casbin model and the compiled policy as CSV."""
    model, policy = authz.export(tmp_path / "out")
    assert (MODEL_PATH.read_text(), authz.policy.to_csv()) == (
        model.read_text(),
        policy.read_text(),
    )


def test_named_changes_report_their_action_and_target(stored: Authorizer, sink: Sink) -> None:
    """Each management operation tells the sink what it did, to what and as whom."""
    admin = Management(stored)
    people, groups, apis, access = admin.people, admin.groups, admin.apis, admin.access
    ws = "acme"
    steps: list[Callable[[], object]] = [
        lambda: admin.roles.create(SYSTEM, workspace=ws, id="r", name="R", permissions=()),
        lambda: people.add_user(
            "user:bob", workspace=ws, id="zoe", email="zoe@acme.io", name="zoe"
        ),
        lambda: people.change_role(SYSTEM, workspace=ws, subject="user:zoe", role="r"),
        lambda: people.disable(SYSTEM, workspace=ws, subject="user:zoe"),
        lambda: people.enable(SYSTEM, workspace=ws, subject="user:zoe"),
        lambda: groups.add_member(SYSTEM, workspace=ws, group="ops", subject="user:zoe"),
        lambda: groups.remove_member(SYSTEM, workspace=ws, group="ops", subject="user:zoe"),
        lambda: people.remove(SYSTEM, workspace=ws, subject="user:zoe"),
        lambda: admin.roles.edit(SYSTEM, workspace=ws, role="r", name="Rr"),
        lambda: admin.roles.delete(SYSTEM, workspace=ws, role="r"),
        lambda: groups.create(SYSTEM, workspace=ws, id="dev", name="Dev"),
        lambda: groups.rename(SYSTEM, workspace=ws, group="dev", name="Devs"),
        lambda: groups.delete(SYSTEM, workspace=ws, group="dev"),
        lambda: apis.register(SYSTEM, workspace=ws, id="new", name="New"),
        lambda: apis.edit(SYSTEM, workspace=ws, api="new", category="payments"),
        lambda: apis.record_customer_ids(SYSTEM, workspace=ws, api="new", customer_ids=["ACME"]),
        lambda: people.add_customer(
            SYSTEM, workspace=ws, id="co2", email="co2@co.io", customer_id="CO2"
        ),
        lambda: people.set_customer_id(
            SYSTEM, workspace=ws, subject="customer:acme-co", customer_id="ACME-3"
        ),
        lambda: access.add(SYSTEM, workspace=ws, api="logs", targets=["user:ann"]),
        lambda: access.remove(SYSTEM, workspace=ws, api="logs", target="user:ann"),
        lambda: access.revoke_all(SYSTEM, workspace=ws, api="new"),
        lambda: apis.remove(SYSTEM, workspace=ws, api="new"),
        lambda: admin.workspaces.create(
            SYSTEM, workspace=Workspace(id="globex", name="Globex"), owner=None
        ),
    ]
    for step in steps:
        step()
    assert [
        ("create_role", "acme/role:r", "system"),
        ("add_user", "user:zoe", "user:bob"),
        ("change_role", "user:zoe", "system"),
        ("disable", "user:zoe", "system"),
        ("enable", "user:zoe", "system"),
        ("add_member", "user:zoe", "system"),
        ("remove_member", "user:zoe", "system"),
        ("remove_person", "user:zoe", "system"),
        ("edit_role", "acme/role:r", "system"),
        ("delete_role", "acme/role:r", "system"),
        ("create_group", "acme/group:dev", "system"),
        ("rename_group", "acme/group:dev", "system"),
        ("delete_group", "acme/group:dev", "system"),
        ("register_api", "acme/new", "system"),
        ("edit_api", "acme/new", "system"),
        ("record_customer_ids", "acme/new", "system"),
        ("add_customer", "customer:co2", "system"),
        ("set_customer_id", "customer:acme-co", "system"),
        ("add_access", "acme/logs", "system"),
        ("remove_access", "acme/logs", "system"),
        ("revoke_all", "acme/new", "system"),
        ("remove_api", "acme/new", "system"),
        ("create_workspace", "globex", "system"),
    ] == [(r.action, r.target, r.actor) for r in sink.records]
    # Each change is based on the revision the one before it committed at.
    assert [r.base + 1 for r in sink.records] == [r.base for r in sink.records[1:]] + [
        stored.revision
    ]
    _assert_in_step(stored)


def test_a_reading_block_holds_changes_back(authz: Authorizer, admin: Management) -> None:
    """Inside ``reading()`` no change lands (a multi-part read sees one state); decisions
    still answer; the change lands as soon as the block ends."""
    started = threading.Event()

    def change() -> None:
        started.set()
        admin.groups.create(SYSTEM, workspace="acme", name="Late", id="late")

    with authz.reading() as directory:
        thread = threading.Thread(target=change)
        thread.start()
        assert started.wait(5)
        thread.join(0.2)
        assert thread.is_alive()  # waiting for the block
        assert "late" not in directory.workspace("acme").groups
        assert authz.can("user:bob", "manage_groups", "acme")
    thread.join(5)
    assert "late" in authz.directory.workspace("acme").groups
