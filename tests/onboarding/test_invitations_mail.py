"""Sending invitations: a real SMTP round trip, the outbox folder, retries from the outbox table.

The SMTP tests start a local ``aiosmtpd`` server: plain, with STARTTLS and
login (a throwaway certificate made with ``openssl``), and plain with login
(a local relay: logging in there must be asked for explicitly).
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import contextlib
import email
import email.policy
import shlex
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from rbac_kit import InvalidInput, Invitations, Invitee
from rbac_kit.model._convert import to_jsonable
from rbac_kit.onboarding import OutboxFolderSender, SmtpSender
from rbac_kit.onboarding._mail import MessageContext
from rbac_kit.store._owners import table
from rbac_kit.store.invitations import MAX_ATTEMPTS, Scope

from .conftest import BASE_URL, OWNER, PASSWORD, World, fast_hash, token_in


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@attrs.frozen
class Server:
    host: str
    port: int
    mailbox: Mailbox
    #: The (login, password) pairs the server was offered.
    logins: list[tuple[bytes, bytes]] = attrs.field(factory=list)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (until someone starts listening)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _authenticator(logins: list[tuple[bytes, bytes]]) -> Any:
    """Takes a login as ``mailer`` / ``s3cret``, recording every login offered."""

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        logins.append((data.login, data.password))
        # handled=False: the server itself answers 535 to a failed login.
        ok = (data.login, data.password) == (b"mailer", b"s3cret")
        return AuthResult(success=ok, handled=False)

    return authenticator


@contextlib.contextmanager
def serving(port: int | None = None, *, login: bool = False, **options: Any) -> Iterator[Server]:
    """An SMTP server on 127.0.0.1 (on ``port``, or a free one) for the block; with ``login``
    it takes a login as ``mailer`` / ``s3cret``; ``options`` go to aiosmtpd's Controller."""
    mailbox, logins = Mailbox(), []
    if login:
        options["authenticator"] = _authenticator(logins)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        yield Server("127.0.0.1", controller.port, mailbox, logins)
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[Server]:
    """A plain SMTP server on localhost."""
    with serving() as server:
        yield server


