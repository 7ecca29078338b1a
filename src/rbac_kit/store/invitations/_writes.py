"""Invitation changes, as extra writes that ride in the transaction of an audited change.

Each function returns an :class:`~._extra.ExtraWrite` for
:meth:`Store.together <rbac_kit.store.Store.together>`: the service makes an
(often policy-free) change through the Authorizer, and these rows commit in
its transaction, with its audit event and revision. Each checks the row it
changes *again* inside that transaction (which holds the store's write
lock), so what a caller read a moment earlier cannot have changed under it:
a token already used, an invitation revoked meanwhile. The audit event gets
the rows before and after, without token hashes.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import Connection, insert, select, update

from ..._errors import Conflict, InvalidInput, InvalidToken, NotFound
from ...onboarding.invitations._values import (
    LINK_LIFETIME,
    Invitation,
    InvitationKind,
    InvitationStatus,
)
from .._extra import AuditRows, ExtraWrite
from .._owners import table
from .._rows import Row
from ._outbox import cancel, enqueue
from ._reads import audit_rows, invitation_row, read_invitation

__all__ = [
    "NewInvitation",
    "accept",
    "fail",
    "issue",
    "regenerate",
    "resend",
    "revoke",
]

_PENDING = InvitationStatus.PENDING.value


@attrs.frozen(kw_only=True)
class NewInvitation:
    """An invitation to store, with what only the store keeps of it."""

    invitation: Invitation
    valid_days: int
    #: A link's token hash (the token itself went to the caller).
    token_hash: str | None = None
    #: For an email invitation: what its message says, which queues it for sending.
    message: Mapping[str, str] | None = None
    #: With ``message``: the channel of the sender that is to send it (``Sender.channel``).
    channel: str | None = attrs.field(default=None)

    @channel.validator
    def _with_message(self, _attribute: object, channel: str | None) -> None:
        if (self.message is None) != (channel is None):
            raise InvalidInput(
                f"invitation {self.invitation.id}: a queued message needs the channel that is "
                f"to send it, and a channel a message (message given: {self.message is not None}, "
                f"channel: {channel!r})"
            )


class _Changes:
    """The invitation rows one extra write touched, before and after."""

    def __init__(self) -> None:
        self.before: list[Row] = []
        self.after: list[Row] = []
        self.joins: list[Row] = []

    def audit(self) -> tuple[AuditRows, AuditRows]:
        before: AuditRows = {}
        after: AuditRows = {}
        if self.before:
            before["invitations"] = audit_rows(self.before)
        if self.after:
            after["invitations"] = audit_rows(self.after)
        if self.joins:
            after["invitation_joins"] = audit_rows(self.joins)
        return before, after

    def update(self, conn: Connection, row: Row, **values: Any) -> Row:
        """Change ``row`` (by id) to ``values``; return the new row."""
        t = table("invitations")
        conn.execute(update(t).where(t.c.id == row["id"]).values(**values))
        new = {**row, **values}
        self.before.append(row)
        self.after.append(new)
        return new


def issue(workspace: str, new: Sequence[NewInvitation], now: dt.datetime) -> ExtraWrite:
    """Store new invitations: each replaces a pending one to the same address.

    Raises (cancelling the change):
        Conflict: a Customer ID is on another live pending invitation.
    """

    def write(conn: Connection, _revision: int, _time: dt.datetime) -> tuple[AuditRows, AuditRows]:
        changes = _Changes()
        for item in new:
            if item.invitation.email is not None:
                _replace_pending(conn, changes, item.invitation, now)
            if item.invitation.customer_id is not None:
                _free_customer_id(conn, changes, item.invitation, now)
        t = table("invitations")
        for item in new:
            row = invitation_row(
                item.invitation,
                valid_days=item.valid_days,
                token_hash=item.token_hash,
                updated_at=now,
            )
            conn.execute(insert(t), row)
            changes.after.append(row)
            if item.message is not None and item.channel is not None:
                enqueue(conn, row, item.message, item.channel, now)
        return changes.audit()

    return ExtraWrite(workspace, write)


def _pending_where(invitation: Invitation, column: str, value: str | None) -> list[Any]:
    t = table("invitations")
    return [t.c.workspace == invitation.workspace, t.c.status == _PENDING, t.c[column] == value]


def _replace_pending(
    conn: Connection, changes: _Changes, invitation: Invitation, now: dt.datetime
) -> None:
    """Retire the pending invitation to the same address (revoked, or expired if it was)."""
    t = table("invitations")
    key = invitation.email.casefold() if invitation.email is not None else None
    query = select(t).where(*_pending_where(invitation, "email_key", key))
    for found in conn.execute(query).mappings().all():
        row = dict(found)
        lapsed = row["expires_at"] <= now
        changes.update(
            conn,
            row,
            status=InvitationStatus.EXPIRED.value if lapsed else InvitationStatus.REVOKED.value,
            problem=f"replaced by invitation {invitation.id}",
            token_hash=None,
            updated_at=now,
        )
        cancel(conn, row["id"])


def _free_customer_id(
    conn: Connection, changes: _Changes, invitation: Invitation, now: dt.datetime
) -> None:
    """Refuse a Customer ID another live pending invitation carries; retire lapsed ones."""
    t = table("invitations")
    where = _pending_where(invitation, "customer_id", invitation.customer_id)
    for found in conn.execute(select(t).where(*where)).mappings().all():
        row = dict(found)
        if row["expires_at"] > now:
            raise Conflict(
                f"Customer ID {invitation.customer_id!r} is already on pending invitation "
                f"{row['id']} (to {row['email']}); revoke it first"
            )
        changes.update(
            conn, row, status=InvitationStatus.EXPIRED.value, token_hash=None, updated_at=now
        )
        cancel(conn, row["id"])


def _current(conn: Connection, workspace: str, invitation_id: str) -> Row:
    row = read_invitation(conn, invitation_id)
    if row is None or row["workspace"] != workspace:
        raise NotFound(f"no invitation {invitation_id!r} in workspace {workspace!r}")
    return row


def _shown_status(row: Row, now: dt.datetime) -> str:
    if row["status"] == _PENDING and row["expires_at"] <= now:
        return InvitationStatus.EXPIRED.value
    return str(row["status"])


def _one(
    workspace: str,
    invitation_id: str,
    step: Callable[[Connection, _Changes, Row], None],
) -> ExtraWrite:
    """An extra write changing one invitation of ``workspace`` with ``step``."""

    def write(conn: Connection, _revision: int, _time: dt.datetime) -> tuple[AuditRows, AuditRows]:
        changes = _Changes()
        step(conn, changes, _current(conn, workspace, invitation_id))
        return changes.audit()

    return ExtraWrite(workspace, write)


def revoke(workspace: str, invitation_id: str, now: dt.datetime) -> ExtraWrite:
    """Revoke a pending invitation or link: its token dies, its unsent email is dropped."""

    def step(conn: Connection, changes: _Changes, row: Row) -> None:
        status = _shown_status(row, now)
        if status != _PENDING:
            raise Conflict(
                f"invitation {invitation_id} is {status}; only a pending one can be revoked"
            )
        changes.update(
            conn, row, status=InvitationStatus.REVOKED.value, token_hash=None, updated_at=now
        )
        cancel(conn, invitation_id)

    return _one(workspace, invitation_id, step)


def resend(
    workspace: str,
    invitation_id: str,
    message: Mapping[str, str],
    channel: str,
    now: dt.datetime,
) -> ExtraWrite:
    """Give a pending or expired email invitation a new expiry and queue a new email for
    ``channel``.

    The old token dies at once (its hash is dropped), and so does its unsent
    email, whatever channel it waited for; the new one is minted when the
    email is sent.
    """

    def step(conn: Connection, changes: _Changes, row: Row) -> None:
        if row["kind"] != InvitationKind.EMAIL.value:
            raise Conflict(
                f"invitation {invitation_id} is a link; regenerate it instead of resending"
            )
        if row["status"] != _PENDING:
            raise Conflict(
                f"invitation {invitation_id} is {row['status']}; only a pending or expired "
                "invitation can be resent"
            )
        new = changes.update(
            conn,
            row,
            expires_at=now + dt.timedelta(days=row["valid_days"]),
            token_hash=None,
            updated_at=now,
        )
        cancel(conn, invitation_id)
        enqueue(conn, new, message, channel, now)

    return _one(workspace, invitation_id, step)


def regenerate(workspace: str, invitation_id: str, token_hash: str, now: dt.datetime) -> ExtraWrite:
    """Give a pending or expired link a new token and 24 more hours; the old token dies."""

    def step(conn: Connection, changes: _Changes, row: Row) -> None:
        if row["kind"] != InvitationKind.LINK.value:
            raise Conflict(f"invitation {invitation_id} is an email invitation, not a link")
        if row["status"] != _PENDING:
            raise Conflict(f"link {invitation_id} is {row['status']} and cannot be regenerated")
        changes.update(
            conn, row, token_hash=token_hash, expires_at=now + LINK_LIFETIME, updated_at=now
        )

    return _one(workspace, invitation_id, step)


def _require_token(row: Row, token_hash: str, now: dt.datetime) -> None:
    """The invitation must still be pending, unexpired and on this very token."""
    stored = row["token_hash"] or ""
    same = hmac.compare_digest(stored, token_hash)
    if not same or row["status"] != _PENDING or row["expires_at"] <= now:
        raise InvalidToken


def accept(
    workspace: str,
    invitation_id: str,
    *,
    token_hash: str,
    subject: str,
    email: str,
    now: dt.datetime,
) -> ExtraWrite:
    """Record an acceptance: an email invitation becomes accepted, a link gains a join.

    Raises (cancelling the change, so no person is created either):
        InvalidToken: the token was used, revoked, replaced or expired meanwhile.
    """

    def step(conn: Connection, changes: _Changes, row: Row) -> None:
        _require_token(row, token_hash, now)
        if row["kind"] == InvitationKind.LINK.value:
            join = {
                "invitation": invitation_id,
                "subject": subject,
                "workspace": workspace,
                "email": email,
                "joined_at": now,
            }
            conn.execute(insert(table("invitation_joins")), join)
            changes.joins.append(join)
            return
        changes.update(
            conn,
            row,
            status=InvitationStatus.ACCEPTED.value,
            accepted_by=subject,
            accepted_at=now,
            token_hash=None,
            updated_at=now,
        )

    return _one(workspace, invitation_id, step)


def fail(
    workspace: str, invitation_id: str, *, token_hash: str, problem: str, now: dt.datetime
) -> ExtraWrite:
    """Mark an invitation failed: acceptance found it can no longer be honoured.

    Raises (cancelling the change):
        InvalidToken: it is no longer pending on this token (e.g. accepted meanwhile).
    """

    def step(conn: Connection, changes: _Changes, row: Row) -> None:
        _require_token(row, token_hash, now)
        changes.update(
            conn,
            row,
            status=InvitationStatus.FAILED.value,
            problem=problem,
            token_hash=None,
            updated_at=now,
        )
        cancel(conn, invitation_id)

    return _one(workspace, invitation_id, step)
