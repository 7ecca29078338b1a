"""Tests of the in-memory domain model (``rbac_kit.model._directory``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from rbac_kit import (
    Api,
    Conflict,
    Customer,
    Environment,
    Grant,
    Group,
    InvalidInput,
    NotFound,
    RbacKitError,
    Role,
    Status,
    User,
    Workspace,
)
from rbac_kit.model import AccessPaths, Directory, Exclusion
from rbac_kit.policy import compile_directory


def _user(uid: str, role: str = "member", groups: tuple[str, ...] = (), ws: str = "acme") -> User:
    return User(
        workspace=ws, id=uid, email=f"{uid}@{ws}.io", name=uid.title(), role=role, groups=groups
    )


def _customer(cid_entity: str, customer_id: str, groups: tuple[str, ...] = ()) -> Customer:
    return Customer(
        workspace="acme",
        id=cid_entity,
        email=f"{cid_entity}@example.com",
        customer_id=customer_id,
        groups=groups,
    )


def _grant(api: str, target: str, ws: str = "acme") -> Grant:
    return Grant(workspace=ws, api=api, target=target)


@pytest.fixture
def d() -> Directory:
    """Workspace ``acme`` with people, groups, APIs and grants; workspace ``globex`` with one user.

    - role ``support``: view_people, view_api in production, granted APIs only
    - groups ``ops`` (Ops) and ``dev`` (Dev); ``ops`` is granted ``pay``
    - APIs ``pay`` (production, Customer ID ``Big Co, Inc.`` seen) and ``ledger`` (staging)
    - ann (member, in ops, direct grant on ledger), bob (administrator), olga (owner),
      sam (support); customers bigco (``Big Co, Inc.``) and tiny (``tiny``, grant on pay)
    """
    d = Directory()
    d.add_workspace(Workspace(id="acme", name="Acme"))
    d.add_workspace(Workspace(id="globex", name="Globex"))
    d.put_role(
        Role(
            workspace="acme",
            id="support",
            name="Support",
            permissions=["view_people", "view_api"],
            environments=["production"],
        )
    )
    d.put_group(Group(workspace="acme", id="ops", name="Ops"))
    d.put_group(Group(workspace="acme", id="dev", name="Dev"))
    d.put_api(Api(workspace="acme", id="pay", name="Pay", customer_ids=["Big Co, Inc."]))
    d.put_api(Api(workspace="acme", id="ledger", name="Ledger", environment="staging"))
    d.put_person(_user("ann", groups=("ops",)))
    d.put_person(_user("bob", role="administrator"))
    d.put_person(_user("olga", role="owner"))
    d.put_person(_user("sam", role="support"))
    d.put_person(_customer("bigco", "Big Co, Inc."))
    d.put_person(_customer("tiny", "tiny"))
    d.put_person(_user("gina", ws="globex"))
    d.add_access(_grant("pay", "group:ops"))
    d.add_access(_grant("ledger", "user:ann"))
    d.add_access(_grant("pay", "customer:tiny"))
    return d


def _state(d: Directory) -> tuple[str, dict[str, Any]]:
    """Everything a directory holds: the compiled policy and a deep copy of every dict."""
    entities = {k: copy.deepcopy(v) for k, v in vars(d).items() if k not in ("_j", "_workspaces")}
    entities["workspaces"] = {ws.workspace.id: copy.deepcopy(vars(ws)) for ws in d.workspaces()}
    return compile_directory(d).to_csv(), entities


def _fails(d: Directory, call: Callable[[], object], error: type[RbacKitError], match: str) -> None:
    """``call`` raises ``error`` matching ``match`` and leaves the directory exactly as it was."""
    before = _state(d)
    with pytest.raises(error, match=match):
        call()
    assert before == _state(d)


# -- lookups --------------------------------------------------------------------


def test_lookups_raise_not_found_naming_the_id(d: Directory) -> None:
    """Unknown workspaces, roles, APIs, groups and subjects raise NotFound by name."""
    with pytest.raises(NotFound, match="no workspace 'nope'"):
        d.workspace("nope")
    with pytest.raises(NotFound, match="no role 'boss' in workspace 'acme'; roles: admin"):
        d.role("acme", "boss")
    with pytest.raises(NotFound, match="no API 'nope' in workspace 'acme'"):
        d.api("acme", "nope")
    with pytest.raises(NotFound, match="no group 'nope' in workspace 'acme'"):
        d.group("acme", "nope")
    with pytest.raises(NotFound, match="no subject 'user:nope'"):
        d.person("user:nope")
    with pytest.raises(NotFound, match="no subject 'ann'"):
        d.person("ann")


def test_workspace_of_names_the_subjects_workspace(d: Directory) -> None:
    """Each subject belongs to exactly one workspace; unknown subjects to none."""
    assert ("acme", "globex", None) == (
        d.workspace_of("user:ann"),
        d.workspace_of("user:gina"),
        d.workspace_of("user:nope"),
    )


def test_access_is_the_union_of_paths(d: Directory) -> None:
    """ann reaches pay through ops and ledger directly; bigco pay by Customer ID."""
    data = d.workspace("acme")
    assert {"pay", "ledger"} == data.access("user:ann")
    assert {"pay"} == data.access("customer:bigco")
    assert set() == data.access("user:bob")
    assert set() == data.access("user:nobody")
    assert AccessPaths(direct=False, groups=("ops",), customer_id=None, excluded=False) == (
        data.access_paths("user:ann", "pay")
    )
    assert AccessPaths(direct=False, groups=(), customer_id="Big Co, Inc.", excluded=False) == (
        data.access_paths("customer:bigco", "pay")
    )


def test_access_paths_has_access() -> None:
    """Some path and no exclusion means access."""
    assert AccessPaths(direct=True, groups=(), customer_id=None, excluded=False).has_access
    assert not AccessPaths(direct=True, groups=(), customer_id=None, excluded=True).has_access
    assert not AccessPaths(direct=False, groups=(), customer_id=None, excluded=False).has_access


# -- workspaces -----------------------------------------------------------------


def test_add_workspace_creates_the_builtin_roles(d: Directory) -> None:
    """A new workspace has the five built-in roles, returned as the owners touched."""
    owners = d.add_workspace(Workspace(id="initech", name="Initech"))
    roles = {"owner", "administrator", "member", "customer", "no_access"}
    assert {("role", "initech", r) for r in roles} == owners
    assert roles == set(d.workspace("initech").roles)


def test_add_workspace_twice_is_a_conflict(d: Directory) -> None:
    """A workspace id is created once."""
    _fails(
        d,
        lambda: d.add_workspace(Workspace(id="acme", name="Again")),
        Conflict,
        "workspace 'acme' already exists",
    )


# -- roles ------------------------------------------------------------------------


def test_put_role_creates_and_edits_a_custom_role(d: Directory) -> None:
    """A custom role is created, then edited in place; each returns its owner."""
    role = Role(workspace="acme", id="auditor", name="Auditor", permissions=["view_requests"])
    assert {("role", "acme", "auditor")} == d.put_role(role)
    edited = attrs.evolve(role, permissions=frozenset({"view_api"}))
    assert {("role", "acme", "auditor")} == d.put_role(edited)
    assert edited == d.role("acme", "auditor")


def test_put_role_may_edit_a_builtin_role_other_than_owner(d: Directory) -> None:
    """Member may be edited (kept built in)."""
    member = attrs.evolve(d.role("acme", "member"), permissions=frozenset({"view_api"}))
    d.put_role(member)
    assert frozenset({"view_api"}) == d.role("acme", "member").permissions


def test_owner_cannot_be_edited(d: Directory) -> None:
    """Editing Owner is a conflict and changes nothing."""
    owner = attrs.evolve(d.role("acme", "owner"), permissions=frozenset())
    _fails(d, lambda: d.put_role(owner), Conflict, "the Owner role cannot be edited")


def test_put_role_refuses_new_builtin_roles(d: Directory) -> None:
    """Only the library creates built-in roles."""
    role = Role(workspace="acme", id="super", name="Super", permissions=(), builtin=True)
    _fails(d, lambda: d.put_role(role), InvalidInput, "only the library creates built-in")


def test_put_role_refuses_to_change_builtin_flag(d: Directory) -> None:
    """A built-in role cannot become custom, nor a custom one built in."""
    member = attrs.evolve(d.role("acme", "member"), builtin=False)
    _fails(d, lambda: d.put_role(member), InvalidInput, "cannot change whether it is built in")
    support = attrs.evolve(d.role("acme", "support"), builtin=True)
    _fails(d, lambda: d.put_role(support), InvalidInput, "cannot change whether it is built in")


def test_role_names_are_unique_ignoring_case(d: Directory) -> None:
    """A second role named like an existing one (any case) is a conflict."""
    role = Role(workspace="acme", id="support2", name="SUPPORT", permissions=())
    _fails(d, lambda: d.put_role(role), Conflict, "a role named 'SUPPORT' already exists")
    owner_like = Role(workspace="acme", id="boss", name="owner", permissions=())
    _fails(d, lambda: d.put_role(owner_like), Conflict, "'owner' already exists")


def test_put_role_in_unknown_workspace(d: Directory) -> None:
    """A role of a missing workspace is not found."""
    role = Role(workspace="nope", id="x", name="X", permissions=())
    _fails(d, lambda: d.put_role(role), NotFound, "no workspace 'nope'")


def test_remove_role_deletes_an_unused_custom_role(d: Directory) -> None:
    """An unused custom role goes; its owner is returned."""
    d.put_role(Role(workspace="acme", id="auditor", name="Auditor", permissions=()))
    assert {("role", "acme", "auditor")} == d.remove_role("acme", "auditor")
    assert "auditor" not in d.workspace("acme").roles


def test_remove_role_in_use_is_a_conflict(d: Directory) -> None:
    """A role someone holds cannot be deleted; the message names a holder."""
    _fails(
        d, lambda: d.remove_role("acme", "support"), Conflict, r"in use: held by 1 person.*user:sam"
    )


def test_builtin_roles_cannot_be_removed(d: Directory) -> None:
    """Built-in roles (Owner included) cannot be deleted, even when unused."""
    _fails(d, lambda: d.remove_role("acme", "no_access"), Conflict, "'No Access' cannot be")
    _fails(d, lambda: d.remove_role("acme", "owner"), Conflict, "'Owner' cannot be deleted")


def test_remove_unknown_role(d: Directory) -> None:
    """Removing a role that does not exist is NotFound."""
    _fails(d, lambda: d.remove_role("acme", "nope"), NotFound, "no role 'nope'")
    _fails(d, lambda: d.remove_role("nope", "x"), NotFound, "no workspace 'nope'")


# -- people ---------------------------------------------------------------------


def test_put_person_adds_a_user(d: Directory) -> None:
    """A new user is stored, indexed by email and role, and its subject owner returned."""
    owners = d.put_person(_user("zoe", groups=("dev",)))
    data = d.workspace("acme")
    assert {("subject", "acme", "user:zoe")} == owners
    assert "zoe" == d.person("user:zoe").id
    assert "user:zoe" in data.role_holders["member"]
    assert "user:zoe" in data.members["dev"]
    assert "acme" == d.workspace_of("user:zoe")


def test_put_person_replaces_role_and_groups(d: Directory) -> None:
    """Replacing a person moves it between role holders and group members."""
    d.put_person(_user("ann", role="support", groups=("dev",)))
    data = d.workspace("acme")
    assert "user:ann" not in data.role_holders["member"]
    assert "user:ann" in data.role_holders["support"]
    assert ("user:ann" in data.members["ops"], "user:ann" in data.members["dev"]) == (False, True)
    assert {"ledger"} == data.access("user:ann")


def test_put_person_with_unknown_role_or_group(d: Directory) -> None:
    """A person naming a missing role or group is not found and nothing changes."""
    _fails(d, lambda: d.put_person(_user("zoe", role="boss")), NotFound, "no role 'boss'")
    _fails(d, lambda: d.put_person(_user("zoe", groups=("nope",))), NotFound, "no group 'nope'")
    _fails(d, lambda: d.put_person(_user("zoe", ws="nope")), NotFound, "no workspace 'nope'")


def test_duplicate_email_ignoring_case_is_a_conflict(d: Directory) -> None:
    """Emails are unique in a workspace, whatever the case of either part."""
    zoe = attrs.evolve(_user("zoe"), email="ANN@ACME.IO")
    _fails(d, lambda: d.put_person(zoe), Conflict, r"email 'ANN@acme\.io' is already used by")
    customer = attrs.evolve(_customer("c9", "C9"), email="Ann@acme.io")
    _fails(d, lambda: d.put_person(customer), Conflict, "already used by user:ann")


def test_same_email_in_another_workspace_is_fine(d: Directory) -> None:
    """Email uniqueness is per workspace."""
    d.put_person(attrs.evolve(_user("gil", ws="globex"), email="ann@acme.io"))
    assert "ann@acme.io" == d.person("user:gil").email


def test_a_person_may_change_the_case_of_its_own_email(d: Directory) -> None:
    """Re-saving a person with its email in another case is not a clash with itself."""
    d.put_person(attrs.evolve(_user("ann", groups=("ops",)), email="Ann@acme.io"))
    assert "Ann@acme.io" == d.person("user:ann").email


def test_duplicate_customer_id_is_a_conflict(d: Directory) -> None:
    """A Customer ID belongs to one customer of the workspace."""
    _fails(
        d,
        lambda: d.put_person(_customer("other", "tiny")),
        Conflict,
        "Customer ID 'tiny' already belongs to customer 'tiny'",
    )


def test_customer_ids_are_case_sensitive(d: Directory) -> None:
    """``TINY`` is another Customer ID than ``tiny``."""
    d.put_person(_customer("loud", "TINY"))
    assert {"tiny": "tiny", "TINY": "loud"} == {
        k: v for k, v in d.workspace("acme").customer_by_cid.items() if k.lower() == "tiny"
    }


def test_subject_ids_are_unique_across_workspaces(d: Directory) -> None:
    """``user:gina`` exists in globex, so acme cannot have a ``user:gina``."""
    _fails(
        d,
        lambda: d.put_person(_user("gina")),
        Conflict,
        "subject 'user:gina' already exists in workspace 'globex'",
    )


def test_remove_person_takes_grants_and_exclusions(d: Directory) -> None:
    """A removed customer leaves no grant, exclusion, email or Customer ID behind."""
    d.remove_access("acme", "ledger", "user:ann")
    d.add_access(_grant("ledger", "customer:tiny"))
    d.remove_access("acme", "pay", "customer:tiny")
    assert [Exclusion(workspace="acme", api="pay", customer="tiny")] == d.exclusions("acme")
    assert {("subject", "acme", "customer:tiny")} == d.remove_person("customer:tiny")
    data = d.workspace("acme")
    assert ([], set(), None) == (
        d.exclusions("acme"),
        {g.target for g in d.grants("acme")} & {"customer:tiny"},
        data.customer_by_cid.get("tiny"),
    )
    assert "tiny@example.com" not in data.emails
    d.put_person(_customer("tiny2", "tiny"))  # the Customer ID is free again


def test_remove_unknown_person(d: Directory) -> None:
    """Removing someone who is not there is NotFound."""
    _fails(d, lambda: d.remove_person("user:nope"), NotFound, "no subject 'user:nope'")


def test_set_status_disables_a_person(d: Directory) -> None:
    """Disabling keeps the person with the new status."""
    assert {("subject", "acme", "user:ann")} == d.set_status("user:ann", Status.DISABLED)
    assert Status.DISABLED == d.person("user:ann").status
    _fails(d, lambda: d.set_status("user:nope", Status.ACTIVE), NotFound, "user:nope")


# -- groups ----------------------------------------------------------------------


def test_put_group_creates_and_renames(d: Directory) -> None:
    """A group is created, then renamed (its old name becomes free)."""
    assert {("group", "acme", "qa")} == d.put_group(Group(workspace="acme", id="qa", name="QA"))
    d.put_group(Group(workspace="acme", id="qa", name="Quality"))
    d.put_group(Group(workspace="acme", id="qa2", name="qa"))
    assert {"quality": "qa", "qa": "qa2"} == {
        k: v for k, v in d.workspace("acme").group_names.items() if k.startswith("q")
    }


def test_group_names_are_unique_ignoring_case(d: Directory) -> None:
    """A second group named ``OPS`` clashes with ``Ops``."""
    group = Group(workspace="acme", id="ops2", name="OPS")
    _fails(d, lambda: d.put_group(group), Conflict, "a group named 'OPS' already exists")


def test_put_group_in_unknown_workspace(d: Directory) -> None:
    """A group of a missing workspace is not found."""
    group = Group(workspace="nope", id="x", name="X")
    _fails(d, lambda: d.put_group(group), NotFound, "no workspace 'nope'")


def test_remove_group_removes_only_the_access_through_it(d: Directory) -> None:
    """ann loses pay (via ops) but keeps ledger (direct); the group's grants go."""
    owners = d.remove_group("acme", "ops")
    data = d.workspace("acme")
    assert {("group", "acme", "ops"), ("subject", "acme", "user:ann")} == owners
    assert {"ledger"} == data.access("user:ann")
    assert frozenset() == d.person("user:ann").groups
    assert [] == [g for g in d.grants("acme") if g.target == "group:ops"]
    assert "ops" not in data.group_names.values()
    d.put_group(Group(workspace="acme", id="ops9", name="Ops"))  # the name is free again


