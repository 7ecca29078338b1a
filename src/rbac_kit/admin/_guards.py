"""The checks every management operation passes before it changes anything.

Each check reads the authorizer (its decisions and its directory) and either
returns or raises; none of them changes state. :class:`~rbac_kit.Management`
runs them inside the change itself (under the authorizer's write lock), so no
other change can slip in between a check and the change it allows.

The rules (SPEC section 2, "Management operations are themselves authorized"):

- **Permission.** The actor must pass the same decision gateways ask:
  ``can(actor, permission, workspace)`` for workspace-level permissions, and
  ``can(actor, permission, "<workspace>/<api>")`` for API-level ones.
- **No escalation by role.** A role R may be given, created or edited by an
  actor whose own role holds every permission of R, covers every environment
  of R, and has the all-APIs scope if R has it (:func:`role_excess`). The
  same test protects people: an actor may only change the role, status,
  email, name or Customer ID of a person (or remove them) if the actor could
  give that person's current role, so an Administrator cannot demote,
  disable or remove an Owner.
- **No escalation by access.** Giving access to an API (a grant, membership
  of a group that has grants, a Customer ID that traffic has been recorded
  for) requires the actor to reach that API themselves:
  ``can(actor, "view_api", api)``.
- **Own role.** Nobody changes their own role.
- **Last Owner.** The last active Owner of a workspace cannot be removed,
  disabled or demoted (:class:`~rbac_kit.Conflict`).

At the end, the small input helpers the operations share: ids for new
entities (:func:`free_slug`, :func:`free_person_id`), the fields an edit
names (:func:`given`) and lists given as one string or many (:func:`unique`).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from .._errors import Conflict, Forbidden, InvalidInput, NotFound
from ..model import _validate as v
from ..model._builtin import OWNER
from ..model._catalog import API_ACTIONS, Permission
from ..model._directory import Person
from ..model._subjects import TARGET_KINDS, Subject
from ..model._values import Api, ApiScope, Customer, Role, Status, User, Workspace
from ._decider import Actor, Decider, SystemActor

__all__ = [
    "authorize",
    "authorize_access",
    "authorize_api",
    "authorize_person",
    "free_person_id",
    "free_slug",
    "given",
    "person_in",
    "require_can_give",
    "require_can_manage",
    "require_customer",
    "require_customer_id_reach",
    "require_environment",
    "require_first_owner",
    "require_group_reach",
    "require_new_person",
    "require_not_last_owner",
    "require_reach",
    "require_target",
    "require_workspace",
    "role_excess",
    "unique",
]


def authorize(
    authz: Decider, actor: Actor, permission: Permission, workspace: str
) -> Person | None:
    """Require ``can(actor, permission, workspace)`` and return the actor's entity.

    For :data:`SYSTEM` the workspace must exist, and the result is None: the
    trusted actor, whom the ``require_*`` checks below let through.

    Raises:
        Forbidden: naming the actor, the permission, the workspace and the reason.
    """
    if isinstance(actor, SystemActor):
        authz.directory.workspace(workspace)
        return None
    if not authz.can(actor, permission.value, workspace):
        reason = authz.explain(actor, permission.value, workspace).reason
        raise Forbidden(f"{actor} may not {permission.value} in workspace {workspace!r}: {reason}")
    return authz.directory.person(actor)


def authorize_api(
    authz: Decider, actor: Actor, permission: Permission, workspace: str, api_id: str
) -> tuple[Person | None, Api]:
    """Require ``can(actor, permission, "<workspace>/<api_id>")``; return the actor and the API.

    The actor must be an active member of ``workspace`` whose role holds
    ``permission`` before the API is looked up, so an unknown API id is a
    :class:`NotFound` only for actors who could otherwise act on it.

    Raises:
        Forbidden: naming the actor, the permission, the API and the reason.
        NotFound: no such API in the workspace.
    """
    d = authz.directory
    if isinstance(actor, SystemActor):
        return None, d.api(workspace, api_id)
    obj = f"{workspace}/{api_id}"
    person = d.person(actor) if d.workspace_of(actor) == workspace else None
    if person is None:
        raise Forbidden(
            f"{actor} may not {permission.value} on API {obj!r}: "
            f"{actor} is not a member of workspace {workspace!r}"
        )
    role = d.role(workspace, person.role)
    if person.status is not Status.ACTIVE or permission.value not in role.permissions:
        reason = (
            f"{actor} is {person.status.value}"
            if person.status is not Status.ACTIVE
            else f"role {role.name!r} does not hold {permission.value!r}"
        )
        raise Forbidden(f"{actor} may not {permission.value} on API {obj!r}: {reason}")
    api = d.api(workspace, api_id)
    if not authz.can(actor, permission.value, api.object):
        reason = authz.explain(actor, permission.value, api.object).reason
        raise Forbidden(f"{actor} may not {permission.value} on API {obj!r}: {reason}")
    return person, api


def authorize_person(
    authz: Decider, actor: Actor, workspace: str, subject: str, verb: str
) -> tuple[Person | None, Person]:
    """Authorize ``manage_people``, find ``subject``, and require the actor to outrank it.

    Returns the actor's entity and the person's.
    """
    me = authorize(authz, actor, Permission.MANAGE_PEOPLE, workspace)
    person = person_in(authz, workspace, subject)
    require_can_manage(authz, me, person, verb)
    return me, person


def authorize_access(
    authz: Decider, actor: Actor, workspace: str, api_id: str, verb: str
) -> tuple[Person | None, Api]:
    """Authorize ``manage_api_access`` and require the actor to reach the API.

    Returns the actor's entity and the API.
    """
    me = authorize(authz, actor, Permission.MANAGE_API_ACCESS, workspace)
    api = authz.directory.api(workspace, api_id)
    require_reach(authz, me, api, f"{verb} API {api.object!r}")
    return me, api


def require_workspace(workspace: object) -> None:
    """Require a :class:`~rbac_kit.Workspace` value.

    Raises:
        InvalidInput: anything else.
    """
    if not isinstance(workspace, Workspace):
        raise InvalidInput(
            f"creating a workspace needs a Workspace, got {type(workspace).__name__}"
        )


def require_first_owner(workspace: Workspace, owner: User) -> None:
    """Require ``owner`` to be an active, group-less user of ``workspace`` holding Owner.

    Raises:
        InvalidInput: naming what is wrong with ``owner``.
    """
    require_workspace(workspace)
    if not isinstance(owner, User):
        raise InvalidInput("creating a workspace needs, as owner, a User")
    if owner.workspace != workspace.id:
        raise InvalidInput(
            f"owner {owner.subject} belongs to workspace {owner.workspace!r}, not {workspace.id!r}"
        )
    if owner.role != OWNER or owner.status is not Status.ACTIVE or owner.groups:
        raise InvalidInput(
            f"the first owner {owner.subject} must be active, hold role 'owner' "
            f"(not {owner.role!r}) and be in no groups"
        )


def person_in(authz: Decider, workspace: str, subject: str) -> Person:
    """The user or customer ``subject`` of ``workspace``.

    Raises:
        InvalidInput: ``subject`` is not ``user:<id>`` or ``customer:<id>``.
        NotFound: no such person in the workspace.
    """
    Subject.parse(subject, what="person")
    person = authz.directory.workspace(workspace).person(subject)
    if person is None:
        raise NotFound(f"no {subject} in workspace {workspace!r}")
    return person


def role_excess(role: Role, holder: Role) -> tuple[str, ...]:
    """What ``role`` carries beyond ``holder``; empty when ``holder`` may give ``role``.

    Returns phrases such as ``"permissions delete_workspace"``,
    ``"environments production"`` or ``"the all-APIs scope"``. Environments and
    the API scope count only where ``role`` holds an API-level permission: a
    role of workspace-level permissions only (No Access, a people manager)
    reaches no API, whatever its scopes say (SPEC section 2).
    """
    excess: list[str] = []
    permissions = sorted(role.permissions - holder.permissions)
    if permissions:
        excess.append("permissions " + ", ".join(permissions))
    if not role.permissions & API_ACTIONS:
        return tuple(excess)
    environments = sorted(e.value for e in role.environments - holder.environments)
    if environments:
        excess.append("environments " + ", ".join(environments))
    if role.api_scope is ApiScope.ALL and holder.api_scope is not ApiScope.ALL:
        excess.append("the all-APIs scope")
    return tuple(excess)


def _actor_role(authz: Decider, actor: Person) -> Role:
    return authz.directory.role(actor.workspace, actor.role)


def require_can_give(authz: Decider, actor: Person | None, role: Role, what: str) -> None:
    """Require the actor's role to hold everything ``role`` carries.

    ``what`` names the operation in the message, e.g. ``"give role 'Owner'"``.

    Raises:
        Forbidden: naming what ``role`` carries beyond the actor's role.
    """
    if actor is None:
        return
    holder = _actor_role(authz, actor)
    excess = role_excess(role, holder)
    if excess:
        raise Forbidden(
            f"{actor.subject} may not {what}: it carries "
            f"{'; '.join(excess)} beyond {actor.subject}'s own role {holder.name!r}"
        )


def require_can_manage(authz: Decider, actor: Person | None, person: Person, verb: str) -> None:
    """Require the actor to be able to give ``person``'s current role.

    Raises:
        Forbidden: ``person`` holds a role carrying more than the actor's.
    """
    if actor is None:
        return
    role = authz.directory.role(person.workspace, person.role)
    holder = _actor_role(authz, actor)
    excess = role_excess(role, holder)
    if excess:
        raise Forbidden(
            f"{actor.subject} may not {verb} {person.subject}: their role {role.name!r} "
            f"carries {'; '.join(excess)} beyond {actor.subject}'s own role {holder.name!r}"
        )


def require_reach(authz: Decider, actor: Person | None, api: Api, purpose: str) -> None:
    """Require ``can(actor, "view_api", api)``: nobody hands out access they lack.

    Raises:
        Forbidden: naming the API the actor does not reach and why.
    """
    if actor is None:
        return
    view = Permission.VIEW_API.value
    if not authz.can(actor.subject, view, api.object):
        reason = authz.explain(actor.subject, view, api.object).reason
        raise Forbidden(
            f"{actor.subject} may not {purpose}: that gives access to API {api.object!r}, "
            f"which {actor.subject} does not reach ({reason})"
        )


def require_group_reach(authz: Decider, actor: Person | None, workspace: str, group: str) -> None:
    """Require the actor to reach every API group ``group`` has been granted.

    Raises:
        Forbidden: naming the first API (by id) the actor does not reach.
    """
    if actor is None:
        return
    data = authz.directory.workspace(workspace)
    for api_id in sorted(data.grants_by_target.get(f"group:{group}", ())):
        require_reach(authz, actor, data.apis[api_id], f"add members to group {group!r}")


def require_customer_id_reach(
    authz: Decider, actor: Person | None, workspace: str, customer_id: str, subject: str
) -> None:
    """Require the actor to reach every API whose traffic shows ``customer_id``.

    A Customer ID gives its customer access to those APIs (less the APIs
    ``subject`` was excluded from), so assigning it is giving that access.

    Raises:
        Forbidden: naming the first API (by id) the actor does not reach.
    """
    if actor is None:
        return
    data = authz.directory.workspace(workspace)
    excluded = data.excluded_apis.get(subject, set())
    for api_id in sorted(data.apis_by_cid.get(customer_id, set()) - excluded):
        require_reach(
            authz, actor, data.apis[api_id], f"give {subject} the Customer ID {customer_id!r}"
        )


def require_not_last_owner(authz: Decider, person: Person, verb: str) -> None:
    """Refuse to take away the last active Owner of a workspace.

    Raises:
        Conflict: ``person`` is the only active holder of the Owner role.
    """
    if person.role != OWNER or person.status is not Status.ACTIVE:
        return
    data = authz.directory.workspace(person.workspace)
    active = [
        s
        for s in data.role_holders.get(OWNER, set())
        if (p := data.person(s)) is not None and p.status is Status.ACTIVE
    ]
    if len(active) <= 1:
        raise Conflict(
            f"{person.subject} is the last active Owner of workspace {person.workspace!r} "
            f"and cannot be {verb}; make another person Owner first"
        )


def require_customer(person: Person) -> Customer:
    """Return ``person`` if it is a customer.

    Raises:
        InvalidInput: ``person`` is a user.
    """
    if not isinstance(person, Customer):
        raise InvalidInput(f"{person.subject} is not a customer; only customers have a Customer ID")
    return person


def require_new_person(authz: Decider, actor: Person | None, person: Person) -> None:
    """Checks for adding ``person``: a new id, a role, groups and Customer ID the actor may give.

    Raises:
        Conflict: the subject exists. NotFound: an unknown role or group.
        Forbidden: the role, a group or the Customer ID carries more than the actor holds.
    """
    d = authz.directory
    if d.workspace_of(person.subject) is not None:
        raise Conflict(f"{person.subject} already exists")
    role = d.role(person.workspace, person.role)
    require_can_give(authz, actor, role, f"give role {role.name!r}")
    for group in sorted(person.groups):
        d.group(person.workspace, group)
        require_group_reach(authz, actor, person.workspace, group)
    if isinstance(person, Customer):
        require_customer_id_reach(
            authz, actor, person.workspace, person.customer_id, person.subject
        )


def require_target(authz: Decider, workspace: str, target: str) -> None:
    """Require an access-list target (``user:``, ``customer:`` or ``group:<id>``) to exist.

    Raises:
        InvalidInput: a malformed target. NotFound: no such person or group.
    """
    parsed = Subject.parse(target, kinds=TARGET_KINDS, what="access target")
    if parsed.kind == "group":
        authz.directory.group(workspace, v.entity_id("group id", parsed.id))
    else:
        person_in(authz, workspace, target)


def require_environment(authz: Decider, actor: Person | None, api: Api, verb: str) -> None:
    """Require the actor's role to cover the environment ``api`` is (to be) in.

    Raises:
        Forbidden: naming the environment the actor's role does not cover.
    """
    if actor is None:
        return
    role = authz.directory.role(actor.workspace, actor.role)
    if api.environment not in role.environments:
        raise Forbidden(
            f"{actor.subject} may not {verb} API {api.object!r} into "
            f"{api.environment.value}: role {role.name!r} does not cover it"
        )


# -- inputs: ids for new entities, optional fields, lists ----------------------

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def free_slug(authz: Decider, workspace: str, kind: str, name: Any, fallback: str) -> str:
    """A slug of ``name`` that no ``kind`` (``roles``, ``groups``, ``apis``) of ``workspace`` uses.

    ``"Support Team"`` gives ``support-team``, then ``support-team-2``, ...;
    a name without ASCII letters or digits gives ``<fallback>-<6 hex digits>``.
    """
    try:
        taken: Collection[str] = getattr(authz.directory.workspace(workspace), kind)
    except NotFound:
        taken = ()  # the operation is refused before the id matters
    text = name if isinstance(name, str) else ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")[:40].strip("-")
    if not base:
        base = f"{fallback}-{secrets.token_hex(3)}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def free_person_id(authz: Decider, kind: str) -> str:
    """10 random hexadecimal characters no ``<kind>:<id>`` subject of any workspace uses."""
    while True:
        candidate = secrets.token_hex(5)
        if authz.directory.workspace_of(f"{kind}:{candidate}") is None:
            return candidate


def given(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that are not None (the fields an edit changes)."""
    return {k: value for k, value in fields.items() if value is not None}


def unique(values: str | Iterable[str]) -> tuple[str, ...]:
    """The values in order without repeats; one string is one value, not its characters."""
    if isinstance(values, str):
        return (values,)
    return tuple(dict.fromkeys(values))
