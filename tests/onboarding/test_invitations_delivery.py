"""Delivering the outbox: each tenant's queue is its own, and each sender's channel its own.

Project issue #8, item 2: an email of workspace ``w2`` whose send failed
stayed queued, and the next invite in workspace ``treb`` sent it (with a
live token) into treb's administrator's outbox folder. Here a deliverer
sends the emails of its workspace and its sender's channel only; only
``SYSTEM`` delivers every workspace's, and still only of its channel.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import select

from rbac_kit import (
    SYSTEM,
    Forbidden,
    InvalidInput,
    Invitations,
    Invitee,
    NotFound,
    User,
    Workspace,
)
from rbac_kit.onboarding import (
    ConsoleSender,
    MemorySender,
    OutboxFolderSender,
    Sender,
    SmtpSender,
)
from rbac_kit.store import Store
from rbac_kit.store._owners import table

from .conftest import BASE_URL, PASSWORD, World, fast_hash, token_in
from .test_invitations_mail import Flaky, free_port

WENDY, OLGA = "user:wendy", "user:olga"


class Failing:
    """A sender whose every send fails (an SMTP server that is down), on channel ``down``."""

    channel = "down"

    def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError("the mail server is down")


@attrs.define
class Tenants:
    """Workspaces ``w2`` (owner ``user:wendy``) and ``treb`` (owner ``user:olga``), beside
    the world's ``acme``."""

    world: World

    def service(self, sender: object) -> Invitations:
        """An invitation service over the store with ``sender`` and the world's clock."""
        return Invitations(
            self.world.store,
            self.world.authz,
            sender=sender,  # type: ignore[arg-type]
            base_url=BASE_URL,
            clock=self.world.clock,
            hash_password=fast_hash,
        )

    def rows(self, workspace: str) -> list[dict[str, Any]]:
        """Every outbox and invitation row of ``workspace``, whole."""
        found: list[dict[str, Any]] = []
        with self.world.store.engine.connect() as conn:
            for name in ("email_outbox", "invitations"):
                t = table(name)
                query = select(t).where(t.c.workspace == workspace).order_by(t.c.id)
                found += [{"table": name, **r} for r in conn.execute(query).mappings()]
        return found


@pytest.fixture
def tenants(world: World) -> Tenants:
    for ws, owner in (("w2", "wendy"), ("treb", "olga")):
        world.mgmt.workspaces.create(
            SYSTEM,
            workspace=Workspace(id=ws, name=ws.title()),
            owner=User(workspace=ws, id=owner, email=f"{owner}@{ws}.io", name=owner, role="owner"),
        )
    return Tenants(world)


def _queued_in_w2(tenants: Tenants, sender: object) -> Invitations:
    """Invite someone@w2.io through ``sender``, whose send fails: the email stays queued."""
    w2 = tenants.service(sender)
    w2.invite(WENDY, "w2", [Invitee(email="someone@w2.io")])
    report = w2.deliver(WENDY, workspace="w2")
    assert (0, 1) == (report.sent, len(report.failed))
    return w2


def _eml(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for f in sorted(folder.glob("*.eml"))
    ]


# -- the reported case -------------------------------------------------------------------


def test_an_invite_in_one_workspace_never_sends_another_workspaces_mail(
    tenants: Tenants, tmp_path: Path
) -> None:
    """Issue #8: w2's failed SMTP email stays queued, untouched, when treb delivers its own."""
    _queued_in_w2(tenants, SmtpSender("127.0.0.1", free_port(), security="none"))
    tenants.world.clock.advance(minutes=5)  # w2's email is due again
    before = tenants.rows("w2")
    out3 = tmp_path / "out3"
    treb = tenants.service(OutboxFolderSender(out3))
    treb.invite(OLGA, "treb", [Invitee(email="someone@treb.io")])
    report = treb.deliver(OLGA, workspace="treb")
    assert (1, (), 0) == (report.sent, report.failed, report.waiting)
    assert ["someone@treb.io"] == [m["To"] for m in _eml(out3)]
    assert before == tenants.rows("w2")
    (row,) = (r for r in before if r["table"] == "email_outbox")
    assert ("pending", 1) == (row["status"], row["attempts"])


