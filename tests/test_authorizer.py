"""Tests of the facade (``rbac_kit._authorizer``): changes carried through to decisions."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from rbac_kit import (
    MODEL_PATH,
    Api,
    Authorizer,
    ChangeRecord,
    Conflict,
    Customer,
    DecisionIndex,
    Directory,
    Explanation,
    Grant,
    Group,
    InvalidInput,
    NotFound,
    PolicyDelta,
    RbacKitError,
    Role,
    Status,
    User,
    Workspace,
    compile_directory,
    customer_id_subject,
)


class StoreDown(Exception):
    """A sink failing to persist a change."""


def _user(uid: str, role: str = "member", **kw: object) -> User:
    return User(workspace="acme", id=uid, email=f"{uid}@acme.io", name=uid, role=role, **kw)  # type: ignore[arg-type]


@pytest.fixture
def authz() -> Authorizer:
    """Workspace ``acme``: API ``pay`` (production, Customer ID ``ACME`` seen), API ``logs``
    (staging), group ``ops`` granted ``pay``, ann (member, in ops), bob (administrator),
    customer ``acme-co`` with Customer ID ``ACME``."""
    a = Authorizer()
    a.add_workspace(Workspace(id="acme", name="Acme"))
    a.put_group(Group(workspace="acme", id="ops", name="Ops"))
    a.put_api(Api(workspace="acme", id="pay", name="Pay", customer_ids=["ACME"]))
    a.put_api(Api(workspace="acme", id="logs", name="Logs", environment="staging"))
    a.put_person(_user("ann", groups=("ops",)))
    a.put_person(_user("bob", "administrator"))
    a.put_person(Customer(workspace="acme", id="acme-co", email="it@co.io", customer_id="ACME"))
    a.add_access(Grant(workspace="acme", api="pay", target="group:ops"))
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


def test_add_workspace_compiles_the_builtin_roles() -> None:
    """A new workspace's roles reach the policy; the revision moves by one."""
    authz = Authorizer()
    delta = authz.add_workspace(Workspace(id="acme", name="Acme"))
    assert ("p", "role:owner", "acme", "acme", "delete_workspace", "workspace") in delta.added
    assert (frozenset(), 1) == (delta.removed, authz.revision)
    _assert_in_step(authz)


