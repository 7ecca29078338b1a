"""Invitations through the Python API: by email and by link, guards, lists, resend and revoke.

Every test runs on SQLite and, with ``RBAC_KIT_TEST_POSTGRES_URL`` set, on
PostgreSQL. Refusals are checked to leave the database exactly as it was.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt

import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Conflict,
    Customer,
    Forbidden,
    InvalidInput,
    InvalidToken,
    Invitations,
    Invitee,
    NotFound,
    User,
    open_authorizer,
)
from rbac_kit.onboarding import DEFAULT_EMAIL_DAYS, InvitationKind, InvitationStatus, MemorySender
from rbac_kit.onboarding.invitations._acceptance import CANNOT_ACCEPT
from rbac_kit.store import ListQuery
from tests.store.helpers import dump

from .conftest import ADMIN, ANN, BASE_URL, OWNER, PASSWORD, World, fast_hash

PAYMENTS = "acme/payments"


def _invite_one(world: World, email: str = "new@acme.io", **fields: object) -> str:
    """Invite ``email`` as the owner, deliver, and return the token from the email."""
    world.invitations.invite(OWNER, "acme", [Invitee(email=email, **fields)])  # type: ignore[arg-type]
    world.invitations.deliver(OWNER, workspace="acme")
    return world.tokens()[-1]


def test_invite_stores_a_pending_invitation_that_gives_no_access(world: World) -> None:
    """An invitation is pending for 7 days, is audited, and is not in the directory at all."""
    before = world.authz.revision
    reach = world.authz.subjects_for(PAYMENTS, "view_api")
    (invitation,) = world.invitations.invite(
        OWNER, "acme", [Invitee(email="New@Acme.IO", groups={"ops"})]
    )
    assert InvitationStatus.PENDING == invitation.status
    assert InvitationKind.EMAIL == invitation.kind
    assert ("New@acme.io", "member", frozenset({"ops"})) == (
        invitation.email,
        invitation.role,
        invitation.groups,
    )
    assert world.clock.now + dt.timedelta(days=DEFAULT_EMAIL_DAYS) == invitation.expires_at
    assert before + 1 == world.authz.revision == world.store.revision()
    assert "new@acme.io" not in world.authz.directory.workspace("acme").emails
    assert reach == world.authz.subjects_for(PAYMENTS, "view_api")
    (event,) = world.store.events(before)
    assert ("invite", OWNER, (), "acme") == (
        event.action,
        event.actor,
        event.owners,
        event.workspace,
    )
    (row,) = event.after["invitations"]
    assert (invitation.id, "pending") == (row["id"], row["status"])
    assert "token_hash" not in row


def test_accepted_invitation_creates_the_person_with_role_and_groups(world: World) -> None:
    """The emailed link is accepted: the user exists with the role and groups offered."""
    token = _invite_one(world, groups={"ops"})
    assert BASE_URL in world.sender.messages[0].get_content()
    person = world.invitations.accept(token, name="New Person", password="correct horse")
    assert isinstance(person, User)
    assert ("new@acme.io", "member", frozenset({"ops"})) == (
        person.email,
        person.role,
        person.groups,
    )
    assert world.authz.can(person.subject, "view_api", PAYMENTS)
    assert person.password_hash is not None
    assert "correct horse" not in person.password_hash
    page = world.invitations.list(OWNER, "acme")
    (accepted,) = page.invitations
    assert (InvitationStatus.ACCEPTED, person.subject) == (accepted.status, accepted.accepted_by)
    reloaded = open_authorizer(world.store)
    assert person == reloaded.directory.person(person.subject)


def test_a_batch_is_stored_whole_in_one_change(world: World) -> None:
    """Several invitees make one audit event; one bad invitee stores none of them."""
    before = world.authz.revision
    made = world.invitations.invite(
        OWNER, "acme", [Invitee(email="a@x.io"), Invitee(email="b@x.io", role="no_access")]
    )
    assert 2 == len(made)
    assert before + 1 == world.authz.revision
    state = dump(world.store)
    with pytest.raises(Conflict) as caught:
        world.invitations.invite(
            OWNER,
            "acme",
            [Invitee(email="c@x.io"), Invitee(email="ANN@acme.io"), Invitee(email="d@x.io")],
        )
    assert "1 of 3 invitations are invalid, none was made: ANN@acme.io:" in str(caught.value)
    assert state == dump(world.store)
    assert 2 == world.invitations.list(OWNER, "acme").total


def test_a_batch_reports_every_bad_invitee(world: World) -> None:
    """All the problems of a batch come in one error."""
    with pytest.raises(NotFound) as caught:
        world.invitations.invite(
            OWNER,
            "acme",
            [Invitee(email="a@x.io", groups={"nope"}), Invitee(email="b@x.io", role="nope")],
        )
    assert "2 of 2 invitations are invalid" in str(caught.value)
    assert "no group 'nope'" in str(caught.value)
    assert "no role 'nope'" in str(caught.value)


@pytest.mark.parametrize(
    "invitees",
    [
        [],
        [Invitee(email="a@x.io"), Invitee(email="A@X.io")],
        [Invitee(email="a@x.io", customer_id="C-1"), Invitee(email="b@x.io", customer_id="C-1")],
    ],
    ids=["empty", "same-address-twice", "same-customer-id-twice"],
)
def test_a_bad_batch_changes_nothing(world: World, invitees: list[Invitee]) -> None:
    """An empty batch or one repeating an address or Customer ID is refused whole."""
    state = dump(world.store)
    with pytest.raises(InvalidInput):
        world.invitations.invite(OWNER, "acme", invitees)
    assert state == dump(world.store)


@pytest.mark.parametrize("days", [1, 30])
def test_expiry_is_configurable_from_1_to_30_days(world: World, days: int) -> None:
    """``days`` sets the expiry."""
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")], days=days)
    assert world.clock.now + dt.timedelta(days=days) == invitation.expires_at


@pytest.mark.parametrize("days", [0, 31, -1, "7", True, 7.0])
def test_expiry_outside_1_to_30_days_is_refused(world: World, days: object) -> None:
    """Days outside 1 to 30, or not a whole number, are invalid input and store nothing."""
    state = dump(world.store)
    with pytest.raises(InvalidInput, match="days"):
        world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")], days=days)  # type: ignore[arg-type]
    assert state == dump(world.store)


def test_reinviting_replaces_the_pending_invitation(world: World) -> None:
    """The old invitation is revoked as replaced, its token dead; the new one works."""
    old_token = _invite_one(world)
    (old,) = world.invitations.list(OWNER, "acme").invitations
    (new,) = world.invitations.invite(
        OWNER, "acme", [Invitee(email="NEW@acme.io", role="no_access")]
    )
    world.invitations.deliver(OWNER, workspace="acme")
    by_id = {i.id: i for i in world.invitations.list(OWNER, "acme").invitations}
    assert InvitationStatus.REVOKED == by_id[old.id].status
    assert f"replaced by invitation {new.id}" == by_id[old.id].problem
    assert InvitationStatus.PENDING == by_id[new.id].status
    assert (
        1 == world.invitations.list(OWNER, "acme", ListQuery(filters={"status": "pending"})).total
    )
    with pytest.raises(InvalidToken):
        world.invitations.accept(old_token, name="Old", password=PASSWORD)
    person = world.invitations.accept(world.tokens()[-1], name="New", password=PASSWORD)
    assert "no_access" == person.role


def test_reinviting_after_expiry_marks_the_old_one_expired(world: World) -> None:
    """An expired invitation replaced by a new one stays expired, not revoked."""
    (old,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")], days=1)
    world.clock.advance(days=2)
    world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    assert InvitationStatus.EXPIRED == world.invitations.get(OWNER, "acme", old.id).status


def test_inviting_a_current_member_is_an_error(world: World) -> None:
    """An address already in the workspace (in any case) cannot be invited."""
    with pytest.raises(Conflict, match="already a member"):
        world.invitations.invite(OWNER, "acme", [Invitee(email="ANN@acme.io")])


@pytest.mark.parametrize(
    ("actor", "invitee", "error", "message"),
    [
        (ANN, Invitee(email="a@x.io", role="no_access"), Forbidden, "may not invite_people"),
        (ADMIN, Invitee(email="a@x.io", role="owner"), Forbidden, "delete_workspace"),
        ("user:sup", Invitee(email="a@x.io", role="member"), Forbidden, "view_api"),
        (
            "user:sup",
            Invitee(email="a@x.io", role="no_access", groups={"ops"}),
            Forbidden,
            "payments",
        ),
        ("user:nobody", Invitee(email="a@x.io"), Forbidden, "user:nobody"),
        (OWNER, Invitee(email="a@x.io", role="nope"), NotFound, "no role 'nope'"),
    ],
    ids=[
        "no-permission",
        "role-above-own",
        "role-not-held",
        "group-not-reached",
        "stranger",
        "unknown-role",
    ],
)
def test_nobody_invites_into_more_than_they_hold(
    world: World, actor: str, invitee: Invitee, error: type[Exception], message: str
) -> None:
    """``invite_people`` is needed, and no role or group beyond the inviter's own."""
    world.mgmt.people.add_user(
        OWNER, workspace="acme", id="sup", email="sup@acme.io", name="Sup", role="support"
    )
    state = dump(world.store)
    with pytest.raises(error, match=message):
        world.invitations.invite(actor, "acme", [invitee])
    assert state == dump(world.store)


