"""Token rules: random, hashed, single use, compared in constant time; one answer for bad ones.

Every bad token (unknown, tampered, malformed, expired, revoked, replaced,
used, or given with the wrong address) gets the same :class:`InvalidToken`
with the same message, whether or not the address has an account, and
changes nothing in the database.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest

from rbac_kit import InvalidToken, Invitee
from rbac_kit.onboarding import INVALID_TOKEN_MESSAGE
from rbac_kit.onboarding.invitations import _tokens as tokens
from tests.store.helpers import dump

from .conftest import OWNER, PASSWORD, World


def _invite(world: World, email: str = "new@acme.io") -> str:
    world.invitations.invite(OWNER, "acme", [Invitee(email=email)])
    world.invitations.deliver(OWNER, workspace="acme")
    return world.tokens()[-1]


def _refused(world: World, token: object, email: str | None = None) -> str:
    """Accept ``token``; require the one refusal, with the database untouched; return its text."""
    state = dump(world.store)
    with pytest.raises(InvalidToken) as caught:
        world.invitations.accept(token, name="Someone", password=PASSWORD, email=email)  # type: ignore[arg-type]
    assert state == dump(world.store)
    return str(caught.value)


def test_tokens_are_random_hashed_and_urlsafe() -> None:
    """A token is ``<id>.<secret>`` with a 256-bit secret; only its SHA-256 is stored."""
    ident = tokens.new_invitation_id()
    token, stored = tokens.new_token(ident)
    secret = token.partition(".")[2]
    assert 32 * 8 >= 128
    assert 43 == len(secret)  # 32 bytes, base64url without padding
    assert hashlib.sha256(token.encode()).hexdigest() == stored
    assert ident == tokens.invitation_id_of(token)
    assert tokens.new_token(ident)[0] != token


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check goes through :func:`hmac.compare_digest`."""
    calls: list[tuple[str, str]] = []
    compare = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    token, stored = tokens.new_token(tokens.new_invitation_id())
    assert tokens.token_matches(token, stored)
    assert not tokens.token_matches(token + "x", stored)
    assert not tokens.token_matches(token, None)
    assert 3 == len(calls)


def test_the_database_never_holds_a_token(world: World) -> None:
    """Neither an emailed token nor a link's appears in any table; their hashes may."""
    email_token = _invite(world)
    link = world.invitations.create_link(OWNER, "acme")
    everything = repr(dump(world.store))
    assert email_token not in everything
    assert link.token not in everything
    assert tokens.hash_token(link.token) in everything


@pytest.mark.parametrize(
    "token",
    [
        "",
        None,
        42,
        "not a token",
        "0123456789abcdef",
        "0123456789abcdef." + "A" * 43,
        "0123456789ABCDEF." + "A" * 43,
        "0123456789abcdef." + "A" * 42 + "=",
        "../../etc/passwd",
    ],
)
def test_unknown_and_malformed_tokens(world: World, token: object) -> None:
    """Anything that is not a current token gets the one message."""
    _invite(world)
    assert INVALID_TOKEN_MESSAGE == _refused(world, token)


def _tamper(token: str, at: Callable[[int], int]) -> str:
    i = at(len(token))
    swapped = "B" if token[i] != "B" else "C"
    return token[:i] + swapped + token[i + 1 :]


@pytest.mark.parametrize(
    "where", [lambda n: n - 1, lambda n: n // 2, lambda n: 17, lambda n: 0], ids=str
)
def test_tampered_token(world: World, where: Callable[[int], int]) -> None:
    """Changing one character anywhere in the token makes it invalid."""
    token = _invite(world)
    assert INVALID_TOKEN_MESSAGE == _refused(world, _tamper(token, where))


def test_expired_token(world: World) -> None:
    """Seven days after the invitation, its token is refused; a second before, it works."""
    token = _invite(world)
    world.clock.advance(days=7)
    assert INVALID_TOKEN_MESSAGE == _refused(world, token)
    world.clock.advance(seconds=-1)
    world.invitations.accept(token, name="Just In Time", password=PASSWORD)


def test_revoked_token(world: World) -> None:
    """A revoked invitation's token is refused."""
    token = _invite(world)
    (invitation,) = world.invitations.list(OWNER, "acme").invitations
    world.invitations.revoke(OWNER, "acme", invitation.id)
    assert INVALID_TOKEN_MESSAGE == _refused(world, token)


def test_reused_token(world: World) -> None:
    """An email invitation is single use."""
    token = _invite(world)
    world.invitations.accept(token, name="First", password=PASSWORD)
    assert INVALID_TOKEN_MESSAGE == _refused(world, token)


def test_wrong_email(world: World) -> None:
    """An email invitation is accepted by its own address only (any case of it)."""
    token = _invite(world)
    assert INVALID_TOKEN_MESSAGE == _refused(world, token, email="other@acme.io")
    person = world.invitations.accept(token, name="Me", password=PASSWORD, email="NEW@ACME.io")
    assert "new@acme.io" == person.email


def test_nothing_about_accounts_leaks(world: World) -> None:
    """A bad token says the same whether the address given has an account or not."""
    token = _invite(world)
    with_account = _refused(world, token, email="ann@acme.io")
    without_account = _refused(world, token, email="nobody@acme.io")
    unknown_with_account = _refused(world, "0123456789abcdef." + "A" * 43, email="ann@acme.io")
    assert {INVALID_TOKEN_MESSAGE} == {with_account, without_account, unknown_with_account}
    link = world.invitations.create_link(OWNER, "acme")
    world.invitations.revoke(OWNER, "acme", link.invitation.id)
    assert INVALID_TOKEN_MESSAGE == _refused(world, link.token, email="ann@acme.io")
    assert INVALID_TOKEN_MESSAGE == _refused(world, link.token, email="nobody@acme.io")


def test_bad_input_with_a_good_token_changes_nothing(world: World) -> None:
    """A bad name, password or address is reported, and the token still works after."""
    from rbac_kit import InvalidInput

    token = _invite(world)
    state = dump(world.store)
    for name, password, email in [
        ("", PASSWORD, None),
        ("Me", "short", None),
        ("Me", None, None),
        ("Me", PASSWORD, "not an email"),
    ]:
        with pytest.raises(InvalidInput):
            world.invitations.accept(token, name=name, password=password, email=email)  # type: ignore[arg-type]
        assert state == dump(world.store)
    world.invitations.accept(token, name="Me", password=PASSWORD)