def test_one_deployment_sender_still_keeps_each_workspaces_queue_apart(tenants: Tenants) -> None:
    """Even through one sender (one channel), treb's administrator sends treb's mail only."""
    sender = Flaky(failures=1)
    service = _queued_in_w2(tenants, sender)
    tenants.world.clock.advance(minutes=5)
    before = tenants.rows("w2")
    service.invite(OLGA, "treb", [Invitee(email="someone@treb.io")])
    assert 1 == service.deliver(OLGA, workspace="treb").sent
    assert ["someone@treb.io"] == [m["To"] for m in sender.sent]
    assert before == tenants.rows("w2")
    assert 1 == service.deliver(WENDY, workspace="w2").sent  # w2's own administrator
    (message,) = sender.sent[1:]
    person = service.accept(token_in(message), name="Someone", password=PASSWORD)
    assert "w2" == person.workspace


# -- who may deliver what ----------------------------------------------------------------


def test_a_tenant_administrator_cannot_deliver_another_workspaces_queue(tenants: Tenants) -> None:
    """Olga may not deliver w2's mail, nor every workspace's; neither may "system" as a string."""
    _queued_in_w2(tenants, Failing())
    tenants.world.clock.advance(minutes=5)
    before = tenants.rows("w2")
    service = tenants.service(Failing())  # even with w2's very channel
    for actor, workspace in [
        (OLGA, "w2"),
        (OLGA, None),
        ("system", None),
        ("system", "w2"),
        ("user:someone", "w2"),
    ]:
        with pytest.raises(Forbidden):
            service.deliver(actor, workspace=workspace)
    with pytest.raises(NotFound):
        service.deliver(SYSTEM, workspace="nowhere")
    with pytest.raises(InvalidInput):
        service.deliver(SYSTEM, workspace=5)  # type: ignore[arg-type]
    assert before == tenants.rows("w2")


def test_the_deployment_worker_sends_every_workspaces_mail_of_its_channel(
    tenants: Tenants,
) -> None:
    """deliver(SYSTEM) sends w2's and treb's emails of its channel; another channel's wait."""
    a, b = MemorySender(), MemorySender()
    by_a, by_b = tenants.service(a), tenants.service(b)
    by_a.invite(WENDY, "w2", [Invitee(email="one@w2.io")])
    by_a.invite(OLGA, "treb", [Invitee(email="two@treb.io")])
    by_b.invite(WENDY, "w2", [Invitee(email="three@w2.io")])
    report = by_a.deliver(SYSTEM)
    assert (2, 0) == (report.sent, report.waiting)
    assert {"one@w2.io", "two@treb.io"} == {m["To"] for m in a.messages}
    waiting = [r for r in tenants.rows("w2") if r["table"] == "email_outbox"]
    assert [("sent", a.channel), ("pending", b.channel)] == [
        (r["status"], r["channel"]) for r in waiting
    ]
    assert 0 == waiting[1]["attempts"]
    assert 1 == by_b.deliver(SYSTEM).sent
    assert ["three@w2.io"] == [m["To"] for m in b.messages]


def test_a_retry_goes_through_the_channel_that_queued_it(tenants: Tenants) -> None:
    """w2's email queued on channel ``down`` is not sent by w2's other senders."""
    _queued_in_w2(tenants, Failing())
    tenants.world.clock.advance(minutes=5)
    before = tenants.rows("w2")
    other = MemorySender()
    report = tenants.service(other).deliver(WENDY, workspace="w2")
    assert (0, 0, 0) == (report.sent, report.cancelled, report.waiting)
    assert [] == other.messages
    assert before == tenants.rows("w2")


