"""Reading the whole store into a :class:`Directory`.

The directory is filled through its own methods, in dependency order
(workspaces, roles, groups, APIs, people, grants, exclusions), so its
indexes are exactly those the same changes made live would have built, and
every row is checked again on the way in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import Connection, select

from ..model._builtin import OWNER
from ..model._directory import Directory
from ..model._values import Grant
from . import _statements as statements
from ._owners import TABLE_ORDER, table
from ._rows import (
    Row,
    api_from_row,
    exclusion_from_row,
    grant_from_row,
    group_from_row,
    person_from_row,
    role_from_row,
    workspace_from_row,
)

__all__ = ["build_directory", "latest_revision", "read_all"]


def latest_revision(conn: Connection) -> int:
    """The newest audit revision (0 for a store nobody has changed)."""
    return int(conn.scalar(statements.latest_revision()) or 0)


def read_all(conn: Connection) -> dict[str, list[Row]]:
    """Every row of the entity tables, by table, in primary-key order."""
    rows: dict[str, list[Row]] = {}
    for name in ("workspaces", *TABLE_ORDER):
        t = table(name)
        result = conn.execute(select(t).order_by(*t.primary_key.columns))
        keys = list(result.keys())
        # zip, not .mappings(): a RowMapping per row doubles the cost of a large load.
        rows[name] = [dict(zip(keys, row, strict=True)) for row in result.all()]
    return rows


def build_directory(rows: Mapping[str, list[Row]]) -> Directory:
    """A directory holding exactly the entities of ``rows`` (see :func:`read_all`)."""
    directory = Directory()
    for row in rows["workspaces"]:
        directory.add_workspace(workspace_from_row(row))
    for row in rows["roles"]:
        role = role_from_row(row)
        # Built-in roles come with the workspace; Owner is never edited, and the
        # others only need writing when an administrator changed them.
        if role.builtin and (role.id == OWNER or directory.role(role.workspace, role.id) == role):
            continue
        directory.put_role(role)
    for row in rows["groups"]:
        directory.put_group(group_from_row(row))
    customer_ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows["api_customer_ids"]:
        customer_ids[(row["workspace"], row["api"])].append(row["customer_id"])
    for row in rows["apis"]:
        directory.put_api(api_from_row(row, customer_ids[(row["workspace"], row["id"])]))
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows["group_members"]:
        groups[(row["workspace"], row["kind"], row["person_id"])].append(row["group_id"])
    for row in rows["people"]:
        key = (row["workspace"], row["kind"], row["id"])
        directory.put_person(person_from_row(row, groups[key]))
    for row in rows["grants"]:
        directory.add_access(grant_from_row(row))
    for row in rows["exclusions"]:
        exclude(directory, row)
    return directory


def exclude(directory: Directory, row: Mapping[str, object]) -> None:
    """Exclude a customer from an API, as an ``exclusions`` row says.

    The directory records an exclusion when an entry is taken off an API's
    access list, so the customer is given a direct grant and then taken off:
    the grant goes, the exclusion stays.
    """
    exclusion = exclusion_from_row(row)
    subject = f"customer:{exclusion.customer}"
    directory.add_access(Grant(workspace=exclusion.workspace, api=exclusion.api, target=subject))
    directory.remove_access(exclusion.workspace, exclusion.api, subject)