def test_support_may_invite_within_what_it_holds(world: World) -> None:
    """A custom role with ``invite_people`` invites into roles and groups it can give."""
    world.mgmt.people.add_user(
        OWNER, workspace="acme", id="sup", email="sup@acme.io", name="Sup", role="support"
    )
    (invitation,) = world.invitations.invite(
        "user:sup", "acme", [Invitee(email="a@x.io", role="no_access", groups={"lobby"})]
    )
    assert "user:sup" == invitation.created_by


def test_customer_invitation_creates_a_customer_with_its_customer_id(world: World) -> None:
    """A Customer ID makes a customer invitation (role Customer by default)."""
    world.mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="payments", customer_ids=["G-1"]
    )
    token = _invite_one(world, "it@globex.io", customer_id="G-1")
    person = world.invitations.accept(token, name="Globex IT", password=PASSWORD)
    assert isinstance(person, Customer)
    assert ("G-1", "customer") == (person.customer_id, person.role)
    assert fast_hash(PASSWORD) == person.password_hash
    assert world.authz.can(person.subject, "view_api", PAYMENTS)


def test_a_customer_id_is_offered_once(world: World) -> None:
    """A Customer ID held by a customer, or on another pending invitation, is a conflict."""
    world.mgmt.people.add_customer(
        OWNER, workspace="acme", email="c@globex.io", customer_id="G-1", id="globex"
    )
    with pytest.raises(Conflict, match="already belongs to customer"):
        world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io", customer_id="G-1")])
    world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io", customer_id="G-2")])
    state = dump(world.store)
    with pytest.raises(Conflict, match="already on pending invitation"):
        world.invitations.invite(OWNER, "acme", [Invitee(email="b@x.io", customer_id="G-2")])
    assert state == dump(world.store)


