"""The database schema: one typed declarative class per table.

Choices, and why:

- **Composite keys scoped by workspace.** Every entity table is keyed by
  ``(workspace, id)``, so two workspaces may reuse ids; foreign keys name the
  workspace too, so a row can never point into another workspace.
- **One ``people`` table for users and customers** (``kind`` is ``user`` or
  ``customer``), because an email is unique across both within a workspace and
  only one table can hold that as a constraint. ``(kind, id)`` is unique over
  the whole store, as subject names (``user:<id>``) are for the directory.
- **Uniqueness the directory checks is also a constraint here**, so a second
  process working from a stale copy cannot break it: ``email_key`` and
  ``name_key`` hold the *casefolded* email and group / role names (Python's
  casefold, the directory's own comparison; SQL ``lower()`` folds differently
  per database and locale), and Customer IDs are unique per workspace
  (exactly as given: case-sensitive).
- **Lists search and sort casefolded keys** (``_lists.py``): besides
  ``email_key`` and ``name_key``, people keep ``name_key`` and
  ``customer_id_key`` and APIs ``name_key`` (NULL where the text is). The
  index ``ix_people_list`` holds every searched key of people, so a people
  list is read from the index alone.
- **Grants name their target as ``target_kind`` + ``target_id``**
  (``user`` / ``customer`` / ``group``) so lists can count per kind in SQL.
  A target cannot carry a foreign key (it points into two tables); the store
  deletes a target's grants together with the target.
- **Permissions and environments of a role are JSON lists** (sorted): they
  are read and written whole, never queried one by one.
- **Times are UTC**: :class:`UtcDateTime` stores aware datetimes and always
  returns them aware in UTC (SQLite keeps no zone of its own).
- **The audit log is the revision sequence.** ``audit_events.revision`` is the
  store's global revision: each change takes ``max + 1`` while it holds the
  store's write lock, so revisions have no gaps and commit in order (a
  follower in another process reads every event after the one it holds).
  ``owners`` lists the policy owners the change touched; ``before`` /
  ``after`` hold their rows (see ``_rows.py``).
- **``casbin_rule`` is laid out as Casbin's SQLAlchemy adapter expects**
  (``id``, ``ptype``, ``v0`` .. ``v5``, unused values NULL), so
  ``sqlalchemy_adapter.Adapter(engine)`` and adapters in other languages load
  the compiled policy. ``v0`` .. ``v5`` are wider than the adapter's 255
  characters because a percent-encoded Customer ID can be longer; on
  PostgreSQL ``v0`` has a hash index (a B-tree entry is limited to ~2.7 kB).
- Table and index names are fixed by the migrations in ``migrations/``; the
  test suite checks that the migrated schema equals these classes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiCustomerIdRow",
    "ApiRow",
    "AuditEventRow",
    "Base",
    "CasbinRuleRow",
    "EmailOutboxRow",
    "ExclusionRow",
    "GrantRow",
    "GroupRow",
    "InvitationJoinRow",
    "InvitationRow",
    "MembershipRow",
    "PersonRow",
    "RoleRow",
    "UtcDateTime",
    "WorkspaceRow",
]

#: Constraint names are derived, so migrations and models agree on them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON, stored as JSONB on PostgreSQL.
Json = JSON().with_variant(JSONB(), "postgresql")

_SLUG = 63
_ID = 64
_NAME = 200
_EMAIL = 320
_CUSTOMER_ID = 255
_KIND = 16


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored in UTC and read back aware in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert to UTC (a naive value is taken to be UTC already)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        utc = value.astimezone(dt.UTC)
        # SQLite stores no zone: write the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The declarative base of rbac_kit's tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads this class attribute)
        dt.datetime: UtcDateTime(),
        dict[str, Any]: Json,
        list[str]: Json,
        list[list[str]]: Json,
    }


def _workspace_fk() -> Any:
    return ForeignKey("workspaces.id", ondelete="CASCADE")


class WorkspaceRow(Base):
    """A workspace and its revision (bumped by every change to it)."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    revision: Mapped[int] = mapped_column(Integer, default=0)


