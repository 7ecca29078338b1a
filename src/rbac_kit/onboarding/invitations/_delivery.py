"""Sending what the outbox holds: claim due emails, send each, record the outcome.

Runs after the changes that queued the emails have committed, with nothing
but the store and a :class:`~rbac_kit.Sender`; see ``store/_outbox.py`` for
the leases, the back-off and why delivery is at least once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ..._errors import InvalidInput
from ...store.invitations._records import InvitationStore
from .._mail import MessageContext, Sender, accept_url, invitation_message
from ._values import DeliveryReport

__all__ = ["deliver"]

logger = logging.getLogger(__name__)


def deliver(
    records: InvitationStore,
    sender: Sender,
    *,
    mail_from: str,
    base_url: str,
    now: Callable[[], dt.datetime],
    limit: int,
) -> DeliveryReport:
    """Send up to ``limit`` due emails, each with a freshly minted token."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(f"limit must be a positive whole number, got {limit!r}")
    claimed, cancelled = records.claim(now(), limit)
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
        waiting=records.waiting(now()),
    )
