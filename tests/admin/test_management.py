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
    SYSTEM,
    Api,
    Authorizer,
    Conflict,
    Customer,
    Environment,
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
from rbac_kit.model import Directory, Exclusion
from rbac_kit.policy import ChangeRecord

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


class RecordingSink:
    """A sink that keeps every change record, and refuses changes while ``refusal`` is set."""

    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []
        self.refusal: Exception | None = None

    def persist(self, directory: Directory, change: ChangeRecord) -> int:
        """Record ``change`` (or raise the refusal); it commits at the next revision."""
        if self.refusal is not None:
            raise self.refusal
        self.records.append(change)
        return change.base + 1


def build_world() -> World:
    """Two workspaces built through Management itself.

    acme: Owner ann; Administrator bob; Member carl (group eng); dana holds
    the custom role ``ops`` (people, groups and API access, staging only, granted
    APIs only) with a direct grant on search; customers cat (Customer ID
    ``ACME``, recorded on payments) and cy (``Big Co``). APIs payments
    (production), search and billing (staging). Group eng is granted payments,
    group stage is granted search. globex: Owner gus, API ledger.
    """
    sink = RecordingSink()
    authz = Authorizer(sink=sink)
    records = sink.records
    m = Management(authz)
    m.workspaces.create(
        SYSTEM,
        workspace=Workspace(id="acme", name="Acme"),
        owner=User(workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="owner"),
    )
    m.workspaces.create(
        SYSTEM,
        workspace=Workspace(id="globex", name="Globex"),
        owner=User(workspace="globex", id="gus", email="gus@globex.io", name="Gus", role="owner"),
    )
    m.apis.register(GUS, workspace="globex", name="Ledger", id="ledger")
    m.people.add_user(
        ANN, workspace="acme", email="bob@acme.io", name="Bob", role="administrator", id="bob"
    )
    m.roles.create(
        ANN,
        workspace="acme",
        name="Ops",
        permissions=OPS_PERMISSIONS,
        environments=["staging"],
        id="ops",
    )
    m.people.add_user(
        ANN, workspace="acme", email="dana@acme.io", name="Dana", role="ops", id="dana"
    )
    m.apis.register(ANN, workspace="acme", name="Payments", id="payments")
    m.apis.register(ANN, workspace="acme", name="Search", id="search", environment="staging")
    m.apis.register(ANN, workspace="acme", name="Billing", id="billing", environment="staging")
    m.groups.create(ANN, workspace="acme", name="Eng", id="eng")
    m.groups.create(ANN, workspace="acme", name="Stage", id="stage")
    m.access.add(ANN, workspace="acme", api="payments", targets="group:eng")
    m.access.add(ANN, workspace="acme", api="search", targets=["group:stage", DANA])
    m.people.add_user(
        ANN, workspace="acme", email="carl@acme.io", name="Carl", groups=["eng"], id="carl"
    )
    m.people.add_customer(ANN, workspace="acme", email="cat@cat.io", customer_id="ACME", id="cat")
    m.people.add_customer(ANN, workspace="acme", email="cy@cy.io", customer_id="Big Co", id="cy")
    m.apis.record_customer_ids(SYSTEM, workspace="acme", api="payments", customer_ids=["ACME"])
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
    world.mgmt.groups.add_member(BOB, workspace="acme", group="stage", subject=CARL)
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="search", customer_ids=["Big Co"]
    )
    expected = [(BOB, "add_member", CARL), ("system", "record_customer_ids", SEARCH)]
    assert expected == [(r.actor, r.action, r.target) for r in world.records]


def test_sink_failure_changes_nothing(world: World) -> None:
    """A store that refuses the change (its sink raises) leaves everything as it was."""
    sink = world.authz.sink
    assert isinstance(sink, RecordingSink)
    sink.refusal = Conflict("store is read-only")
    with refused(world, Conflict, "read-only"):
        world.mgmt.groups.add_member(BOB, workspace="acme", group="stage", subject=CARL)