# -- lists ---------------------------------------------------------------------------


def test_list_filters_searches_sorts_and_pages(world: World) -> None:
    """The list is searched, filtered by status, kind and role, sorted and paged."""
    service = world.invitations
    service.invite(OWNER, "acme", [Invitee(email=f"p{i}@Example.io") for i in range(5)], days=1)
    world.clock.advance(days=2)
    service.invite(OWNER, "acme", [Invitee(email="zed@other.io", role="no_access")])
    world.clock.advance(seconds=1)
    link = service.create_link(ADMIN, "acme", role="no_access")

    def ids(**query: object) -> list[str]:
        page = service.list(OWNER, "acme", ListQuery(**query))  # type: ignore[arg-type]
        return [i.email or i.id for i in page.invitations]

    assert 7 == service.list(OWNER, "acme").total
    assert ["p0@example.io", "p1@example.io"] == ids(search="EXAMPLE", sort="email", limit=2)
    assert ["p3@example.io", "p4@example.io"] == ids(
        search="example", sort="email", offset=3, limit=5
    )
    assert ["zed@other.io", link.invitation.id] == ids(filters={"status": "pending"}, sort="email")
    assert 5 == service.list(OWNER, "acme", ListQuery(filters={"status": "expired"})).total
    assert [link.invitation.id] == ids(filters={"kind": "link"})
    assert [link.invitation.id] == ids(filters={"created_by": ADMIN})
    assert {"zed@other.io", link.invitation.id} == set(ids(filters={"role": "no_access"}))
    # Without an email sorts last, so first in reverse: descending is the exact reverse.
    assert [link.invitation.id, "zed@other.io"] == ids(sort="email", descending=True)[:2]
    assert link.invitation.id == service.list(OWNER, "acme").invitations[0].id  # newest first
    by_status = service.list(OWNER, "acme", ListQuery(sort="status")).invitations
    assert ["expired"] * 5 + ["pending"] * 2 == [i.status.value for i in by_status]
    service.accept(link.token, name="Lu", password=PASSWORD, email="lu@x.io")
    by_joins = service.list(OWNER, "acme", ListQuery(sort="joins", descending=True))
    assert (link.invitation.id, 1) == (by_joins.invitations[0].id, by_joins.invitations[0].joins)


