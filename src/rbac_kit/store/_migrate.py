"""Schema migrations: Alembic, run from code when a store opens.

The migration scripts ship inside the package (``migrations/``); no
``alembic.ini`` is needed. Alembic's version table is called
:data:`VERSION_TABLE`, so it never collides with a host application's own
Alembic history in the same database. Concurrent openers are serialized (see
:func:`~._engine.migration_transaction`): the second finds the schema current.

To write a new migration, add ``migrations/versions/NNNN_<what>.py`` by hand
or with ``alembic revision --autogenerate`` using a throwaway ``alembic.ini``
whose ``script_location`` points at ``migrations/``; the test suite checks
that the migrated schema equals the models in ``_schema.py``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ._engine import migration_transaction

__all__ = ["MIGRATIONS", "VERSION_TABLE", "alembic_config", "current_version", "upgrade"]

#: The directory holding ``env.py`` and ``versions/``.
MIGRATIONS = Path(__file__).with_name("migrations")
#: Alembic's version table for rbac_kit's schema.
VERSION_TABLE = "rbac_kit_alembic_version"


def alembic_config() -> Config:
    """An Alembic configuration for rbac_kit's migrations, built in code."""
    config = Config()
    # ConfigParser interpolates '%': escape it in the path.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


def head() -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_version(engine: Engine) -> str | None:
    """The migration the database is at (None before the first)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` (the newest by default)."""
    config = alembic_config()
    with migration_transaction(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
