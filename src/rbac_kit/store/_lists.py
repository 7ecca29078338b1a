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

To add a kind (invitations, say), add a :class:`_Kind` to :data:`_KINDS`: its
table, the rows of one workspace that belong to it, its columns, searched
keys and filters.

:class:`ListQuery` and :class:`Page` live in ``_list_query.py`` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)

from .._errors import InvalidInput, NotFound
from .._model import Environment, Status
from ._list_query import MAX_LIMIT, MAX_SEARCH, ListQuery, Page
from ._owners import table

__all__ = [
    "COLUMNS",
    "FILTERS",
    "MAX_LIMIT",
    "MAX_SEARCH",
    "ListQuery",
    "Page",
    "list_page",
]


# -- columns -----------------------------------------------------------------------

#: An SQL expression built over a kind's table (the table of the enclosing query).
Build: TypeAlias = Callable[[Table], ColumnElement[Any]]


def _same(value: Any) -> object:
    return value


@attrs.frozen
class _Column:
    """A shown column: its value, its sort keys and how a value reaches the row."""

    value: Build
    #: The sort keys, given the table and whether text needs the "C" collation.
    keys: Callable[[Table, bool], list[ColumnElement[Any]]]
    convert: Callable[[Any], object] = _same


def _binary(expr: ColumnElement[Any], postgres: bool) -> ColumnElement[Any]:
    """Text compared by code point: SQLite's default BINARY, PostgreSQL's "C"."""
    return expr.collate("C") if postgres else expr


def _text(name: str, key: str | None = None) -> _Column:
    """A text column; with ``key``, sorted case-insensitively by that casefolded column."""
    by = key or name

    def keys(t: Table, postgres: bool) -> list[ColumnElement[Any]]:
        return [_binary(t.c[by], postgres)]

    return _Column(value=lambda t: t.c[name], keys=keys)


def _plain(name: str) -> _Column:
    """A number or boolean column."""
    return _Column(value=lambda t: t.c[name], keys=lambda t, _: [t.c[name]])


def _counted(build: Build) -> _Column:
    """A count, sorted as a number."""
    return _Column(value=build, keys=lambda t, _: [build(t)])


def _count(where: Callable[[Table, Table], list[ColumnElement[bool]]], inner: str) -> Build:
    """``COUNT(*)`` of the rows of table ``inner`` that ``where`` relates to the outer row."""

    def build(t: Table) -> ColumnElement[Any]:
        other = table(inner)
        return select(func.count()).where(*where(t, other)).scalar_subquery()

    return build


_group_members = _count(
    lambda g, m: [m.c.workspace == g.c.workspace, m.c.group_id == g.c.id], "group_members"
)
_group_apis = _count(
    lambda g, x: [
        x.c.workspace == g.c.workspace,
        x.c.target_kind == "group",
        x.c.target_id == g.c.id,
    ],
    "grants",
)
_role_members = _count(lambda r, p: [p.c.workspace == r.c.workspace, p.c.role == r.c.id], "people")
_api_groups = _count(
    lambda a, x: [x.c.workspace == a.c.workspace, x.c.api == a.c.id, x.c.target_kind == "group"],
    "grants",
)


def _api_reach(kind: str) -> Build:
    """The number of distinct users or customers on an API's access list (see above).

    The members of granted groups are asked for as ``group_id IN (granted
    groups)``: written as a join, SQLite (without statistics) walks every
    membership of the kind instead of the few granted groups' members.
    """

    def build(a: Table) -> ColumnElement[Any]:
        grants, members = table("grants"), table("group_members")
        on_api = [grants.c.workspace == a.c.workspace, grants.c.api == a.c.id]
        direct = select(grants.c.target_id.label("person")).where(
            *on_api, grants.c.target_kind == kind
        )
        granted = select(grants.c.target_id).where(*on_api, grants.c.target_kind == "group")
        via_group = select(members.c.person_id).where(
            members.c.workspace == a.c.workspace,
            members.c.kind == kind,
            members.c.group_id.in_(granted.correlate(a)),
        )
        paths = [direct, via_group]
        if kind == "customer":
            paths.append(_by_customer_id(a))
        reach = union(*(p.correlate(a) for p in paths)).subquery()
        count = select(func.count()).select_from(reach)
        if kind == "customer":
            ex = table("exclusions")
            excluded = (
                select(ex.c.customer)
                .where(ex.c.workspace == a.c.workspace, ex.c.api == a.c.id)
                .correlate(a)
            )
            count = count.where(reach.c.person.not_in(excluded))
        return count.scalar_subquery()

    return build


def _by_customer_id(a: Table) -> Select[tuple[str]]:
    """The customers whose Customer ID is recorded on API ``a``."""
    seen, people = table("api_customer_ids"), table("people")
    joined = seen.join(
        people,
        and_(people.c.workspace == seen.c.workspace, people.c.customer_id == seen.c.customer_id),
    )
    return (
        select(people.c.id)
        .select_from(joined)
        .where(seen.c.workspace == a.c.workspace, seen.c.api == a.c.id)
    )


def _environments_key(t: Table, postgres: bool) -> list[ColumnElement[Any]]:
    """A role's environments as their sorted names, each followed by a comma.

    Built from the JSON text by matching each quoted name, so it reads the same
    whatever spacing or order the database's JSON text has.
    """
    text = cast(t.c.environments, Text)
    key: ColumnElement[Any] = literal("")
    for env in sorted(e.value for e in Environment):
        found = text.contains(f'"{env}"', autoescape=True)
        key = key + case((found, literal(f"{env},")), else_=literal(""))
    return [_binary(key, postgres)]


def _sorted_tuple(value: Any) -> object:
    return tuple(sorted(value))


