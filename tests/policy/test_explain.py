"""Tests of decisions with reasons (``rbac_kit.policy._explain``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import itertools

import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Explanation,
    Forbidden,
    Management,
    UnknownAction,
    Workspace,
    customer_id_subject,
)
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS
from rbac_kit.policy import explain

BIGCO = customer_id_subject("Big Co, Inc.")


@pytest.fixture
def authz() -> Authorizer:
    """An authorizer over workspace ``acme`` (and ``globex``), built to hit every rule.

    - APIs: ``pay`` (production, Customer ID ``Big Co, Inc.`` seen), ``ledger`` (staging),
      ``other`` (production, nobody granted)
    - groups ``ops`` and ``dev``, both granted ``pay``
    - ann: member in ops and dev, with a direct grant on pay
    - bob: administrator; dan: member, disabled, granted pay
    - sam: role support (view_api in production only, granted APIs), granted ledger
    - bigco: customer with Customer ID ``Big Co, Inc.``, in ops, granted pay directly
    - exy: customer ``EXY`` seen on pay, then removed from pay's access list
    - gina: member of globex
    """
    a = Authorizer()
    admin = Management(a)
    for ws, name in (("acme", "Acme"), ("globex", "Globex")):
        admin.workspaces.create(SYSTEM, workspace=Workspace(id=ws, name=name), owner=None)
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="support",
        name="Support",
        permissions=["view_api"],
        environments=["production"],
    )
    for gid in ("ops", "dev"):
        admin.groups.create(SYSTEM, workspace="acme", id=gid, name=gid.title())
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    admin.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="pay", customer_ids=["Big Co, Inc.", "EXY"]
    )
    admin.apis.register(SYSTEM, workspace="acme", id="ledger", name="Ledger", environment="staging")
    admin.apis.register(SYSTEM, workspace="acme", id="other", name="Other")
    for uid, role, ws, groups in (
        ("ann", "member", "acme", ("ops", "dev")),
        ("bob", "administrator", "acme", ()),
        ("dan", "member", "acme", ()),
        ("sam", "support", "acme", ()),
        ("gina", "member", "globex", ()),
    ):
        admin.people.add_user(
            SYSTEM,
            workspace=ws,
            id=uid,
            email=f"{uid}@{ws}.io",
            name=uid,
            role=role,
            groups=groups,
        )
    admin.people.add_customer(
        SYSTEM,
        workspace="acme",
        id="bigco",
        email="it@bigco.com",
        customer_id="Big Co, Inc.",
        groups=("ops",),
    )
    admin.people.add_customer(
        SYSTEM, workspace="acme", id="exy", email="it@exy.com", customer_id="EXY"
    )
    admin.access.add(
        SYSTEM,
        workspace="acme",
        api="pay",
        targets=["group:ops", "group:dev", "user:ann", "user:dan", "customer:bigco"],
    )
    admin.access.add(SYSTEM, workspace="acme", api="ledger", targets=["user:sam"])
    admin.people.disable(SYSTEM, workspace="acme", subject="user:dan")
    admin.access.remove(SYSTEM, workspace="acme", api="pay", target="customer:exy")
    return a


# -- denials, one per condition of SPEC section 2, in order -------------------------

DENIALS = [
    ("user:nobody", "view_api", "acme/pay", "unknown subject 'user:nobody'"),
    ("role:owner", "view_api", "acme/pay", "unknown subject 'role:owner'"),
    ("cid:NOPE", "view_api", "acme/pay", "unknown subject 'cid:NOPE'"),
    (BIGCO, "view_api", "globex/pay", f"unknown subject {BIGCO!r}"),
    ("user:gina", "view_api", "acme/pay", "user:gina belongs to workspace 'globex', not 'acme'"),
    ("user:ann", "view_people", "globex", "user:ann belongs to workspace 'acme', not 'globex'"),
    ("user:ann", "view_api", "acme/nope", "unknown API 'acme/nope'"),
    ("user:dan", "view_api", "acme/pay", "user:dan is disabled"),
    ("user:sam", "edit_api", "acme/ledger", "role 'Support' does not hold 'edit_api'"),
    (
        "user:ann",
        "view_people",
        "acme/pay",
        "'view_people' is a workspace-level action; ask it of workspace 'acme'",
    ),
    ("user:ann", "view_api", "acme", "'view_api' is an API-level action; ask it of an API"),
    (
        "user:sam",
        "view_api",
        "acme/ledger",
        "role 'Support' covers production, not API 'ledger' in staging",
    ),
    (
        "customer:exy",
        "view_api",
        "acme/pay",
        "customer:exy was removed from the access list of API 'pay'",
    ),
    ("user:ann", "view_api", "acme/other", "user:ann has no access to API 'other'"),
    ("customer:bigco", "view_api", "acme/ledger", "customer:bigco has no access to API 'ledger'"),
]


@pytest.mark.parametrize(("subject", "action", "obj", "reason"), DENIALS)
def test_each_denial_names_its_reason(
    authz: Authorizer, subject: str, action: str, obj: str, reason: str
) -> None:
    """Every condition of SPEC section 2 has its own reason, and the index denies too."""
    result = explain(authz.directory, subject, action, obj)
    assert (False, reason) == (result.allowed, result.reason)
    assert (None, ()) == (result.permission, result.paths)
    assert not authz.can(subject, action, obj)


@pytest.mark.parametrize(
    ("subject", "action", "obj", "reason"),
    [
        # unknown API is checked before the subject's status
        ("user:dan", "view_api", "acme/nope", "unknown API 'acme/nope'"),
        # disabled comes before the role
        ("user:dan", "delete_workspace", "acme", "user:dan is disabled"),
        # the role comes before the level of the action
        ("user:sam", "view_people", "acme/pay", "role 'Support' does not hold 'view_people'"),
        # the environment comes before access
        ("user:sam", "view_api", "acme/ledger", "role 'Support' covers production, not API"),
        # another workspace comes before an unknown API
        ("user:gina", "view_api", "acme/nope", "user:gina belongs to workspace 'globex'"),
    ],
)
def test_the_first_failed_condition_is_reported(
    authz: Authorizer, subject: str, action: str, obj: str, reason: str
) -> None:
    """When several conditions fail, the reason is the first in SPEC order."""
    assert explain(authz.directory, subject, action, obj).reason.startswith(reason)


def test_denial_by_role_names_the_role(authz: Authorizer) -> None:
    """A denial after the subject's role was found names that role."""
    assert "support" == explain(authz.directory, "user:sam", "edit_api", "acme/ledger").role


