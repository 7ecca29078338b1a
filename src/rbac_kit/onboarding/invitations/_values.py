"""The value objects of onboarding: invitees, invitations, link joins, pages and delivery reports.

Frozen, keyword-only attrs classes checked at construction, like the rest of
the model (``_model.py``). An invitation is not an entity of the
:class:`~rbac_kit.Directory`: until it is accepted it gives no access at all,
so it lives only in the store and never in the compiled policy.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

import attrs

from ..._errors import InvalidInput
from ...model import _validate as v
from ._tokens import new_invitation_id

__all__ = [
    "DEFAULT_EMAIL_DAYS",
    "LINK_LIFETIME",
    "MAX_EMAIL_DAYS",
    "MIN_EMAIL_DAYS",
    "DeliveryReport",
    "Invitation",
    "InvitationKind",
    "InvitationPage",
    "InvitationStatus",
    "Invitee",
    "IssuedLink",
    "LinkJoin",
]

#: How long an email invitation lasts unless told otherwise, in days.
DEFAULT_EMAIL_DAYS = 7
#: The shortest and the longest an email invitation may last, in days.
MIN_EMAIL_DAYS = 1
MAX_EMAIL_DAYS = 30
#: How long an invitation link lasts after it is created (or regenerated).
LINK_LIFETIME = dt.timedelta(hours=24)


class InvitationKind(enum.StrEnum):
    """How an invitation reaches people."""

    EMAIL = "email"  #: sent to one address, accepted once, by that address
    LINK = "link"  #: a link anyone holding it may join through until it expires


class InvitationStatus(enum.StrEnum):
    """Where an invitation stands, as of the time it was read."""

    PENDING = "pending"  #: may be accepted
    ACCEPTED = "accepted"  #: an email invitation that was accepted
    REVOKED = "revoked"  #: revoked, or replaced by a newer invitation to the same address
    EXPIRED = "expired"  #: its time ran out before it was accepted
    FAILED = "failed"  #: acceptance found it can no longer be honoured (see ``problem``)


def email_days(value: Any) -> int:
    """Check how many days an email invitation lasts: a whole number from 1 to 30."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"days must be a whole number, got {type(value).__name__} {value!r}")
    if not MIN_EMAIL_DAYS <= value <= MAX_EMAIL_DAYS:
        raise InvalidInput(
            f"an invitation lasts {MIN_EMAIL_DAYS} to {MAX_EMAIL_DAYS} days, got {value}"
        )
    return value


def _email(value: Any) -> str:
    return v.email("email", value)


def _optional_email(value: Any) -> str | None:
    return None if value is None else _email(value)


def _role(value: Any) -> str:
    return v.entity_id("role id", value)


def _groups(values: Any) -> frozenset[str]:
    # A lone string is one group, not a set of one-letter ones.
    if isinstance(values, str):
        values = (values,)
    return frozenset(v.entity_id("group id", x) for x in values)


def _customer_id(value: Any) -> str | None:
    return None if value is None else v.customer_id("Customer ID", value)


def _default_role(invitee: Invitee) -> str:
    return "customer" if invitee.customer_id is not None else "member"


@attrs.frozen(kw_only=True)
class Invitee:
    """Someone to invite by email: a user, or a customer when a Customer ID is given.

    ``role`` defaults to ``customer`` for a customer and ``member`` for a user.
    """

    email: str = attrs.field(converter=_email)
    customer_id: str | None = attrs.field(default=None, converter=_customer_id)
    role: str = attrs.field(default=attrs.Factory(_default_role, takes_self=True), converter=_role)
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_groups)


@attrs.frozen(kw_only=True)
class Invitation:
    """An invitation by email or by link, as the store holds it.

    ``status`` is as of the moment it was read (a pending invitation past its
    ``expires_at`` reads as expired). Tokens are never part of it: the store
    keeps only their hashes.
    """

    id: str
    workspace: str
    kind: InvitationKind = attrs.field(converter=InvitationKind)
    #: The invited address (email invitations only).
    email: str | None = attrs.field(converter=_optional_email)
    role: str = attrs.field(converter=_role)
    groups: frozenset[str] = attrs.field(converter=_groups)
    #: The Customer ID the invitee gets: set for customer invitations only.
    customer_id: str | None = attrs.field(default=None, converter=_customer_id)
    #: The subject that invited (``user:<id>``).
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    status: InvitationStatus = attrs.field(converter=InvitationStatus)
    #: Why the invitation failed, or what replaced it.
    problem: str | None = None
    #: The subject created when an email invitation was accepted.
    accepted_by: str | None = None
    accepted_at: dt.datetime | None = None
    #: How many people joined through a link.
    joins: int = 0

    def __attrs_post_init__(self) -> None:
        if (self.kind is InvitationKind.EMAIL) != (self.email is not None):
            raise InvalidInput(
                f"invitation {self.id}: an email invitation, and only one, has an email"
            )
        if self.kind is InvitationKind.LINK and self.customer_id is not None:
            raise InvalidInput(f"invitation {self.id}: a link cannot carry a Customer ID")

    @property
    def for_customer(self) -> bool:
        """True when accepting creates a customer (a Customer ID was given)."""
        return self.customer_id is not None


def email_invitation(
    invitee: Invitee, workspace: str, *, by: str, at: dt.datetime, days: int
) -> Invitation:
    """A new pending email invitation of ``invitee``, made by ``by`` at ``at``."""
    return Invitation(
        id=new_invitation_id(),
        workspace=workspace,
        kind=InvitationKind.EMAIL,
        email=invitee.email,
        role=invitee.role,
        groups=invitee.groups,
        customer_id=invitee.customer_id,
        created_by=by,
        created_at=at,
        expires_at=at + dt.timedelta(days=days),
        status=InvitationStatus.PENDING,
    )


def link_invitation(
    workspace: str, role: str, groups: Iterable[str], *, by: str, at: dt.datetime
) -> Invitation:
    """A new pending invitation link, valid for :data:`LINK_LIFETIME` from ``at``."""
    return Invitation(
        id=new_invitation_id(),
        workspace=workspace,
        kind=InvitationKind.LINK,
        email=None,
        role=role,
        groups=groups,
        created_by=by,
        created_at=at,
        expires_at=at + LINK_LIFETIME,
        status=InvitationStatus.PENDING,
    )


@attrs.frozen(kw_only=True)
class IssuedLink:
    """An invitation link just created or regenerated, with its token (shown this once)."""

    invitation: Invitation
    #: The link to hand out: the configured base URL with the token.
    url: str = attrs.field(repr=False)
    token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class LinkJoin:
    """Someone who joined a workspace through an invitation link."""

    invitation: str
    workspace: str
    #: The subject created (``user:<id>``).
    subject: str
    email: str
    joined_at: dt.datetime


@attrs.frozen(kw_only=True)
class InvitationPage:
    """One page of a workspace's invitations and how many matched in all."""

    invitations: tuple[Invitation, ...]
    total: int
    offset: int
    limit: int


@attrs.frozen(kw_only=True)
class DeliveryReport:
    """What one :meth:`Invitations.deliver <rbac_kit.Invitations.deliver>` run did."""

    #: Messages handed to the sender without error.
    sent: int = 0
    #: ``(invitation id, error)`` of each send that failed (it is retried later).
    failed: tuple[tuple[str, str], ...] = ()
    #: Messages dropped because their invitation was revoked, replaced, accepted or expired.
    cancelled: int = 0
    #: Messages that gave up after their last attempt.
    abandoned: int = 0
    #: Messages still queued but not due yet (waiting out a back-off after a failure).
    waiting: int = 0
