"""Migration 0006: emails queued before channels existed are kept and delivered.

A store built at 0005 holds a queued invitation email (no ``channel``
column yet); once the store migrates, the row's channel is NULL and any
deliverer of its own workspace, or the deployment's worker (``SYSTEM``),
sends it, while a deliverer of another workspace does not.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from rbac_kit import SYSTEM, Invitations, Management, User, Workspace, open_authorizer
from rbac_kit.admin import Actor
from rbac_kit.onboarding import MemorySender
from rbac_kit.store import Base, Store
from rbac_kit.store._engine import create_store_engine
from rbac_kit.store._migrate import upgrade
from rbac_kit.store._owners import table

from .helpers import Databases

NOW = dt.datetime(2031, 5, 4, 12, 0, tzinfo=dt.UTC)
INVITATION = "0123456789abcdef"
BASE_URL = "https://app.example.com/invitations/accept"
#: Tables left out of the copy: the outbox (0006 changed it), and the Casbin rules, which
#: the store writes again when it opens (copied ids would collide with PostgreSQL's sequence).
_NOT_COPIED = {"email_outbox", "casbin_rule"}


def _people(scratch_url: str) -> None:
    """Workspaces acme (Ivy, its Owner) and beta (Bo, its Owner), at the newest version."""
    with Store.open(scratch_url) as store:
        admin = Management(open_authorizer(store))
        for ws, person in (("acme", "ivy"), ("beta", "bo")):
            owner = User(
                workspace=ws, id=person, email=f"{person}@{ws}.io", name=person, role="owner"
            )
            admin.workspaces.create(
                SYSTEM, workspace=Workspace(id=ws, name=ws.title()), owner=owner
            )


def _store_at_0005_with_a_queued_email(url: str, scratch_url: str) -> None:
    """The rows of :func:`_people` in a store at migration 0005 (no table but the outbox
    changed since), and one email waiting in its outbox, as 0005 queued it."""
    _people(scratch_url)
    scratch, engine = create_store_engine(scratch_url), create_store_engine(url)
    try:
        upgrade(engine, "0005")
        with scratch.connect() as source, engine.begin() as conn:
            for t in Base.metadata.sorted_tables:
                if t.name in _NOT_COPIED:
                    continue
                rows = [dict(r) for r in source.execute(select(t)).mappings()]
                if rows:
                    conn.execute(insert(t), rows)
            conn.execute(
                insert(table("invitations")).values(
                    id=INVITATION, workspace="acme", kind="email", email="new@acme.io",
                    email_key="new@acme.io", role="member", groups=[], customer_id=None,
                    customer_id_key=None, created_by="user:ivy", created_at=NOW,
                    expires_at=NOW + dt.timedelta(days=7), valid_days=7, status="pending",
                    problem=None, token_hash=None, accepted_by=None, accepted_at=None,
                    updated_at=NOW,
                )
            )  # fmt: skip
            # The columns of 0005 only: there is no channel yet.
            conn.execute(
                insert(table("email_outbox")).values(
                    invitation=INVITATION, workspace="acme", recipient="new@acme.io",
                    context={"workspace_name": "Acme", "inviter": "Ivy", "role_name": "Member"},
                    status="pending", attempts=0, created_at=NOW, next_attempt_at=NOW,
                    sent_at=None, last_error=None,
                )
            )  # fmt: skip
    finally:
        engine.dispose()
        scratch.dispose()


def _outbox(store: Store) -> list[tuple[str, str | None]]:
    t = table("email_outbox")
    with store.engine.connect() as conn:
        query = select(t.c.status, t.c.channel).order_by(t.c.id)
        return [(r.status, r.channel) for r in conn.execute(query)]


@pytest.mark.parametrize(
    ("actor", "workspace"), [("user:ivy", "acme"), (SYSTEM, None)], ids=["tenant", "worker"]
)
def test_an_email_queued_before_0006_is_delivered_after_it(
    url: str, databases: Databases, actor: Actor, workspace: str | None
) -> None:
    """The migrated row has no channel; its workspace's deliverer or SYSTEM sends it, once;
    another workspace's deliverer does not, and its link joins acme."""
    _store_at_0005_with_a_queued_email(url, databases.new_url())
    with Store.open(url) as store:
        assert [("pending", None)] == _outbox(store)
        sender = MemorySender()
        service = Invitations(
            store, open_authorizer(store), sender=sender, base_url=BASE_URL, clock=lambda: NOW
        )
        assert 0 == service.deliver("user:bo", workspace="beta").sent  # another workspace's
        assert [("pending", None)] == _outbox(store)
        assert 1 == service.deliver(actor, workspace=workspace).sent
        assert 0 == service.deliver(actor, workspace=workspace).sent
        assert [("sent", None)] == _outbox(store)
        (message,) = sender.messages
        link = next(line for line in message.get_content().splitlines() if BASE_URL in line)
        person = service.accept(link.rpartition("token=")[2], name="New", password="a long phrase")
        assert ("acme", "member") == (person.workspace, person.role)