# -- allowed decisions and their paths ----------------------------------------------


def test_allowed_lists_every_access_path(authz: Authorizer) -> None:
    """ann reaches pay directly and through both groups: all three are listed."""
    assert Explanation(
        allowed=True,
        subject="user:ann",
        action="view_api",
        object="acme/pay",
        role="member",
        role_name="Member",
        permission="view_api",
        paths=("direct grant on pay", "group dev", "group ops"),
    ) == explain(authz.directory, "user:ann", "view_api", "acme/pay")


def test_customer_id_match_is_a_path(authz: Authorizer) -> None:
    """bigco reaches pay directly, through ops, and by its Customer ID."""
    result = explain(authz.directory, "customer:bigco", "view_requests", "acme/pay")
    assert (True, "customer", "view_requests") == (result.allowed, result.role, result.permission)
    assert (
        "direct grant on pay",
        "group ops",
        "Customer ID 'Big Co, Inc.' seen on pay",
    ) == result.paths


def test_asking_by_customer_id_explains_the_customer(authz: Authorizer) -> None:
    """A gateway asking as ``cid:<Customer ID>`` gets the customer's decision."""
    by_cid = explain(authz.directory, BIGCO, "view_api", "acme/pay")
    by_subject = explain(authz.directory, "customer:bigco", "view_api", "acme/pay")
    assert (True, by_subject.paths, BIGCO) == (by_cid.allowed, by_cid.paths, by_cid.subject)


def test_a_customer_id_must_be_asked_in_its_encoded_form(authz: Authorizer) -> None:
    """``cid:Big Co, Inc.`` (not encoded) names no subject."""
    assert "unknown subject 'cid:Big Co, Inc.'" == (
        explain(authz.directory, "cid:Big Co, Inc.", "view_api", "acme/pay").reason
    )


