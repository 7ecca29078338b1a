"""Decisions with their reasons, worked out from the domain model.

:func:`explain` follows SPEC section 2 rule by rule on the entities
themselves (not on the compiled policy), so it doubles as an independent
statement of the rules: tests hold it equal to the decision index and to
Casbin's enforcer.
"""

from __future__ import annotations

from urllib.parse import unquote

import attrs

from ..model._catalog import WORKSPACE_ACTIONS, check_action
from ..model._directory import Directory, Person, WorkspaceData
from ..model._subjects import encode_customer_id, split_name
from ..model._values import ApiScope, Status

__all__ = ["Explanation", "explain"]


@attrs.frozen(kw_only=True)
class Explanation:
    """A decision and why it was made.

    ``allowed`` is the answer. When allowed, ``role`` and ``permission`` name
    what was used and ``paths`` lists every way the subject reaches the API
    (empty for workspace-level actions and all-APIs roles, which need none).
    When denied, ``reason`` says which condition failed first.
    """

    allowed: bool
    subject: str
    action: str
    object: str
    role: str | None = None
    permission: str | None = None
    paths: tuple[str, ...] = ()
    reason: str = ""
    revision: int = 0
    #: The display name of ``role`` (its id), as the reasons name roles.
    role_name: str | None = None

    def __str__(self) -> str:
        verdict = "ALLOW" if self.allowed else "DENY"
        head = f"{verdict} {self.subject} {self.action} {self.object}"
        if not self.allowed:
            return f"{head}: {self.reason}"
        via = "; ".join(self.paths) if self.paths else self.reason
        role = repr(self.role_name) if self.role_name is not None else self.role
        return f"{head}: role {role} holds {self.permission}; {via}"


def _resolve(directory: Directory, subject: str, ws: str) -> Person | None:
    kind, ident = split_name(subject)
    if kind in ("user", "customer"):
        if directory.workspace_of(subject) is None:
            return None
        return directory.person(subject)
    if kind == "cid":
        try:
            data = directory.workspace(ws)
        except LookupError:
            return None
        raw = unquote(ident)
        holder = data.customer_by_cid.get(raw)
        if holder is not None and encode_customer_id(raw) == ident:
            return data.customers[holder]
    return None


def explain(directory: Directory, subject: str, action: str, obj: str) -> Explanation:
    """Decide ``can(subject, action, obj)`` from the entities, with reasons.

    Raises:
        UnknownAction: ``action`` is not in the permission catalog.
    """
    check_action(action)
    ws, slash, api_id = obj.partition("/")

    def deny(reason: str, role: str | None = None) -> Explanation:
        return Explanation(
            allowed=False, subject=subject, action=action, object=obj, reason=reason, role=role
        )

    person = _resolve(directory, subject, ws)
    if person is None:
        return deny(f"unknown subject {subject!r}")
    if person.workspace != ws:
        return deny(f"{subject} belongs to workspace {person.workspace!r}, not {ws!r}")
    data = directory.workspace(ws)
    if slash and api_id not in data.apis:
        return deny(f"unknown API {obj!r}")
    if person.status is not Status.ACTIVE:
        return deny(f"{person.subject} is {person.status.value}")
    role = data.roles[person.role]
    if action not in role.permissions:
        return deny(f"role {role.name!r} does not hold {action!r}", role=role.id)
    if action in WORKSPACE_ACTIONS:
        if slash:
            return deny(
                f"{action!r} is a workspace-level action; ask it of workspace {ws!r}", role=role.id
            )
        return Explanation(
            allowed=True,
            subject=subject,
            action=action,
            object=obj,
            role=role.id,
            role_name=role.name,
            permission=action,
            reason="workspace-level permission",
        )
    if not slash:
        return deny(f"{action!r} is an API-level action; ask it of an API", role=role.id)
    return _api_decision(data, person, subject, action, obj, api_id, role.id)


def _api_decision(
    data: WorkspaceData,
    person: Person,
    subject: str,
    action: str,
    obj: str,
    api_id: str,
    role_id: str,
) -> Explanation:
    role = data.roles[role_id]
    api = data.apis[api_id]
    if api.environment not in role.environments:
        scope = ", ".join(sorted(e.value for e in role.environments))
        return Explanation(
            allowed=False,
            subject=subject,
            action=action,
            object=obj,
            role=role.id,
            reason=f"role {role.name!r} covers {scope}, "
            f"not API {api_id!r} in {api.environment.value}",
        )
    allowed = Explanation(
        allowed=True,
        subject=subject,
        action=action,
        object=obj,
        role=role.id,
        role_name=role.name,
        permission=action,
    )
    if role.api_scope is ApiScope.ALL:
        return attrs.evolve(allowed, reason=f"role {role.name!r} reaches all APIs")
    access = data.access_paths(person.subject, api_id)
    paths: list[str] = []
    if access.direct:
        paths.append(f"direct grant on {api_id}")
    paths.extend(f"group {g}" for g in access.groups)
    if access.customer_id is not None:
        paths.append(f"Customer ID {access.customer_id!r} seen on {api_id}")
    if access.excluded:
        return attrs.evolve(
            allowed,
            allowed=False,
            permission=None,
            reason=f"{person.subject} was removed from the access list of API {api_id!r}",
        )
    if not paths:
        return attrs.evolve(
            allowed,
            allowed=False,
            permission=None,
            reason=f"{person.subject} has no access to API {api_id!r}",
        )
    return attrs.evolve(allowed, paths=tuple(paths))
