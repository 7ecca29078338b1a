"""Passwords: argon2id with OWASP's parameters, verification with rehash, the strength rule.

Cheap parameters are used only where a test says so, through an explicit
``hashing=`` argument; one test hashes with the real defaults.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import multiprocessing as mp
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from rbac_kit import InvalidInput
from rbac_kit.onboarding import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    OWASP_ARGON2ID,
    PasswordCheck,
    PasswordHashing,
    check_password_strength,
    default_workers,
    hash_password,
    hash_passwords,
    verify_password,
)

from .csv_world import CHEAP, GOOD

#: Other cheap parameters, standing for "the parameters changed since this hash was made".
CHEAP_NEXT = PasswordHashing(time_cost=2, memory_cost=16, parallelism=1)


def test_the_defaults_are_owasp_argon2id() -> None:
    """m=19456 KiB, t=2, p=1 (OWASP Password Storage Cheat Sheet), in the PHC string."""
    assert PasswordHashing(time_cost=2, memory_cost=19456, parallelism=1) == OWASP_ARGON2ID
    stored = hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordCheck(valid=True) == verify_password(stored, GOOD)


def test_a_hash_is_salted() -> None:
    """The same password hashes differently each time, and each hash verifies."""
    first, second = hash_password(GOOD, hashing=CHEAP), hash_password(GOOD, hashing=CHEAP)
    assert first != second
    assert verify_password(first, GOOD, hashing=CHEAP)
    assert verify_password(second, GOOD, hashing=CHEAP)


@pytest.mark.parametrize(
    "stored",
    [None, "", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "test$abc"],
)
def test_what_is_not_a_matching_hash_is_falsy_never_an_exception(stored: str | None) -> None:
    """No password, garbage, or a hash of something else: the answer is no (fail closed)."""
    check = verify_password(stored, GOOD, hashing=CHEAP)
    assert PasswordCheck(valid=False) == check
    assert not check


def test_a_wrong_password_is_falsy() -> None:
    """``if verify_password(...)`` is safe: the result is falsy for a wrong password."""
    stored = hash_password(GOOD, hashing=CHEAP)
    check = verify_password(stored, GOOD + "!", hashing=CHEAP)
    assert (False, None, False) == (bool(check), check.new_hash, check.needs_rehash)


def test_a_hash_made_with_other_parameters_is_upgraded_on_success() -> None:
    """The check hands back a new hash with the current parameters; the host stores it."""
    old = hash_password(GOOD, hashing=CHEAP)
    check = verify_password(old, GOOD, hashing=CHEAP_NEXT)
    assert check
    assert check.needs_rehash
    assert check.new_hash is not None
    assert check.new_hash.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert PasswordCheck(valid=True) == verify_password(check.new_hash, GOOD, hashing=CHEAP_NEXT)


def test_no_rehash_is_offered_for_a_wrong_password() -> None:
    """An old hash stays as it is when the password does not match."""
    old = hash_password(GOOD, hashing=CHEAP)
    assert PasswordCheck(valid=False) == verify_password(old, "nope", hashing=CHEAP_NEXT)


@pytest.mark.parametrize("password", [None, b"bytes password", 12, "\ud800lone surrogate"])
def test_a_password_must_be_encodable_text(password: object) -> None:
    """Bytes, numbers and lone surrogates are refused with InvalidInput before argon2 sees them."""
    with pytest.raises(InvalidInput, match="password must be"):
        hash_password(password, hashing=CHEAP)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        verify_password("x", password, hashing=CHEAP)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "phrase"),
    [
        ({"time_cost": 0}, "time_cost must be at least 1"),
        ({"memory_cost": 15, "parallelism": 2}, r"at least 8 \* parallelism"),
        ({"parallelism": 0}, "parallelism must be at least 1"),
    ],
)
def test_parameters_are_checked(fields: dict[str, int], phrase: str) -> None:
    """A PasswordHashing that argon2 would refuse cannot be built."""
    with pytest.raises(InvalidInput, match=phrase):
        PasswordHashing(**fields)


# -- strength ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "phrase"),
    [
        ("k" + "abcdefghijk"[: MIN_PASSWORD_LENGTH - 2], "shorter than 12"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "longer than 128"),
        ("z" * 20, "one character repeated"),
        ("correct horse\x00battery", "control character"),
        ("Ann.Smith@acme.io", "is the email address"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, phrase: str) -> None:
    """OWASP ASVS V2.1: 12 to 128 characters; never the email; no control characters."""
    with pytest.raises(InvalidInput, match=phrase):
        check_password_strength(password, email="ann.smith@acme.io")


@pytest.mark.parametrize(
    "password",
    ["a1b2c3d4e5f6", "correct horse battery", "é" * 11 + "x", "xy" * (MAX_PASSWORD_LENGTH // 2)],
)
def test_acceptable_passwords(password: str) -> None:
    """No composition rules (ASVS V2.1.9): length decides."""
    check_password_strength(password, email="ann@acme.io")


def test_length_is_counted_after_normalisation() -> None:
    """A decomposed é (e + combining accent) counts as one character, as a person sees it."""
    with pytest.raises(InvalidInput, match="shorter than 12"):
        check_password_strength("e\u0301" * 11)
    check_password_strength("e\u0301" * 12)


# -- many at once ---------------------------------------------------------------------


def test_hash_passwords_keeps_order_and_reports_progress() -> None:
    """Each hash verifies against the password at its own position; progress ends at (n, n)."""
    passwords = [f"{GOOD} {i}" for i in range(30)]
    calls: list[tuple[int, int]] = []
    threads: set[str] = set()

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        threads.add(threading.current_thread().name)

    hashes = hash_passwords(passwords, hashing=CHEAP, workers=3, progress=progress)
    assert [True] * 30 == [
        bool(verify_password(h, p, hashing=CHEAP)) for h, p in zip(hashes, passwords, strict=True)
    ]
    assert (30, 30) == calls[-1]
    assert {threading.current_thread().name} == threads


def test_hash_passwords_runs_on_a_given_process_pool() -> None:
    """The work pickles, so a ProcessPoolExecutor can do it instead of threads."""
    passwords = [f"{GOOD} {i}" for i in range(20)]
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        hashes = hash_passwords(passwords, hashing=CHEAP, executor=pool)
    assert all(verify_password(h, p, hashing=CHEAP) for h, p in zip(hashes, passwords, strict=True))


def test_hash_passwords_of_nothing_and_of_one() -> None:
    """No pool is started for fewer passwords than one task holds."""
    assert [] == hash_passwords([], hashing=CHEAP)
    (one,) = hash_passwords([GOOD], hashing=CHEAP, workers=4)
    assert verify_password(one, GOOD, hashing=CHEAP)


def test_default_workers_is_at_least_one() -> None:
    """One thread per core this process may run on."""
    assert default_workers() >= 1
