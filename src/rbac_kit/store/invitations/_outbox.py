"""The email outbox: invitation emails queued with the change that calls for them, sent after.

An invitation and its outbox row commit in one transaction, so an email is
never sent for an invitation that rolled back, and never lost for one that
committed. Sending happens later (:func:`claim`, then :func:`mark_sent` or
:func:`mark_failed`), outside any change:

- **Claiming** a row mints the invitation's token (only its hash is
  written) and leases the row for :data:`LEASE`, in one short write
  transaction, so two deliverers never send the same row at once, and a
  deliverer that dies mid-send leaves a row that is retried when the lease
  runs out. A row whose invitation is no longer pending is cancelled.
- **A failed send** records its error and is retried after a back-off
  (1, 2, 4 ... minutes, at most an hour) until :data:`MAX_ATTEMPTS`; then it
  is marked ``failed``.

Each row records, when it is queued, its workspace and the ``channel`` of
the sender that queued it (``smtp://host:587/user``, ``outbox:/srv/mail``:
see :attr:`rbac_kit.Sender.channel`). A deliverer claims only the rows of
its own channel, and of one workspace unless it is the deployment's worker
(:class:`Scope`): mail never leaves through another tenant's or another
configuration's sender, and a retry goes through the channel that queued
it. Rows queued before channels existed (``channel`` NULL) go to any
deliverer in their scope.

Delivery is at least once: a send that fails after the server took the
message is sent again, with a new token (the first one's link then reads as
invalid). The invitation itself is one row whatever happens.

These writes are bookkeeping, not changes of an invitation's meaning: they
take no revision and write no audit event (the change that queued the email
did), so a deliverer needs only the store, never an up-to-date Authorizer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Connection, Engine, func, insert, or_, select, update

from ...onboarding.invitations._tokens import new_token
from ...onboarding.invitations._values import InvitationStatus
from .._engine import read_transaction, write_transaction
from .._owners import table
from .._rows import Row

__all__ = [
    "LEASE",
    "MAX_ATTEMPTS",
    "Claimed",
    "Scope",
    "cancel",
    "claim",
    "enqueue",
    "mark_failed",
    "mark_sent",
    "waiting",
]

#: Sends tried before an email is given up on.
MAX_ATTEMPTS = 8
#: How long a claimed email is left to its deliverer before another may retry it.
LEASE = dt.timedelta(minutes=5)
_LONGEST_WAIT = dt.timedelta(hours=1)

_PENDING = "pending"


@attrs.frozen(kw_only=True)
class Claimed:
    """An email to send now, with the token minted for it (never stored)."""

    id: int
    invitation: str
    workspace: str
    recipient: str
    token: str = attrs.field(repr=False)
    message: Mapping[str, Any]
    expires_at: dt.datetime


@attrs.frozen(kw_only=True)
class Scope:
    """The queued emails one deliverer may send: those of its channel, in one workspace
    or (``workspace=None``, the deployment's worker) in every workspace.

    Rows without a channel (queued before channels existed) are in every
    channel's scope.
    """

    channel: str
    workspace: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions selecting the outbox rows in this scope."""
        o = table("email_outbox")
        found = [or_(o.c.channel == self.channel, o.c.channel.is_(None))]
        if self.workspace is not None:
            found.append(o.c.workspace == self.workspace)
        return found


def enqueue(
    conn: Connection,
    invitation: Row,
    message: Mapping[str, str],
    channel: str,
    now: dt.datetime,
) -> None:
    """Queue the email of ``invitation`` (a row) for ``channel``, in the caller's transaction."""
    conn.execute(
        insert(table("email_outbox")),
        {
            "invitation": invitation["id"],
            "workspace": invitation["workspace"],
            "channel": channel,
            "recipient": invitation["email"],
            "context": dict(message),
            "status": _PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
            "sent_at": None,
            "last_error": None,
        },
    )


def cancel(conn: Connection, invitation_id: str) -> None:
    """Drop the unsent emails of an invitation (it was revoked, replaced, resent or failed)."""
    t = table("email_outbox")
    conn.execute(
        update(t)
        .where(t.c.invitation == invitation_id, t.c.status == _PENDING)
        .values(status="cancelled")
    )


def claim(engine: Engine, scope: Scope, now: dt.datetime, limit: int) -> tuple[list[Claimed], int]:
    """Lease up to ``limit`` due emails of ``scope`` and mint their tokens; return them and
    how many of the scope's were cancelled because their invitation is no longer pending."""
    o, i = table("email_outbox"), table("invitations")
    query = (
        select(o, i.c.status.label("invitation_status"), i.c.expires_at)
        .join(i, i.c.id == o.c.invitation)
        .where(o.c.status == _PENDING, o.c.next_attempt_at <= now, *scope.where())
        .order_by(o.c.id)
        .limit(limit)
    )
    claimed: list[Claimed] = []
    cancelled = 0
    with write_transaction(engine) as conn:
        for row in conn.execute(query).mappings().all():
            pending = row["invitation_status"] == InvitationStatus.PENDING.value
            if not pending or row["expires_at"] <= now:
                conn.execute(update(o).where(o.c.id == row["id"]).values(status="cancelled"))
                cancelled += 1
                continue
            token, token_hash = new_token(row["invitation"])
            conn.execute(update(i).where(i.c.id == row["invitation"]).values(token_hash=token_hash))
            conn.execute(
                update(o)
                .where(o.c.id == row["id"])
                .values(attempts=row["attempts"] + 1, next_attempt_at=now + LEASE)
            )
            claimed.append(
                Claimed(
                    id=row["id"],
                    invitation=row["invitation"],
                    workspace=row["workspace"],
                    recipient=row["recipient"],
                    token=token,
                    message=row["context"],
                    expires_at=row["expires_at"],
                )
            )
    return claimed, cancelled


def waiting(engine: Engine, scope: Scope, now: dt.datetime) -> int:
    """How many queued emails of ``scope`` are not due yet (backing off, or claimed)."""
    t = table("email_outbox")
    query = select(func.count()).where(
        t.c.status == _PENDING, t.c.next_attempt_at > now, *scope.where()
    )
    with read_transaction(engine) as conn:
        return int(conn.scalar(query) or 0)


def mark_sent(engine: Engine, outbox_id: int, now: dt.datetime) -> None:
    """Record that the email of row ``outbox_id`` went out."""
    t = table("email_outbox")
    with write_transaction(engine) as conn:
        conn.execute(
            update(t)
            .where(t.c.id == outbox_id, t.c.status == _PENDING)
            .values(status="sent", sent_at=now, last_error=None)
        )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed send: 1, 2, 4 ... minutes, at most 1 h."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), _LONGEST_WAIT)


def mark_failed(
    engine: Engine, outbox_id: int, error: str, now: dt.datetime, max_attempts: int = MAX_ATTEMPTS
) -> bool:
    """Record a failed send; return True when the email is given up on (no attempts left)."""
    t = table("email_outbox")
    with write_transaction(engine) as conn:
        attempts = conn.scalar(select(t.c.attempts).where(t.c.id == outbox_id))
        if attempts is None:
            return False
        abandoned = bool(attempts >= max_attempts)
        values: dict[str, Any] = {"last_error": error[:2000]}
        if abandoned:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = now + backoff(attempts)
        conn.execute(update(t).where(t.c.id == outbox_id, t.c.status == _PENDING).values(values))
    return abandoned
