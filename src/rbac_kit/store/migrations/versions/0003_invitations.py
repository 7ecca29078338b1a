"""Onboarding: invitations, the people who joined through links, and the email outbox.

``invitations`` keeps the hash of each token, never the token; two partial
unique indexes allow one pending invitation per address and per Customer ID
in a workspace. ``invitation_joins`` records who joined through which link.
``email_outbox`` holds the invitation emails still to send, written in the
same transaction as the change that calls for them (see ``store/_outbox.py``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
SLUG = sa.String(length=63)
ID = sa.String(length=64)
KIND = sa.String(length=16)
EMAIL = sa.String(length=320)
PENDING = sa.text("status = 'pending'")
PENDING_CUSTOMER = sa.text("status = 'pending' AND customer_id IS NOT NULL")


def upgrade() -> None:
    """Create the three tables and their indexes."""
    _invitations()
    op.create_table(
        "invitation_joins",
        sa.Column("invitation", ID, nullable=False),
        sa.Column("subject", sa.String(length=81), nullable=False),
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("email", EMAIL, nullable=False),
        sa.Column("joined_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation"],
            ["invitations.id"],
            name=op.f("fk_invitation_joins_invitation_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invitation", "subject", name=op.f("pk_invitation_joins")),
    )
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invitation", ID, nullable=False),
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("recipient", EMAIL, nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("status", KIND, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'cancelled', 'failed')",
            name=op.f("ck_email_outbox_status"),
        ),
        sa.ForeignKeyConstraint(
            ["invitation"],
            ["invitations.id"],
            name=op.f("fk_email_outbox_invitation_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
    )
    op.create_index(
        op.f("ix_email_outbox_status_next_attempt_at"),
        "email_outbox",
        ["status", "next_attempt_at"],
    )
    op.create_index(op.f("ix_email_outbox_invitation"), "email_outbox", ["invitation"])


def _invitations() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("email", EMAIL, nullable=True),
        sa.Column("email_key", sa.String(length=960), nullable=True),
        sa.Column("role", ID, nullable=False),
        sa.Column("groups", JSON, nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("customer_id_key", sa.String(length=765), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("status", KIND, nullable=False),
        sa.Column("problem", sa.String(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("accepted_by", sa.String(), nullable=True),
        sa.Column("accepted_at", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint("kind IN ('email', 'link')", name=op.f("ck_invitations_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'revoked', 'expired', 'failed')",
            name=op.f("ck_invitations_status"),
        ),
        sa.CheckConstraint(
            "(kind = 'email') = (email IS NOT NULL)",
            name=op.f("ck_invitations_email_of_email_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace"],
            ["workspaces.id"],
            name=op.f("fk_invitations_workspace_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index(op.f("ix_invitations_workspace_status"), "invitations", ["workspace", "status"])
    op.create_index(
        "uq_invitations_pending_email",
        "invitations",
        ["workspace", "email_key"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "uq_invitations_pending_customer_id",
        "invitations",
        ["workspace", "customer_id"],
        unique=True,
        sqlite_where=PENDING_CUSTOMER,
        postgresql_where=PENDING_CUSTOMER,
    )


def downgrade() -> None:
    """Drop the three tables."""
    for table in ("email_outbox", "invitation_joins", "invitations"):
        op.drop_table(table)
