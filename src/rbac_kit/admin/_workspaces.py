"""Workspaces: the one bootstrap, creating a workspace with its first Owner."""

from __future__ import annotations

from .._authorizer import Authorizer
from .._errors import Forbidden
from ..model._values import User, Workspace
from . import _guards as g
from ._decider import Actor, SystemActor

__all__ = ["Workspaces"]


class Workspaces:
    """Every workspace of the authorizer: ``admin.workspaces``."""

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def create(self, actor: Actor, *, workspace: Workspace, owner: User | None) -> Workspace:
        """Create a workspace (with the five built-in roles) and its first Owner, one change.

        Only :data:`~rbac_kit.SYSTEM` may: nobody is a member of a workspace
        that does not exist yet, so the host bootstraps it. ``owner=None``
        creates a workspace with nobody in it, for loading and tests.

        Raises:
            Forbidden: ``actor`` is not the system.
            InvalidInput: ``owner`` is not an active, group-less user of
                ``workspace`` holding ``owner``.
            Conflict: the workspace exists, or the owner's id is taken.
        """
        if not isinstance(actor, SystemActor):
            raise Forbidden(f"{actor} may not create a workspace: only the system does")
        if owner is not None:
            g.require_first_owner(workspace, owner)
        else:
            g.require_workspace(workspace)
        with self._authz.transaction(
            actor=str(actor), action="create_workspace", target=workspace.id
        ) as tx:
            tx.directory.add_workspace(workspace)
            if owner is not None:
                tx.directory.put_person(owner)
        return workspace
