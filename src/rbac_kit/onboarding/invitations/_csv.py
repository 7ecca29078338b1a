"""Invitations as CSV: one row per invitation or link, safe to open in a spreadsheet.

No secrets: tokens are never stored, and their hashes are not exported.
Groups are one cell, separated as the import format separates them
(``_csv_format.GROUP_SEPARATOR``). Times are ISO 8601 in UTC. Every cell
goes through the same :func:`~rbac_kit.onboarding.csv._safety.write_csv` as the
people exports, so a cell a spreadsheet would run as a formula (an email
such as ``=1+2@example.com`` is valid) is shown as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TextIO

from ...model._convert import format_time
from ..csv._format import GROUP_SEPARATOR
from ..csv._safety import write_csv
from ._values import Invitation

__all__ = ["INVITATION_CSV_COLUMNS", "write_invitations_csv"]

#: The header of an invitations export, in order.
INVITATION_CSV_COLUMNS = (
    "id",
    "kind",
    "email",
    "customer_id",
    "role",
    "groups",
    "status",
    "problem",
    "created_by",
    "created_at",
    "expires_at",
    "accepted_by",
    "accepted_at",
    "joins",
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, frozenset):
        return GROUP_SEPARATOR.join(sorted(str(v) for v in value))
    return str(value)


def _row(invitation: Invitation) -> list[str]:
    values = {
        "id": invitation.id,
        "kind": invitation.kind.value,
        "email": invitation.email,
        "customer_id": invitation.customer_id,
        "role": invitation.role,
        "groups": invitation.groups,
        "status": invitation.status.value,
        "problem": invitation.problem,
        "created_by": invitation.created_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_by": invitation.accepted_by,
        "accepted_at": invitation.accepted_at,
        "joins": invitation.joins,
    }
    return [_text(values[column]) for column in INVITATION_CSV_COLUMNS]


def write_invitations_csv(invitations: Iterable[Invitation], out: TextIO) -> int:
    """Write the header and one row per invitation to ``out``; return the rows written."""
    return write_csv(out, INVITATION_CSV_COLUMNS, (_row(i) for i in invitations))
