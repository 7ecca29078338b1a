"""``show role|api|group|person``: one entity and what it allows, as text and as JSON."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import pytest

from .conftest import Cli

OWNER = "user:owner"


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """acme: Owner owner; Member ann (in ops, granted payments); customers cat (CAT-1,
    recorded on payments) and dan (DAN-1, recorded on payments, then removed from it);
    group ops granted payments; API ledger granted to ann, then Revoke All.
    globex: Owner gus."""
    cli.ok(
        "workspace", "create", "acme", "--name", "Acme",
        "--owner-email", "boss@acme.io", "--owner-name", "Boss",
    )  # fmt: skip
    cli.ok(
        "workspace", "create", "globex", "--name", "Globex", "--owner-id", "gus",
        "--owner-email", "gus@globex.io", "--owner-name", "Gus",
    )  # fmt: skip
    for name in ("Payments", "Ledger"):
        cli.ok("api", "register", "acme", name, "--id", name.lower(), actor=OWNER)
    cli.ok("group", "create", "acme", "Ops", "--id", "ops", actor=OWNER)
    cli.ok("user", "add", "acme", "--id", "ann", "--email", "ann@acme.io", "--name", "Ann",
           "--group", "ops", actor=OWNER)  # fmt: skip
    for ident, cid in (("cat", "CAT-1"), ("dan", "DAN-1")):
        cli.ok("customer", "add", "acme", "--id", ident, "--email", f"{ident}@{ident}.io",
               "--customer-id", cid, actor=OWNER)  # fmt: skip
    cli.ok("access", "add", "acme", "payments", "user:ann", "group:ops", actor=OWNER)
    cli.ok("api", "record-ids", "acme", "payments", "CAT-1", "DAN-1", actor="system")
    cli.ok("access", "remove", "acme", "payments", "customer:dan", actor=OWNER)
    cli.ok("access", "add", "acme", "ledger", "user:ann", actor=OWNER)
    cli.ok("access", "revoke-all", "acme", "ledger", actor=OWNER)
    return cli


def test_show_role_prints_what_it_allows(acme: Cli) -> None:
    """Permissions, environments, API scope and holders, in text and JSON."""
    text = acme.ok("show", "role", "acme", "member", actor="user:ann").out
    assert [
        "Role Member (member), built in",
        "permissions:  view_api, view_people, view_requests",
        "environments: development, production, staging",
        "API scope:    granted",
        "holders:      1",
    ] == text.splitlines()
    data = acme.ok("--json", "show", "role", "acme", "owner", actor=OWNER).json()
    assert ("all", True, 1, ["development", "production", "staging"]) == (
        data["api_scope"],
        data["builtin"],
        data["holders"],
        data["environments"],
    )
    assert "delete_workspace" in data["permissions"]
    assert sorted(data["permissions"]) == data["permissions"]


def test_show_api_prints_the_access_list_with_paths(acme: Cli) -> None:
    """Every person with a path (direct, group, Customer ID), dan as excluded, the group
    granted, and the Owner by role."""
    text = acme.ok("show", "api", "acme", "payments", actor=OWNER).out
    lines = text.splitlines()
    assert "API Payments (acme/payments)" == lines[0]
    assert "Customer IDs: CAT-1, DAN-1" in lines
    rows = {line.split()[0]: line.split() for line in lines if line.startswith(("user:", "cust"))}
    assert ["Customer", "ID", "CAT-1", "no", "yes"] == rows["customer:cat"][-5:]
    assert ["Customer", "ID", "DAN-1", "yes", "no"] == rows["customer:dan"][-5:]
    assert ["direct", "grant,", "group", "ops", "no", "yes"] == rows["user:ann"][-6:]
    assert ["user:owner", "boss@acme.io", "Boss", "owner", "active"] == rows["user:owner"]
    assert any(line.split()[:3] == ["group:ops", "Ops", "1"] for line in lines)


def test_show_api_json_is_the_view(acme: Cli) -> None:
    """--json: the API's fields, groups, access entries with each path, and by_role."""
    data = acme.ok("--json", "show", "api", "acme", "payments", actor=OWNER).json()
    assert ("payments", "production", ["CAT-1", "DAN-1"]) == (
        data["id"],
        data["environment"],
        data["customer_ids"],
    )
    assert [("ops", "Ops", 1, OWNER)] == [
        (g["group"], g["name"], g["members"], g["granted_by"]) for g in data["groups"]
    ]
    assert [
        ("customer:cat", False, [], "CAT-1", False, True),
        ("customer:dan", False, [], "DAN-1", True, False),
        ("user:ann", True, ["ops"], None, False, True),
    ] == [
        (e["subject"], e["direct"], e["groups"], e["customer_id"], e["excluded"], e["allowed"])
        for e in data["access"]
    ]
    assert [OWNER] == [p["subject"] for p in data["by_role"]]