def test_resend_queues_on_the_resending_services_channel(tenants: Tenants) -> None:
    """A resend drops the old email (whatever its channel) and queues one on its own."""
    w2 = _queued_in_w2(tenants, Failing())
    (invitation,) = w2.list(WENDY, "w2").invitations
    fixed = MemorySender()
    service = tenants.service(fixed)
    service.resend(WENDY, "w2", invitation.id)
    rows = [r for r in tenants.rows("w2") if r["table"] == "email_outbox"]
    assert [("cancelled", "down"), ("pending", fixed.channel)] == [
        (r["status"], r["channel"]) for r in rows
    ]
    assert 1 == service.deliver(WENDY, workspace="w2").sent


def test_waiting_counts_only_the_deliverers_own_queue(tenants: Tenants) -> None:
    """w2's email backing off is not counted (nor seen) by treb's deliverer."""
    _queued_in_w2(tenants, Failing())
    service = tenants.service(Failing())
    assert 0 == service.deliver(OLGA, workspace="treb").waiting
    assert 1 == service.deliver(WENDY, workspace="w2").waiting
    assert 1 == service.deliver(SYSTEM).waiting
    assert 0 == tenants.service(MemorySender()).deliver(SYSTEM).waiting


# -- channels ----------------------------------------------------------------------------


def test_each_sender_names_its_channel_without_secrets(tmp_path: Path) -> None:
    """SMTP by host, port and user (never the password); a folder by its absolute path."""
    smtp = SmtpSender("Mail.Example.com", 465, security="tls", username="me@x.io", password="pw")
    assert "smtp://mail.example.com:465/me%40x.io" == smtp.channel
    assert "smtp://[::1]:25/" == SmtpSender("::1", 25, security="none").channel
    assert "smtp://mail:587/" == SmtpSender("mail").channel
    relative = OutboxFolderSender("out")
    assert f"outbox:{Path('out').resolve()}" == relative.channel
    assert f"outbox:{tmp_path / 'out'}" == OutboxFolderSender(tmp_path / "out").channel
    assert "console" == ConsoleSender().channel
    one, two = MemorySender(), MemorySender()
    assert one.channel != two.channel
    assert one.channel == one.channel
    for sender in (smtp, relative, ConsoleSender(), one):
        assert isinstance(sender, Sender)


def test_an_outbox_folder_writes_where_its_channel_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative folder is resolved once: moving the working directory moves nothing."""
    monkeypatch.chdir(tmp_path)
    sender = OutboxFolderSender("out")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    message = EmailMessage()
    message.set_content("hello")
    sender.send(message)
    assert f"outbox:{tmp_path / 'out'}" == sender.channel
    assert 1 == len(list((tmp_path / "out").glob("*.eml")))


class _NoChannel:
    def send(self, message: EmailMessage) -> None:
        pass


@attrs.define
class _Channel:
    channel: object

    def send(self, message: EmailMessage) -> None:
        pass


@pytest.mark.parametrize("sender", [_NoChannel(), _Channel(""), _Channel(5), _Channel("a\nb")])
def test_a_sender_needs_a_channel(world: World, sender: object) -> None:
    """A custom sender without a usable channel is refused when the service is built."""
    with pytest.raises(InvalidInput, match="channel"):
        Invitations(world.store, world.authz, sender=sender, base_url=BASE_URL)  # type: ignore[arg-type]


def test_the_channel_is_read_once(world: World) -> None:
    """The service records the channel it was built with, whatever the sender says later."""
    sender = _Channel("first")
    service = Invitations(world.store, world.authz, sender=sender, base_url=BASE_URL)  # type: ignore[arg-type]
    sender.channel = "second"
    assert "first" == service.channel


def test_a_store_holds_each_rows_channel(store: Store, world: World) -> None:
    """The outbox row records the channel and workspace of the service that queued it."""
    sender = MemorySender()
    service = Invitations(store, world.authz, sender=sender, base_url=BASE_URL, clock=world.clock)
    service.invite("user:owner", "acme", [Invitee(email="a@x.io")])
    t = table("email_outbox")
    with store.engine.connect() as conn:
        row = conn.execute(select(t.c.workspace, t.c.channel)).one()
    assert ("acme", sender.channel) == tuple(row)
