"""The rows each policy owner holds, taken from the directory or read from the database.

A change reports the policy *owners* it touched (see ``_directory.py``); the
store rewrites exactly their rows. An owner holds:

- ``("role", ws, id)``: its ``roles`` row;
- ``("subject", ws, "user:<id>" | "customer:<id>")``: its ``people`` row, its
  ``group_members`` rows, the ``grants`` whose target it is and (customers)
  its ``exclusions``;
- ``("group", ws, id)``: its ``groups`` row and the ``grants`` to the group;
- ``("api", ws, id)``: its ``apis`` row and its ``api_customer_ids``.

Every row belongs to exactly one owner, so the rows of a set of owners read
from the database (before a change) and taken from the directory (after it)
cover the same ground and can be compared row by row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeAlias

import attrs
from sqlalchemy import Connection, Select, Table, bindparam, select

from ..model._directory import Directory, WorkspaceData
from ..model._subjects import PolicyOwner, split_name
from ._rows import (
    Row,
    api_customer_id_rows,
    api_row,
    exclusion_row,
    grant_row,
    group_row,
    membership_rows,
    person_row,
    role_row,
)
from ._schema import Base

__all__ = ["TABLE_ORDER", "TableRows", "primary_key", "read_rows", "rows_in_directory"]

#: Rows by table, then by primary key.
TableRows: TypeAlias = dict[str, dict[tuple[Any, ...], Row]]

#: The owned tables, parents before children (the order rows are inserted in).
TABLE_ORDER = (
    "roles",
    "groups",
    "apis",
    "people",
    "group_members",
    "grants",
    "exclusions",
    "api_customer_ids",
)

_CHUNK = 500


def table(name: str) -> Table:
    """The :class:`Table` named ``name``."""
    return Base.metadata.tables[name]


def primary_key(table_name: str, row: Row) -> tuple[Any, ...]:
    """The primary key of ``row`` in table ``table_name``."""
    return tuple(row[c.name] for c in table(table_name).primary_key.columns)


def empty() -> TableRows:
    """No rows in any owned table."""
    return {name: {} for name in TABLE_ORDER}


def _add(rows: TableRows, table_name: str, row: Row) -> None:
    rows[table_name][primary_key(table_name, row)] = row


def rows_in_directory(directory: Directory, owners: Iterable[PolicyOwner]) -> TableRows:
    """The rows ``owners`` hold in the directory's current state."""
    rows = empty()
    workspaces = {data.workspace.id: data for data in directory.workspaces()}
    for kind, ws, ident in owners:
        data = workspaces.get(ws)
        if data is None:
            continue
        if kind == "role":
            role = data.roles.get(ident)
            if role is not None:
                _add(rows, "roles", role_row(role))
        elif kind == "subject":
            _subject_rows(rows, data, ident)
        elif kind == "group":
            group = data.groups.get(ident)
            if group is not None:
                _add(rows, "groups", group_row(group))
            _grant_rows(rows, data, f"group:{ident}")
        else:
            api = data.apis.get(ident)
            if api is not None:
                _add(rows, "apis", api_row(api))
                for row in api_customer_id_rows(api):
                    _add(rows, "api_customer_ids", row)
    return rows


def _subject_rows(rows: TableRows, data: WorkspaceData, subject: str) -> None:
    person = data.person(subject)
    if person is not None:
        _add(rows, "people", person_row(person))
        for row in membership_rows(person):
            _add(rows, "group_members", row)
    _grant_rows(rows, data, subject)
    for api in data.excluded_apis.get(subject, ()):
        _add(rows, "exclusions", exclusion_row(data.workspace.id, api, subject))


def _grant_rows(rows: TableRows, data: WorkspaceData, target: str) -> None:
    for api in data.grants_by_target.get(target, ()):
        _add(rows, "grants", grant_row(data.grants[(api, target)]))


@attrs.frozen
class _Slice:
    """The rows of one table that owners of one kind hold, and how to select them."""

    table: str
    owner_kind: str
    id_column: str
    #: The column holding the subject kind (``user`` / ``customer``), for subject owners.
    kind_column: str | None = None
    #: The only subject kind this table holds rows for.
    only_kind: str | None = None
    #: A column fixed to one value (grants to groups).
    fixed: tuple[str, str] | None = None


_SLICES = (
    _Slice("roles", "role", "id"),
    _Slice("people", "subject", "id", kind_column="kind"),
    _Slice("group_members", "subject", "person_id", kind_column="kind"),
    _Slice("grants", "subject", "target_id", kind_column="target_kind"),
    _Slice("exclusions", "subject", "customer", only_kind="customer"),
    _Slice("groups", "group", "id"),
    _Slice("grants", "group", "target_id", fixed=("target_kind", "group")),
    _Slice("apis", "api", "id"),
    _Slice("api_customer_ids", "api", "api"),
)


def read_rows(conn: Connection, owners: Iterable[PolicyOwner]) -> TableRows:
    """The rows ``owners`` hold in the database, as of ``conn``'s transaction."""
    # (owner kind, workspace, subject kind) -> ids
    wanted: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for kind, ws, ident in owners:
        if kind == "subject":
            subject_kind, person_id = split_name(ident)
            wanted[(kind, ws, subject_kind)].append(person_id)
        else:
            wanted[(kind, ws, "")].append(ident)
    rows = empty()
    for (owner_kind, ws, subject_kind), ids in sorted(wanted.items()):
        for part in _SLICES:
            if part.owner_kind != owner_kind or part.only_kind not in (None, subject_kind):
                continue
            query = _slice_query(part)
            params = {"ws": ws, "kind": subject_kind} if part.kind_column else {"ws": ws}
            unique = sorted(set(ids))
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                for found in conn.execute(query, {**params, "ids": chunk}).mappings():
                    _add(rows, part.table, dict(found))
    return rows


@cache
def _slice_query(part: _Slice) -> Select[Any]:
    """The rows of ``part`` of workspace ``:ws`` (and kind ``:kind``) whose ids are ``:ids``.

    Built once per slice: a change reads a few slices, and building the
    statement would cost more than running it (see ``_statements.py``).
    """
    t = table(part.table)
    conditions = [t.c.workspace == bindparam("ws")]
    if part.kind_column is not None:
        conditions.append(t.c[part.kind_column] == bindparam("kind"))
    if part.fixed is not None:
        conditions.append(t.c[part.fixed[0]] == part.fixed[1])
    ids = t.c[part.id_column].in_(bindparam("ids", expanding=True))
    return select(t).where(*conditions, ids)