def test_all_apis_role_needs_no_path(authz: Authorizer) -> None:
    """An administrator reaches every API through its role alone."""
    result = explain(authz.directory, "user:bob", "delete_api", "acme/other")
    assert (True, (), "role 'Administrator' reaches all APIs") == (
        result.allowed,
        result.paths,
        result.reason,
    )


def test_workspace_level_permission(authz: Authorizer) -> None:
    """Workspace-level actions are allowed by the role alone."""
    result = explain(authz.directory, "user:ann", "view_people", "acme")
    assert (True, "member", "view_people", "workspace-level permission") == (
        result.allowed,
        result.role,
        result.permission,
        result.reason,
    )


def test_explanation_reads_as_a_sentence(authz: Authorizer) -> None:
    """``str()`` of an explanation says ALLOW/DENY, the question and why."""
    allowed = explain(authz.directory, "user:ann", "view_api", "acme/pay")
    denied = explain(authz.directory, "user:dan", "view_api", "acme/pay")
    admin = explain(authz.directory, "user:bob", "view_api", "acme/pay")
    assert (
        "ALLOW user:ann view_api acme/pay: role 'Member' holds view_api; "
        "direct grant on pay; group dev; group ops"
    ) == str(allowed)
    assert "DENY user:dan view_api acme/pay: user:dan is disabled" == str(denied)
    assert (
        "ALLOW user:bob view_api acme/pay: role 'Administrator' holds view_api; "
        "role 'Administrator' reaches all APIs"
    ) == str(admin)


@pytest.mark.parametrize("subject", ["user:ann", "user:nobody", "cid:NOPE"])
def test_unknown_action_raises(authz: Authorizer, subject: str) -> None:
    """An unknown action raises, whoever asks about whatever."""
    with pytest.raises(UnknownAction, match="'fly'"):
        explain(authz.directory, subject, "fly", "acme/pay")
    with pytest.raises(UnknownAction, match="'fly'"):
        explain(authz.directory, subject, "fly", "nowhere/nothing")


def test_explain_agrees_with_can_on_every_question(authz: Authorizer) -> None:
    """explain().allowed equals the index's can() on every question of the fixture."""
    subjects = [
        *(f"user:{u}" for u in ("ann", "bob", "dan", "sam", "gina", "nobody")),
        "customer:bigco",
        "customer:exy",
        BIGCO,
        customer_id_subject("EXY"),
        "role:member",
        "group:ops",
    ]
    objects = ["acme", "globex", "acme/pay", "acme/ledger", "acme/other", "acme/nope", "zz"]
    actions = sorted(WORKSPACE_ACTIONS | API_ACTIONS)
    mismatches = [
        (s, a, o)
        for s, a, o in itertools.product(subjects, actions, objects)
        if explain(authz.directory, s, a, o).allowed != authz.can(s, a, o)
    ]
    assert [] == mismatches


# -- through the Authorizer ---------------------------------------------------------


def test_require_returns_when_allowed(authz: Authorizer) -> None:
    """require() is silent for an allowed question."""
    authz.require("user:ann", "view_api", "acme/pay")


def test_require_raises_forbidden_with_the_reason(authz: Authorizer) -> None:
    """require() raises Forbidden naming the question and the first failed condition."""
    with pytest.raises(Forbidden) as caught:
        authz.require("customer:exy", "view_api", "acme/pay")
    assert (
        "customer:exy may not view_api on acme/pay: "
        "customer:exy was removed from the access list of API 'pay'"
    ) == str(caught.value)


def test_require_with_unknown_action_raises_unknown_action(authz: Authorizer) -> None:
    """require() never turns an unknown action into a plain denial."""
    with pytest.raises(UnknownAction):
        authz.require("user:ann", "fly", "acme/pay")


def test_authorizer_explain_carries_the_revision(authz: Authorizer) -> None:
    """Authorizer.explain stamps the revision the answer was made at."""
    assert authz.revision == authz.explain("user:ann", "view_api", "acme/pay").revision
    Management(authz).access.remove(SYSTEM, workspace="acme", api="pay", target="user:ann")
    later = authz.explain("user:ann", "view_api", "acme/pay")
    assert (authz.revision, ("group dev", "group ops")) == (later.revision, later.paths)
