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
from typing import Any
import attrs

from . import _validate as v
from ._catalog import check_actions
from ._names import encode_customer_id

__all__ = [
    "ALL_ENVIRONMENTS",
    "ApiScope",
    "Api",
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
    "customer_id_subject",
    "subject_key",
]


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


def subject_key(kind: SubjectKind, id: str) -> str:
    """The subject name used in policies and decisions, e.g. ``user:u-1``."""
    return f"{kind.value}:{id}"


def customer_id_subject(customer_id: str) -> str:
    """The subject name a gateway uses to ask about a customer by its Customer ID.

    The Customer ID is percent-encoded (only characters outside
    ``A-Z a-z 0-9 - _ . ~ @ :`` change, and ``%`` itself), so any Customer ID is
    safe inside a Casbin CSV line, and two different Customer IDs never share
    a name. The answer applies within the workspace of the object asked about.
    """
    return "cid:" + encode_customer_id(v.customer_id("customer_id", customer_id))


def _convert(field: str, check: Any) -> Any:
    def converter(value: Any) -> Any:
        return check(field, value)

    return converter


def _frozen_ids(field: str) -> Any:
    def converter(values: Iterable[str]) -> frozenset[str]:
        if isinstance(values, str):
            values = (values,)
        return frozenset(v.entity_id(field, x) for x in values)

    return converter


def _environments(values: Iterable[Environment | str]) -> frozenset[Environment]:
    if isinstance(values, str):
        values = (values,)
    result = frozenset(_environment(x) for x in values)
    if not result:
        raise v.InvalidInput(
            "environments must name at least one of production, staging, development"
        )
    return result


def _environment(value: Environment | str) -> Environment:
    try:
        return Environment(value)
    except ValueError:
        raise v.InvalidInput(
            f"environment {value!r} is not one of: production, staging, development"
        ) from None


def _enum(cls: type[enum.StrEnum], field: str) -> Any:
    def converter(value: Any) -> Any:
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise v.InvalidInput(f"{field} {value!r} is not one of: {valid}") from None

    return converter


@attrs.frozen(kw_only=True)
class Workspace:
    """A tenant; the Casbin domain every other entity belongs to."""

    id: str = attrs.field(converter=_convert("workspace id", v.slug))
    name: str = attrs.field(converter=_convert("workspace name", v.name))


@attrs.frozen(kw_only=True)
class Role:
    """A named set of permissions with an environment scope and an API scope."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    id: str = attrs.field(converter=_convert("role id", v.entity_id))
    name: str = attrs.field(converter=_convert("role name", v.name))
    permissions: frozenset[str] = attrs.field(converter=check_actions)
    environments: frozenset[Environment] = attrs.field(
        default=ALL_ENVIRONMENTS, converter=_environments
    )
    api_scope: ApiScope = attrs.field(
        default=ApiScope.GRANTED, converter=_enum(ApiScope, "api scope")
    )
    builtin: bool = False


@attrs.frozen(kw_only=True)
class User:
    """A member of the workspace's team."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    id: str = attrs.field(converter=_convert("user id", v.entity_id))
    email: str = attrs.field(converter=_convert("email", v.email))
    name: str = attrs.field(converter=_convert("user name", v.name))
    role: str = attrs.field(converter=_convert("role id", v.entity_id))
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_ids("group id"))
    status: Status = attrs.field(default=Status.ACTIVE, converter=_enum(Status, "status"))
    password_hash: str | None = attrs.field(default=None, repr=False)

    kind = SubjectKind.USER

    @property
    def subject(self) -> str:
        """This user's subject name, ``user:<id>``."""
        return subject_key(SubjectKind.USER, self.id)


@attrs.frozen(kw_only=True)
class Customer:
    """An outside consumer of the workspace's APIs, tied to traffic by its Customer ID."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    id: str = attrs.field(converter=_convert("customer id", v.entity_id))
    email: str = attrs.field(converter=_convert("email", v.email))
    customer_id: str = attrs.field(converter=_convert("Customer ID", v.customer_id))
    role: str = attrs.field(default="customer", converter=_convert("role id", v.entity_id))
    groups: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen_ids("group id"))
    status: Status = attrs.field(default=Status.ACTIVE, converter=_enum(Status, "status"))
    name: str | None = None

    kind = SubjectKind.CUSTOMER

    @property
    def subject(self) -> str:
        """This customer's subject name, ``customer:<id>``."""
        return subject_key(SubjectKind.CUSTOMER, self.id)


@attrs.frozen(kw_only=True)
class Group:
    """A named set of users and customers that API access can be granted to.

    Membership is held on the members (``User.groups`` / ``Customer.groups``).
    """

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    id: str = attrs.field(converter=_convert("group id", v.entity_id))
    name: str = attrs.field(converter=_convert("group name", v.name))


@attrs.frozen(kw_only=True)
class Api:
    """An API of the workspace, with the Customer IDs seen in its traffic."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    id: str = attrs.field(converter=_convert("api id", v.slug))
    name: str = attrs.field(converter=_convert("api name", v.name))
    environment: Environment = attrs.field(
        default=Environment.PRODUCTION, converter=_environment
    )
    category: str = attrs.field(default="general", converter=_convert("category", v.name))
    customer_ids: frozenset[str] = attrs.field(factory=frozenset)

    @customer_ids.validator
    def _check_customer_ids(self, _: Any, values: frozenset[str]) -> None:
        for value in values:
            v.customer_id("Customer ID", value)

    @property
    def object(self) -> str:
        """The object name decisions use for this API: ``<workspace>/<api id>``."""
        return f"{self.workspace}/{self.id}"


@attrs.frozen(kw_only=True)
class Grant:
    """Access to one API given to a user, customer or group."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    api: str = attrs.field(converter=_convert("api id", v.slug))
    #: ``user:<id>``, ``customer:<id>`` or ``group:<id>``.
    target: str = attrs.field()
    granted_by: str = "system"
    granted_at: dt.datetime = attrs.field(
        factory=lambda: dt.datetime.now(dt.UTC), eq=False
    )

    @target.validator
    def _check_target(self, _: Any, value: str) -> None:
        kind, sep, ident = value.partition(":")
        if not sep or kind not in ("user", "customer", "group"):
            raise v.InvalidInput(
                f"grant target {value!r} must be 'user:<id>', 'customer:<id>' or 'group:<id>'"
            )
        v.entity_id("grant target id", ident)


@attrs.frozen(kw_only=True)
class Exclusion:
    """A customer an administrator removed from an API's access list."""

    workspace: str = attrs.field(converter=_convert("workspace id", v.slug))
    api: str = attrs.field(converter=_convert("api id", v.slug))
    customer: str = attrs.field(converter=_convert("customer id", v.entity_id))
