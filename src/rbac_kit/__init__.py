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

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._authorizer import Authorizer, ChangeRecord, ChangeSink
from ._errors import (
    INVALID_TOKEN_MESSAGE,
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
    UnknownAction,
)
from .admin._management import Management
from .model._builtin import BUILTIN_ROLE_IDS, builtin_roles
from .model._catalog import (
    API_ACTIONS,
    CATALOG_VERSION,
    WORKSPACE_ACTIONS,
    Level,
    Permission,
    level_of,
)
from .model._directory import AccessPaths, Directory, Owner, WorkspaceData
from .model._values import (
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
from .onboarding._mail import ConsoleSender, MemorySender, OutboxFolderSender, Sender, SmtpSender
from .onboarding._passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    OWASP_ARGON2ID,
    HashProgress,
    PasswordCheck,
    PasswordHashing,
    check_password_strength,
    default_workers,
    hash_password,
    hash_passwords,
    verify_password,
)
from .onboarding.csv._export import ExportKind, export_csv
from .onboarding.csv._format import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PeopleKind, csv_template
from .onboarding.csv._import import ImportReport, import_people
from .onboarding.invitations._values import (
    DEFAULT_EMAIL_DAYS,
    LINK_LIFETIME,
    MAX_EMAIL_DAYS,
    MIN_EMAIL_DAYS,
    DeliveryReport,
    Invitation,
    InvitationKind,
    InvitationPage,
    InvitationStatus,
    Invitee,
    IssuedLink,
    LinkJoin,
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
from .policy._explain import Explanation, explain

__all__ = [
    "ALL_ENVIRONMENTS",
    "API_ACTIONS",
    "BUILTIN_ROLE_IDS",
    "CATALOG_VERSION",
    "DEFAULT_EMAIL_DAYS",
    "INVALID_TOKEN_MESSAGE",
    "LINK_LIFETIME",
    "MAX_EMAIL_DAYS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_PASSWORD_LENGTH",
    "MIN_EMAIL_DAYS",
    "MIN_PASSWORD_LENGTH",
    "MODEL_PATH",
    "OWASP_ARGON2ID",
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
    "ConsoleSender",
    "Customer",
    "DecisionIndex",
    "DeliveryReport",
    "Directory",
    "Environment",
    "Exclusion",
    "Explanation",
    "ExportKind",
    "Forbidden",
    "Grant",
    "Group",
    "HashProgress",
    "ImportRejected",
    "ImportReport",
    "InvalidInput",
    "InvalidPolicy",
    "InvalidToken",
    "Invitation",
    "InvitationKind",
    "InvitationPage",
    "InvitationStatus",
    "Invitations",
    "Invitee",
    "IssuedLink",
    "Level",
    "LinkJoin",
    "Management",
    "MemorySender",
    "NotFound",
    "OutboxFolderSender",
    "Owner",
    "PasswordCheck",
    "PasswordHashing",
    "PeopleKind",
    "Permission",
    "Policy",
    "PolicyDelta",
    "RbacKitError",
    "Role",
    "RowError",
    "Rule",
    "Sender",
    "SmtpSender",
    "Status",
    "SubjectKind",
    "UnknownAction",
    "User",
    "Workspace",
    "WorkspaceData",
    "builtin_roles",
    "casbin_request",
    "check_password_strength",
    "compile_directory",
    "compile_owners",
    "csv_template",
    "customer_id_subject",
    "default_workers",
    "explain",
    "export_csv",
    "hash_password",
    "hash_passwords",
    "import_people",
    "level_of",
    "subject_key",
    "verify_password",
]

if _TYPE_CHECKING:
    from .onboarding.invitations._service import Invitations


def __getattr__(name: str) -> object:
    """``Invitations``, imported on first use.

    It works on a store, and importing the store (SQLAlchemy, the schema)
    takes most of the time of ``import rbac_kit``: a gateway or a test suite
    that only decides should not pay for it.
    """
    if name == "Invitations":
        from .onboarding.invitations._service import Invitations

        return Invitations
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "Invitations"})
