"""The schema: migrations build exactly the models, once, and SQLite is set up for concurrency."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from rbac_kit import SYSTEM, Authorizer, Management, Workspace, open_authorizer
from rbac_kit.store import VERSION_TABLE, Base, Store
from rbac_kit.store._engine import create_store_engine
from rbac_kit.store._migrate import current_version, head


def _create_acme(authz: Authorizer) -> None:
    """Create an empty workspace acme (as the system)."""
    Management(authz).workspaces.create(
        SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None
    )


def test_migrations_build_the_models(store: Store) -> None:
    """Alembic finds no difference between the migrated database and the declarative models."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert [] == compare_metadata(context, Base.metadata)


def test_open_migrates_to_the_newest_version(store: Store) -> None:
    """A new store is at the newest migration, recorded in rbac_kit's own version table."""
    assert head() == current_version(store.engine)
    tables = set(inspect(store.engine).get_table_names())
    assert {VERSION_TABLE, "casbin_rule", "audit_events", "people"} <= tables
    assert "alembic_version" not in tables


def test_opening_again_keeps_the_data(url: str) -> None:
    """Opening an existing store runs no migration twice and loses nothing."""
    with Store.open(url) as store:
        _create_acme(open_authorizer(store))
    with Store.open(url) as store:
        assert 1 == store.revision()
        assert head() == current_version(store.engine)


def test_casbin_rule_has_the_adapter_layout(store: Store) -> None:
    """casbin_rule has the columns Casbin's SQLAlchemy adapter reads: id, ptype, v0..v5."""
    columns = inspect(store.engine).get_columns("casbin_rule")
    assert ["id", "ptype", "v0", "v1", "v2", "v3", "v4", "v5"] == [c["name"] for c in columns]
    assert [False, True, True, True, True, True, True, True] == [c["nullable"] for c in columns]


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 30000)],
)
def test_sqlite_connections_are_set_up(tmp_path: Path, pragma: str, expected: object) -> None:
    """SQLite uses write-ahead logging, enforces foreign keys and waits for locks."""
    with Store.open(f"sqlite:///{tmp_path / 'rbac.db'}") as store, store.engine.connect() as conn:
        assert expected == conn.execute(text(f"PRAGMA {pragma}")).scalar()


def test_in_memory_sqlite_is_one_database() -> None:
    """``sqlite://`` works: every connection sees the same in-memory database."""
    with Store.open("sqlite://") as store:
        _create_acme(open_authorizer(store))
        directory, revision = store.load()
    assert (1, ["acme"]) == (revision, [d.workspace.id for d in directory.workspaces()])


def test_plain_postgresql_url_uses_psycopg() -> None:
    """``postgresql://`` needs no driver name: psycopg 3 is used."""
    engine = create_store_engine("postgresql://someone@localhost/db")
    try:
        assert "psycopg" == engine.dialect.driver
    finally:
        engine.dispose()
