"""What every command gets: the database URL, the acting subject, and output.

The store is opened once, on first use, and closed by :func:`rbac_kit.cli.main`
whatever happens; commands that never touch it (``--help``) never open it.

Opening is where a bad ``--db`` shows: :meth:`Store.open <rbac_kit.store.Store.open>`
refuses a URL no store lives at, a store that is not there unless the
command may create one (``init``, ``demo``, ``--create``), and a database it
cannot reach, each as an :class:`~rbac_kit.RbacKitError` naming the URL with
its password hidden: one line, exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, TextIO

from .. import SYSTEM, Authorizer, InvalidInput, Management, Reads, open_authorizer
from ..admin import Actor
from ..model import to_jsonable
from ..store import Store

__all__ = ["DEFAULT_DB", "Context", "silence_stdout"]

#: The embedded default: a SQLite file in the current directory.
DEFAULT_DB = "sqlite:///rbac-kit.db"


class Context:
    """The store, authorizer and output of one command run."""

    def __init__(
        self,
        db: str,
        *,
        actor: str | None,
        as_json: bool = False,
        create: bool = False,
        out: TextIO | None = None,
    ) -> None:
        self.db = db
        self._actor = actor
        self.as_json = as_json
        self._create = create
        self._out = out
        self._store: Store | None = None
        #: Whether the store was there before this run (known once it is opened).
        self.existed = True

    @property
    def store(self) -> Store:
        """The store at ``--db``, opened (and migrated) on first use.

        It is created only when this run may create one (``init``, ``demo``,
        ``--create``).

        Raises:
            InvalidInput: ``--db`` is not a store rbac_kit can open (the reason, in one line).
            NotFound: there is no store at ``--db`` and this run may not create one.
        """
        if self._store is None:
            self._store = Store.open(self.db, create=self._create)
            self.existed = not self._store.created
        return self._store

    @cached_property
    def authorizer(self) -> Authorizer:
        """Every workspace of the store, loaded; each change persists into it."""
        return open_authorizer(self.store)

    @cached_property
    def management(self) -> Management:
        return Management(self.authorizer)

    @property
    def actor(self) -> str:
        """The acting subject of a management command (``--as`` or ``RBAC_KIT_ACTOR``)."""
        actor = self._actor or os.environ.get("RBAC_KIT_ACTOR")
        if not actor:
            raise InvalidInput(
                "this command changes the store and needs the acting subject: "
                "pass --as user:<id> (or set RBAC_KIT_ACTOR)"
            )
        return actor

    @property
    def reader(self) -> Actor:
        """The acting subject of a read of a workspace (``--as``): ``--as system`` is the
        operator's explicit trusted read (:data:`rbac_kit.SYSTEM`), never a default."""
        actor = self._actor or os.environ.get("RBAC_KIT_ACTOR")
        if not actor:
            raise InvalidInput(
                "this command reads a workspace and needs the acting subject: pass "
                "--as user:<id> (or set RBAC_KIT_ACTOR; --as system reads as the operator)"
            )
        return SYSTEM if actor == str(SYSTEM) else actor

    @property
    def given_actor(self) -> str | None:
        """``--as`` (or ``RBAC_KIT_ACTOR``) if given."""
        return self._actor or os.environ.get("RBAC_KIT_ACTOR") or None

    @cached_property
    def reads(self) -> Reads:
        """The authorized reads of the store's workspaces."""
        return Reads(self.store, self.authorizer)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # -- output -------------------------------------------------------------

    @property
    def out(self) -> TextIO:
        """Where output goes (standard output as it is at the time of writing)."""
        return self._out if self._out is not None else sys.stdout

    #: Whether the reader of the output went away (``| head``); what follows is dropped.
    output_cut = False

    def print(self, text: str = "") -> None:
        """Print a line; a reader gone away ends the output quietly, not the command, so
        the exit status stays the command's (``check ... | head -0`` still says denied)."""
        if self.output_cut:
            return
        try:
            print(text, file=self.out)
        except BrokenPipeError:
            self._cut()

    def flush(self) -> None:
        """Flush the output (where a closed pipe usually shows), quietly as :meth:`print`."""
        if self.output_cut:
            return
        try:
            self.out.flush()
        except BrokenPipeError:
            self._cut()

    def _cut(self) -> None:
        self.output_cut = True
        if self._out is None:
            silence_stdout()

    def emit(self, value: Any, text: str) -> None:
        """Print ``value`` as JSON under ``--json``, else ``text``."""
        if self.as_json:
            self.print(json.dumps(to_jsonable(value), indent=2, sort_keys=True))
        else:
            self.print(text)

    def table(self, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
        """Print rows as an aligned text table (or a JSON list under ``--json``)."""
        if self.as_json:
            self.print(json.dumps(to_jsonable(list(rows)), indent=2))
            return
        self.print(render_table(columns, rows))


def silence_stdout() -> None:
    """Point standard output at the null device once its reader has gone.

    Python's advice on SIGPIPE: otherwise the flush at exit raises
    BrokenPipeError again, and prints it.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor: a stream in memory (tests)
        pass


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def render_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