@pytest.mark.parametrize(
    "query",
    [
        ListQuery(sort="token_hash"),
        ListQuery(filters={"status": "waiting"}),
        ListQuery(filters={"colour": "red"}),
    ],
)
def test_list_refuses_unknown_columns_and_filters(world: World, query: ListQuery) -> None:
    """Unknown sort columns, filter names or values are invalid input."""
    with pytest.raises(InvalidInput):
        world.invitations.list(OWNER, "acme", query)


def test_listing_needs_invite_people(world: World) -> None:
    """A member cannot read the invitations."""
    with pytest.raises(Forbidden):
        world.invitations.list(ANN, "acme")


# -- resend and revoke -----------------------------------------------------------------


def test_resend_gives_a_new_token_and_expiry(world: World) -> None:
    """Resending kills the old token, queues a new email, and restarts the expiry."""
    old_token = _invite_one(world)
    (invitation,) = world.invitations.list(OWNER, "acme").invitations
    world.clock.advance(days=8)
    assert InvitationStatus.EXPIRED == world.invitations.get(OWNER, "acme", invitation.id).status
    resent = world.invitations.resend(ADMIN, "acme", invitation.id)
    assert (InvitationStatus.PENDING, world.clock.now + dt.timedelta(days=7)) == (
        resent.status,
        resent.expires_at,
    )
    world.invitations.deliver(OWNER, workspace="acme")
    assert 2 == len(world.sender.messages)
    with pytest.raises(InvalidToken):
        world.invitations.accept(old_token, name="Old", password=PASSWORD)
    world.invitations.accept(world.tokens()[-1], name="New", password=PASSWORD)
    with pytest.raises(Conflict, match="accepted"):
        world.invitations.resend(OWNER, "acme", invitation.id)


def test_resend_before_sending_sends_once(world: World) -> None:
    """A resend drops the unsent email: the invitee gets one message, and it works."""
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    world.invitations.resend(OWNER, "acme", invitation.id)
    report = world.invitations.deliver(OWNER, workspace="acme")
    assert (1, 1) == (report.sent, len(world.sender.messages))
    world.invitations.accept(world.tokens()[0], name="A", password=PASSWORD)


def test_revoke_kills_the_token_and_the_unsent_email(world: World) -> None:
    """A revoked invitation sends nothing and cannot be revoked twice."""
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    revoked = world.invitations.revoke(ADMIN, "acme", invitation.id)
    assert InvitationStatus.REVOKED == revoked.status
    report = world.invitations.deliver(OWNER, workspace="acme")
    assert (0, []) == (report.sent, world.sender.messages)
    with pytest.raises(Conflict, match="revoked"):
        world.invitations.revoke(OWNER, "acme", invitation.id)


