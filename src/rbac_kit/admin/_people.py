"""People: add users and customers, change their role, Customer ID and status, remove them
(``manage_people``)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .._authorizer import Authorizer
from .._errors import Conflict, Forbidden
from ..model import _validate as v
from ..model._catalog import Permission
from ..model._directory import Person
from ..model._values import Customer, Status, User
from . import _guards as g
from ._decider import Actor

__all__ = ["People"]


class People:
    """The users and customers of every workspace: ``admin.people``.

    An actor changes a person (role, status, Customer ID, removal) only if
    it could give that person's current role, so an Administrator cannot
    demote, disable or remove an Owner; nobody changes their own role; the
    last active Owner of a workspace stays.

    Ids not given are 10 random hexadecimal characters: a person's id is
    unique across workspaces and should not reveal their name.
    """

    __slots__ = ("_authz",)

    def __init__(self, authorizer: Authorizer) -> None:
        self._authz = authorizer

    def add_user(
        self,
        actor: Actor,
        *,
        workspace: str,
        email: str,
        name: str,
        role: str = "member",
        groups: Iterable[str] = (),
        id: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Add an active user; the actor must be able to give its role and its groups."""
        authz = self._authz
        user_id = id if id is not None else g.free_person_id(authz, "user")
        with authz.transaction(actor=str(actor), action="add_user", target=f"user:{user_id}") as tx:
            me = g.authorize(authz, actor, Permission.MANAGE_PEOPLE, workspace)
            user = User(
                workspace=workspace,
                id=user_id,
                email=email,
                name=name,
                role=role,
                groups=g.unique(groups),
                password_hash=password_hash,
            )
            g.require_new_person(authz, me, user)
            tx.directory.put_person(user)
        return user

    def add_customer(
        self,
        actor: Actor,
        *,
        workspace: str,
        email: str,
        customer_id: str,
        role: str = "customer",
        groups: Iterable[str] = (),
        name: str | None = None,
        id: str | None = None,
        password_hash: str | None = None,
    ) -> Customer:
        """Add an active customer; the actor must reach the APIs its Customer ID opens."""
        authz = self._authz
        ident = id if id is not None else g.free_person_id(authz, "customer")
        with authz.transaction(
            actor=str(actor), action="add_customer", target=f"customer:{ident}"
        ) as tx:
            me = g.authorize(authz, actor, Permission.MANAGE_PEOPLE, workspace)
            customer = Customer(
                workspace=workspace,
                id=ident,
                email=email,
                customer_id=customer_id,
                role=role,
                groups=g.unique(groups),
                name=name,
                password_hash=password_hash,
            )
            g.require_new_person(authz, me, customer)
            tx.directory.put_person(customer)
        return customer

    def change_role(self, actor: Actor, *, workspace: str, subject: str, role: str) -> Person:
        """Give a person another role (not oneself; never demoting the last Owner)."""
        authz = self._authz
        with authz.transaction(actor=str(actor), action="change_role", target=subject) as tx:
            me, person = g.authorize_person(authz, actor, workspace, subject, "change the role of")
            if me is not None and person.subject == me.subject:
                raise Forbidden(f"{actor} may not change their own role")
            new_role = tx.directory.role(workspace, role)
            if new_role.id == person.role:
                raise Conflict(f"{subject} already holds role {new_role.name!r}")
            g.require_can_give(authz, me, new_role, f"give role {new_role.name!r}")
            g.require_not_last_owner(authz, person, "demoted")
            updated = attrs.evolve(person, role=new_role.id)
            tx.directory.put_person(updated)
        return updated

    def set_customer_id(
        self, actor: Actor, *, workspace: str, subject: str, customer_id: str
    ) -> Customer:
        """Edit a customer's Customer ID; the access it brings moves with it."""
        authz = self._authz
        with authz.transaction(actor=str(actor), action="set_customer_id", target=subject) as tx:
            me, person = g.authorize_person(authz, actor, workspace, subject, "edit")
            customer = g.require_customer(person)
            value = v.customer_id("Customer ID", customer_id)
            if value == customer.customer_id:
                raise Conflict(f"{subject} already has Customer ID {value!r}")
            g.require_customer_id_reach(authz, me, workspace, value, subject)
            updated = attrs.evolve(customer, customer_id=value)
            tx.directory.put_person(updated)
        return updated

    def disable(self, actor: Actor, *, workspace: str, subject: str) -> Person:
        """Disable a person: every decision about them is a denial until enabled."""
        return self._set_status(actor, workspace, subject, Status.DISABLED)

    def enable(self, actor: Actor, *, workspace: str, subject: str) -> Person:
        """Enable a disabled person again."""
        return self._set_status(actor, workspace, subject, Status.ACTIVE)

    def remove(self, actor: Actor, *, workspace: str, subject: str) -> None:
        """Remove a person with their grants and exclusions (never the last Owner)."""
        authz = self._authz
        with authz.transaction(actor=str(actor), action="remove_person", target=subject) as tx:
            _, person = g.authorize_person(authz, actor, workspace, subject, "remove")
            g.require_not_last_owner(authz, person, "removed")
            tx.directory.remove_person(subject)

    def _set_status(self, actor: Actor, workspace: str, subject: str, status: Status) -> Person:
        authz = self._authz
        verb = "disable" if status is Status.DISABLED else "enable"
        with authz.transaction(actor=str(actor), action=verb, target=subject) as tx:
            _, person = g.authorize_person(authz, actor, workspace, subject, verb)
            if person.status is status:
                raise Conflict(f"{subject} is already {status.value}")
            if status is Status.DISABLED:
                g.require_not_last_owner(authz, person, "disabled")
            updated = attrs.evolve(person, status=status)
            tx.directory.put_person(updated)
        return updated