def test_remove_unknown_group(d: Directory) -> None:
    """Removing a missing group is NotFound."""
    _fails(d, lambda: d.remove_group("acme", "nope"), NotFound, "no group 'nope'")


# -- APIs ---------------------------------------------------------------------------


def test_put_api_registers_and_moves_customer_ids(d: Directory) -> None:
    """Recording a Customer ID on an API gives its customer access; dropping it takes it."""
    api = d.api("acme", "ledger")
    assert {("api", "acme", "ledger")} == d.put_api(attrs.evolve(api, customer_ids={"tiny"}))
    data = d.workspace("acme")
    assert {"pay", "ledger"} == data.access("customer:tiny")
    d.put_api(attrs.evolve(api, customer_ids=frozenset()))
    assert {"pay"} == data.access("customer:tiny")


def test_put_api_returns_flattened_customers_whose_ids_changed(d: Directory) -> None:
    """A customer with exclusions is compiled API by API, so a Customer ID change touches it."""
    d.add_access(_grant("ledger", "customer:bigco"))
    d.remove_access("acme", "ledger", "customer:bigco")
    api = d.api("acme", "pay")
    owners = d.put_api(attrs.evolve(api, customer_ids=frozenset()))
    assert {("api", "acme", "pay"), ("subject", "acme", "customer:bigco")} == owners


