"""Each person's number of groups, kept on the ``people`` row.

The people lists sort by how many groups a person is in. Counting the
memberships of every matching person at each page cost 50 ms and more for a
search matching 11,000 of 100,000 people on PostgreSQL; the store now writes
``people.group_count`` with the row (the sink rewrites a person's row
whenever their groups change), and the list index carries it, so the sort
reads it from the index. Rows that exist are counted here.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LIST_INDEX = ["workspace", "kind", "email_key", "id", "name_key", "customer_id_key"]


def upgrade() -> None:
    """Add ``people.group_count``, count existing memberships, widen the list index."""
    # A plain ADD COLUMN (SQLite takes NOT NULL with a constant default). Not a
    # batch rebuild: dropping the old table on SQLite would cascade to memberships.
    op.add_column(
        "people",
        sa.Column("group_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.execute(
        "UPDATE people SET group_count = (SELECT count(*) FROM group_members AS m "
        "WHERE m.workspace = people.workspace AND m.kind = people.kind "
        "AND m.person_id = people.id)"
    )
    op.drop_index("ix_people_list", table_name="people")
    op.create_index("ix_people_list", "people", [*_LIST_INDEX, "group_count"])


def downgrade() -> None:
    """Drop the column and restore the list index without it."""
    op.drop_index("ix_people_list", table_name="people")
    op.create_index("ix_people_list", "people", _LIST_INDEX)
    op.drop_column("people", "group_count")
