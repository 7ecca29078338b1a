"""Engines and transactions: SQLite set up for concurrent use, and the store's write lock.

SQLite: every connection turns foreign keys on, uses write-ahead logging (so
readers never block the writer), and waits up to :data:`BUSY_TIMEOUT_MS` for
a lock instead of failing at once. Python's ``sqlite3`` module is told not to
manage transactions; SQLAlchemy's ``begin`` event emits ``BEGIN`` itself, so
a read transaction sees one snapshot, and a write transaction starts with
``BEGIN IMMEDIATE``: it takes the write lock before reading, so what it reads
cannot change before it writes.

PostgreSQL: a read transaction runs at REPEATABLE READ (one snapshot for the
whole load); a write transaction locks ``audit_events`` in EXCLUSIVE mode
first, so writers are serialized and each takes the next revision in turn
while readers carry on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

__all__ = [
    "BUSY_TIMEOUT_MS",
    "create_store_engine",
    "migration_transaction",
    "read_transaction",
    "write_transaction",
]

#: How long a SQLite connection waits for another one's lock, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
#: The PostgreSQL advisory lock that serializes migrations (``rbac`` in ASCII).
MIGRATION_LOCK = 0x72626163
_WRITE = "rbac_kit_write"


def create_store_engine(url: str | URL, **options: Any) -> Engine:
    """An engine for ``url``, with the SQLite settings above when it is SQLite.

    A plain ``postgresql://`` URL uses psycopg 3. ``sqlite://`` (in memory)
    uses one shared connection, so every session sees the same database (use it
    from one thread). ``options`` go to :func:`sqlalchemy.create_engine`.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver rbac_kit installs (the ``postgres`` extra).
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **options)
    if parsed.database in (None, "", ":memory:"):
        options.setdefault("poolclass", StaticPool)
        options.setdefault("connect_args", {"check_same_thread": False})
    engine = create_engine(parsed, **options)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Leave BEGIN to _sqlite_begin: the driver's own would skip SELECTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that sees one snapshot of the database; it never writes."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the store's write lock; it commits when the block ends.

    If the block raises, everything it wrote is rolled back.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            if _is_postgres(conn):
                conn.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            yield conn


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for schema changes (serialized before any table exists)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            if _is_postgres(conn):
                conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            yield conn