def test_put_api_in_unknown_workspace(d: Directory) -> None:
    """An API of a missing workspace is not found."""
    api = Api(workspace="nope", id="x", name="X")
    _fails(d, lambda: d.put_api(api), NotFound, "no workspace 'nope'")


def test_remove_api_drops_its_grants_and_exclusions(d: Directory) -> None:
    """Removing pay leaves no grant, exclusion or Customer ID record of it."""
    d.remove_access("acme", "pay", "customer:bigco")
    owners = d.remove_api("acme", "pay")
    data = d.workspace("acme")
    assert {
        ("api", "acme", "pay"),
        ("group", "acme", "ops"),
        ("subject", "acme", "customer:tiny"),
        ("subject", "acme", "customer:bigco"),
    } == owners
    assert ([], ["ledger"]) == (d.exclusions("acme"), sorted(data.apis))
    assert {"ledger"} == {g.api for g in d.grants("acme")}
    assert set() == data.access("customer:bigco")


def test_remove_unknown_api(d: Directory) -> None:
    """Removing a missing API is NotFound."""
    _fails(d, lambda: d.remove_api("acme", "nope"), NotFound, "no API 'nope'")


# -- access ------------------------------------------------------------------------


def test_add_access_grants_a_user(d: Directory) -> None:
    """A direct grant gives access and returns the subject's owner."""
    assert {("subject", "acme", "user:sam")} == d.add_access(_grant("pay", "user:sam"))
    assert {"pay"} == d.workspace("acme").access("user:sam")


