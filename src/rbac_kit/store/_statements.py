"""The statements every change runs, built once and reused with bound parameters.

Building a SQLAlchemy statement (its expressions, then its cache key) costs
more Python than sending it: about 0.2 ms each, and a change runs a dozen.
These are built on first use and kept, so a change pays only for executing
them; SQLAlchemy's compiled cache does the rest. Each takes its values as
bound parameters, named after the columns (``k_<column>`` for a primary key
column matched, ``v_<column>`` for a value set).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    String,
    Update,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from ._owners import table
from ._rows import RULE_COLUMNS

__all__ = [
    "delete_by_key",
    "delete_rules",
    "insert_into",
    "latest_revision",
    "notify",
    "update_by_key",
    "workspace_by_id",
]


@cache
def latest_revision() -> Select[tuple[int | None]]:
    """The newest audit revision (NULL for a store nobody has changed)."""
    t = table("audit_events")
    return select(func.max(t.c.revision))


@cache
def workspace_by_id() -> Select[tuple[str, str, int]]:
    """The ``workspaces`` row whose id is ``:id``."""
    t = table("workspaces")
    return select(t).where(t.c.id == bindparam("id"))


@cache
def insert_into(name: str) -> Insert:
    """Insert rows into table ``name`` (values named after the columns)."""
    return insert(table(name))


@cache
def delete_by_key(name: str) -> Delete:
    """Delete the row of table ``name`` whose primary key is ``:k_<column>``..."""
    t = table(name)
    return delete(t).where(*(c == bindparam(f"k_{c.name}") for c in t.primary_key.columns))


@cache
def update_by_key(name: str) -> Update:
    """Set every other column (``:v_<column>``) of the row keyed ``:k_<column>``..."""
    t = table(name)
    keys = set(t.primary_key.columns)
    return (
        update(t)
        .where(*(c == bindparam(f"k_{c.name}") for c in t.primary_key.columns))
        .values({c.name: bindparam(f"v_{c.name}") for c in t.columns if c not in keys})
    )


@cache
def delete_rules(arity: int) -> Delete:
    """Delete every ``casbin_rule`` copy of a line of ``arity`` values (``:k_ptype``...)."""
    t = table("casbin_rule")
    used = ["ptype", *RULE_COLUMNS[:arity]]
    return delete(t).where(
        *(t.c[c] == bindparam(f"k_{c}") for c in used),
        *(t.c[c].is_(None) for c in RULE_COLUMNS[arity:]),
    )


@cache
def notify() -> Select[tuple[None]]:
    """PostgreSQL's ``pg_notify(:channel || current_schema(), :payload)``.

    The channel is per schema: stores in other schemas of the same database
    announce their changes on channels of their own.
    """
    channel = func.concat(bindparam("channel", type_=String), func.current_schema())
    return select(func.pg_notify(channel, bindparam("payload", type_=String)))
