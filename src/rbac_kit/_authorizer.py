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

from ._errors import Forbidden, InvalidInput, NotFound
from .model._directory import Directory, Owner
from .model._values import Api, Customer, Grant, Group, Role, Status, User, Workspace
from .policy._compiler import compile_directory, compile_owners
from .policy._explain import Explanation, explain
from .policy._index import DecisionIndex
from .policy._policy import Policy, PolicyDelta

__all__ = ["Authorizer", "ChangeRecord", "ChangeSink"]

logger = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class ChangeRecord:
    """One change on its way to the index: what it touched and who made it."""

    #: The policy owners (roles, subjects, groups, APIs) whose lines were recompiled;
    #: their entities are the rows a store rewrites.
    owners: frozenset[Owner]
    #: The policy lines removed and added.
    delta: PolicyDelta
    #: Who made the change (a subject name, or ``system``).
    actor: str
    #: What the change was, e.g. ``put_person`` or ``revoke_all``.
    action: str
    #: What it was made to, e.g. ``user:ann`` or ``acme/payments``.
    target: str


#: Called with each change, after the directory has applied it and before the
#: index sees it (a store writes its rows and commits there). Returns the
#: revision the change committed at (None: one more than the last). Raising
#: cancels the change and rolls the directory back.
ChangeSink = Callable[[Directory, ChangeRecord], "int | None"]


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
        # Reentrant: a change (or its sink) may ask for an explanation.
        self._write = threading.RLock()
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
        # Under the write lock: never a directory that a change in flight may still roll
        # back, and the revision stamped is the one the directory is at.
        with self._write:
            revision = self._index.revision
            return attrs.evolve(explain(self._directory, subject, action, obj), revision=revision)

    def apis_for(self, subject: str, action: str) -> set[str]:
        """Every object ``can(subject, action, ·)`` allows."""
        return self._index.apis_for(subject, action)

    def subjects_for(self, obj: str, action: str) -> set[str]:
        """Every subject ``can(·, action, obj)`` allows."""
        return self._index.subjects_for(obj, action)

    # -- changes ------------------------------------------------------------

    def apply(
        self,
        change: Callable[[Directory], set[Owner]],
        *,
        actor: str = "system",
        action: str = "change",
        target: str = "",
    ) -> PolicyDelta:
        """Run ``change`` on the directory and carry it through to the index.

        This is the one path every change takes; the named methods below call
        it. ``actor``, ``action`` and ``target`` describe the change to the sink
        (a store's audit log).
        """
        with self._write:
            with self._directory.atomic():
                owners = change(self._directory)
                pieces = compile_owners(self._directory, owners)
                delta = self._policy.diff(pieces)
                revision = None
                if self.sink is not None:
                    record = ChangeRecord(
                        owners=frozenset(owners),
                        delta=delta,
                        actor=actor,
                        action=action,
                        target=target,
                    )
                    revision = self.sink(self._directory, record)
            self._policy.update(pieces)
            self._index.apply(delta, revision=revision)
            return delta

    def add_workspace(self, workspace: Workspace, *, actor: str = "system") -> PolicyDelta:
        """Create a workspace with the five built-in roles."""
        return self.apply(
            lambda d: d.add_workspace(workspace),
            actor=actor,
            action="add_workspace",
            target=workspace.id,
        )

    def put_role(self, role: Role, *, actor: str = "system") -> PolicyDelta:
        """Create a custom role or edit one (never Owner)."""
        return self.apply(
            lambda d: d.put_role(role),
            actor=actor,
            action="put_role",
            target=f"{role.workspace}/role:{role.id}",
        )

    def remove_role(self, workspace: str, role: str, *, actor: str = "system") -> PolicyDelta:
        """Delete a custom role nobody holds."""
        return self.apply(
            lambda d: d.remove_role(workspace, role),
            actor=actor,
            action="remove_role",
            target=f"{workspace}/role:{role}",
        )

    def put_person(self, person: User | Customer, *, actor: str = "system") -> PolicyDelta:
        """Add a user or customer, or replace one (role, groups, status, Customer ID)."""
        return self.apply(
            lambda d: d.put_person(person), actor=actor, action="put_person", target=person.subject
        )

    def change_role(self, subject: str, role: str, *, actor: str = "system") -> PolicyDelta:
        """Give a user or customer another role."""
        return self.apply(
            lambda d: d.put_person(attrs.evolve(d.person(subject), role=role)),
            actor=actor,
            action="change_role",
            target=subject,
        )

    def set_status(self, subject: str, status: Status, *, actor: str = "system") -> PolicyDelta:
        """Disable or re-enable a user or customer."""
        return self.apply(
            lambda d: d.set_status(subject, status),
            actor=actor,
            action="set_status",
            target=subject,
        )

    def set_customer_id(
        self, subject: str, customer_id: str, *, actor: str = "system"
    ) -> PolicyDelta:
        """Edit a customer's Customer ID (its access moves with it)."""

        def change(d: Directory) -> set[Owner]:
            person = d.person(subject)
            if not isinstance(person, Customer):
                raise InvalidInput(
                    f"{subject} is not a customer; only customers have a Customer ID"
                )
            return d.put_person(attrs.evolve(person, customer_id=customer_id))

        return self.apply(change, actor=actor, action="set_customer_id", target=subject)

    def remove_person(self, subject: str, *, actor: str = "system") -> PolicyDelta:
        """Remove a user or customer with their grants."""
        return self.apply(
            lambda d: d.remove_person(subject), actor=actor, action="remove_person", target=subject
        )

    def add_member(self, subject: str, group: str, *, actor: str = "system") -> PolicyDelta:
        """Put a user or customer into a group."""
        return self.apply(
            lambda d: d.put_person(_with_groups(d, subject, add=group)),
            actor=actor,
            action="add_member",
            target=subject,
        )

    def remove_member(self, subject: str, group: str, *, actor: str = "system") -> PolicyDelta:
        """Take a user or customer out of a group."""
        return self.apply(
            lambda d: d.put_person(_with_groups(d, subject, drop=group)),
            actor=actor,
            action="remove_member",
            target=subject,
        )

    def put_group(self, group: Group, *, actor: str = "system") -> PolicyDelta:
        """Create or rename a group."""
        return self.apply(
            lambda d: d.put_group(group),
            actor=actor,
            action="put_group",
            target=f"{group.workspace}/group:{group.id}",
        )

    def remove_group(self, workspace: str, group: str, *, actor: str = "system") -> PolicyDelta:
        """Delete a group; members lose only the access that came through it."""
        return self.apply(
            lambda d: d.remove_group(workspace, group),
            actor=actor,
            action="remove_group",
            target=f"{workspace}/group:{group}",
        )

    def put_api(self, api: Api, *, actor: str = "system") -> PolicyDelta:
        """Register an API or edit it."""
        return self.apply(
            lambda d: d.put_api(api), actor=actor, action="put_api", target=api.object
        )

    def record_customer_ids(
        self, workspace: str, api: str, customer_ids: Iterable[str], *, actor: str = "system"
    ) -> PolicyDelta:
        """Record Customer IDs seen in an API's traffic (added to those already seen)."""
        # A lone string is one Customer ID, not a set of one-letter ones.
        seen = frozenset((customer_ids,) if isinstance(customer_ids, str) else customer_ids)

        def change(d: Directory) -> set[Owner]:
            current = d.api(workspace, api)
            return d.put_api(attrs.evolve(current, customer_ids=current.customer_ids | seen))

        return self.apply(
            change, actor=actor, action="record_customer_ids", target=f"{workspace}/{api}"
        )

    def remove_api(self, workspace: str, api: str, *, actor: str = "system") -> PolicyDelta:
        """Remove an API with its grants and exclusions."""
        return self.apply(
            lambda d: d.remove_api(workspace, api),
            actor=actor,
            action="remove_api",
            target=f"{workspace}/{api}",
        )

    def add_access(self, grant: Grant, *, actor: str = "system") -> PolicyDelta:
        """Add access to an API (for a customer, this lifts an exclusion)."""
        return self.apply(
            lambda d: d.add_access(grant),
            actor=actor,
            action="add_access",
            target=f"{grant.workspace}/{grant.api}",
        )

    def remove_access(
        self, workspace: str, api: str, target: str, *, actor: str = "system"
    ) -> PolicyDelta:
        """Remove one entry from an API's access list (a customer becomes excluded)."""
        return self.apply(
            lambda d: d.remove_access(workspace, api, target),
            actor=actor,
            action="remove_access",
            target=f"{workspace}/{api}",
        )

    def revoke_all(self, workspace: str, api: str, *, actor: str = "system") -> PolicyDelta:
        """Revoke All Access to an API."""
        return self.apply(
            lambda d: d.revoke_all(workspace, api),
            actor=actor,
            action="revoke_all",
            target=f"{workspace}/{api}",
        )


def _with_groups(
    d: Directory, subject: str, *, add: str | None = None, drop: str | None = None
) -> User | Customer:
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