def test_add_access_twice_keeps_the_first_grant(d: Directory) -> None:
    """Granting again is harmless and keeps who granted first."""
    d.add_access(Grant(workspace="acme", api="pay", target="user:sam", granted_by="user:olga"))
    d.add_access(Grant(workspace="acme", api="pay", target="user:sam", granted_by="user:bob"))
    assert "user:olga" == d.workspace("acme").grants[("pay", "user:sam")].granted_by


def test_add_access_to_a_group_touches_its_flattened_members(d: Directory) -> None:
    """A group grant recompiles the group and members compiled API by API."""
    d.put_person(_customer("bigco", "Big Co, Inc.", groups=("dev",)))
    d.remove_access("acme", "pay", "customer:bigco")
    owners = d.add_access(_grant("ledger", "group:dev"))
    assert {("group", "acme", "dev"), ("subject", "acme", "customer:bigco")} == owners


@pytest.mark.parametrize(
    ("grant", "error", "match"),
    [
        (Grant(workspace="acme", api="nope", target="user:ann"), NotFound, "no API 'nope'"),
        (Grant(workspace="acme", api="pay", target="user:nope"), NotFound, "no user 'user:nope'"),
        (Grant(workspace="acme", api="pay", target="customer:x"), NotFound, "'customer:x'"),
        (Grant(workspace="acme", api="pay", target="group:nope"), NotFound, "no group 'nope'"),
        (Grant(workspace="acme", api="pay", target="user:gina"), NotFound, "'user:gina'"),
        (Grant(workspace="nope", api="pay", target="user:ann"), NotFound, "no workspace"),
    ],
)
def test_add_access_errors(
    d: Directory, grant: Grant, error: type[RbacKitError], match: str
) -> None:
    """Unknown APIs, targets, groups and people of other workspaces are not found."""
    _fails(d, lambda: d.add_access(grant), error, match)


