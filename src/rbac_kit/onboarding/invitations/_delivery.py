"""Sending what the outbox holds: claim due emails, send each, record the outcome.

Runs after the changes that queued the emails have committed, with nothing
but the store and a :class:`~rbac_kit.Sender`, on the emails of one
:class:`~rbac_kit.store.invitations.Scope` (the sender's channel, in one
workspace or in all of them); who may deliver which scope is the service's
check (:meth:`Invitations.deliver <rbac_kit.Invitations.deliver>`). See
``store/invitations/_outbox.py`` for the leases, the back-off and why
delivery is at least once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ..._errors import InvalidInput
from ...store.invitations import InvitationStore, Scope
from .._mail import MessageContext, Sender, accept_url, invitation_message
from ._values import DeliveryReport

__all__ = ["deliver"]

logger = logging.getLogger(__name__)


def deliver(
    records: InvitationStore,
    sender: Sender,
    scope: Scope,
    *,
    mail_from: str,
    base_url: str,
    now: Callable[[], dt.datetime],
    limit: int,
) -> DeliveryReport:
    """Send up to ``limit`` due emails of ``scope`` through ``sender``, each with a freshly
    minted token; ``waiting`` counts the scope's emails that are not due yet."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(f"limit must be a positive whole number, got {limit!r}")
    claimed, cancelled = records.claim(scope, now(), limit)
    sent, abandoned = 0, 0
    failed: list[tuple[str, str]] = []
    for item in claimed:
        message = invitation_message(
            sender=mail_from,
            to=item.recipient,
            context=MessageContext.from_dict(item.message),
            url=accept_url(base_url, item.token),
            expires_at=item.expires_at,
        )
        try:
            sender.send(message)
        except Exception as error:  # whatever a sender raises: record it, retry later
            reason = f"{type(error).__name__}: {error}"
            logger.warning("sending invitation %s failed: %s", item.invitation, reason)
            abandoned += records.failed(item.id, reason, now())
            failed.append((item.invitation, reason))
        else:
            records.sent(item.id, now())
            sent += 1
    return DeliveryReport(
        sent=sent,
        failed=tuple(failed),
        cancelled=cancelled,
        abandoned=abandoned,
        waiting=records.waiting(scope, now()),
    )
