"""Accepting an invitation: check the token, re-check the offer, create the person, atomically.

The steps, in order:

1. **The token.** Its shape, then the invitation it names, then its hash
   compared in constant time, then the status and expiry as of now, then
   (for an email invitation given an address) the address. Every failure
   raises the same :class:`~rbac_kit.InvalidToken`, before any account is
   looked at, so the answer says nothing about which check failed or
   whether anyone has an account.
2. **The person's own input**: name, and a password that passes the
   strength rule of ``_passwords.py``, hashed (argon2id by default) before
   the write lock is taken: hashing is slow on purpose.
3. **One change** through the Authorizer: the offer is checked again as it
   stands now (the inviter still holds ``invite_people`` and can give the
   role, the groups and the Customer ID; they all still exist), the person
   is created, and, in the same transaction, the invitation is marked
   accepted (or the link join recorded) after its token is checked once
   more. Person and invitation commit together or not at all.
4. **If the offer no longer holds**, that is recorded on the invitation as
   status ``failed`` with the reason (a change of its own, so the inviter
   sees it), and the person accepting gets a :class:`~rbac_kit.Conflict`
   telling them to ask for a new invitation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from ..._authorizer import Authorizer
from ..._errors import Conflict, InvalidInput, InvalidToken, RbacKitError
from ...admin import SYSTEM
from ...admin import _guards as g
from ...model import _validate as v
from ...model._catalog import Permission
from ...model._directory import Person
from ...model._values import Customer, User
from ...store.invitations import _writes as writes
from ...store.invitations._records import InvitationStore
from .._passwords import check_password_strength
from ._tokens import hash_token, invitation_id_of, token_matches
from ._values import Invitation, InvitationKind, InvitationStatus

__all__ = ["CANNOT_ACCEPT", "Parts", "accept"]

#: What someone accepting an invitation that can no longer be honoured is told.
CANNOT_ACCEPT = (
    "this invitation can no longer be accepted; ask the person who invited you for a new one"
)


@attrs.frozen(kw_only=True)
class Parts:
    """What acceptance works with (held by :class:`~rbac_kit.Invitations`)."""

    records: InvitationStore
    authz: Authorizer
    hasher: Callable[[str], str]


def accept(
    parts: Parts,
    token: object,
    *,
    name: object,
    password: object,
    email: object,
    now: dt.datetime,
) -> Person:
    """Accept the invitation ``token`` names, as of ``now``; return the person created."""
    invitation, token_hash = _valid(parts.records, token, now)
    address = _address(invitation, email)
    person = _person(parts, invitation, address, name, password)

    ws = invitation.workspace
    with parts.authz.transaction(
        actor=person.subject, action="accept_invitation", target=person.subject
    ) as tx:
        problem = _recheck(parts.authz, invitation)
        if problem is None and address.casefold() in tx.directory.workspace(ws).emails:
            if invitation.kind is not InvitationKind.EMAIL:
                raise Conflict(f"{address} is already a member of this workspace; sign in instead")
            problem = f"{address} is already a member of the workspace"
        if problem is not None:
            tx.cancel()
        else:
            tx.directory.put_person(person)
            tx.write_along(
                writes.accept(
                    ws,
                    invitation.id,
                    token_hash=token_hash,
                    subject=person.subject,
                    email=address,
                    now=now,
                )
            )
    if problem is not None:
        _fail(parts, invitation, token_hash, problem, now)
        raise Conflict(CANNOT_ACCEPT)
    return person


def _valid(records: InvitationStore, token: object, now: dt.datetime) -> tuple[Invitation, str]:
    """The pending invitation ``token`` is the current token of, and the token's hash."""
    invitation_id = invitation_id_of(token)
    if invitation_id is None or not isinstance(token, str):
        raise InvalidToken
    invitation, stored = records.with_token_hash(invitation_id, now)
    if not token_matches(token, stored) or invitation is None:
        raise InvalidToken
    if invitation.status is not InvitationStatus.PENDING:
        raise InvalidToken
    return invitation, hash_token(token)


def _address(invitation: Invitation, email: object) -> str:
    """The address of the person joining: the invited one, or (links) the one given."""
    if invitation.kind is InvitationKind.EMAIL:
        assert invitation.email is not None
        if email is None:
            return invitation.email
        given = v.email("email", email)
        if given.casefold() != invitation.email.casefold():
            # Said like every other bad token: whoever holds a forwarded link learns nothing.
            raise InvalidToken
        return invitation.email
    if email is None:
        raise InvalidInput("joining through a link needs your email address")
    return v.email("email", email)


def _person(
    parts: Parts, invitation: Invitation, address: str, name: object, password: object
) -> Person:
    """The person to create (checked by the model; the password hashed now)."""
    display = v.name("name", name)
    check_password_strength(password, email=address)
    assert isinstance(password, str)  # checked just above
    password_hash = parts.hasher(password)
    if invitation.customer_id is not None:
        return Customer(
            workspace=invitation.workspace,
            id=g.free_person_id(parts.authz, "customer"),
            email=address,
            customer_id=invitation.customer_id,
            role=invitation.role,
            groups=invitation.groups,
            name=display,
            password_hash=password_hash,
        )
    return User(
        workspace=invitation.workspace,
        id=g.free_person_id(parts.authz, "user"),
        email=address,
        name=display,
        role=invitation.role,
        groups=invitation.groups,
        password_hash=password_hash,
    )


def _recheck(authz: Authorizer, invitation: Invitation) -> str | None:
    """Why the offer no longer holds as it did when made, or None when it does."""
    ws = invitation.workspace
    d = authz.directory
    try:
        inviter = g.authorize(authz, invitation.created_by, Permission.INVITE_PEOPLE, ws)
        role = d.role(ws, invitation.role)
        g.require_can_give(authz, inviter, role, f"give role {role.name!r}")
        for group in sorted(invitation.groups):
            d.group(ws, group)
            g.require_group_reach(authz, inviter, ws, group)
        cid = invitation.customer_id
        if cid is not None:
            holder = d.workspace(ws).customer_by_cid.get(cid)
            if holder is not None:
                raise Conflict(f"Customer ID {cid!r} now belongs to customer {holder!r}")
            g.require_customer_id_reach(authz, inviter, ws, cid, "the invitee")
    except RbacKitError as error:
        return str(error)
    return None


def _fail(
    parts: Parts, invitation: Invitation, token_hash: str, problem: str, now: dt.datetime
) -> None:
    """Record why the invitation failed, as a change of its own (audited as ``system``).

    If it is no longer pending on this token (accepted a moment ago by a
    second request), that raises :class:`InvalidToken` instead.
    """
    extra = writes.fail(
        invitation.workspace, invitation.id, token_hash=token_hash, problem=problem, now=now
    )
    with parts.authz.transaction(
        actor=str(SYSTEM),
        action="invitation_failed",
        target=f"{invitation.workspace}/invitation:{invitation.id}",
    ) as tx:
        tx.write_along(extra)
