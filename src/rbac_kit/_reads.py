"""Reads of a workspace, authorized like writes: lists, the audit log, explanations.

:class:`Reads` composes a store (the lists and the audit log live in SQL) and
the :class:`~rbac_kit.Authorizer` that persists into it (the decisions that
authorize a read). Every read names its actor first and needs the matching
permission in the workspace it reads, from the same decision index a
gateway asks:

=======================  ======================================================
read                     needs
=======================  ======================================================
users, customers, groups ``view_people``
roles                    ``view_people`` (roles are what people hold)
APIs                     a role holding ``view_api``
the audit log            ``manage_workspace``
explain another subject  ``view_people`` (explaining oneself needs nothing)
the workspaces           none: an actor sees the workspaces it is a member of
=======================  ======================================================

:data:`~rbac_kit.SYSTEM` reads everything; it is never the default: a read
without an actor is not offered. Exports and invitations authorize their
reads the same way in their own services (``onboarding``).

This module sits above both the facade and the store, like ``_persistent.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._authorizer import Authorizer
from ._errors import Forbidden, InvalidInput, NotFound
from ._persistent import require_persisting
from .admin import SYSTEM, Actor
from .admin import _guards as g
from .model import Permission, Status, Workspace
from .policy import Explanation

if TYPE_CHECKING:
    from .store import AuditEvent, ListQuery, Page, Store

__all__ = ["Reads"]

#: The permission each list needs (``apis``: a role holding it, see the module table).
_LIST_PERMISSION = {
    "users": Permission.VIEW_PEOPLE,
    "customers": Permission.VIEW_PEOPLE,
    "groups": Permission.VIEW_PEOPLE,
    "roles": Permission.VIEW_PEOPLE,
    "apis": Permission.VIEW_API,
}


class Reads:
    """The authorized reads of every workspace in ``store``.

    Args:
        store: the store the lists and the audit log are read from.
        authorizer: the Authorizer persisting into ``store`` (see
            :func:`rbac_kit.open_authorizer`); its decisions authorize each read.

    Raises (every read): :class:`~rbac_kit.Forbidden` when the actor may not,
    :class:`~rbac_kit.NotFound` for an unknown workspace (only to an actor who
    could read it), :class:`~rbac_kit.InvalidInput` for a bad query.
    """

    __slots__ = ("_authz", "_store")

    def __init__(self, store: Store, authorizer: Authorizer) -> None:
        require_persisting(store, authorizer)
        self._store = store
        self._authz = authorizer

    def list(
        self, actor: Actor, *, workspace: str, kind: str, query: ListQuery | None = None
    ) -> Page:
        """One page of a workspace's users, customers, groups, roles or APIs.

        See :meth:`Store.list <rbac_kit.store.Store.list>` for the query.
        """
        permission = _LIST_PERMISSION.get(kind) if isinstance(kind, str) else None
        if permission is None:
            raise InvalidInput(f"no list {kind!r}; lists: {', '.join(sorted(_LIST_PERMISSION))}")
        if permission is Permission.VIEW_API:
            self._require_role_holds(actor, workspace, permission)
        else:
            g.authorize(self._authz, actor, permission, workspace)
        return self._store.list(kind, workspace, query)

    def audit(
        self, actor: Actor, *, workspace: str, after: int = 0, limit: int | None = None
    ) -> tuple[AuditEvent, ...]:
        """The workspace's audit events after revision ``after``, oldest first
        (``manage_workspace``)."""
        g.authorize(self._authz, actor, Permission.MANAGE_WORKSPACE, workspace)
        return tuple(self._store.events(after, limit=limit, workspace=workspace))

    def explain(self, actor: Actor, subject: str, action: str, obj: str) -> Explanation:
        """The decision about ``subject`` with its reasons.

        An actor may always ask about itself; about anyone else it needs
        ``view_people`` in the workspace ``obj`` belongs to.
        """
        if actor != subject:
            workspace = obj.split("/", 1)[0] if isinstance(obj, str) else ""
            g.authorize(self._authz, actor, Permission.VIEW_PEOPLE, workspace)
        return self._authz.explain(subject, action, obj)

    def workspaces(self, actor: Actor) -> tuple[Workspace, ...]:
        """The workspaces ``actor`` is an active member of (every one, for SYSTEM), by id."""
        d = self._authz.directory
        found = [data.workspace for data in d.workspaces()]
        if actor is not SYSTEM:
            found = [
                w
                for w in found
                if isinstance(actor, str)
                and (person := d.workspace(w.id).person(actor)) is not None
                and person.status is Status.ACTIVE
            ]
        return tuple(sorted(found, key=lambda w: w.id))

    def _require_role_holds(self, actor: Actor, workspace: str, permission: Permission) -> None:
        """Require an active member of ``workspace`` whose role holds ``permission``."""
        if actor is SYSTEM:
            self._authz.directory.workspace(workspace)
            return
        d = self._authz.directory
        try:
            data = d.workspace(workspace)
        except NotFound:  # said as for a workspace that exists: no probing for names
            data = None
        person = data.person(actor) if data is not None and isinstance(actor, str) else None
        if person is None or person.status is not Status.ACTIVE:
            raise Forbidden(
                f"{actor} may not list the APIs of workspace {workspace!r}: "
                f"{actor} is not an active member of it"
            )
        role = d.role(workspace, person.role)
        if permission.value not in role.permissions:
            raise Forbidden(
                f"{actor} may not list the APIs of workspace {workspace!r}: "
                f"role {role.name!r} does not hold {permission.value!r}"
            )
