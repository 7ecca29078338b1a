"""``init``: create the store at ``--db`` (or bring it up to date), and say which.

It is the one command whose job is to make a store; the others open the
store that is there (``demo`` makes its own, ``--create`` lets any command
make one), so a mistyped ``--db`` is an error, never a new empty store.
"""

from __future__ import annotations

import argparse

from ..store import shown_url
from ._args import Subparsers, command
from ._context import Context

__all__ = ["register"]


def _init(ctx: Context, a: argparse.Namespace) -> int:
    revision = ctx.store.revision()
    where = shown_url(ctx.db)
    ctx.emit(
        {"store": where, "created": not ctx.existed, "revision": revision},
        f"the store at {where} is up to date (revision {revision})"
        if ctx.existed
        else f"created the store at {where}",
    )
    return 0


def register(commands: Subparsers) -> None:
    """Add ``init`` to the top-level parser."""
    p = command(
        commands,
        "init",
        _init,
        help="create and migrate the store at --db; on a store that is there, only bring "
        "its schema up to date",
    )
    p.set_defaults(makes_store=True)
