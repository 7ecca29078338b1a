"""``list KIND WORKSPACE``: the admin lists, searched, filtered, sorted and paged in SQL."""

from __future__ import annotations

import argparse
from typing import Any

from .. import InvalidInput
from ..store import COLUMNS, ListQuery
from ._context import Context

__all__ = ["register"]


def _filters(values: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for value in values:
        name, sep, wanted = value.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--filter takes NAME=VALUE, got {value!r}")
        filters[name.strip()] = wanted.strip()
    return filters


def _list(ctx: Context, a: argparse.Namespace) -> int:
    query = ListQuery(
        search=a.search,
        filters=_filters(a.filter),
        sort=a.sort or COLUMNS[a.kind][0],
        descending=a.desc,
        offset=a.offset,
        limit=a.limit,
    )
    page = ctx.reads.list(ctx.reader, workspace=a.workspace, kind=a.kind, query=query)
    if ctx.as_json:
        ctx.emit(
            {
                "rows": [dict(r) for r in page.rows],
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
            },
            "",
        )
        return 0
    ctx.table(COLUMNS[a.kind], page.rows)
    last = page.offset + len(page.rows)
    shown = f"{page.offset + 1}-{last}" if page.rows else "none"
    ctx.print(f"\n{shown} of {page.total} {a.kind}")
    return 0


def register(commands: Any) -> None:
    """Add ``list`` to the top-level parser."""
    p = commands.add_parser(
        "list",
        help="list users, customers, groups, roles or APIs (needs --as)",
        description="Search (case-insensitive substring), filter, sort and page a list. "
        "Filters: people by role, group, status; APIs by environment, category.",
    )
    p.add_argument("kind", choices=sorted(COLUMNS))
    p.add_argument("workspace")
    p.add_argument("--search", "-s", help="case-insensitive substring of names, emails, IDs")
    p.add_argument("--filter", "-f", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--sort", help="a column (default: the first)")
    p.add_argument("--desc", action="store_true", help="sort in descending order")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=_list)
