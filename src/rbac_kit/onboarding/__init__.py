"""Bringing people in: invitations by email and by link, CSV import and export, mail, passwords."""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from .._lazy import lazy_names as _lazy_names
from ._mail import ConsoleSender, MemorySender, OutboxFolderSender, Security, Sender, SmtpSender
from ._passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    OWASP_ARGON2ID,
    HashProgress,
    PasswordCheck,
    PasswordHashing,
    check_password_strength,
    default_workers,
    hash_password,
    hash_passwords,
    verify_password,
)
from .csv import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ExportKind,
    ImportReport,
    PeopleKind,
    csv_template,
    export_csv,
    import_people,
)
from .invitations import (
    DEFAULT_EMAIL_DAYS,
    INVALID_TOKEN_MESSAGE,
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
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_PASSWORD_LENGTH",
    "MIN_EMAIL_DAYS",
    "MIN_PASSWORD_LENGTH",
    "OWASP_ARGON2ID",
    "ConsoleSender",
    "DeliveryReport",
    "ExportKind",
    "HashProgress",
    "ImportReport",
    "Invitation",
    "InvitationKind",
    "InvitationPage",
    "InvitationStatus",
    "Invitations",
    "Invitee",
    "IssuedLink",
    "LinkJoin",
    "MemorySender",
    "OutboxFolderSender",
    "PasswordCheck",
    "PasswordHashing",
    "PeopleKind",
    "Security",
    "Sender",
    "SmtpSender",
    "check_password_strength",
    "csv_template",
    "default_workers",
    "export_csv",
    "hash_password",
    "hash_passwords",
    "import_people",
    "verify_password",
]

if _TYPE_CHECKING:
    from .invitations import Invitations


__getattr__, __dir__ = _lazy_names(__name__, {"Invitations": "rbac_kit.onboarding.invitations"})
