"""Management: every guarded change of the model, one name per operation.

:class:`Management` holds an :class:`~rbac_kit.Authorizer` (it does not
inherit it) and groups the operations by what they change:
``admin.workspaces``, ``admin.roles``, ``admin.people``, ``admin.groups``,
``admin.apis`` and ``admin.access``. Every operation names its acting
subject first and takes everything else by keyword; each is one
:meth:`Authorizer.transaction <rbac_kit.Authorizer.transaction>`, in which the
actor is authorized with the same decision gateways ask and the guards of
``_guards.py`` run before the directory changes, all under the authorizer's
write lock, so nothing can slip in between a check and the change it allows.
The actor, action and target reach the authorizer's sink, where a store
writes its audit event. Any failure raises before anything changes.

The actor :data:`~rbac_kit.SYSTEM` is the host itself (bootstrapping,
loading, tests, recording traffic): it skips every "who may" check and
keeps every rule of the data. Never pass it on behalf of a signed-in person.

Permissions per operation: ``manage_roles`` for roles; ``manage_people`` for
people; ``manage_groups`` for groups and their members; ``create_api`` to
register an API and ``edit_api`` / ``delete_api`` on the API itself to edit or
remove it; ``manage_api_access`` for grants, exclusions and Revoke All.
"""

from __future__ import annotations

from .._authorizer import Authorizer
from ._access import Access
from ._apis import Apis
from ._groups import Groups
from ._people import People
from ._roles import Roles
from ._workspaces import Workspaces

__all__ = ["Management"]


class Management:
    """The guarded admin operations over one authorizer.

    Raises (every operation): :class:`~rbac_kit.Forbidden` when the actor may
    not, :class:`~rbac_kit.NotFound` for an unknown id,
    :class:`~rbac_kit.Conflict` for a duplicate or a guard,
    :class:`~rbac_kit.InvalidInput` for a bad value.
    """

    __slots__ = ("access", "apis", "authorizer", "groups", "people", "roles", "workspaces")

    def __init__(self, authorizer: Authorizer) -> None:
        #: The authorizer whose state these operations change.
        self.authorizer = authorizer
        #: Creating workspaces (the system's bootstrap).
        self.workspaces = Workspaces(authorizer)
        #: Custom roles: create, edit, delete.
        self.roles = Roles(authorizer)
        #: Users and customers: add, change role / Customer ID / status, remove.
        self.people = People(authorizer)
        #: Groups and their members.
        self.groups = Groups(authorizer)
        #: APIs and the Customer IDs in their traffic.
        self.apis = Apis(authorizer)
        #: API access lists: add, remove, Revoke All.
        self.access = Access(authorizer)
