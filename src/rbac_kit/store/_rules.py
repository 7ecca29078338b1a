"""Reading ``casbin_rule`` back, and finding where it differs from the compiled policy.

A store of 100k people holds about half a million lines, read in full each
time an Authorizer opens (see :meth:`Store.sync_rules
<rbac_kit.store.Store.sync_rules>`). They are read as plain tuples, without
ordering: building a mapping per row, or sorting by id, took most of the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeAlias, cast

from sqlalchemy import Connection, select

from ._owners import table
from ._rows import RULE_COLUMNS

__all__ = ["Line", "Stored", "differences", "in_step", "read_rules"]

#: A policy line: ptype, then its values.
Line: TypeAlias = tuple[str, ...]
#: A ``casbin_rule`` row: its id and the line it holds.
Stored: TypeAlias = tuple[int, Line]


def _line(values: Sequence[str | None]) -> Line:
    """The line a row's ptype and values hold: up to the first NULL."""
    end = values.index(None) if None in values else len(values)
    # Nothing before the first None is None.
    return cast(Line, tuple(values[:end]))


def read_rules(conn: Connection) -> list[Stored]:
    """Every ``casbin_rule`` row, in no particular order."""
    t = table("casbin_rule")
    query = select(t.c.id, t.c.ptype, *(t.c[c] for c in RULE_COLUMNS))
    return [(row[0], _line(tuple(row)[1:])) for row in conn.execute(query).all()]


#: Reads every row's line as the database driver returns it, with no per-row wrapping.
_SELECT_LINES = f"SELECT ptype, {', '.join(RULE_COLUMNS)} FROM casbin_rule"
#: A row's width: ptype and the value columns.
_WIDTH = 1 + len(RULE_COLUMNS)
#: The NULLs that fill a line of each length out to a row's width.
_PADDING: tuple[tuple[None, ...], ...] = tuple((None,) * (_WIDTH - n) for n in range(_WIDTH + 1))


def in_step(conn: Connection, wanted: Iterable[Line]) -> bool:
    """True when the rows hold each wanted line exactly once, and nothing else.

    Compared as the driver returns rows (``ptype, v0..v5`` with NULLs), against
    the wanted lines padded the same way: the cheapest comparison of half a
    million rows, several times faster than going through :func:`read_rules`.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_SELECT_LINES)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    padding = _PADDING
    try:
        padded = {line + padding[len(line)] for line in wanted}
    except IndexError:
        return False  # a line too long to be stored at all; the repair names it
    return len(rows) == len(padded) and set(rows) == padded


def differences(stored: Iterable[Stored], wanted: set[Line]) -> tuple[list[int], set[Line]]:
    """The ids of rows to delete (unwanted lines, and every copy but the oldest) and the
    lines to insert."""
    ids: dict[Line, list[int]] = {}
    for ident, line in stored:
        ids.setdefault(line, []).append(ident)
    stale = [
        i
        for line, found in ids.items()
        for i in (found if line not in wanted else sorted(found)[1:])
    ]
    return stale, wanted - ids.keys()
