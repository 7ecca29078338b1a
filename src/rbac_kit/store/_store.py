"""The store: a database holding every workspace, and the sink that persists changes.

:class:`Store` composes an engine, the migrations and the read / write paths
(``_load.py``, ``_sink.py``); it holds no entities and no state of its own
beyond the engine. Each change it persists (:meth:`Store.persist`) names the
revision its directory was at; the store refuses a change made from a
directory that another process's changes have overtaken (those would be
overwritten).

Revisions: the store's revision is its newest audit event's, ``0`` for a
store nobody has changed. Each change writes exactly one audit event at the
next revision, and bumps the revision of each workspace it touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
from sqlalchemy import Engine, delete, inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from .._errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from ..model._directory import Directory
from ..model._subjects import PolicyOwner
from ..policy._change import ChangeRecord
from ._announce import Wait, announcements
from ._engine import create_store_engine, read_transaction, write_transaction
from ._extra import ExtraWrite
from ._load import build_directory, latest_revision, read_all
from ._migrate import VERSION_TABLE, upgrade
from ._owners import read_rows, table
from ._replay import replay
from ._rows import from_json, rule_from_row
from ._rules import differences, in_step, read_rules
from ._sink import owners_from_json, write_change, write_rules
from ._url import check_url, shown, sqlite_file
from .lists._query import ListQuery, Page
from .lists._run import list_page

__all__ = ["AuditEvent", "Store"]

logger = logging.getLogger(__name__)

#: The largest revision or count a query takes: a signed 64-bit integer.
_MAX_COUNT = 2**63 - 1


def _check_count(name: str, value: Any) -> None:
    """Refuse an ``after`` or ``limit`` of :meth:`Store.events` the database cannot take."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        # A huge int has no repr (over 4,300 digits), and a value may be megabytes.
        big = isinstance(value, int) and value.bit_length() > 64
        shown = "a number beyond 64 bits" if big else repr(value)[:100]
        raise InvalidInput(f"{name} must be a whole number from 0 to {_MAX_COUNT}, got {shown}")


#: Rows deleted per statement when ``casbin_rule`` is repaired.
_DELETE_BATCH = 10_000


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen(kw_only=True)
class AuditEvent:
    """One change as the audit log holds it."""

    #: The store revision the change committed at.
    revision: int
    #: The workspace it changed (None if it touched several, or none).
    workspace: str | None
    actor: str
    action: str
    target: str
    #: The policy owners it touched.
    owners: tuple[PolicyOwner, ...]
    #: The rows of those owners before and after, by table (times as ISO 8601 text).
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    time: dt.datetime

    def rows_after(self, table_name: str) -> list[dict[str, Any]]:
        """The rows of ``table_name`` after the change (times as datetimes)."""
        return [from_json(row) for row in self.after.get(table_name, ())]


