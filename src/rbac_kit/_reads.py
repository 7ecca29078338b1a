"""Reads of a workspace, authorized like writes: lists, views, the audit log, explanations.

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
a role, a group          ``view_people``
an API's view            ``view_people`` and ``view_api`` on that API
a person                 ``view_people``, or the person asking about itself
the audit log            ``manage_workspace``
explain another subject  ``view_people`` (explaining oneself needs nothing)
the workspaces           none: an actor sees the workspaces it is a member of
=======================  ======================================================

:data:`~rbac_kit.SYSTEM` reads everything; it is never the default: a read
without an actor is not offered. The views (:meth:`Reads.role`,
:meth:`Reads.api`, :meth:`Reads.group`, :meth:`Reads.person`) return the
values of ``views.py``, built from the directory; an unknown id is
:class:`~rbac_kit.NotFound` only to an actor the read is authorized for.
Exports and invitations authorize their reads the same way in their own
services (``onboarding``).

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
from .views import (
    ApiView,
    GroupView,
    PersonView,
    RoleView,
    api_view,
    group_view,
    person_view,
    role_view,
)

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

    def role(self, actor: Actor, *, workspace: str, role: str) -> RoleView:
        """Role ``role``: its permissions, environments, API scope, how many hold it
        (``view_people``)."""
        with self._authz.reading() as d:
            g.authorize(self._authz, actor, Permission.VIEW_PEOPLE, workspace)
            return role_view(d.workspace(workspace), d.role(workspace, role))

    def api(self, actor: Actor, *, workspace: str, api: str) -> ApiView:
        """API ``api`` with its access list and who reaches it by role.

        Needs ``view_people`` in the workspace (the lists name people: a
        customer does not see the other customers of an API) and ``view_api``
        on the API (an actor whose role reaches granted APIs only sees the
        APIs it has access to). See :class:`~rbac_kit.views.ApiView` for what
        the lists hold.
        """
        with self._authz.reading() as d:
            g.authorize(self._authz, actor, Permission.VIEW_PEOPLE, workspace)
            found = g.authorize_api(self._authz, actor, Permission.VIEW_API, workspace, api)[1]
            return api_view(self._authz, d.workspace(workspace), found)

    def group(self, actor: Actor, *, workspace: str, group: str) -> GroupView:
        """Group ``group``: its members and the APIs granted to it (``view_people``)."""
        with self._authz.reading() as d:
            g.authorize(self._authz, actor, Permission.VIEW_PEOPLE, workspace)
            return group_view(d.workspace(workspace), d.group(workspace, group).id)

    def person(self, actor: Actor, *, workspace: str, subject: str) -> PersonView:
        """User or customer ``subject``: role, status, groups, Customer ID, direct grants and
        the APIs it may view.

        A member may always view itself (as it may explain itself); anyone
        else needs ``view_people`` in the workspace.
        """
        with self._authz.reading() as d:
            if actor != subject or d.workspace_of(subject) != workspace:
                g.authorize(self._authz, actor, Permission.VIEW_PEOPLE, workspace)
            person = g.person_in(self._authz, workspace, subject)
            return person_view(self._authz, d.workspace(workspace), person)

    def workspaces(self, actor: Actor) -> tuple[Workspace, ...]:
        """The workspaces ``actor`` is an active member of (every one, for SYSTEM), by id."""
        with self._authz.reading() as d:
            found = [
                data.workspace
                for data in d.workspaces()
                if actor is SYSTEM
                or (
                    isinstance(actor, str)
                    and (person := data.person(actor)) is not None
                    and person.status is Status.ACTIVE
                )
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
