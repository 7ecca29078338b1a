"""The guards of management operations, exercised through Management.

Nobody gives a role, group membership or API access carrying more than they
hold; nobody changes their own role; the last active Owner stays. Every
refusal leaves everything as it was (see ``refused`` in test_management).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import SYSTEM, ApiScope, Conflict, Forbidden, Permission, RbacKitError, Role, Status
from rbac_kit.admin._guards import free_slug, role_excess, unique
from rbac_kit.admin._management import Management
from rbac_kit.model import ALL_ENVIRONMENTS
from tests.admin.test_management import (
    ANN,
    BOB,
    CARL,
    CAT,
    CY,
    DANA,
    PAYMENTS,
    SEARCH,
    Call,
    World,
    build_world,
    refused,
    snapshot,
)

EVERYTHING = {p.value for p in Permission}


@pytest.fixture
def world() -> World:
    """A fresh populated world (see ``build_world``) for each test."""
    return build_world()


def _add(world: World, id: str, role: str) -> str:
    """Add user ``id`` with ``role`` (by the Owner) and return its subject."""
    world.mgmt.people.add_user(
        ANN, workspace="acme", email=f"{id}@acme.io", name=id.title(), role=role, id=id
    )
    return f"user:{id}"


# -- pure parts -----------------------------------------------------------------------


def _role(
    permissions: set[str], envs: Iterable[str] = ALL_ENVIRONMENTS, scope: str = "granted"
) -> Role:
    return Role(
        workspace="w", id="r", name="R", permissions=permissions, environments=envs, api_scope=scope
    )


@pytest.mark.parametrize(
    ("role", "holder", "expected"),
    [
        (_role({"view_api"}), _role({"view_api", "edit_api"}), ()),
        (_role({"view_api", "edit_api"}), _role({"view_api"}), ("permissions edit_api",)),
        (
            _role({"view_api"}),
            _role({"view_api"}, ["staging"]),
            ("environments development, production",),
        ),
        (_role({"view_api"}, scope="all"), _role({"view_api"}), ("the all-APIs scope",)),
        (_role({"view_api"}), _role({"view_api"}, scope="all"), ()),
        (
            _role({"delete_workspace", "view_api"}, scope="all"),
            _role({"view_api"}, ["production"]),
            (
                "permissions delete_workspace",
                "environments development, staging",
                "the all-APIs scope",
            ),
        ),
        # Scopes without an API-level permission reach nothing: no excess.
        (_role(set(), scope="all"), _role(set(), ["staging"]), ()),
        (_role({"delete_workspace"}, scope="all"), _role(set()), ("permissions delete_workspace",)),
    ],
)
def test_role_excess(role: Role, holder: Role, expected: tuple[str, ...]) -> None:
    """role_excess lists the permissions, environments and scope a role carries beyond another."""
    assert expected == role_excess(role, holder)


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Support Team", (), "support-team"),
        ("Support Team", ("support-team", "support-team-2"), "support-team-3"),
        ("  Équipe Café!  ", (), "equipe-cafe"),
        ("x" * 80, (), "x" * 40),
    ],
)
def test_free_slug(name: str, taken: tuple[str, ...], expected: str) -> None:
    """A slug of the name, suffixed past the taken ones, at most 40 characters before a suffix."""
    world = build_world()
    world.mgmt.groups.create(ANN, workspace="acme", name="Taken", id="scratch")
    for group_id in taken:
        world.mgmt.groups.create(ANN, workspace="acme", name=f"name of {group_id}", id=group_id)
    assert expected == free_slug(world.authz, "acme", "groups", name, "group")


def test_name_without_ascii_gets_a_random_slug(world: World) -> None:
    """A group named only in non-Latin script gets ``group-`` and 6 random hex digits."""
    group = world.mgmt.groups.create(BOB, workspace="acme", name="日本")
    assert re.fullmatch(r"group-[0-9a-f]{6}", group.id)


def test_unique() -> None:
    """unique keeps order, drops repeats, and takes one string as one value."""
    expected = (("b", "a"), ("user:ann",))
    assert expected == (unique(["b", "a", "b"]), unique("user:ann"))


# -- no role carrying more than the actor holds -------------------------------------------


def test_administrator_cannot_give_owner(world: World) -> None:
    """Owner holds delete_workspace, which Administrator does not."""
    with refused(world, Forbidden, "user:bob may not give role 'Owner': .*delete_workspace"):
        world.mgmt.people.add_user(BOB, workspace="acme", email="e@acme.io", name="E", role="owner")
    with refused(world, Forbidden, "user:bob may not give role 'Owner'"):
        world.mgmt.people.change_role(BOB, workspace="acme", subject=CARL, role="owner")


def test_administrator_can_give_administrator(world: World) -> None:
    """A role equal to the actor's own may be given."""
    person = world.mgmt.people.change_role(
        BOB, workspace="acme", subject=CARL, role="administrator"
    )
    assert (person.role, world.can(CARL, "manage_roles", "acme")) == ("administrator", True)


