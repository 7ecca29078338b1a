"""Management: the authorized, guarded admin operations behind an admin screen.

:class:`Management` holds an :class:`~rbac_kit.Authorizer` (it does not
inherit it). Every operation names its acting subject first and is one change
through :meth:`Authorizer.apply <rbac_kit.Authorizer.apply>`: the actor is
authorized with the same decision gateways ask, the guards of ``_guards.py``
run, and only then does the directory change. All of that happens inside the
change, under the authorizer's write lock, so nothing can slip in between a
check and the change it allows; the change record (actor, action, target)
reaches the authorizer's sink, where a store writes its audit event. Any
failure raises before anything changes.

Permissions per operation: ``manage_roles`` for roles; ``manage_people`` for
people; ``manage_groups`` for groups and their members; ``create_api`` to
register an API and ``edit_api`` / ``delete_api`` on the API itself to edit or
remove it; ``manage_api_access`` for grants, exclusions and Revoke All.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs

from .._authorizer import Authorizer
from .._errors import Conflict, Forbidden, InvalidInput
from ..model import _validate as v
from ..model._builtin import OWNER
from ..model._catalog import Permission
from ..model._directory import Directory, Owner, Person
from ..model._values import (
    ALL_ENVIRONMENTS,
    Api,
    ApiScope,
    Customer,
    Environment,
    Grant,
    Group,
    Role,
    Status,
    User,
    Workspace,
)
from . import _guards as g

__all__ = ["Management"]

T = TypeVar("T")


class Management:
    """Admin operations, each authorized and guarded, each one change.

    Every method but :meth:`create_workspace` takes the acting subject
    (``"user:ann"``) first; :meth:`record_customer_ids` also accepts
    ``"system"`` for the host recording traffic. See ``_guards.py`` for the
    rules: no one gives a role, group membership or API access that carries
    more than they hold, no one changes their own role, the last active Owner
    stays.

    Ids not given are generated: roles, groups and APIs get a slug of their
    name (``"Support Team"`` -> ``support-team``, then ``support-team-2`` when
    taken); users and customers get 10 random hexadecimal characters, since a
    person's id is unique across workspaces and should not reveal their name.

    Raises (every method): :class:`~rbac_kit.Forbidden` when the actor may not,
    :class:`~rbac_kit.NotFound` for an unknown id, :class:`~rbac_kit.Conflict`
    for a duplicate or a guard, :class:`~rbac_kit.InvalidInput` for a bad value.
    """

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    @property
    def authorizer(self) -> Authorizer:
        """The authorizer whose state these operations change."""
        return self._authz

    def _run(
        self,
        change: Callable[[Directory], tuple[set[Owner], T]],
        actor: str,
        action: str,
        target: str,
    ) -> T:
        """Apply ``change`` as one change through the authorizer; return its value."""
        result: list[T] = []

        def apply(d: Directory) -> set[Owner]:
            owners, value = change(d)
            result.append(value)
            return owners

        self._authz.apply(apply, actor=actor, action=action, target=target)
        return result[0]

    # -- workspaces ---------------------------------------------------------

    def create_workspace(self, workspace: Workspace, *, owner: User) -> Workspace:
        """Create a workspace and its first Owner in one change, as ``system``.

        This is the one bootstrap path: nobody is a member of a workspace that
        does not exist yet, so it is allowed to the host without a decision.

        Raises:
            InvalidInput: ``owner`` is not an active user of ``workspace`` holding ``owner``.
            Conflict: the workspace exists, or the owner's id is taken.
        """
        g.require_first_owner(workspace, owner)

        def change(d: Directory) -> tuple[set[Owner], Workspace]:
            return d.add_workspace(workspace) | d.put_person(owner), workspace

        return self._run(change, g.SYSTEM_ACTOR, "create_workspace", workspace.id)

    # -- roles ----------------------------------------------------------------

    def create_role(
        self,
        actor: str,
        workspace: str,
        name: str,
        permissions: Iterable[str],
        *,
        environments: Iterable[Environment | str] = ALL_ENVIRONMENTS,
        api_scope: ApiScope | str = ApiScope.GRANTED,
        id: str | None = None,
    ) -> Role:
        """Create a custom role; the actor's own role must hold all it carries."""
        role_id = (
            id if id is not None else g.free_slug(self._authz, workspace, "roles", name, "role")
        )

        def change(d: Directory) -> tuple[set[Owner], Role]:
            me = g.authorize(self._authz, actor, Permission.MANAGE_ROLES, workspace)
            role = Role(
                workspace=workspace,
                id=role_id,
                name=name,
                permissions=permissions,
                environments=environments,
                api_scope=api_scope,
            )
            if role.id in d.workspace(workspace).roles:
                raise Conflict(f"role id {role.id!r} already exists in workspace {workspace!r}")
            g.require_can_give(self._authz, me, role, f"create role {role.name!r}")
            return d.put_role(role), role

        return self._run(change, actor, "create_role", f"{workspace}/role:{role_id}")

    def edit_role(
        self,
        actor: str,
        workspace: str,
        role: str,
        *,
        name: str | None = None,
        permissions: Iterable[str] | None = None,
        environments: Iterable[Environment | str] | None = None,
        api_scope: ApiScope | str | None = None,
    ) -> Role:
        """Change a role's name, permissions or scopes (never Owner's).

        The actor's role must hold everything the role carries before and after.
        """
        fields = g.given(
            name=name, permissions=permissions, environments=environments, api_scope=api_scope
        )

        def change(d: Directory) -> tuple[set[Owner], Role]:
            me = g.authorize(self._authz, actor, Permission.MANAGE_ROLES, workspace)
            old = d.role(workspace, role)
            if old.id == OWNER:
                raise Conflict("the Owner role cannot be edited")
            if not fields:
                raise InvalidInput(
                    "edit_role needs at least one of name, permissions, environments, api_scope"
                )
            new = attrs.evolve(old, **fields)
            g.require_can_give(self._authz, me, old, f"edit role {old.name!r}")
            g.require_can_give(self._authz, me, new, f"edit role {old.name!r} this way")
            return d.put_role(new), new

        return self._run(change, actor, "edit_role", f"{workspace}/role:{role}")

    def delete_role(self, actor: str, workspace: str, role: str) -> None:
        """Delete a custom role that nobody holds."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            g.authorize(self._authz, actor, Permission.MANAGE_ROLES, workspace)
            return d.remove_role(workspace, role), None

        self._run(change, actor, "delete_role", f"{workspace}/role:{role}")

    # -- people -----------------------------------------------------------------

    def add_user(
        self,
        actor: str,
        workspace: str,
        *,
        email: str,
        name: str,
        role: str = "member",
        groups: Iterable[str] = (),
        id: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Add an active user; the actor must be able to give its role and its groups."""
        user_id = id if id is not None else g.free_person_id(self._authz, "user")

        def change(d: Directory) -> tuple[set[Owner], User]:
            me = g.authorize(self._authz, actor, Permission.MANAGE_PEOPLE, workspace)
            user = User(
                workspace=workspace,
                id=user_id,
                email=email,
                name=name,
                role=role,
                groups=g.unique(groups),
                password_hash=password_hash,
            )
            g.require_new_person(self._authz, me, user)
            return d.put_person(user), user

        return self._run(change, actor, "add_user", f"user:{user_id}")

    def add_customer(
        self,
        actor: str,
        workspace: str,
        *,
        email: str,
        customer_id: str,
        role: str = "customer",
        groups: Iterable[str] = (),
        name: str | None = None,
        id: str | None = None,
    ) -> Customer:
        """Add an active customer; the actor must reach the APIs its Customer ID opens."""
        customer_entity = id if id is not None else g.free_person_id(self._authz, "customer")

        def change(d: Directory) -> tuple[set[Owner], Customer]:
            me = g.authorize(self._authz, actor, Permission.MANAGE_PEOPLE, workspace)
            customer = Customer(
                workspace=workspace,
                id=customer_entity,
                email=email,
                customer_id=customer_id,
                role=role,
                groups=g.unique(groups),
                name=name,
            )
            g.require_new_person(self._authz, me, customer)
            return d.put_person(customer), customer

        return self._run(change, actor, "add_customer", f"customer:{customer_entity}")

    def change_role(self, actor: str, workspace: str, subject: str, role: str) -> Person:
        """Give a person another role (not oneself; never demoting the last Owner)."""

        def change(d: Directory) -> tuple[set[Owner], Person]:
            me, person = g.authorize_person(
                self._authz, actor, workspace, subject, "change the role of"
            )
            if person.subject == me.subject:
                raise Forbidden(f"{actor} may not change their own role")
            new_role = d.role(workspace, role)
            if new_role.id == person.role:
                raise Conflict(f"{subject} already holds role {new_role.name!r}")
            g.require_can_give(self._authz, me, new_role, f"give role {new_role.name!r}")
            g.require_not_last_owner(self._authz, person, "demoted")
            updated = attrs.evolve(person, role=new_role.id)
            return d.put_person(updated), updated

        return self._run(change, actor, "change_role", subject)

    def set_customer_id(
        self, actor: str, workspace: str, subject: str, customer_id: str
    ) -> Customer:
        """Edit a customer's Customer ID; the access it brings moves with it."""

        def change(d: Directory) -> tuple[set[Owner], Customer]:
            me, person = g.authorize_person(self._authz, actor, workspace, subject, "edit")
            customer = g.require_customer(person)
            value = v.customer_id("Customer ID", customer_id)
            if value == customer.customer_id:
                raise Conflict(f"{subject} already has Customer ID {value!r}")
            g.require_customer_id_reach(self._authz, me, workspace, value, subject)
            updated = attrs.evolve(customer, customer_id=value)
            return d.put_person(updated), updated

        return self._run(change, actor, "set_customer_id", subject)

    def disable(self, actor: str, workspace: str, subject: str) -> Person:
        """Disable a person: every decision about them is a denial until enabled."""
        return self._set_status(actor, workspace, subject, Status.DISABLED)

    def enable(self, actor: str, workspace: str, subject: str) -> Person:
        """Enable a disabled person again."""
        return self._set_status(actor, workspace, subject, Status.ACTIVE)

    def remove_person(self, actor: str, workspace: str, subject: str) -> None:
        """Remove a person with their grants and exclusions (never the last Owner)."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            _, person = g.authorize_person(self._authz, actor, workspace, subject, "remove")
            g.require_not_last_owner(self._authz, person, "removed")
            return d.remove_person(subject), None

        self._run(change, actor, "remove_person", subject)

    def _set_status(self, actor: str, workspace: str, subject: str, status: Status) -> Person:
        verb = "disable" if status is Status.DISABLED else "enable"

        def change(d: Directory) -> tuple[set[Owner], Person]:
            _, person = g.authorize_person(self._authz, actor, workspace, subject, verb)
            if person.status is status:
                raise Conflict(f"{subject} is already {status.value}")
            if status is Status.DISABLED:
                g.require_not_last_owner(self._authz, person, "disabled")
            updated = attrs.evolve(person, status=status)
            return d.put_person(updated), updated

        return self._run(change, actor, verb, subject)

    # -- groups -------------------------------------------------------------

    def create_group(
        self,
        actor: str,
        workspace: str,
        name: str,
        *,
        members: Iterable[str] = (),
        id: str | None = None,
    ) -> Group:
        """Create a group, with initial members (``user:<id>`` / ``customer:<id>``)."""
        group_id = (
            id if id is not None else g.free_slug(self._authz, workspace, "groups", name, "group")
        )
        subjects = g.unique(members)

        def change(d: Directory) -> tuple[set[Owner], Group]:
            g.authorize(self._authz, actor, Permission.MANAGE_GROUPS, workspace)
            group = Group(workspace=workspace, id=group_id, name=name)
            if group.id in d.workspace(workspace).groups:
                raise Conflict(f"group id {group.id!r} already exists in workspace {workspace!r}")
            people = [g.person_in(self._authz, workspace, s) for s in subjects]
            owners = d.put_group(group)
            for person in people:
                owners |= d.put_person(attrs.evolve(person, groups=person.groups | {group.id}))
            return owners, group

        return self._run(change, actor, "create_group", f"{workspace}/group:{group_id}")

    def rename_group(self, actor: str, workspace: str, group: str, name: str) -> Group:
        """Give a group another name (unique in the workspace, ignoring case)."""

        def change(d: Directory) -> tuple[set[Owner], Group]:
            g.authorize(self._authz, actor, Permission.MANAGE_GROUPS, workspace)
            renamed = attrs.evolve(d.group(workspace, group), name=name)
            return d.put_group(renamed), renamed

        return self._run(change, actor, "rename_group", f"{workspace}/group:{group}")

    def add_member(self, actor: str, workspace: str, group: str, subject: str) -> Person:
        """Put a person into a group; the actor must reach every API the group grants."""

        def change(d: Directory) -> tuple[set[Owner], Person]:
            me = g.authorize(self._authz, actor, Permission.MANAGE_GROUPS, workspace)
            d.group(workspace, group)
            person = g.person_in(self._authz, workspace, subject)
            if group in person.groups:
                raise Conflict(f"{subject} is already a member of group {group!r}")
            g.require_group_reach(self._authz, me, workspace, group)
            updated = attrs.evolve(person, groups=person.groups | {group})
            return d.put_person(updated), updated

        return self._run(change, actor, "add_member", subject)

    def remove_member(self, actor: str, workspace: str, group: str, subject: str) -> Person:
        """Take a person out of a group (they lose only the access that came through it)."""

        def change(d: Directory) -> tuple[set[Owner], Person]:
            g.authorize(self._authz, actor, Permission.MANAGE_GROUPS, workspace)
            d.group(workspace, group)
            person = g.person_in(self._authz, workspace, subject)
            if group not in person.groups:
                raise Conflict(f"{subject} is not a member of group {group!r}")
            updated = attrs.evolve(person, groups=person.groups - {group})
            return d.put_person(updated), updated

        return self._run(change, actor, "remove_member", subject)

    def delete_group(self, actor: str, workspace: str, group: str) -> None:
        """Delete a group: its members lose only the access that came through it."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            g.authorize(self._authz, actor, Permission.MANAGE_GROUPS, workspace)
            return d.remove_group(workspace, group), None

        self._run(change, actor, "delete_group", f"{workspace}/group:{group}")

    # -- APIs -----------------------------------------------------------------

    def register_api(
        self,
        actor: str,
        workspace: str,
        name: str,
        *,
        id: str | None = None,
        environment: Environment | str = Environment.PRODUCTION,
        category: str = "general",
    ) -> Api:
        """Register an API in an environment the actor's role covers.

        An actor whose role reaches only granted APIs is granted the new API
        in the same change, so its creator can see and edit it.
        """
        api_id = id if id is not None else g.free_slug(self._authz, workspace, "apis", name, "api")

        def change(d: Directory) -> tuple[set[Owner], Api]:
            me = g.authorize(self._authz, actor, Permission.CREATE_API, workspace)
            api = Api(
                workspace=workspace,
                id=api_id,
                name=name,
                environment=environment,
                category=category,
            )
            if api.id in d.workspace(workspace).apis:
                raise Conflict(f"API id {api.id!r} already exists in workspace {workspace!r}")
            g.require_environment(self._authz, me, api, "register")
            owners = d.put_api(api)
            if d.role(workspace, me.role).api_scope is ApiScope.GRANTED:
                grant = Grant(workspace=workspace, api=api.id, target=me.subject, granted_by=actor)
                owners |= d.add_access(grant)
            return owners, api

        return self._run(change, actor, "register_api", f"{workspace}/{api_id}")

    def edit_api(
        self,
        actor: str,
        workspace: str,
        api: str,
        *,
        name: str | None = None,
        environment: Environment | str | None = None,
        category: str | None = None,
    ) -> Api:
        """Change an API's name, environment or category (``edit_api`` on that API)."""
        fields = g.given(name=name, environment=environment, category=category)

        def change(d: Directory) -> tuple[set[Owner], Api]:
            me, old = g.authorize_api(self._authz, actor, Permission.EDIT_API, workspace, api)
            if not fields:
                raise InvalidInput("edit_api needs at least one of name, environment, category")
            new = attrs.evolve(old, **fields)
            g.require_environment(self._authz, me, new, "move")
            return d.put_api(new), new

        return self._run(change, actor, "edit_api", f"{workspace}/{api}")

    def record_customer_ids(
        self, actor: str, workspace: str, api: str, customer_ids: Iterable[str]
    ) -> Api:
        """Record Customer IDs seen in an API's traffic; their customers gain access.

        ``actor`` is ``"system"`` when the host records traffic, or a subject
        holding ``edit_api`` on the API. Recording only IDs already recorded
        is no change at all (no change record) and returns the API as it is.
        """
        values = g.unique(customer_ids)
        for value in values:
            v.customer_id("Customer ID", value)

        def check(d: Directory) -> Api:
            if actor == g.SYSTEM_ACTOR:
                return d.api(workspace, api)
            return g.authorize_api(self._authz, actor, Permission.EDIT_API, workspace, api)[1]

        # Traffic repeats itself: IDs already recorded make no change (and no audit
        # event). Read outside the write lock; the change below checks again.
        current = check(self._authz.directory)
        if set(values) <= current.customer_ids:
            return current

        def change(d: Directory) -> tuple[set[Owner], Api]:
            old = check(d)
            new = attrs.evolve(old, customer_ids=old.customer_ids | set(values))
            return d.put_api(new), new

        return self._run(change, actor, "record_customer_ids", f"{workspace}/{api}")

    def remove_api(self, actor: str, workspace: str, api: str) -> None:
        """Remove an API with its grants and exclusions (``delete_api`` on that API)."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            g.authorize_api(self._authz, actor, Permission.DELETE_API, workspace, api)
            return d.remove_api(workspace, api), None

        self._run(change, actor, "remove_api", f"{workspace}/{api}")

    # -- access -------------------------------------------------------------

    def add_access(
        self, actor: str, workspace: str, api: str, targets: str | Iterable[str]
    ) -> tuple[Grant, ...]:
        """Grant users, customers or groups (``group:<id>``) access to an API.

        For a customer removed from the API's access list this lifts the
        exclusion. All targets are granted in one change, or none is.

        Raises:
            Conflict: a target already has a direct grant on the API.
        """
        listed = g.unique(targets)

        def change(d: Directory) -> tuple[set[Owner], tuple[Grant, ...]]:
            _, target_api = g.authorize_access(self._authz, actor, workspace, api, "add access to")
            if not listed:
                raise InvalidInput("add_access needs at least one user, customer or group")
            for target in listed:
                g.require_target(self._authz, workspace, target)
                if (api, target) in d.workspace(workspace).grants:
                    raise Conflict(f"{target} already has access to API {target_api.object!r}")
            grants = tuple(
                Grant(workspace=workspace, api=api, target=t, granted_by=actor) for t in listed
            )
            owners: set[Owner] = set()
            for grant in grants:
                owners |= d.add_access(grant)
            return owners, grants

        return self._run(change, actor, "add_access", f"{workspace}/{api}")

    def remove_access(self, actor: str, workspace: str, api: str, target: str) -> None:
        """Take one entry off an API's access list; a customer becomes excluded from it."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            g.authorize_access(self._authz, actor, workspace, api, "remove access to")
            g.require_target(self._authz, workspace, target)
            return d.remove_access(workspace, api, target), None

        self._run(change, actor, "remove_access", f"{workspace}/{api}")

    def revoke_all(self, actor: str, workspace: str, api: str) -> None:
        """Revoke All Access: drop every grant and exclude every matching customer."""

        def change(d: Directory) -> tuple[set[Owner], None]:
            g.authorize_access(self._authz, actor, workspace, api, "revoke all access to")
            return d.revoke_all(workspace, api), None

        self._run(change, actor, "revoke_all", f"{workspace}/{api}")
