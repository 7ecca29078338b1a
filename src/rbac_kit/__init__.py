"""rbac_kit: an embedded authorization decision point.

Model a workspace's users, customers, groups, roles and APIs; rbac_kit
compiles them into Casbin policy and answers ``can(subject, action, object)``
from an in-memory index that agrees with Casbin's own enforcer. Every change
goes through :class:`Management`, guarded: the actor comes first, and the host
itself bootstraps as :data:`SYSTEM`::

    from rbac_kit import SYSTEM, Authorizer, Management, User, Workspace

    authz = Authorizer()
    admin = Management(authz)
    admin.workspaces.create(
        SYSTEM,
        workspace=Workspace(id="acme", name="Acme"),
        owner=User(workspace="acme", id="olivia", email="olivia@acme.io",
                   name="Olivia", role="owner"),
    )
    admin.apis.register("user:olivia", workspace="acme", name="Payments", id="payments")
    admin.people.add_user("user:olivia", workspace="acme", id="ann",
                          email="ann@acme.io", name="Ann")
    admin.access.add("user:olivia", workspace="acme", api="payments", targets=["user:ann"])
    assert authz.can("user:ann", "view_api", "acme/payments")

Subjects are ``user:<id>``, ``customer:<id>`` or, to ask by Customer ID,
:func:`customer_id_subject`. Objects are a workspace id (for workspace-level
actions) or ``<workspace>/<api id>``.

This package holds the names a host application needs; the rest is reachable
from its subpackage: :mod:`rbac_kit.model` (values, catalog, directory),
:mod:`rbac_kit.policy` (compiler, index, ``policy.casbin`` on demand),
:mod:`rbac_kit.admin` (the guarded operations by entity),
:mod:`rbac_kit.onboarding` (invitations, CSV, mail, passwords),
:mod:`rbac_kit.store` (the database), :mod:`rbac_kit.service`,
:mod:`rbac_kit.testing`.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._authorizer import Authorizer, Transaction
from ._errors import (
    AuthorizationError,
    Conflict,
    Forbidden,
    ImportRejected,
    InvalidInput,
    InvalidPolicy,
    InvalidToken,
    NotFound,
    RbacKitError,
    RowError,
    StoreUnavailable,
    UnknownAction,
)
from ._lazy import lazy_names as _lazy_names
from ._persistent import Follower, FollowerStatus, open_authorizer
from ._reads import Reads
from .admin import SYSTEM, Management
from .model import (
    Api,
    ApiScope,
    Customer,
    Environment,
    Grant,
    Group,
    Permission,
    Role,
    Status,
    User,
    Workspace,
    customer_id_subject,
)
from .onboarding import Invitee, export_csv, import_people
from .policy import Explanation

__all__ = [
    "SYSTEM",
    "Api",
    "ApiScope",
    "AuthorizationError",
    "Authorizer",
    "Conflict",
    "Customer",
    "Environment",
    "Explanation",
    "Follower",
    "FollowerStatus",
    "Forbidden",
    "Grant",
    "Group",
    "ImportRejected",
    "InvalidInput",
    "InvalidPolicy",
    "InvalidToken",
    "Invitations",
    "Invitee",
    "Management",
    "NotFound",
    "Permission",
    "RbacKitError",
    "Reads",
    "Role",
    "RowError",
    "Status",
    "StoreUnavailable",
    "Transaction",
    "UnknownAction",
    "User",
    "Workspace",
    "customer_id_subject",
    "export_csv",
    "import_people",
    "open_authorizer",
]

if _TYPE_CHECKING:
    from .onboarding import Invitations


__getattr__, __dir__ = _lazy_names(__name__, {"Invitations": "rbac_kit.onboarding"})