def test_remove_access_of_a_user_deletes_the_direct_grant(d: Directory) -> None:
    """ann's direct grant on ledger goes."""
    assert {("subject", "acme", "user:ann")} == d.remove_access("acme", "ledger", "user:ann")
    assert {"pay"} == d.workspace("acme").access("user:ann")


def test_remove_access_without_a_direct_grant_names_the_groups(d: Directory) -> None:
    """ann reaches pay only through ops: nothing to remove, and the message says why."""
    _fails(
        d,
        lambda: d.remove_access("acme", "pay", "user:ann"),
        NotFound,
        r"user:ann has no direct grant on API 'pay' \(access comes through groups: ops\)",
    )


def test_remove_access_of_a_customer_excludes_it(d: Directory) -> None:
    """bigco reaches pay by Customer ID; removing it from pay's list excludes it."""
    d.remove_access("acme", "pay", "customer:bigco")
    data = d.workspace("acme")
    assert (set(), True) == (data.access("customer:bigco"), data.is_flattened("customer:bigco"))
    assert [Exclusion(workspace="acme", api="pay", customer="bigco")] == d.exclusions("acme")


def test_add_access_lifts_an_exclusion(d: Directory) -> None:
    """Adding an excluded customer back gives it access again."""
    d.remove_access("acme", "pay", "customer:bigco")
    d.add_access(_grant("pay", "customer:bigco"))
    assert ([], {"pay"}) == (d.exclusions("acme"), d.workspace("acme").access("customer:bigco"))