def test_only_those_who_could_invite_so_may_resend_or_revoke(world: World) -> None:
    """An Administrator cannot revoke or resend an invitation to become Owner."""
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io", role="owner")])
    state = dump(world.store)
    with pytest.raises(Forbidden):
        world.invitations.revoke(ADMIN, "acme", invitation.id)
    with pytest.raises(Forbidden):
        world.invitations.resend(ADMIN, "acme", invitation.id)
    with pytest.raises(NotFound):
        world.invitations.revoke(OWNER, "acme", "0123456789abcdef")
    assert state == dump(world.store)


# -- links ---------------------------------------------------------------------------------


def test_a_link_lets_several_people_join_until_it_expires(world: World) -> None:
    """Anyone with the link joins (each recorded) until 24 hours have passed."""
    link = world.invitations.create_link(OWNER, "acme", role="member", groups=["ops"])
    assert link.url.startswith(BASE_URL + "?token=")
    assert link.token not in repr(link)
    one = world.invitations.accept(link.token, name="One", password=PASSWORD, email="1@x.io")
    world.clock.advance(minutes=1)
    two = world.invitations.accept(link.token, name="Two", password=PASSWORD, email="2@x.io")
    assert world.authz.can(two.subject, "view_api", PAYMENTS)
    joins = world.invitations.joins(OWNER, "acme", link.invitation.id)
    assert [(one.subject, "1@x.io"), (two.subject, "2@x.io")] == [
        (j.subject, j.email) for j in joins
    ]
    assert 2 == world.invitations.get(OWNER, "acme", link.invitation.id).joins
    world.clock.advance(hours=24)
    with pytest.raises(InvalidToken):
        world.invitations.accept(link.token, name="Late", password=PASSWORD, email="3@x.io")


def test_a_link_needs_the_joining_address(world: World) -> None:
    """Joining through a link without an email address is invalid input."""
    link = world.invitations.create_link(OWNER, "acme")
    with pytest.raises(InvalidInput, match="email"):
        world.invitations.accept(link.token, name="One", password=PASSWORD)


def test_a_link_cannot_join_a_member_twice(world: World) -> None:
    """A member's address cannot join again; the link stays usable for others."""
    link = world.invitations.create_link(OWNER, "acme")
    with pytest.raises(Conflict, match="already a member"):
        world.invitations.accept(link.token, name="Ann", password=PASSWORD, email="ann@acme.io")
    assert (
        InvitationStatus.PENDING == world.invitations.get(OWNER, "acme", link.invitation.id).status
    )
    world.invitations.accept(link.token, name="Bo", password=PASSWORD, email="bo@x.io")


def test_revoked_and_regenerated_links(world: World) -> None:
    """Regenerating kills the old link and gives 24 new hours; a revoked link is dead."""
    link = world.invitations.create_link(OWNER, "acme")
    world.clock.advance(hours=30)
    fresh = world.invitations.regenerate_link(OWNER, "acme", link.invitation.id)
    assert (InvitationStatus.PENDING, world.clock.now + dt.timedelta(hours=24)) == (
        fresh.invitation.status,
        fresh.invitation.expires_at,
    )
    with pytest.raises(InvalidToken):
        world.invitations.accept(link.token, name="A", password=PASSWORD, email="a@x.io")
    world.invitations.accept(fresh.token, name="B", password=PASSWORD, email="b@x.io")
    world.invitations.revoke(OWNER, "acme", link.invitation.id)
    with pytest.raises(InvalidToken):
        world.invitations.accept(fresh.token, name="C", password=PASSWORD, email="c@x.io")
    with pytest.raises(Conflict, match="revoked"):
        world.invitations.regenerate_link(OWNER, "acme", link.invitation.id)


