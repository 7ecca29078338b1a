"""API access: grant, remove, and Revoke All (``manage_api_access``, and reaching the API)."""

from __future__ import annotations

from collections.abc import Iterable

from .._authorizer import Authorizer
from .._errors import Conflict, InvalidInput
from ..model._values import Grant
from . import _guards as g
from ._decider import Actor

__all__ = ["Access"]


class Access:
    """The access lists of every API: ``admin.access``.

    Nobody hands out access they lack: the actor must reach the API
    (``can(actor, "view_api", api)``) to change its access list.
    """

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def add(
        self, actor: Actor, *, workspace: str, api: str, targets: str | Iterable[str]
    ) -> tuple[Grant, ...]:
        """Grant users, customers or groups (``group:<id>``) access to an API.

        For a customer removed from the API's access list this lifts the
        exclusion. All targets are granted in one change, or none is.

        Raises:
            Conflict: a target already has a direct grant on the API.
        """
        authz = self._authz
        listed = g.unique(targets)
        with authz.transaction(
            actor=str(actor), action="add_access", target=f"{workspace}/{api}"
        ) as tx:
            _, target_api = g.authorize_access(authz, actor, workspace, api, "add access to")
            if not listed:
                raise InvalidInput("add_access needs at least one user, customer or group")
            for target in listed:
                g.require_target(authz, workspace, target)
                if (api, target) in tx.directory.workspace(workspace).grants:
                    raise Conflict(f"{target} already has access to API {target_api.object!r}")
            grants = tuple(
                Grant(workspace=workspace, api=api, target=t, granted_by=str(actor)) for t in listed
            )
            for grant in grants:
                tx.directory.add_access(grant)
        return grants

    def remove(self, actor: Actor, *, workspace: str, api: str, target: str) -> None:
        """Take one entry off an API's access list; a customer becomes excluded from it."""
        authz = self._authz
        with authz.transaction(
            actor=str(actor), action="remove_access", target=f"{workspace}/{api}"
        ) as tx:
            g.authorize_access(authz, actor, workspace, api, "remove access to")
            g.require_target(authz, workspace, target)
            tx.directory.remove_access(workspace, api, target)

    def revoke_all(self, actor: Actor, *, workspace: str, api: str) -> None:
        """Revoke All Access: drop every grant and exclude every matching customer."""
        authz = self._authz
        with authz.transaction(
            actor=str(actor), action="revoke_all", target=f"{workspace}/{api}"
        ) as tx:
            g.authorize_access(authz, actor, workspace, api, "revoke all access to")
            tx.directory.revoke_all(workspace, api)
