"""Rows and domain objects, converted in one place.

A row is a plain ``dict`` of column values (what SQLAlchemy Core reads and
writes); these functions turn value objects into rows and rows back into
value objects, which re-checks every field on the way in. The audit log keeps
rows as JSON: :func:`to_json` / :func:`from_json` convert the few values JSON
cannot hold (times) with the library's one converter (``model/_convert.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from .._errors import InvalidInput
from ..model._convert import as_utc, parse_time, to_jsonable
from ..model._subjects import split_name
from ..model._values import Api, Customer, Exclusion, Grant, Group, Role, User, Workspace

__all__ = [
    "REDACTED",
    "Row",
    "api_customer_id_rows",
    "api_from_row",
    "api_row",
    "exclusion_from_row",
    "exclusion_row",
    "from_json",
    "grant_from_row",
    "grant_row",
    "group_from_row",
    "group_row",
    "is_redacted",
    "membership_rows",
    "person_from_row",
    "person_row",
    "redact_password",
    "role_from_row",
    "role_row",
    "rule_from_row",
    "rule_row",
    "search_key",
    "to_json",
    "workspace_from_row",
    "workspace_row",
]

#: One row: column name -> value.
Row: TypeAlias = dict[str, Any]

#: Columns of ``casbin_rule`` that hold a line's values, in order.
RULE_COLUMNS = ("v0", "v1", "v2", "v3", "v4", "v5")
#: Columns whose values are datetimes, read back from ISO 8601 text by :func:`from_json`.
_TIME_COLUMNS = frozenset({"granted_at", "time"})


def workspace_row(workspace: Workspace, revision: int) -> Row:
    """The ``workspaces`` row of ``workspace`` at ``revision``."""
    return {"id": workspace.id, "name": workspace.name, "revision": revision}


def workspace_from_row(row: Mapping[str, Any]) -> Workspace:
    """The workspace a ``workspaces`` row holds."""
    return Workspace(id=row["id"], name=row["name"])


def role_row(role: Role) -> Row:
    """The ``roles`` row of ``role``."""
    return {
        "workspace": role.workspace,
        "id": role.id,
        "name": role.name,
        "name_key": role.name.casefold(),
        "permissions": sorted(role.permissions),
        "environments": sorted(e.value for e in role.environments),
        "api_scope": role.api_scope.value,
        "builtin": role.builtin,
    }


def role_from_row(row: Mapping[str, Any]) -> Role:
    """The role a ``roles`` row holds."""
    return Role(
        workspace=row["workspace"],
        id=row["id"],
        name=row["name"],
        permissions=frozenset(row["permissions"]),
        environments=frozenset(row["environments"]),
        api_scope=row["api_scope"],
        builtin=bool(row["builtin"]),
    )


def person_row(person: User | Customer) -> Row:
    """The ``people`` row of a user or customer (its groups are membership rows)."""
    customer_id = person.customer_id if isinstance(person, Customer) else None
    password_hash = person.password_hash
    return {
        "workspace": person.workspace,
        "kind": person.kind.value,
        "id": person.id,
        "email": person.email,
        "email_key": person.email.casefold(),
        "name": person.name,
        "name_key": search_key(person.name),
        "role": person.role,
        "status": person.status.value,
        "customer_id": customer_id,
        "customer_id_key": search_key(customer_id),
        "password_hash": _text("password hash", password_hash),
        "group_count": len(person.groups),
    }


def person_from_row(row: Mapping[str, Any], groups: Iterable[str]) -> User | Customer:
    """The user or customer a ``people`` row holds, with its groups."""
    if row["kind"] == "customer":
        return Customer(
            workspace=row["workspace"],
            id=row["id"],
            email=row["email"],
            customer_id=row["customer_id"],
            role=row["role"],
            groups=frozenset(groups),
            status=row["status"],
            name=row["name"],
            password_hash=row["password_hash"],
        )
    return User(
        workspace=row["workspace"],
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        groups=frozenset(groups),
        status=row["status"],
        password_hash=row["password_hash"],
    )


def membership_rows(person: User | Customer) -> list[Row]:
    """The ``group_members`` rows of a person."""
    return [
        {
            "workspace": person.workspace,
            "kind": person.kind.value,
            "person_id": person.id,
            "group_id": group,
        }
        for group in sorted(person.groups)
    ]


def group_row(group: Group) -> Row:
    """The ``groups`` row of ``group``."""
    return {
        "workspace": group.workspace,
        "id": group.id,
        "name": group.name,
        "name_key": group.name.casefold(),
    }


def group_from_row(row: Mapping[str, Any]) -> Group:
    """The group a ``groups`` row holds."""
    return Group(workspace=row["workspace"], id=row["id"], name=row["name"])


def api_row(api: Api) -> Row:
    """The ``apis`` row of ``api`` (its Customer IDs are ``api_customer_ids`` rows)."""
    return {
        "workspace": api.workspace,
        "id": api.id,
        "name": api.name,
        "name_key": api.name.casefold(),
        "environment": api.environment.value,
        "category": api.category,
    }


def api_customer_id_rows(api: Api) -> list[Row]:
    """The ``api_customer_ids`` rows of ``api``."""
    return [
        {"workspace": api.workspace, "api": api.id, "customer_id": cid}
        for cid in sorted(api.customer_ids)
    ]


def api_from_row(row: Mapping[str, Any], customer_ids: Iterable[str]) -> Api:
    """The API an ``apis`` row holds, with its recorded Customer IDs."""
    return Api(
        workspace=row["workspace"],
        id=row["id"],
        name=row["name"],
        environment=row["environment"],
        category=row["category"],
        customer_ids=frozenset(customer_ids),
    )


def grant_row(grant: Grant) -> Row:
    """The ``grants`` row of ``grant`` (its time in UTC; a naive time is taken as UTC)."""
    kind, ident = split_name(grant.target)
    return {
        "workspace": grant.workspace,
        "api": grant.api,
        "target_kind": kind,
        "target_id": ident,
        "granted_by": _required_text("granted_by", grant.granted_by),
        "granted_at": as_utc("grant time", grant.granted_at),
    }


def grant_from_row(row: Mapping[str, Any]) -> Grant:
    """The grant a ``grants`` row holds."""
    return Grant(
        workspace=row["workspace"],
        api=row["api"],
        target=f"{row['target_kind']}:{row['target_id']}",
        granted_by=row["granted_by"],
        granted_at=row["granted_at"],
    )


def exclusion_row(workspace: str, api: str, subject: str) -> Row:
    """The ``exclusions`` row of ``subject`` (``customer:<id>``) on ``api``."""
    return {"workspace": workspace, "api": api, "customer": split_name(subject)[1]}


def exclusion_from_row(row: Mapping[str, Any]) -> Exclusion:
    """The exclusion an ``exclusions`` row holds."""
    return Exclusion(workspace=row["workspace"], api=row["api"], customer=row["customer"])


def rule_row(rule: tuple[str, ...]) -> Row:
    """The ``casbin_rule`` row of a policy line (``ptype``, then up to six values)."""
    values = rule[1:]
    if not values or len(values) > len(RULE_COLUMNS):
        raise InvalidInput(f"policy line {rule!r} must be a ptype and 1 to 6 values")
    row: Row = {"ptype": rule[0]}
    for i, column in enumerate(RULE_COLUMNS):
        row[column] = values[i] if i < len(values) else None
    return row


def rule_from_row(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The policy line a ``casbin_rule`` row holds (values up to the first NULL)."""
    values: list[str] = [row["ptype"]]
    for column in RULE_COLUMNS:
        value = row[column]
        if value is None:
            break
        values.append(value)
    return tuple(values)


