"""The views of one role, API, group or person: what each shows, and who may see it."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Forbidden,
    Management,
    NotFound,
    Reads,
    User,
    Workspace,
)
from rbac_kit.admin import Actor
from rbac_kit.model import ApiScope, Environment, Status, SubjectKind, to_jsonable
from rbac_kit.store import Store
from rbac_kit.views import AccessEntry, ApiView, GroupRef, PersonRef
from tests.store.conftest import authz, backend, databases, store, url

__all__ = ["authz", "backend", "databases", "store", "url"]

OLIVIA, ANN, BOB, NORA, CAT, DAN, EVE, GUS = (
    "user:olivia",
    "user:ann",
    "user:bob",
    "user:nora",
    "customer:cat",
    "customer:dan",
    "customer:eve",
    "user:gus",
)


@pytest.fixture
def reads(store: Store, authz: Authorizer) -> Reads:
    """acme and globex (Owner gus, API ledger).

    acme: Owner olivia; Members ann (in group ops) and bob; nora (No Access, in
    ops); customers cat (CAT-1), dan (DAN-1) and eve (EVE-1, in ops). API
    payments: ann granted directly, group ops granted, CAT-1 and DAN-1 recorded,
    dan removed from its access list (excluded). API ledger: bob granted and
    CAT-1 recorded, then Revoke All (bob's grant gone, cat excluded). A custom
    role "Auditors" (view_api in staging, all APIs) held by nobody.
    """
    admin = Management(authz)
    for ws, owner in (("acme", "olivia"), ("globex", "gus")):
        admin.workspaces.create(
            SYSTEM,
            workspace=Workspace(id=ws, name=ws.title()),
            owner=User(workspace=ws, id=owner, email=f"{owner}@{ws}.io", name=owner, role="owner"),
        )
    admin.apis.register(OLIVIA, workspace="acme", name="Payments", id="payments")
    admin.apis.register(OLIVIA, workspace="acme", name="Ledger", id="ledger")
    admin.groups.create(OLIVIA, workspace="acme", name="Ops", id="ops")
    admin.people.add_user(
        OLIVIA, workspace="acme", id="ann", email="ann@acme.io", name="Ann", groups=["ops"]
    )
    admin.people.add_user(OLIVIA, workspace="acme", id="bob", email="bob@acme.io", name="Bob")
    admin.people.add_user(
        OLIVIA,
        workspace="acme",
        id="nora",
        email="nora@acme.io",
        name="Nora",
        role="no_access",
        groups=["ops"],
    )
    for ident, cid, groups in (
        ("cat", "CAT-1", []),
        ("dan", "DAN-1", []),
        ("eve", "EVE-1", ["ops"]),
    ):
        admin.people.add_customer(
            OLIVIA,
            workspace="acme",
            id=ident,
            email=f"{ident}@{ident}.io",
            customer_id=cid,
            groups=groups,
        )
    admin.access.add(OLIVIA, workspace="acme", api="payments", targets=[ANN, "group:ops"])
    admin.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="payments", customer_ids=["CAT-1", "DAN-1"]
    )
    admin.access.remove(OLIVIA, workspace="acme", api="payments", target=DAN)
    admin.access.add(OLIVIA, workspace="acme", api="ledger", targets=[BOB])
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="ledger", customer_ids=["CAT-1"])
    admin.access.revoke_all(OLIVIA, workspace="acme", api="ledger")
    admin.roles.create(
        OLIVIA,
        workspace="acme",
        name="Auditors",
        id="auditors",
        permissions=["view_api"],
        environments=["staging"],
        api_scope="all",
    )
    admin.apis.register(GUS, workspace="globex", name="Ledger", id="ledger")
    return Reads(store, authz)


def _entry(subject: str, **fields: Any) -> AccessEntry:
    """An access-list entry of an active acme person with no path unless given."""
    kind, ident = subject.split(":")
    people = {
        "ann": ("ann@acme.io", "Ann", "member"),
        "cat": ("cat@cat.io", None, "customer"),
        "dan": ("dan@dan.io", None, "customer"),
        "eve": ("eve@eve.io", None, "customer"),
        "nora": ("nora@acme.io", "Nora", "no_access"),
    }
    email, name, role = people[ident]
    base = AccessEntry(
        subject=subject,
        kind=SubjectKind(kind),
        email=email,
        name=name,
        role=role,
        status=Status.ACTIVE,
        direct=False,
        granted_by=None,
        groups=(),
        customer_id=None,
        excluded=False,
        has_access=True,
        allowed=True,
    )
    return attrs.evolve(base, **fields)


OLIVIA_REF = PersonRef(
    subject=OLIVIA,
    kind=SubjectKind.USER,
    email="olivia@acme.io",
    name="olivia",
    role="owner",
    status=Status.ACTIVE,
)


def test_role_view_shows_what_the_role_allows(reads: Reads) -> None:
    """Permissions sorted, environments, API scope, built-in and how many hold it."""
    member = reads.role(SYSTEM, workspace="acme", role="member")
    assert (
        ("view_api", "view_people", "view_requests"),
        tuple(sorted(Environment)),
        ApiScope.GRANTED,
        True,
        2,
    ) == (member.permissions, member.environments, member.api_scope, member.builtin, member.holders)
    auditors = reads.role(ANN, workspace="acme", role="auditors")
    assert ("Auditors", ("view_api",), (Environment.STAGING,), ApiScope.ALL, False, 0) == (
        auditors.name,
        auditors.permissions,
        auditors.environments,
        auditors.api_scope,
        auditors.builtin,
        auditors.holders,
    )
    assert 3 == reads.role(OLIVIA, workspace="acme", role="customer").holders


def test_api_view_lists_every_path_and_every_exclusion(reads: Reads) -> None:
    """payments: ann direct and through ops, nora and eve through ops, cat by Customer ID,
    dan excluded although his Customer ID matches; the Owner by role; the group granted."""
    view = reads.api(OLIVIA, workspace="acme", api="payments")
    assert ("Payments", Environment.PRODUCTION, "general", ("CAT-1", "DAN-1")) == (
        view.name,
        view.environment,
        view.category,
        view.customer_ids,
    )
    assert [("ops", "Ops", 3, OLIVIA)] == [
        (g.group, g.name, g.members, g.granted_by) for g in view.groups
    ]
    assert (
        _entry(CAT, customer_id="CAT-1"),
        _entry(DAN, customer_id="DAN-1", excluded=True, has_access=False, allowed=False),
        _entry(EVE, groups=("ops",)),
        _entry(ANN, direct=True, granted_by=OLIVIA, groups=("ops",)),
        _entry(NORA, groups=("ops",), allowed=False),  # No Access holds no view_api
    ) == view.access
    assert (OLIVIA_REF,) == view.by_role


def test_api_view_after_revoke_all(reads: Reads) -> None:
    """ledger after Revoke All: no grant left, bob gone, cat listed as excluded."""
    view = reads.api(SYSTEM, workspace="acme", api="ledger")
    assert () == view.groups
    assert (
        _entry(CAT, customer_id="CAT-1", excluded=True, has_access=False, allowed=False),
    ) == view.access
    assert (OLIVIA_REF,) == view.by_role


@pytest.mark.parametrize("api", ["payments", "ledger"])
def test_api_view_agrees_with_the_decisions(reads: Reads, authz: Authorizer, api: str) -> None:
    """The allowed entries of the access list and the active people reaching every API by
    role are exactly the subjects ``can(·, "view_api", api)`` allows."""
    view = reads.api(SYSTEM, workspace="acme", api=api)
    listed = {e.subject for e in view.access if e.allowed} | {
        p.subject for p in view.by_role if p.status is Status.ACTIVE
    }
    assert authz.subjects_for(f"acme/{api}", "view_api") == listed
    assert [] == [
        e for e in view.access if e.allowed != authz.can(e.subject, "view_api", f"acme/{api}")
    ]


def test_a_disabled_owner_stays_by_role_but_is_not_allowed(reads: Reads, authz: Authorizer) -> None:
    """by_role lists holders of any status; the decision counts the active ones only."""
    admin = Management(authz)
    admin.people.add_user(
        OLIVIA, workspace="acme", id="al", email="al@acme.io", name="Al", role="administrator"
    )
    admin.people.disable(OLIVIA, workspace="acme", subject="user:al")
    view = reads.api(OLIVIA, workspace="acme", api="payments")
    assert [("user:al", Status.DISABLED), (OLIVIA, Status.ACTIVE)] == [
        (p.subject, p.status) for p in view.by_role
    ]
    assert "user:al" not in authz.subjects_for("acme/payments", "view_api")


def test_group_view_shows_members_and_apis(reads: Reads) -> None:
    """ops: ann, nora and eve, with payments granted."""
    view = reads.group(ANN, workspace="acme", group="ops")
    assert ("ops", "Ops") == (view.id, view.name)
    assert [(EVE, SubjectKind.CUSTOMER, "eve@eve.io", None), (ANN, SubjectKind.USER,
            "ann@acme.io", "Ann"), (NORA, SubjectKind.USER, "nora@acme.io", "Nora")] == [
        (p.subject, p.kind, p.email, p.name) for p in view.members
    ]  # fmt: skip
    assert [("payments", "Payments", Environment.PRODUCTION, OLIVIA)] == [
        (g.api, g.name, g.environment, g.granted_by) for g in view.apis
    ]


def test_person_view_shows_role_groups_grants_and_apis(reads: Reads) -> None:
    """ann: Member, in ops, granted payments directly, reaches payments; cat: its Customer
    ID reaches payments only (excluded from ledger by Revoke All); bob reaches nothing."""
    ann = reads.person(OLIVIA, workspace="acme", subject=ANN)
    assert (SubjectKind.USER, "ann@acme.io", "Ann", "member", "Member", Status.ACTIVE) == (
        ann.kind,
        ann.email,
        ann.name,
        ann.role,
        ann.role_name,
        ann.status,
    )
    assert ((GroupRef(id="ops", name="Ops"),), None) == (ann.groups, ann.customer_id)
    assert [("payments", OLIVIA)] == [(g.api, g.granted_by) for g in ann.direct_grants]
    assert ("payments",) == ann.apis
    cat = reads.person(OLIVIA, workspace="acme", subject=CAT)
    assert ("CAT-1", (), (), ("payments",)) == (
        cat.customer_id,
        cat.groups,
        cat.direct_grants,
        cat.apis,
    )
    bob = reads.person(ANN, workspace="acme", subject=BOB)
    assert ((), ()) == (bob.direct_grants, bob.apis)
    assert ("ledger", "payments") == reads.person(SYSTEM, workspace="acme", subject=OLIVIA).apis


def test_views_convert_to_json(reads: Reads) -> None:
    """Through the library's converter: enums as values, times as ISO 8601 text."""
    data = to_jsonable(reads.api(OLIVIA, workspace="acme", api="payments"))
    assert ("production", "customer") == (data["environment"], data["access"][0]["kind"])
    assert data["groups"][0]["granted_at"].endswith("+00:00")
    person = to_jsonable(reads.person(OLIVIA, workspace="acme", subject=ANN))
    assert {"id": "ops", "name": "Ops"} == person["groups"][0]
    assert "password_hash" not in person


def _views(reads: Reads, actor: str) -> dict[str, object]:
    """What each view gives ``actor`` in acme: the view's class name, or the error's."""
    calls: dict[str, Callable[[], object]] = {
        "role": lambda: reads.role(actor, workspace="acme", role="member"),
        "api": lambda: reads.api(actor, workspace="acme", api="payments"),
        "group": lambda: reads.group(actor, workspace="acme", group="ops"),
        "person": lambda: reads.person(actor, workspace="acme", subject=ANN),
        "self": lambda: reads.person(actor, workspace="acme", subject=actor),
    }
    result: dict[str, object] = {}
    for name, call in calls.items():
        try:
            result[name] = type(call()).__name__
        except (Forbidden, NotFound) as error:
            result[name] = type(error).__name__
    return result


def test_who_may_see_each_view(reads: Reads) -> None:
    """Owner and Member: every view; a customer: itself only (it holds no view_people, and
    the access list would show it the other customers); No Access: itself; another
    workspace's Owner: nothing."""
    everything = {
        "role": "RoleView",
        "api": "ApiView",
        "group": "GroupView",
        "person": "PersonView",
        "self": "PersonView",
    }
    only_self = dict.fromkeys(everything, "Forbidden") | {"self": "PersonView"}
    assert {
        OLIVIA: everything,
        ANN: everything,
        CAT: only_self,
        NORA: only_self,
        GUS: dict.fromkeys(everything, "Forbidden"),
    } == {actor: _views(reads, actor) for actor in (OLIVIA, ANN, CAT, NORA, GUS)}


def test_a_member_sees_only_the_apis_it_reaches(reads: Reads) -> None:
    """ann (Member, granted scope) may view payments but not ledger, which she cannot reach."""
    assert isinstance(reads.api(ANN, workspace="acme", api="payments"), ApiView)
    with pytest.raises(Forbidden, match="user:ann may not view_api on API 'acme/ledger'"):
        reads.api(ANN, workspace="acme", api="ledger")


def test_unknown_ids_are_not_found_only_after_authorization(reads: Reads) -> None:
    """An Owner and SYSTEM learn an id is unknown; another workspace's Owner is refused the
    same way for ids that exist and ids that do not; so is anyone in an unknown workspace."""
    unknown: dict[str, Callable[[Actor], object]] = {
        "role": lambda a: reads.role(a, workspace="acme", role="nope"),
        "api": lambda a: reads.api(a, workspace="acme", api="nope"),
        "group": lambda a: reads.group(a, workspace="acme", group="nope"),
        "person": lambda a: reads.person(a, workspace="acme", subject="user:nope"),
    }
    for call in unknown.values():
        for actor in (OLIVIA, SYSTEM):
            with pytest.raises(NotFound):
                call(actor)
        with pytest.raises(Forbidden, match="user:gus"):
            call(GUS)
    with pytest.raises(Forbidden):
        reads.role(ANN, workspace="nowhere", role="owner")
    with pytest.raises(NotFound, match="no workspace 'nowhere'"):
        reads.role(SYSTEM, workspace="nowhere", role="owner")


def test_a_person_of_another_workspace_is_not_found_even_by_id(reads: Reads) -> None:
    """acme's Owner asking acme about globex's gus learns nothing about globex; gus asking
    about himself in acme is refused (he is not acme's)."""
    with pytest.raises(NotFound, match="no user:gus in workspace 'acme'"):
        reads.person(OLIVIA, workspace="acme", subject=GUS)
    with pytest.raises(Forbidden):
        reads.person(GUS, workspace="acme", subject=GUS)
    assert "globex" == reads.person(GUS, workspace="globex", subject=GUS).workspace
