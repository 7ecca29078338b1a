"""Failures change nothing: a database fault mid-change, and bad input, leave every layer as it was.

A fault is injected at each statement of a change's transaction in turn (and
at its commit) until the change gets through: after each failed attempt the
database rows (``casbin_rule`` included), the directory, the policy, the
decision index and every decision are exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Conflict,
    Grant,
    InvalidInput,
    Management,
    NotFound,
    RbacKitError,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import Store

from .helpers import STEPS, decisions, directory_state, dump, run_steps


class InjectedFault(Exception):
    """The database failing on purpose."""


class Faults:
    """Raises :class:`InjectedFault` at the n-th statement (or commit) once armed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.armed_at: int | None = None
        self.seen = 0
        self.fired = False
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def arm(self, at: int) -> None:
        """Fail at the ``at``-th statement or commit from now."""
        self.armed_at, self.seen, self.fired = at, 0, False

    def disarm(self) -> None:
        """Stop failing."""
        self.armed_at = None

    def remove(self) -> None:
        """Stop listening to the engine."""
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)

    def _step(self, what: str) -> None:
        if self.armed_at is None:
            return
        self.seen += 1
        if self.seen == self.armed_at:
            self.fired = True
            raise InjectedFault(f"fault at step {self.seen}: {what[:60]}")

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self._step(statement)

    def _commit(self, _conn: Any) -> None:
        self._step("COMMIT")


@pytest.fixture
def faults(store: Store) -> Iterator[Faults]:
    """Fault injection on the store's engine."""
    injected = Faults(store.engine)
    yield injected
    injected.remove()


def snapshot(store: Store, authz: Authorizer) -> dict[str, Any]:
    """Everything a failed change must leave alone."""
    return {
        "rows": dump(store),
        "directory": directory_state(authz.directory),
        "policy": authz.policy.to_csv(),
        "index": authz.index.snapshot(),
        "decisions": decisions(authz),
        "revision": authz.revision,
    }


def _first_of_each_action() -> list[int]:
    seen: dict[str, int] = {}
    for i, (name, _) in enumerate(STEPS):
        seen.setdefault(name, i)
    return sorted(seen.values())


@pytest.mark.parametrize("index", _first_of_each_action(), ids=lambda i: STEPS[i][0])
def test_fault_at_any_statement_changes_nothing(
    store: Store, authz: Authorizer, faults: Faults, index: int
) -> None:
    """A change failing at any statement of its transaction leaves everything as it was."""
    run_steps(authz, STEPS[:index])
    before = snapshot(store, authz)
    _, change = STEPS[index]
    attempt = 0
    while True:
        attempt += 1
        faults.arm(attempt)
        try:
            change(authz)
        except InjectedFault:
            faults.disarm()
            assert before == snapshot(store, authz), f"after a fault at step {attempt}"
            continue
        faults.disarm()
        break
    assert not faults.fired
    assert attempt > 4  # the change wrote several statements, each one failed once
    assert before["revision"] + 1 == authz.revision
    assert sorted(authz.policy.rules()) == store.rules()


def test_after_faults_the_store_reloads_to_the_same_state(
    url: str, store: Store, authz: Authorizer, faults: Faults
) -> None:
    """Failed attempts leave no trace: the reloaded state equals the live one."""
    run_steps(authz, STEPS[:20])
    faults.arm(6)
    with pytest.raises(InjectedFault):
        Management(authz).access.revoke_all(SYSTEM, workspace="acme", api="pay")
    faults.disarm()
    Management(authz).access.revoke_all(SYSTEM, workspace="acme", api="pay")
    with Store.open(url) as again:
        reloaded = open_authorizer(again)
        assert directory_state(authz.directory) == directory_state(reloaded.directory)
        assert decisions(authz) == decisions(reloaded)


