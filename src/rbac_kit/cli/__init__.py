"""The ``rbac-kit`` command line.

``rbac-kit [--db URL] [--as SUBJECT] [--json] COMMAND ...``: every management
operation (``workspace``, ``role``, ``user``, ``customer``, ``person``,
``group``, ``api``, ``access``), the lists (``list``), the decisions
(``check``, ``explain``, ``apis``, ``subjects``), ``policy export``, ``audit``,
the invitations (``invite``, ``invite-link``, ``accept``, ``invitations``),
CSV (``template``, ``import``, ``export``), the HTTP decision service
(``serve``) and ``demo``. ``--db`` defaults to ``$RBAC_KIT_DB`` or a SQLite
file ``rbac-kit.db`` in the current directory; ``--as`` (or
``$RBAC_KIT_ACTOR``) names the acting subject of a change.

Exit status: 0 success (or allowed), 1 denied, 2 error; errors print one line
to standard error naming what was wrong, and change nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import RbacKitError
from . import _csvio, _decide, _demo, _invite, _lists, _manage, _serve
from ._context import DEFAULT_DB, Context

__all__ = ["main"]

ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(
        prog="rbac-kit",
        description="Manage workspaces, roles, people, groups and API access; ask decisions.",
    )
    parser.add_argument(
        "--db",
        help=f"SQLAlchemy URL of the store (default: $RBAC_KIT_DB or {DEFAULT_DB})",
    )
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="SUBJECT",
        help="the acting subject of a change, e.g. user:ann (default: $RBAC_KIT_ACTOR)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (_demo, _decide, _serve, _lists, _manage, _invite, _csvio):
        module.register(commands)
    return parser


def _database(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    demo_db = getattr(args, "demo_db", None)
    if demo_db is not None:
        return str(demo_db)
    return os.environ.get("RBAC_KIT_DB") or DEFAULT_DB


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok or allowed, 1 denied, 2 error)."""
    args = build_parser().parse_args(argv)
    ctx = Context(_database(args), actor=args.actor, as_json=args.json)
    try:
        status = args.handler(ctx, args)
    except RbacKitError as error:
        print(f"rbac-kit: error: {error}", file=sys.stderr)
        return ERROR
    except OSError as error:
        print(f"rbac-kit: error: {error}", file=sys.stderr)
        return ERROR
    finally:
        ctx.close()
    return int(status or 0)
