"""Writes that ride along with the next change: one transaction for a change and its side rows.

Some changes are more than a directory change. Accepting an invitation
creates a person (a policy change the store persists) *and* marks the
invitation accepted; inviting someone changes no policy at all but must
still be audited at a revision. The change's transaction carries such an
:class:`ExtraWrite` (:meth:`rbac_kit.Transaction.write_along`) to
:meth:`Store.persist <rbac_kit.store.Store.persist>`, which runs it inside
the change's own database transaction, after the change's rows, and adds
the rows it reports to the change's audit event. Either everything commits
or nothing does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeAlias

import attrs
from sqlalchemy import Connection

__all__ = ["AuditRows", "ExtraWrite"]

#: Rows by table name, JSON-ready (times as ISO 8601 text), for an audit event.
AuditRows: TypeAlias = dict[str, list[dict[str, Any]]]


@attrs.frozen
class ExtraWrite:
    """Rows of ``workspace`` to write in the transaction of the next change.

    ``write(conn, revision, time)`` runs after the change's own rows and
    returns the rows it touched, before and after, for the audit event. It
    may raise to cancel the whole change (an :class:`~rbac_kit.RbacKitError`
    reaches the caller as it is).
    """

    workspace: str
    write: Callable[[Connection, int, dt.datetime], tuple[AuditRows, AuditRows]]
