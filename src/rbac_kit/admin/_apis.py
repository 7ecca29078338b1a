"""APIs: register, edit and remove APIs, record the Customer IDs in their traffic
(``create_api``, and ``edit_api`` / ``delete_api`` on the API itself)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .._authorizer import Authorizer
from .._errors import Conflict, InvalidInput
from ..model import _validate as v
from ..model._catalog import Permission
from ..model._values import Api, ApiScope, Environment, Grant
from . import _guards as g
from ._decider import Actor

__all__ = ["Apis"]


class Apis:
    """The APIs of every workspace: ``admin.apis``."""

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def register(
        self,
        actor: Actor,
        *,
        workspace: str,
        name: str,
        id: str | None = None,
        environment: Environment | str = Environment.PRODUCTION,
        category: str = "general",
    ) -> Api:
        """Register an API in an environment the actor's role covers.

        Its id is a slug of ``name`` unless given. An actor whose role
        reaches only granted APIs is granted the new API in the same change,
        so its creator can see and edit it.
        """
        authz = self._authz
        api_id = id if id is not None else g.free_slug(authz, workspace, "apis", name, "api")
        target = f"{workspace}/{api_id}"
        with authz.transaction(actor=str(actor), action="register_api", target=target) as tx:
            me = g.authorize(authz, actor, Permission.CREATE_API, workspace)
            api = Api(
                workspace=workspace,
                id=api_id,
                name=name,
                environment=environment,
                category=category,
            )
            d = tx.directory
            if api.id in d.workspace(workspace).apis:
                raise Conflict(f"API id {api.id!r} already exists in workspace {workspace!r}")
            g.require_environment(authz, me, api, "register")
            d.put_api(api)
            if me is not None and d.role(workspace, me.role).api_scope is ApiScope.GRANTED:
                d.add_access(
                    Grant(workspace=workspace, api=api.id, target=me.subject, granted_by=str(actor))
                )
        return api

    def edit(
        self,
        actor: Actor,
        *,
        workspace: str,
        api: str,
        name: str | None = None,
        environment: Environment | str | None = None,
        category: str | None = None,
    ) -> Api:
        """Change an API's name, environment or category (``edit_api`` on that API)."""
        authz = self._authz
        fields = g.given(name=name, environment=environment, category=category)
        with authz.transaction(
            actor=str(actor), action="edit_api", target=f"{workspace}/{api}"
        ) as tx:
            me, old = g.authorize_api(authz, actor, Permission.EDIT_API, workspace, api)
            if not fields:
                raise InvalidInput("edit_api needs at least one of name, environment, category")
            new = attrs.evolve(old, **fields)
            g.require_environment(authz, me, new, "move")
            tx.directory.put_api(new)
        return new

    def record_customer_ids(
        self, actor: Actor, *, workspace: str, api: str, customer_ids: Iterable[str]
    ) -> Api:
        """Record Customer IDs seen in an API's traffic; their customers gain access.

        ``actor`` is :data:`~rbac_kit.SYSTEM` when the host records traffic, or
        a subject holding ``edit_api`` on the API. Recording only IDs already
        recorded is no change at all (no audit event) and returns the API as it is.
        """
        authz = self._authz
        values = g.unique(customer_ids)
        for value in values:
            v.customer_id("Customer ID", value)
        # Traffic repeats itself: IDs already recorded make no change (and no audit
        # event). Read outside the write lock; the change below checks again.
        current = g.authorize_api(authz, actor, Permission.EDIT_API, workspace, api)[1]
        if set(values) <= current.customer_ids:
            return current
        target = f"{workspace}/{api}"
        with authz.transaction(actor=str(actor), action="record_customer_ids", target=target) as tx:
            old = g.authorize_api(authz, actor, Permission.EDIT_API, workspace, api)[1]
            new = attrs.evolve(old, customer_ids=old.customer_ids | set(values))
            tx.directory.put_api(new)
        return new

    def remove(self, actor: Actor, *, workspace: str, api: str) -> None:
        """Remove an API with its grants and exclusions (``delete_api`` on that API)."""
        authz = self._authz
        with authz.transaction(
            actor=str(actor), action="remove_api", target=f"{workspace}/{api}"
        ) as tx:
            g.authorize_api(authz, actor, Permission.DELETE_API, workspace, api)
            tx.directory.remove_api(workspace, api)
