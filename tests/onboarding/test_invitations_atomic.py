"""One transaction: an invitation change and its audit event; a person and their invitation.

A fault at any statement of these transactions, a stale directory (the
policy half failing) or an invitation changed meanwhile (the invitation half
failing) leaves the database, the directory and the decisions as they were.
Followers replay invitation-only events as no-ops that advance the revision.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rbac_kit import (
    SYSTEM,
    Conflict,
    Follower,
    Group,
    InvalidInput,
    InvalidToken,
    Invitee,
    Management,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import ExtraWrite
from rbac_kit.store.invitations._records import InvitationStore
from tests.store.helpers import directory_state, dump
from tests.store.test_faults import Faults, InjectedFault, snapshot

from .conftest import OWNER, PASSWORD, World


@pytest.fixture
def faults(world: World) -> Iterator[Faults]:
    injected = Faults(world.store.engine)
    yield injected
    injected.remove()


def _fails_at_every_statement(world: World, faults: Faults, action: Callable[[], Any]) -> Any:
    """Run ``action`` with a fault at its 1st, 2nd, ... statement until it gets through;
    after each fault everything must be as before."""
    before = snapshot(world.store, world.authz)
    attempt = 0
    while True:
        attempt += 1
        faults.arm(attempt)
        try:
            result = action()
        except InjectedFault:
            faults.disarm()
            assert before == snapshot(world.store, world.authz), f"after a fault at {attempt}"
            continue
        faults.disarm()
        assert attempt > 3
        return result


def test_a_fault_anywhere_in_an_invitation_changes_nothing(world: World, faults: Faults) -> None:
    """Inviting is all or nothing: rows, outbox, audit event and revision."""
    revision = world.authz.revision
    _fails_at_every_statement(
        world,
        faults,
        lambda: world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")]),
    )
    assert revision + 1 == world.authz.revision == world.store.revision()


@pytest.mark.parametrize("kind", ["email", "link"])
def test_a_fault_anywhere_in_an_acceptance_changes_nothing(
    world: World, faults: Faults, kind: str
) -> None:
    """The person and the accepted invitation (or the link join) commit together or not at all."""
    if kind == "email":
        world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io", groups={"ops"})])
        world.invitations.deliver(OWNER, workspace="acme")
        token, email = world.tokens()[0], None
    else:
        token, email = world.invitations.create_link(OWNER, "acme").token, "a@x.io"
    person = _fails_at_every_statement(
        world,
        faults,
        lambda: world.invitations.accept(token, name="A", password=PASSWORD, email=email),
    )
    assert person == world.authz.directory.person(person.subject)
    assert person == open_authorizer(world.store).directory.person(person.subject)


def test_when_the_policy_half_fails_the_invitation_stays_pending(world: World) -> None:
    """A stale directory (another process wrote first) refuses the person: no join, no accept."""
    world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    world.invitations.deliver(OWNER, workspace="acme")
    other = open_authorizer(world.store)
    Management(other).groups.create(SYSTEM, workspace="acme", id="late", name="Late")
    state = dump(world.store)
    with pytest.raises(Conflict, match="another process"):
        world.invitations.accept(world.tokens()[0], name="A", password=PASSWORD)
    assert state == dump(world.store)
    Follower(world.store, world.authz).catch_up()
    person = world.invitations.accept(world.tokens()[0], name="A", password=PASSWORD)
    assert "a@x.io" == person.email


def test_when_the_invitation_half_fails_no_person_is_created(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revoked between the token check and the write: the person is rolled back too."""
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    world.invitations.deliver(OWNER, workspace="acme")
    seen = InvitationStore(world.store).with_token_hash(invitation.id, world.clock.now)
    world.invitations.revoke(OWNER, "acme", invitation.id)
    # The check reads the invitation as it was a moment before the revocation.
    monkeypatch.setattr(InvitationStore, "with_token_hash", lambda *_: seen)
    before = snapshot(world.store, world.authz)
    with pytest.raises(InvalidToken):
        world.invitations.accept(world.tokens()[0], name="A", password=PASSWORD)
    assert before == snapshot(world.store, world.authz)


