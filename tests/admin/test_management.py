"""Management: every operation's happy path, its refusals, and the SPEC scenarios.

Every refusal is checked to change nothing: the entities of every workspace,
the compiled policy (``to_csv``), a grid of decisions, the revision and the
change records a store would persist are all exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest

from rbac_kit import (
    Api,
    Authorizer,
    ChangeRecord,
    Conflict,
    Customer,
    Directory,
    Environment,
    Exclusion,
    Forbidden,
    Group,
    InvalidInput,
    NotFound,
    Permission,
    RbacKitError,
    Role,
    Status,
    UnknownAction,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.admin._management import Management

ANN, BOB, CARL, DANA = "user:ann", "user:bob", "user:carl", "user:dana"
CAT, CY, GUS = "customer:cat", "customer:cy", "user:gus"
PAYMENTS, SEARCH, BILLING = "acme/payments", "acme/search", "acme/billing"
OPS_PERMISSIONS = {"manage_people", "view_people", "manage_groups", "manage_api_access", "view_api"}

SUBJECTS = (ANN, BOB, CARL, DANA, CAT, CY, GUS, customer_id_subject("ACME"), "user:nobody")
OBJECTS = ("acme", "globex", PAYMENTS, SEARCH, BILLING, "globex/ledger")
QUESTIONS = [(s, p.value, o) for s in SUBJECTS for p in Permission for o in OBJECTS]


@attrs.define
class World:
    """A populated Authorizer, the Management over it, and the change records of its sink."""

    authz: Authorizer
    mgmt: Management
    records: list[ChangeRecord]

    def can(self, subject: str, action: str, obj: str) -> bool:
        """The decision, as a gateway asks it."""
        return self.authz.can(subject, action, obj)

    @property
    def directory(self) -> Directory:
        """The entities."""
        return self.authz.directory


def build_world() -> World:
    """Two workspaces built through Management itself.

    acme: Owner ann; Administrator bob; Member carl (group eng); dana holds
    the custom role ``ops`` (people, groups and API access, staging only, granted
    APIs only) with a direct grant on search; customers cat (Customer ID
    ``ACME``, recorded on payments) and cy (``Big Co``). APIs payments
    (production), search and billing (staging). Group eng is granted payments,
    group stage is granted search. globex: Owner gus, API ledger.
    """
    authz = Authorizer()
    records: list[ChangeRecord] = []

    def sink(_: Directory, record: ChangeRecord) -> None:
        records.append(record)

    authz.sink = sink
    m = Management(authz)
    m.create_workspace(
        Workspace(id="acme", name="Acme"),
        owner=User(workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="owner"),
    )
    m.create_workspace(
        Workspace(id="globex", name="Globex"),
        owner=User(workspace="globex", id="gus", email="gus@globex.io", name="Gus", role="owner"),
    )
    m.register_api(GUS, "globex", "Ledger", id="ledger")
    m.add_user(ANN, "acme", email="bob@acme.io", name="Bob", role="administrator", id="bob")
    m.create_role(ANN, "acme", "Ops", OPS_PERMISSIONS, environments=["staging"], id="ops")
    m.add_user(ANN, "acme", email="dana@acme.io", name="Dana", role="ops", id="dana")
    m.register_api(ANN, "acme", "Payments", id="payments")
    m.register_api(ANN, "acme", "Search", id="search", environment="staging")
    m.register_api(ANN, "acme", "Billing", id="billing", environment="staging")
    m.create_group(ANN, "acme", "Eng", id="eng")
    m.create_group(ANN, "acme", "Stage", id="stage")
    m.add_access(ANN, "acme", "payments", "group:eng")
    m.add_access(ANN, "acme", "search", ["group:stage", DANA])
    m.add_user(ANN, "acme", email="carl@acme.io", name="Carl", groups=["eng"], id="carl")
    m.add_customer(ANN, "acme", email="cat@cat.io", customer_id="ACME", id="cat")
    m.add_customer(ANN, "acme", email="cy@cy.io", customer_id="Big Co", id="cy")
    m.record_customer_ids("system", "acme", "payments", ["ACME"])
    return World(authz=authz, mgmt=m, records=records)


@pytest.fixture
def world() -> World:
    """A fresh populated world for each test."""
    return build_world()


def snapshot(authz: Authorizer) -> tuple[Any, ...]:
    """Everything a failed operation must leave as it was."""
    entities = [
        (
            data.workspace,
            dict(data.roles),
            dict(data.users),
            dict(data.customers),
            dict(data.groups),
            dict(data.apis),
            dict(data.grants),
            set(data.exclusions),
        )
        for data in authz.directory.workspaces()
    ]
    return entities, authz.policy.to_csv(), authz.can_many(QUESTIONS), authz.revision


@contextmanager
def refused(world: World, error: type[RbacKitError], match: str) -> Iterator[None]:
    """Expect ``error`` (message matching ``match``) and that nothing changed at all."""
    before = snapshot(world.authz)
    records = len(world.records)
    with pytest.raises(error, match=match):
        yield
    assert before == snapshot(world.authz)
    assert records == len(world.records)


# -- the world itself -----------------------------------------------------------


def test_world_decisions(world: World) -> None:
    """The fixture's people reach exactly what their roles, groups and Customer IDs give."""
    expected = {
        (ANN, "delete_workspace", "acme"): True,
        (BOB, "delete_workspace", "acme"): False,
        (BOB, "edit_api", PAYMENTS): True,
        (CARL, "view_api", PAYMENTS): True,
        (CARL, "view_api", SEARCH): False,
        (DANA, "view_api", SEARCH): True,
        (DANA, "view_api", BILLING): False,
        (CAT, "view_api", PAYMENTS): True,
        (CY, "view_api", PAYMENTS): False,
        (GUS, "view_api", PAYMENTS): False,
    }
    assert expected == {q: world.can(*q) for q in expected}


