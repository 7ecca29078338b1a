"""The invitation service: invite by email or by link, accept, list, resend, revoke, deliver.

:class:`Invitations` composes a store, the Authorizer that persists into it,
an email :class:`~rbac_kit.Sender`, the base URL accept links are built from
and a clock; it inherits none of them.

Every change is one :meth:`Authorizer.transaction <rbac_kit.Authorizer.transaction>`:
authorized under its write lock (``_offers.py``: nobody invites into more
than they hold), committed with an audit event at its own revision. The
invitation rows ride in that transaction as extra writes
(:meth:`Transaction.write_along <rbac_kit.Transaction.write_along>`); a change that
touches no policy owner replays on followers as a no-op that still advances
the revision. A pending invitation is never in the directory: it gives no
access. Emails are queued with their change and sent after it commits
(:meth:`Invitations.deliver`); their tokens are minted then, so the
database never holds one.

The sender belongs to the deployment: a service is built with one, and
every email it queues records that sender's channel and its workspace. A
tenant's administrator delivers their own workspace's mail; only
:data:`~rbac_kit.SYSTEM` (the deployment's delivery worker) delivers every
workspace's; and nobody's deliverer sends mail queued for another channel.
See ``docs/onboarding.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TextIO

from ..._authorizer import Authorizer
from ..._errors import Forbidden, InvalidInput, NotFound, RbacKitError
from ..._persistent import require_persisting
from ...admin import Actor, SystemActor
from ...admin import _guards as g
from ...model._catalog import Permission
from ...model._convert import to_jsonable
from ...model._directory import Person
from ...store import ListQuery, Store
from ...store.invitations import InvitationStore, Scope
from ...store.invitations import _writes as writes
from .._mail import Sender, accept_url, check_base_url, check_channel, check_sender_address
from .._passwords import hash_password
from . import _acceptance
from ._csv import write_invitations_csv
from ._delivery import deliver
from ._offers import (
    audit_target,
    batch,
    batch_error,
    check_invitee,
    check_offer,
    check_resend,
    may_manage,
)
from ._tokens import new_token
from ._values import (
    DEFAULT_EMAIL_DAYS,
    DeliveryReport,
    Invitation,
    InvitationKind,
    InvitationPage,
    Invitee,
    IssuedLink,
    LinkJoin,
    email_days,
    email_invitation,
    link_invitation,
)

__all__ = ["Invitations"]

#: The list's default order: newest first.
_NEWEST_FIRST = ListQuery(sort="created_at", descending=True)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Invitations:
    """Invitations of every workspace in ``store``.

    Args:
        store: the store the invitations live in.
        authorizer: the Authorizer persisting into ``store`` (see
            :func:`rbac_kit.store.open_authorizer`).
        sender: sends the invitation emails (:class:`~rbac_kit.SmtpSender`,
            :class:`~rbac_kit.OutboxFolderSender`, :class:`~rbac_kit.MemorySender`):
            the deployment's, for every workspace. Its :attr:`~rbac_kit.Sender.channel`
            is recorded with each email queued, and :meth:`deliver` sends only the
            emails of that channel.
        base_url: the page of the host application that accepts invitations;
            links are ``<base_url>?token=<token>``. Configured, never taken
            from a request.
        mail_from: the From address of the emails.
        clock: returns the current time, timezone-aware; expiry is decided by it.
        hash_password: turns the password given at acceptance into the hash
            stored (argon2id with OWASP's parameters by default).
    """

    __slots__ = (
        "_authz",
        "_base_url",
        "_channel",
        "_clock",
        "_hasher",
        "_mail_from",
        "_records",
        "_sender",
    )

    def __init__(
        self,
        store: Store,
        authorizer: Authorizer,
        *,
        sender: Sender,
        base_url: str,
        mail_from: str = "rbac-kit@localhost",
        clock: Callable[[], dt.datetime] = _utc_now,
        hash_password: Callable[[str], str] = hash_password,
    ) -> None:
        require_persisting(store, authorizer)
        if not isinstance(sender, Sender):
            raise InvalidInput(
                f"sender must have a send(message) method and a channel, got {sender!r}"
            )
        self._records = InvitationStore(store)
        self._authz = authorizer
        self._sender = sender
        # Read once: what this service queues and what it delivers name the same channel.
        self._channel = check_channel(sender)
        self._base_url = check_base_url(base_url)
        self._mail_from = check_sender_address(mail_from)
        self._clock = clock
        self._hasher = hash_password

    @property
    def store(self) -> Store:
        """The store the invitations live in."""
        return self._records.store

    @property
    def sender(self) -> Sender:
        """Where the emails go."""
        return self._sender

    @property
    def channel(self) -> str:
        """The sender's channel, recorded with every email this service queues."""
        return self._channel

    @property
    def base_url(self) -> str:
        """The page accept links point at."""
        return self._base_url

    def _now(self) -> dt.datetime:
        now = self._clock()
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise InvalidInput(f"the clock must return an aware datetime, got {now!r}")
        return now

    def _existing(self, workspace: str, invitation_id: object, now: dt.datetime) -> Invitation:
        found = self._records.get(invitation_id, now) if isinstance(invitation_id, str) else None
        if found is None or found.workspace != workspace:
            raise NotFound(f"no invitation {invitation_id!r} in workspace {workspace!r}")
        return found

    # -- by email -------------------------------------------------------------------

    def invite(
        self,
        actor: str,
        workspace: str,
        invitees: Iterable[Invitee],
        *,
        days: int = DEFAULT_EMAIL_DAYS,
    ) -> tuple[Invitation, ...]:
        """Invite people by email, all of them or none: one change, one audit event.

        Every invitee is checked before anything is stored and every problem
        is reported together. An address with a pending invitation gets the
        new one in its place. The emails go out with :meth:`deliver`.

        Raises:
            InvalidInput: no invitees, a repeated address or Customer ID, or
                ``days`` outside 1 to 30.
            Forbidden: the actor may not invite, or not into a role, group or
                Customer ID offered.
            NotFound: an unknown role or group.
            Conflict: an address that is already a member, a Customer ID taken.
        """
        valid_days = email_days(days)
        invited = batch(invitees)
        now = self._now()
        made = tuple(
            email_invitation(invitee, workspace, by=actor, at=now, days=valid_days)
            for invitee in invited
        )
        target = f"{workspace}/invitation:{made[0].id}" if len(made) == 1 else workspace
        with self._authz.transaction(actor=actor, action="invite", target=target) as tx:
            me = g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
            new: list[writes.NewInvitation] = []
            problems: list[tuple[Invitee, RbacKitError]] = []
            for invitee, invitation in zip(invited, made, strict=True):
                try:
                    context = check_invitee(self._authz, me, workspace, invitee)
                except RbacKitError as error:
                    problems.append((invitee, error))
                    continue
                new.append(
                    writes.NewInvitation(
                        invitation=invitation,
                        valid_days=valid_days,
                        message=to_jsonable(context),
                        channel=self._channel,
                    )
                )
            if problems:
                raise batch_error(problems, len(invited))
            tx.write_along(writes.issue(workspace, new, now))
        return made

    def resend(self, actor: str, workspace: str, invitation_id: str) -> Invitation:
        """Send a pending or expired email invitation again: a new token and a new expiry.

        The old token stops working at once. The email goes out with :meth:`deliver`.

        Raises:
            NotFound: no such invitation in the workspace.
            Conflict: a link, an invitation that was accepted, revoked or
                failed, or an address that has become a member.
            Forbidden: the actor may not invite, or not into its role or groups.
        """
        now = self._now()
        invitation = self._existing(workspace, invitation_id, now)
        target = audit_target(invitation)
        with self._authz.transaction(actor=actor, action="resend_invitation", target=target) as tx:
            me = may_manage(self._authz, actor, workspace, invitation, "resend")
            message = to_jsonable(check_resend(self._authz, me, invitation))
            tx.write_along(writes.resend(workspace, invitation.id, message, self._channel, now))
        return self._existing(workspace, invitation.id, now)

    def revoke(self, actor: str, workspace: str, invitation_id: str) -> Invitation:
        """Revoke a pending invitation or link: its token stops working, no email goes out.

        Raises:
            NotFound: no such invitation in the workspace.
            Conflict: it is not pending (accepted, expired, revoked or failed).
            Forbidden: the actor may not invite, or not into its role.
        """
        now = self._now()
        invitation = self._existing(workspace, invitation_id, now)
        target = audit_target(invitation)
        with self._authz.transaction(actor=actor, action="revoke_invitation", target=target) as tx:
            may_manage(self._authz, actor, workspace, invitation, "revoke")
            tx.write_along(writes.revoke(workspace, invitation.id, now))
        return self._existing(workspace, invitation.id, now)

    # -- by link --------------------------------------------------------------------

    def create_link(
        self, actor: str, workspace: str, *, role: str = "member", groups: Iterable[str] = ()
    ) -> IssuedLink:
        """Create an invitation link: anyone holding it may join as a user with ``role`` and
        ``groups`` until it expires 24 hours from now or is revoked.

        The returned :class:`~rbac_kit.IssuedLink` carries the link; it is
        shown this once (only its hash is stored).

        Raises:
            Forbidden: the actor may not invite, or not into that role or those groups.
            NotFound: an unknown role or group.
        """
        now = self._now()
        link = link_invitation(workspace, role, g.unique(groups), by=actor, at=now)
        token, token_hash = new_token(link.id)
        target = audit_target(link)
        with self._authz.transaction(actor=actor, action="create_invite_link", target=target) as tx:
            me = g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
            check_offer(self._authz, me, workspace, link.role, link.groups)
            new = [writes.NewInvitation(invitation=link, valid_days=1, token_hash=token_hash)]
            tx.write_along(writes.issue(workspace, new, now))
        return IssuedLink(invitation=link, token=token, url=accept_url(self._base_url, token))

    def regenerate_link(self, actor: str, workspace: str, link_id: str) -> IssuedLink:
        """Give a pending or expired link a new token and 24 more hours; the old link dies.

        Raises:
            NotFound: no such link in the workspace.
            Conflict: an email invitation, or a link that was revoked or failed.
            Forbidden: the actor may not invite, or not into its role or groups.
        """
        now = self._now()
        link = self._existing(workspace, link_id, now)
        token, token_hash = new_token(link.id)
        target = audit_target(link)
        with self._authz.transaction(
            actor=actor, action="regenerate_invite_link", target=target
        ) as tx:
            me = may_manage(self._authz, actor, workspace, link, "regenerate")
            if link.kind is InvitationKind.LINK:
                check_offer(self._authz, me, workspace, link.role, link.groups)
            tx.write_along(writes.regenerate(workspace, link.id, token_hash, now))
        fresh = self._existing(workspace, link.id, now)
        return IssuedLink(invitation=fresh, token=token, url=accept_url(self._base_url, token))

    # -- reading --------------------------------------------------------------------

    def get(self, actor: str, workspace: str, invitation_id: str) -> Invitation:
        """One invitation of the workspace, its status as of now."""
        g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
        return self._existing(workspace, invitation_id, self._now())

    def list(self, actor: str, workspace: str, query: ListQuery | None = None) -> InvitationPage:
        """One page of the workspace's invitations and links, newest first by default.

        ``query`` searches the email and Customer ID (case-insensitive),
        filters by ``status``, ``kind``, ``role`` and ``created_by``, and sorts
        by any column of :data:`rbac_kit.store.INVITATION_COLUMNS`, in SQL.
        """
        g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
        return self._records.page(workspace, query or _NEWEST_FIRST, self._now())

    def every(self, actor: str, workspace: str) -> tuple[Invitation, ...]:
        """Every invitation and link of the workspace, newest first (for an export)."""
        g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
        return tuple(self._records.every(workspace, self._now()))

    def export_csv(self, actor: str, workspace: str, out: TextIO) -> int:
        """Write every invitation and link of the workspace to ``out`` as CSV; return the count.

        No secrets, and formula-starting cells neutralised (see ``_invitation_csv.py``).
        """
        return write_invitations_csv(self.every(actor, workspace), out)

    def joins(self, actor: str, workspace: str, link_id: str) -> tuple[LinkJoin, ...]:
        """Who joined through a link, in the order they joined."""
        g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
        link = self._existing(workspace, link_id, self._now())
        return tuple(self._records.joins(link.id))

    # -- accepting and sending ---------------------------------------------------------

    def accept(self, token: str, *, name: str, password: str, email: str | None = None) -> Person:
        """Accept an invitation: the person is created with its role and groups.

        For an email invitation ``email`` may be left out; given, it must be
        the invited address. For a link it is the address of the person
        joining. The inviter's right to give the role and groups is checked
        again now; if it no longer holds (a group deleted, the inviter
        demoted), the invitation is marked ``failed`` with the reason, for
        the inviter to see.

        Raises:
            InvalidToken: an unknown, tampered, expired, revoked or used token,
                or the wrong address: always the same message.
            InvalidInput: a bad name, password or address.
            Conflict: the invitation can no longer be honoured, or (for a
                link) the address is already a member.
        """
        return _acceptance.accept(
            _acceptance.Parts(records=self._records, authz=self._authz, hasher=self._hasher),
            token,
            name=name,
            password=password,
            email=email,
            now=self._now(),
        )

    def deliver(
        self, actor: Actor, *, workspace: str | None = None, limit: int = 100
    ) -> DeliveryReport:
        """Send up to ``limit`` queued invitation emails that are due, of this sender's channel.

        With a ``workspace``, only that workspace's emails: the actor needs
        ``invite_people`` there (as for listing its invitations). With
        ``workspace=None``, every workspace's: only :data:`~rbac_kit.SYSTEM`
        may do that (a deployment's delivery worker). Either way only emails
        queued through a sender of this service's :attr:`channel` are sent
        (and those queued before channels were recorded); the others wait
        for a deliverer of their own channel.

        Each is sent with a freshly minted token; a failed send is recorded
        with its error and retried on a later call after a back-off. The
        report's ``waiting`` counts the same emails that are not due yet.

        Raises:
            Forbidden: the actor may not invite in ``workspace``, or is not
                :data:`~rbac_kit.SYSTEM` and named no workspace.
            NotFound: no such workspace.
            InvalidInput: a ``limit`` that is not a positive whole number.
        """
        if workspace is None:
            if not isinstance(actor, SystemActor):
                raise Forbidden(
                    f"{actor} may not deliver the mail of every workspace: only "
                    "rbac_kit.SYSTEM (a deployment's delivery worker) may; "
                    "a workspace's administrator names the workspace"
                )
        elif not isinstance(workspace, str):
            raise InvalidInput(f"workspace must be a workspace id, got {workspace!r}")
        else:
            g.authorize(self._authz, actor, Permission.INVITE_PEOPLE, workspace)
        return deliver(
            self._records,
            self._sender,
            Scope(channel=self._channel, workspace=workspace),
            mail_from=self._mail_from,
            base_url=self._base_url,
            now=self._now,
            limit=limit,
        )