def _group_along(world: World, group: str, *extra: object) -> None:
    """Create ``group`` in acme as one change, with ``extra`` written along."""
    with world.authz.transaction(action="create_group") as tx:
        tx.directory.put_group(Group(workspace="acme", id=group, name=group.title()))
        for item in extra:
            tx.write_along(item)


def test_an_extra_write_that_raises_cancels_the_change(world: World) -> None:
    """A write along a change that fails rolls back the policy change with it."""

    def refuse(*_: Any) -> Any:
        raise Conflict("refused by the extra write")

    before = snapshot(world.store, world.authz)
    with pytest.raises(Conflict, match="refused"):
        _group_along(world, "new", ExtraWrite("acme", refuse))
    assert before == snapshot(world.store, world.authz)


def test_writes_along_commit_with_their_change(world: World) -> None:
    """Every write along a change runs in its transaction; a change of nothing but writes
    along is audited at a revision of its own; anything else along is refused."""
    seen: list[int] = []

    def note(_: Any, revision: int, __: Any) -> Any:
        seen.append(revision)
        return {}, {}

    _group_along(world, "one", ExtraWrite("acme", note), ExtraWrite("acme", note))
    with world.authz.transaction(action="note") as tx:
        tx.write_along(ExtraWrite("acme", note))
    revision = world.store.revision()
    assert [revision - 1, revision - 1, revision] == seen
    assert ["create_group", "note"] == [e.action for e in world.store.events(revision - 2)]
    before = snapshot(world.store, world.authz)
    with pytest.raises(InvalidInput, match="only an ExtraWrite"):
        _group_along(world, "two", "not a write")
    assert before == snapshot(world.store, world.authz)


def test_followers_replay_invitation_events(world: World) -> None:
    """Invitation-only events replay as no-ops that advance the revision; an acceptance
    replays as the person it created."""
    other = open_authorizer(world.store)
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    link = world.invitations.create_link(OWNER, "acme")
    world.invitations.deliver(OWNER, workspace="acme")
    world.invitations.resend(OWNER, "acme", invitation.id)
    world.invitations.deliver(OWNER, workspace="acme")
    world.invitations.accept(world.tokens()[-1], name="A", password=PASSWORD)
    world.invitations.accept(link.token, name="B", password=PASSWORD, email="b@x.io")
    world.invitations.revoke(OWNER, "acme", link.invitation.id)
    events = world.store.events(other.revision)
    assert [
        "invite",
        "create_invite_link",
        "resend_invitation",
        "accept_invitation",
        "accept_invitation",
        "revoke_invitation",
    ] == [e.action for e in events]
    assert [(), (), (), ()] == [e.owners for e in events if e.action != "accept_invitation"]
    assert world.store.revision() == Follower(world.store, other).catch_up()
    assert world.authz.revision == other.revision == other.index.revision
    assert directory_state(world.authz.directory) == directory_state(other.directory)


def test_every_invitation_change_is_one_audit_event(world: World) -> None:
    """Each change writes exactly one event at the next revision, naming the workspace."""
    start = world.store.revision()
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    world.invitations.revoke(OWNER, "acme", invitation.id)
    world.invitations.deliver(OWNER, workspace="acme")  # sends nothing, and is not a change
    events = world.store.events(start)
    assert [start + 1, start + 2] == [e.revision for e in events]
    assert {"acme"} == {e.workspace for e in events}
    revoked = events[1]
    assert ["pending"] == [r["status"] for r in revoked.before["invitations"]]
    assert ["revoked"] == [r["status"] for r in revoked.after["invitations"]]


def test_a_new_workspace_knows_no_invitations(world: World) -> None:
    """Invitations belong to their workspace."""
    from rbac_kit import User

    world.mgmt.workspaces.create(
        SYSTEM,
        workspace=Workspace(id="beta", name="Beta"),
        owner=User(workspace="beta", id="bo", email="bo@beta.io", name="Bo", role="owner"),
    )
    (invitation,) = world.invitations.invite(OWNER, "acme", [Invitee(email="a@x.io")])
    assert 0 == world.invitations.list("user:bo", "beta").total
    from rbac_kit import NotFound

    with pytest.raises(NotFound):
        world.invitations.revoke("user:bo", "beta", invitation.id)
