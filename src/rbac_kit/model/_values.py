"""The value objects of a workspace: roles, people, groups, APIs, grants.

Every class is a frozen, slotted, keyword-only attrs class that checks its
fields at construction, so an invalid object cannot exist. Collections are
frozensets. Entities refer to each other by id; the :class:`Directory`
(``_directory.py``) keeps the references whole.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any, TypeVar

import attrs

from .._errors import InvalidInput
from . import _validate as v
from ._catalog import check_actions
from ._subjects import TARGET_KINDS, Subject, subject_name

__all__ = [
    "ALL_ENVIRONMENTS",
    "Api",
    "ApiScope",
    "Customer",
    "Environment",
    "Exclusion",
    "Grant",
    "Group",
    "Role",
    "Status",
    "SubjectKind",
    "User",
    "Workspace",
]


E = TypeVar("E", bound=enum.StrEnum)


class Environment(enum.StrEnum):
    """The environment an API runs in, and what a role's environment scope lists."""

    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"


#: The environment scope "all".
ALL_ENVIRONMENTS: frozenset[Environment] = frozenset(Environment)


class ApiScope(enum.StrEnum):
    """Which APIs a role's API-level permissions reach."""

    ALL = "all"  #: every API of the workspace (in the role's environments)
    GRANTED = "granted"  #: only the APIs the subject has access to


class Status(enum.StrEnum):
    """Whether a user or customer may be asked about at all."""

    ACTIVE = "active"
    DISABLED = "disabled"


class SubjectKind(enum.StrEnum):
    """The two kinds of subject; their names never collide (``user:x`` / ``customer:x``)."""

    USER = "user"
    CUSTOMER = "customer"


def _workspace_id(value: Any) -> str:
    return v.slug("workspace id", value)


def _workspace_name(value: Any) -> str:
    return v.name("workspace name", value)


def _role_id(value: Any) -> str:
    return v.entity_id("role id", value)


def _role_name(value: Any) -> str:
    return v.name("role name", value)


def _user_id(value: Any) -> str:
    return v.entity_id("user id", value)


def _email(value: Any) -> str:
    return v.email("email", value)


def _user_name(value: Any) -> str:
    return v.name("user name", value)


def _customer_entity_id(value: Any) -> str:
    return v.entity_id("customer id", value)


def _customer_id_value(value: Any) -> str:
    return v.customer_id("Customer ID", value)


def _group_id(value: Any) -> str:
    return v.entity_id("group id", value)


def _group_name(value: Any) -> str:
    return v.name("group name", value)


def _api_id(value: Any) -> str:
    return v.slug("api id", value)


def _api_name(value: Any) -> str:
    return v.name("api name", value)


def _category(value: Any) -> str:
    return v.name("category", value)


def _customer_name(value: Any) -> str:
    return v.name("customer name", value)


def _customer_ids(values: Iterable[str]) -> frozenset[str]:
    # A lone string is one Customer ID, not a set of one-letter ones.
    if isinstance(values, str):
        values = (values,)
    return frozenset(v.customer_id("Customer ID", x) for x in values)


def _group_ids(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        values = (values,)
    return frozenset(v.entity_id("group id", x) for x in values)


def _environments(values: Iterable[Environment | str]) -> frozenset[Environment]:
    if isinstance(values, str):
        values = (values,)
    result = frozenset(_environment(x) for x in values)
    if not result:
        raise InvalidInput(
            "environments must name at least one of production, staging, development"
        )
    return result


def _environment(value: Environment | str) -> Environment:
    try:
        return Environment(value)
    except ValueError:
        raise InvalidInput(
            f"environment {value!r} is not one of: production, staging, development"
        ) from None


def _choice(cls: type[E], field: str, value: Any) -> E:
    try:
        return cls(value)
    except ValueError:
        valid = ", ".join(m.value for m in cls)
        raise InvalidInput(f"{field} {value!r} is not one of: {valid}") from None


def _api_scope(value: Any) -> ApiScope:
    return _choice(ApiScope, "api scope", value)


def _status(value: Any) -> Status:
    return _choice(Status, "status", value)


@attrs.frozen(kw_only=True)
class Workspace:
    """A tenant; the Casbin domain every other entity belongs to."""

    id: str = attrs.field(converter=_workspace_id)
    name: str = attrs.field(converter=_workspace_name)


@attrs.frozen(kw_only=True)
class Role:
    """A named set of permissions with an environment scope and an API scope."""

    workspace: str = attrs.field(converter=_workspace_id)
    id: str = attrs.field(converter=_role_id)
    name: str = attrs.field(converter=_role_name)
    permissions: frozenset[str] = attrs.field(converter=check_actions)
    environments: frozenset[Environment] = attrs.field(
        default=ALL_ENVIRONMENTS, converter=_environments
    )
    api_scope: ApiScope = attrs.field(default=ApiScope.GRANTED, converter=_api_scope)
    builtin: bool = False


@attrs.frozen(kw_only=True)
class User:
    """A member of the workspace's team."""

    workspace: str = attrs.field(converter=_workspace_id)
    id: str = attrs.field(converter=_user_id)
    email: str = attrs.field(converter=_email)
    name: str = attrs.field(converter=_user_name)
    role: str = attrs.field(converter=_role_id)
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_group_ids)
    status: Status = attrs.field(default=Status.ACTIVE, converter=_status)
    password_hash: str | None = attrs.field(default=None, repr=False)

    kind = SubjectKind.USER

    @property
    def subject(self) -> str:
        """This user's subject name, ``user:<id>``."""
        return subject_name(SubjectKind.USER.value, self.id)


