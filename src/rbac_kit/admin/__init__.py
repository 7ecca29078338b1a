"""The guarded admin operations: who may change what, and the change itself.

``Management(authorizer)`` groups them by entity (``workspaces``, ``roles``,
``people``, ``groups``, ``apis``, ``access``); :data:`SYSTEM` is the trusted
actor; :class:`Decider` is what the guards ask of the state they check.
"""

from ._access import Access
from ._apis import Apis
from ._decider import SYSTEM, Actor, Decider, SystemActor
from ._groups import Groups
from ._management import Management
from ._people import People
from ._roles import Roles
from ._workspaces import Workspaces

__all__ = [
    "SYSTEM",
    "Access",
    "Actor",
    "Apis",
    "Decider",
    "Groups",
    "Management",
    "People",
    "Roles",
    "SystemActor",
    "Workspaces",
]