def test_remove_access_of_a_customer_without_access(d: Directory) -> None:
    """A customer with no way to the API cannot be removed from it."""
    _fails(
        d,
        lambda: d.remove_access("acme", "ledger", "customer:bigco"),
        NotFound,
        "customer:bigco has no access to API 'ledger'",
    )


def test_remove_access_errors(d: Directory) -> None:
    """Unknown API, target or workspace is NotFound."""
    _fails(d, lambda: d.remove_access("acme", "nope", "user:ann"), NotFound, "no API 'nope'")
    _fails(d, lambda: d.remove_access("acme", "pay", "user:nope"), NotFound, "user:nope")
    _fails(d, lambda: d.remove_access("acme", "pay", "group:nope"), NotFound, "no group")
    _fails(d, lambda: d.remove_access("nope", "pay", "user:ann"), NotFound, "no workspace")


def test_revoke_all_drops_grants_and_excludes_matching_customers(d: Directory) -> None:
    """Revoke All Access on pay: no grant left, bigco (Customer ID match) excluded."""
    owners = d.revoke_all("acme", "pay")
    data = d.workspace("acme")
    assert {
        ("group", "acme", "ops"),
        ("subject", "acme", "customer:tiny"),
        ("subject", "acme", "customer:bigco"),
    } == owners
    assert {"ledger"} == {g.api for g in d.grants("acme")}
    assert [Exclusion(workspace="acme", api="pay", customer="bigco")] == d.exclusions("acme")
    assert (set(), set(), {"ledger"}) == (
        data.access("customer:bigco"),
        data.access("customer:tiny"),
        data.access("user:ann"),
    )


