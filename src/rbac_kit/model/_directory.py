"""The domain model in memory: every workspace's entities, kept consistent.

A :class:`Directory` holds the value objects of many workspaces with the
secondary indexes the compiler needs (members of a group, grants of an API,
the customer holding a Customer ID). Each change checks everything first and
only then mutates, so a change that raises leaves the directory as it was.
Each change returns the policy *owners* it touched: the pieces of the
compiled policy that must be compiled again (see ``policy/_compiler.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Literal, TypeAlias

import attrs

from .._errors import Conflict, InvalidInput, NotFound
from ._builtin import OWNER, builtin_roles
from ._journal import Journal
from ._values import Api, Customer, Exclusion, Grant, Group, Role, Status, User, Workspace

__all__ = ["AccessPaths", "Directory", "Owner", "WorkspaceData"]

#: A piece of the compiled policy: ``(kind, workspace, id)`` where kind is
#: ``role``, ``subject`` (id is the subject name), ``group`` or ``api``.
Owner: TypeAlias = tuple[Literal["role", "subject", "group", "api"], str, str]
Person: TypeAlias = User | Customer


@attrs.frozen(kw_only=True)
class AccessPaths:
    """Every way a subject reaches one API, before and after exclusions."""

    direct: bool
    groups: tuple[str, ...]
    customer_id: str | None
    excluded: bool

    @property
    def has_access(self) -> bool:
        """True when some path exists and no exclusion removes it."""
        return (self.direct or bool(self.groups) or self.customer_id is not None) and (
            not self.excluded
        )


class WorkspaceData:
    """The entities of one workspace and the indexes over them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.roles: dict[str, Role] = {r.id: r for r in builtin_roles(workspace.id)}
        self.users: dict[str, User] = {}
        self.customers: dict[str, Customer] = {}
        self.groups: dict[str, Group] = {}
        self.apis: dict[str, Api] = {}
        self.grants: dict[tuple[str, str], Grant] = {}
        self.exclusions: set[tuple[str, str]] = set()
        # Secondary indexes, kept in step by Directory.
        self.members: dict[str, set[str]] = {}
        self.grants_by_api: dict[str, set[str]] = {}
        self.grants_by_target: dict[str, set[str]] = {}
        self.excluded_apis: dict[str, set[str]] = {}
        self.customer_by_cid: dict[str, str] = {}
        self.apis_by_cid: dict[str, set[str]] = {}
        self.role_holders: dict[str, set[str]] = {r: set() for r in self.roles}
        self.emails: dict[str, str] = {}
        self.group_names: dict[str, str] = {}

    # -- queries -----------------------------------------------------------

    def person(self, subject: str) -> Person | None:
        """The user or customer named ``subject`` (``user:<id>`` / ``customer:<id>``)."""
        kind, _, ident = subject.partition(":")
        if kind == "user":
            return self.users.get(ident)
        if kind == "customer":
            return self.customers.get(ident)
        return None

    def is_flattened(self, subject: str) -> bool:
        """True when exclusions apply, so access is compiled API by API."""
        return bool(self.excluded_apis.get(subject))

    def access_paths(self, subject: str, api: str) -> AccessPaths:
        """Every path from ``subject`` to ``api``."""
        person = self.person(subject)
        if person is None:
            return AccessPaths(direct=False, groups=(), customer_id=None, excluded=False)
        groups = tuple(
            sorted(g for g in person.groups if api in self.grants_by_target.get(f"group:{g}", ()))
        )
        cid = None
        if isinstance(person, Customer) and api in self.apis_by_cid.get(person.customer_id, ()):
            cid = person.customer_id
        return AccessPaths(
            direct=(api, subject) in self.grants,
            groups=groups,
            customer_id=cid,
            excluded=api in self.excluded_apis.get(subject, ()),
        )

    def access(self, subject: str) -> set[str]:
        """The APIs ``subject`` has access to (grants, groups, Customer ID, less exclusions)."""
        person = self.person(subject)
        if person is None:
            return set()
        result = set(self.grants_by_target.get(subject, ()))
        for group in person.groups:
            result |= self.grants_by_target.get(f"group:{group}", set())
        if isinstance(person, Customer):
            result |= self.apis_by_cid.get(person.customer_id, set())
        return result - self.excluded_apis.get(subject, set())

    def people(self) -> Iterator[Person]:
        """Every user, then every customer."""
        yield from self.users.values()
        yield from self.customers.values()

    def flattened_among(self, subjects: Iterable[str]) -> set[str]:
        """The subjects of ``subjects`` whose access is compiled API by API."""
        return {s for s in subjects if self.excluded_apis.get(s)}


