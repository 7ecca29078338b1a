"""An :class:`Authorizer` backed by a store: loaded from it, persisting into it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from .._authorizer import Authorizer
from .._errors import Conflict
from ._store import Store

__all__ = ["open_authorizer"]

#: How many times loading is retried while other processes keep changing the store.
LOAD_ATTEMPTS = 10


def open_authorizer(store: Store) -> Authorizer:
    """Load every workspace of ``store`` into a new :class:`Authorizer` that persists into it.

    The Authorizer starts at the store's revision, with ``store.sink``
    attached: each change then commits to the database (rows, Casbin lines,
    audit event, revisions) before the decision index sees it. If the
    ``casbin_rule`` table is out of step with the policy compiled from the
    loaded entities, it is rewritten (see :meth:`Store.sync_rules`): the
    entities are the source of truth, the rules are derived from them.

    The caller keeps the store (and closes it); the Authorizer holds no
    database resources of its own. To follow changes other processes make,
    see :class:`rbac_kit.store.Follower`.

    Python's cyclic garbage collector is paused while the directory and the
    index are built (and resumed after, if it was running): building millions
    of objects that live on would otherwise trigger collections that scan
    them again and again, a fifth of the time of a large open. Hosts that
    keep a large Authorizer may also call :func:`gc.freeze` once it is open.

    Raises:
        Conflict: the store changed during every one of several loads in a row.
    """
    with _collector_paused():
        for _ in range(LOAD_ATTEMPTS):
            directory, revision = store.load()
            authorizer = Authorizer(directory, revision=revision)
            if store.sync_rules(directory, authorizer.policy.rules()):
                authorizer.sink = store.sink
                return authorizer
    raise Conflict(f"the store changed during each of {LOAD_ATTEMPTS} loads in a row; try again")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector's state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
