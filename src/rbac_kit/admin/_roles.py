"""Roles: create, edit and delete custom roles (``manage_roles``)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .._authorizer import Authorizer
from .._errors import Conflict, InvalidInput
from ..model._builtin import OWNER
from ..model._catalog import Permission
from ..model._values import ALL_ENVIRONMENTS, ApiScope, Environment, Role
from . import _guards as g
from ._decider import Actor

__all__ = ["Roles"]


class Roles:
    """The roles of every workspace: ``admin.roles``.

    The actor's own role must hold everything a role it creates or edits
    carries (permissions, and where the role holds API-level permissions,
    environments and the all-APIs scope).
    """

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def create(
        self,
        actor: Actor,
        *,
        workspace: str,
        name: str,
        permissions: Iterable[str],
        environments: Iterable[Environment | str] = ALL_ENVIRONMENTS,
        api_scope: ApiScope | str = ApiScope.GRANTED,
        id: str | None = None,
    ) -> Role:
        """Create a custom role; its id is a slug of ``name`` unless given."""
        authz = self._authz
        role_id = id if id is not None else g.free_slug(authz, workspace, "roles", name, "role")
        target = f"{workspace}/role:{role_id}"
        with authz.transaction(actor=str(actor), action="create_role", target=target) as tx:
            me = g.authorize(authz, actor, Permission.MANAGE_ROLES, workspace)
            role = Role(
                workspace=workspace,
                id=role_id,
                name=name,
                permissions=permissions,
                environments=environments,
                api_scope=api_scope,
            )
            if role.id in tx.directory.workspace(workspace).roles:
                raise Conflict(f"role id {role.id!r} already exists in workspace {workspace!r}")
            g.require_can_give(authz, me, role, f"create role {role.name!r}")
            tx.directory.put_role(role)
        return role

    def edit(
        self,
        actor: Actor,
        *,
        workspace: str,
        role: str,
        name: str | None = None,
        permissions: Iterable[str] | None = None,
        environments: Iterable[Environment | str] | None = None,
        api_scope: ApiScope | str | None = None,
    ) -> Role:
        """Change a role's name, permissions or scopes (never Owner's).

        The actor's role must hold everything the role carries before and after.
        """
        authz = self._authz
        fields = g.given(
            name=name, permissions=permissions, environments=environments, api_scope=api_scope
        )
        target = f"{workspace}/role:{role}"
        with authz.transaction(actor=str(actor), action="edit_role", target=target) as tx:
            me = g.authorize(authz, actor, Permission.MANAGE_ROLES, workspace)
            old = tx.directory.role(workspace, role)
            if old.id == OWNER:
                raise Conflict("the Owner role cannot be edited")
            if not fields:
                raise InvalidInput(
                    "edit_role needs at least one of name, permissions, environments, api_scope"
                )
            new = attrs.evolve(old, **fields)
            g.require_can_give(authz, me, old, f"edit role {old.name!r}")
            g.require_can_give(authz, me, new, f"edit role {old.name!r} this way")
            tx.directory.put_role(new)
        return new

    def delete(self, actor: Actor, *, workspace: str, role: str) -> None:
        """Delete a custom role that nobody holds."""
        authz = self._authz
        target = f"{workspace}/role:{role}"
        with authz.transaction(actor=str(actor), action="delete_role", target=target) as tx:
            g.authorize(authz, actor, Permission.MANAGE_ROLES, workspace)
            tx.directory.remove_role(workspace, role)