def test_owner_can_give_owner(world: World) -> None:
    """An Owner may make another Owner."""
    person = world.mgmt.people.change_role(ANN, workspace="acme", subject=BOB, role="owner")
    assert person.role == "owner"


def test_narrow_role_gives_only_what_it_holds(world: World) -> None:
    """dana (ops: staging only, no view_requests) may give ops but not Member."""
    eve = world.mgmt.people.add_user(
        DANA, workspace="acme", email="eve@acme.io", name="Eve", role="ops"
    )
    assert eve.role == "ops"
    with refused(
        world,
        Forbidden,
        "user:dana may not give role 'Member': it carries permissions view_requests; "
        "environments development, production beyond user:dana's own role 'Ops'",
    ):
        world.mgmt.people.add_user(
            DANA, workspace="acme", email="fay@acme.io", name="Fay", role="member"
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"permissions": ["edit_api"]}, "permissions edit_api"),
        ({"permissions": ["view_api"], "environments": ["production"]}, "environments production"),
        (
            {"permissions": ["view_api"], "environments": ["staging"], "api_scope": "all"},
            "the all-APIs",
        ),
    ],
)
def test_custom_role_within_the_creator(
    world: World, kwargs: dict[str, object], match: str
) -> None:
    """A custom role may only be created within the creator's own role."""
    _add_role_manager(world)
    with refused(world, Forbidden, f"user:rex may not create role 'New': it carries {match}"):
        world.mgmt.roles.create("user:rex", workspace="acme", name="New", **kwargs)  # type: ignore[arg-type]


def test_custom_role_within_the_creator_succeeds(world: World) -> None:
    """A subset of the creator's role is created."""
    _add_role_manager(world)
    role = world.mgmt.roles.create(
        "user:rex",
        workspace="acme",
        name="Viewer",
        permissions=["view_api"],
        environments=["staging"],
    )
    assert (frozenset({"view_api"}), ApiScope.GRANTED) == (role.permissions, role.api_scope)


def test_scopes_count_only_for_api_level_permissions(world: World) -> None:
    """dana (ops: staging only) may give No Access, whose scopes reach nothing, and rex
    (staging only) may create a role of workspace-level permissions only: environments and
    the API scope count only where a role holds an API-level permission. A role with one
    API-level permission is still held to the actor's environments."""
    fay = world.mgmt.people.add_user(
        DANA, workspace="acme", email="fay@acme.io", name="Fay", role="no_access"
    )
    assert "no_access" == fay.role
    _add_role_manager(world)
    role = world.mgmt.roles.create(
        "user:rex", workspace="acme", name="Roles only", permissions=["manage_roles"]
    )
    assert frozenset({"manage_roles"}) == role.permissions
    with refused(world, Forbidden, "it carries environments development, production"):
        world.mgmt.roles.create(
            "user:rex", workspace="acme", name="Viewer", permissions=["view_api"]
        )


def test_role_excess_ignores_scopes_without_api_permissions() -> None:
    """The rule itself: scopes beyond the holder's are excess only with an API-level
    permission."""
    holder = Role(
        workspace="acme", id="h", name="H", permissions={"view_api"}, environments={"staging"}
    )
    wide = {"environments": ALL_ENVIRONMENTS, "api_scope": "all"}
    assert () == role_excess(
        Role(workspace="acme", id="n", name="N", permissions=set(), **wide), holder
    )
    assert ("environments development, production", "the all-APIs scope") == role_excess(
        Role(workspace="acme", id="v", name="V", permissions={"view_api"}, **wide), holder
    )


