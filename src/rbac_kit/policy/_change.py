"""A change on its way from the directory to the index, and where it is persisted.

:class:`ChangeRecord` is what one transaction of the
:class:`~rbac_kit.Authorizer` hands to its :class:`ChangeSink` (a store)
before the index sees it: the owners it touched, the policy delta, who made
it and the writes that ride along. It lives here, below both, so that the
store receives changes without knowing the facade that makes them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from ..model._directory import Directory
from ..model._subjects import PolicyOwner
from ._policy import PolicyDelta

__all__ = ["ChangeRecord", "ChangeSink"]


@attrs.frozen(kw_only=True)
class ChangeRecord:
    """One change on its way to the index: what it touched, who made it, what rides along."""

    #: The policy owners (roles, subjects, groups, APIs) whose lines were recompiled;
    #: their entities are the rows a store rewrites.
    owners: frozenset[PolicyOwner]
    #: The policy lines removed and added.
    delta: PolicyDelta
    #: Who made the change (a subject name, or ``system``).
    actor: str
    #: What the change was, e.g. ``add_user`` or ``revoke_all``.
    action: str
    #: What it was made to, e.g. ``user:ann`` or ``acme/payments``.
    target: str
    #: The revision the directory was at before the change.
    base: int
    #: Writes that commit in the change's transaction (for a store:
    #: :class:`rbac_kit.store.ExtraWrite`), in the order they were added.
    extra: tuple[object, ...] = ()
    #: Set when a follower replays a change the sink already holds, at this
    #: revision: the sink then writes nothing.
    replayed: int | None = None


@runtime_checkable
class ChangeSink(Protocol):
    """Where changes are persisted before the index sees them (a store)."""

    def persist(self, directory: Directory, change: ChangeRecord) -> int:
        """Write ``change``, whose new state ``directory`` already holds.

        Returns the revision it committed at. Raising cancels the change and
        rolls the directory back.
        """
        ...