def test_changes_record_the_actor(world: World) -> None:
    """Each operation is one change whose record names the actor, the operation and target."""
    world.records.clear()
    world.mgmt.add_member(BOB, "acme", "stage", CARL)
    world.mgmt.record_customer_ids("system", "acme", "search", ["Big Co"])
    expected = [(BOB, "add_member", CARL), ("system", "record_customer_ids", SEARCH)]
    assert expected == [(r.actor, r.action, r.target) for r in world.records]


def test_sink_failure_changes_nothing(world: World) -> None:
    """A store that refuses the change (its sink raises) leaves everything as it was."""

    def failing(_: Directory, __: ChangeRecord) -> None:
        raise Conflict("store is read-only")

    world.authz.sink = failing
    with refused(world, Conflict, "read-only"):
        world.mgmt.add_member(BOB, "acme", "stage", CARL)


# -- workspaces -------------------------------------------------------------------


def test_create_workspace_makes_the_first_owner(world: World) -> None:
    """create_workspace adds the workspace and its Owner, recorded as done by system."""
    owner = User(workspace="initech", id="ivy", email="ivy@initech.io", name="Ivy", role="owner")
    created = world.mgmt.create_workspace(Workspace(id="initech", name="Initech"), owner=owner)
    assert (Workspace(id="initech", name="Initech"), True) == (
        created,
        world.can("user:ivy", "delete_workspace", "initech"),
    )
    expected = ("system", "create_workspace", "initech")
    assert expected == (
        world.records[-1].actor,
        world.records[-1].action,
        world.records[-1].target,
    )


@pytest.mark.parametrize(
    ("owner", "error", "match"),
    [
        (User(workspace="acme", id="ivy", email="i@i.io", name="I", role="owner"), InvalidInput,
         "belongs to workspace 'acme'"),
        (User(workspace="initech", id="ivy", email="i@i.io", name="I", role="administrator"),
         InvalidInput, "must be active, hold role 'owner'"),
        (User(workspace="initech", id="ivy", email="i@i.io", name="I", role="owner",
              status="disabled"), InvalidInput, "must be active"),
        (User(workspace="initech", id="ann", email="i@i.io", name="I", role="owner"), Conflict,
         "user:ann"),
    ],
)  # fmt: skip
def test_create_workspace_refusals(
    world: World, owner: User, error: type[RbacKitError], match: str
) -> None:
    """A first owner from elsewhere, not an Owner, disabled, or with a taken id is refused."""
    with refused(world, error, match):
        world.mgmt.create_workspace(Workspace(id="initech", name="Initech"), owner=owner)


def test_create_workspace_twice_is_a_conflict(world: World) -> None:
    """An existing workspace cannot be created again."""
    owner = User(workspace="acme", id="zed", email="zed@acme.io", name="Zed", role="owner")
    with refused(world, Conflict, "workspace 'acme' already exists"):
        world.mgmt.create_workspace(Workspace(id="acme", name="Acme 2"), owner=owner)


