"""What inviting checks: the offer (role, groups, Customer ID) against the inviter's own reach.

Nobody invites into more than they could give a person directly: the same
guards as :class:`~rbac_kit.Management` (``_guards.py``). These run inside a
change, under the authorizer's write lock, and again at acceptance
(``_acceptance.py``), when the inviter may have lost the right.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..._authorizer import Authorizer
from ..._errors import Conflict, InvalidInput, RbacKitError
from ...admin import _guards as g
from ...model._catalog import Permission
from ...model._directory import Person
from .._mail import MessageContext
from ._values import Invitation, InvitationKind, InvitationStatus, Invitee

__all__ = [
    "audit_target",
    "batch",
    "batch_error",
    "check_invitee",
    "check_offer",
    "check_resend",
    "may_manage",
]


def check_offer(
    authz: Authorizer, me: Person | None, workspace: str, role_id: str, groups: Iterable[str]
) -> MessageContext:
    """Require ``me`` to be able to give ``role_id`` and ``groups``; return the names an email
    offering them shows.

    Raises:
        NotFound: an unknown role or group. Forbidden: one carries more than ``me`` holds.
    """
    d = authz.directory
    role = d.role(workspace, role_id)
    g.require_can_give(authz, me, role, f"invite people as {role.name!r}")
    for group in sorted(groups):
        d.group(workspace, group)
        g.require_group_reach(authz, me, workspace, group)
    return MessageContext(
        workspace_name=d.workspace(workspace).workspace.name,
        inviter=d.workspace(workspace).workspace.name if me is None else me.name or me.email,
        role_name=role.name,
    )


def check_invitee(
    authz: Authorizer, me: Person | None, workspace: str, invitee: Invitee
) -> MessageContext:
    """:func:`check_offer`, and the address is no member yet and the Customer ID is free
    and within ``me``'s reach.

    Raises:
        Conflict: a member's address, a Customer ID another customer holds.
    """
    context = check_offer(authz, me, workspace, invitee.role, invitee.groups)
    data = authz.directory.workspace(workspace)
    if invitee.email.casefold() in data.emails:
        raise Conflict(f"{invitee.email} is already a member of workspace {workspace!r}")
    if invitee.customer_id is not None:
        holder = data.customer_by_cid.get(invitee.customer_id)
        if holder is not None:
            raise Conflict(
                f"Customer ID {invitee.customer_id!r} already belongs to customer "
                f"{holder!r} in workspace {workspace!r}"
            )
        g.require_customer_id_reach(authz, me, workspace, invitee.customer_id, invitee.email)
    return context


def check_resend(authz: Authorizer, me: Person | None, invitation: Invitation) -> MessageContext:
    """:func:`check_invitee` for sending ``invitation`` again: an email invitation that is
    pending or expired, whose address is still no member.

    Raises:
        Conflict: a link, an invitation accepted, revoked or failed, a member's address.
    """
    if invitation.kind is InvitationKind.LINK or invitation.email is None:
        raise Conflict(f"invitation {invitation.id} is a link; regenerate it instead")
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise Conflict(
            f"invitation {invitation.id} is {invitation.status.value}; only a pending "
            "or expired invitation can be resent"
        )
    invitee = Invitee(
        email=invitation.email,
        customer_id=invitation.customer_id,
        role=invitation.role,
        groups=invitation.groups,
    )
    return check_invitee(authz, me, invitation.workspace, invitee)


def may_manage(
    authz: Authorizer, actor: str, workspace: str, invitation: Invitation, verb: str
) -> Person | None:
    """Authorize ``invite_people`` and require the actor to be able to give the invitation's
    role (resending, regenerating, revoking); return the actor."""
    me = g.authorize(authz, actor, Permission.INVITE_PEOPLE, workspace)
    role = authz.directory.workspace(workspace).roles.get(invitation.role)
    if role is not None:  # a role deleted meanwhile gives nothing any more
        g.require_can_give(authz, me, role, f"{verb} an invitation as {role.name!r}")
    return me


def batch(invitees: Iterable[Invitee]) -> tuple[Invitee, ...]:
    """The invitees, checked as a whole: at least one, no address or Customer ID twice.

    Raises:
        InvalidInput: naming the repeated address or Customer ID.
    """
    if isinstance(invitees, Invitee):
        invitees = (invitees,)
    found = tuple(invitees)
    if not found:
        raise InvalidInput("invite needs at least one invitee")
    wrong = [i for i in found if not isinstance(i, Invitee)]
    if wrong:
        raise InvalidInput(f"invitees must be Invitee objects, got {wrong[0]!r}")
    emails: set[str] = set()
    cids: set[str] = set()
    for invitee in found:
        key = invitee.email.casefold()
        if key in emails:
            raise InvalidInput(f"{invitee.email} is invited twice in one batch")
        emails.add(key)
        if invitee.customer_id is not None:
            if invitee.customer_id in cids:
                raise InvalidInput(
                    f"Customer ID {invitee.customer_id!r} is given to two invitees in one batch"
                )
            cids.add(invitee.customer_id)
    return found


def batch_error(problems: list[tuple[Invitee, RbacKitError]], size: int) -> RbacKitError:
    """One error naming every problem of a batch, of the first problem's kind."""
    if size == 1:
        return problems[0][1]
    lines = "; ".join(f"{invitee.email}: {error}" for invitee, error in problems)
    first = problems[0][1]
    return type(first)(f"{len(problems)} of {size} invitations are invalid, none was made: {lines}")


def audit_target(invitation: Invitation) -> str:
    """How the audit log names an invitation: ``<workspace>/invitation:<id>``."""
    return f"{invitation.workspace}/invitation:{invitation.id}"
