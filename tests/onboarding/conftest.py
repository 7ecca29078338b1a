"""Onboarding fixtures: a workspace in a fresh store (SQLite, and PostgreSQL when configured),
the invitation service over it with an in-memory sender, and a clock the tests move."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest

from rbac_kit import SYSTEM, Authorizer, Invitations, Management, User, Workspace, open_authorizer
from rbac_kit.onboarding import MemorySender
from rbac_kit.store import Store
from tests.store.conftest import backend, databases, url

__all__ = ["BASE_URL", "PASSWORD", "Clock", "World", "backend", "databases", "token_in", "url"]

BASE_URL = "https://app.example.com/invitations/accept"
#: A password the strength rule accepts (12 characters at least).
PASSWORD = "a long passphrase"
OWNER, ADMIN, ANN = "user:owner", "user:adm", "user:ann"


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2031, 5, 4, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def fast_hash(password: str) -> str:
    """A stand-in for argon2id in tests that are not about hashing (argon2 is slow on purpose)."""
    return "test$" + hashlib.sha256(password.encode()).hexdigest()


def token_in(message: object) -> str:
    """The token of the accept link in an invitation email."""
    body = message.get_content()  # type: ignore[attr-defined]
    link = next(line for line in body.splitlines() if line.startswith(BASE_URL))
    return parse_qs(urlsplit(link).query)["token"][0]


@attrs.define
class World:
    """Workspace ``acme`` in a store, with the service and the people and things tests use.

    - ``user:owner`` (Owner), ``user:adm`` (Administrator), ``user:ann`` (Member);
    - API ``payments`` granted to group ``ops``; group ``lobby`` with no grants;
    - custom role ``support`` (view_people, invite_people; granted APIs only).
    """

    store: Store
    authz: Authorizer
    mgmt: Management
    invitations: Invitations
    sender: MemorySender
    clock: Clock

    def tokens(self) -> list[str]:
        """The tokens of every email sent so far, in order."""
        return [token_in(m) for m in self.sender.messages]

    def service(self, authz: Authorizer | None = None) -> Invitations:
        """Another service over the same store (another process, say)."""
        return Invitations(
            self.store,
            authz or self.authz,
            sender=self.sender,
            base_url=BASE_URL,
            clock=self.clock,
            hash_password=fast_hash,
        )


def build_world(store: Store) -> World:
    authz = open_authorizer(store)
    mgmt = Management(authz)
    owner = User(workspace="acme", id="owner", email="boss@acme.io", name="Boss", role="owner")
    mgmt.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=owner)
    mgmt.people.add_user(
        OWNER, workspace="acme", id="adm", email="adm@acme.io", name="Adm", role="administrator"
    )
    mgmt.people.add_user(
        OWNER, workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="member"
    )
    mgmt.apis.register(OWNER, workspace="acme", name="Payments", id="payments")
    mgmt.groups.create(OWNER, workspace="acme", name="Ops", id="ops")
    mgmt.groups.create(OWNER, workspace="acme", name="Lobby", id="lobby")
    mgmt.access.add(OWNER, workspace="acme", api="payments", targets="group:ops")
    mgmt.roles.create(
        OWNER,
        workspace="acme",
        name="Support",
        permissions=["view_people", "invite_people"],
        id="support",
    )
    sender = MemorySender()
    clock = Clock()
    invitations = Invitations(
        store, authz, sender=sender, base_url=BASE_URL, clock=clock, hash_password=fast_hash
    )
    return World(store, authz, mgmt, invitations, sender, clock)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with Store.open(url) as opened:
        yield opened


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)
