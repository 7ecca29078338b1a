"""Export as CSV: users, customers, groups with their members, and an API's access list.

Every cell goes through :func:`~rbac_kit.onboarding.csv._safety.neutralise`, so a
spreadsheet opening the file runs no formula; nothing secret is written (no
password hash, no token, no internal revision). Exports are authorized like
the lists an admin screen shows: ``view_people`` in the workspace, and for an
API's access list also ``view_api`` on that API.

What each export holds (one header row, then one row per line below):

- ``users`` / ``customers``: the import format (``_csv_format.py``) plus
  ``status``, the ``password`` cell always empty; so the file imports into
  another workspace as it is (with ``require_passwords=False``), giving the
  same people, roles, groups, Customer IDs and statuses. Sorted by email.
- ``groups``: ``group_id,group_name,member,kind,email,name``, one row per
  member of each group (a group with no members gets one row with empty
  member cells). Sorted by group name, then member.
- ``access``: ``subject,kind,email,name,role,status,direct,groups,customer_id,allowed``
  for one API: first each group granted the API (``direct`` is ``yes``),
  then each user or customer who has access, with each path: ``direct``
  (``yes``/``no``: a grant of their own), ``groups`` (the ``;``-separated
  ids of the granted groups they are in) and ``customer_id`` (their Customer
  ID, when the API's traffic shows it); ``allowed`` says whether
  ``can(subject, "view_api", api)`` holds now (a disabled person, or a role
  without ``view_api``, has a path but is not allowed).
  As in the API list's counts, these are access *paths*: someone whose role
  reaches every API is not listed unless a path puts them there, and a
  customer excluded from the API is not listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, TextIO, TypeAlias

from ..._authorizer import Authorizer
from ..._errors import InvalidInput
from ...admin import _guards as g
from ...model._catalog import Permission
from ...model._directory import Person, WorkspaceData
from ...model._subjects import split_name
from ...model._values import Api, Customer
from ._format import COLUMNS, GROUP_SEPARATOR
from ._safety import write_csv

__all__ = ["ExportKind", "export_csv"]

#: What :func:`export_csv` writes.
ExportKind: TypeAlias = Literal["users", "customers", "groups", "access"]

GROUP_COLUMNS = ("group_id", "group_name", "member", "kind", "email", "name")
ACCESS_COLUMNS = (
    "subject",
    "kind",
    "email",
    "name",
    "role",
    "status",
    "direct",
    "groups",
    "customer_id",
    "allowed",
)
_KINDS = ("users", "customers", "groups", "access")


def export_csv(
    authz: Authorizer,
    actor: str,
    workspace: str,
    what: ExportKind,
    out: TextIO,
    *,
    api: str | None = None,
) -> int:
    """Write one export of ``workspace`` to ``out`` as CSV; return the data rows written.

    Args:
        authz: the authorizer to read.
        actor: who exports; needs ``view_people`` (and ``view_api`` on ``api``).
        workspace: the workspace.
        what: ``users``, ``customers``, ``groups`` or ``access``.
        out: a text stream (open files with ``newline=""``).
        api: the API whose access list to write (only, and always, for ``access``).

    Raises:
        Forbidden: the actor may not view people (or the API).
        InvalidInput: an unknown ``what``, or ``api`` missing or given wrongly.
        NotFound: no such API.
    """
    if what not in _KINDS:
        raise InvalidInput(f"export {what!r} is not one of: {', '.join(_KINDS)}")
    if (what == "access") != (api is not None):
        raise InvalidInput(
            "an access export needs the API (api=...)"
            if what == "access"
            else f"api= is only for an access export, not {what!r}"
        )
    g.authorize(authz, actor, Permission.VIEW_PEOPLE, workspace)
    data = authz.directory.workspace(workspace)
    if what == "access":
        assert api is not None
        _, target = g.authorize_api(authz, actor, Permission.VIEW_API, workspace, api)
        return write_csv(out, ACCESS_COLUMNS, _access_rows(authz, data, target))
    if what == "groups":
        return write_csv(out, GROUP_COLUMNS, _group_rows(data))
    people: Sequence[Person] = (
        list(data.users.values()) if what == "users" else list(data.customers.values())
    )
    return write_csv(out, (*COLUMNS[what], "status"), _people_rows(people))


def _groups(person: Person) -> str:
    return GROUP_SEPARATOR.join(sorted(person.groups))


def _people_rows(people: Sequence[Person]) -> Iterator[Sequence[str]]:
    """Rows in the import format's column order (``COLUMNS`` then ``status``)."""
    for p in sorted(people, key=lambda p: (p.email.casefold(), p.id)):
        if isinstance(p, Customer):
            yield (p.email, p.name or "", p.customer_id, p.role, _groups(p), "", p.status.value)
        else:
            yield (p.email, p.name, p.role, _groups(p), "", p.status.value)


def _group_rows(data: WorkspaceData) -> Iterator[Sequence[str]]:
    for group in sorted(data.groups.values(), key=lambda x: (x.name.casefold(), x.id)):
        members = [data.person(s) for s in sorted(data.members.get(group.id, ()))]
        present = [m for m in members if m is not None]
        if not present:
            yield (group.id, group.name, "", "", "", "")
        for m in sorted(present, key=lambda m: (m.kind.value, m.email.casefold())):
            yield (group.id, group.name, m.subject, m.kind.value, m.email, m.name or "")


def _access_rows(authz: Authorizer, data: WorkspaceData, api: Api) -> Iterator[Sequence[str]]:
    targets = sorted(data.grants_by_api.get(api.id, ()))
    groups = [ident for kind, ident in map(split_name, targets) if kind == "group"]
    for group_id in groups:
        group = data.groups.get(group_id)
        name = group.name if group is not None else ""
        yield (f"group:{group_id}", "group", "", name, "", "", "yes", "", "", "")
    reached = {t for t in targets if not t.startswith("group:")}
    for group_id in groups:
        reached |= set(data.members.get(group_id, ()))
    for cid in sorted(api.customer_ids):
        holder = data.customer_by_cid.get(cid)
        if holder is not None:
            reached.add(f"customer:{holder}")
    people = [p for s in reached if (p := data.person(s)) is not None]
    for p in sorted(people, key=lambda p: (p.kind.value, p.email.casefold(), p.id)):
        paths = data.access_paths(p.subject, api.id)
        if not paths.has_access:
            continue
        allowed = authz.can(p.subject, Permission.VIEW_API.value, api.object)
        yield (
            p.subject,
            p.kind.value,
            p.email,
            p.name or "",
            p.role,
            p.status.value,
            "yes" if paths.direct else "no",
            GROUP_SEPARATOR.join(paths.groups),
            paths.customer_id or "",
            "yes" if allowed else "no",
        )
