"""The management and decision commands, as a shell user runs them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import casbin
import pytest

from rbac_kit import open_authorizer
from rbac_kit.store import Store

from .conftest import Cli

OWNER = "user:owner"


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """Workspace acme: owner, member ann (granted payments), customer globex (cid G-1)."""
    cli.ok(
        "workspace", "create", "acme", "--name", "Acme",
        "--owner-email", "boss@acme.io", "--owner-name", "Boss",
    )  # fmt: skip
    cli.ok("api", "register", "acme", "Payments", "--id", "payments", actor=OWNER)
    cli.ok("api", "register", "acme", "Orders", "--id", "orders", actor=OWNER)
    cli.ok("user", "add", "acme", "--id", "ann", "--email", "ann@acme.io", "--name", "Ann",
           actor=OWNER)  # fmt: skip
    cli.ok("customer", "add", "acme", "--id", "globex", "--email", "it@globex.io",
           "--customer-id", "G-1", actor=OWNER)  # fmt: skip
    cli.ok("access", "add", "acme", "payments", "user:ann", actor=OWNER)
    return cli


def _state(url: str) -> tuple[list[tuple[str, ...]], int]:
    with Store.open(url) as store:
        return store.rules(), store.revision()


def test_check_exit_status_is_the_decision(acme: Cli) -> None:
    allowed = acme("check", "user:ann", "view_api", "acme/payments")
    denied = acme("check", "user:ann", "view_api", "acme/orders")
    assert (allowed.status, denied.status) == (0, 1)
    assert allowed.out.startswith("allowed: user:ann view_api acme/payments (revision ")
    assert denied.out.startswith("denied: ")


def test_check_unknown_action_is_an_error(acme: Cli) -> None:
    result = acme("check", "user:ann", "fly", "acme/payments")
    assert result.status == 2
    assert "fly" in result.err


def test_check_by_customer_id_after_traffic_is_recorded(acme: Cli) -> None:
    assert acme("check", "cid:G-1", "view_api", "acme/orders").status == 1
    acme.ok("api", "record-ids", "acme", "orders", "G-1", actor="system")
    assert acme("check", "cid:G-1", "view_api", "acme/orders").status == 0
    assert acme("check", "customer:globex", "view_api", "acme/orders").status == 0


def test_check_json_reports_the_revision(acme: Cli) -> None:
    answer = acme("--json", "check", "user:ann", "view_api", "acme/payments").json()
    with Store.open(acme.url) as store:
        assert answer == {
            "subject": "user:ann", "action": "view_api", "object": "acme/payments",
            "allowed": True, "revision": store.revision(),
        }  # fmt: skip


def test_check_batch_answers_every_row(acme: Cli, tmp_path: Path) -> None:
    questions = tmp_path / "q.csv"
    questions.write_text(
        "subject,action,api\n"
        "user:ann,view_api,acme/payments\n"
        "user:ann,view_api,acme/orders\n"
        "customer:globex,view_api,acme/payments\n"
    )
    result = acme("check", "--batch", str(questions))
    assert result.status == 1  # not every answer is allowed
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [
        ["subject", "action", "api", "decision"],
        ["user:ann", "view_api", "acme/payments", "allow"],
        ["user:ann", "view_api", "acme/orders", "deny"],
        ["customer:globex", "view_api", "acme/payments", "deny"],
    ]


def test_check_batch_names_the_bad_line(acme: Cli, tmp_path: Path) -> None:
    questions = tmp_path / "q.csv"
    questions.write_text("user:ann,view_api,acme/payments\nuser:ann,fly,acme/payments\n")
    result = acme("check", "--batch", str(questions))
    assert result.status == 2
    assert "line 2" in result.err
    assert "fly" in result.err
    assert result.out == ""


def test_explain_names_the_path(acme: Cli) -> None:
    result = acme("explain", "user:ann", "view_api", "acme/payments")
    assert result.status == 0
    assert "direct grant on payments" in result.out
    denied = acme("--json", "explain", "user:ann", "view_api", "acme/orders")
    assert denied.status == 1
    assert denied.json()["reason"] == "user:ann has no access to API 'orders'"


def test_forbidden_change_is_refused_and_changes_nothing(acme: Cli) -> None:
    before = _state(acme.url)
    result = acme("access", "add", "acme", "orders", "user:ann", actor="user:ann")
    assert result.status == 2
    assert "manage_api_access" in result.err
    assert _state(acme.url) == before
    assert acme("check", "user:ann", "view_api", "acme/orders").status == 1


def test_change_without_actor_is_refused(acme: Cli) -> None:
    before = _state(acme.url)
    result = acme("group", "create", "acme", "Partners")
    assert result.status == 2
    assert "--as" in result.err
    assert _state(acme.url) == before


def test_last_owner_cannot_be_removed(acme: Cli) -> None:
    before = _state(acme.url)
    result = acme("person", "remove", "acme", OWNER, actor=OWNER)
    assert result.status == 2
    assert "last active Owner" in result.err
    assert _state(acme.url) == before


def test_group_access_and_revoke_all(acme: Cli) -> None:
    acme.ok("group", "create", "acme", "Partners", "--id", "partners",
            "--member", "customer:globex", actor=OWNER)  # fmt: skip
    acme.ok("access", "add", "acme", "orders", "group:partners", actor=OWNER)
    assert acme("check", "customer:globex", "view_api", "acme/orders").status == 0
    acme.ok("access", "revoke-all", "acme", "orders", actor=OWNER)
    assert acme("check", "customer:globex", "view_api", "acme/orders").status == 1


def test_custom_role_with_environment_scope(acme: Cli) -> None:
    acme.ok("api", "register", "acme", "Sandbox", "--id", "sandbox", "--env", "staging",
            actor=OWNER)  # fmt: skip
    acme.ok("role", "create", "acme", "Staging viewer", "--id", "sv",
            "-p", "view_api,view_requests", "--env", "staging", "--scope", "all",
            actor=OWNER)  # fmt: skip
    acme.ok("person", "set-role", "acme", "user:ann", "sv", actor=OWNER)
    assert acme("check", "user:ann", "view_requests", "acme/sandbox").status == 0
    assert acme("check", "user:ann", "view_requests", "acme/payments").status == 1
    in_use = acme("role", "delete", "acme", "sv", actor=OWNER)
    assert in_use.status == 2
    assert "sv" in in_use.err


def test_every_change_is_in_the_audit_log(acme: Cli) -> None:
    """Every change, newest first; --after keeps the later ones."""
    events = acme("--json", "audit", "acme", actor=OWNER).json()
    assert [e["action"] for e in events] == [
        "add_access", "add_customer", "add_user", "register_api", "register_api",
        "create_workspace",
    ]  # fmt: skip
    assert {e["actor"] for e in events[:-1]} == {OWNER}
    later = acme(
        "--json", "audit", "acme", "--after", str(events[1]["revision"]), actor=OWNER
    ).json()
    assert [e["revision"] for e in later] == [events[0]["revision"]]
    assert "add_access" in acme("audit", actor="system").out


def test_policy_export_loads_into_casbin_and_agrees(acme: Cli, tmp_path: Path) -> None:
    out = tmp_path / "policy"
    acme.ok("policy", "export", str(out))
    enforcer = casbin.Enforcer(str(out / "model.conf"), str(out / "policy.csv"))
    with Store.open(acme.url) as store:
        authz = open_authorizer(store)
        for subject in ("user:ann", "customer:globex", "user:owner", "user:nobody"):
            for obj in ("acme/payments", "acme/orders"):
                expected = authz.can(subject, "view_api", obj)
                assert enforcer.enforce(subject, "acme", obj, "view_api") is expected


def test_apis_and_subjects_lists(acme: Cli) -> None:
    assert acme("--json", "apis", "user:ann", "view_api").json() == ["acme/payments"]
    assert "user:ann" in acme("--json", "subjects", "acme/payments", "view_api").json()


def test_json_output_writes_times_as_iso_8601_in_utc(acme: Cli) -> None:
    """``--json`` shows a grant's time as ISO 8601 text in UTC (``T``, ``+00:00``)."""
    grants = acme.ok("--json", "access", "add", "acme", "orders", "user:ann", actor=OWNER).json()
    at = grants[0]["granted_at"]
    assert (at[10], at[-6:]) == ("T", "+00:00")
    assert dt.datetime.fromisoformat(at).tzinfo == dt.UTC