_ENVIRONMENTS = _Column(
    value=lambda t: t.c.environments, keys=_environments_key, convert=_sorted_tuple
)


# -- filters -----------------------------------------------------------------------


@attrs.frozen
class _Filter:
    """A filter: how its value is checked, and the condition it adds."""

    check: Callable[[str, str], str]
    where: Callable[[Table, str], ColumnElement[bool]]


def _named(name: str, value: str) -> str:
    if not value:
        raise InvalidInput(f"filter {name!r} needs a value (e.g. {name}=<id>)")
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    def check(name: str, value: str) -> str:
        if value not in choices:
            raise InvalidInput(f"filter {name}={value!r} is not one of: {', '.join(choices)}")
        return value

    return check


def _in_group(t: Table, group: str) -> ColumnElement[bool]:
    m = table("group_members")
    return exists().where(
        m.c.workspace == t.c.workspace,
        m.c.kind == t.c.kind,
        m.c.person_id == t.c.id,
        m.c.group_id == group,
    )


_PEOPLE_FILTERS = MappingProxyType(
    {
        "group": _Filter(_named, _in_group),
        "role": _Filter(_named, lambda t, v: t.c.role == v),
        "status": _Filter(_one_of(tuple(s.value for s in Status)), lambda t, v: t.c.status == v),
    }
)
_API_FILTERS = MappingProxyType(
    {
        "category": _Filter(_named, lambda t, v: t.c.category == v),
        "environment": _Filter(
            _one_of(tuple(e.value for e in Environment)), lambda t, v: t.c.environment == v
        ),
    }
)
_NO_FILTERS: Mapping[str, _Filter] = MappingProxyType({})

# -- kinds -------------------------------------------------------------------------


def _everything(_: Table) -> list[ColumnElement[bool]]:
    return []


def _of_kind(kind: str) -> Callable[[Table], list[ColumnElement[bool]]]:
    return lambda t: [t.c.kind == kind]


@attrs.frozen
class _Kind:
    """One list: the table it reads, its rows, columns, searched keys and filters."""

    table: str
    #: Conditions picking this kind's rows, besides the workspace.
    where: Callable[[Table], list[ColumnElement[bool]]]
    #: The shown columns, in order.
    columns: Mapping[str, _Column]
    #: The casefolded key columns a search looks in.
    searched: tuple[str, ...]
    filters: Mapping[str, _Filter]


def _people(kind: str, second: tuple[str, _Column], searched: tuple[str, ...]) -> _Kind:
    columns = {
        "id": _text("id"),
        "email": _text("email", "email_key"),
        second[0]: second[1],
        "role": _text("role"),
        "status": _text("status"),
        # Kept on the row by the store (``people.group_count``), not counted per page.
        "groups": _plain("group_count"),
    }
    return _Kind("people", _of_kind(kind), MappingProxyType(columns), searched, _PEOPLE_FILTERS)


_KINDS: Mapping[str, _Kind] = MappingProxyType(
    {
        "users": _people("user", ("name", _text("name", "name_key")), ("email_key", "name_key")),
        "customers": _people(
            "customer",
            ("customer_id", _text("customer_id", "customer_id_key")),
            ("email_key", "customer_id_key"),
        ),
        "groups": _Kind(
            "groups",
            _everything,
            MappingProxyType(
                {
                    "id": _text("id"),
                    "name": _text("name", "name_key"),
                    "members": _counted(_group_members),
                    "apis": _counted(_group_apis),
                }
            ),
            ("name_key",),
            _NO_FILTERS,
        ),
        "roles": _Kind(
            "roles",
            _everything,
            MappingProxyType(
                {
                    "id": _text("id"),
                    "name": _text("name", "name_key"),
                    "builtin": _plain("builtin"),
                    "api_scope": _text("api_scope"),
                    "environments": _ENVIRONMENTS,
                    "members": _counted(_role_members),
                }
            ),
            ("name_key",),
            _NO_FILTERS,
        ),
        "apis": _Kind(
            "apis",
            _everything,
            MappingProxyType(
                {
                    "id": _text("id"),
                    "name": _text("name", "name_key"),
                    "environment": _text("environment"),
                    "category": _text("category"),
                    "users": _counted(_api_reach("user")),
                    "customers": _counted(_api_reach("customer")),
                    "groups": _counted(_api_groups),
                }
            ),
            ("name_key",),
            _API_FILTERS,
        ),
    }
)

#: The columns each kind of list shows, in order: every row maps exactly these.
COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {kind: tuple(spec.columns) for kind, spec in _KINDS.items()}
)
#: The filters each kind of list takes.
FILTERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {kind: tuple(sorted(spec.filters)) for kind, spec in _KINDS.items()}
)

# -- the page ----------------------------------------------------------------------


def _kind(kind: Any) -> _Kind:
    spec = _KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise InvalidInput(f"cannot list {kind!r}: kinds are {', '.join(sorted(_KINDS))}")
    return spec


def _column(kind: str, spec: _Kind, name: str) -> _Column:
    column = spec.columns.get(name)
    if column is None:
        raise InvalidInput(f"cannot sort {kind} by {name!r}: columns are {', '.join(spec.columns)}")
    return column


def _conditions(
    kind: str, spec: _Kind, t: Table, query: ListQuery, postgres: bool
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
            _binary(t.c[key], postgres).contains(term, autoescape=True) for key in spec.searched
        ]
        conditions.append(or_(*matches))
    return conditions


def _order(
    t: Table, column: _Column, sort: str, descending: bool, postgres: bool
) -> list[ColumnElement[Any]]:
    """Sort keys of ``column``, then the id unless that is the column: a total order."""
    keys = column.keys(t, postgres)
    if sort != "id":
        keys.append(_binary(t.c.id, postgres))
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
    spec: _Kind,
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