def test_show_api_after_revoke_all(acme: Cli) -> None:
    """ledger: nobody left with a path; no group; the Owner still reaches it by role."""
    data = acme.ok("--json", "show", "api", "acme", "ledger", actor=OWNER).json()
    assert ([], [], [OWNER]) == (
        data["groups"],
        data["access"],
        [p["subject"] for p in data["by_role"]],
    )
    assert "(none)" in acme.ok("show", "api", "acme", "ledger", actor=OWNER).out


def test_show_group_prints_members_and_apis(acme: Cli) -> None:
    """ops: ann as member, payments granted (what `apis group:ops view_api` cannot show)."""
    text = acme.ok("show", "group", "acme", "ops", actor="user:ann").out
    lines = text.splitlines()
    assert "Group Ops (group:ops)" == lines[0]
    assert ["user:ann", "ann@acme.io", "Ann", "member", "active"] == next(
        line.split() for line in lines if line.startswith("user:ann")
    )
    assert ["payments", "Payments", "production", OWNER] == next(
        line.split() for line in lines if line.startswith("payments")
    )
    data = acme.ok("--json", "show", "group", "acme", "ops", actor=OWNER).json()
    assert (["user:ann"], ["payments"]) == (
        [m["subject"] for m in data["members"]],
        [a["api"] for a in data["apis"]],
    )


def test_show_person_prints_role_groups_grants_and_apis(acme: Cli) -> None:
    """ann: Member, in ops, granted payments directly (ledger's grant went with Revoke All)."""
    text = acme.ok("show", "person", "acme", "user:ann", actor=OWNER).out
    assert [
        "User user:ann",
        "email:       ann@acme.io",
        "name:        Ann",
        "role:        Member (member)",
        "status:      active",
        "groups:      Ops (group:ops)",
        "view_api on: payments",
        "",
        "Direct grants",
    ] == text.splitlines()[:9]
    data = acme.ok("--json", "show", "person", "acme", "customer:cat", actor=OWNER).json()
    assert ("customer", "CAT-1", "Customer", [], ["payments"]) == (
        data["kind"],
        data["customer_id"],
        data["role_name"],
        data["direct_grants"],
        data["apis"],
    )


def test_a_customer_sees_itself_only(acme: Cli) -> None:
    """cat may show itself, but not ann, a role, a group, or an API's access list."""
    assert "Customer ID: CAT-1" in acme.ok("show", "person", "acme", "customer:cat",
                                           actor="customer:cat").out  # fmt: skip
    for argv in (
        ("person", "acme", "user:ann"),
        ("role", "acme", "member"),
        ("group", "acme", "ops"),
        ("api", "acme", "payments"),
    ):
        result = acme("show", *argv, actor="customer:cat")
        assert (0, "") != (result.status, result.err)
        assert "customer:cat may not view_people" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ("role", "acme", "member"),
        ("api", "acme", "payments"),
        ("api", "acme", "nope"),
        ("group", "acme", "ops"),
        ("person", "acme", "user:ann"),
        ("person", "acme", "user:nope"),
    ],
)
def test_another_workspaces_owner_sees_nothing(acme: Cli, argv: tuple[str, ...]) -> None:
    """globex's Owner is refused every view of acme, ids that exist or not alike."""
    result = acme("show", *argv, actor="user:gus")
    assert 0 != result.status
    assert ("", True) == (result.out, result.err.startswith("rbac-kit: error: user:gus may not"))


def test_unknown_ids_and_a_missing_actor(acme: Cli) -> None:
    """The Owner learns an id is unknown; without --as nothing is read."""
    result = acme("show", "group", "acme", "nope", actor=OWNER)
    assert (2, "rbac-kit: error: no group 'nope' in workspace 'acme'\n") == (
        result.status,
        result.err,
    )
    result = acme("show", "role", "acme", "owner")
    assert 2 == result.status
    assert "needs the acting subject" in result.err
    assert "Role Owner (owner), built in" in acme.ok("show", "role", "acme", "owner",
                                                     actor="system").out  # fmt: skip