# -- roles ------------------------------------------------------------------------


def test_create_role_generates_a_slug_id(world: World) -> None:
    """A role without an id gets a slug of its name, suffixed when the slug is taken."""
    first = world.mgmt.create_role(BOB, "acme", "Support Team", ["view_api"])
    second = world.mgmt.create_role(BOB, "acme", "Support-Team", ["view_api"])
    expected = ("support-team", "support-team-2")
    assert expected == (first.id, second.id)
    assert first == world.directory.role("acme", "support-team")


def test_edit_role_changes_what_holders_may_do(world: World) -> None:
    """Editing a role's permissions changes every holder's decisions at once."""
    role = world.mgmt.edit_role(BOB, "acme", "member", permissions=["view_api", "edit_api"])
    assert (frozenset({"view_api", "edit_api"}), True, False) == (
        role.permissions,
        world.can(CARL, "edit_api", PAYMENTS),
        world.can(CARL, "view_people", "acme"),
    )


def test_delete_role_removes_an_unused_custom_role(world: World) -> None:
    """A custom role nobody holds can be deleted."""
    world.mgmt.create_role(BOB, "acme", "Temp", ["view_api"], id="temp")
    world.mgmt.delete_role(BOB, "acme", "temp")
    assert "temp" not in world.directory.workspace("acme").roles


# -- people -----------------------------------------------------------------------


def test_add_user_generates_a_random_id(world: World) -> None:
    """A user without an id gets 10 random hexadecimal characters and can act at once."""
    user = world.mgmt.add_user(BOB, "acme", email="Eve@ACME.io", name="Eve", groups=["eng"])
    assert re.fullmatch(r"[0-9a-f]{10}", user.id)
    expected = ("Eve@acme.io", True)
    assert expected == (user.email, world.can(user.subject, "view_api", PAYMENTS))


def test_add_customer_gets_access_by_customer_id(world: World) -> None:
    """A new customer whose Customer ID was seen on an API has access to it."""
    customer = world.mgmt.add_customer(BOB, "acme", email="z@z.io", customer_id="Zed Inc")
    world.mgmt.record_customer_ids("system", "acme", "billing", ["Zed Inc"])
    expected = ("customer", True, False)
    assert expected == (
        customer.role,
        world.can(customer.subject, "view_api", BILLING),
        world.can(customer.subject, "view_api", PAYMENTS),
    )


def test_change_role_of_a_customer(world: World) -> None:
    """A customer's role is editable; its decisions follow the new role."""
    updated = world.mgmt.change_role(BOB, "acme", CAT, "no_access")
    expected = ("no_access", False)
    assert expected == (updated.role, world.can(CAT, "view_api", PAYMENTS))


def test_disable_and_enable(world: World) -> None:
    """A disabled person is denied; enabling restores what they had."""
    world.mgmt.disable(BOB, "acme", CARL)
    denied = world.can(CARL, "view_api", PAYMENTS)
    person = world.mgmt.enable(BOB, "acme", CARL)
    expected = (False, Status.ACTIVE, True)
    assert expected == (
        denied,
        person.status,
        world.can(CARL, "view_api", PAYMENTS),
    )


def test_remove_person_drops_their_grants(world: World) -> None:
    """Removing a person removes them and their grants."""
    world.mgmt.remove_person(ANN, "acme", DANA)
    expected = (False, ["group:stage"])
    assert expected == (
        world.can(DANA, "view_api", SEARCH),
        [g.target for g in world.directory.grants("acme") if g.api == "search"],
    )


# -- groups -----------------------------------------------------------------------


def test_create_group_with_members(world: World) -> None:
    """Initial members join in the same change; the group gets a slug id."""
    group = world.mgmt.create_group(BOB, "acme", "Night Shift", members=[CARL, CAT])
    assert (Group(workspace="acme", id="night-shift", name="Night Shift"), ["create_group"]) == (
        group,
        [r.action for r in world.records[-1:]],
    )
    assert {"eng", "night-shift"} == world.directory.person(CARL).groups
    assert {"night-shift"} == world.directory.person(CAT).groups


