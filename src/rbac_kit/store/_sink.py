"""Writing one change: its rows, its Casbin lines, its audit event and revisions.

Everything here runs inside the caller's write transaction (see
``_engine.write_transaction``), so it commits together or not at all.

Rows are rewritten by difference: the rows the touched owners hold in the
database (before) are compared with the rows they hold in the directory
(after), and only rows that differ are deleted, updated or inserted. Deletes
run children first, inserts parents first, so every foreign key holds at
every statement.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from .._errors import InvalidInput
from ..model._directory import Directory
from ..model._subjects import OwnerKind, PolicyOwner
from ..policy._change import ChangeRecord
from . import _statements as statements
from ._extra import ExtraWrite
from ._owners import TABLE_ORDER, TableRows, read_rows, rows_in_directory, table
from ._rows import RULE_COLUMNS, Row, redact_password, rule_row, to_json, workspace_row

__all__ = [
    "NOTIFY_CHANNEL",
    "listen_name",
    "notify_channel",
    "owners_from_json",
    "write_change",
    "write_rules",
]

#: The PostgreSQL channel a committed change is announced on (payload: its revision)
#: is this prefix followed by the store's schema (see :func:`notify_channel`).
NOTIFY_CHANNEL = "rbac_kit_revision:"


def notify_channel(conn: Connection) -> str:
    """The channel changes to the store behind ``conn`` (PostgreSQL) are announced on.

    One per schema, so stores sharing a database do not wake each other. To
    listen: ``LISTEN`` followed by :func:`listen_name` of it.
    """
    return NOTIFY_CHANNEL + str(conn.exec_driver_sql("SELECT current_schema()").scalar_one())


def listen_name(channel: str) -> str:
    """``channel`` quoted as an identifier for ``LISTEN`` / ``UNLISTEN``."""
    return '"' + channel.replace('"', '""') + '"'


def write_change(
    conn: Connection,
    directory: Directory,
    record: ChangeRecord,
    *,
    revision: int,
    time: dt.datetime,
    extra: Sequence[ExtraWrite] = (),
) -> None:
    """Persist ``record`` (the directory already holds its new state) as ``revision``.

    ``extra`` (see ``_extra.py``) runs last, in order, in the same
    transaction; their workspaces count as touched and their rows join the
    audit event.
    """
    owners = sorted(record.owners)
    touched = {ws for _, ws, _ in owners} | {item.workspace for item in extra}
    workspaces = sorted(touched)
    ws_before, ws_after = _bump_workspaces(conn, directory, workspaces)
    old = read_rows(conn, owners)
    new = rows_in_directory(directory, owners)
    _write_rows(conn, old, new)
    write_rules(conn, removed=record.delta.removed, added=record.delta.added)
    before, after = _snapshot(ws_before, old), _snapshot(ws_after, new)
    for item in extra:
        extra_before, extra_after = item.write(conn, revision, time)
        for rows, more in ((before, extra_before), (after, extra_after)):
            for name, found in more.items():
                rows.setdefault(name, []).extend(found)
    conn.execute(
        statements.insert_into("audit_events"),
        {
            "revision": revision,
            "workspace": workspaces[0] if len(workspaces) == 1 else None,
            "actor": record.actor,
            "action": record.action,
            "target": record.target,
            "owners": [list(owner) for owner in owners],
            "before": before,
            "after": after,
            "time": time,
        },
    )
    if conn.dialect.name == "postgresql":
        conn.execute(statements.notify(), {"channel": NOTIFY_CHANNEL, "payload": str(revision)})


def _bump_workspaces(
    conn: Connection, directory: Directory, workspaces: Iterable[str]
) -> tuple[list[Row], list[Row]]:
    """Create missing workspace rows and add one to the revision of each; rows before/after."""
    known = {data.workspace.id: data.workspace for data in directory.workspaces()}
    before: list[Row] = []
    after: list[Row] = []
    for ws in workspaces:
        workspace = known.get(ws)
        if workspace is None:
            continue
        old = conn.execute(statements.workspace_by_id(), {"id": ws}).mappings().first()
        if old is None:
            row = workspace_row(workspace, 1)
            conn.execute(statements.insert_into("workspaces"), row)
        else:
            before.append(dict(old))
            row = workspace_row(workspace, old["revision"] + 1)
            _update(conn, "workspaces", [row])
        after.append(row)
    return before, after


def _write_rows(conn: Connection, old: TableRows, new: TableRows) -> None:
    for name in reversed(TABLE_ORDER):
        gone = [row for key, row in old[name].items() if key not in new[name]]
        _delete(conn, name, gone)
    for name in TABLE_ORDER:
        changed = [
            row for key, row in new[name].items() if key in old[name] and old[name][key] != row
        ]
        _update(conn, name, changed)
        _insert(conn, name, [row for key, row in new[name].items() if key not in old[name]])


def _delete(conn: Connection, name: str, rows: list[Row]) -> None:
    if not rows:
        return
    keys = [c.name for c in table(name).primary_key.columns]
    params = [{f"k_{k}": row[k] for k in keys} for row in rows]
    conn.execute(statements.delete_by_key(name), params)


def _update(conn: Connection, name: str, rows: list[Row]) -> None:
    if not rows:
        return
    t = table(name)
    keys = [c.name for c in t.primary_key.columns]
    values = [c.name for c in t.columns if c.name not in keys]
    params = [
        {**{f"k_{k}": row[k] for k in keys}, **{f"v_{v}": row[v] for v in values}} for row in rows
    ]
    conn.execute(statements.update_by_key(name), params)


def _insert(conn: Connection, name: str, rows: list[Row]) -> None:
    if rows:
        conn.execute(statements.insert_into(name), rows)


def write_rules(
    conn: Connection, *, removed: Iterable[tuple[str, ...]], added: Iterable[tuple[str, ...]]
) -> None:
    """Delete the ``casbin_rule`` rows of ``removed`` (every copy) and insert ``added``."""
    by_arity: dict[int, list[Row]] = defaultdict(list)
    for rule in sorted(removed):
        by_arity[len(rule) - 1].append(rule_row(rule))
    for arity, rows in sorted(by_arity.items()):
        used = ["ptype", *RULE_COLUMNS[:arity]]
        params = [{f"k_{c}": row[c] for c in used} for row in rows]
        conn.execute(statements.delete_rules(arity), params)
    rows = [rule_row(rule) for rule in sorted(added)]
    if rows:
        conn.execute(statements.insert_into("casbin_rule"), rows)


def _snapshot(workspaces: list[Row], rows: TableRows) -> dict[str, Any]:
    """Rows as the audit log keeps them: by table, sorted, JSON-ready, no password hashes."""
    out: dict[str, Any] = {}
    if workspaces:
        out["workspaces"] = [to_json(row) for row in workspaces]
    for name in TABLE_ORDER:
        if rows[name]:
            found = [row for _, row in sorted(rows[name].items())]
            if name == "people":
                found = [redact_password(row) for row in found]
            out[name] = [to_json(row) for row in found]
    return out


def owners_from_json(owners: Iterable[Iterable[str]]) -> list[PolicyOwner]:
    """The owners an audit event lists, as tuples."""
    result: list[PolicyOwner] = []
    for kind, ws, ident in owners:
        owner_kind = _OWNER_KINDS.get(kind)
        if owner_kind is None:
            raise InvalidInput(f"audit event names an unknown owner kind {kind!r}")
        result.append(PolicyOwner(owner_kind, ws, ident))
    return result


_OWNER_KINDS: dict[str, OwnerKind] = {
    "role": "role",
    "subject": "subject",
    "group": "group",
    "api": "api",
}