#: A self-signed certificate for localhost, valid one day, without a passphrase.
_OPENSSL = shlex.split(
    "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
    "-addext subjectAltName=DNS:localhost,IP:127.0.0.1"
)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [*_OPENSSL, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    return cert, key


@pytest.fixture
def smtp_tls(certificate: tuple[Path, Path]) -> Iterator[Server]:
    """An SMTP server requiring STARTTLS, then a login as ``mailer`` / ``s3cret``."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with serving(
        login=True,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        auth_required=True,
    ) as server:
        yield server


@pytest.fixture
def smtp_login() -> Iterator[Server]:
    """A plain SMTP server (no TLS at all) taking a login as ``mailer`` / ``s3cret``."""
    # AUTH offered on a plain connection, as a local relay may.
    with serving(login=True, auth_require_tls=False) as server:
        yield server


def _service(world: World, sender: object) -> Invitations:
    return Invitations(
        world.store,
        world.authz,
        sender=sender,  # type: ignore[arg-type]
        base_url=BASE_URL,
        mail_from="invites@acme.io",
        clock=world.clock,
        hash_password=fast_hash,
    )


def test_smtp_round_trip(world: World, smtp: Server) -> None:
    """The server receives the invitation; its link is accepted."""
    service = _service(world, SmtpSender(smtp.host, smtp.port, security="none"))
    service.invite(OWNER, "acme", [Invitee(email="new@acme.io", groups={"ops"})])
    report = service.deliver(OWNER, workspace="acme")
    assert (1, ()) == (report.sent, report.failed)
    (message,) = smtp.mailbox.messages
    assert [["new@acme.io"]] == smtp.mailbox.recipients
    assert ("invites@acme.io", "new@acme.io") == (message["From"], message["To"])
    assert "Acme" in message["Subject"]
    body = message.get_content()
    assert "Boss invited you to join Acme as Member" in body
    person = service.accept(token_in(message), name="New", password=PASSWORD)
    assert world.authz.can(person.subject, "view_api", "acme/payments")


def test_smtp_with_starttls_and_login(world: World, smtp_tls: Server, tmp_path: Path) -> None:
    """STARTTLS is negotiated (the certificate checked) before logging in and sending."""
    client = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    sender = SmtpSender(
        "localhost", smtp_tls.port, username="mailer", password="s3cret", ssl_context=client
    )
    service = _service(world, sender)
    service.invite(OWNER, "acme", [Invitee(email="new@acme.io")])
    assert 1 == service.deliver(OWNER, workspace="acme").sent
    (message,) = smtp_tls.mailbox.messages
    service.accept(token_in(message), name="New", password=PASSWORD)


def test_smtp_with_a_wrong_login_fails_and_is_retried(
    world: World, smtp_tls: Server, tmp_path: Path
) -> None:
    """A refused login is a failed send, recorded; fixed settings deliver it later."""
    client = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    wrong = SmtpSender(
        "localhost", smtp_tls.port, username="mailer", password="nope", ssl_context=client
    )
    _service(world, wrong).invite(OWNER, "acme", [Invitee(email="new@acme.io")])
    report = _service(world, wrong).deliver(OWNER, workspace="acme")
    assert 1 == len(report.failed)
    assert "SMTPAuthenticationError" in report.failed[0][1]
    assert "SMTPAuthenticationError" in (_outbox(world)[0]["last_error"] or "")
    world.clock.advance(minutes=1)
    right = SmtpSender(
        "localhost", smtp_tls.port, username="mailer", password="s3cret", ssl_context=client
    )
    assert 1 == _service(world, right).deliver(OWNER, workspace="acme").sent
    assert 1 == len(smtp_tls.mailbox.messages)


def test_smtp_login_over_a_plain_connection_is_refused(world: World, smtp_login: Server) -> None:
    """A username with security="none" is refused at construction, naming the fix: nothing
    is sent, no password crosses the network."""
    with pytest.raises(InvalidInput, match="allow_plaintext_login=True") as refused:
        SmtpSender(
            smtp_login.host, smtp_login.port, security="none", username="mailer", password="s3cret"
        )
    assert "s3cret" not in str(refused.value)
    assert ([], []) == (smtp_login.mailbox.messages, smtp_login.logins)


def test_smtp_login_over_a_plain_connection_when_allowed(world: World, smtp_login: Server) -> None:
    """With allow_plaintext_login (a relay on localhost), the login works and the email goes."""
    sender = SmtpSender(
        smtp_login.host,
        smtp_login.port,
        security="none",
        username="mailer",
        password="s3cret",
        allow_plaintext_login=True,
    )
    service = _service(world, sender)
    service.invite(OWNER, "acme", [Invitee(email="new@acme.io")])
    report = service.deliver(OWNER, workspace="acme")
    assert (1, ()) == (report.sent, report.failed)
    assert [(b"mailer", b"s3cret")] == smtp_login.logins
    (message,) = smtp_login.mailbox.messages
    service.accept(token_in(message), name="New", password=PASSWORD)


def test_smtp_settings_are_checked() -> None:
    """A bad port, security mode or half a login is refused at construction."""
    for args, kwargs in [
        (("",), {}),
        (("mail",), {"port": 0}),
        (("mail",), {"security": "ssl"}),
        (("mail",), {"username": "me"}),
    ]:
        with pytest.raises(InvalidInput):
            SmtpSender(*args, **kwargs)  # type: ignore[arg-type]
    assert "secret" not in repr(SmtpSender("mail", username="me", password="secret"))


def test_outbox_folder_writes_eml_files(world: World, tmp_path: Path) -> None:
    """The embedded default: each message is an .eml file a mail client opens."""
    folder = tmp_path / "outbox"
    service = _service(world, OutboxFolderSender(folder))
    service.invite(OWNER, "acme", [Invitee(email="a@x.io"), Invitee(email="b@x.io")])
    assert 2 == service.deliver(OWNER, workspace="acme").sent
    files = sorted(folder.glob("*.eml"))
    assert 2 == len(files)
    assert [] == list(folder.glob(".*"))
    messages = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files
    ]
    assert {"a@x.io", "b@x.io"} == {m["To"] for m in messages}
    service.accept(token_in(messages[0]), name="First", password=PASSWORD)


# -- the outbox table ------------------------------------------------------------------


class Flaky:
    """A sender failing its first ``failures`` sends."""

    channel = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("the mail server is down")
        self.sent.append(message)


def _outbox(world: World) -> list[dict[str, Any]]:
    t = table("email_outbox")
    with world.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]


def test_a_failed_send_is_recorded_and_retried_after_a_back_off(world: World) -> None:
    """The error is kept; the email waits a minute, then goes out once, with a working link."""
    flaky = Flaky(failures=1)
    service = _service(world, flaky)
    (invitation,) = service.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    report = service.deliver(OWNER, workspace="acme")
    assert ((invitation.id, "ConnectionRefusedError: the mail server is down"),) == report.failed
    (row,) = _outbox(world)
    assert ("pending", 1, "ConnectionRefusedError: the mail server is down") == (
        row["status"],
        row["attempts"],
        row["last_error"],
    )
    assert (0, 1) == (
        service.deliver(OWNER, workspace="acme").sent,
        service.deliver(OWNER, workspace="acme").waiting,
    )  # not due yet
    world.clock.advance(minutes=1)
    assert 1 == service.deliver(OWNER, workspace="acme").sent
    assert 0 == service.deliver(OWNER, workspace="acme").sent  # never twice
    (row,) = _outbox(world)
    assert ("sent", 2) == (row["status"], row["attempts"])
    assert 1 == len(flaky.sent)
    assert 1 == service.list(OWNER, "acme").total
    service.accept(token_in(flaky.sent[0]), name="A", password=PASSWORD)


def test_an_email_is_given_up_after_its_last_attempt(world: World) -> None:
    """After the last attempt the row is marked failed; the invitation stays (resend it)."""
    service = _service(world, Flaky(failures=MAX_ATTEMPTS))
    (invitation,) = service.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    abandoned = 0
    for _ in range(MAX_ATTEMPTS):
        abandoned += service.deliver(OWNER, workspace="acme").abandoned
        world.clock.advance(hours=1)
    assert 1 == abandoned
    assert "failed" == _outbox(world)[0]["status"]
    service.resend(OWNER, "acme", invitation.id)
    assert 1 == service.deliver(OWNER, workspace="acme").sent


def test_a_claimed_email_is_not_sent_by_a_second_deliverer(world: World) -> None:
    """While one deliverer holds an email (its lease), another does not send it."""
    service = _service(world, Flaky(failures=0))
    service.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    claimed, _ = service._records.claim(Scope(channel="flaky"), world.clock.now, 10)
    assert 1 == len(claimed)
    assert 0 == service.deliver(OWNER, workspace="acme").sent
    world.clock.advance(minutes=6)  # the first deliverer died; its lease ran out
    assert 1 == service.deliver(OWNER, workspace="acme").sent


def test_an_expired_invitation_is_not_sent(world: World) -> None:
    """An email still queued when its invitation expires is dropped."""
    service = _service(world, Flaky(failures=0))
    service.invite(OWNER, "acme", [Invitee(email="a@x.io")], days=1)
    world.clock.advance(days=1)
    report = service.deliver(OWNER, workspace="acme")
    assert (0, 1) == (report.sent, report.cancelled)


# -- the context kept with a queued email ---------------------------------------------


def test_message_context_is_kept_as_the_converter_writes_it() -> None:
    """The stored form is the converter's dict of the three names, and it reads back equal."""
    context = MessageContext(workspace_name="Acme", inviter="Ann Lee", role_name="Member")
    stored = to_jsonable(context)
    assert {"workspace_name": "Acme", "inviter": "Ann Lee", "role_name": "Member"} == stored
    assert attrs.asdict(context) == stored  # rows queued by earlier versions read the same
    assert context == MessageContext.from_dict(stored)


def test_message_context_fills_missing_names_with_placeholders() -> None:
    """A missing, empty or non-text name reads as a placeholder; the email still goes out."""
    expected = MessageContext(workspace_name="a workspace", inviter="Someone", role_name="a member")
    assert expected == MessageContext.from_dict({})
    assert expected == MessageContext.from_dict(
        {"workspace_name": "", "inviter": None, "role_name": 5}
    )
