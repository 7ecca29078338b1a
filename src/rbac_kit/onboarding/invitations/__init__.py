"""Invitations: values, tokens, offers, the service, acceptance and delivery."""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ..._errors import INVALID_TOKEN_MESSAGE
from ..._lazy import lazy_names as _lazy_names
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


__getattr__, __dir__ = _lazy_names(
    __name__, {"Invitations": "rbac_kit.onboarding.invitations._service"}
)
