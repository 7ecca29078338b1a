"""What each admin list shows: its table, columns, sort keys, counts, search keys and filters.

The queries that search, filter, sort and page with these are in
``_lists.py``; its docstring says what the columns and counts mean. To add a
kind of list, add a :class:`Kind` to :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    union,
)

from ..._errors import InvalidInput
from ...model._values import Environment, Status
from .._owners import table

__all__ = ["COLUMNS", "FILTERS", "KINDS", "Column", "Filter", "Kind", "binary", "named", "one_of"]


# -- columns -----------------------------------------------------------------------

#: An SQL expression built over a kind's table (the table of the enclosing query).
Build: TypeAlias = Callable[[Table], ColumnElement[Any]]


def _same(value: Any) -> object:
    return value


@attrs.frozen
class Column:
    """A shown column: its value, its sort keys and how a value reaches the row."""

    value: Build
    #: The sort keys, given the table and whether text needs the "C" collation.
    keys: Callable[[Table, bool], list[ColumnElement[Any]]]
    convert: Callable[[Any], object] = _same


def binary(expr: ColumnElement[Any], postgres: bool) -> ColumnElement[Any]:
    """Text compared by code point: SQLite's default BINARY, PostgreSQL's "C"."""
    return expr.collate("C") if postgres else expr


def _text(name: str, key: str | None = None) -> Column:
    """A text column; with ``key``, sorted case-insensitively by that casefolded column."""
    by = key or name

    def keys(t: Table, postgres: bool) -> list[ColumnElement[Any]]:
        return [binary(t.c[by], postgres)]

    return Column(value=lambda t: t.c[name], keys=keys)


def _plain(name: str) -> Column:
    """A number or boolean column."""
    return Column(value=lambda t: t.c[name], keys=lambda t, _: [t.c[name]])


def _counted(build: Build) -> Column:
    """A count, sorted as a number."""
    return Column(value=build, keys=lambda t, _: [build(t)])


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
    return [binary(key, postgres)]


def _sorted_tuple(value: Any) -> object:
    return tuple(sorted(value))


_ENVIRONMENTS = Column(
    value=lambda t: t.c.environments, keys=_environments_key, convert=_sorted_tuple
)


# -- filters -----------------------------------------------------------------------


@attrs.frozen
class Filter:
    """A filter: how its value is checked, and the condition it adds."""

    check: Callable[[str, str], str]
    where: Callable[[Table, str], ColumnElement[bool]]


def named(name: str, value: str) -> str:
    """A filter value naming an id: any text but the empty one."""
    if not value:
        raise InvalidInput(f"filter {name!r} needs a value (e.g. {name}=<id>)")
    return value


def one_of(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    """A check that a filter value is one of ``choices``."""

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
        "group": Filter(named, _in_group),
        "role": Filter(named, lambda t, v: t.c.role == v),
        "status": Filter(one_of(tuple(s.value for s in Status)), lambda t, v: t.c.status == v),
    }
)
_API_FILTERS = MappingProxyType(
    {
        "category": Filter(named, lambda t, v: t.c.category == v),
        "environment": Filter(
            one_of(tuple(e.value for e in Environment)), lambda t, v: t.c.environment == v
        ),
    }
)
_NO_FILTERS: Mapping[str, Filter] = MappingProxyType({})

# -- kinds -------------------------------------------------------------------------


def _everything(_: Table) -> list[ColumnElement[bool]]:
    return []


def _of_kind(kind: str) -> Callable[[Table], list[ColumnElement[bool]]]:
    return lambda t: [t.c.kind == kind]


@attrs.frozen
class Kind:
    """One list: the table it reads, its rows, columns, searched keys and filters."""

    table: str
    #: Conditions picking this kind's rows, besides the workspace.
    where: Callable[[Table], list[ColumnElement[bool]]]
    #: The shown columns, in order.
    columns: Mapping[str, Column]
    #: The casefolded key columns a search looks in.
    searched: tuple[str, ...]
    filters: Mapping[str, Filter]


def _people(kind: str, second: tuple[str, Column], searched: tuple[str, ...]) -> Kind:
    columns = {
        "id": _text("id"),
        "email": _text("email", "email_key"),
        second[0]: second[1],
        "role": _text("role"),
        "status": _text("status"),
        # Kept on the row by the store (``people.group_count``), not counted per page.
        "groups": _plain("group_count"),
    }
    return Kind("people", _of_kind(kind), MappingProxyType(columns), searched, _PEOPLE_FILTERS)


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "users": _people("user", ("name", _text("name", "name_key")), ("email_key", "name_key")),
        "customers": _people(
            "customer",
            ("customer_id", _text("customer_id", "customer_id_key")),
            ("email_key", "customer_id_key"),
        ),
        "groups": Kind(
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
        "roles": Kind(
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
        "apis": Kind(
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
    {kind: tuple(spec.columns) for kind, spec in KINDS.items()}
)
#: The filters each kind of list takes.
FILTERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {kind: tuple(sorted(spec.filters)) for kind, spec in KINDS.items()}
)
