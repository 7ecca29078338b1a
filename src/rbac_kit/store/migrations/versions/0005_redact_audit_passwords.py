"""Password hashes out of the audit events written before they were redacted.

Until this version an audit event's ``before`` and ``after`` held each
touched person's ``people`` row whole, password hash included (and
``rbac-kit audit --json`` printed it). New events show the hash as
``redacted:`` and a 12-character SHA-256 fingerprint (see
``store/_rows.py``); this rewrites the older events the same way, so the
hash lives in the ``people`` table only. The fingerprint is computed the same
way, so old and new events compare.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_REDACTED = "redacted:"
#: Events read per batch.
_BATCH = 1000


def _redacted(rows: Any) -> tuple[Any, bool]:
    """``rows`` (an event's ``people`` list) with hashes redacted, and whether any was."""
    if not isinstance(rows, list):
        return rows, False
    changed = False
    out = []
    for row in rows:
        value = row.get("password_hash") if isinstance(row, dict) else None
        if isinstance(value, str) and not value.startswith(_REDACTED):
            fingerprint = hashlib.sha256(value.encode()).hexdigest()[:12]
            row = {**row, "password_hash": _REDACTED + fingerprint}
            changed = True
        out.append(row)
    return out, changed


def upgrade() -> None:
    """Rewrite every event whose people rows hold a password hash."""
    events = sa.table(
        "audit_events",
        sa.column("revision", sa.Integer),
        sa.column("before", _JSON),
        sa.column("after", _JSON),
    )
    conn = op.get_bind()
    last = -1
    while True:
        found = conn.execute(
            sa.select(events.c.revision, events.c.before, events.c.after)
            .where(events.c.revision > last)
            .order_by(events.c.revision)
            .limit(_BATCH)
        ).all()
        if not found:
            return
        for number, before, after in found:
            values: dict[str, Any] = {}
            for name, snapshot in (("before", before), ("after", after)):
                if isinstance(snapshot, dict) and "people" in snapshot:
                    people, changed = _redacted(snapshot["people"])
                    if changed:
                        values[name] = {**snapshot, "people": people}
            if values:
                conn.execute(sa.update(events).where(events.c.revision == number).values(**values))
        last = found[-1][0]


def downgrade() -> None:
    """Nothing to undo: the hashes are in the ``people`` table, not to be copied back."""