def _add_role_manager(world: World) -> None:
    """rex holds 'roler': manage_roles and view_api in staging, granted APIs only."""
    world.mgmt.roles.create(
        ANN,
        workspace="acme",
        name="Roler",
        permissions=["manage_roles", "view_api"],
        environments=["staging"],
        id="roler",
    )
    _add(world, "rex", "roler")


def test_edit_role_within_the_editor(world: World) -> None:
    """An Administrator may not edit a role above them, nor raise one above themselves."""
    world.mgmt.roles.create(
        ANN, workspace="acme", name="Top", permissions=EVERYTHING, api_scope="all", id="top"
    )
    with refused(world, Forbidden, "user:bob may not edit role 'Top': .*delete_workspace"):
        world.mgmt.roles.edit(BOB, workspace="acme", role="top", permissions=["view_api"])
    with refused(world, Forbidden, "user:bob may not edit role 'Ops' this way: .*delete_work"):
        world.mgmt.roles.edit(BOB, workspace="acme", role="ops", permissions=["delete_workspace"])
    role = world.mgmt.roles.edit(
        BOB, workspace="acme", role="ops", permissions=["view_api", "edit_api"]
    )
    assert (frozenset({"view_api", "edit_api"}), False) == (
        role.permissions,
        world.can(DANA, "edit_api", PAYMENTS),  # staging only: payments is production
    )


# -- people above the actor ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m: m.people.disable(BOB, workspace="acme", subject=ANN), id="disable"),
        pytest.param(lambda m: m.people.remove(BOB, workspace="acme", subject=ANN), id="remove"),
        pytest.param(
            lambda m: m.people.change_role(BOB, workspace="acme", subject=ANN, role="member"),
            id="change_role",
        ),
        pytest.param(
            lambda m: m.people.set_customer_id(
                BOB, workspace="acme", subject=CY, customer_id="New"
            ),
            id="customer_id",
        ),
    ],
)
def test_administrator_cannot_touch_an_owner(world: World, call: Call) -> None:
    """Even with a second Owner, an Administrator may not change or remove an Owner."""
    world.mgmt.people.change_role(ANN, workspace="acme", subject=CY, role="owner")
    with refused(world, Forbidden, "user:bob may not .*: their role 'Owner' carries"):
        call(world.mgmt)


def test_narrow_role_cannot_disable_an_administrator(world: World) -> None:
    """dana's ops role is below Administrator: she may not disable bob."""
    with refused(world, Forbidden, "user:dana may not disable user:bob: their role 'Admin"):
        world.mgmt.people.disable(DANA, workspace="acme", subject=BOB)


def test_owner_can_remove_another_owner(world: World) -> None:
    """With two Owners, one may remove the other."""
    zed = _add(world, "zed", "owner")
    world.mgmt.people.remove(ANN, workspace="acme", subject=zed)
    assert not world.can(zed, "view_people", "acme")


# -- own role, last Owner ------------------------------------------------------------------


@pytest.mark.parametrize("actor", [ANN, BOB])
def test_nobody_changes_their_own_role(world: World, actor: str) -> None:
    """Not even an Owner may change their own role."""
    with refused(world, Forbidden, f"{actor} may not change their own role"):
        world.mgmt.people.change_role(actor, workspace="acme", subject=actor, role="member")


def test_last_owner_cannot_leave(world: World) -> None:
    """The only active Owner may not disable or remove themselves."""
    with refused(world, Conflict, "user:ann is the last active Owner of workspace 'acme'"):
        world.mgmt.people.disable(ANN, workspace="acme", subject=ANN)
    with refused(world, Conflict, "user:ann is the last active Owner .* cannot be removed"):
        world.mgmt.people.remove(ANN, workspace="acme", subject=ANN)