# -- workspaces -------------------------------------------------------------------


def test_create_workspace_makes_the_first_owner(world: World) -> None:
    """create_workspace adds the workspace and its Owner, recorded as done by system."""
    owner = User(workspace="initech", id="ivy", email="ivy@initech.io", name="Ivy", role="owner")
    created = world.mgmt.workspaces.create(
        SYSTEM, workspace=Workspace(id="initech", name="Initech"), owner=owner
    )
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
        world.mgmt.workspaces.create(
            SYSTEM, workspace=Workspace(id="initech", name="Initech"), owner=owner
        )


def test_create_workspace_twice_is_a_conflict(world: World) -> None:
    """An existing workspace cannot be created again."""
    owner = User(workspace="acme", id="zed", email="zed@acme.io", name="Zed", role="owner")
    with refused(world, Conflict, "workspace 'acme' already exists"):
        world.mgmt.workspaces.create(
            SYSTEM, workspace=Workspace(id="acme", name="Acme 2"), owner=owner
        )


# -- roles ------------------------------------------------------------------------


def test_create_role_generates_a_slug_id(world: World) -> None:
    """A role without an id gets a slug of its name, suffixed when the slug is taken."""
    first = world.mgmt.roles.create(
        BOB, workspace="acme", name="Support Team", permissions=["view_api"]
    )
    second = world.mgmt.roles.create(
        BOB, workspace="acme", name="Support-Team", permissions=["view_api"]
    )
    expected = ("support-team", "support-team-2")
    assert expected == (first.id, second.id)
    assert first == world.directory.role("acme", "support-team")


def test_edit_role_changes_what_holders_may_do(world: World) -> None:
    """Editing a role's permissions changes every holder's decisions at once."""
    role = world.mgmt.roles.edit(
        BOB, workspace="acme", role="member", permissions=["view_api", "edit_api"]
    )
    assert (frozenset({"view_api", "edit_api"}), True, False) == (
        role.permissions,
        world.can(CARL, "edit_api", PAYMENTS),
        world.can(CARL, "view_people", "acme"),
    )


def test_delete_role_removes_an_unused_custom_role(world: World) -> None:
    """A custom role nobody holds can be deleted."""
    world.mgmt.roles.create(BOB, workspace="acme", name="Temp", permissions=["view_api"], id="temp")
    world.mgmt.roles.delete(BOB, workspace="acme", role="temp")
    assert "temp" not in world.directory.workspace("acme").roles


# -- people -----------------------------------------------------------------------


def test_add_user_generates_a_random_id(world: World) -> None:
    """A user without an id gets 10 random hexadecimal characters and can act at once."""
    user = world.mgmt.people.add_user(
        BOB, workspace="acme", email="Eve@ACME.io", name="Eve", groups=["eng"]
    )
    assert re.fullmatch(r"[0-9a-f]{10}", user.id)
    expected = ("Eve@acme.io", True)
    assert expected == (user.email, world.can(user.subject, "view_api", PAYMENTS))


def test_add_customer_gets_access_by_customer_id(world: World) -> None:
    """A new customer whose Customer ID was seen on an API has access to it."""
    customer = world.mgmt.people.add_customer(
        BOB, workspace="acme", email="z@z.io", customer_id="Zed Inc"
    )
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="billing", customer_ids=["Zed Inc"]
    )
    expected = ("customer", True, False)
    assert expected == (
        customer.role,
        world.can(customer.subject, "view_api", BILLING),
        world.can(customer.subject, "view_api", PAYMENTS),
    )


def test_change_role_of_a_customer(world: World) -> None:
    """A customer's role is editable; its decisions follow the new role."""
    updated = world.mgmt.people.change_role(BOB, workspace="acme", subject=CAT, role="no_access")
    expected = ("no_access", False)
    assert expected == (updated.role, world.can(CAT, "view_api", PAYMENTS))


