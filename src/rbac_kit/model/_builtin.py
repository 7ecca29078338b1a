"""The five built-in roles every workspace starts with."""

from __future__ import annotations

from ._catalog import API_ACTIONS, WORKSPACE_ACTIONS, Permission
from ._values import ALL_ENVIRONMENTS, ApiScope, Role

__all__ = ["BUILTIN_ROLE_IDS", "OWNER", "builtin_roles"]

OWNER = "owner"
ADMINISTRATOR = "administrator"
MEMBER = "member"
CUSTOMER = "customer"
NO_ACCESS = "no_access"

#: Ids of the built-in roles, in the order they are listed.
BUILTIN_ROLE_IDS = (OWNER, ADMINISTRATOR, MEMBER, CUSTOMER, NO_ACCESS)


def builtin_roles(workspace: str) -> tuple[Role, ...]:
    """The built-in roles of ``workspace``.

    Owner holds the whole catalog; Administrator all but deleting the
    workspace; both reach every API. Member sees people and the APIs it has
    access to; Customer sees the APIs it has access to; No Access holds nothing.
    """
    everything = WORKSPACE_ACTIONS | API_ACTIONS
    return (
        Role(
            workspace=workspace,
            id=OWNER,
            name="Owner",
            permissions=everything,
            environments=ALL_ENVIRONMENTS,
            api_scope=ApiScope.ALL,
            builtin=True,
        ),
        Role(
            workspace=workspace,
            id=ADMINISTRATOR,
            name="Administrator",
            permissions=everything - {Permission.DELETE_WORKSPACE.value},
            environments=ALL_ENVIRONMENTS,
            api_scope=ApiScope.ALL,
            builtin=True,
        ),
        Role(
            workspace=workspace,
            id=MEMBER,
            name="Member",
            permissions={Permission.VIEW_PEOPLE, Permission.VIEW_API, Permission.VIEW_REQUESTS},
            environments=ALL_ENVIRONMENTS,
            api_scope=ApiScope.GRANTED,
            builtin=True,
        ),
        Role(
            workspace=workspace,
            id=CUSTOMER,
            name="Customer",
            permissions={Permission.VIEW_API, Permission.VIEW_REQUESTS},
            environments=ALL_ENVIRONMENTS,
            api_scope=ApiScope.GRANTED,
            builtin=True,
        ),
        Role(
            workspace=workspace,
            id=NO_ACCESS,
            name="No Access",
            permissions=(),
            environments=ALL_ENVIRONMENTS,
            api_scope=ApiScope.GRANTED,
            builtin=True,
        ),
    )
