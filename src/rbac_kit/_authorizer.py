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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ._errors import Forbidden, InvalidInput
from .model._directory import Directory
from .policy._change import ChangeRecord, ChangeSink
from .policy._compiler import compile_directory, compile_owners
from .policy._explain import Explanation, explain
from .policy._index import DecisionIndex
from .policy._policy import Policy, PolicyDelta

__all__ = ["Authorizer", "Transaction"]

logger = logging.getLogger(__name__)


class Transaction:
    """One change in progress: see :meth:`Authorizer.transaction`.

    Inside the block, read and change :attr:`directory` and ask the
    authorizer's decisions (they answer as of before the change). After the
    block, :attr:`delta` and :attr:`revision` say what it did.
    """

    __slots__ = ("_authz", "_cancelled", "_extra", "action", "actor", "delta", "revision", "target")

    def __init__(self, authz: Authorizer, actor: str, action: str, target: str) -> None:
        self._authz = authz
        self.actor = actor
        self.action = action
        self.target = target
        self._extra: list[object] = []
        self._cancelled = False
        #: The policy lines the change removed and added (empty until it commits).
        self.delta = PolicyDelta(removed=frozenset(), added=frozenset())
        #: The revision the change committed at (until then, the one before it).
        self.revision = authz.revision

    @property
    def directory(self) -> Directory:
        """The directory this change applies to."""
        return self._authz.directory

    @property
    def authorizer(self) -> Authorizer:
        """The authorizer, for decisions about the state before the change."""
        return self._authz

    def write_along(self, extra: object) -> None:
        """Commit ``extra`` (a store's :class:`~rbac_kit.store.ExtraWrite`) with the change.

        A change that touches no policy owner but writes along is still one
        audited change at a revision of its own.
        """
        self._extra.append(extra)

    def cancel(self) -> None:
        """End the block without a change (allowed only before anything was changed or
        written along)."""
        self._cancelled = True


class Authorizer:
    """Answers decisions and applies changes incrementally.

    Args:
        directory: the entities to start from (empty by default).
        revision: the revision the starting state is at.
        sink: persists each change before the index sees it (a store; see
            :func:`rbac_kit.open_authorizer`). None keeps everything in memory.
    """

    def __init__(
        self,
        directory: Directory | None = None,
        *,
        revision: int = 0,
        sink: ChangeSink | None = None,
    ) -> None:
        self._directory = directory if directory is not None else Directory()
        self._policy = compile_directory(self._directory)
        self._index = DecisionIndex(self._policy.rules(), revision=revision)
        # Reentrant: a change (or its sink) may ask for an explanation.
        self._write = threading.RLock()
        self._sink = sink

    # -- the parts ---------------------------------------------------------

    @property
    def directory(self) -> Directory:
        """The entities (read them; change them in a :meth:`transaction`)."""
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
    def sink(self) -> ChangeSink | None:
        """Where changes are persisted (None: in memory only)."""
        return self._sink

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

    @contextmanager
    def reading(self) -> Iterator[Directory]:
        """The directory, with no change in flight while the block runs.

        For a read of several entities that must see one state (a view, an
        export): changes wait for the block; decisions do not.
        """
        with self._write:
            yield self._directory

    # -- changes ------------------------------------------------------------

    @contextmanager
    def transaction(
        self,
        *,
        actor: str = "system",
        action: str = "change",
        target: str = "",
        replaying: int | None = None,
    ) -> Iterator[Transaction]:
        """One change, made in the block and carried through to the index at its end.

        The one path every change takes, under the write lock::

            with authz.transaction(actor="user:olivia", action="add_user",
                                   target="user:ann") as tx:
                ...                         # checks, then tx.directory.put_person(...)
            tx.revision                     # the revision it committed at

        At the end of the block the owners the directory reports as touched
        are recompiled, the policy yields the delta, the sink (if any)
        persists it with ``actor``, ``action``, ``target`` and the writes
        added with :meth:`Transaction.write_along`, and the index applies it.
        If the block or the sink raises, the directory is rolled back and
        nothing has changed. ``replaying`` is for a follower bringing in a
        change the sink already holds at that revision.
        """
        with self._write:
            tx = Transaction(self, actor, action, target)
            with self._directory.changes() as touched:
                yield tx
                if tx._cancelled:
                    if touched or tx._extra:
                        raise InvalidInput(
                            "a transaction that changed something or wrote along cannot cancel"
                        )
                    return
                pieces = compile_owners(self._directory, touched)
                delta = self._policy.diff(pieces)
                revision = None
                if self._sink is not None:
                    record = ChangeRecord(
                        owners=frozenset(touched),
                        delta=delta,
                        actor=actor,
                        action=action,
                        target=target,
                        base=self._index.revision,
                        extra=tuple(tx._extra),
                        replayed=replaying,
                    )
                    revision = self._sink.persist(self._directory, record)
                elif tx._extra:
                    raise InvalidInput("writes along a change need an authorizer with a store")
            self._policy.update(pieces)
            self._index.apply(delta, revision=revision)
            tx.delta = delta
            tx.revision = self._index.revision