def test_disable_and_enable(world: World) -> None:
    """A disabled person is denied; enabling restores what they had."""
    world.mgmt.people.disable(BOB, workspace="acme", subject=CARL)
    denied = world.can(CARL, "view_api", PAYMENTS)
    person = world.mgmt.people.enable(BOB, workspace="acme", subject=CARL)
    expected = (False, Status.ACTIVE, True)
    assert expected == (
        denied,
        person.status,
        world.can(CARL, "view_api", PAYMENTS),
    )


def test_remove_person_drops_their_grants(world: World) -> None:
    """Removing a person removes them and their grants."""
    world.mgmt.people.remove(ANN, workspace="acme", subject=DANA)
    expected = (False, ["group:stage"])
    assert expected == (
        world.can(DANA, "view_api", SEARCH),
        [g.target for g in world.directory.grants("acme") if g.api == "search"],
    )


# -- groups -----------------------------------------------------------------------


def test_create_group_with_members(world: World) -> None:
    """Initial members join in the same change; the group gets a slug id."""
    group = world.mgmt.groups.create(BOB, workspace="acme", name="Night Shift", members=[CARL, CAT])
    assert (Group(workspace="acme", id="night-shift", name="Night Shift"), ["create_group"]) == (
        group,
        [r.action for r in world.records[-1:]],
    )
    assert {"eng", "night-shift"} == world.directory.person(CARL).groups
    assert {"night-shift"} == world.directory.person(CAT).groups


def test_rename_group(world: World) -> None:
    """Renaming keeps the id, members and grants."""
    renamed = world.mgmt.groups.rename(BOB, workspace="acme", group="eng", name="Engineering")
    expected = ("Engineering", True)
    assert expected == (renamed.name, world.can(CARL, "view_api", PAYMENTS))


def test_add_and_remove_member(world: World) -> None:
    """Membership gives the group's access; leaving takes it away."""
    world.mgmt.groups.add_member(BOB, workspace="acme", group="stage", subject=CY)
    joined = world.can(CY, "view_api", SEARCH)
    world.mgmt.groups.remove_member(BOB, workspace="acme", group="stage", subject=CY)
    expected = (True, False)
    assert expected == (joined, world.can(CY, "view_api", SEARCH))


# -- APIs -------------------------------------------------------------------------


def test_register_api_generates_a_slug_id(world: World) -> None:
    """An API without an id gets a slug of its name; all-APIs roles reach it at once."""
    api = world.mgmt.apis.register(BOB, workspace="acme", name="Payments", category="money")
    expected = ("payments-2", "money", True)
    assert expected == (
        api.id,
        api.category,
        world.can(BOB, "view_api", api.object),
    )


def test_edit_api_moves_its_environment(world: World) -> None:
    """Moving an API to staging brings it into the staging-only role's reach."""
    api = world.mgmt.apis.edit(
        BOB, workspace="acme", api="payments", environment="staging", name="Pay"
    )
    world.mgmt.access.add(BOB, workspace="acme", api="payments", targets=DANA)
    expected = (Environment.STAGING, "Pay", True)
    assert expected == (
        api.environment,
        api.name,
        world.can(DANA, "view_api", PAYMENTS),
    )


def test_record_customer_ids_by_an_editor(world: World) -> None:
    """A subject holding edit_api on the API may record Customer IDs, like the host."""
    api = world.mgmt.apis.record_customer_ids(
        BOB, workspace="acme", api="search", customer_ids=["Big Co", "ACME"]
    )
    assert (frozenset({"Big Co", "ACME"}), BOB) == (api.customer_ids, world.records[-1].actor)


def test_record_known_customer_ids_is_no_change(world: World) -> None:
    """Recording IDs already recorded returns the API and makes no change record."""
    before = len(world.records)
    api = world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="payments", customer_ids=["ACME"]
    )
    assert (frozenset({"ACME"}), before) == (api.customer_ids, len(world.records))


