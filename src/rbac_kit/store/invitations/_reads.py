"""Invitations in the database: rows to value objects, reads, and the invitation list.

Rows become :class:`~rbac_kit.Invitation` objects here and only here. The
status a caller sees is the stored one, except that a pending row past its
``expires_at`` reads as ``expired``: expiry needs no writer, and the same
expression filters and sorts the list in SQL, against the caller's clock.

The list follows the admin lists of ``_lists.py`` (a :class:`ListQuery`,
searched, filtered, sorted and paged in the database): search is a
case-insensitive substring of the email or Customer ID (both casefolded by
Python into ``*_key`` columns); filters are ``status``, ``kind``, ``role``
and ``created_by``; any shown column sorts, then the id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from ..._errors import InvalidInput, NotFound
from ...onboarding.invitations._values import (
    Invitation,
    InvitationKind,
    InvitationPage,
    InvitationStatus,
    LinkJoin,
)
from .._owners import table
from .._rows import Row, search_key, to_json
from ..lists._kinds import binary, named, one_of
from ..lists._run import ListQuery

__all__ = [
    "COLUMNS",
    "audit_rows",
    "effective_status",
    "invitation_from_row",
    "invitation_row",
    "invitations_page",
    "joins_of",
    "read_invitation",
]

#: The columns the invitation list sorts by, in the order a table shows them.
COLUMNS = (
    "id",
    "kind",
    "email",
    "customer_id",
    "role",
    "status",
    "created_by",
    "created_at",
    "expires_at",
    "joins",
)


def invitation_row(
    invitation: Invitation, *, valid_days: int, token_hash: str | None, updated_at: dt.datetime
) -> Row:
    """The ``invitations`` row of a new invitation."""
    return {
        "id": invitation.id,
        "workspace": invitation.workspace,
        "kind": invitation.kind.value,
        "email": invitation.email,
        "email_key": search_key(invitation.email),
        "role": invitation.role,
        "groups": sorted(invitation.groups),
        "customer_id": invitation.customer_id,
        "customer_id_key": search_key(invitation.customer_id),
        "created_by": invitation.created_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "valid_days": valid_days,
        "status": invitation.status.value,
        "problem": invitation.problem,
        "token_hash": token_hash,
        "accepted_by": invitation.accepted_by,
        "accepted_at": invitation.accepted_at,
        "updated_at": updated_at,
    }


def invitation_from_row(row: Mapping[str, Any], *, now: dt.datetime, joins: int = 0) -> Invitation:
    """The invitation an ``invitations`` row holds, its status as of ``now``."""
    stored = InvitationStatus(row["status"])
    expired = stored is InvitationStatus.PENDING and row["expires_at"] <= now
    return Invitation(
        id=row["id"],
        workspace=row["workspace"],
        kind=row["kind"],
        email=row["email"],
        role=row["role"],
        groups=frozenset(row["groups"]),
        customer_id=row["customer_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        status=InvitationStatus.EXPIRED if expired else stored,
        problem=row["problem"],
        accepted_by=row["accepted_by"],
        accepted_at=row["accepted_at"],
        joins=joins,
    )


def audit_rows(rows: list[Row]) -> list[dict[str, Any]]:
    """Rows as an audit event keeps them: times as ISO 8601 text, token hashes left out."""
    return [to_json({k: value for k, value in row.items() if k != "token_hash"}) for row in rows]


def read_invitation(conn: Connection, invitation_id: str) -> Row | None:
    """The ``invitations`` row with id ``invitation_id``, or None."""
    t = table("invitations")
    found = conn.execute(select(t).where(t.c.id == invitation_id)).mappings().first()
    return dict(found) if found is not None else None


def _joins_count(t: Table) -> ColumnElement[Any]:
    j = table("invitation_joins")
    return select(func.count()).where(j.c.invitation == t.c.id).scalar_subquery()


def effective_status(t: Table, now: dt.datetime) -> ColumnElement[Any]:
    """The status a reader sees, in SQL: a pending row past its expiry is ``expired``."""
    lapsed = and_(t.c.status == InvitationStatus.PENDING.value, t.c.expires_at <= now)
    return case((lapsed, literal(InvitationStatus.EXPIRED.value)), else_=t.c.status)


def joins_of(conn: Connection, invitation_id: str) -> list[LinkJoin]:
    """Everyone who joined through link ``invitation_id``, in the order they joined."""
    j = table("invitation_joins")
    query = select(j).where(j.c.invitation == invitation_id).order_by(j.c.joined_at, j.c.subject)
    return [
        LinkJoin(
            invitation=row["invitation"],
            workspace=row["workspace"],
            subject=row["subject"],
            email=row["email"],
            joined_at=row["joined_at"],
        )
        for row in conn.execute(query).mappings()
    ]


# -- the list ----------------------------------------------------------------------


def _sort_keys(t: Table, name: str, now: dt.datetime, postgres: bool) -> list[ColumnElement[Any]]:
    if name == "status":
        return [binary(effective_status(t, now), postgres)]
    if name == "joins":
        return [_joins_count(t)]
    if name in ("created_at", "expires_at"):
        return [t.c[name]]
    if name in ("email", "customer_id"):
        # Rows without one last (databases disagree where NULL sorts), then
        # case-insensitively, then by the exact text (as the people lists sort).
        missing = case((t.c[name].is_(None), 1), else_=0)
        return [missing, binary(t.c[f"{name}_key"], postgres), binary(t.c[name], postgres)]
    return [binary(t.c[name], postgres)]


_FILTERS: Mapping[str, Callable[[str, str], str]] = MappingProxyType(
    {
        "created_by": named,
        "kind": one_of(tuple(k.value for k in InvitationKind)),
        "role": named,
        "status": one_of(tuple(s.value for s in InvitationStatus)),
    }
)


def _conditions(
    t: Table, workspace: str, query: ListQuery, now: dt.datetime, postgres: bool
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [t.c.workspace == workspace]
    for name, value in query.filters.items():
        check = _FILTERS.get(name)
        if check is None:
            raise InvalidInput(
                f"cannot filter invitations by {name!r}: filters are {', '.join(sorted(_FILTERS))}"
            )
        wanted = check(name, value)
        column = effective_status(t, now) if name == "status" else t.c[name]
        conditions.append(column == wanted)
    if query.search is not None:
        term = query.search.casefold()
        conditions.append(
            or_(
                *(
                    binary(t.c[key], postgres).contains(term, autoescape=True)
                    for key in ("email_key", "customer_id_key")
                )
            )
        )
    return conditions


def invitations_page(
    conn: Connection, workspace: str, query: ListQuery, now: dt.datetime
) -> InvitationPage:
    """One page of the invitations of ``workspace``, their statuses as of ``now``.

    Raises:
        InvalidInput: an unknown sort column, filter name or filter value.
        NotFound: no workspace ``workspace``.
    """
    if query.sort not in COLUMNS:
        raise InvalidInput(
            f"cannot sort invitations by {query.sort!r}: columns are {', '.join(COLUMNS)}"
        )
    t = table("invitations")
    postgres = conn.dialect.name == "postgresql"
    where = _conditions(t, workspace, query, now, postgres)
    keys = _sort_keys(t, query.sort, now, postgres)
    if query.sort != "id":
        keys.append(binary(t.c.id, postgres))
    order = [k.desc() for k in keys] if query.descending else keys
    joins = _joins_count(t).label("joins_count")
    rows = conn.execute(
        select(t, joins).where(*where).order_by(*order).offset(query.offset).limit(query.limit)
    ).mappings()
    invitations = tuple(
        invitation_from_row(dict(row), now=now, joins=int(row["joins_count"])) for row in rows
    )
    w = table("workspaces")
    total, known = conn.execute(
        select(
            select(func.count()).select_from(t).where(*where).scalar_subquery(),
            exists().where(w.c.id == workspace),
        )
    ).one()
    if not known:
        raise NotFound(f"no workspace {workspace!r}")
    return InvitationPage(
        invitations=invitations, total=int(total), offset=query.offset, limit=query.limit
    )