def _grant_by_nobody(authz: Authorizer) -> None:
    """A grant the directory takes but the store refuses (no granter): the sink raises."""
    with authz.transaction(action="add_access", target="acme/pay") as tx:
        tx.directory.add_access(
            Grant(workspace="acme", api="pay", target="user:bob", granted_by=None)  # type: ignore[arg-type]
        )


def _admin(authz: Authorizer) -> Management:
    return Management(authz)


#: Bad changes, each with the error it must raise, against the state after all STEPS.
BAD: list[tuple[str, Callable[[Authorizer], object], type[RbacKitError]]] = [
    (
        "unknown person",
        lambda a: _admin(a).people.remove(SYSTEM, workspace="acme", subject="user:nobody"),
        NotFound,
    ),
    (
        "unknown group",
        lambda a: _admin(a).groups.add_member(
            SYSTEM, workspace="acme", group="nogroup", subject="user:ann"
        ),
        NotFound,
    ),
    (
        "unknown api",
        lambda a: _admin(a).apis.remove(SYSTEM, workspace="acme", api="nope"),
        NotFound,
    ),
    (
        "grant on unknown api",
        lambda a: _admin(a).access.add(SYSTEM, workspace="acme", api="nope", targets="user:ann"),
        NotFound,
    ),
    (
        "unknown workspace",
        lambda a: _admin(a).access.revoke_all(SYSTEM, workspace="nowhere", api="pay"),
        NotFound,
    ),
    (
        "duplicate workspace",
        lambda a: _admin(a).workspaces.create(
            SYSTEM, workspace=Workspace(id="acme", name="A"), owner=None
        ),
        Conflict,
    ),
    (
        "duplicate email",
        lambda a: _admin(a).people.add_user(
            SYSTEM, workspace="acme", id="new", email="ann@example.com", name="N"
        ),
        Conflict,
    ),
    (
        "duplicate group name",
        lambda a: _admin(a).groups.create(SYSTEM, workspace="acme", id="ops2", name="OPERATIONS"),
        Conflict,
    ),
    (
        "duplicate Customer ID",
        lambda a: _admin(a).people.add_customer(
            SYSTEM, workspace="acme", id="c9", email="c9@x.io", customer_id="CID-1b"
        ),
        Conflict,
    ),
    (
        "subject in another workspace",
        lambda a: _admin(a).people.add_user(
            SYSTEM, workspace="beta", id="ann", email="ann@beta.io", name="Ann"
        ),
        Conflict,
    ),
    (
        "duplicate grant",
        lambda a: _admin(a).access.add(SYSTEM, workspace="acme", api="pay", targets="customer:c1"),
        Conflict,
    ),
    (
        "last active Owner",
        lambda a: _admin(a).people.disable(SYSTEM, workspace="beta", subject="user:zed"),
        Conflict,
    ),
    (
        "Customer ID with spaces",
        lambda a: _admin(a).people.set_customer_id(
            SYSTEM, workspace="acme", subject="customer:c1", customer_id=" CID-1"
        ),
        InvalidInput,
    ),
    (
        "Customer ID with control",
        lambda a: _admin(a).apis.record_customer_ids(
            SYSTEM, workspace="acme", api="pay", customer_ids=["a\x00b"]
        ),
        InvalidInput,
    ),
    (
        "role in use",
        lambda a: _admin(a).roles.delete(SYSTEM, workspace="acme", role="member"),
        Conflict,
    ),
    ("grant by nobody", _grant_by_nobody, InvalidInput),
]


@pytest.mark.parametrize(
    ("change", "error"), [(c, e) for _, c, e in BAD], ids=[n for n, _, _ in BAD]
)
def test_bad_input_raises_and_changes_nothing(
    store: Store,
    authz: Authorizer,
    change: Callable[[Authorizer], object],
    error: type[RbacKitError],
) -> None:
    """Unknown ids, duplicates and invalid values raise the library's error; nothing changes."""
    run_steps(authz)
    before = snapshot(store, authz)
    with pytest.raises(error):
        change(authz)
    assert before == snapshot(store, authz)