def test_last_active_owner_cannot_be_demoted(world: World) -> None:
    """A disabled second Owner does not count; enabled, it does."""
    world.mgmt.roles.create(
        ANN, workspace="acme", name="Super", permissions=EVERYTHING, api_scope="all", id="super"
    )
    sam, zed = _add(world, "sam", "super"), _add(world, "zed", "owner")
    world.mgmt.people.disable(ANN, workspace="acme", subject=zed)
    with refused(world, Conflict, "user:ann is the last active Owner .* cannot be demoted"):
        world.mgmt.people.change_role(sam, workspace="acme", subject=ANN, role="administrator")
    world.mgmt.people.enable(sam, workspace="acme", subject=zed)
    person = world.mgmt.people.change_role(sam, workspace="acme", subject=ANN, role="administrator")
    assert (person.role, world.can(ANN, "delete_workspace", "acme")) == ("administrator", False)


def test_an_owner_may_leave_when_another_is_active(world: World) -> None:
    """With a second active Owner, the first may disable themselves."""
    _add(world, "zed", "owner")
    person = world.mgmt.people.disable(ANN, workspace="acme", subject=ANN)
    assert (person.status, world.can(ANN, "view_people", "acme")) == (Status.DISABLED, False)


# -- access the actor does not reach ---------------------------------------------------------


def test_group_membership_needs_reach_of_every_group_api(world: World) -> None:
    """eng grants payments (production), which dana does not reach; stage grants search."""
    with refused(world, Forbidden, "user:dana may not add members to group 'eng': .*acme/pay"):
        world.mgmt.groups.add_member(DANA, workspace="acme", group="eng", subject=CY)
    with refused(world, Forbidden, "user:dana may not add members to group 'eng'"):
        world.mgmt.people.add_user(
            DANA, workspace="acme", email="e@acme.io", name="E", role="ops", groups=["eng"]
        )
    world.mgmt.groups.add_member(DANA, workspace="acme", group="stage", subject=CY)
    assert world.can(CY, "view_api", SEARCH)


def test_group_without_grants_needs_no_reach(world: World) -> None:
    """Joining a group that grants nothing gives nothing: any group manager may do it."""
    world.mgmt.groups.create(DANA, workspace="acme", name="Empty", id="empty", members=[CY])
    person = world.mgmt.groups.add_member(DANA, workspace="acme", group="empty", subject=CARL)
    assert frozenset({"eng", "empty"}) == person.groups


def test_api_access_needs_reach(world: World) -> None:
    """dana manages access to search, which she reaches, but not to payments or billing."""
    with refused(world, Forbidden, "user:dana may not add access to API 'acme/payments'"):
        world.mgmt.access.add(DANA, workspace="acme", api="payments", targets=CY)
    with refused(world, Forbidden, "user:dana may not remove access to API 'acme/payments'"):
        world.mgmt.access.remove(DANA, workspace="acme", api="payments", target="group:eng")
    with refused(world, Forbidden, "user:dana may not revoke all access to API 'acme/billing'"):
        world.mgmt.access.revoke_all(DANA, workspace="acme", api="billing")
    world.mgmt.access.add(DANA, workspace="acme", api="search", targets=[CARL, "group:eng"])
    assert world.can(CARL, "view_api", SEARCH)


def test_customer_id_needs_reach_of_its_apis(world: World) -> None:
    """sue reaches only search: she may not give a Customer ID seen on payments."""
    world.mgmt.roles.create(
        ANN,
        workspace="acme",
        name="Support",
        permissions=["manage_people", "view_api", "view_requests"],
        id="support",
    )
    sue = _add(world, "sue", "support")
    world.mgmt.access.add(ANN, workspace="acme", api="search", targets=sue)
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="payments", customer_ids=["Pay Co"]
    )
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="search", customer_ids=["Search Co"]
    )
    with refused(world, Forbidden, "user:sue may not give customer:.* Customer ID 'Pay Co'"):
        world.mgmt.people.add_customer(sue, workspace="acme", email="p@p.io", customer_id="Pay Co")
    with refused(world, Forbidden, "user:sue may not give customer:cy the Customer ID 'Pay Co'"):
        world.mgmt.people.set_customer_id(sue, workspace="acme", subject=CY, customer_id="Pay Co")
    customer = world.mgmt.people.set_customer_id(
        sue, workspace="acme", subject=CY, customer_id="Search Co"
    )
    assert (customer.customer_id, world.can(CY, "view_api", SEARCH)) == ("Search Co", True)