def test_revoke_all_of_unknown_api(d: Directory) -> None:
    """Revoking an API that does not exist is NotFound."""
    _fails(d, lambda: d.revoke_all("acme", "nope"), NotFound, "no API 'nope'")


# -- atomic ----------------------------------------------------------------------


def test_atomic_rolls_back_a_multi_step_block(d: Directory) -> None:
    """Steps that succeeded before a failing one are undone when the block raises."""

    def block() -> None:
        with d.atomic():
            d.add_workspace(Workspace(id="initech", name="Initech"))
            d.put_person(_user("zoe", groups=("dev",)))
            d.add_access(_grant("ledger", "group:dev"))
            d.remove_group("acme", "ops")
            d.revoke_all("acme", "pay")
            d.remove_person("user:ann")
            d.put_person(_customer("copy", "tiny"))  # Conflict: the Customer ID is taken

    _fails(d, block, Conflict, "Customer ID 'tiny' already belongs")


def test_atomic_keeps_a_block_that_succeeds(d: Directory) -> None:
    """Without an exception every step stays."""
    with d.atomic():
        d.put_person(_user("zoe"))
        d.add_access(_grant("pay", "user:zoe"))
    assert {"pay"} == d.workspace("acme").access("user:zoe")


def test_environment_change_keeps_the_api_object(d: Directory) -> None:
    """Moving an API to another environment keeps its id and grants."""
    d.put_api(attrs.evolve(d.api("acme", "ledger"), environment=Environment.PRODUCTION))
    assert (Environment.PRODUCTION, {"ledger"}) == (
        d.api("acme", "ledger").environment,
        {g.api for g in d.grants("acme") if g.target == "user:ann"},
    )