def test_remove_api(world: World) -> None:
    """Removing an API removes its grants; nobody can use it any more."""
    world.mgmt.apis.remove(BOB, workspace="acme", api="payments")
    expected: tuple[bool, list[str]] = (False, [])
    assert expected == (
        world.can(CARL, "view_api", PAYMENTS),
        [g.target for g in world.directory.grants("acme") if g.api == "payments"],
    )


# -- access -----------------------------------------------------------------------


def test_add_access_to_many_targets_at_once(world: World) -> None:
    """Users, customers and groups are granted in one change, granted_by the actor."""
    grants = world.mgmt.access.add(
        BOB, workspace="acme", api="billing", targets=[CARL, CY, "group:eng"]
    )
    expected_grants = [(CARL, BOB), (CY, BOB), ("group:eng", BOB)]
    assert expected_grants == [(g.target, g.granted_by) for g in grants]
    expected_decisions = [True, True]
    questions = [(CARL, "view_api", BILLING), (CY, "view_api", BILLING)]
    assert expected_decisions == world.authz.can_many(questions)
    expected_actions = ["add_access"]
    assert expected_actions == [r.action for r in world.records[-1:]]


def test_remove_access_of_a_user(world: World) -> None:
    """Removing a user's direct grant removes that access."""
    world.mgmt.access.remove(BOB, workspace="acme", api="search", target=DANA)
    assert not world.can(DANA, "view_api", SEARCH)


# -- refusals: every operation, bad input and forbidden actors ----------------------