class Store:
    """A SQLAlchemy database holding every workspace; open it with :meth:`Store.open`.

    Args:
        engine: the engine to use (its schema must be migrated; :meth:`open` does that).
        clock: returns the current time, for audit events.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock
        #: Whether :meth:`open` created this store (it was not there before).
        self.created = False

    @classmethod
    def open(
        cls,
        url: str | URL,
        *,
        create: bool = True,
        clock: Callable[[], dt.datetime] = _utc_now,
        engine_options: Mapping[str, Any] | None = None,
    ) -> Store:
        """Connect to ``url`` and migrate its schema to the newest version.

        ``sqlite:///path/to/file.db`` is the embedded default (write-ahead
        logging, foreign keys on); ``postgresql+psycopg://...`` the production
        store. ``engine_options`` go to :func:`sqlalchemy.create_engine`.
        With ``create=False`` a store must be there already (a SQLite file, a
        PostgreSQL schema holding rbac_kit's tables): nothing is created.
        :attr:`created` says whether this call created the store.

        Raises:
            InvalidInput: a URL no store lives at (see ``_url.py``), or a new
                SQLite file in a folder that does not exist.
            NotFound: ``create`` is false and there is no store at ``url``.
            StoreUnavailable: the database cannot be reached or opened.
        """
        parsed = check_url(url)
        path = sqlite_file(parsed)
        if path is not None and not path.exists() and not path.parent.is_dir():
            raise InvalidInput(f"cannot create the store {path}: no folder {path.parent}")
        try:
            engine = create_store_engine(parsed, **dict(engine_options or {}))
        except ImportError as error:
            raise StoreUnavailable(
                f"cannot open the store at {shown(parsed)}: {error}; PostgreSQL needs the "
                "postgres extra: pip install 'rbac-kit[postgres]'"
            ) from None
        try:
            existed = _holds_a_store(engine, path)
            if not existed and not create:
                where = str(path.absolute()) if path is not None else shown(parsed)
                raise NotFound(
                    f"no store at {where}; create it with `rbac-kit --db {shown(parsed)} init`"
                )
            upgrade(engine)
        except SQLAlchemyError as error:
            engine.dispose()
            raise StoreUnavailable(
                f"cannot open the store at {shown(parsed)}: {_first_line(error)}"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        store = cls(engine, clock=clock)
        store.created = not existed
        return store

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for read-only queries, and Casbin's adapter)."""
        return self._engine

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading -------------------------------------------------------------

    def revision(self) -> int:
        """The store's newest revision (0 before the first change)."""
        with read_transaction(self._engine) as conn:
            return latest_revision(conn)

    def load(self) -> tuple[Directory, int]:
        """Every workspace in a new :class:`Directory`, and the revision it is at."""
        with read_transaction(self._engine) as conn:
            revision = latest_revision(conn)
            rows = read_all(conn)
        return build_directory(rows), revision

    def rules(self) -> list[tuple[str, ...]]:
        """Every ``casbin_rule`` row as a policy line (duplicates included), sorted."""
        t = table("casbin_rule")
        with read_transaction(self._engine) as conn:
            return sorted(rule_from_row(dict(row)) for row in conn.execute(select(t)).mappings())

    def password_hashes(
        self, subjects: Iterable[PolicyOwner]
    ) -> dict[tuple[str, str, str], str | None]:
        """The password hash each of ``subjects`` (``("subject", ws, "user:ann")`` owners)
        holds in the ``people`` table now, by (workspace, kind, id); absent if gone.

        Audit events keep hashes out (a follower replaying one reads them here).
        """
        wanted = list(subjects)
        if not wanted:  # most replayed events touch no person: no transaction for them
            return {}
        with read_transaction(self._engine) as conn:
            people = read_rows(conn, wanted)["people"]
        return {
            (row["workspace"], row["kind"], row["id"]): row["password_hash"]
            for row in people.values()
        }

    def announcements(self, interval: float, stop: threading.Event) -> AbstractContextManager[Wait]:
        """A function that waits for the next committed change: PostgreSQL ``NOTIFY`` on
        this store's channel, or ``interval`` seconds elsewhere (see ``_announce.py``).

        Used as ``with store.announcements(1.0, stop) as wait: ... wait() ...``; ``wait()``
        returns the newest revision announced meanwhile, or ``None``. Entering
        raises when the database cannot be reached, and ``wait()`` when the
        listening connection is lost: enter again to listen on a new one.
        """
        return announcements(self._engine, interval, stop)

    def replay(self, directory: Directory, event: AuditEvent) -> set[PolicyOwner]:
        """Make ``directory`` (at the revision before ``event``) hold what ``event`` left.

        Returns every policy owner to recompile (see ``_replay.py``). The
        password hashes audit events leave out are read from the people table.
        """
        hashes = self.password_hashes(o for o in event.owners if o[0] == "subject")
        return replay(directory, event, hashes)

    def events(
        self, after: int = 0, *, limit: int | None = None, workspace: str | None = None
    ) -> list[AuditEvent]:
        """The audit events after revision ``after``, oldest first (at most ``limit``);
        with ``workspace``, only the events of that workspace.

        Raises:
            InvalidInput: ``after`` or ``limit`` is not a whole number from 0 to
                2**63 - 1 (what the database's 64-bit integers hold).
        """
        _check_count("after", after)
        if limit is not None:
            _check_count("limit", limit)
        t = table("audit_events")
        query = select(t).where(t.c.revision > after).order_by(t.c.revision)
        if workspace is not None:
            query = query.where(t.c.workspace == workspace)
        if limit is not None:
            query = query.limit(limit)
        with read_transaction(self._engine) as conn:
            return [_event(dict(row)) for row in conn.execute(query).mappings()]

    def list(self, kind: str, workspace: str, query: ListQuery | None = None) -> Page:
        """One page of a workspace's users, customers, groups, roles or APIs.

        Searched, filtered, sorted and paged in the database, from one snapshot
        (see ``_lists.py`` for what each kind shows, searches and counts).
        ``kind`` is one of :data:`rbac_kit.store.COLUMNS`; ``query`` defaults to
        the first 50 rows by id.

        Raises:
            InvalidInput: an unknown kind, sort column, filter name or filter value.
            NotFound: no workspace ``workspace``.
        """
        with read_transaction(self._engine) as conn:
            return list_page(conn, kind, workspace, query or ListQuery())

    # -- writing -------------------------------------------------------------

    def persist(self, directory: Directory, change: ChangeRecord) -> int:
        """Persist one change of ``directory``; this store is its Authorizer's
        :class:`~rbac_kit.policy.ChangeSink`.

        In one transaction: the rows of every owner the change touched are
        rewritten from the directory's new state, the Casbin lines of the
        delta are deleted and inserted, the change's extra writes
        (:class:`ExtraWrite`) run, one audit event is written and the
        revisions of the touched workspaces go up by one. Returns the new
        store revision. If anything fails, nothing is written. A replayed
        change (``change.replayed``) is one the store holds already: nothing
        is written and its revision is returned.

        Raises:
            Conflict: another process changed the store since revision
                ``change.base`` (catch up, then make the change again), or
                the database refused the change as a duplicate.
            InvalidInput: a value the database cannot hold (e.g. too long),
                or an extra write that is not an :class:`ExtraWrite`.
            sqlalchemy.exc.OperationalError: the database failed (unreachable,
                locked for longer than the busy timeout); nothing was written.
        """
        if change.replayed is not None:
            return change.replayed
        extra = [_extra_write(item) for item in change.extra]
        try:
            with write_transaction(self._engine) as conn:
                current = latest_revision(conn)
                if current != change.base:
                    raise Conflict(
                        f"the store is at revision {current} but this directory at "
                        f"{change.base}: another process changed it; catch up and make "
                        "the change again"
                    )
                revision = current + 1
                write_change(
                    conn, directory, change, revision=revision, time=self._clock(), extra=extra
                )
        except IntegrityError as error:
            raise Conflict(
                f"the store refused {change.action} {change.target}: {error.orig}"
            ) from error
        except DataError as error:
            raise InvalidInput(
                f"the store cannot hold a value of {change.action} {change.target}: {error.orig}"
            ) from error
        return revision

    def sync_rules(self, revision: int, rules: Iterable[tuple[str, ...]]) -> bool:
        """Make ``casbin_rule`` hold exactly ``rules``: the policy compiled at ``revision``.

        The table is out of step when its rows, as a multiset, differ from the
        set of compiled lines: a line missing, a line too many, or a line
        twice (e.g. after a compiler change, or rows written by other tools).
        Then only the differing rows are deleted and inserted, in one
        transaction (the check itself reads a snapshot and holds no lock).
        Returns False, changing nothing, if the store has moved past
        ``revision`` (load again and retry).
        """
        expected = revision
        lines = rules if isinstance(rules, Collection) else list(rules)
        # Checked from a snapshot first, so writers wait only when there is a repair.
        with read_transaction(self._engine) as conn:
            if latest_revision(conn) != expected:
                return False
            if in_step(conn, lines):
                return True
        wanted = set(lines)
        t = table("casbin_rule")
        with write_transaction(self._engine) as conn:
            if latest_revision(conn) != expected:
                return False
            stale, missing = differences(read_rules(conn), wanted)
            # In batches: a store-wide repair can name more rows than a statement
            # may have parameters (SQLite allows 32,766 by default).
            for start in range(0, len(stale), _DELETE_BATCH):
                conn.execute(delete(t).where(t.c.id.in_(stale[start : start + _DELETE_BATCH])))
            write_rules(conn, removed=(), added=missing)
        if stale or missing:
            logger.warning(
                "casbin_rule was out of step with the compiled policy at revision %d: "
                "deleted %d rows, inserted %d",
                expected,
                len(stale),
                len(missing),
            )
        return True


def _holds_a_store(engine: Engine, path: Path | None) -> bool:
    """Whether ``engine``'s database holds a store (its migrations' version table)."""
    if path is not None and not path.exists():
        return False  # asking would create the file
    with engine.connect() as conn:
        return inspect(conn).has_table(VERSION_TABLE)


def _first_line(error: BaseException) -> str:
    """The driver's message, without SQLAlchemy's prefix and background link."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


def _extra_write(item: object) -> ExtraWrite:
    if not isinstance(item, ExtraWrite):
        raise InvalidInput(f"a store writes along a change only an ExtraWrite, not {item!r}")
    return item


def _event(row: Mapping[str, Any]) -> AuditEvent:
    return AuditEvent(
        revision=row["revision"],
        workspace=row["workspace"],
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        owners=tuple(owners_from_json(row["owners"])),
        before=row["before"],
        after=row["after"],
        time=row["time"],
    )