def test_api_environment_within_the_actor(world: World) -> None:
    """ben creates and edits APIs in staging only: production is refused."""
    world.mgmt.roles.create(
        ANN,
        workspace="acme",
        name="Builder",
        permissions=["create_api", "edit_api"],
        environments=["staging"],
        id="builder",
    )
    ben = _add(world, "ben", "builder")
    with refused(world, Forbidden, "user:ben may not register API 'acme/prod' into production"):
        world.mgmt.apis.register(ben, workspace="acme", name="Prod", id="prod")
    api = world.mgmt.apis.register(ben, workspace="acme", name="Lab", environment="staging")
    assert world.can(ben, "edit_api", api.object)  # its creator is granted it
    with refused(world, Forbidden, "user:ben may not move API 'acme/lab' into production"):
        world.mgmt.apis.edit(ben, workspace="acme", api=api.id, environment="production")
    with refused(world, Forbidden, "user:ben may not edit_api on API 'acme/payments'"):
        world.mgmt.apis.edit(ben, workspace="acme", api="payments", name="P")


# -- random sequences ---------------------------------------------------------------------

ACTORS = (ANN, BOB, CARL, DANA, CAT)
PEOPLE = (ANN, BOB, CARL, DANA, CAT, CY)
ROLES = ("owner", "administrator", "member", "customer", "no_access", "ops")
APIS = ("payments", "search", "billing")
operations = st.one_of(
    st.tuples(st.just("change_role"), st.sampled_from(PEOPLE), st.sampled_from(ROLES)),
    st.tuples(st.sampled_from(("disable", "enable", "remove_person")), st.sampled_from(PEOPLE)),
    st.tuples(
        st.sampled_from(("add_member", "remove_member")),
        st.sampled_from(("eng", "stage")),
        st.sampled_from(PEOPLE),
    ),
    st.tuples(
        st.sampled_from(("add_access", "remove_access")),
        st.sampled_from(APIS),
        st.sampled_from((*PEOPLE, "group:eng", "group:stage")),
    ),
    st.tuples(st.sampled_from(("revoke_all", "remove_api")), st.sampled_from(APIS)),
    st.tuples(st.just("set_customer_id"), st.sampled_from((CAT, CY)), st.just("Big Co")),
)


#: Each operation of the random sequences: its handle, method and keyword names.
OPERATIONS = {
    "change_role": ("people", "change_role", ("subject", "role")),
    "disable": ("people", "disable", ("subject",)),
    "enable": ("people", "enable", ("subject",)),
    "remove_person": ("people", "remove", ("subject",)),
    "add_member": ("groups", "add_member", ("group", "subject")),
    "remove_member": ("groups", "remove_member", ("group", "subject")),
    "add_access": ("access", "add", ("api", "targets")),
    "remove_access": ("access", "remove", ("api", "target")),
    "revoke_all": ("access", "revoke_all", ("api",)),
    "remove_api": ("apis", "remove", ("api",)),
    "set_customer_id": ("people", "set_customer_id", ("subject", "customer_id")),
}


def _run(m: Management, actor: str, op: tuple[str, ...]) -> None:
    handle, method, names = OPERATIONS[op[0]]
    getattr(getattr(m, handle), method)(
        actor, workspace="acme", **dict(zip(names, op[1:], strict=True))
    )


@given(st.lists(st.tuples(st.sampled_from(ACTORS), operations), max_size=12))
def test_random_operations_keep_an_owner_and_fail_cleanly(
    steps: list[tuple[str, tuple[str, ...]]],
) -> None:
    """Whatever anyone tries: a refusal changes nothing, and acme keeps an active Owner."""
    world = build_world()
    for actor, op in steps:
        before, records = snapshot(world.authz), len(world.records)
        try:
            _run(world.mgmt, actor, op)
        except RbacKitError:
            assert (before, records) == (snapshot(world.authz), len(world.records))
        else:
            assert (records + 1, actor) == (len(world.records), world.records[-1].actor)
        owners = [
            p
            for p in world.directory.workspace("acme").people()
            if p.role == "owner" and p.status is Status.ACTIVE
        ]
        assert owners
