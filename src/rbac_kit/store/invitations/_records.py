"""What the invitation service asks of a store: reads, and the outbox's delivery steps.

:class:`InvitationStore` wraps a :class:`~rbac_kit.store.Store` (it does not
inherit it) so that the service above the store never touches SQL: it gets
value objects back, and hands changes over as extra writes
(``_invitation_writes.py``) for :meth:`Store.together`.
"""

from __future__ import annotations

import datetime as dt

from ...onboarding.invitations._values import Invitation, InvitationPage, LinkJoin
from .._engine import read_transaction
from .._store import Store
from ..lists._run import MAX_LIMIT, ListQuery
from ._outbox import MAX_ATTEMPTS, Claimed, Scope, claim, mark_failed, mark_sent, waiting
from ._reads import invitation_from_row, invitations_page, joins_of, read_invitation

__all__ = ["InvitationStore"]


class InvitationStore:
    """The invitations, link joins and email outbox of ``store``."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        """The store read and written."""
        return self._store

    def get(self, invitation_id: str, now: dt.datetime) -> Invitation | None:
        """The invitation ``invitation_id`` (with its join count), its status as of ``now``."""
        with read_transaction(self._store.engine) as conn:
            row = read_invitation(conn, invitation_id)
            if row is None:
                return None
            return invitation_from_row(row, now=now, joins=len(joins_of(conn, invitation_id)))

    def with_token_hash(
        self, invitation_id: str, now: dt.datetime
    ) -> tuple[Invitation | None, str | None]:
        """The invitation and the hash of its current token (None: unknown, or none minted)."""
        with read_transaction(self._store.engine) as conn:
            row = read_invitation(conn, invitation_id)
        if row is None:
            return None, None
        return invitation_from_row(row, now=now), row["token_hash"]

    def page(self, workspace: str, query: ListQuery, now: dt.datetime) -> InvitationPage:
        """One page of a workspace's invitations (see ``_invitations.py``)."""
        with read_transaction(self._store.engine) as conn:
            return invitations_page(conn, workspace, query, now)

    def every(self, workspace: str, now: dt.datetime) -> list[Invitation]:
        """Every invitation of ``workspace``, newest first (for exports), from one snapshot."""
        found: list[Invitation] = []
        with read_transaction(self._store.engine) as conn:
            while True:
                query = ListQuery(
                    sort="created_at", descending=True, offset=len(found), limit=MAX_LIMIT
                )
                page = invitations_page(conn, workspace, query, now)
                found.extend(page.invitations)
                if len(found) >= page.total or not page.invitations:
                    return found

    def joins(self, invitation_id: str) -> list[LinkJoin]:
        """Everyone who joined through a link, in the order they joined."""
        with read_transaction(self._store.engine) as conn:
            return joins_of(conn, invitation_id)

    # -- the outbox -------------------------------------------------------------

    def claim(self, scope: Scope, now: dt.datetime, limit: int) -> tuple[list[Claimed], int]:
        """Lease due emails of ``scope`` and mint their tokens (see ``_outbox.py``)."""
        return claim(self._store.engine, scope, now, limit)

    def waiting(self, scope: Scope, now: dt.datetime) -> int:
        """Queued emails of ``scope`` not due yet."""
        return waiting(self._store.engine, scope, now)

    def sent(self, outbox_id: int, now: dt.datetime) -> None:
        """Record an email as sent."""
        mark_sent(self._store.engine, outbox_id, now)

    def failed(
        self, outbox_id: int, error: str, now: dt.datetime, max_attempts: int = MAX_ATTEMPTS
    ) -> bool:
        """Record a failed send; True when no attempts are left."""
        return mark_failed(self._store.engine, outbox_id, error, now, max_attempts)
