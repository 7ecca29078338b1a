"""Lists: the admin screens' tables, searched, filtered, sorted and paged in SQL.

::

    page = store.list("users", "acme", ListQuery(search="ann", sort="email", limit=20))
    page.total                          # users matching, before paging
    [row["email"] for row in page.rows]

A list is one kind of entity of one workspace; :data:`COLUMNS` names the
columns each kind shows (every row is a dict of exactly those) and
:data:`FILTERS` the filters it takes. Nothing is loaded into Python but the
page: the database counts, filters, sorts and cuts.

**Search** is a case-insensitive substring of the text a kind shows: users by
email and name, customers by email and Customer ID, groups, roles and APIs by
name. Both sides are compared casefolded by Python (the term here, the text in
the ``*_key`` columns the store writes beside it), never by SQL ``lower()``,
which folds ASCII only on SQLite and by locale on PostgreSQL: so a search
finds the same rows on both, in any script. ``%`` and ``_`` in a term are
literal.

**Sort** is by any shown column, in either direction, then by the id (the
primary key within a list), so paging is stable and ``descending`` gives
exactly the reverse order. Text is compared by code point: SQLite's BINARY
collation and PostgreSQL's ``"C"``, never the database's locale, whose order
differs between servers. Searched text (emails, names, Customer IDs) sorts
case-insensitively, by its casefolded key (``Ann`` and ``ann`` tie, and the
id decides); other text (ids, roles, statuses, environments, categories) by
the exact text. Counts
and booleans sort as numbers (false first); a role's environments by their
sorted names joined with commas (``development,production`` before
``production``).

**Counts.** ``groups`` of a person: the groups they are a member of, which the
store keeps on the person's row (``people.group_count``, written with it).
``members`` of a group: its users and customers; of a role: the people who
hold it. ``apis`` of a group: the APIs granted to the group. The APIs list
shows, per API, how many users, customers and groups *have access*, meaning
are on the API's access list (the paths of :meth:`rbac_kit.WorkspaceData.access`):

- ``groups``: the groups with a grant on the API;
- ``users``: the distinct users with a direct grant on the API, or a member of
  a group with a grant on it;
- ``customers``: the distinct customers with a direct grant, a member of a
  group with a grant, or whose Customer ID is among the API's recorded
  Customer IDs, less the customers excluded from the API (removed from its
  access list, or matched by Revoke All Access).

These count access *paths*, whatever the person's status and role: a disabled
user with a grant is on the list, and someone whose role reaches every API
(the all-APIs scope) is not, unless a path puts them there. Who may use the
API right now is :meth:`rbac_kit.Authorizer.subjects_for`.

The other counts are computed for the rows of the page only, unless the sort is by
a count: then for every matching row.

The kinds, their columns, counts and filters are defined in
``_list_kinds.py``; to add a kind, add a ``Kind`` to ``KINDS`` there.

:class:`ListQuery` and :class:`Page` live in ``_list_query.py`` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    exists,
    func,
    or_,
    select,
)

from ..._errors import InvalidInput, NotFound
from .._owners import table
from ._kinds import COLUMNS, FILTERS, KINDS, Column, Kind, binary
from ._query import MAX_LIMIT, MAX_SEARCH, ListQuery, Page

__all__ = [
    "COLUMNS",
    "FILTERS",
    "MAX_LIMIT",
    "MAX_SEARCH",
    "ListQuery",
    "Page",
    "list_page",
]


# -- the page ----------------------------------------------------------------------


def _kind(kind: Any) -> Kind:
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise InvalidInput(f"cannot list {kind!r}: kinds are {', '.join(sorted(KINDS))}")
    return spec


def _column(kind: str, spec: Kind, name: str) -> Column:
    column = spec.columns.get(name)
    if column is None:
        raise InvalidInput(f"cannot sort {kind} by {name!r}: columns are {', '.join(spec.columns)}")
    return column


def _conditions(
    kind: str, spec: Kind, t: Table, query: ListQuery, postgres: bool
) -> list[ColumnElement[bool]]:
    """The filters' and the search's conditions (checked against the kind).

    The search compares bytes (the "C" collation on PostgreSQL too, where LIKE
    under a locale's collation is slower and gives the same rows).
    """
    conditions = spec.where(t)
    for name, value in query.filters.items():
        found = spec.filters.get(name)
        if found is None:
            allowed = ", ".join(sorted(spec.filters)) or "none"
            raise InvalidInput(f"cannot filter {kind} by {name!r}: filters are {allowed}")
        conditions.append(found.where(t, found.check(name, value)))
    if query.search is not None:
        term = query.search.casefold()
        matches = [
            binary(t.c[key], postgres).contains(term, autoescape=True) for key in spec.searched
        ]
        conditions.append(or_(*matches))
    return conditions


def _order(
    t: Table, column: Column, sort: str, descending: bool, postgres: bool
) -> list[ColumnElement[Any]]:
    """Sort keys of ``column``, then the id unless that is the column: a total order."""
    keys = column.keys(t, postgres)
    if sort != "id":
        keys.append(binary(t.c.id, postgres))
    return [k.desc() for k in keys] if descending else keys


#: The column of the page query that carries the total, where it is counted there.
_TOTAL = "rbac_kit_total"


def _counted_in_page(query: ListQuery, postgres: bool) -> bool:
    """Whether the page query counts the matching rows itself (a window count).

    A search is a scan of every candidate row, and a second scan to count
    them costs as much again. PostgreSQL counts in the page's own scan when
    there is a search. SQLite does not: it keeps a separate count, because
    it walks ``ix_people_list`` in email order and stops after one page,
    which a window count would prevent, and materialising every match for
    the window costs it more than counting twice.
    """
    return postgres and query.search is not None


def _total(
    conn: Connection,
    t: Table,
    workspace: str,
    where: list[ColumnElement[bool]],
    query: ListQuery,
    page: _Found,
) -> int:
    """The rows matching ``where``; counted again only when the page cannot tell.

    The page knows when its query counted (see :func:`_counted_in_page`), and
    when it holds some rows but fewer than the limit: it is the end of the
    list. An empty page may mean an unknown workspace: the count query also
    asks whether the workspace exists.
    """
    if page.rows and page.total is not None:
        return page.total
    if 0 < len(page.rows) < query.limit:
        return query.offset + len(page.rows)
    w = table("workspaces")
    count = select(func.count()).select_from(t).where(*where).scalar_subquery()
    known = exists().where(w.c.id == workspace)
    found, total = conn.execute(select(known, count)).one()
    if not found:
        raise NotFound(f"no workspace {workspace!r}")
    return int(total)


def list_page(conn: Connection, kind: str, workspace: str, query: ListQuery) -> Page:
    """One page of list ``kind`` of ``workspace``, read in ``conn``'s transaction.

    Raises:
        InvalidInput: an unknown kind, sort column, filter name or filter value.
        NotFound: no workspace ``workspace``.
    """
    spec = _kind(kind)
    column = _column(kind, spec, query.sort)
    t = table(spec.table)
    postgres = conn.dialect.name == "postgresql"
    where = [t.c.workspace == workspace, *_conditions(kind, spec, t, query, postgres)]
    order = _order(t, column, query.sort, query.descending, postgres)
    found = _rows(conn, spec, t, where, order, query, count=_counted_in_page(query, postgres))
    total = _total(conn, t, workspace, where, query, found)
    return Page(rows=found.rows, total=total, offset=query.offset, limit=query.limit)


@attrs.frozen
class _Found:
    """A page's rows, and the total when the page query counted it."""

    rows: tuple[Mapping[str, object], ...]
    total: int | None


def _rows(
    conn: Connection,
    spec: Kind,
    t: Table,
    where: list[ColumnElement[bool]],
    order: list[ColumnElement[Any]],
    query: ListQuery,
    *,
    count: bool,
) -> _Found:
    """The page's rows: their keys picked and cut first, then their columns computed."""
    pk = [c.name for c in t.primary_key.columns]
    keys: list[ColumnElement[Any]] = [t.c[c] for c in pk]
    if count:
        keys.append(func.count().over().label(_TOTAL))
    page = (
        select(*keys)
        .where(*where)
        .order_by(*order)
        .offset(query.offset)
        .limit(query.limit)
        .subquery()
    )
    shown: list[ColumnElement[Any]] = [
        col.value(t).label(name) for name, col in spec.columns.items()
    ]
    if count:
        shown.append(page.c[_TOTAL])
    joined = t.join(page, and_(*(t.c[c] == page.c[c] for c in pk)))
    found = conn.execute(select(*shown).select_from(joined).order_by(*order)).mappings().all()
    rows = tuple(
        {name: col.convert(row[name]) for name, col in spec.columns.items()} for row in found
    )
    return _Found(rows=rows, total=int(found[0][_TOTAL]) if count and found else None)