def test_rename_group(world: World) -> None:
    """Renaming keeps the id, members and grants."""
    renamed = world.mgmt.rename_group(BOB, "acme", "eng", "Engineering")
    expected = ("Engineering", True)
    assert expected == (renamed.name, world.can(CARL, "view_api", PAYMENTS))


def test_add_and_remove_member(world: World) -> None:
    """Membership gives the group's access; leaving takes it away."""
    world.mgmt.add_member(BOB, "acme", "stage", CY)
    joined = world.can(CY, "view_api", SEARCH)
    world.mgmt.remove_member(BOB, "acme", "stage", CY)
    expected = (True, False)
    assert expected == (joined, world.can(CY, "view_api", SEARCH))


# -- APIs -------------------------------------------------------------------------


def test_register_api_generates_a_slug_id(world: World) -> None:
    """An API without an id gets a slug of its name; all-APIs roles reach it at once."""
    api = world.mgmt.register_api(BOB, "acme", "Payments", category="money")
    expected = ("payments-2", "money", True)
    assert expected == (
        api.id,
        api.category,
        world.can(BOB, "view_api", api.object),
    )


def test_edit_api_moves_its_environment(world: World) -> None:
    """Moving an API to staging brings it into the staging-only role's reach."""
    api = world.mgmt.edit_api(BOB, "acme", "payments", environment="staging", name="Pay")
    world.mgmt.add_access(BOB, "acme", "payments", DANA)
    expected = (Environment.STAGING, "Pay", True)
    assert expected == (
        api.environment,
        api.name,
        world.can(DANA, "view_api", PAYMENTS),
    )


def test_record_customer_ids_by_an_editor(world: World) -> None:
    """A subject holding edit_api on the API may record Customer IDs, like the host."""
    api = world.mgmt.record_customer_ids(BOB, "acme", "search", ["Big Co", "ACME"])
    assert (frozenset({"Big Co", "ACME"}), BOB) == (api.customer_ids, world.records[-1].actor)


def test_record_known_customer_ids_is_no_change(world: World) -> None:
    """Recording IDs already recorded returns the API and makes no change record."""
    before = len(world.records)
    api = world.mgmt.record_customer_ids("system", "acme", "payments", ["ACME"])
    assert (frozenset({"ACME"}), before) == (api.customer_ids, len(world.records))


def test_remove_api(world: World) -> None:
    """Removing an API removes its grants; nobody can use it any more."""
    world.mgmt.remove_api(BOB, "acme", "payments")
    expected: tuple[bool, list[str]] = (False, [])
    assert expected == (
        world.can(CARL, "view_api", PAYMENTS),
        [g.target for g in world.directory.grants("acme") if g.api == "payments"],
    )


# -- access -----------------------------------------------------------------------


def test_add_access_to_many_targets_at_once(world: World) -> None:
    """Users, customers and groups are granted in one change, granted_by the actor."""
    grants = world.mgmt.add_access(BOB, "acme", "billing", [CARL, CY, "group:eng"])
    expected_grants = [(CARL, BOB), (CY, BOB), ("group:eng", BOB)]
    assert expected_grants == [(g.target, g.granted_by) for g in grants]
    expected_decisions = [True, True]
    questions = [(CARL, "view_api", BILLING), (CY, "view_api", BILLING)]
    assert expected_decisions == world.authz.can_many(questions)
    expected_actions = ["add_access"]
    assert expected_actions == [r.action for r in world.records[-1:]]


def test_remove_access_of_a_user(world: World) -> None:
    """Removing a user's direct grant removes that access."""
    world.mgmt.remove_access(BOB, "acme", "search", DANA)
    assert not world.can(DANA, "view_api", SEARCH)


# -- refusals: every operation, bad input and forbidden actors ----------------------