def test_links_obey_the_same_guards(world: World) -> None:
    """A link into a role or group beyond the creator's own is refused."""
    with pytest.raises(Forbidden):
        world.invitations.create_link(ADMIN, "acme", role="owner")
    with pytest.raises(Forbidden):
        world.invitations.create_link(ANN, "acme", role="no_access")


# -- the offer checked again at acceptance -----------------------------------------------


def test_a_group_deleted_meanwhile_fails_the_invitation(world: World) -> None:
    """Acceptance after the group went: no person, and the inviter sees why."""
    token = _invite_one(world, groups={"lobby"})
    world.mgmt.groups.delete(OWNER, workspace="acme", group="lobby")
    people = set(world.authz.directory.workspace("acme").emails)
    with pytest.raises(Conflict) as caught:
        world.invitations.accept(token, name="New", password=PASSWORD)
    assert CANNOT_ACCEPT == str(caught.value)
    assert people == set(world.authz.directory.workspace("acme").emails)
    (invitation,) = world.invitations.list(OWNER, "acme").invitations
    assert InvitationStatus.FAILED == invitation.status
    assert "no group 'lobby'" in (invitation.problem or "")
    assert "invitation_failed" == world.store.events(world.store.revision() - 1)[0].action


def test_an_inviter_demoted_meanwhile_fails_the_invitation(world: World) -> None:
    """The inviter's right is checked again at acceptance."""
    world.invitations.invite(ADMIN, "acme", [Invitee(email="a@x.io", role="member")])
    world.invitations.deliver(OWNER, workspace="acme")
    world.mgmt.people.change_role(OWNER, workspace="acme", subject=ADMIN, role="member")
    with pytest.raises(Conflict):
        world.invitations.accept(world.tokens()[0], name="A", password=PASSWORD)
    (invitation,) = world.invitations.list(OWNER, "acme").invitations
    assert InvitationStatus.FAILED == invitation.status
    assert "invite_people" in (invitation.problem or "")


def test_an_address_that_joined_meanwhile_fails_the_invitation(world: World) -> None:
    """If the invitee was added directly, the invitation fails instead of duplicating them."""
    token = _invite_one(world, "a@x.io")
    world.mgmt.people.add_user(OWNER, workspace="acme", email="a@x.io", name="A")
    with pytest.raises(Conflict):
        world.invitations.accept(token, name="A", password=PASSWORD)
    (invitation,) = world.invitations.list(OWNER, "acme").invitations
    assert "already a member" in (invitation.problem or "")


# -- the service itself ------------------------------------------------------------------


def test_the_service_needs_an_authorizer_on_its_store(world: World) -> None:
    """An Authorizer that does not persist into the store is refused."""
    with pytest.raises(InvalidInput, match="does not persist"):
        Invitations(world.store, Authorizer(), sender=MemorySender(), base_url=BASE_URL)


@pytest.mark.parametrize(
    "base_url",
    ["/accept", "ftp://x.io/a", "https://x.io/a#frag", "https:///path", "https://x.io/a b"],
)
def test_the_base_url_must_be_absolute_http(world: World, base_url: str) -> None:
    """Accept links come from a configured absolute http(s) URL."""
    with pytest.raises(InvalidInput, match="base URL"):
        Invitations(world.store, world.authz, sender=MemorySender(), base_url=base_url)


def test_the_clock_must_be_aware(world: World) -> None:
    """A naive clock is refused rather than compared with stored UTC times."""
    service = Invitations(
        world.store,
        world.authz,
        sender=MemorySender(),
        base_url=BASE_URL,
        clock=lambda: dt.datetime(2031, 1, 1),
    )
    with pytest.raises(InvalidInput, match="aware"):
        service.invite(OWNER, "acme", [Invitee(email="a@x.io")])


def test_base_url_keeps_its_own_query(world: World) -> None:
    """A base URL with its own query keeps it; the token is added beside it."""
    service = Invitations(
        world.store,
        world.authz,
        sender=MemorySender(),
        base_url="https://x.io/join?lang=en",
        clock=world.clock,
    )
    link = service.create_link(OWNER, "acme")
    assert link.url == f"https://x.io/join?lang=en&token={link.token}"