def _subject_owner(ws: str, subject: str) -> Owner:
    """The owner of a subject's lines."""
    return ("subject", ws, subject)


class Directory:
    """Every workspace of a store, held in memory and changed only through its methods."""

    def __init__(self) -> None:
        self._workspaces: dict[str, WorkspaceData] = {}
        self._subjects: dict[str, str] = {}
        self._j = Journal()

    def atomic(self) -> AbstractContextManager[None]:
        """A block whose changes are all undone if it raises (see :class:`Journal`)."""
        return self._j.atomic()

    # -- lookups -----------------------------------------------------------

    def workspaces(self) -> Iterator[WorkspaceData]:
        """Every workspace's data."""
        return iter(self._workspaces.values())

    def workspace(self, ws: str) -> WorkspaceData:
        """The data of workspace ``ws`` (raises :class:`NotFound`)."""
        try:
            return self._workspaces[ws]
        except KeyError:
            raise NotFound(f"no workspace {ws!r}") from None

    def workspace_of(self, subject: str) -> str | None:
        """The workspace a subject belongs to, or None for an unknown subject."""
        return self._subjects.get(subject)

    def role(self, ws: str, role: str) -> Role:
        """Role ``role`` of workspace ``ws`` (raises :class:`NotFound`)."""
        data = self.workspace(ws)
        try:
            return data.roles[role]
        except KeyError:
            raise NotFound(
                f"no role {role!r} in workspace {ws!r}; roles: {', '.join(sorted(data.roles))}"
            ) from None

    def api(self, ws: str, api: str) -> Api:
        """API ``api`` of workspace ``ws`` (raises :class:`NotFound`)."""
        try:
            return self.workspace(ws).apis[api]
        except KeyError:
            raise NotFound(f"no API {api!r} in workspace {ws!r}") from None

    def group(self, ws: str, group: str) -> Group:
        """Group ``group`` of workspace ``ws`` (raises :class:`NotFound`)."""
        try:
            return self.workspace(ws).groups[group]
        except KeyError:
            raise NotFound(f"no group {group!r} in workspace {ws!r}") from None

    def person(self, subject: str) -> Person:
        """The user or customer named ``subject`` (raises :class:`NotFound`)."""
        ws = self._subjects.get(subject)
        person = self._workspaces[ws].person(subject) if ws is not None else None
        if person is None:
            raise NotFound(
                f"no subject {subject!r}; subjects are named 'user:<id>' or 'customer:<id>'"
            )
        return person

    # -- workspaces ----------------------------------------------------------

    def add_workspace(self, workspace: Workspace) -> set[Owner]:
        """Create a workspace with the built-in roles."""
        if workspace.id in self._workspaces:
            raise Conflict(f"workspace {workspace.id!r} already exists")
        data = WorkspaceData(workspace)
        self._j.setitem(self._workspaces, workspace.id, data)
        return {("role", workspace.id, r) for r in data.roles}

    # -- roles ---------------------------------------------------------------

    def put_role(self, role: Role) -> set[Owner]:
        """Create a custom role, or replace one (Owner can never be edited)."""
        data = self.workspace(role.workspace)
        old = data.roles.get(role.id)
        if old is not None and old.id == OWNER:
            raise Conflict("the Owner role cannot be edited")
        if old is None and role.builtin:
            raise InvalidInput(f"role {role.id!r}: only the library creates built-in roles")
        if old is not None and old.builtin != role.builtin:
            raise InvalidInput(f"role {role.id!r}: a role cannot change whether it is built in")
        clash = [
            r.id
            for r in data.roles.values()
            if r.id != role.id and r.name.casefold() == role.name.casefold()
        ]
        if clash:
            raise Conflict(f"a role named {role.name!r} already exists in {role.workspace!r}")
        self._j.setitem(data.roles, role.id, role)
        self._j.setdefault(data.role_holders, role.id, set)
        return {("role", role.workspace, role.id)}

    def remove_role(self, ws: str, role_id: str) -> set[Owner]:
        """Delete a custom role that nobody holds."""
        data = self.workspace(ws)
        role = self.role(ws, role_id)
        if role.builtin:
            raise Conflict(f"built-in role {role.name!r} cannot be deleted")
        holders = data.role_holders.get(role_id, set())
        if holders:
            count = "1 person" if len(holders) == 1 else f"{len(holders)} people"
            raise Conflict(
                f"role {role.name!r} ({role_id}) is in use: held by {count} "
                f"(e.g. {sorted(holders)[0]}); give them another role first"
            )
        self._j.delitem(data.roles, role_id)
        self._j.delitem(data.role_holders, role_id)
        return {("role", ws, role_id)}

    # -- people --------------------------------------------------------------

    def put_person(self, person: Person) -> set[Owner]:
        """Add a user or customer, or replace one with the same id (role, groups, status...)."""
        data = self.workspace(person.workspace)
        subject = person.subject
        old = data.person(subject)
        if old is None and subject in self._subjects:
            raise Conflict(
                f"subject {subject!r} already exists in workspace {self._subjects[subject]!r}"
            )
        self.role(person.workspace, person.role)
        for group in person.groups:
            self.group(person.workspace, group)
        owner_email = data.emails.get(person.email.casefold())
        if owner_email is not None and owner_email != subject:
            raise Conflict(
                f"email {person.email!r} is already used by {owner_email} "
                f"in workspace {person.workspace!r}"
            )
        owners: set[Owner] = {_subject_owner(person.workspace, subject)}
        if isinstance(person, Customer):
            holder = data.customer_by_cid.get(person.customer_id)
            if holder is not None and holder != person.id:
                raise Conflict(
                    f"Customer ID {person.customer_id!r} already belongs to customer "
                    f"{holder!r} in workspace {person.workspace!r}"
                )
        if old is not None:
            self._unindex_person(data, old)
        self._index_person(data, person)
        return owners

    def _index_person(self, data: WorkspaceData, person: Person) -> None:
        subject = person.subject
        j = self._j
        if isinstance(person, User):
            j.setitem(data.users, person.id, person)
        else:
            j.setitem(data.customers, person.id, person)
            j.setitem(data.customer_by_cid, person.customer_id, person.id)
        j.setitem(self._subjects, subject, data.workspace.id)
        j.setitem(data.emails, person.email.casefold(), subject)
        j.add(data.role_holders[person.role], subject)
        for group in person.groups:
            j.add(j.setdefault(data.members, group, set), subject)

    def _unindex_person(self, data: WorkspaceData, person: Person) -> None:
        subject = person.subject
        j = self._j
        if isinstance(person, User):
            j.delitem(data.users, person.id)
        else:
            j.delitem(data.customers, person.id)
            j.delitem(data.customer_by_cid, person.customer_id)
        j.delitem(self._subjects, subject)
        j.delitem(data.emails, person.email.casefold())
        j.discard(data.role_holders[person.role], subject)
        for group in person.groups:
            j.discard(data.members[group], subject)

    def remove_person(self, subject: str) -> set[Owner]:
        """Remove a user or customer with their grants and exclusions."""
        person = self.person(subject)
        data = self.workspace(person.workspace)
        for api in list(data.grants_by_target.get(subject, ())):
            self._drop_grant(data, api, subject)
        for api in list(data.excluded_apis.get(subject, ())):
            self._lift_exclusion(data, api, subject)
        self._unindex_person(data, person)
        return {_subject_owner(person.workspace, subject)}

    # -- groups --------------------------------------------------------------

    def put_group(self, group: Group) -> set[Owner]:
        """Create a group or rename one; names are unique ignoring case."""
        data = self.workspace(group.workspace)
        holder = data.group_names.get(group.name.casefold())
        if holder is not None and holder != group.id:
            raise Conflict(f"a group named {group.name!r} already exists in {group.workspace!r}")
        old = data.groups.get(group.id)
        if old is not None:
            self._j.delitem(data.group_names, old.name.casefold())
        self._j.setitem(data.groups, group.id, group)
        self._j.setitem(data.group_names, group.name.casefold(), group.id)
        self._j.setdefault(data.members, group.id, set)
        return {("group", group.workspace, group.id)}

    def remove_group(self, ws: str, group_id: str) -> set[Owner]:
        """Delete a group: its members lose only the access that came through it."""
        data = self.workspace(ws)
        group = self.group(ws, group_id)
        owners: set[Owner] = {("group", ws, group_id)}
        for subject in sorted(data.members.get(group_id, ())):
            person = data.person(subject)
            assert person is not None
            owners |= self.put_person(attrs.evolve(person, groups=person.groups - {group_id}))
        target = f"group:{group_id}"
        for api in list(data.grants_by_target.get(target, ())):
            self._drop_grant(data, api, target)
        self._j.delitem(data.groups, group_id)
        self._j.delitem(data.group_names, group.name.casefold())
        self._j.delitem(data.members, group_id)
        return owners

    # -- APIs ----------------------------------------------------------------

    def put_api(self, api: Api) -> set[Owner]:
        """Register an API or replace its fields (name, environment, category, Customer IDs)."""
        data = self.workspace(api.workspace)
        old = data.apis.get(api.id)
        owners: set[Owner] = {("api", api.workspace, api.id)}
        old_cids = old.customer_ids if old is not None else frozenset()
        changed = old_cids ^ api.customer_ids
        j = self._j
        for cid in old_cids - api.customer_ids:
            j.discard(data.apis_by_cid[cid], api.id)
        for cid in api.customer_ids - old_cids:
            j.add(j.setdefault(data.apis_by_cid, cid, set), api.id)
        j.setitem(data.apis, api.id, api)
        holders = {
            f"customer:{data.customer_by_cid[c]}" for c in changed if c in data.customer_by_cid
        }
        owners |= {_subject_owner(api.workspace, s) for s in data.flattened_among(holders)}
        return owners

    def remove_api(self, ws: str, api_id: str) -> set[Owner]:
        """Remove an API with every grant and exclusion on it."""
        data = self.workspace(ws)
        api = self.api(ws, api_id)
        owners = self._owners_reaching(data, api)
        for target in list(data.grants_by_api.get(api_id, ())):
            self._drop_grant(data, api_id, target)
        for subject in [s for s, apis in data.excluded_apis.items() if api_id in apis]:
            self._lift_exclusion(data, api_id, subject)
        for cid in api.customer_ids:
            self._j.discard(data.apis_by_cid[cid], api_id)
        self._j.delitem(data.apis, api_id)
        return owners | {("api", ws, api_id)}

    def _owners_reaching(self, data: WorkspaceData, api: Api) -> set[Owner]:
        """Owners whose compiled lines mention ``api``: grantees, groups, flattened people."""
        ws = data.workspace.id
        owners: set[Owner] = set()
        reaching: set[str] = set()
        for target in data.grants_by_api.get(api.id, ()):
            if target.startswith("group:"):
                group = target[6:]
                owners.add(("group", ws, group))
                reaching |= data.members.get(group, set())
            else:
                owners.add(_subject_owner(ws, target))
        reaching |= {
            f"customer:{data.customer_by_cid[c]}"
            for c in api.customer_ids
            if c in data.customer_by_cid
        }
        reaching |= {s for s, apis in data.excluded_apis.items() if api.id in apis}
        owners |= {_subject_owner(ws, s) for s in data.flattened_among(reaching)}
        return owners

    # -- access --------------------------------------------------------------

    def _check_target(self, data: WorkspaceData, target: str) -> None:
        kind, _, ident = target.partition(":")
        if kind == "group":
            self.group(data.workspace.id, ident)
        elif data.person(target) is None:
            raise NotFound(f"no {kind or 'subject'} {target!r} in workspace {data.workspace.id!r}")

    def _target_owners(self, data: WorkspaceData, target: str) -> set[Owner]:
        ws = data.workspace.id
        if target.startswith("group:"):
            group = target[6:]
            owners: set[Owner] = {("group", ws, group)}
            flat = data.flattened_among(data.members.get(group, ()))
            return owners | {_subject_owner(ws, s) for s in flat}
        return {_subject_owner(ws, target)}

    def add_access(self, grant: Grant) -> set[Owner]:
        """Grant access to an API; for a customer this also lifts an exclusion."""
        data = self.workspace(grant.workspace)
        self.api(grant.workspace, grant.api)
        self._check_target(data, grant.target)
        owners = self._target_owners(data, grant.target)
        if (grant.api, grant.target) not in data.grants:
            j = self._j
            j.setitem(data.grants, (grant.api, grant.target), grant)
            j.add(j.setdefault(data.grants_by_api, grant.api, set), grant.target)
            j.add(j.setdefault(data.grants_by_target, grant.target, set), grant.api)
        if grant.target.startswith("customer:"):
            self._lift_exclusion(data, grant.api, grant.target)
        return owners

    def remove_access(self, ws: str, api_id: str, target: str) -> set[Owner]:
        """Take one entry off an API's access list.

        For a user or group this deletes the direct grant. For a customer it
        deletes any direct grant and excludes the customer from the API, so a
        Customer ID match or a group no longer reaches it either.
        """
        data = self.workspace(ws)
        self.api(ws, api_id)
        self._check_target(data, target)
        direct = (api_id, target) in data.grants
        if target.startswith("customer:"):
            if not direct and not data.access_paths(target, api_id).has_access:
                raise NotFound(f"{target} has no access to API {api_id!r} to remove")
        elif not direct:
            paths = data.access_paths(target, api_id)
            via = (
                f" (access comes through groups: {', '.join(paths.groups)})" if paths.groups else ""
            )
            raise NotFound(f"{target} has no direct grant on API {api_id!r}{via}")
        owners = self._target_owners(data, target)
        if direct:
            self._drop_grant(data, api_id, target)
        if target.startswith("customer:"):
            self._exclude(data, api_id, target)
        return owners

    def revoke_all(self, ws: str, api_id: str) -> set[Owner]:
        """Revoke All Access: drop every grant of the API and exclude every matching customer."""
        data = self.workspace(ws)
        api = self.api(ws, api_id)
        owners = self._owners_reaching(data, api)
        matching = {
            f"customer:{data.customer_by_cid[c]}"
            for c in api.customer_ids
            if c in data.customer_by_cid
        }
        for target in list(data.grants_by_api.get(api_id, ())):
            self._drop_grant(data, api_id, target)
        for subject in matching:
            self._exclude(data, api_id, subject)
            owners.add(_subject_owner(ws, subject))
        return owners

    def _drop_grant(self, data: WorkspaceData, api: str, target: str) -> None:
        self._j.delitem(data.grants, (api, target))
        self._j.discard(data.grants_by_api[api], target)
        self._j.discard(data.grants_by_target[target], api)

    def _exclude(self, data: WorkspaceData, api: str, subject: str) -> None:
        self._j.add(data.exclusions, (api, subject))
        self._j.add(self._j.setdefault(data.excluded_apis, subject, set), api)

    def _lift_exclusion(self, data: WorkspaceData, api: str, subject: str) -> None:
        self._j.discard(data.exclusions, (api, subject))
        self._j.discard(data.excluded_apis.get(subject, set()), api)

    def grants(self, ws: str) -> list[Grant]:
        """Every grant of workspace ``ws``."""
        return list(self.workspace(ws).grants.values())

    def exclusions(self, ws: str) -> list[Exclusion]:
        """Every exclusion of workspace ``ws``."""
        return [
            Exclusion(workspace=ws, api=api, customer=s.partition(":")[2])
            for api, s in sorted(self.workspace(ws).exclusions)
        ]

    # -- convenience ---------------------------------------------------------

    def set_status(self, subject: str, status: Status) -> set[Owner]:
        """Disable or re-enable a user or customer."""
        return self.put_person(attrs.evolve(self.person(subject), status=status))
