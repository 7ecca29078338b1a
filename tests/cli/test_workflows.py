"""Every admin workflow of SPEC sections 1 and 4 once through the command line.

``test_commands.py`` covers the decisions and the guards; here each remaining
management verb is run as an admin would, and its effect is read back the
way a user would see it: a decision (``check``), a list (``list --json``) or
the audit log. Each runs on SQLite and, with ``RBAC_KIT_TEST_POSTGRES_URL``,
on PostgreSQL.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Cli

OWNER = "user:owner"


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """Workspace acme: APIs payments (production) and sandbox (staging), member ann,
    customer globex (Customer ID G-1), group ops holding ann and granted payments."""
    cli.ok(
        "workspace", "create", "acme", "--name", "Acme",
        "--owner-email", "boss@acme.io", "--owner-name", "Boss",
    )  # fmt: skip
    cli.ok("api", "register", "acme", "Payments", "--id", "payments", actor=OWNER)
    cli.ok("api", "register", "acme", "Sandbox", "--id", "sandbox", "--env", "staging",
           actor=OWNER)  # fmt: skip
    cli.ok("user", "add", "acme", "--id", "ann", "--email", "ann@acme.io", "--name", "Ann",
           actor=OWNER)  # fmt: skip
    cli.ok("customer", "add", "acme", "--id", "globex", "--email", "it@globex.io",
           "--customer-id", "G-1", actor=OWNER)  # fmt: skip
    cli.ok("group", "create", "acme", "Ops", "--id", "ops", "--member", "user:ann", actor=OWNER)
    cli.ok("access", "add", "acme", "payments", "group:ops", actor=OWNER)
    return cli


def _allowed(cli: Cli, subject: str, action: str, obj: str) -> bool:
    result = cli("check", subject, action, obj)
    assert result.status in (0, 1), result
    return result.status == 0


def _listed(cli: Cli, kind: str, *args: str) -> list[dict[str, Any]]:
    page = cli.ok("--json", "list", kind, "acme", *args, actor=OWNER).json()
    assert len(page["rows"]) <= page["total"]
    rows: list[dict[str, Any]] = page["rows"]
    return rows


def test_custom_role_edited_then_deleted_once_unused(acme: Cli) -> None:
    """role create / edit (permissions, environments, scope) / delete, guarded while held."""
    acme.ok("role", "create", "acme", "Stager", "--id", "stager", "-p", "view_api",
            "--env", "staging", "--scope", "all", actor=OWNER)  # fmt: skip
    acme.ok("person", "set-role", "acme", "user:ann", "stager", actor=OWNER)
    assert _allowed(acme, "user:ann", "view_api", "acme/sandbox")
    assert not _allowed(acme, "user:ann", "edit_api", "acme/sandbox")
    acme.ok("role", "edit", "acme", "stager", "--name", "Staging editor", "-p", "view_api",
            "-p", "edit_api", actor=OWNER)  # fmt: skip
    assert _allowed(acme, "user:ann", "edit_api", "acme/sandbox")
    assert ["Staging editor"] == [r["name"] for r in _listed(acme, "roles", "--search", "editor")]
    held = acme("role", "delete", "acme", "stager", actor=OWNER)
    assert 2 == held.status
    assert "in use" in held.err
    acme.ok("person", "set-role", "acme", "user:ann", "member", actor=OWNER)
    acme.ok("role", "delete", "acme", "stager", actor=OWNER)
    assert [] == _listed(acme, "roles", "--search", "editor")


def test_customer_id_edited_moves_traffic_access(acme: Cli) -> None:
    """customer set-id: access that came from traffic follows the Customer ID."""
    acme.ok("api", "record-ids", "acme", "sandbox", "G-2", actor="system")
    assert not _allowed(acme, "customer:globex", "view_api", "acme/sandbox")
    acme.ok("customer", "set-id", "acme", "customer:globex", "G-2", actor=OWNER)
    assert _allowed(acme, "customer:globex", "view_api", "acme/sandbox")
    assert _allowed(acme, "cid:G-2", "view_api", "acme/sandbox")
    assert not _allowed(acme, "cid:G-1", "view_api", "acme/sandbox")
    bad = acme("customer", "set-id", "acme", "customer:globex", " G-3", actor=OWNER)
    assert 2 == bad.status
    assert "surrounding whitespace" in bad.err
    assert ["G-2"] == [r["customer_id"] for r in _listed(acme, "customers")]


def test_disabled_person_is_denied_until_enabled(acme: Cli) -> None:
    """person disable / enable, seen by decisions and by the status filter."""
    acme.ok("person", "disable", "acme", "user:ann", actor=OWNER)
    assert not _allowed(acme, "user:ann", "view_api", "acme/payments")
    assert ["ann"] == [r["id"] for r in _listed(acme, "users", "--filter", "status=disabled")]
    acme.ok("person", "enable", "acme", "user:ann", actor=OWNER)
    assert _allowed(acme, "user:ann", "view_api", "acme/payments")


def test_group_renamed_members_moved_and_deleted(acme: Cli) -> None:
    """group rename / add-member / remove-member / delete; deleting takes only its access."""
    acme.ok("group", "rename", "acme", "ops", "Operations", actor=OWNER)
    assert [("ops", "Operations", 1)] == [
        (r["id"], r["name"], r["members"]) for r in _listed(acme, "groups")
    ]
    acme.ok("group", "add-member", "acme", "ops", "customer:globex", actor=OWNER)
    assert _allowed(acme, "customer:globex", "view_api", "acme/payments")
    acme.ok("group", "remove-member", "acme", "ops", "customer:globex", actor=OWNER)
    assert not _allowed(acme, "customer:globex", "view_api", "acme/payments")
    acme.ok("access", "add", "acme", "payments", "user:ann", actor=OWNER)
    acme.ok("group", "delete", "acme", "ops", actor=OWNER)
    assert [] == _listed(acme, "groups")
    assert _allowed(acme, "user:ann", "view_api", "acme/payments")  # her own grant stays
    assert [0] == [r["groups"] for r in _listed(acme, "users", "--search", "ann")]


def test_api_edited_then_removed_with_its_grants(acme: Cli) -> None:
    """api edit (environment, name, category) / remove, seen by decisions and the API list."""
    acme.ok("role", "create", "acme", "Prod viewer", "--id", "prod-viewer", "-p", "view_api",
            "--env", "production", "--scope", "all", actor=OWNER)  # fmt: skip
    acme.ok("person", "set-role", "acme", "user:ann", "prod-viewer", actor=OWNER)
    assert not _allowed(acme, "user:ann", "view_api", "acme/sandbox")
    acme.ok("api", "edit", "acme", "sandbox", "--env", "production", "--name", "Sandbox v2",
            "--category", "tools", actor=OWNER)  # fmt: skip
    assert _allowed(acme, "user:ann", "view_api", "acme/sandbox")
    assert [("Sandbox v2", "production", "tools")] == [
        (r["name"], r["environment"], r["category"])
        for r in _listed(acme, "apis", "--filter", "category=tools")
    ]
    acme.ok("api", "remove", "acme", "payments", actor=OWNER)
    assert ["sandbox"] == [r["id"] for r in _listed(acme, "apis")]
    assert not _allowed(acme, "user:ann", "view_api", "acme/payments")


def test_access_entry_removed_and_customer_excluded(acme: Cli) -> None:
    """access remove: a grant goes; a customer reaching the API by traffic is excluded."""
    acme.ok("access", "add", "acme", "sandbox", "user:ann", actor=OWNER)
    acme.ok("api", "record-ids", "acme", "sandbox", "G-1", actor="system")
    assert [(1, 1, 0)] == [
        (r["users"], r["customers"], r["groups"])
        for r in _listed(acme, "apis", "--search", "sandbox")
    ]
    acme.ok("access", "remove", "acme", "sandbox", "user:ann", actor=OWNER)
    acme.ok("access", "remove", "acme", "sandbox", "customer:globex", actor=OWNER)
    assert not _allowed(acme, "user:ann", "view_api", "acme/sandbox")
    assert not _allowed(acme, "cid:G-1", "view_api", "acme/sandbox")
    assert [(0, 0, 0)] == [
        (r["users"], r["customers"], r["groups"])
        for r in _listed(acme, "apis", "--search", "sandbox")
    ]
    audit = acme.ok("--json", "audit", "acme", actor=OWNER).json()
    assert ["remove_access", "remove_access"] == [e["action"] for e in audit[:2]]


def test_lists_search_sort_filter_and_page(acme: Cli) -> None:
    """list: search, sort both ways, filter and page, as text and as JSON."""
    for ident in ("bea", "cal", "dan"):
        acme.ok("user", "add", "acme", "--id", ident, "--email", f"{ident}@acme.io",
                "--name", ident.title(), "--group", "ops", actor=OWNER)  # fmt: skip
    names = [r["name"] for r in _listed(acme, "users", "--sort", "name", "--desc")]
    assert ["Dan", "Cal", "Boss", "Bea", "Ann"] == names
    page = _listed(acme, "users", "--filter", "group=ops", "--sort", "email",
                   "--offset", "1", "--limit", "2")  # fmt: skip
    assert ["bea@acme.io", "cal@acme.io"] == [r["email"] for r in page]
    text = acme.ok("list", "users", "acme", "--search", "CAL", actor=OWNER)
    assert "cal@acme.io" in text.out
    assert "ann@acme.io" not in text.out
