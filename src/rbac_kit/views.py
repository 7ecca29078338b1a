"""What the views of :class:`~rbac_kit.Reads` return: one role, API, group or person.

Each view is a frozen attrs value built from the directory at the moment of
the read; :class:`~rbac_kit.Reads` authorizes the read first (see its module
table) and then calls the ``*_view`` function here. The values convert to
JSON through the library's one converter (``rbac_kit.model.to_jsonable``)
like every entity.

The view classes are reached from this public module
(``rbac_kit.views.ApiView``), not from the top level: ``rbac_kit`` names what
a host application needs to call, and a view is what a call returns. The
``*_view`` functions are how :class:`~rbac_kit.Reads` builds them.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ._authorizer import Authorizer
from .model import (
    Api,
    ApiScope,
    Customer,
    Environment,
    Permission,
    Person,
    Role,
    Status,
    SubjectKind,
    WorkspaceData,
    split_name,
)

__all__ = [
    "AccessEntry",
    "ApiGrant",
    "ApiView",
    "GroupGrant",
    "GroupRef",
    "GroupView",
    "PersonRef",
    "PersonView",
    "RoleView",
]

_VIEW_API = Permission.VIEW_API.value


@attrs.frozen(kw_only=True)
class RoleView:
    """A role: what it allows and how many people hold it."""

    workspace: str
    id: str
    name: str
    #: The permissions it holds, sorted by name.
    permissions: tuple[str, ...]
    #: The environments its API-level permissions cover, sorted.
    environments: tuple[Environment, ...]
    #: ``all``: every API of the workspace; ``granted``: the APIs a holder has access to.
    api_scope: ApiScope
    builtin: bool
    #: How many users and customers hold it (any status).
    holders: int


@attrs.frozen(kw_only=True)
class PersonRef:
    """A user or customer as a line of another view."""

    subject: str
    kind: SubjectKind
    email: str
    name: str | None
    #: The role id.
    role: str
    status: Status


@attrs.frozen(kw_only=True)
class ApiGrant:
    """A direct grant seen from its target (a person or a group): the API it opens."""

    api: str
    name: str
    environment: Environment
    granted_by: str
    granted_at: dt.datetime


@attrs.frozen(kw_only=True)
class GroupGrant:
    """A grant to a group seen from the API."""

    group: str
    name: str
    #: How many users and customers are members of the group.
    members: int
    granted_by: str
    granted_at: dt.datetime


@attrs.frozen(kw_only=True)
class GroupRef:
    """A group a person is a member of."""

    id: str
    name: str


@attrs.frozen(kw_only=True)
class AccessEntry:
    """One person on an API's access list, with every path from them to the API.

    ``direct``, ``groups`` (the granted groups they are a member of) and
    ``customer_id`` (their Customer ID, when the API has it recorded) are the
    paths; ``excluded`` says an administrator removed them from the list
    (Remove Access or Revoke All), which cancels every path. ``has_access``
    is "some path and no exclusion". ``allowed`` is the decision
    ``can(subject, "view_api", api)`` now: it also needs an active membership
    and a role holding ``view_api`` whose environments cover the API.
    """

    subject: str
    kind: SubjectKind
    email: str
    name: str | None
    role: str
    status: Status
    direct: bool
    granted_by: str | None
    groups: tuple[str, ...]
    customer_id: str | None
    excluded: bool
    has_access: bool
    allowed: bool


@attrs.frozen(kw_only=True)
class ApiView:
    """An API and who reaches it.

    ``access`` is the API's access list: every user and customer with an
    access path (a direct grant, a granted group they are a member of, their
    Customer ID recorded on the API) or an exclusion from it, by subject.
    ``groups`` are the groups granted the API. ``by_role`` are the people
    whose role reaches every API of the workspace (the all-APIs scope, with
    ``view_api``, in the API's environment: Owners and Administrators by
    default), by subject; they need no access path, and appear in ``access``
    too only if they have one. So the subjects ``can(·, "view_api", api)``
    allows are exactly the ``allowed`` entries of ``access`` and the active
    people of ``by_role``.
    """

    workspace: str
    id: str
    name: str
    environment: Environment
    category: str
    #: The Customer IDs recorded in its traffic, sorted.
    customer_ids: tuple[str, ...]
    groups: tuple[GroupGrant, ...]
    access: tuple[AccessEntry, ...]
    by_role: tuple[PersonRef, ...]


@attrs.frozen(kw_only=True)
class GroupView:
    """A group: its members and the APIs granted to it."""

    workspace: str
    id: str
    name: str
    #: Its users and customers, by subject.
    members: tuple[PersonRef, ...]
    #: The APIs granted to the group, by API id.
    apis: tuple[ApiGrant, ...]


@attrs.frozen(kw_only=True)
class PersonView:
    """A user or customer: role, status, groups, direct grants and the APIs it reaches."""

    workspace: str
    subject: str
    kind: SubjectKind
    email: str
    name: str | None
    #: The role id, and its name.
    role: str
    role_name: str
    status: Status
    #: The groups it is a member of, by id.
    groups: tuple[GroupRef, ...]
    #: A customer's Customer ID (None for a user).
    customer_id: str | None
    #: Its direct grants, by API id.
    direct_grants: tuple[ApiGrant, ...]
    #: The ids of the APIs ``can(subject, "view_api", ·)`` allows now, sorted.
    apis: tuple[str, ...]


def role_view(data: WorkspaceData, role: Role) -> RoleView:
    """The view of ``role`` of the workspace ``data``."""
    return RoleView(
        workspace=role.workspace,
        id=role.id,
        name=role.name,
        permissions=tuple(sorted(role.permissions)),
        environments=tuple(sorted(role.environments)),
        api_scope=role.api_scope,
        builtin=role.builtin,
        holders=len(data.role_holders.get(role.id, ())),
    )


def _ref(person: Person) -> PersonRef:
    return PersonRef(
        subject=person.subject,
        kind=person.kind,
        email=person.email,
        name=person.name,
        role=person.role,
        status=person.status,
    )


def _api_grant(data: WorkspaceData, api_id: str, target: str) -> ApiGrant:
    api, grant = data.apis[api_id], data.grants[(api_id, target)]
    return ApiGrant(
        api=api.id,
        name=api.name,
        environment=api.environment,
        granted_by=grant.granted_by,
        granted_at=grant.granted_at,
    )


def api_view(authz: Authorizer, data: WorkspaceData, api: Api) -> ApiView:
    """The view of ``api``: its fields, the groups granted it, its access list, who reaches
    it by role (see :class:`ApiView`). Costs in proportion to the people listed."""
    granted = data.grants_by_api.get(api.id, set())
    group_targets = sorted(t for t in granted if t.startswith("group:"))
    candidates = {t for t in granted if not t.startswith("group:")}
    for target in group_targets:
        candidates |= data.members.get(split_name(target)[1], set())
    for cid in api.customer_ids:
        if (customer := data.customer_by_cid.get(cid)) is not None:
            candidates.add(f"customer:{customer}")
    candidates |= {s for a, s in data.exclusions if a == api.id}
    groups = []
    for target in group_targets:
        group_id = split_name(target)[1]
        grant = data.grants[(api.id, target)]
        groups.append(
            GroupGrant(
                group=group_id,
                name=data.groups[group_id].name,
                members=len(data.members.get(group_id, ())),
                granted_by=grant.granted_by,
                granted_at=grant.granted_at,
            )
        )
    access = []
    for subject in sorted(candidates):
        person = data.person(subject)
        if person is None:  # the directory keeps grants and people in step; never met
            continue
        paths = data.access_paths(subject, api.id)
        direct = data.grants.get((api.id, subject))
        access.append(
            AccessEntry(
                subject=subject,
                kind=person.kind,
                email=person.email,
                name=person.name,
                role=person.role,
                status=person.status,
                direct=paths.direct,
                granted_by=direct.granted_by if direct is not None else None,
                groups=paths.groups,
                customer_id=paths.customer_id,
                excluded=paths.excluded,
                has_access=paths.has_access,
                allowed=authz.can(subject, _VIEW_API, api.object),
            )
        )
    by_role = [
        _ref(person)
        for role in data.roles.values()
        if role.api_scope is ApiScope.ALL
        and _VIEW_API in role.permissions
        and api.environment in role.environments
        for subject in data.role_holders.get(role.id, ())
        if (person := data.person(subject)) is not None
    ]
    return ApiView(
        workspace=api.workspace,
        id=api.id,
        name=api.name,
        environment=api.environment,
        category=api.category,
        customer_ids=tuple(sorted(api.customer_ids)),
        groups=tuple(groups),
        access=tuple(access),
        by_role=tuple(sorted(by_role, key=lambda p: p.subject)),
    )


def group_view(data: WorkspaceData, group_id: str) -> GroupView:
    """The view of group ``group_id`` of the workspace ``data`` (which holds it)."""
    group = data.groups[group_id]
    members = [
        _ref(person)
        for subject in data.members.get(group_id, ())
        if (person := data.person(subject)) is not None
    ]
    target = f"group:{group_id}"
    return GroupView(
        workspace=group.workspace,
        id=group.id,
        name=group.name,
        members=tuple(sorted(members, key=lambda p: p.subject)),
        apis=tuple(
            _api_grant(data, a, target) for a in sorted(data.grants_by_target.get(target, ()))
        ),
    )


def person_view(authz: Authorizer, data: WorkspaceData, person: Person) -> PersonView:
    """The view of ``person``, a member of the workspace ``data``."""
    subject = person.subject
    prefix = f"{data.workspace.id}/"
    apis = sorted(
        obj.removeprefix(prefix)
        for obj in authz.apis_for(subject, _VIEW_API)
        if obj.startswith(prefix)
    )
    return PersonView(
        workspace=person.workspace,
        subject=subject,
        kind=person.kind,
        email=person.email,
        name=person.name,
        role=person.role,
        role_name=data.roles[person.role].name,
        status=person.status,
        groups=tuple(GroupRef(id=g, name=data.groups[g].name) for g in sorted(person.groups)),
        customer_id=person.customer_id if isinstance(person, Customer) else None,
        direct_grants=tuple(
            _api_grant(data, a, subject) for a in sorted(data.grants_by_target.get(subject, ()))
        ),
        apis=tuple(apis),
    )