Call = Callable[[Management], object]
REFUSALS: list[tuple[str, Call, type[RbacKitError], str]] = [
    # Actors that may not act at all.
    ("system as an actor", lambda m: m.add_user("system", "acme", email="e@e.io", name="E"),
     Forbidden, "system may not manage_people in workspace 'acme': unknown subject"),
    ("unknown actor", lambda m: m.create_group("user:nobody", "acme", "X"),
     Forbidden, "user:nobody may not manage_groups"),
    ("actor of another workspace", lambda m: m.create_role(GUS, "acme", "X", ["view_api"]),
     Forbidden, "user:gus may not manage_roles in workspace 'acme': .*belongs to workspace"),
    ("unknown workspace", lambda m: m.create_group(BOB, "nowhere", "X"),
     Forbidden, "user:bob may not manage_groups in workspace 'nowhere'"),
    ("customer", lambda m: m.add_access(CAT, "acme", "payments", CY),
     Forbidden, "customer:cat may not manage_api_access"),
    # Roles.
    ("member creates role", lambda m: m.create_role(CARL, "acme", "X", ["view_api"]),
     Forbidden, "user:carl may not manage_roles in workspace 'acme': role 'Member' does not"),
    ("unknown permission", lambda m: m.create_role(BOB, "acme", "X", ["fly"]),
     UnknownAction, "unknown action 'fly'"),
    ("bad environment", lambda m: m.create_role(BOB, "acme", "X", [], environments=["moon"]),
     InvalidInput, "environment 'moon'"),
    ("duplicate role name", lambda m: m.create_role(BOB, "acme", "OPS", ["view_api"]),
     Conflict, "a role named 'OPS' already exists"),
    ("duplicate role id", lambda m: m.create_role(BOB, "acme", "X", [], id="ops"),
     Conflict, "role id 'ops' already exists"),
    ("bad role id", lambda m: m.create_role(BOB, "acme", "X", [], id="no way"),
     InvalidInput, "role id 'no way'"),
    ("edit unknown role", lambda m: m.edit_role(BOB, "acme", "ghost", name="G"),
     NotFound, "no role 'ghost'"),
    ("edit nothing", lambda m: m.edit_role(BOB, "acme", "ops"),
     InvalidInput, "edit_role needs at least one"),
    ("edit Owner", lambda m: m.edit_role(ANN, "acme", "owner", name="Boss"),
     Conflict, "the Owner role cannot be edited"),
    ("edit name clash", lambda m: m.edit_role(BOB, "acme", "ops", name="member"),
     Conflict, "a role named 'member' already exists"),
    ("delete Owner", lambda m: m.delete_role(ANN, "acme", "owner"),
     Conflict, "built-in role 'Owner' cannot be deleted"),
    ("delete built-in", lambda m: m.delete_role(ANN, "acme", "no_access"),
     Conflict, "built-in role 'No Access' cannot be deleted"),
    ("delete role in use", lambda m: m.delete_role(ANN, "acme", "ops"),
     Conflict, "role 'Ops' \\(ops\\) is in use: held by 1 person"),
    ("delete unknown role", lambda m: m.delete_role(ANN, "acme", "ghost"),
     NotFound, "no role 'ghost'"),
    ("member deletes role", lambda m: m.delete_role(CARL, "acme", "ops"),
     Forbidden, "user:carl may not manage_roles"),
    # People.
    ("member adds user", lambda m: m.add_user(CARL, "acme", email="e@e.io", name="E"),
     Forbidden, "user:carl may not manage_people in workspace 'acme'"),
    ("bad email", lambda m: m.add_user(BOB, "acme", email="nope", name="E"),
     InvalidInput, "email 'nope' is not a valid email"),
    ("taken email", lambda m: m.add_user(BOB, "acme", email="CARL@ACME.IO", name="E"),
     Conflict, "email 'CARL@acme.io' is already used by user:carl"),
    ("taken user id", lambda m: m.add_user(BOB, "acme", email="e@e.io", name="E", id="carl"),
     Conflict, "user:carl already exists"),
    ("user id taken in another workspace",
     lambda m: m.add_user(BOB, "acme", email="e@e.io", name="E", id="gus"),
     Conflict, "user:gus already exists"),
    ("unknown role", lambda m: m.add_user(BOB, "acme", email="e@e.io", name="E", role="boss"),
     NotFound, "no role 'boss'"),
    ("unknown group", lambda m: m.add_user(BOB, "acme", email="e@e.io", name="E", groups=["x"]),
     NotFound, "no group 'x'"),
    ("empty name", lambda m: m.add_user(BOB, "acme", email="e@e.io", name="  "),
     InvalidInput, "user name must not be empty"),
    ("Customer ID with spaces",
     lambda m: m.add_customer(BOB, "acme", email="e@e.io", customer_id=" ACME"),
     InvalidInput, "surrounding whitespace"),
    ("taken Customer ID",
     lambda m: m.add_customer(BOB, "acme", email="e@e.io", customer_id="ACME"),
     Conflict, "Customer ID 'ACME' already belongs to customer 'cat'"),
    ("bad customer name",
     lambda m: m.add_customer(BOB, "acme", email="e@e.io", customer_id="E", name="a\x00b"),
     InvalidInput, "customer name .* contains control characters"),
    ("change role of unknown", lambda m: m.change_role(BOB, "acme", "user:ghost", "member"),
     NotFound, "no user:ghost in workspace 'acme'"),
    ("change role of someone elsewhere", lambda m: m.change_role(BOB, "acme", GUS, "member"),
     NotFound, "no user:gus in workspace 'acme'"),
    ("change role, malformed subject", lambda m: m.change_role(BOB, "acme", "carl", "member"),
     InvalidInput, "person 'carl' must be named 'user:<id>' or 'customer:<id>'"),
    ("change to unknown role", lambda m: m.change_role(BOB, "acme", CARL, "boss"),
     NotFound, "no role 'boss'"),
    ("change to the same role", lambda m: m.change_role(BOB, "acme", CARL, "member"),
     Conflict, "user:carl already holds role 'Member'"),
    ("Customer ID of a user", lambda m: m.set_customer_id(BOB, "acme", CARL, "X"),
     InvalidInput, "user:carl is not a customer"),
    ("same Customer ID", lambda m: m.set_customer_id(BOB, "acme", CAT, "ACME"),
     Conflict, "customer:cat already has Customer ID 'ACME'"),
    ("Customer ID of another", lambda m: m.set_customer_id(BOB, "acme", CY, "ACME"),
     Conflict, "Customer ID 'ACME' already belongs to customer 'cat'"),
    ("bad Customer ID", lambda m: m.set_customer_id(BOB, "acme", CY, "a\nb"),
     InvalidInput, "contains control characters"),
    ("enable the active", lambda m: m.enable(BOB, "acme", CARL),
     Conflict, "user:carl is already active"),
    ("member disables", lambda m: m.disable(CARL, "acme", CY),
     Forbidden, "user:carl may not manage_people"),
    ("remove unknown", lambda m: m.remove_person(BOB, "acme", "customer:ghost"),
     NotFound, "no customer:ghost in workspace 'acme'"),
    # Groups.
    ("member creates group", lambda m: m.create_group(CARL, "acme", "X"),
     Forbidden, "user:carl may not manage_groups in workspace 'acme'"),
    ("group name clash", lambda m: m.create_group(BOB, "acme", "ENG"),
     Conflict, "a group named 'ENG' already exists"),
    ("group id clash", lambda m: m.create_group(BOB, "acme", "X", id="eng"),
     Conflict, "group id 'eng' already exists"),
    ("unknown initial member", lambda m: m.create_group(BOB, "acme", "X", members=["user:zz"]),
     NotFound, "no user:zz in workspace 'acme'"),
    ("rename unknown group", lambda m: m.rename_group(BOB, "acme", "ghost", "G"),
     NotFound, "no group 'ghost'"),
    ("rename to taken name", lambda m: m.rename_group(BOB, "acme", "stage", "eng"),
     Conflict, "a group named 'eng' already exists"),
    ("add member twice", lambda m: m.add_member(BOB, "acme", "eng", CARL),
     Conflict, "user:carl is already a member of group 'eng'"),
    ("add member to unknown group", lambda m: m.add_member(BOB, "acme", "ghost", CARL),
     NotFound, "no group 'ghost'"),
    ("remove non-member", lambda m: m.remove_member(BOB, "acme", "stage", CARL),
     Conflict, "user:carl is not a member of group 'stage'"),
    ("delete unknown group", lambda m: m.delete_group(BOB, "acme", "ghost"),
     NotFound, "no group 'ghost'"),
    ("member deletes group", lambda m: m.delete_group(CARL, "acme", "eng"),
     Forbidden, "user:carl may not manage_groups"),
    # APIs.
    ("member registers API", lambda m: m.register_api(CARL, "acme", "X"),
     Forbidden, "user:carl may not create_api in workspace 'acme'"),
    ("API id clash", lambda m: m.register_api(BOB, "acme", "X", id="search"),
     Conflict, "API id 'search' already exists"),
    ("bad API id", lambda m: m.register_api(BOB, "acme", "X", id="Not_A_Slug"),
     InvalidInput, "api id 'Not_A_Slug' is not a valid slug"),
    ("bad API environment", lambda m: m.register_api(BOB, "acme", "X", environment="moon"),
     InvalidInput, "environment 'moon'"),
    ("member edits API", lambda m: m.edit_api(CARL, "acme", "payments", name="P"),
     Forbidden, "user:carl may not edit_api on API 'acme/payments': role 'Member' does not"),
    ("edit unknown API", lambda m: m.edit_api(BOB, "acme", "ghost", name="G"),
     NotFound, "no API 'ghost'"),
    ("edit API of another workspace", lambda m: m.edit_api(BOB, "globex", "ledger", name="L"),
     Forbidden, "user:bob may not edit_api on API 'globex/ledger': .*not a member"),
    ("edit API with nothing", lambda m: m.edit_api(BOB, "acme", "payments"),
     InvalidInput, "edit_api needs at least one"),
    ("disabled-free member records IDs",
     lambda m: m.record_customer_ids(CARL, "acme", "payments", ["Big Co"]),
     Forbidden, "user:carl may not edit_api on API 'acme/payments'"),
    ("system records on unknown API",
     lambda m: m.record_customer_ids("system", "acme", "ghost", ["X"]),
     NotFound, "no API 'ghost'"),
    ("record a bad Customer ID",
     lambda m: m.record_customer_ids("system", "acme", "payments", ["X "]),
     InvalidInput, "surrounding whitespace"),
    ("member removes API", lambda m: m.remove_api(CARL, "acme", "payments"),
     Forbidden, "user:carl may not delete_api on API 'acme/payments'"),
    ("remove unknown API", lambda m: m.remove_api(BOB, "acme", "ghost"),
     NotFound, "no API 'ghost'"),
    # Access.
    ("member adds access", lambda m: m.add_access(CARL, "acme", "payments", CY),
     Forbidden, "user:carl may not manage_api_access in workspace 'acme'"),
    ("access to unknown API", lambda m: m.add_access(BOB, "acme", "ghost", CY),
     NotFound, "no API 'ghost'"),
    ("access for nobody", lambda m: m.add_access(BOB, "acme", "payments", []),
     InvalidInput, "add_access needs at least one"),
    ("malformed target", lambda m: m.add_access(BOB, "acme", "payments", [CY, "role:owner"]),
     InvalidInput, "access target 'role:owner' must be"),
    ("unknown target", lambda m: m.add_access(BOB, "acme", "payments", [CY, "group:ghost"]),
     NotFound, "no group 'ghost'"),
    ("duplicate grant", lambda m: m.add_access(BOB, "acme", "payments", [CY, "group:eng"]),
     Conflict, "group:eng already has access to API 'acme/payments'"),
    ("remove access not held", lambda m: m.remove_access(BOB, "acme", "payments", CY),
     NotFound, "customer:cy has no access to API 'payments'"),
    ("remove group-only access of a user", lambda m: m.remove_access(BOB, "acme", "payments", CARL),
     NotFound, "user:carl has no direct grant on API 'payments' .*groups: eng"),
    ("member revokes all", lambda m: m.revoke_all(CARL, "acme", "payments"),
     Forbidden, "user:carl may not manage_api_access"),
    ("revoke all on unknown API", lambda m: m.revoke_all(BOB, "acme", "ghost"),
     NotFound, "no API 'ghost'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [pytest.param(call, error, match, id=name) for name, call, error, match in REFUSALS],
)
def test_refusals_change_nothing(
    world: World, call: Call, error: type[RbacKitError], match: str
) -> None:
    """Each bad input or forbidden actor gets a clear error, and nothing changes."""
    with refused(world, error, match):
        call(world.mgmt)


def test_disabled_actor_may_do_nothing(world: World) -> None:
    """A disabled administrator is refused every operation."""
    world.mgmt.disable(ANN, "acme", BOB)
    with refused(world, Forbidden, "user:bob may not manage_groups in workspace 'acme': .*disab"):
        world.mgmt.create_group(BOB, "acme", "X")
    with refused(world, Forbidden, "user:bob may not edit_api on API 'acme/payments': .*disab"):
        world.mgmt.edit_api(BOB, "acme", "payments", name="P")


# -- SPEC scenarios -----------------------------------------------------------------


def test_deleting_a_group_removes_only_the_access_through_it(world: World) -> None:
    """Carl keeps payments through his direct grant and search through stage; Eve loses all."""
    world.mgmt.add_access(BOB, "acme", "payments", CARL)
    world.mgmt.add_member(BOB, "acme", "stage", CARL)
    eve = world.mgmt.add_user(BOB, "acme", email="eve@acme.io", name="Eve", groups=["eng"])
    world.mgmt.delete_group(BOB, "acme", "eng")
    questions = [
        (CARL, "view_api", PAYMENTS),
        (CARL, "view_api", SEARCH),
        (eve.subject, "view_api", PAYMENTS),
        (CAT, "view_api", PAYMENTS),
    ]
    expected = [True, True, False, True]
    assert expected == world.authz.can_many(questions)
    assert (frozenset({"stage"}), frozenset()) == (
        world.directory.person(CARL).groups,
        world.directory.person(eve.subject).groups,
    )


def test_a_customer_id_seen_on_several_apis_gives_access_to_all(world: World) -> None:
    """ACME seen on payments and billing: cat reaches both, and search not."""
    world.mgmt.record_customer_ids("system", "acme", "billing", ["ACME"])
    questions = [(CAT, "view_api", o) for o in (PAYMENTS, BILLING, SEARCH)]
    expected = [True, True, False]
    assert expected == world.authz.can_many(questions)


def test_editing_a_customer_id_moves_the_access(world: World) -> None:
    """cat's Customer ID becomes one seen on search: the access moves from payments to search."""
    world.mgmt.record_customer_ids("system", "acme", "search", ["ACME-2"])
    customer = world.mgmt.set_customer_id(BOB, "acme", CAT, "ACME-2")
    questions = [(CAT, "view_api", PAYMENTS), (CAT, "view_api", SEARCH)]
    assert (isinstance(customer, Customer), [False, True]) == (
        True,
        world.authz.can_many(questions),
    )


def test_removing_a_customer_excludes_it_and_add_access_lifts_it(world: World) -> None:
    """cat reaches payments by Customer ID; removal excludes it, Add Access lets it back."""
    world.mgmt.remove_access(BOB, "acme", "payments", CAT)
    excluded = (world.can(CAT, "view_api", PAYMENTS), len(world.directory.exclusions("acme")))
    world.mgmt.add_access(BOB, "acme", "payments", CAT)
    expected: tuple[tuple[bool, int], bool, list[Exclusion]] = ((False, 1), True, [])
    assert expected == (
        excluded,
        world.can(CAT, "view_api", PAYMENTS),
        world.directory.exclusions("acme"),
    )


def test_revoke_all_removes_every_grant_and_excludes_matching_customers(world: World) -> None:
    """After Revoke All nobody reaches payments by grant, group or Customer ID."""
    world.mgmt.add_access(BOB, "acme", "payments", [CY, DANA])
    world.mgmt.revoke_all(BOB, "acme", "payments")
    questions = [(s, "view_api", PAYMENTS) for s in (CARL, CY, DANA, CAT)]
    expected_denials = [False, False, False, False]
    assert expected_denials == world.authz.can_many(questions)
    expected_state: tuple[list[str], list[str]] = ([], ["cat"])
    assert expected_state == (
        [g.target for g in world.directory.grants("acme") if g.api == "payments"],
        [e.customer for e in world.directory.exclusions("acme")],
    )
    expected_allowed = [True, True]  # all-APIs roles need no grant
    admins = [(BOB, "view_api", PAYMENTS), (ANN, "view_api", PAYMENTS)]
    assert expected_allowed == world.authz.can_many(admins)


def test_a_disabled_user_is_denied_everything(world: World) -> None:
    """Every question about a disabled administrator is a denial."""
    world.mgmt.disable(ANN, "acme", BOB)
    questions = [(BOB, p.value, o) for p in Permission for o in OBJECTS]
    assert [False] * len(questions) == world.authz.can_many(questions)


def test_value_objects_returned_are_stored(world: World) -> None:
    """What each create returns is what the directory holds."""
    role = world.mgmt.create_role(BOB, "acme", "Viewer", ["view_api"])
    api = world.mgmt.register_api(BOB, "acme", "Reports", environment="development")
    group = world.mgmt.create_group(BOB, "acme", "Readers")
    stored: tuple[Role, Api, Group] = (
        world.directory.role("acme", role.id),
        world.directory.api("acme", api.id),
        world.directory.group("acme", group.id),
    )
    assert (role, api, group) == stored