def to_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` ready for a JSON column: its times as ISO 8601 text in UTC (``+00:00``)."""
    jsonable: dict[str, Any] = to_jsonable(dict(row))
    return jsonable


def from_json(row: Mapping[str, Any]) -> Row:
    """The inverse of :func:`to_json`: the time columns as aware UTC datetimes.

    Reads every form of time events have held (``+00:00``, ``Z``, with or
    without microseconds; a time with no offset is UTC).
    """
    return {k: parse_time(v) if k in _TIME_COLUMNS and v is not None else v for k, v in row.items()}


#: How an audit event shows a password hash: this prefix and a short fingerprint.
REDACTED = "redacted:"


def redact_password(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``people`` row as the audit log keeps it: the password hash replaced.

    The hash is a credential verifier and stays in the ``people`` table only.
    The audit row shows whether there is one and, by a 12-character SHA-256
    fingerprint, whether it changed; the fingerprint of a salted argon2 hash
    helps no one guess the password.
    """
    value = row.get("password_hash")
    if value is None or str(value).startswith(REDACTED):
        return dict(row)
    fingerprint = hashlib.sha256(str(value).encode()).hexdigest()[:12]
    return {**row, "password_hash": REDACTED + fingerprint}


def is_redacted(value: object) -> bool:
    """True for a password hash an audit event shows redacted (see :func:`redact_password`)."""
    return isinstance(value, str) and value.startswith(REDACTED)


def search_key(text: str | None) -> str | None:
    """The casefolded copy of a text column that lists search and sort by (see ``_lists.py``)."""
    return None if text is None else text.casefold()


def _text(field: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, got {type(value).__name__} {value!r}")
    return value


def _required_text(field: str, value: Any) -> str:
    text = _text(field, value)
    if not text:
        raise InvalidInput(f"{field} must be a non-empty string, got {value!r}")
    return text