Call = Callable[[Management], object]
REFUSALS: list[tuple[str, Call, type[RbacKitError], str]] = [
    # Actors that may not act at all.
    ("system as an actor", lambda m: m.people.add_user("system", workspace="acme", email="e@e.io", name="E"),
     Forbidden, "system may not manage_people in workspace 'acme': unknown subject"),
    ("unknown actor", lambda m: m.groups.create("user:nobody", workspace="acme", name="X"),
     Forbidden, "user:nobody may not manage_groups"),
    ("actor of another workspace", lambda m: m.roles.create(GUS, workspace="acme", name="X", permissions=["view_api"]),
     Forbidden, "user:gus may not manage_roles in workspace 'acme': .*belongs to workspace"),
    ("unknown workspace", lambda m: m.groups.create(BOB, workspace="nowhere", name="X"),
     Forbidden, "user:bob may not manage_groups in workspace 'nowhere'"),
    ("customer", lambda m: m.access.add(CAT, workspace="acme", api="payments", targets=CY),
     Forbidden, "customer:cat may not manage_api_access"),
    # Roles.
    ("member creates role", lambda m: m.roles.create(CARL, workspace="acme", name="X", permissions=["view_api"]),
     Forbidden, "user:carl may not manage_roles in workspace 'acme': role 'Member' does not"),
    ("unknown permission", lambda m: m.roles.create(BOB, workspace="acme", name="X", permissions=["fly"]),
     UnknownAction, "unknown action 'fly'"),
    ("bad environment", lambda m: m.roles.create(BOB, workspace="acme", name="X", permissions=[], environments=["moon"]),
     InvalidInput, "environment 'moon'"),
    ("duplicate role name", lambda m: m.roles.create(BOB, workspace="acme", name="OPS", permissions=["view_api"]),
     Conflict, "a role named 'OPS' already exists"),
    ("duplicate role id", lambda m: m.roles.create(BOB, workspace="acme", name="X", permissions=[], id="ops"),
     Conflict, "role id 'ops' already exists"),
    ("bad role id", lambda m: m.roles.create(BOB, workspace="acme", name="X", permissions=[], id="no way"),
     InvalidInput, "role id 'no way'"),
    ("edit unknown role", lambda m: m.roles.edit(BOB, workspace="acme", role="ghost", name="G"),
     NotFound, "no role 'ghost'"),
    ("edit nothing", lambda m: m.roles.edit(BOB, workspace="acme", role="ops"),
     InvalidInput, "edit_role needs at least one"),
    ("edit Owner", lambda m: m.roles.edit(ANN, workspace="acme", role="owner", name="Boss"),
     Conflict, "the Owner role cannot be edited"),
    ("edit name clash", lambda m: m.roles.edit(BOB, workspace="acme", role="ops", name="member"),
     Conflict, "a role named 'member' already exists"),
    ("delete Owner", lambda m: m.roles.delete(ANN, workspace="acme", role="owner"),
     Conflict, "built-in role 'Owner' cannot be deleted"),
    ("delete built-in", lambda m: m.roles.delete(ANN, workspace="acme", role="no_access"),
     Conflict, "built-in role 'No Access' cannot be deleted"),
    ("delete role in use", lambda m: m.roles.delete(ANN, workspace="acme", role="ops"),
     Conflict, "role 'Ops' \\(ops\\) is in use: held by 1 person"),
    ("delete unknown role", lambda m: m.roles.delete(ANN, workspace="acme", role="ghost"),
     NotFound, "no role 'ghost'"),
    ("member deletes role", lambda m: m.roles.delete(CARL, workspace="acme", role="ops"),
     Forbidden, "user:carl may not manage_roles"),
    # People.
    ("member adds user", lambda m: m.people.add_user(CARL, workspace="acme", email="e@e.io", name="E"),
     Forbidden, "user:carl may not manage_people in workspace 'acme'"),
    ("bad email", lambda m: m.people.add_user(BOB, workspace="acme", email="nope", name="E"),
     InvalidInput, "email 'nope' is not a valid email"),
    ("taken email", lambda m: m.people.add_user(BOB, workspace="acme", email="CARL@ACME.IO", name="E"),
     Conflict, "email 'CARL@acme.io' is already used by user:carl"),
    ("taken user id", lambda m: m.people.add_user(BOB, workspace="acme", email="e@e.io", name="E", id="carl"),
     Conflict, "user:carl already exists"),
    ("user id taken in another workspace",
     lambda m: m.people.add_user(BOB, workspace="acme", email="e@e.io", name="E", id="gus"),
     Conflict, "user:gus already exists"),
    ("unknown role", lambda m: m.people.add_user(BOB, workspace="acme", email="e@e.io", name="E", role="boss"),
     NotFound, "no role 'boss'"),
    ("unknown group", lambda m: m.people.add_user(BOB, workspace="acme", email="e@e.io", name="E", groups=["x"]),
     NotFound, "no group 'x'"),
    ("empty name", lambda m: m.people.add_user(BOB, workspace="acme", email="e@e.io", name="  "),
     InvalidInput, "user name must not be empty"),
    ("Customer ID with spaces",
     lambda m: m.people.add_customer(BOB, workspace="acme", email="e@e.io", customer_id=" ACME"),
     InvalidInput, "surrounding whitespace"),
    ("taken Customer ID",
     lambda m: m.people.add_customer(BOB, workspace="acme", email="e@e.io", customer_id="ACME"),
     Conflict, "Customer ID 'ACME' already belongs to customer 'cat'"),
    ("bad customer name",
     lambda m: m.people.add_customer(BOB, workspace="acme", email="e@e.io", customer_id="E", name="a\x00b"),
     InvalidInput, "customer name .* contains control characters"),
    ("change role of unknown", lambda m: m.people.change_role(BOB, workspace="acme", subject="user:ghost", role="member"),
     NotFound, "no user:ghost in workspace 'acme'"),
    ("change role of someone elsewhere", lambda m: m.people.change_role(BOB, workspace="acme", subject=GUS, role="member"),
     NotFound, "no user:gus in workspace 'acme'"),
    ("change role, malformed subject", lambda m: m.people.change_role(BOB, workspace="acme", subject="carl", role="member"),
     InvalidInput, "person 'carl' must be 'user:<id>' or 'customer:<id>'"),
    ("change to unknown role", lambda m: m.people.change_role(BOB, workspace="acme", subject=CARL, role="boss"),
     NotFound, "no role 'boss'"),
    ("change to the same role", lambda m: m.people.change_role(BOB, workspace="acme", subject=CARL, role="member"),
     Conflict, "user:carl already holds role 'Member'"),
    ("Customer ID of a user", lambda m: m.people.set_customer_id(BOB, workspace="acme", subject=CARL, customer_id="X"),
     InvalidInput, "user:carl is not a customer"),
    ("same Customer ID", lambda m: m.people.set_customer_id(BOB, workspace="acme", subject=CAT, customer_id="ACME"),
     Conflict, "customer:cat already has Customer ID 'ACME'"),
    ("Customer ID of another", lambda m: m.people.set_customer_id(BOB, workspace="acme", subject=CY, customer_id="ACME"),
     Conflict, "Customer ID 'ACME' already belongs to customer 'cat'"),
    ("bad Customer ID", lambda m: m.people.set_customer_id(BOB, workspace="acme", subject=CY, customer_id="a\nb"),
     InvalidInput, "contains control characters"),
    ("enable the active", lambda m: m.people.enable(BOB, workspace="acme", subject=CARL),
     Conflict, "user:carl is already active"),
    ("member disables", lambda m: m.people.disable(CARL, workspace="acme", subject=CY),
     Forbidden, "user:carl may not manage_people"),
    ("remove unknown", lambda m: m.people.remove(BOB, workspace="acme", subject="customer:ghost"),
     NotFound, "no customer:ghost in workspace 'acme'"),
    # Groups.
    ("member creates group", lambda m: m.groups.create(CARL, workspace="acme", name="X"),
     Forbidden, "user:carl may not manage_groups in workspace 'acme'"),
    ("group name clash", lambda m: m.groups.create(BOB, workspace="acme", name="ENG"),
     Conflict, "a group named 'ENG' already exists"),
    ("group id clash", lambda m: m.groups.create(BOB, workspace="acme", name="X", id="eng"),
     Conflict, "group id 'eng' already exists"),
    ("unknown initial member", lambda m: m.groups.create(BOB, workspace="acme", name="X", members=["user:zz"]),
     NotFound, "no user:zz in workspace 'acme'"),
    ("rename unknown group", lambda m: m.groups.rename(BOB, workspace="acme", group="ghost", name="G"),
     NotFound, "no group 'ghost'"),
    ("rename to taken name", lambda m: m.groups.rename(BOB, workspace="acme", group="stage", name="eng"),
     Conflict, "a group named 'eng' already exists"),
    ("add member twice", lambda m: m.groups.add_member(BOB, workspace="acme", group="eng", subject=CARL),
     Conflict, "user:carl is already a member of group 'eng'"),
    ("add member to unknown group", lambda m: m.groups.add_member(BOB, workspace="acme", group="ghost", subject=CARL),
     NotFound, "no group 'ghost'"),
    ("remove non-member", lambda m: m.groups.remove_member(BOB, workspace="acme", group="stage", subject=CARL),
     Conflict, "user:carl is not a member of group 'stage'"),
    ("delete unknown group", lambda m: m.groups.delete(BOB, workspace="acme", group="ghost"),
     NotFound, "no group 'ghost'"),
    ("member deletes group", lambda m: m.groups.delete(CARL, workspace="acme", group="eng"),
     Forbidden, "user:carl may not manage_groups"),
    # APIs.
    ("member registers API", lambda m: m.apis.register(CARL, workspace="acme", name="X"),
     Forbidden, "user:carl may not create_api in workspace 'acme'"),
    ("API id clash", lambda m: m.apis.register(BOB, workspace="acme", name="X", id="search"),
     Conflict, "API id 'search' already exists"),
    ("bad API id", lambda m: m.apis.register(BOB, workspace="acme", name="X", id="Not_A_Slug"),
     InvalidInput, "api id 'Not_A_Slug' is not a valid slug"),
    ("bad API environment", lambda m: m.apis.register(BOB, workspace="acme", name="X", environment="moon"),
     InvalidInput, "environment 'moon'"),
    ("member edits API", lambda m: m.apis.edit(CARL, workspace="acme", api="payments", name="P"),
     Forbidden, "user:carl may not edit_api on API 'acme/payments': role 'Member' does not"),
    ("edit unknown API", lambda m: m.apis.edit(BOB, workspace="acme", api="ghost", name="G"),
     NotFound, "no API 'ghost'"),
    ("edit API of another workspace", lambda m: m.apis.edit(BOB, workspace="globex", api="ledger", name="L"),
     Forbidden, "user:bob may not edit_api on API 'globex/ledger': .*not a member"),
    ("edit API with nothing", lambda m: m.apis.edit(BOB, workspace="acme", api="payments"),
     InvalidInput, "edit_api needs at least one"),
    ("disabled-free member records IDs",
     lambda m: m.apis.record_customer_ids(CARL, workspace="acme", api="payments", customer_ids=["Big Co"]),
     Forbidden, "user:carl may not edit_api on API 'acme/payments'"),
    ("system records on unknown API",
     lambda m: m.apis.record_customer_ids(SYSTEM, workspace="acme", api="ghost", customer_ids=["X"]),
     NotFound, "no API 'ghost'"),
    ("record a bad Customer ID",
     lambda m: m.apis.record_customer_ids(SYSTEM, workspace="acme", api="payments", customer_ids=["X "]),
     InvalidInput, "surrounding whitespace"),
    ("member removes API", lambda m: m.apis.remove(CARL, workspace="acme", api="payments"),
     Forbidden, "user:carl may not delete_api on API 'acme/payments'"),
    ("remove unknown API", lambda m: m.apis.remove(BOB, workspace="acme", api="ghost"),
     NotFound, "no API 'ghost'"),
    # Access.
    ("member adds access", lambda m: m.access.add(CARL, workspace="acme", api="payments", targets=CY),
     Forbidden, "user:carl may not manage_api_access in workspace 'acme'"),
    ("access to unknown API", lambda m: m.access.add(BOB, workspace="acme", api="ghost", targets=CY),
     NotFound, "no API 'ghost'"),
    ("access for nobody", lambda m: m.access.add(BOB, workspace="acme", api="payments", targets=[]),
     InvalidInput, "add_access needs at least one"),
    ("malformed target", lambda m: m.access.add(BOB, workspace="acme", api="payments", targets=[CY, "role:owner"]),
     InvalidInput, "access target 'role:owner' must be"),
    ("unknown target", lambda m: m.access.add(BOB, workspace="acme", api="payments", targets=[CY, "group:ghost"]),
     NotFound, "no group 'ghost'"),
    ("duplicate grant", lambda m: m.access.add(BOB, workspace="acme", api="payments", targets=[CY, "group:eng"]),
     Conflict, "group:eng already has access to API 'acme/payments'"),
    ("remove access not held", lambda m: m.access.remove(BOB, workspace="acme", api="payments", target=CY),
     NotFound, "customer:cy has no access to API 'payments'"),
    ("remove group-only access of a user", lambda m: m.access.remove(BOB, workspace="acme", api="payments", target=CARL),
     NotFound, "user:carl has no direct grant on API 'payments' .*groups: eng"),
    ("member revokes all", lambda m: m.access.revoke_all(CARL, workspace="acme", api="payments"),
     Forbidden, "user:carl may not manage_api_access"),
    ("revoke all on unknown API", lambda m: m.access.revoke_all(BOB, workspace="acme", api="ghost"),
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
    world.mgmt.people.disable(ANN, workspace="acme", subject=BOB)
    with refused(world, Forbidden, "user:bob may not manage_groups in workspace 'acme': .*disab"):
        world.mgmt.groups.create(BOB, workspace="acme", name="X")
    with refused(world, Forbidden, "user:bob may not edit_api on API 'acme/payments': .*disab"):
        world.mgmt.apis.edit(BOB, workspace="acme", api="payments", name="P")


# -- SPEC scenarios -----------------------------------------------------------------


def test_deleting_a_group_removes_only_the_access_through_it(world: World) -> None:
    """Carl keeps payments through his direct grant and search through stage; Eve loses all."""
    world.mgmt.access.add(BOB, workspace="acme", api="payments", targets=CARL)
    world.mgmt.groups.add_member(BOB, workspace="acme", group="stage", subject=CARL)
    eve = world.mgmt.people.add_user(
        BOB, workspace="acme", email="eve@acme.io", name="Eve", groups=["eng"]
    )
    world.mgmt.groups.delete(BOB, workspace="acme", group="eng")
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
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="billing", customer_ids=["ACME"]
    )
    questions = [(CAT, "view_api", o) for o in (PAYMENTS, BILLING, SEARCH)]
    expected = [True, True, False]
    assert expected == world.authz.can_many(questions)


def test_editing_a_customer_id_moves_the_access(world: World) -> None:
    """cat's Customer ID becomes one seen on search: the access moves from payments to search."""
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="search", customer_ids=["ACME-2"]
    )
    customer = world.mgmt.people.set_customer_id(
        BOB, workspace="acme", subject=CAT, customer_id="ACME-2"
    )
    questions = [(CAT, "view_api", PAYMENTS), (CAT, "view_api", SEARCH)]
    assert (isinstance(customer, Customer), [False, True]) == (
        True,
        world.authz.can_many(questions),
    )