class RoleRow(Base):
    """A role of a workspace (built-in roles are stored too)."""

    __tablename__ = "roles"
    __table_args__ = (
        UniqueConstraint("workspace", "name_key"),
        CheckConstraint("api_scope IN ('all', 'granted')", name="api_scope"),
    )

    workspace: Mapped[str] = mapped_column(String(_SLUG), _workspace_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    name_key: Mapped[str] = mapped_column(String(_NAME * 3))
    permissions: Mapped[list[str]]
    environments: Mapped[list[str]]
    api_scope: Mapped[str] = mapped_column(String(_KIND))
    builtin: Mapped[bool] = mapped_column(Boolean)


class PersonRow(Base):
    """A user or a customer."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("kind", "id"),
        UniqueConstraint("workspace", "email_key"),
        UniqueConstraint("workspace", "customer_id"),
        ForeignKeyConstraint(["workspace", "role"], ["roles.workspace", "roles.id"]),
        CheckConstraint("kind IN ('user', 'customer')", name="kind"),
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
        CheckConstraint(
            "(kind = 'customer') = (customer_id IS NOT NULL)", name="customer_id_of_customers"
        ),
        Index(None, "workspace", "role"),
        # The people lists (``_lists.py``) search and page from this index alone:
        # it holds every searched key, and walks users or customers by email.
        # The number of groups rides along, so a sort by it needs no table read.
        Index(
            "ix_people_list",
            "workspace",
            "kind",
            "email_key",
            "id",
            "name_key",
            "customer_id_key",
            "group_count",
        ),
    )

    workspace: Mapped[str] = mapped_column(String(_SLUG), _workspace_fk(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(_KIND), primary_key=True)
    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    email: Mapped[str] = mapped_column(String(_EMAIL))
    email_key: Mapped[str] = mapped_column(String(_EMAIL * 3))
    name: Mapped[str | None] = mapped_column(String(_NAME))
    role: Mapped[str] = mapped_column(String(_ID))
    status: Mapped[str] = mapped_column(String(_KIND))
    customer_id: Mapped[str | None] = mapped_column(String(_CUSTOMER_ID))
    password_hash: Mapped[str | None] = mapped_column(String)
    name_key: Mapped[str | None] = mapped_column(String(_NAME * 3))
    customer_id_key: Mapped[str | None] = mapped_column(String(_CUSTOMER_ID * 3))
    #: How many groups the person is in (the lists sort by it; see migration 0004).
    group_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class GroupRow(Base):
    """A group of a workspace."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("workspace", "name_key"),)

    workspace: Mapped[str] = mapped_column(String(_SLUG), _workspace_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    name_key: Mapped[str] = mapped_column(String(_NAME * 3))


class MembershipRow(Base):
    """A person's membership of a group."""

    __tablename__ = "group_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace", "kind", "person_id"],
            ["people.workspace", "people.kind", "people.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["workspace", "group_id"], ["groups.workspace", "groups.id"], ondelete="CASCADE"
        ),
        # Covering, so the members of a granted group are found from the group.
        Index(None, "workspace", "group_id", "kind", "person_id"),
    )

    workspace: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    kind: Mapped[str] = mapped_column(String(_KIND), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(_ID), primary_key=True)


class ApiRow(Base):
    """An API of a workspace."""

    __tablename__ = "apis"
    __table_args__ = (
        CheckConstraint(
            "environment IN ('production', 'staging', 'development')", name="environment"
        ),
        Index(None, "workspace", "environment", "category"),
    )

    workspace: Mapped[str] = mapped_column(String(_SLUG), _workspace_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    environment: Mapped[str] = mapped_column(String(_KIND))
    category: Mapped[str] = mapped_column(String(_NAME))
    name_key: Mapped[str | None] = mapped_column(String(_NAME * 3))


def _api_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["workspace", "api"], ["apis.workspace", "apis.id"], ondelete="CASCADE"
    )


class ApiCustomerIdRow(Base):
    """A Customer ID recorded in an API's traffic."""

    __tablename__ = "api_customer_ids"
    __table_args__ = (_api_fk(), Index(None, "workspace", "customer_id"))

    workspace: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    api: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(_CUSTOMER_ID), primary_key=True)


class GrantRow(Base):
    """Access to an API given to a user, a customer or a group."""

    __tablename__ = "grants"
    __table_args__ = (
        _api_fk(),
        CheckConstraint("target_kind IN ('user', 'customer', 'group')", name="target_kind"),
        Index(None, "workspace", "target_kind", "target_id"),
    )

    workspace: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    api: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(_KIND), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String)
    granted_at: Mapped[dt.datetime]


class ExclusionRow(Base):
    """A customer an administrator removed from an API's access list."""

    __tablename__ = "exclusions"
    __table_args__ = (_api_fk(), Index(None, "workspace", "customer"))

    workspace: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    api: Mapped[str] = mapped_column(String(_SLUG), primary_key=True)
    customer: Mapped[str] = mapped_column(String(_ID), primary_key=True)


