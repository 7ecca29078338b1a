"""The domain model in memory: every workspace's entities, kept consistent.

A :class:`Directory` holds the value objects of many workspaces with the
secondary indexes the compiler needs (members of a group, grants of an API,
the customer holding a Customer ID). Each change checks everything first and
only then mutates, so a change that raises leaves the directory as it was.
Each change returns the policy *owners* it touched: the pieces of the
compiled policy that must be compiled again (see ``policy/_compiler.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import attrs

from .._errors import Conflict, InvalidInput, NotFound
from ._builtin import OWNER
from ._journal import Journal
from ._subjects import PolicyOwner, split_name
from ._values import Api, Customer, Exclusion, Grant, Group, Role, Status, User, Workspace
from ._workspace import AccessPaths, Person, WorkspaceData

__all__ = ["AccessPaths", "Directory", "Person", "WorkspaceData"]


def _subject_owner(ws: str, subject: str) -> PolicyOwner:
    """The owner of a subject's lines."""
    return PolicyOwner("subject", ws, subject)


class Directory:
    """Every workspace of a store, held in memory and changed only through its methods."""

    def __init__(self) -> None:
        self._workspaces: dict[str, WorkspaceData] = {}
        self._subjects: dict[str, str] = {}
        self._j = Journal()
        # The owners touched inside the open ``changes()`` block, if one is open.
        self._touched: set[PolicyOwner] | None = None

    def atomic(self) -> AbstractContextManager[None]:
        """A block whose changes are all undone if it raises (see :class:`Journal`)."""
        return self._j.atomic()

    @contextmanager
    def changes(self) -> Iterator[set[PolicyOwner]]:
        """A block of changes made as one: undone together if it raises.

        Yields the set of policy owners the block touches, filled as each
        change returns (the compiler recompiles exactly those). Blocks do not
        nest: a change is one block.
        """
        if self._touched is not None:
            raise InvalidInput("a directory change is already in progress")
        touched: set[PolicyOwner] = set()
        self._touched = touched
        try:
            with self._j.atomic():
                yield touched
        finally:
            self._touched = None

    def touch(self, owners: set[PolicyOwner]) -> set[PolicyOwner]:
        """Mark ``owners`` for recompiling with the open ``changes()`` block; return them."""
        if self._touched is not None:
            self._touched |= owners
        return owners

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

    def add_workspace(self, workspace: Workspace) -> set[PolicyOwner]:
        """Create a workspace with the built-in roles."""
        if workspace.id in self._workspaces:
            raise Conflict(f"workspace {workspace.id!r} already exists")
        data = WorkspaceData(workspace)
        self._j.setitem(self._workspaces, workspace.id, data)
        return self.touch({PolicyOwner("role", workspace.id, r) for r in data.roles})

    # -- roles ---------------------------------------------------------------

    def put_role(self, role: Role) -> set[PolicyOwner]:
        """Create a custom role, or replace one (PolicyOwner can never be edited)."""
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
        return self.touch({PolicyOwner("role", role.workspace, role.id)})

    def remove_role(self, ws: str, role_id: str) -> set[PolicyOwner]:
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
        return self.touch({PolicyOwner("role", ws, role_id)})

    # -- people --------------------------------------------------------------

    def put_person(self, person: Person) -> set[PolicyOwner]:
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
        owners: set[PolicyOwner] = {_subject_owner(person.workspace, subject)}
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
        return self.touch(owners)

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

    def remove_person(self, subject: str) -> set[PolicyOwner]:
        """Remove a user or customer with their grants and exclusions."""
        person = self.person(subject)
        data = self.workspace(person.workspace)
        for api in list(data.grants_by_target.get(subject, ())):
            self._drop_grant(data, api, subject)
        for api in list(data.excluded_apis.get(subject, ())):
            self._lift_exclusion(data, api, subject)
        self._unindex_person(data, person)
        return self.touch({_subject_owner(person.workspace, subject)})

    # -- groups --------------------------------------------------------------

    def put_group(self, group: Group) -> set[PolicyOwner]:
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
        return self.touch({PolicyOwner("group", group.workspace, group.id)})

    def remove_group(self, ws: str, group_id: str) -> set[PolicyOwner]:
        """Delete a group: its members lose only the access that came through it."""
        data = self.workspace(ws)
        group = self.group(ws, group_id)
        owners: set[PolicyOwner] = {PolicyOwner("group", ws, group_id)}
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
        return self.touch(owners)

    # -- APIs ----------------------------------------------------------------

    def put_api(self, api: Api) -> set[PolicyOwner]:
        """Register an API or replace its fields (name, environment, category, Customer IDs)."""
        data = self.workspace(api.workspace)
        old = data.apis.get(api.id)
        owners: set[PolicyOwner] = {PolicyOwner("api", api.workspace, api.id)}
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
        return self.touch(owners)

    def remove_api(self, ws: str, api_id: str) -> set[PolicyOwner]:
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
        return self.touch(owners | {PolicyOwner("api", ws, api_id)})

    def _owners_reaching(self, data: WorkspaceData, api: Api) -> set[PolicyOwner]:
        """Owners whose compiled lines mention ``api``: grantees, groups, flattened people."""
        ws = data.workspace.id
        owners: set[PolicyOwner] = set()
        reaching: set[str] = set()
        for target in data.grants_by_api.get(api.id, ()):
            if target.startswith("group:"):
                group = target[6:]
                owners.add(PolicyOwner("group", ws, group))
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
        kind, ident = split_name(target)
        if kind == "group":
            self.group(data.workspace.id, ident)
        elif data.person(target) is None:
            raise NotFound(f"no {kind or 'subject'} {target!r} in workspace {data.workspace.id!r}")

    def _target_owners(self, data: WorkspaceData, target: str) -> set[PolicyOwner]:
        ws = data.workspace.id
        if target.startswith("group:"):
            group = target[6:]
            owners: set[PolicyOwner] = {PolicyOwner("group", ws, group)}
            flat = data.flattened_among(data.members.get(group, ()))
            return owners | {_subject_owner(ws, s) for s in flat}
        return {_subject_owner(ws, target)}

    def add_access(self, grant: Grant) -> set[PolicyOwner]:
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
        return self.touch(owners)

    def remove_access(self, ws: str, api_id: str, target: str) -> set[PolicyOwner]:
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
        return self.touch(owners)

    def revoke_all(self, ws: str, api_id: str) -> set[PolicyOwner]:
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
        return self.touch(owners)

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
            Exclusion(workspace=ws, api=api, customer=split_name(s)[1])
            for api, s in sorted(self.workspace(ws).exclusions)
        ]

    # -- convenience ---------------------------------------------------------

    def set_status(self, subject: str, status: Status) -> set[PolicyOwner]:
        """Disable or re-enable a user or customer."""
        return self.put_person(attrs.evolve(self.person(subject), status=status))