@attrs.frozen(kw_only=True)
class Customer:
    """An outside consumer of the workspace's APIs, tied to traffic by its Customer ID."""

    workspace: str = attrs.field(converter=_workspace_id)
    id: str = attrs.field(converter=_customer_entity_id)
    email: str = attrs.field(converter=_email)
    customer_id: str = attrs.field(converter=_customer_id_value)
    role: str = attrs.field(default="customer", converter=_role_id)
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_group_ids)
    status: Status = attrs.field(default=Status.ACTIVE, converter=_status)
    name: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(_customer_name)
    )
    #: Set when the customer signs in to the host app with a password (an
    #: imported or invited customer chose one); checked with ``verify_password``.
    password_hash: str | None = attrs.field(default=None, repr=False)

    kind = SubjectKind.CUSTOMER

    @property
    def subject(self) -> str:
        """This customer's subject name, ``customer:<id>``."""
        return subject_name(SubjectKind.CUSTOMER.value, self.id)


@attrs.frozen(kw_only=True)
class Group:
    """A named set of users and customers that API access can be granted to.

    Membership is held on the members (``User.groups`` / ``Customer.groups``).
    """

    workspace: str = attrs.field(converter=_workspace_id)
    id: str = attrs.field(converter=_group_id)
    name: str = attrs.field(converter=_group_name)


@attrs.frozen(kw_only=True)
class Api:
    """An API of the workspace, with the Customer IDs seen in its traffic."""

    workspace: str = attrs.field(converter=_workspace_id)
    id: str = attrs.field(converter=_api_id)
    name: str = attrs.field(converter=_api_name)
    environment: Environment = attrs.field(default=Environment.PRODUCTION, converter=_environment)
    category: str = attrs.field(default="general", converter=_category)
    customer_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_customer_ids)

    @property
    def object(self) -> str:
        """The object name decisions use for this API: ``<workspace>/<api id>``."""
        return f"{self.workspace}/{self.id}"


@attrs.frozen(kw_only=True)
class Grant:
    """Access to one API given to a user, customer or group."""

    workspace: str = attrs.field(converter=_workspace_id)
    api: str = attrs.field(converter=_api_id)
    #: ``user:<id>``, ``customer:<id>`` or ``group:<id>``.
    target: str = attrs.field()
    granted_by: str = "system"
    granted_at: dt.datetime = attrs.field(factory=lambda: dt.datetime.now(dt.UTC), eq=False)

    @target.validator
    def _check_target(self, _: Any, value: str) -> None:
        if not isinstance(value, str):
            raise InvalidInput(
                f"grant target must be a string like 'user:<id>', got {type(value).__name__} "
                f"{value!r}"
            )
        v.entity_id(
            "grant target id", Subject.parse(value, kinds=TARGET_KINDS, what="grant target").id
        )


@attrs.frozen(kw_only=True)
class Exclusion:
    """A customer an administrator removed from an API's access list."""

    workspace: str = attrs.field(converter=_workspace_id)
    api: str = attrs.field(converter=_api_id)
    customer: str = attrs.field(converter=_customer_entity_id)