def test_removing_a_customer_excludes_it_and_add_access_lifts_it(world: World) -> None:
    """cat reaches payments by Customer ID; removal excludes it, Add Access lets it back."""
    world.mgmt.access.remove(BOB, workspace="acme", api="payments", target=CAT)
    excluded = (world.can(CAT, "view_api", PAYMENTS), len(world.directory.exclusions("acme")))
    world.mgmt.access.add(BOB, workspace="acme", api="payments", targets=CAT)
    expected: tuple[tuple[bool, int], bool, list[Exclusion]] = ((False, 1), True, [])
    assert expected == (
        excluded,
        world.can(CAT, "view_api", PAYMENTS),
        world.directory.exclusions("acme"),
    )


def test_revoke_all_removes_every_grant_and_excludes_matching_customers(world: World) -> None:
    """After Revoke All nobody reaches payments by grant, group or Customer ID."""
    world.mgmt.access.add(BOB, workspace="acme", api="payments", targets=[CY, DANA])
    world.mgmt.access.revoke_all(BOB, workspace="acme", api="payments")
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
    world.mgmt.people.disable(ANN, workspace="acme", subject=BOB)
    questions = [(BOB, p.value, o) for p in Permission for o in OBJECTS]
    assert [False] * len(questions) == world.authz.can_many(questions)


def test_value_objects_returned_are_stored(world: World) -> None:
    """What each create returns is what the directory holds."""
    role = world.mgmt.roles.create(BOB, workspace="acme", name="Viewer", permissions=["view_api"])
    api = world.mgmt.apis.register(BOB, workspace="acme", name="Reports", environment="development")
    group = world.mgmt.groups.create(BOB, workspace="acme", name="Readers")
    stored: tuple[Role, Api, Group] = (
        world.directory.role("acme", role.id),
        world.directory.api("acme", api.id),
        world.directory.group("acme", group.id),
    )
    assert (role, api, group) == stored
