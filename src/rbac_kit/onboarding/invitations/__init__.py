"""Invitations: values, tokens, offers, the service, acceptance and delivery."""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ..._errors import INVALID_TOKEN_MESSAGE
from ._values import (
    DEFAULT_EMAIL_DAYS,
    LINK_LIFETIME,
    MAX_EMAIL_DAYS,
    MIN_EMAIL_DAYS,
    DeliveryReport,
    Invitation,
    InvitationKind,
    InvitationPage,
    InvitationStatus,
    Invitee,
    IssuedLink,
    LinkJoin,
)

__all__ = [
    "DEFAULT_EMAIL_DAYS",
    "INVALID_TOKEN_MESSAGE",
    "LINK_LIFETIME",
    "MAX_EMAIL_DAYS",
    "MIN_EMAIL_DAYS",
    "DeliveryReport",
    "Invitation",
    "InvitationKind",
    "InvitationPage",
    "InvitationStatus",
    "Invitations",
    "Invitee",
    "IssuedLink",
    "LinkJoin",
]

if _TYPE_CHECKING:
    from ._service import Invitations


def __getattr__(name: str) -> object:
    """``Invitations``, imported on first use: the service works on a store (SQLAlchemy)."""
    if name == "Invitations":
        from ._service import Invitations

        return Invitations
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "Invitations"})
