"""Passwords: argon2id hashing, verification with rehash, and the strength rule.

Everything about passwords lives here so the parameters are written down once:

* **Hashing** is argon2id with the OWASP Password Storage Cheat Sheet's first
  recommendation, ``m=19456`` KiB (19 MiB), ``t=2``, ``p=1``, a 16-byte salt
  and a 32-byte hash (:data:`OWASP_ARGON2ID`). The hash is the standard PHC
  string (``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``), so any argon2
  library can verify it.
* **Many at once** (:func:`hash_passwords`, for a bulk import) on every
  core: a thread per core, since argon2-cffi calls the C library with the
  GIL released (CFFI does so for every call), so threads hash in parallel
  with neither the start-up and pickling of worker processes nor their
  hazards in a host app (``fork`` with threads running, ``spawn``
  re-importing the host's ``__main__``). ``benchmarks/bench_import.py``
  measures it against a process pool.
* **Verification** (:func:`verify_password`) answers a :class:`PasswordCheck`
  that is falsy when the password is wrong, and carries a new hash when the
  stored one was made with other parameters (older, cheaper or stronger), so
  a host app upgrades hashes as people sign in.
* **Strength** (:func:`check_password_strength`) follows OWASP ASVS 4.0 V2.1:
  at least 12 characters (V2.1.1), at most 128 (V2.1.2), no composition rules
  (V2.1.9); besides, a password may not be the person's email address nor
  one character repeated, and may not hold control characters (they are never
  typed, only pasted by accident or by an attack on the CSV).

Tests that hash many passwords pass a cheap :class:`PasswordHashing`
explicitly (``hashing=``); the defaults are never weakened.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed

import argon2
import attrs
from argon2.exceptions import InvalidHashError, VerificationError

from .._errors import InvalidInput

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "OWASP_ARGON2ID",
    "HashProgress",
    "PasswordCheck",
    "PasswordHashing",
    "check_password_strength",
    "default_workers",
    "hash_password",
    "hash_passwords",
    "verify_password",
]

#: OWASP ASVS 4.0 V2.1.1: user-set passwords are at least 12 characters long.
MIN_PASSWORD_LENGTH = 12
#: OWASP ASVS 4.0 V2.1.2: passwords of 64 characters are allowed, over 128 denied.
MAX_PASSWORD_LENGTH = 128


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    """Reject a zero or negative cost: argon2 would fail later with a less clear message."""
    if value < 1:
        raise InvalidInput(f"{attribute.name} must be at least 1, got {value}")


@attrs.frozen(kw_only=True)
class PasswordHashing:
    """The argon2id parameters, and the hashing and checking done with them.

    A value object (frozen, picklable), so the same parameters travel to the
    worker processes of a bulk import. The defaults are OWASP's; tests may
    build a cheaper instance and pass it explicitly.

    Attributes:
        time_cost: iterations (``t``).
        memory_cost: memory in KiB (``m``); at least ``8 * parallelism``.
        parallelism: lanes (``p``).
        hash_len: bytes of hash output.
        salt_len: bytes of random salt.
    """

    time_cost: int = attrs.field(default=2, validator=_positive)
    memory_cost: int = attrs.field(default=19456, validator=_positive)
    parallelism: int = attrs.field(default=1, validator=_positive)
    hash_len: int = attrs.field(default=32, validator=_positive)
    salt_len: int = attrs.field(default=16, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.memory_cost < 8 * self.parallelism:
            raise InvalidInput(
                f"memory_cost must be at least 8 * parallelism = {8 * self.parallelism} KiB,"
                f" got {self.memory_cost}"
            )

    def _hasher(self) -> argon2.PasswordHasher:
        """argon2-cffi's hasher for these parameters (cheap to build; hashing is the cost)."""
        return argon2.PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            hash_len=self.hash_len,
            salt_len=self.salt_len,
            type=argon2.Type.ID,
        )

    def hash(self, password: str) -> str:
        """Hash ``password`` with a fresh random salt; returns the PHC string."""
        return self._hasher().hash(_text(password))

    def verify(self, password_hash: str | None, password: str) -> PasswordCheck:
        """Check ``password`` against ``password_hash``; see :func:`verify_password`."""
        password = _text(password)
        if not isinstance(password_hash, str):
            return PasswordCheck(valid=False)
        hasher = self._hasher()
        try:
            hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            # A wrong password, or a stored value that is no argon2 hash at all:
            # either way the answer is no (fail closed), never an exception the
            # host might turn into a sign-in.
            return PasswordCheck(valid=False)
        if hasher.check_needs_rehash(password_hash):
            return PasswordCheck(valid=True, new_hash=hasher.hash(password))
        return PasswordCheck(valid=True)


#: argon2id as OWASP recommends it: m=19456 KiB, t=2, p=1.
OWASP_ARGON2ID = PasswordHashing()


@attrs.frozen(kw_only=True)
class PasswordCheck:
    """The answer of :func:`verify_password`.

    It is truthy only when the password matched, so ``if verify_password(...):``
    does the right thing (a plain tuple would be truthy even for a wrong
    password, an easy way to let everyone in).

    Attributes:
        valid: the password matched the hash.
        new_hash: when valid and the stored hash was made with other
            parameters, the password hashed with the current ones; the host
            stores it in place of the old hash. ``None`` otherwise.
    """

    valid: bool
    new_hash: str | None = None

    def __bool__(self) -> bool:
        return self.valid

    @property
    def needs_rehash(self) -> bool:
        """True when the host should store :attr:`new_hash`."""
        return self.new_hash is not None


