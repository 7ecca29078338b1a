"""The compiler: workspace entities in, Casbin policy lines out.

A pure function of the directory. The policy is cut into pieces, one per
*owner* (a role, a subject, a group, an API); a change recompiles only the
owners it touched (:meth:`rbac_kit.model._directory.Directory` methods return
them). Exclusions are resolved here: a customer with an exclusion gets its
access written API by API, so every line is a positive fact.

Lines (see ``model.conf``)::

    p,  role:<role>, <ws>, <ws>, <action>, workspace      workspace-level permission
    p,  role:<role>, <ws>, env:<env>, <action>, all|granted API-level, per environment
                                                          (env:all when it covers all three)
    g,  <subject>, role:<role>, <ws>                      role of an active subject
    g,  cid:<Customer ID>, customer:<id>, <ws>            ask by Customer ID
    g2, cid:<Customer ID>, customer:<id>, <ws>            (same alias, for access)
    g2, <subject>, <ws>/<api>, <ws>                       direct grant (or flattened access)
    g2, <subject>, group:<id>, <ws>                       membership
    g2, customer:<id>, traffic:<Customer ID>, <ws>        the customer's Customer ID
    g2, group:<id>, <ws>/<api>, <ws>                      grant to a group
    g2, traffic:<Customer ID>, <ws>/<api>, <ws>           Customer ID seen on the API
    g3, <ws>/<api>, env:<env>, <ws>                       the API's environment
    g3, <ws>/<api>, env:all, <ws>                         every API is in "all"

Every line carries its workspace, and names only that workspace's APIs, so
Casbin asked with any domain never reaches another workspace's objects.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model._catalog import WORKSPACE_ACTIONS
from ..model._directory import Directory, WorkspaceData
from ..model._subjects import (
    PolicyOwner,
    api_object,
    encode_customer_id,
    env_node,
    group_node,
    role_node,
    traffic_node,
)
from ..model._values import ALL_ENVIRONMENTS, Customer, Status
from ._policy import Policy, Rule

__all__ = ["ENV_ALL", "compile_directory", "compile_owner", "compile_owners"]

#: The environment node every API links to, named by roles that cover all environments.
ENV_ALL = env_node("all")


class _Names:
    """The traffic nodes of Customer IDs, each worked out once per compile.

    A Customer ID is written on its customer's lines and on every API it was
    seen on, and percent-encoding it is the costliest step of naming a line.
    """

    __slots__ = ("_traffic",)

    def __init__(self) -> None:
        self._traffic: dict[str, str] = {}

    def traffic(self, customer_id: str) -> str:
        """:func:`traffic_node` of ``customer_id``."""
        name = self._traffic.get(customer_id)
        if name is None:
            name = self._traffic[customer_id] = traffic_node(customer_id)
        return name


def compile_directory(directory: Directory) -> Policy:
    """Compile every workspace of ``directory`` into a :class:`Policy`."""
    pieces: dict[PolicyOwner, frozenset[Rule]] = {}
    for data in directory.workspaces():
        names = _Names()
        for owner in _owners_of(data):
            lines = _owner_lines(data, owner, names)
            if lines:
                pieces[owner] = lines
    return Policy(pieces)


def compile_owners(
    directory: Directory, owners: Iterable[PolicyOwner]
) -> dict[PolicyOwner, frozenset[Rule]]:
    """Compile the given owners afresh; an owner that no longer exists compiles to nothing."""
    names = _Names()
    return {owner: _compile_owner(directory, owner, names) for owner in owners}


def _owners_of(data: WorkspaceData) -> Iterable[PolicyOwner]:
    ws = data.workspace.id
    for role in data.roles:
        yield PolicyOwner("role", ws, role)
    for person in data.people():
        yield PolicyOwner("subject", ws, person.subject)
    for group in data.groups:
        yield PolicyOwner("group", ws, group)
    for api in data.apis:
        yield PolicyOwner("api", ws, api)


def compile_owner(directory: Directory, owner: PolicyOwner) -> frozenset[Rule]:
    """The policy lines of one owner."""
    return _compile_owner(directory, owner, _Names())


def _compile_owner(directory: Directory, owner: PolicyOwner, names: _Names) -> frozenset[Rule]:
    try:
        data = directory.workspace(owner[1])
    except LookupError:
        return frozenset()
    return _owner_lines(data, owner, names)


def _owner_lines(data: WorkspaceData, owner: PolicyOwner, names: _Names) -> frozenset[Rule]:
    kind, _, ident = owner
    if kind == "role":
        return _role_lines(data, ident)
    if kind == "subject":
        return _subject_lines(data, ident, names)
    if kind == "group":
        return _group_lines(data, ident)
    return _api_lines(data, ident, names)


def _role_lines(data: WorkspaceData, role_id: str) -> frozenset[Rule]:
    role = data.roles.get(role_id)
    if role is None:
        return frozenset()
    ws, node = data.workspace.id, role_node(role.id)
    # A role covering every environment names env:all, which every API links to:
    # one line per action instead of three.
    if role.environments == ALL_ENVIRONMENTS:
        envs = [ENV_ALL]
    else:
        envs = [env_node(env) for env in role.environments]
    lines: set[Rule] = set()
    for action in role.permissions:
        if action in WORKSPACE_ACTIONS:
            lines.add(("p", node, ws, ws, action, "workspace"))
        else:
            for env in envs:
                lines.add(("p", node, ws, env, action, role.api_scope.value))
    return frozenset(lines)


def _subject_lines(data: WorkspaceData, subject: str, names: _Names) -> frozenset[Rule]:
    person = data.person(subject)
    if person is None or person.status is not Status.ACTIVE:
        return frozenset()
    ws = data.workspace.id
    lines: set[Rule] = {("g", subject, role_node(person.role), ws)}
    if isinstance(person, Customer):
        alias = "cid:" + encode_customer_id(person.customer_id)
        lines.add(("g", alias, subject, ws))
        lines.add(("g2", alias, subject, ws))
    if data.is_flattened(subject):
        for api in data.access(subject):
            lines.add(("g2", subject, api_object(ws, api), ws))
        return frozenset(lines)
    for api in data.grants_by_target.get(subject, ()):
        lines.add(("g2", subject, api_object(ws, api), ws))
    for group in person.groups:
        lines.add(("g2", subject, group_node(group), ws))
    if isinstance(person, Customer):
        lines.add(("g2", subject, names.traffic(person.customer_id), ws))
    return frozenset(lines)


def _group_lines(data: WorkspaceData, group_id: str) -> frozenset[Rule]:
    if group_id not in data.groups:
        return frozenset()
    ws, node = data.workspace.id, group_node(group_id)
    return frozenset(
        ("g2", node, api_object(ws, api), ws) for api in data.grants_by_target.get(node, ())
    )


def _api_lines(data: WorkspaceData, api_id: str, names: _Names) -> frozenset[Rule]:
    api = data.apis.get(api_id)
    if api is None:
        return frozenset()
    ws, obj = data.workspace.id, api_object(data.workspace.id, api_id)
    lines: set[Rule] = {("g3", obj, env_node(api.environment), ws), ("g3", obj, ENV_ALL, ws)}
    for cid in api.customer_ids:
        lines.add(("g2", names.traffic(cid), obj, ws))
    return frozenset(lines)
