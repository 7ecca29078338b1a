"""The permission catalog: a fixed, versioned list of every action name.

Two levels. Workspace-level actions are asked with the workspace as the
object; API-level actions are asked with an API. Adding an action bumps
:data:`CATALOG_VERSION`; an action name outside the catalog is an error,
never a silent deny.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .._errors import UnknownAction

__all__ = [
    "API_ACTIONS",
    "CATALOG_VERSION",
    "WORKSPACE_ACTIONS",
    "Level",
    "Permission",
    "check_action",
    "check_actions",
    "level_of",
]

#: Bumped whenever an action is added to or removed from the catalog.
CATALOG_VERSION = 1


class Level(enum.Enum):
    """Where an action is asked: of the workspace or of one API."""

    WORKSPACE = "workspace"
    API = "api"


class Permission(enum.StrEnum):
    """Every action name rbac_kit knows, as stored in policies."""

    # Workspace level.
    MANAGE_WORKSPACE = "manage_workspace"
    DELETE_WORKSPACE = "delete_workspace"
    CREATE_API = "create_api"
    VIEW_PEOPLE = "view_people"
    INVITE_PEOPLE = "invite_people"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_ROLES = "manage_roles"
    MANAGE_GROUPS = "manage_groups"
    MANAGE_API_ACCESS = "manage_api_access"
    # API level.
    VIEW_API = "view_api"
    VIEW_REQUESTS = "view_requests"
    EDIT_API = "edit_api"
    DELETE_API = "delete_api"


#: Actions asked of a workspace.
WORKSPACE_ACTIONS: frozenset[str] = frozenset(
    p.value
    for p in (
        Permission.MANAGE_WORKSPACE,
        Permission.DELETE_WORKSPACE,
        Permission.CREATE_API,
        Permission.VIEW_PEOPLE,
        Permission.INVITE_PEOPLE,
        Permission.MANAGE_PEOPLE,
        Permission.MANAGE_ROLES,
        Permission.MANAGE_GROUPS,
        Permission.MANAGE_API_ACCESS,
    )
)

#: Actions asked of one API.
API_ACTIONS: frozenset[str] = frozenset(p.value for p in Permission) - WORKSPACE_ACTIONS

_ALL = WORKSPACE_ACTIONS | API_ACTIONS


def check_action(action: str) -> str:
    """Return ``action`` if the catalog holds it.

    Raises:
        UnknownAction: naming the action and listing the valid ones.
    """
    if action in _ALL:
        return action
    raise UnknownAction(
        f"unknown action {action!r}; the catalog (version {CATALOG_VERSION}) holds: "
        + ", ".join(sorted(_ALL))
    )


def check_actions(actions: Iterable[str]) -> frozenset[str]:
    """Validate every action of ``actions`` and return them as a frozenset.

    A lone string is one action name (not a sequence of letters).
    """
    if isinstance(actions, str):
        actions = (actions,)
    return frozenset(check_action(a) for a in actions)


def level_of(action: str) -> Level:
    """Return the level an action is asked at (raises for an unknown action)."""
    return Level.WORKSPACE if check_action(action) in WORKSPACE_ACTIONS else Level.API
