"""Keys and an index for the admin lists (``_lists.py``).

Lists (``_lists.py``) search and sort case-insensitively in SQL. SQL's own
``lower()`` folds differently per database and locale (SQLite folds ASCII
only, PostgreSQL by its collation), so the store keeps Python's casefold of
each searched text beside it, as ``email_key`` and ``name_key`` already were:
``people.name_key``, ``people.customer_id_key`` and ``apis.name_key``. Rows
that exist are filled here, with the same function the store writes them with.

The columns are nullable: a customer may have no name and a user has no
Customer ID; ``apis.name_key`` is always written, but making it NOT NULL after
the fill would need SQLite to rebuild ``apis``, whose children cascade.

Two indexes serve the lists: ``ix_people_list`` holds every searched key of
people, so a people list searches and pages without reading the table; the
index on ``group_members`` by group grows to cover kind and person.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NAME_KEY = sa.String(length=600)
_CUSTOMER_ID_KEY = sa.String(length=765)
#: Rows updated per statement while filling the keys.
_CHUNK = 1000


def upgrade() -> None:
    """Add the key columns and fill them; add the lists' indexes."""
    op.add_column("people", sa.Column("name_key", _NAME_KEY, nullable=True))
    op.add_column("people", sa.Column("customer_id_key", _CUSTOMER_ID_KEY, nullable=True))
    op.add_column("apis", sa.Column("name_key", _NAME_KEY, nullable=True))
    _fill_people()
    _fill_apis()
    # Counting an API's users and customers walks from its group grants to the
    # members: a covering index from the group (SQLite otherwise scans every
    # membership of a kind, the primary key being covering too).
    op.create_index(
        op.f("ix_group_members_workspace_group_id_kind_person_id"),
        "group_members",
        ["workspace", "group_id", "kind", "person_id"],
    )
    op.drop_index(op.f("ix_group_members_workspace_group_id"), table_name="group_members")
    # The people lists search and page from this index alone (no table reads),
    # and walk it in email order: email_key then id, as they sort.
    op.create_index(
        "ix_people_list",
        "people",
        ["workspace", "kind", "email_key", "id", "name_key", "customer_id_key"],
    )


def _key(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def _fill_people() -> None:
    people = sa.table(
        "people",
        sa.column("workspace"),
        sa.column("kind"),
        sa.column("id"),
        sa.column("name"),
        sa.column("customer_id"),
        sa.column("name_key"),
        sa.column("customer_id_key"),
    )
    conn = op.get_bind()
    found = conn.execute(
        sa.select(
            people.c.workspace, people.c.kind, people.c.id, people.c.name, people.c.customer_id
        )
    ).all()
    statement = (
        sa.update(people)
        .where(
            people.c.workspace == sa.bindparam("k_workspace"),
            people.c.kind == sa.bindparam("k_kind"),
            people.c.id == sa.bindparam("k_id"),
        )
        .values(name_key=sa.bindparam("name_key"), customer_id_key=sa.bindparam("cid_key"))
    )
    params = [
        {
            "k_workspace": ws,
            "k_kind": kind,
            "k_id": ident,
            "name_key": _key(name),
            "cid_key": _key(cid),
        }
        for ws, kind, ident, name, cid in found
    ]
    for start in range(0, len(params), _CHUNK):
        conn.execute(statement, params[start : start + _CHUNK])


def _fill_apis() -> None:
    apis = sa.table(
        "apis", sa.column("workspace"), sa.column("id"), sa.column("name"), sa.column("name_key")
    )
    conn = op.get_bind()
    found = conn.execute(sa.select(apis.c.workspace, apis.c.id, apis.c.name)).all()
    statement = (
        sa.update(apis)
        .where(apis.c.workspace == sa.bindparam("k_workspace"), apis.c.id == sa.bindparam("k_id"))
        .values(name_key=sa.bindparam("name_key"))
    )
    params = [
        {"k_workspace": ws, "k_id": ident, "name_key": _key(name)} for ws, ident, name in found
    ]
    for start in range(0, len(params), _CHUNK):
        conn.execute(statement, params[start : start + _CHUNK])


def downgrade() -> None:
    """Drop the key columns and restore the narrower membership index."""
    op.drop_index("ix_people_list", table_name="people")
    op.create_index(
        op.f("ix_group_members_workspace_group_id"), "group_members", ["workspace", "group_id"]
    )
    op.drop_index(
        op.f("ix_group_members_workspace_group_id_kind_person_id"), table_name="group_members"
    )
    op.drop_column("apis", "name_key")
    op.drop_column("people", "customer_id_key")
    op.drop_column("people", "name_key")