def test_put_person_and_decisions(authz: Authorizer) -> None:
    """A new member can see people but no API until granted."""
    authz.put_person(_user("zoe"))
    assert [True, False] == authz.can_many(
        [("user:zoe", "view_people", "acme"), ("user:zoe", "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_change_role(authz: Authorizer) -> None:
    """Making ann an administrator reaches logs, which no grant gave her."""
    assert not authz.can("user:ann", "view_api", "acme/logs")
    authz.change_role("user:ann", "administrator")
    assert authz.can("user:ann", "view_api", "acme/logs")
    _assert_in_step(authz)


def test_change_role_to_unknown_role(authz: Authorizer) -> None:
    """An unknown role is not found and changes nothing."""
    before = _observed(authz)
    with pytest.raises(NotFound, match="no role 'boss'"):
        authz.change_role("user:ann", "boss")
    assert before == _observed(authz)


def test_set_status_disables_and_enables(authz: Authorizer) -> None:
    """A disabled person is denied everything; enabling restores the access."""
    authz.set_status("customer:acme-co", Status.DISABLED)
    alias = customer_id_subject("ACME")
    assert [False, False] == authz.can_many(
        [("customer:acme-co", "view_api", "acme/pay"), (alias, "view_api", "acme/pay")]
    )
    authz.set_status("customer:acme-co", Status.ACTIVE)
    assert [True, True] == authz.can_many(
        [("customer:acme-co", "view_api", "acme/pay"), (alias, "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_set_customer_id_moves_the_access(authz: Authorizer) -> None:
    """Editing a Customer ID moves access to the APIs that ID was seen on."""
    authz.record_customer_ids("acme", "logs", ["ACME-2"])
    authz.set_customer_id("customer:acme-co", "ACME-2")
    assert [False, True] == authz.can_many(
        [
            ("customer:acme-co", "view_api", "acme/pay"),
            ("customer:acme-co", "view_api", "acme/logs"),
        ]
    )
    assert authz.can(customer_id_subject("ACME-2"), "view_api", "acme/logs")
    assert not authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    _assert_in_step(authz)


def test_set_customer_id_of_a_user_is_invalid(authz: Authorizer) -> None:
    """Users have no Customer ID; trying changes nothing."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="user:ann is not a customer"):
        authz.set_customer_id("user:ann", "X")
    assert before == _observed(authz)


def test_set_customer_id_to_a_bad_value(authz: Authorizer) -> None:
    """A Customer ID with surrounding whitespace is refused and nothing changes."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="surrounding whitespace"):
        authz.set_customer_id("customer:acme-co", "ACME ")
    assert before == _observed(authz)


def test_remove_person(authz: Authorizer) -> None:
    """A removed person is an unknown subject."""
    authz.remove_person("user:ann")
    assert not authz.can("user:ann", "view_people", "acme")
    _assert_in_step(authz)


def test_add_and_remove_member(authz: Authorizer) -> None:
    """Group membership gives and takes the group's access."""
    authz.remove_member("user:ann", "ops")
    assert not authz.can("user:ann", "view_api", "acme/pay")
    authz.add_member("user:ann", "ops")
    assert authz.can("user:ann", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_membership_errors(authz: Authorizer) -> None:
    """Unknown groups, and leaving a group one is not in, are not found."""
    before = _observed(authz)
    with pytest.raises(NotFound, match="no group 'nope'"):
        authz.add_member("user:ann", "nope")
    with pytest.raises(NotFound, match="user:bob is not a member of group 'ops'"):
        authz.remove_member("user:bob", "ops")
    with pytest.raises(NotFound, match="user:nope"):
        authz.add_member("user:nope", "ops")
    assert before == _observed(authz)


def test_put_and_remove_group(authz: Authorizer) -> None:
    """Removing ops takes pay from ann; a duplicate name is a conflict."""
    before = _observed(authz)
    with pytest.raises(Conflict, match="'OPS'"):
        authz.put_group(Group(workspace="acme", id="ops2", name="OPS"))
    assert before == _observed(authz)
    authz.remove_group("acme", "ops")
    assert not authz.can("user:ann", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_put_role_and_remove_role(authz: Authorizer) -> None:
    """A custom role works at once; it can be removed once nobody holds it."""
    role = Role(
        workspace="acme", id="ops-lead", name="Ops lead", permissions=["edit_api"], api_scope="all"
    )
    authz.put_role(role)
    authz.change_role("user:ann", "ops-lead")
    assert authz.can("user:ann", "edit_api", "acme/logs")
    with pytest.raises(Conflict, match="in use: held by 1 person"):
        authz.remove_role("acme", "ops-lead")
    authz.change_role("user:ann", "member")
    authz.remove_role("acme", "ops-lead")
    assert "ops-lead" not in authz.directory.workspace("acme").roles
    _assert_in_step(authz)


def test_put_api_changes_environment(authz: Authorizer) -> None:
    """A role scoped to production loses an API moved to staging."""
    authz.put_role(
        Role(
            workspace="acme",
            id="prod",
            name="Prod",
            permissions=["view_api"],
            environments=["production"],
            api_scope="all",
        )
    )
    authz.put_person(_user("pat", "prod"))
    assert authz.can("user:pat", "view_api", "acme/pay")
    authz.put_api(Api(workspace="acme", id="pay", name="Pay", environment="staging"))
    assert not authz.can("user:pat", "view_api", "acme/pay")
    _assert_in_step(authz)


def test_record_customer_ids_adds_to_those_seen(authz: Authorizer) -> None:
    """Recorded Customer IDs join the ones already seen; a lone string is one ID."""
    authz.record_customer_ids("acme", "pay", "Big Co")
    authz.record_customer_ids("acme", "pay", {"X", "Y"})
    assert (
        frozenset({"ACME", "Big Co", "X", "Y"}) == authz.directory.api("acme", "pay").customer_ids
    )
    _assert_in_step(authz)


def test_record_customer_ids_refuses_bad_ids(authz: Authorizer) -> None:
    """One bad Customer ID refuses the whole batch."""
    before = _observed(authz)
    with pytest.raises(InvalidInput, match="control characters"):
        authz.record_customer_ids("acme", "pay", ["OK", "BAD\x00"])
    assert before == _observed(authz)


def test_remove_api(authz: Authorizer) -> None:
    """A removed API answers no for everyone, administrators included."""
    authz.remove_api("acme", "pay")
    assert [False, False] == authz.can_many(
        [("user:bob", "view_api", "acme/pay"), ("user:ann", "view_api", "acme/pay")]
    )
    _assert_in_step(authz)


def test_add_access_remove_access_and_revoke_all(authz: Authorizer) -> None:
    """Grant, remove from the list (excluding a customer), then Revoke All Access."""
    authz.add_access(Grant(workspace="acme", api="logs", target="user:ann"))
    assert authz.can("user:ann", "view_api", "acme/logs")
    authz.remove_access("acme", "logs", "user:ann")
    assert not authz.can("user:ann", "view_api", "acme/logs")
    authz.remove_access("acme", "pay", "customer:acme-co")
    assert not authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    authz.add_access(Grant(workspace="acme", api="pay", target="customer:acme-co"))
    assert authz.can(customer_id_subject("ACME"), "view_api", "acme/pay")
    authz.revoke_all("acme", "pay")
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
    """A change function that raises after mutating leaves everything as it was."""
    before = _observed(authz)

    def change(d: Directory) -> set[tuple[str, str, str]]:
        d.put_person(_user("zoe"))
        d.remove_group("acme", "ops")
        raise Conflict("changed my mind")

    with pytest.raises(Conflict, match="changed my mind"):
        authz.apply(change)  # type: ignore[arg-type]
    assert before == _observed(authz)


def test_the_sink_receives_each_change(authz: Authorizer) -> None:
    """The sink gets the owners, delta, actor, action and target; its revision is used."""
    records: list[ChangeRecord] = []

    def sink(directory: Directory, record: ChangeRecord) -> int:
        assert directory is authz.directory
        records.append(record)
        return 41

    authz.sink = sink
    delta = authz.add_access(
        Grant(workspace="acme", api="logs", target="user:ann"), actor="user:bob"
    )
    assert [
        ChangeRecord(
            owners=frozenset({("subject", "acme", "user:ann")}),
            delta=PolicyDelta(
                removed=frozenset(), added=frozenset({("g2", "user:ann", "acme/logs", "acme")})
            ),
            actor="user:bob",
            action="add_access",
            target="acme/logs",
        )
    ] == records
    assert (delta, 41, 41) == (records[0].delta, authz.revision, authz.index.revision)


def test_a_sink_returning_none_counts_one_up(authz: Authorizer) -> None:
    """Without a revision from the sink, each change is one more than the last."""
    authz.sink = lambda directory, record: None
    start = authz.revision
    authz.put_person(_user("zoe"))
    assert start + 1 == authz.revision


def test_a_failing_sink_cancels_the_change(authz: Authorizer) -> None:
    """If the store cannot persist, the directory rolls back and nothing changes."""
    before = _observed(authz)

    def sink(directory: Directory, record: ChangeRecord) -> int:
        raise StoreDown("database is gone")

    authz.sink = sink
    with pytest.raises(StoreDown):
        authz.revoke_all("acme", "pay")
    assert before == _observed(authz)
    assert authz.can("user:ann", "view_api", "acme/pay")


def test_explain_never_sees_a_change_in_flight(authz: Authorizer) -> None:
    """An explanation asked while a change waits on its sink sees the state before or after.

    Here the sink fails, so the change never happened: the explanation, asked from
    another thread while the change was in flight, must not show it.
    """
    answers: list[Explanation] = []
    asker = threading.Thread(
        target=lambda: answers.append(authz.explain("user:zoe", "view_people", "acme"))
    )

    def sink(directory: Directory, record: ChangeRecord) -> int:
        asker.start()
        asker.join(timeout=0.5)  # with the fix, the asker waits for this change to end
        raise StoreDown("database is gone")

    authz.sink = sink
    with pytest.raises(StoreDown):
        authz.put_person(_user("zoe"))
    asker.join()
    assert ["unknown subject 'user:zoe'"] == [a.reason for a in answers]


def test_a_failing_change_keeps_the_revision_of_explanations(authz: Authorizer) -> None:
    """Explanations carry the revision of the index they agree with."""
    revision = authz.revision
    with pytest.raises(RbacKitError):
        authz.put_person(_user("ann", role="boss"))
    assert revision == authz.explain("user:ann", "view_api", "acme/pay").revision


def test_starting_from_a_directory_and_revision() -> None:
    """An Authorizer over an existing directory compiles it and starts at the given revision."""
    directory = Directory()
    directory.add_workspace(Workspace(id="acme", name="Acme"))
    directory.put_person(_user("ann"))
    authz = Authorizer(directory, revision=7)
    assert (7, True) == (authz.revision, authz.can("user:ann", "view_people", "acme"))
    assert directory is authz.directory


def test_export_writes_model_and_policy(authz: Authorizer, tmp_path: Path) -> None:
    """export() writes the Casbin model and the compiled policy as CSV."""
    model, policy = authz.export(tmp_path / "out")
    assert (MODEL_PATH.read_text(), authz.policy.to_csv()) == (
        model.read_text(),
        policy.read_text(),
    )


def test_named_changes_report_their_action_and_target(authz: Authorizer) -> None:
    """Each named method tells the sink what it did and to what."""
    seen: list[tuple[str, str, str]] = []
    authz.sink = lambda directory, r: seen.append((r.action, r.target, r.actor)) or None
    steps: list[Callable[[], object]] = [
        lambda: authz.put_role(Role(workspace="acme", id="r", name="R", permissions=())),
        lambda: authz.put_person(_user("zoe"), actor="user:bob"),
        lambda: authz.change_role("user:zoe", "r"),
        lambda: authz.set_status("user:zoe", Status.DISABLED),
        lambda: authz.add_member("user:zoe", "ops"),
        lambda: authz.remove_member("user:zoe", "ops"),
        lambda: authz.remove_person("user:zoe"),
        lambda: authz.remove_role("acme", "r"),
        lambda: authz.put_group(Group(workspace="acme", id="dev", name="Dev")),
        lambda: authz.remove_group("acme", "dev"),
        lambda: authz.put_api(Api(workspace="acme", id="new", name="New")),
        lambda: authz.record_customer_ids("acme", "new", ["ACME"]),
        lambda: authz.set_customer_id("customer:acme-co", "ACME-3"),
        lambda: authz.add_access(Grant(workspace="acme", api="logs", target="user:ann")),
        lambda: authz.remove_access("acme", "logs", "user:ann"),
        lambda: authz.revoke_all("acme", "new"),
        lambda: authz.remove_api("acme", "new"),
        lambda: authz.add_workspace(Workspace(id="globex", name="Globex")),
    ]
    for step in steps:
        step()
    assert [
        ("put_role", "acme/role:r", "system"),
        ("put_person", "user:zoe", "user:bob"),
        ("change_role", "user:zoe", "system"),
        ("set_status", "user:zoe", "system"),
        ("add_member", "user:zoe", "system"),
        ("remove_member", "user:zoe", "system"),
        ("remove_person", "user:zoe", "system"),
        ("remove_role", "acme/role:r", "system"),
        ("put_group", "acme/group:dev", "system"),
        ("remove_group", "acme/group:dev", "system"),
        ("put_api", "acme/new", "system"),
        ("record_customer_ids", "acme/new", "system"),
        ("set_customer_id", "customer:acme-co", "system"),
        ("add_access", "acme/logs", "system"),
        ("remove_access", "acme/logs", "system"),
        ("revoke_all", "acme/new", "system"),
        ("remove_api", "acme/new", "system"),
        ("add_workspace", "globex", "system"),
    ] == seen
    _assert_in_step(authz)
