"""The facade: a directory, its compiled policy and the decision index, kept in step.

:class:`Authorizer` composes the three (it inherits none of them). Every
change goes the one way the data flows: the directory checks and applies it,
the compiler recompiles the owners it touched, the policy yields the delta,
an optional sink persists it, and the index applies it. If any step before
the index raises, the directory is rolled back and nothing has changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from ._directory import Directory, Owner
from ._errors import Forbidden, InvalidInput, NotFound
from ._explain import Explanation, explain
from ._model import Api, Customer, Grant, Group, Role, Status, User, Workspace
from .policy._compiler import compile_directory, compile_owners
from .policy._index import DecisionIndex
from .policy._policy import Policy, PolicyDelta

__all__ = ["Authorizer", "ChangeSink"]

logger = logging.getLogger(__name__)

#: Called with each change's owners and policy delta before the index sees it
#: (the store writes its rows there); raising cancels the change.
ChangeSink = Callable[[set[Owner], PolicyDelta], None]


class Authorizer:
    """Answers decisions and applies changes incrementally.

    Args:
        directory: the entities to start from (empty by default).
        revision: the revision the starting state is at.
    """

    def __init__(self, directory: Directory | None = None, *, revision: int = 0) -> None:
        self._directory = directory if directory is not None else Directory()
        self._policy = compile_directory(self._directory)
        self._index = DecisionIndex(self._policy.rules(), revision=revision)
        self._write = threading.Lock()
        #: Persists each change before it reaches the index (set by a store).
        self.sink: ChangeSink | None = None

    # -- the parts ---------------------------------------------------------

    @property
    def directory(self) -> Directory:
        """The entities (read them; change them through this object's methods)."""
        return self._directory

    @property
    def index(self) -> DecisionIndex:
        """The decision index."""
        return self._index

    @property
    def policy(self) -> Policy:
        """The compiled policy, as Casbin loads it."""
        return self._policy

    @property
    def revision(self) -> int:
        """The revision of the last change applied."""
        return self._index.revision

    def export(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``model.conf`` and ``policy.csv`` for Casbin into ``directory``."""
        return self._policy.export(directory)

    # -- decisions ----------------------------------------------------------

    def can(self, subject: str, action: str, obj: str) -> bool:
        """True if ``subject`` may perform ``action`` on ``obj`` (an API or a workspace)."""
        return self._index.can(subject, action, obj)

    def can_many(self, questions: Iterable[tuple[str, str, str]]) -> list[bool]:
        """``can`` for many ``(subject, action, object)`` questions, in order."""
        return self._index.can_many(questions)

    def require(self, subject: str, action: str, obj: str) -> None:
        """Return if allowed; raise :class:`Forbidden` with the reason otherwise."""
        if not self._index.can(subject, action, obj):
            reason = self.explain(subject, action, obj).reason
            logger.debug("denied %s %s %s: %s", subject, action, obj, reason)
            raise Forbidden(f"{subject} may not {action} on {obj}: {reason}")

    def explain(self, subject: str, action: str, obj: str) -> Explanation:
        """The decision with the role and permission used and every access path."""
        revision = self._index.revision
        return attrs.evolve(explain(self._directory, subject, action, obj), revision=revision)

    def apis_for(self, subject: str, action: str) -> set[str]:
        """Every object ``can(subject, action, ·)`` allows."""
        return self._index.apis_for(subject, action)

    def subjects_for(self, obj: str, action: str) -> set[str]:
        """Every subject ``can(·, action, obj)`` allows."""
        return self._index.subjects_for(obj, action)

    # -- changes ------------------------------------------------------------

    def apply(self, change: Callable[[Directory], set[Owner]]) -> PolicyDelta:
        """Run ``change`` on the directory and carry it through to the index.

        This is the one path every change takes; the named methods below call it.
        """
        with self._write:
            with self._directory.atomic():
                owners = change(self._directory)
                pieces = compile_owners(self._directory, owners)
                delta = self._policy.diff(pieces)
                if self.sink is not None:
                    self.sink(owners, delta)
            self._policy.update(pieces)
            self._index.apply(delta)
            return delta

    def add_workspace(self, workspace: Workspace) -> PolicyDelta:
        """Create a workspace with the five built-in roles."""
        return self.apply(lambda d: d.add_workspace(workspace))

    def put_role(self, role: Role) -> PolicyDelta:
        """Create a custom role or edit one (never Owner)."""
        return self.apply(lambda d: d.put_role(role))

    def remove_role(self, workspace: str, role: str) -> PolicyDelta:
        """Delete a custom role nobody holds."""
        return self.apply(lambda d: d.remove_role(workspace, role))

    def put_person(self, person: User | Customer) -> PolicyDelta:
        """Add a user or customer, or replace one (role, groups, status, Customer ID)."""
        return self.apply(lambda d: d.put_person(person))

    def change_role(self, subject: str, role: str) -> PolicyDelta:
        """Give a user or customer another role."""
        return self.apply(lambda d: d.put_person(attrs.evolve(d.person(subject), role=role)))

    def set_status(self, subject: str, status: Status) -> PolicyDelta:
        """Disable or re-enable a user or customer."""
        return self.apply(lambda d: d.set_status(subject, status))

    def set_customer_id(self, subject: str, customer_id: str) -> PolicyDelta:
        """Edit a customer's Customer ID (its access moves with it)."""
        def change(d: Directory) -> set[Owner]:
            person = d.person(subject)
            if not isinstance(person, Customer):
                raise InvalidInput(f"{subject} is not a customer; only customers have a "
                                   "Customer ID")
            return d.put_person(attrs.evolve(person, customer_id=customer_id))
        return self.apply(change)

    def remove_person(self, subject: str) -> PolicyDelta:
        """Remove a user or customer with their grants."""
        return self.apply(lambda d: d.remove_person(subject))

    def add_member(self, subject: str, group: str) -> PolicyDelta:
        """Put a user or customer into a group."""
        return self.apply(lambda d: d.put_person(_with_groups(d, subject, add=group)))

    def remove_member(self, subject: str, group: str) -> PolicyDelta:
        """Take a user or customer out of a group."""
        return self.apply(lambda d: d.put_person(_with_groups(d, subject, drop=group)))

    def put_group(self, group: Group) -> PolicyDelta:
        """Create or rename a group."""
        return self.apply(lambda d: d.put_group(group))

    def remove_group(self, workspace: str, group: str) -> PolicyDelta:
        """Delete a group; members lose only the access that came through it."""
        return self.apply(lambda d: d.remove_group(workspace, group))

    def put_api(self, api: Api) -> PolicyDelta:
        """Register an API or edit it."""
        return self.apply(lambda d: d.put_api(api))

    def record_customer_ids(self, workspace: str, api: str, customer_ids: Iterable[str]
                            ) -> PolicyDelta:
        """Record Customer IDs seen in an API's traffic (added to those already seen)."""
        seen = frozenset(customer_ids)

        def change(d: Directory) -> set[Owner]:
            current = d.api(workspace, api)
            return d.put_api(attrs.evolve(current, customer_ids=current.customer_ids | seen))
        return self.apply(change)

    def remove_api(self, workspace: str, api: str) -> PolicyDelta:
        """Remove an API with its grants and exclusions."""
        return self.apply(lambda d: d.remove_api(workspace, api))

    def add_access(self, grant: Grant) -> PolicyDelta:
        """Add access to an API (for a customer, this lifts an exclusion)."""
        return self.apply(lambda d: d.add_access(grant))

    def remove_access(self, workspace: str, api: str, target: str) -> PolicyDelta:
        """Remove one entry from an API's access list (a customer becomes excluded)."""
        return self.apply(lambda d: d.remove_access(workspace, api, target))

    def revoke_all(self, workspace: str, api: str) -> PolicyDelta:
        """Revoke All Access to an API."""
        return self.apply(lambda d: d.revoke_all(workspace, api))


def _with_groups(d: Directory, subject: str, *, add: str | None = None,
                 drop: str | None = None) -> User | Customer:
    person = d.person(subject)
    groups = set(person.groups)
    if add is not None:
        d.group(person.workspace, add)
        groups.add(add)
    if drop is not None:
        if drop not in groups:
            raise NotFound(f"{subject} is not a member of group {drop!r}")
        groups.discard(drop)
    return attrs.evolve(person, groups=frozenset(groups))
