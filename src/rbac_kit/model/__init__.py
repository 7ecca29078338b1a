"""The domain model: values, the permission catalog, built-in roles, validation, the directory."""

from ._builtin import BUILTIN_ROLE_IDS, builtin_roles
from ._catalog import (
    API_ACTIONS,
    CATALOG_VERSION,
    WORKSPACE_ACTIONS,
    Level,
    Permission,
    check_action,
    level_of,
)
from ._convert import to_jsonable
from ._directory import AccessPaths, Directory, Person, WorkspaceData
from ._subjects import PolicyOwner, Subject, customer_id_subject, split_name, subject_name
from ._values import (
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
)

__all__ = [
    "ALL_ENVIRONMENTS",
    "API_ACTIONS",
    "BUILTIN_ROLE_IDS",
    "CATALOG_VERSION",
    "WORKSPACE_ACTIONS",
    "AccessPaths",
    "Api",
    "ApiScope",
    "Customer",
    "Directory",
    "Environment",
    "Exclusion",
    "Grant",
    "Group",
    "Level",
    "Permission",
    "Person",
    "PolicyOwner",
    "Role",
    "Status",
    "Subject",
    "SubjectKind",
    "User",
    "Workspace",
    "WorkspaceData",
    "builtin_roles",
    "check_action",
    "customer_id_subject",
    "level_of",
    "split_name",
    "subject_name",
    "to_jsonable",
]