def hash_password(password: str, *, hashing: PasswordHashing = OWASP_ARGON2ID) -> str:
    """Hash a password with argon2id (OWASP parameters unless ``hashing`` is given).

    The strength rule is not applied here (a host may have its own); call
    :func:`check_password_strength` first where people choose passwords.

    Returns:
        The PHC string to store.

    Raises:
        InvalidInput: ``password`` is not a string.
    """
    return hashing.hash(password)


#: Called as passwords are hashed: (hashed so far, to hash in all).
HashProgress = Callable[[int, int], None]
#: Passwords per task: enough to make a task's overhead vanish, few enough for smooth progress.
_CHUNK = 8


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    count = len(affinity(0)) if affinity is not None else os.cpu_count()
    return max(1, count or 1)


def _hash_chunk(hashing: PasswordHashing, passwords: Sequence[str]) -> list[str]:
    """Hash a few passwords (one task of :func:`hash_passwords`; picklable for process pools)."""
    hasher = hashing._hasher()
    return [hasher.hash(_text(p)) for p in passwords]


def hash_passwords(
    passwords: Sequence[str],
    *,
    hashing: PasswordHashing = OWASP_ARGON2ID,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: HashProgress | None = None,
) -> list[str]:
    """Hash many passwords on every core; the hashes in the order of ``passwords``.

    Args:
        passwords: the passwords (checked for strength beforehand, if at all).
        hashing: the parameters (OWASP's unless given).
        workers: threads to hash on (default: :func:`default_workers`); ignored
            when ``executor`` is given.
        executor: run the work here instead (a ``ProcessPoolExecutor`` works:
            tasks and parameters pickle); the caller keeps and shuts it down.
        progress: called after each few passwords with (hashed, total).

    Raises:
        InvalidInput: a password is not a string.
    """
    texts = [_text(p) for p in passwords]
    total = len(texts)
    chunks = [texts[i : i + _CHUNK] for i in range(0, total, _CHUNK)]
    count = workers if workers is not None else default_workers()
    if executor is None and (count <= 1 or len(chunks) <= 1):
        return _hash_inline(hashing, chunks, total, progress)
    if executor is not None:
        return _hash_on(executor, hashing, chunks, total, progress)
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="rbac-kit-argon2") as pool:
        return _hash_on(pool, hashing, chunks, total, progress)


def _hash_inline(
    hashing: PasswordHashing,
    chunks: list[list[str]],
    total: int,
    progress: HashProgress | None,
) -> list[str]:
    hashes: list[str] = []
    for chunk in chunks:
        hashes += _hash_chunk(hashing, chunk)
        if progress is not None:
            progress(len(hashes), total)
    return hashes


def _hash_on(
    executor: Executor,
    hashing: PasswordHashing,
    chunks: list[list[str]],
    total: int,
    progress: HashProgress | None,
) -> list[str]:
    futures = {executor.submit(_hash_chunk, hashing, chunk): i for i, chunk in enumerate(chunks)}
    results: list[list[str]] = [[] for _ in chunks]
    done = 0
    try:
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += len(results[futures[future]])
            if progress is not None:
                progress(done, total)
    finally:
        # On an error (or a progress callback raising), drop the work not started.
        for future in futures:
            future.cancel()
    return [h for chunk in results for h in chunk]


def verify_password(
    password_hash: str | None, password: str, *, hashing: PasswordHashing = OWASP_ARGON2ID
) -> PasswordCheck:
    """Check a password against its stored hash, and upgrade the hash if needed.

    Args:
        password_hash: the stored PHC string, or ``None`` for a person with no
            password (never matches).
        password: what the person typed.
        hashing: the current parameters; a stored hash made with others gets
            a :attr:`PasswordCheck.new_hash`.

    Returns:
        A :class:`PasswordCheck`, falsy when the password does not match or the
        stored value is not an argon2 hash.

    Raises:
        InvalidInput: ``password`` is not a string.
    """
    return hashing.verify(password_hash, password)


def check_password_strength(password: object, *, email: str | None = None) -> None:
    """Refuse a password a person may not choose (OWASP ASVS 4.0 V2.1).

    Length is counted in Unicode code points after NFC normalisation, so an
    accented letter counts once however it was typed.

    Args:
        password: the chosen password.
        email: the person's email address, which the password may not equal.

    Raises:
        InvalidInput: with the reason, e.g. ``"password is shorter than 12 characters"``.
    """
    text = _text(password)
    length = len(unicodedata.normalize("NFC", text))
    if length < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if length > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password is longer than {MAX_PASSWORD_LENGTH} characters")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidInput("password contains a control character")
    if len(set(text)) == 1:
        raise InvalidInput("password is one character repeated")
    if email is not None and text.casefold() == email.casefold():
        raise InvalidInput("password is the email address")


def _text(password: object) -> str:
    """The password as a string that UTF-8 can encode, or a clear error.

    argon2 would also take bytes, and would fail deep inside on a lone
    surrogate (which no keyboard types, but a decoder may let through).
    """
    if not isinstance(password, str):
        raise InvalidInput(f"a password must be a string, got {type(password).__name__}")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "a password must be text UTF-8 can encode (no lone surrogates)"
        ) from None
    return password
