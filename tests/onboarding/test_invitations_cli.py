"""The invitation commands, as a shell user runs them: invite, invite-link, accept, invitations."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import socket
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from rbac_kit import open_authorizer
from rbac_kit.onboarding import INVALID_TOKEN_MESSAGE
from rbac_kit.store import Store
from rbac_kit.store._owners import table
from tests.cli.conftest import Cli, cli
from tests.store.helpers import dump

from .conftest import PASSWORD, token_in
from .csv_world import cli_acme
from .test_invitations_mail import Server, free_port, serving, smtp_login

__all__ = ["cli", "smtp_login"]

OWNER = "user:owner"


@pytest.fixture
def acme(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Workspace acme (owner, member ann, group ops), the outbox in tmp_path."""
    monkeypatch.setenv("RBAC_KIT_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("RBAC_KIT_BASE_URL", "https://app.example.com/invitations/accept")
    monkeypatch.delenv("RBAC_KIT_SMTP_HOST", raising=False)
    return cli_acme(cli)


def _emails(tmp_path: Path) -> list[email.message.EmailMessage]:
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    return [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for f in files
    ]


def test_invite_writes_the_email_and_accept_joins(acme: Cli, tmp_path: Path) -> None:
    """``invite`` stores and sends at once (an .eml file); ``accept`` creates the user."""
    result = acme.ok("invite", "acme", "a@x.io", "b@x.io", "--group", "ops", actor=OWNER)
    assert "a@x.io" in result.out
    assert "sent 2 email(s) to" in result.out
    messages = _emails(tmp_path)
    assert {"a@x.io", "b@x.io"} == {m["To"] for m in messages}
    token = token_in(messages[0])
    joined = acme.ok("accept", token, "--name", "Ay", "--password", PASSWORD)
    assert "joined workspace acme as user:" in joined.out
    subject = joined.out.strip().rpartition(" as ")[2]
    with Store.open(acme.url) as store:
        person = open_authorizer(store).directory.person(subject)
    assert (person.password_hash or "").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    listed = acme.ok("--json", "invitations", "list", "acme", actor=OWNER).json()
    assert ["accepted", "pending"] == sorted(row["status"] for row in listed)


def test_outbox_dash_prints_the_email_to_standard_error(
    acme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--outbox -`` prints each message on standard error; its link can be accepted."""
    result = acme.ok("--json", "invite", "acme", "a@x.io", "--outbox", "-", actor=OWNER)
    assert ["a@x.io"] == [row["email"] for row in result.json()]  # stdout stays JSON
    assert "sent 1 email(s) to standard error" in result.err
    assert "To: a@x.io" in result.err
    link = next(line for line in result.err.splitlines() if line.startswith("https://"))
    assert not (tmp_path / "outbox").exists()
    acme.ok("accept", link, "--name", "Ay", "--password", PASSWORD)


def test_accept_takes_the_whole_link_and_a_password_on_stdin(
    acme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pasted accept link works as the token; ``--password-stdin`` reads the password."""
    acme.ok("invite", "acme", "a@x.io", actor=OWNER)
    body = _emails(tmp_path)[0].get_content()
    link = next(line for line in body.splitlines() if line.startswith("https://"))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    acme.ok("accept", link, "--name", "Ay", "--password-stdin")


def test_links_from_the_command_line(acme: Cli) -> None:
    """Create, join, list, see who joined, regenerate and revoke a link."""
    url = acme.ok("invite-link", "create", "acme", "--role", "member", actor=OWNER).out.strip()
    assert url.startswith("https://app.example.com/invitations/accept?token=")
    acme.ok("accept", url, "--name", "Lu", "--password", PASSWORD, "--email", "lu@x.io")
    (link,) = acme.ok("--json", "invite-link", "list", "acme", actor=OWNER).json()
    assert (1, "link") == (link["joins"], link["kind"])
    joins = acme.ok("--json", "invite-link", "joins", "acme", link["id"], actor=OWNER).json()
    assert ["lu@x.io"] == [j["email"] for j in joins]
    fresh = acme.ok("invite-link", "regenerate", "acme", link["id"], actor=OWNER).out.strip()
    old = acme("accept", url, "--name", "Mo", "--password", PASSWORD, "--email", "mo@x.io")
    assert (2, f"rbac-kit: error: {INVALID_TOKEN_MESSAGE}\n") == (old.status, old.err)
    acme.ok("invite-link", "revoke", "acme", link["id"], actor=OWNER)
    dead = acme("accept", fresh, "--name", "Mo", "--password", PASSWORD, "--email", "mo@x.io")
    assert 2 == dead.status


def test_resend_revoke_and_deliver(acme: Cli, tmp_path: Path) -> None:
    """Resend sends a new email; revoke kills it; deliver reports what it did."""
    acme.ok("invite", "acme", "a@x.io", actor=OWNER)
    (row,) = acme.ok("--json", "invitations", "list", "acme", actor=OWNER).json()
    acme.ok("invitations", "resend", "acme", row["id"], actor=OWNER)
    assert 2 == len(_emails(tmp_path))
    acme.ok("invitations", "revoke", "acme", row["id"], actor=OWNER)
    refused = acme("accept", token_in(_emails(tmp_path)[1]), "--name", "A", "--password", "x" * 9)
    assert 2 == refused.status
    assert "0 sent" in acme.ok("invitations", "deliver", "--workspace", "acme", actor=OWNER).out


def test_a_failed_send_keeps_the_invitation(acme: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """With an unreachable SMTP server the invitation is stored and the email stays queued."""

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    monkeypatch.setenv("RBAC_KIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RBAC_KIT_SMTP_PORT", str(port))
    monkeypatch.setenv("RBAC_KIT_SMTP_SECURITY", "none")
    result = acme.ok("invite", "acme", "a@x.io", actor=OWNER)
    assert "was not sent" in result.err
    assert 1 == len(acme.ok("--json", "invitations", "list", "acme", actor=OWNER).json())
    assert "invitations deliver --workspace acme` with the same settings" in result.err
    retried = acme.ok("invitations", "deliver", "--workspace", "acme", actor=OWNER)
    assert "1 waiting to be retried" in retried.out


def test_export_invitations_as_csv_neutralises_formulas(acme: Cli) -> None:
    """The export has no secrets, and a cell a spreadsheet would evaluate is made text."""
    acme.ok("invite", "acme", "=1+2@x.io", "plain@x.io", actor=OWNER)
    out = acme.ok("invitations", "export", "acme", actor=OWNER).out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"'=1+2@x.io", "plain@x.io"} == {r["email"] for r in rows}
    assert "token" not in out
    assert {"pending"} == {r["status"] for r in rows}


@pytest.mark.parametrize(
    "argv",
    [
        ("invite", "acme", "a@x.io", "--days", "31"),
        ("invite", "acme", "a@x.io", "--days", "0"),
        ("invite", "acme", "not-an-email"),
        ("invite", "acme", "ann@acme.io"),
        ("invite", "acme", "a@x.io", "b@x.io", "--customer-id", "C-1"),
        ("invite", "acme", "a@x.io", "--role", "nope"),
        ("invitations", "revoke", "acme", "0123456789abcdef"),
        ("invite-link", "create", "acme", "--group", "nope"),
    ],
)
def test_bad_commands_change_nothing(acme: Cli, argv: tuple[str, ...]) -> None:
    """Every refusal exits 2 with one line on standard error and leaves the store as it was."""
    with Store.open(acme.url) as store:
        before = dump(store)
    result = acme(*argv, actor=OWNER)
    assert 2 == result.status
    assert result.err.startswith("rbac-kit: error: ")
    with Store.open(acme.url) as store:
        assert before == dump(store)


def test_inviting_needs_an_actor(acme: Cli) -> None:
    """Without ``--as`` a change is refused."""
    result = acme("invite", "acme", "a@x.io")
    assert (2, True) == (result.status, "--as" in result.err)


# -- mail stays in its tenant (issue #8) ------------------------------------------------------

WENDY, OLGA = "user:wendy", "user:olga"


@pytest.fixture
def tenants(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Workspaces w2 (owner user:wendy) and treb (owner user:olga); no mail settings set."""
    for name in ("RBAC_KIT_SMTP_HOST", "RBAC_KIT_SMTP_PORT", "RBAC_KIT_SMTP_SECURITY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RBAC_KIT_OUTBOX", str(tmp_path / "default-outbox"))
    monkeypatch.setenv("RBAC_KIT_BASE_URL", "https://app.example.com/invitations/accept")
    for ws, owner in (("w2", "wendy"), ("treb", "olga")):
        cli.ok(
            "workspace", "create", ws, "--name", ws.title(), "--owner-id", owner,
            "--owner-email", f"{owner}@{ws}.io", "--owner-name", owner.title(),
        )  # fmt: skip
    return cli


def _smtp_options(port: int) -> tuple[str, ...]:
    return ("--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none")


def _rows(url: str, workspace: str) -> list[dict[str, Any]]:
    """Every outbox and invitation row of ``workspace``, whole."""
    found: list[dict[str, Any]] = []
    with Store.open(url) as store, store.engine.connect() as conn:
        for name in ("email_outbox", "invitations"):
            t = table(name)
            query = select(t).where(t.c.workspace == workspace).order_by(t.c.id)
            found += [{"table": name, **r} for r in conn.execute(query).mappings()]
    return found


def _all_due(url: str) -> None:
    """Let the back-off of every queued email pass (the command line runs on the real clock)."""
    t = table("email_outbox")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with Store.open(url) as store, store.engine.begin() as conn:
        conn.execute(update(t).where(t.c.status == "pending").values(next_attempt_at=past))


def _emails_in(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for f in sorted(folder.glob("*.eml"))
    ]


def test_an_invite_sends_only_its_own_workspaces_mail(tenants: Cli, tmp_path: Path) -> None:
    """Issue #8 as reported: w2's email, whose SMTP send failed, stays queued and untouched;
    olga's invite in treb with --outbox out3 writes treb's email only."""
    failed = tenants.ok("invite", "w2", "someone@w2.io", *_smtp_options(free_port()), actor=WENDY)
    assert "was not sent" in failed.err
    _all_due(tenants.url)
    before = _rows(tenants.url, "w2")
    out3 = tmp_path / "out3"
    result = tenants.ok("invite", "treb", "someone@treb.io", "--outbox", str(out3), actor=OLGA)
    assert "sent 1 email(s)" in result.out
    assert ["someone@treb.io"] == [m["To"] for m in _emails_in(out3)]
    assert before == _rows(tenants.url, "w2")
    (row,) = (r for r in before if r["table"] == "email_outbox")
    assert ("pending", 1) == (row["status"], row["attempts"])


def test_a_tenant_administrator_delivers_only_their_workspace(tenants: Cli, tmp_path: Path) -> None:
    """``invitations deliver --workspace`` needs invite_people there; without a workspace
    it is the deployment's form, refused to anyone but --as system."""
    tenants.ok("invite", "w2", "someone@w2.io", *_smtp_options(free_port()), actor=WENDY)
    _all_due(tenants.url)
    before = _rows(tenants.url, "w2")
    out = str(tmp_path / "out")
    refused = tenants("invitations", "deliver", "--workspace", "w2", "--outbox", out, actor=OLGA)
    assert (2, True) == (refused.status, "may not invite_people in workspace 'w2'" in refused.err)
    everything = tenants("invitations", "deliver", "--outbox", out, actor=OLGA)
    assert (2, True) == (everything.status, "--as system" in everything.err)
    as_string = tenants("invite", "w2", "x@w2.io", "--outbox", out, actor="system")
    # "system" names the trusted actor for delivery only: elsewhere it is nobody
    assert (2, True) == (as_string.status, "unknown subject 'system'" in as_string.err)
    assert before == _rows(tenants.url, "w2")
    assert not (tmp_path / "out").exists()


def test_the_deployment_worker_sends_every_workspace_of_its_settings(
    tenants: Cli, tmp_path: Path
) -> None:
    """``--as system invitations deliver`` sends every workspace's queued email of the mail
    settings it runs with, and none queued with other settings."""
    port = free_port()
    for ws, actor in (("w2", WENDY), ("treb", OLGA)):
        tenants.ok("invite", ws, f"someone@{ws}.io", *_smtp_options(port), actor=actor)
    _all_due(tenants.url)
    other = tenants.ok(
        "--json", "invitations", "deliver", "--outbox", str(tmp_path / "out"), actor="system"
    ).json()
    assert (0, 0) == (other["sent"], other["waiting"])
    with serving(port) as server:  # the mail server is back
        done = tenants.ok("invitations", "deliver", *_smtp_options(port), actor="system")
    assert "2 sent, 0 failed" in done.out
    assert {"someone@w2.io", "someone@treb.io"} == {m["To"] for m in server.mailbox.messages}


def test_smtp_login_in_clear_text_needs_the_flag(
    tenants: Cli, smtp_login: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--smtp-user with --smtp-security none is refused (nothing stored, nothing sent)
    unless --smtp-allow-plaintext-login is given; then the login works."""
    monkeypatch.setenv("RBAC_KIT_SMTP_PASSWORD", "s3cret")
    options = (*_smtp_options(smtp_login.port), "--smtp-user", "mailer")
    refused = tenants("invite", "treb", "a@treb.io", *options, actor=OLGA)
    assert (2, True) == (refused.status, "--smtp-allow-plaintext-login" in refused.err)
    assert [] == _rows(tenants.url, "treb")
    assert ([], []) == (smtp_login.mailbox.messages, smtp_login.logins)
    allowed = tenants.ok(
        "invite", "treb", "a@treb.io", *options, "--smtp-allow-plaintext-login", actor=OLGA
    )
    assert "sent 1 email(s)" in allowed.out
    assert [(b"mailer", b"s3cret")] == smtp_login.logins
    assert ["a@treb.io"] == [m["To"] for m in smtp_login.mailbox.messages]
