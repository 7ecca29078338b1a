"""rbac_kit: an embedded authorization decision point.

Model a workspace's users, customers, groups, roles and APIs; rbac_kit
compiles them into Casbin policy and answers ``can(subject, action, object)``
from an in-memory index that agrees with Casbin's own enforcer::

    from rbac_kit import Api, Authorizer, Grant, User, Workspace

    authz = Authorizer()
    authz.add_workspace(Workspace(id="acme", name="Acme"))
    authz.put_api(Api(workspace="acme", id="payments", name="Payments"))
    authz.put_person(User(workspace="acme", id="ann", email="ann@acme.io",
                          name="Ann", role="member"))
    authz.add_access(Grant(workspace="acme", api="payments", target="user:ann"))
    assert authz.can("user:ann", "view_api", "acme/payments")

Subjects are ``user:<id>``, ``customer:<id>`` or, to ask by Customer ID,
:func:`customer_id_subject`. Objects are a workspace id (for workspace-level
actions) or ``<workspace>/<api id>``.
"""

from ._authorizer import Authorizer, ChangeRecord, ChangeSink
from ._builtin import BUILTIN_ROLE_IDS, builtin_roles
from ._catalog import (
    API_ACTIONS,
    CATALOG_VERSION,
    WORKSPACE_ACTIONS,
    Level,
    Permission,
    level_of,
)
from ._directory import AccessPaths, Directory, Owner, WorkspaceData
from ._errors import (
    AuthorizationError,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidPolicy,
    NotFound,
    RbacKitError,
    UnknownAction,
)
from ._explain import Explanation, explain
from ._management import Management
from ._model import (
    ALL_ENVIRONMENTS,
    Api,
    ApiScope,
    Customer,
    Environment,
    Exclusion,
    Grant,
    Group,
    Role,
    Status,
    SubjectKind,
    User,
    Workspace,
    customer_id_subject,
    subject_key,
)
from .policy import (
    MODEL_PATH,
    CasbinReference,
    DecisionIndex,
    Policy,
    PolicyDelta,
    Rule,
    casbin_request,
    compile_directory,
    compile_owners,
)

__all__ = [
    "ALL_ENVIRONMENTS",
    "API_ACTIONS",
    "BUILTIN_ROLE_IDS",
    "CATALOG_VERSION",
    "MODEL_PATH",
    "WORKSPACE_ACTIONS",
    "AccessPaths",
    "Api",
    "ApiScope",
    "AuthorizationError",
    "Authorizer",
    "CasbinReference",
    "ChangeRecord",
    "ChangeSink",
    "Conflict",
    "Customer",
    "DecisionIndex",
    "Directory",
    "Environment",
    "Exclusion",
    "Explanation",
    "Forbidden",
    "Grant",
    "Group",
    "InvalidInput",
    "InvalidPolicy",
    "Level",
    "Management",
    "NotFound",
    "Owner",
    "Permission",
    "Policy",
    "PolicyDelta",
    "RbacKitError",
    "Role",
    "Rule",
    "Status",
    "SubjectKind",
    "UnknownAction",
    "User",
    "Workspace",
    "WorkspaceData",
    "builtin_roles",
    "casbin_request",
    "compile_directory",
    "compile_owners",
    "customer_id_subject",
    "explain",
    "level_of",
    "subject_key",
]