class AuditEventRow(Base):
    """One change: who made it, what it touched, the rows before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "workspace", "revision"),)

    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workspace: Mapped[str | None] = mapped_column(String(_SLUG))
    actor: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    target: Mapped[str] = mapped_column(String)
    owners: Mapped[list[list[str]]]
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]
    time: Mapped[dt.datetime]


class CasbinRuleRow(Base):
    """One Casbin policy line, in the layout of Casbin's SQLAlchemy adapter."""

    __tablename__ = "casbin_rule"
    __table_args__ = (Index(None, "v0", postgresql_using="hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ptype: Mapped[str | None] = mapped_column(String(255))
    v0: Mapped[str | None] = mapped_column(String)
    v1: Mapped[str | None] = mapped_column(String)
    v2: Mapped[str | None] = mapped_column(String)
    v3: Mapped[str | None] = mapped_column(String)
    v4: Mapped[str | None] = mapped_column(String)
    v5: Mapped[str | None] = mapped_column(String)


# -- onboarding: invitations, who joined through links, the email outbox ------------------

#: Only one invitation per address, and per Customer ID, may wait in a workspace at a time.
_PENDING = text("status = 'pending'")
_PENDING_CUSTOMER = text("status = 'pending' AND customer_id IS NOT NULL")


class InvitationRow(Base):
    """An invitation by email or by link; of its token only the SHA-256 hash is kept.

    ``status`` is stored as ``pending`` until something happens to it: a
    pending row past ``expires_at`` *reads* as expired (``expired`` is stored
    only once a newer invitation replaced an expired one). ``groups`` is a
    JSON list, read and written whole. Two partial unique indexes keep one
    pending invitation per address and per Customer ID in a workspace, so a
    second process cannot slip a duplicate in. Role and groups carry no
    foreign key: they may be deleted meanwhile, which acceptance reports as
    the invitation's ``failed`` status and ``problem``.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'link')", name="kind"),
        CheckConstraint(
            "status IN ('pending', 'accepted', 'revoked', 'expired', 'failed')", name="status"
        ),
        CheckConstraint("(kind = 'email') = (email IS NOT NULL)", name="email_of_email_kind"),
        Index(None, "workspace", "status"),
        Index(
            "uq_invitations_pending_email",
            "workspace",
            "email_key",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        Index(
            "uq_invitations_pending_customer_id",
            "workspace",
            "customer_id",
            unique=True,
            sqlite_where=_PENDING_CUSTOMER,
            postgresql_where=_PENDING_CUSTOMER,
        ),
    )

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(_SLUG), _workspace_fk())
    kind: Mapped[str] = mapped_column(String(_KIND))
    email: Mapped[str | None] = mapped_column(String(_EMAIL))
    email_key: Mapped[str | None] = mapped_column(String(_EMAIL * 3))
    role: Mapped[str] = mapped_column(String(_ID))
    groups: Mapped[list[str]]
    customer_id: Mapped[str | None] = mapped_column(String(_CUSTOMER_ID))
    customer_id_key: Mapped[str | None] = mapped_column(String(_CUSTOMER_ID * 3))
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    #: How long the invitation lasts, in days: a resend gives it that long again.
    valid_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(_KIND))
    problem: Mapped[str | None] = mapped_column(String)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    accepted_by: Mapped[str | None] = mapped_column(String)
    accepted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class InvitationJoinRow(Base):
    """Someone who joined through an invitation link (kept if the person is removed later)."""

    __tablename__ = "invitation_joins"

    invitation: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(_KIND + 1 + _ID), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(_SLUG))
    email: Mapped[str] = mapped_column(String(_EMAIL))
    joined_at: Mapped[dt.datetime]


class EmailOutboxRow(Base):
    """An invitation email to send, written with the change that calls for it.

    It holds no token: the token is minted when the message is sent, so the
    database never holds one in the clear. ``context`` is what the message
    says besides its link (workspace, inviter, role names). ``channel`` names
    the sender configuration that queued it (``Sender.channel``, never a
    secret): only a deliverer of that channel, in that workspace or the
    deployment's worker, sends it. NULL for rows queued before migration 0006
    (any deliverer of their workspace sends those).
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'cancelled', 'failed')", name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "invitation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("invitations.id", ondelete="CASCADE")
    )
    workspace: Mapped[str] = mapped_column(String(_SLUG))
    recipient: Mapped[str] = mapped_column(String(_EMAIL))
    context: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(_KIND))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String)
    channel: Mapped[str | None] = mapped_column(String)
