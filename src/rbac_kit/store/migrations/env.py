"""Alembic's environment for rbac_kit: runs on the connection the store passes in."""

from __future__ import annotations

from alembic import context

from rbac_kit._errors import RbacKitError
from rbac_kit.store._migrate import VERSION_TABLE
from rbac_kit.store._schema import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RbacKitError("rbac_kit's migrations run from code: use rbac_kit.store.Store.open(url)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
