"""Each queued email records the sender configuration that queued it.

Until this version any deliverer sent every due row of the outbox: a
command run for one workspace, with its own outbox folder, sent (and minted
live tokens for) the queued emails of every other workspace too.
``email_outbox.channel`` now names the sender configuration that queued a
row (``Sender.channel``: ``smtp://host:port/user``, ``outbox:/folder`` ...),
and a deliverer claims only the rows of its own channel, in its workspace
(or every workspace, for the deployment's worker run as ``SYSTEM``).

The column is nullable and existing rows keep NULL: who queued them is not
recorded anywhere, so they are left to any deliverer of their own workspace
(or the deployment's worker), as the delivery code reads NULL.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``email_outbox.channel`` (NULL for the rows already queued)."""
    # A plain ADD COLUMN, as in 0004: a batch rebuild on SQLite is not needed for
    # a nullable column and would copy the table for nothing.
    op.add_column("email_outbox", sa.Column("channel", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop the column: every queued row goes back to any deliverer."""
    op.drop_column("email_outbox", "channel")
