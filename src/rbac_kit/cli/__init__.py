"""The ``rbac-kit`` command line.

``rbac-kit [--db URL] [--as SUBJECT] [--json] COMMAND ...``: every management
operation (``workspace``, ``role``, ``user``, ``customer``, ``person``,
``group``, ``api``, ``access``), the lists (``list``), the decisions
(``check``, ``explain``, ``apis``, ``subjects``), ``policy export``, ``audit``,
the invitations (``invite``, ``invite-link``, ``accept``, ``invitations``),
CSV (``template``, ``import``, ``export``), the HTTP decision service
(``serve``), ``init`` and ``demo``. ``--db`` defaults to ``$RBAC_KIT_DB`` or
a SQLite file ``rbac-kit.db`` in the current directory; ``--as`` (or
``$RBAC_KIT_ACTOR``) names the acting subject of a change. A store is created
only by ``init`` (``demo`` makes its own) or with ``--create``.

Exit status: 0 success (or allowed), 1 denied, 2 error; errors (a bad or
unreachable ``--db``, no store there, a wrong argument) print one line to
standard error naming what was wrong, and change nothing. Under ``--json`` that
line is a JSON object, ``{"error": {"code": ..., "message": ...}}``, with one
stable code per error class (:data:`CODES`). Every value an error quotes is cut
to :data:`MAX_ECHO` characters. Output cut short by its reader (``| head``) ends
quietly, with the status the command had.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .. import (
    AuthorizationError,
    Conflict,
    ImportRejected,
    InvalidInput,
    InvalidToken,
    NotFound,
    RbacKitError,
    StoreUnavailable,
    UnknownAction,
)
from . import _csvio, _decide, _demo, _init, _invite, _lists, _manage, _serve, _show
from ._context import DEFAULT_DB, Context, silence_stdout

__all__ = ["main"]

ERROR = 2

#: The ``--json`` error code of each error class, the most specific first.
CODES: tuple[tuple[type[Exception], str], ...] = (
    (ImportRejected, "import_rejected"),
    (UnknownAction, "unknown_action"),
    (InvalidInput, "invalid_input"),
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (StoreUnavailable, "store_unavailable"),
    (InvalidToken, "invalid_token"),
    (AuthorizationError, "forbidden"),
    (OSError, "io_error"),
)

#: The most characters of any one value an error line quotes.
MAX_ECHO = 100
#: The longest error line, whatever it quotes.
_MAX_LINE = 1000
#: A quoted value, or a run without spaces, longer than MAX_ECHO.
_MORE = MAX_ECHO + 1
_LONG = re.compile(rf"""'[^'\n]{{{_MORE},}}'|"[^"\n]{{{_MORE},}}"|\S{{{_MORE},}}""")


class _UsageError(Exception):
    """A command line argparse refused; raised instead of its exit, so ``--json`` can show it."""

    def __init__(self, prefix: str, message: str) -> None:
        super().__init__(message)
        #: What argparse prints before the message: the usage and ``PROG: error:``.
        self.prefix = prefix


class _Parser(argparse.ArgumentParser):
    """argparse, with its refusals raised as :class:`_UsageError` (subcommands inherit it)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: ", message)


def _cut(found: re.Match[str]) -> str:
    text = found.group()
    quote = text[0] if text[0] in "'\"" and text[-1] == text[0] else ""
    return f"{text[: MAX_ECHO + len(quote)]}...{quote}"


def _bounded(message: str) -> str:
    """``message`` with every quoted value (or run without spaces) cut to :data:`MAX_ECHO`
    characters, and each line to ``_MAX_LINE``."""
    lines = (_LONG.sub(_cut, line) for line in message.splitlines() or [""])
    return "\n".join(line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + "..." for line in lines)


def _code(error: Exception) -> str:
    return next((code for kind, code in CODES if isinstance(error, kind)), "error")


def _report(error: Exception, *, as_json: bool) -> None:
    """The one error printer: a line of text, or under ``--json`` one JSON object."""
    summary = str(error).splitlines()[0] if isinstance(error, ImportRejected) else str(error)
    if as_json:
        body: dict[str, Any] = {"code": _code(error), "message": _bounded(summary)}
        if isinstance(error, ImportRejected):
            body["errors"] = [
                {"line": row.line, "column": row.column, "reason": _bounded(row.reason)}
                for row in error.errors
            ]
        print(json.dumps({"error": body}), file=sys.stderr)
        return
    print(f"rbac-kit: error: {_bounded(summary)}", file=sys.stderr)
    if isinstance(error, ImportRejected):
        for row in error.errors:
            print(f"rbac-kit: {_bounded(str(row))}", file=sys.stderr)


def _usage(error: _UsageError, *, as_json: bool) -> None:
    if as_json:
        body = {"code": "usage", "message": _bounded(str(error))}
        print(json.dumps({"error": body}), file=sys.stderr)
    else:
        print(f"{error.prefix}{_bounded(str(error))}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = _Parser(
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
    parser.add_argument(
        "--create",
        action="store_true",
        help="create the store at --db if there is none (else only init and demo create one)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (_init, _demo, _decide, _serve, _lists, _show, _manage, _invite, _csvio):
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
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as error:
        # Unparsed, --json can only be looked for: it is the one way to ask for JSON.
        _usage(error, as_json="--json" in argv)
        return ERROR
    create = args.create or getattr(args, "makes_store", False)
    ctx = Context(_database(args), actor=args.actor, as_json=args.json, create=create)
    try:
        status = int(args.handler(ctx, args) or 0)
        ctx.flush()
    except BrokenPipeError:
        # A write straight to standard output (CSV) found its reader gone: what
        # it asked for was written as far as it was read.
        silence_stdout()
        return 0
    except (RbacKitError, OSError) as error:
        _report(error, as_json=args.json)
        return ERROR
    finally:
        ctx.close()
    return status