def test_workspace_list(acme: Cli) -> None:
    """An actor sees the workspaces it is a member of; the operator (--as system) all."""
    acme.ok("workspace", "create", "beta", "--name", "Beta", "--owner-id", "bea",
            "--owner-email", "bea@beta.io", "--owner-name", "Bea")  # fmt: skip
    mine = [{"id": "acme", "name": "Acme"}]
    assert mine == acme("--json", "workspace", "list", actor=OWNER).json()
    everything = acme("--json", "workspace", "list", actor="system").json()
    assert ["acme", "beta"] == [w["id"] for w in everything]
    assert [] == acme("--json", "workspace", "list", actor="user:nobody").json()
    assert 2 == acme("workspace", "list").status


def test_check_refuses_a_subject_without_its_kind(acme: Cli, tmp_path: Path) -> None:
    """``check ann ...`` (no ``user:``) is a format error (exit 2), not a denial (exit 1);
    an unknown subject of the right form is still denied; batches are checked alike."""
    malformed = acme("check", "ann", "view_api", "acme/payments")
    assert 2 == malformed.status
    assert "subject 'ann' must be 'user:<id>', 'customer:<id>' or 'cid:<id>'" in malformed.err
    assert 1 == acme("check", "user:nobody", "view_api", "acme/payments").status
    batch = tmp_path / "questions.csv"
    batch.write_text("user:ann,view_api,acme/payments\nann,view_api,acme/payments\n")
    refused = acme("check", "--batch", str(batch))
    assert (2, "") == (refused.status, refused.out)
    assert "line 2: subject 'ann'" in refused.err
