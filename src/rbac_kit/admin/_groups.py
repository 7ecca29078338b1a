"""Groups: create, rename and delete groups, and change their members (``manage_groups``)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .._authorizer import Authorizer
from .._errors import Conflict
from ..model._catalog import Permission
from ..model._directory import Person
from ..model._values import Group
from . import _guards as g
from ._decider import Actor

__all__ = ["Groups"]


class Groups:
    """The groups of every workspace: ``admin.groups``.

    Putting someone into a group gives them the group's APIs, so the actor
    must reach every API the group is granted.
    """

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def create(
        self,
        actor: Actor,
        *,
        workspace: str,
        name: str,
        members: Iterable[str] = (),
        id: str | None = None,
    ) -> Group:
        """Create a group, with initial members (``user:<id>`` / ``customer:<id>``).

        Its id is a slug of ``name`` unless given.
        """
        authz = self._authz
        group_id = id if id is not None else g.free_slug(authz, workspace, "groups", name, "group")
        subjects = g.unique(members)
        target = f"{workspace}/group:{group_id}"
        with authz.transaction(actor=str(actor), action="create_group", target=target) as tx:
            g.authorize(authz, actor, Permission.MANAGE_GROUPS, workspace)
            group = Group(workspace=workspace, id=group_id, name=name)
            if group.id in tx.directory.workspace(workspace).groups:
                raise Conflict(f"group id {group.id!r} already exists in workspace {workspace!r}")
            people = [g.person_in(authz, workspace, s) for s in subjects]
            tx.directory.put_group(group)
            for person in people:
                tx.directory.put_person(attrs.evolve(person, groups=person.groups | {group.id}))
        return group

    def rename(self, actor: Actor, *, workspace: str, group: str, name: str) -> Group:
        """Give a group another name (unique in the workspace, ignoring case)."""
        authz = self._authz
        target = f"{workspace}/group:{group}"
        with authz.transaction(actor=str(actor), action="rename_group", target=target) as tx:
            g.authorize(authz, actor, Permission.MANAGE_GROUPS, workspace)
            renamed = attrs.evolve(tx.directory.group(workspace, group), name=name)
            tx.directory.put_group(renamed)
        return renamed

    def add_member(self, actor: Actor, *, workspace: str, group: str, subject: str) -> Person:
        """Put a person into a group; the actor must reach every API the group grants."""
        authz = self._authz
        with authz.transaction(actor=str(actor), action="add_member", target=subject) as tx:
            me = g.authorize(authz, actor, Permission.MANAGE_GROUPS, workspace)
            tx.directory.group(workspace, group)
            person = g.person_in(authz, workspace, subject)
            if group in person.groups:
                raise Conflict(f"{subject} is already a member of group {group!r}")
            g.require_group_reach(authz, me, workspace, group)
            updated = attrs.evolve(person, groups=person.groups | {group})
            tx.directory.put_person(updated)
        return updated

    def remove_member(self, actor: Actor, *, workspace: str, group: str, subject: str) -> Person:
        """Take a person out of a group (they lose only the access that came through it)."""
        authz = self._authz
        with authz.transaction(actor=str(actor), action="remove_member", target=subject) as tx:
            g.authorize(authz, actor, Permission.MANAGE_GROUPS, workspace)
            tx.directory.group(workspace, group)
            person = g.person_in(authz, workspace, subject)
            if group not in person.groups:
                raise Conflict(f"{subject} is not a member of group {group!r}")
            updated = attrs.evolve(person, groups=person.groups - {group})
            tx.directory.put_person(updated)
        return updated

    def delete(self, actor: Actor, *, workspace: str, group: str) -> None:
        """Delete a group: its members lose only the access that came through it."""
        authz = self._authz
        target = f"{workspace}/group:{group}"
        with authz.transaction(actor=str(actor), action="delete_group", target=target) as tx:
            g.authorize(authz, actor, Permission.MANAGE_GROUPS, workspace)
            tx.directory.remove_group(workspace, group)
