"""The records the decision index keeps beside its tables, and small helpers for them.

Private to :mod:`rbac_kit.policy._index`: what one role's lines say, what a
set of roles allows (cached), what one subject holds, and what one change
touched.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeAlias, TypeVar

__all__ = [
    "Grants",
    "Key",
    "RoleRules",
    "Subject",
    "Work",
    "cyclic_gc_paused",
    "discard",
    "set_or_pop",
    "toggle",
]

#: ``(domain, name)``: a role, subject, group or traffic node of one workspace.
Key: TypeAlias = tuple[str, str]
_T = TypeVar("_T", bound=Hashable)


class RoleRules:
    """The p lines of one role in one domain."""

    __slots__ = ("api", "workspace")

    def __init__(self) -> None:
        self.workspace: set[str] = set()
        # env node -> scope -> actions
        self.api: dict[str, dict[str, set[str]]] = {}

    def actions(self, envs: Iterable[str], scope: str) -> set[str]:
        """The actions of ``scope`` the role grants on an API in ``envs``."""
        result: set[str] = set()
        for env in envs:
            by_scope = self.api.get(env)
            if by_scope is not None:
                result |= by_scope.get(scope, set())
        return result

    def has_scope(self, scope: str) -> bool:
        """True when some API-level action has ``scope``."""
        return any(by_scope.get(scope) for by_scope in self.api.values())

    def empty(self) -> bool:
        """True when no line of the role is left."""
        return not self.workspace and not any(
            acts for by_scope in self.api.values() for acts in by_scope.values()
        )


class Grants:
    """What one set of roles allows in one domain, worked out once for all its holders.

    Most subjects of a workspace hold one of a few roles and APIs come in a few
    environment sets, so a subject's table is put together from these answers
    instead of asking each role about each API the subject reaches.
    """

    __slots__ = ("all_scope", "granted", "granted_scope", "workspace")

    def __init__(self, rules: list[RoleRules], workspace: frozenset[str]) -> None:
        self.workspace = workspace
        #: The roles that reach every API of their environments.
        self.all_scope = [r for r in rules if r.has_scope("all")]
        #: The roles that reach only the APIs the subject has access to.
        self.granted_scope = [r for r in rules if r.has_scope("granted")]
        #: API -> what the granted-scope roles allow on it, for each API of the
        #: domain where that is anything (kept in step as APIs change).
        self.granted: dict[str, frozenset[str]] = {}

    def granted_on(self, envs: frozenset[str]) -> set[str]:
        """What the granted-scope roles allow on an API in ``envs``."""
        return set().union(*(r.actions(envs, "granted") for r in self.granted_scope))


class Subject:
    """One subject in one domain: its roles, and what its access comes through."""

    __slots__ = ("direct", "nodes", "roles")

    def __init__(self) -> None:
        self.roles: set[str] = set()
        #: APIs granted to the subject itself.
        self.direct: set[str] = set()
        #: Groups and traffic nodes (its Customer ID) it reaches APIs through.
        self.nodes: set[str] = set()

    def empty(self) -> bool:
        """True when no line names the subject any more."""
        return not (self.roles or self.direct or self.nodes)


class Work:
    """What one change touched, to rebuild afterwards."""

    __slots__ = ("aliases", "apis", "fresh", "merged", "roles", "subjects")

    def __init__(self, *, fresh: bool = False) -> None:
        #: The index was empty: each subject is marked by its own lines, so what
        #: a group, API or role reaches need not be marked as well.
        self.fresh = fresh
        self.subjects: set[Key] = set()
        self.roles: set[Key] = set()
        self.apis: set[str] = set()
        #: cid: aliases whose table must be put together again.
        self.aliases: set[str] = set()
        #: Names whose merged table holds a shared table that changed in place.
        self.merged: set[str] = set()


def toggle(target: set[_T], value: _T, sign: int) -> None:
    """Add ``value`` to ``target`` for a line added (``sign`` > 0), else discard it."""
    if sign > 0:
        target.add(value)
    else:
        target.discard(value)


def discard(sets: dict[_T, set[str]], key: _T, value: str) -> None:
    """Remove ``value`` from ``sets[key]``, and the key with its last value."""
    values = sets.get(key)
    if values is not None:
        values.discard(value)
        if not values:
            del sets[key]


def set_or_pop(table: dict[str, frozenset[str]], key: str, acts: frozenset[str]) -> None:
    """``table[key] = acts``, or no entry when ``acts`` is empty."""
    if acts:
        table[key] = acts
    else:
        table.pop(key, None)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk build allocates.

    A build allocates millions of containers, none in a cycle; the collector,
    triggered by the allocations, would scan them again and again (a fifth
    of a 100k-people build) and free nothing. Reference counting still frees
    everything. The collector is process-wide, so it is paused only for the
    build and switched back on, if it was on, whatever happens.

    A build that completes has its objects moved to the oldest generation,
    where only full collections look at them, as at the rest of a long-lived
    heap; left young, the first collection after the build would scan them
    all at once (a second for 100k people). ``gc.freeze()`` then
    ``gc.unfreeze()`` is that move; it is skipped when the host has frozen
    objects of its own, which ``gc.unfreeze()`` would let go.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
    finally:
        if was_enabled:
            gc.enable()
