"""Writes that ride along with the next change: one transaction for a change and its side rows.

Some changes are more than a directory change. Accepting an invitation
creates a person (a policy change the sink persists) *and* marks the
invitation accepted; inviting someone changes no policy at all but must
still be audited at a revision. :meth:`Store.together <rbac_kit.store.Store.together>`
registers an :class:`ExtraWrite` for the next change this store's sink
persists in the current thread (a :class:`~contextvars.ContextVar`, so
other threads' changes never pick it up); the sink runs it inside the
change's own transaction, after the change's rows, and adds the rows it
reports to the change's audit event. Either everything commits or nothing
does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeAlias

import attrs
from sqlalchemy import Connection

from .._errors import InvalidInput

__all__ = ["PENDING", "AuditRows", "ExtraWrite", "Registration"]

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


class Registration:
    """An :class:`ExtraWrite` waiting for a sink call of ``owner`` (a store)."""

    __slots__ = ("extra", "owner", "used")

    def __init__(self, extra: ExtraWrite, owner: object) -> None:
        self.extra = extra
        self.owner = owner
        self.used = False

    def take(self) -> ExtraWrite:
        """The extra write, for the one sink call allowed to run it."""
        if self.used:
            raise InvalidInput(
                "a Store.together() block persists exactly one change; "
                "this one tried to persist a second"
            )
        self.used = True
        return self.extra


#: The registration of the ``Store.together`` block running in this thread, if any.
PENDING: ContextVar[Registration | None] = ContextVar("rbac_kit_store_extra", default=None)
