"""CSV commands: ``template``, ``import`` and ``export`` of people, groups and access lists.

``import`` goes through :func:`rbac_kit.import_people` with ``--as`` the
importer, so it is authorized and guarded as the Python API is, and commits
as one change. A refused file exits 2 with every bad row on standard error
(``line N, column C: reason``; under ``--json``, the ``import_rejected`` error
object lists them), printed by :func:`rbac_kit.cli.main`'s error printer.
While passwords are hashed, a progress bar is drawn on standard error when it
is a terminal and the file has :data:`PROGRESS_AT` passwords or more.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import IO, Any, TextIO

from .. import RowError, export_csv, import_people
from ..onboarding import ImportReport, csv_template
from ._args import Subparsers
from ._context import Context
from ._describe import describe

__all__ = ["PROGRESS_AT", "ProgressBar", "register"]

#: Passwords to hash from which ``import`` draws a progress bar ("thousands of rows").
PROGRESS_AT = 1000


class ProgressBar:
    """A one-line bar redrawn in place on a terminal: ``hashing passwords [####----] 40%``.

    It redraws only when the shown percentage changes, so 10,000 reports
    cost 100 writes, and draws nothing below ``threshold`` in all.
    """

    def __init__(self, stream: TextIO, *, threshold: int = PROGRESS_AT, width: int = 30) -> None:
        self._stream = stream
        self._threshold = threshold
        self._width = width
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total < self._threshold:
            return
        percent = done * 100 // total
        if percent == self._shown:
            return
        self._shown = percent
        filled = self._width * done // total
        bar = "#" * filled + "-" * (self._width - filled)
        end = "\n" if done >= total else ""
        self._stream.write(f"\rhashing passwords [{bar}] {percent:3d}%  {done:,}/{total:,}{end}")
        self._stream.flush()


def _errors(lines: Iterable[RowError]) -> None:
    for error in lines:
        print(f"rbac-kit: {error}", file=sys.stderr)


def _import(ctx: Context, a: argparse.Namespace) -> int:
    if a.file == "-":
        return _import_from(ctx, a, sys.stdin.buffer)
    with open(a.file, "rb") as source:
        return _import_from(ctx, a, source)


def _import_from(ctx: Context, a: argparse.Namespace, source: IO[bytes]) -> int:
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    # A refused file (ImportRejected) goes to main's error printer with its rows.
    report = import_people(
        ctx.authorizer,
        ctx.actor,
        a.workspace,
        a.kind,
        source,
        dry_run=a.dry_run,
        skip_bad_rows=a.skip_bad_rows,
        require_passwords=not a.allow_missing_passwords,
        progress=progress,
    )
    _errors(report.errors)
    ctx.emit(_as_json(report), _summary(report))
    return 0


def _summary(report: ImportReport) -> str:
    verb = "would import" if report.dry_run else "imported"
    skipped = len({e.line for e in report.errors})
    text = f"{verb} {len(report.people)} {report.kind} of {report.rows} rows"
    text += f" into {report.workspace}"
    if skipped:
        text += f"; skipped {skipped} bad rows (listed on standard error)"
    if report.revision is not None:
        text += f" (revision {report.revision})"
    return text


def _as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "workspace": report.workspace,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "imported": len(report.people),
        "people": [describe(p) for p in report.people],
        "errors": [describe(e) for e in report.errors],
        "revision": report.revision,
    }


def _export(ctx: Context, a: argparse.Namespace) -> int:
    if a.output == "-":
        export_csv(ctx.authorizer, ctx.actor, a.workspace, a.what, ctx.out, api=a.api)
        return 0
    with open(a.output, "w", encoding="utf-8", newline="") as out:
        count = export_csv(ctx.authorizer, ctx.actor, a.workspace, a.what, out, api=a.api)
    print(f"wrote {count} rows to {a.output}", file=sys.stderr)
    return 0


def _template(ctx: Context, a: argparse.Namespace) -> int:
    text = csv_template(a.kind)
    if a.output == "-":
        ctx.out.write(text)
        return 0
    with open(a.output, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    print(f"wrote the {a.kind} template to {a.output}", file=sys.stderr)
    return 0


def _output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", default="-", help="a file (default: standard output)")


def register(commands: Subparsers) -> None:
    """Add ``template``, ``import`` and ``export`` to the parser."""
    p = commands.add_parser(
        "template",
        help="the header and an example row of an import file",
        description="Print the CSV an import of users or customers expects.",
    )
    p.set_defaults(handler=_template)
    p.add_argument("kind", choices=["users", "customers"])
    _output(p)

    p = commands.add_parser(
        "import",
        help="add users or customers from a CSV file (checked whole first)",
        description="Import users or customers from CSV (see `rbac-kit template`). Every row "
        "is checked first; any bad row refuses the whole file unless --skip-bad-rows.",
    )
    p.set_defaults(handler=_import)
    p.add_argument("kind", choices=["users", "customers"])
    p.add_argument("workspace")
    p.add_argument("file", help="the CSV file (UTF-8), or - for standard input")
    p.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    p.add_argument(
        "--skip-bad-rows", action="store_true", help="import the good rows, list the bad ones"
    )
    p.add_argument(
        "--allow-missing-passwords",
        action="store_true",
        help="a row without a password creates a person without one (e.g. a file from export)",
    )

    p = commands.add_parser(
        "export",
        help="users, customers, groups with members, or an API's access list as CSV",
        description="Export as CSV; cells a spreadsheet would run as formulas are neutralised.",
    )
    p.set_defaults(handler=_export)
    p.add_argument("what", choices=["users", "customers", "groups", "access"])
    p.add_argument("workspace")
    p.add_argument("--api", help="the API whose access list to export (with access)")
    _output(p)
