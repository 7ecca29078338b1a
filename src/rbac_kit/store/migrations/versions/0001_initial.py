"""The initial schema: workspaces, their entities, the audit log and ``casbin_rule``.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
SLUG = sa.String(length=63)
ID = sa.String(length=64)
NAME = sa.String(length=200)
KIND = sa.String(length=16)


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_workspaces"),
        ondelete="CASCADE",
    )


def _api_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace", "api"],
        ["apis.workspace", "apis.id"],
        name=op.f(f"fk_{table}_workspace_api_apis"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "workspaces",
        sa.Column("id", SLUG, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "roles",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("name_key", sa.String(length=600), nullable=False),
        sa.Column("permissions", JSON, nullable=False),
        sa.Column("environments", JSON, nullable=False),
        sa.Column("api_scope", KIND, nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.CheckConstraint("api_scope IN ('all', 'granted')", name=op.f("ck_roles_api_scope")),
        _workspace_fk("roles"),
        sa.PrimaryKeyConstraint("workspace", "id", name=op.f("pk_roles")),
        sa.UniqueConstraint("workspace", "name_key", name=op.f("uq_roles_workspace_name_key")),
    )
    op.create_table(
        "groups",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("name_key", sa.String(length=600), nullable=False),
        _workspace_fk("groups"),
        sa.PrimaryKeyConstraint("workspace", "id", name=op.f("pk_groups")),
        sa.UniqueConstraint("workspace", "name_key", name=op.f("uq_groups_workspace_name_key")),
    )
    op.create_table(
        "apis",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("id", SLUG, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("environment", KIND, nullable=False),
        sa.Column("category", NAME, nullable=False),
        sa.CheckConstraint(
            "environment IN ('production', 'staging', 'development')",
            name=op.f("ck_apis_environment"),
        ),
        _workspace_fk("apis"),
        sa.PrimaryKeyConstraint("workspace", "id", name=op.f("pk_apis")),
    )
    op.create_index(
        op.f("ix_apis_workspace_environment_category"),
        "apis",
        ["workspace", "environment", "category"],
    )
    op.create_table(
        "people",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=960), nullable=False),
        sa.Column("name", NAME, nullable=True),
        sa.Column("role", ID, nullable=False),
        sa.Column("status", KIND, nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'customer') = (customer_id IS NOT NULL)",
            name=op.f("ck_people_customer_id_of_customers"),
        ),
        sa.CheckConstraint("kind IN ('user', 'customer')", name=op.f("ck_people_kind")),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_people_status")),
        sa.ForeignKeyConstraint(
            ["workspace", "role"],
            ["roles.workspace", "roles.id"],
            name=op.f("fk_people_workspace_role_roles"),
        ),
        _workspace_fk("people"),
        sa.PrimaryKeyConstraint("workspace", "kind", "id", name=op.f("pk_people")),
        sa.UniqueConstraint("kind", "id", name=op.f("uq_people_kind_id")),
        sa.UniqueConstraint(
            "workspace", "customer_id", name=op.f("uq_people_workspace_customer_id")
        ),
        sa.UniqueConstraint("workspace", "email_key", name=op.f("uq_people_workspace_email_key")),
    )
    op.create_index(op.f("ix_people_workspace_role"), "people", ["workspace", "role"])
    op.create_table(
        "group_members",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("group_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace", "group_id"],
            ["groups.workspace", "groups.id"],
            name=op.f("fk_group_members_workspace_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace", "kind", "person_id"],
            ["people.workspace", "people.kind", "people.id"],
            name=op.f("fk_group_members_workspace_kind_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace", "kind", "person_id", "group_id", name=op.f("pk_group_members")
        ),
    )
    op.create_index(
        op.f("ix_group_members_workspace_group_id"), "group_members", ["workspace", "group_id"]
    )
    op.create_table(
        "api_customer_ids",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("api", SLUG, nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        _api_fk("api_customer_ids"),
        sa.PrimaryKeyConstraint(
            "workspace", "api", "customer_id", name=op.f("pk_api_customer_ids")
        ),
    )
    op.create_index(
        op.f("ix_api_customer_ids_workspace_customer_id"),
        "api_customer_ids",
        ["workspace", "customer_id"],
    )
    op.create_table(
        "grants",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("api", SLUG, nullable=False),
        sa.Column("target_kind", KIND, nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("granted_by", sa.String(), nullable=False),
        sa.Column("granted_at", TIME, nullable=False),
        sa.CheckConstraint(
            "target_kind IN ('user', 'customer', 'group')", name=op.f("ck_grants_target_kind")
        ),
        _api_fk("grants"),
        sa.PrimaryKeyConstraint(
            "workspace", "api", "target_kind", "target_id", name=op.f("pk_grants")
        ),
    )
    op.create_index(
        op.f("ix_grants_workspace_target_kind_target_id"),
        "grants",
        ["workspace", "target_kind", "target_id"],
    )
    op.create_table(
        "exclusions",
        sa.Column("workspace", SLUG, nullable=False),
        sa.Column("api", SLUG, nullable=False),
        sa.Column("customer", ID, nullable=False),
        _api_fk("exclusions"),
        sa.PrimaryKeyConstraint("workspace", "api", "customer", name=op.f("pk_exclusions")),
    )
    op.create_index(
        op.f("ix_exclusions_workspace_customer"), "exclusions", ["workspace", "customer"]
    )
    op.create_table(
        "audit_events",
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("workspace", SLUG, nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("owners", JSON, nullable=False),
        sa.Column("before", JSON, nullable=False),
        sa.Column("after", JSON, nullable=False),
        sa.Column("time", TIME, nullable=False),
        sa.PrimaryKeyConstraint("revision", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_workspace_revision"), "audit_events", ["workspace", "revision"]
    )
    op.create_table(
        "casbin_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ptype", sa.String(length=255), nullable=True),
        *(sa.Column(f"v{i}", sa.String(), nullable=True) for i in range(6)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casbin_rule")),
    )
    op.create_index(op.f("ix_casbin_rule_v0"), "casbin_rule", ["v0"], postgresql_using="hash")


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "casbin_rule",
        "audit_events",
        "exclusions",
        "grants",
        "api_customer_ids",
        "group_members",
        "people",
        "apis",
        "groups",
        "roles",
        "workspaces",
    ):
        op.drop_table(table)
