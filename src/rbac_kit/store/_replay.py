"""Replaying an audit event: bringing a directory's touched owners to the rows the event left.

An event lists the owners a change touched and the rows they held after it.
Applied to a directory that holds everything up to the revision before, it
makes the directory hold exactly what the writer's did after the change. It
works through the directory's own methods, in an order that keeps every
reference valid at each step:

1. create a workspace the event introduced;
2. take every touched person out (with their grants and exclusions), so
   emails, Customer IDs and subject names are free to move;
3. write the touched roles, groups and APIs that still exist;
4. put the touched people back as the rows say, then their grants, the
   touched groups' grants, and the exclusions;
5. delete the touched groups, APIs and roles that no longer exist.

The owners returned are those the event lists plus every owner the
directory reports along the way, so the compiler recompiles all of them.

Audit events do not hold password hashes (see
:func:`~rbac_kit.store._rows.redact_password`): the caller passes the touched
people's hashes as the ``people`` table holds them now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import NotFound
from ..model._builtin import OWNER
from ..model._directory import Directory
from ..model._subjects import PolicyOwner
from ._load import exclude
from ._rows import (
    api_from_row,
    from_json,
    grant_from_row,
    group_from_row,
    is_redacted,
    person_from_row,
    role_from_row,
    workspace_from_row,
)

if TYPE_CHECKING:
    from ._store import AuditEvent

__all__ = ["PasswordHashes", "replay"]

#: (workspace, subject kind, id) -> the person's password hash in the ``people`` table.
PasswordHashes = Mapping[tuple[str, str, str], "str | None"]


def _rows(event: AuditEvent, table: str) -> list[dict[str, Any]]:
    return [from_json(row) for row in event.after.get(table, ())]


def _has_workspace(directory: Directory, ws: str) -> bool:
    try:
        directory.workspace(ws)
    except NotFound:
        return False
    return True


def replay(
    directory: Directory, event: AuditEvent, password_hashes: PasswordHashes
) -> set[PolicyOwner]:
    """Make the owners ``event`` touched hold its rows; return every owner to recompile.

    ``password_hashes`` gives the hash of each touched person whose row the
    event shows redacted (events written before redaction hold the hash).
    """
    owners: set[PolicyOwner] = set(event.owners)
    for row in _rows(event, "workspaces"):
        if not _has_workspace(directory, row["id"]):
            owners |= directory.add_workspace(workspace_from_row(row))
    by_kind: dict[str, list[PolicyOwner]] = defaultdict(list)
    for owner in event.owners:
        by_kind[owner[0]].append(owner)
    for _, ws, subject in by_kind["subject"]:
        if directory.workspace_of(subject) == ws:
            owners |= directory.remove_person(subject)
    owners |= _write_entities(directory, event, password_hashes)
    owners |= _write_access(directory, event, by_kind["group"])
    owners |= _delete_missing(directory, event, by_kind)
    return owners


def _write_entities(
    directory: Directory, event: AuditEvent, password_hashes: PasswordHashes
) -> set[PolicyOwner]:
    owners: set[PolicyOwner] = set()
    for row in _rows(event, "roles"):
        role = role_from_row(row)
        current = directory.workspace(role.workspace).roles.get(role.id)
        if current != role and not (role.builtin and role.id == OWNER):
            owners |= directory.put_role(role)
    for row in _rows(event, "groups"):
        group = group_from_row(row)
        if directory.workspace(group.workspace).groups.get(group.id) != group:
            owners |= directory.put_group(group)
    customer_ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in _rows(event, "api_customer_ids"):
        customer_ids[(row["workspace"], row["api"])].append(row["customer_id"])
    for row in _rows(event, "apis"):
        api = api_from_row(row, customer_ids[(row["workspace"], row["id"])])
        if directory.workspace(api.workspace).apis.get(api.id) != api:
            owners |= directory.put_api(api)
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in _rows(event, "group_members"):
        groups[(row["workspace"], row["kind"], row["person_id"])].append(row["group_id"])
    for row in _rows(event, "people"):
        key = (row["workspace"], row["kind"], row["id"])
        if is_redacted(row["password_hash"]):
            row["password_hash"] = password_hashes.get(key)
        owners |= directory.put_person(person_from_row(row, groups[key]))
    return owners


def _write_access(
    directory: Directory, event: AuditEvent, groups: Iterable[PolicyOwner]
) -> set[PolicyOwner]:
    owners: set[PolicyOwner] = set()
    wanted = [grant_from_row(row) for row in _rows(event, "grants")]
    wanted_keys = {(g.workspace, g.api, g.target) for g in wanted}
    # Grants to touched groups that the event no longer lists.
    for _, ws, group in groups:
        if not _has_workspace(directory, ws):
            continue
        target = f"group:{group}"
        for api in sorted(directory.workspace(ws).grants_by_target.get(target, ())):
            if (ws, api, target) not in wanted_keys:
                owners |= directory.remove_access(ws, api, target)
    for grant in wanted:
        owners |= directory.add_access(grant)
    for row in _rows(event, "exclusions"):
        exclude(directory, row)
        owners.add(PolicyOwner("subject", row["workspace"], f"customer:{row['customer']}"))
    return owners


def _delete_missing(
    directory: Directory, event: AuditEvent, by_kind: dict[str, list[PolicyOwner]]
) -> set[PolicyOwner]:
    owners: set[PolicyOwner] = set()
    present = {
        "group": {(r["workspace"], r["id"]) for r in event.after.get("groups", ())},
        "api": {(r["workspace"], r["id"]) for r in event.after.get("apis", ())},
        "role": {(r["workspace"], r["id"]) for r in event.after.get("roles", ())},
    }
    for kind in ("group", "api", "role"):
        for _, ws, ident in by_kind[kind]:
            if (ws, ident) in present[kind] or not _has_workspace(directory, ws):
                continue
            data = directory.workspace(ws)
            if kind == "group" and ident in data.groups:
                owners |= directory.remove_group(ws, ident)
            elif kind == "api" and ident in data.apis:
                owners |= directory.remove_api(ws, ident)
            elif kind == "role" and ident in data.roles:
                owners |= directory.remove_role(ws, ident)
    return owners
