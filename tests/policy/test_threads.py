"""The index read from several threads while changes are applied (SPEC section 5).

A question must see the state before a change or after it, never a mix. Two
kinds of test: real threads (4 readers, 1 writer, bounded loops, no sleeps) and
deterministic probes that ask questions at every step inside the index's ``apply``.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Environment,
    Management,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.policy import DecisionIndex, PolicyDelta, Rule

CO = customer_id_subject("CO")
CHURN_APIS = ("c0", "c1", "c2")
ENVIRONMENTS = (Environment.PRODUCTION, Environment.STAGING, Environment.DEVELOPMENT)

#: (subject, action, object) -> the answer that no change of the writer may alter.
STABLE: dict[tuple[str, str, str], bool] = {
    ("user:ann", "view_api", "acme/pay"): True,  # direct grant
    ("user:ann", "view_people", "acme"): True,  # workspace-level
    ("user:bob", "edit_api", "acme/pay"): True,  # administrator: all APIs, all environments
    ("user:bob", "delete_workspace", "acme"): False,
    ("customer:co", "view_api", "acme/pay"): True,  # Customer ID seen on pay
    (CO, "view_requests", "acme/pay"): True,  # the same, asked by Customer ID
    ("user:dan", "view_api", "acme/pay"): False,  # member without access
    ("user:dan", "view_api", "acme/logs"): False,
    ("user:ann", "view_api", "acme/logs"): False,
    ("user:nobody", "view_api", "acme/pay"): False,
}
#: Who may use pay whatever the writer does, and who may come and go.
PAY_ALWAYS = {"user:ann", "user:bob", "user:olga", "customer:co"}
PAY_MAYBE = {"user:tog", *(f"user:x{n}" for n in range(3))}


def _add_user(admin: Management, uid: str, role: str = "member") -> User:
    return admin.people.add_user(
        SYSTEM, workspace="acme", id=uid, email=f"{uid}@acme.io", name=uid, role=role
    )


def _authz() -> Authorizer:
    """acme: pay (Customer ID CO seen), logs, churn APIs; group ``both`` granted pay and logs."""
    a = Authorizer()
    admin = Management(a)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="pay", customer_ids=["CO"])
    admin.apis.register(SYSTEM, workspace="acme", id="logs", name="Logs")
    for api in CHURN_APIS:
        admin.apis.register(SYSTEM, workspace="acme", id=api, name=api)
    admin.groups.create(SYSTEM, workspace="acme", id="both", name="Both")
    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["group:both"])
    admin.access.add(SYSTEM, workspace="acme", api="logs", targets=["group:both"])
    for uid, role in (("ann", "member"), ("bob", "administrator"), ("olga", "owner")):
        _add_user(admin, uid, role)
    _add_user(admin, "dan")
    _add_user(admin, "tog")
    admin.people.add_customer(SYSTEM, workspace="acme", id="co", email="co@co.io", customer_id="CO")
    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["user:ann"])
    return a


def _writer_steps(a: Authorizer, n: int) -> list[Callable[[], object]]:
    """Round ``n`` of changes that leave every STABLE answer alone.

    The toggled fact: user:tog joins or leaves group ``both`` (pay and logs at once).
    """
    admin = Management(a)
    people, groups, apis, access = admin.people, admin.groups, admin.apis, admin.access
    churn = CHURN_APIS[n % len(CHURN_APIS)]
    extra = f"user:x{n % 3}"
    toggle = groups.add_member if n % 2 == 0 else groups.remove_member
    steps: list[Callable[[], object]] = [
        lambda: toggle(SYSTEM, workspace="acme", group="both", subject="user:tog"),
        # Move pay between environments: every role asked about covers all of them.
        lambda: apis.edit(SYSTEM, workspace="acme", api="pay", environment=ENVIRONMENTS[n % 3]),
        lambda: apis.record_customer_ids(SYSTEM, workspace="acme", api=churn, customer_ids=["CO"]),
        # Excludes co from churn: co is flattened.
        lambda: access.revoke_all(SYSTEM, workspace="acme", api=churn),
        lambda: access.add(SYSTEM, workspace="acme", api=churn, targets=["customer:co"]),
        lambda: _add_user(admin, extra.removeprefix("user:")),
        lambda: groups.add_member(SYSTEM, workspace="acme", group="both", subject=extra),
        lambda: people.change_role(SYSTEM, workspace="acme", subject=extra, role="no_access"),
        lambda: people.remove(SYSTEM, workspace="acme", subject=extra),
        lambda: access.add(SYSTEM, workspace="acme", api=churn, targets=["user:dan"]),
        lambda: access.remove(SYSTEM, workspace="acme", api=churn, target="user:dan"),
    ]
    return steps


def _check(a: Authorizer) -> list[str]:
    """Ask every question once; return what was wrong (empty when all is well)."""
    wrong = [f"can{q} = {not expected}" for q, expected in STABLE.items() if a.can(*q) != expected]
    answers = a.can_many(list(STABLE))
    if answers != list(STABLE.values()):
        wrong.append(f"can_many = {answers}")
    tog = a.apis_for("user:tog", "view_api")
    if tog not in (set(), {"acme/pay", "acme/logs"}):
        wrong.append(f"apis_for(user:tog) = {tog}")
    ann = a.apis_for("user:ann", "view_api")
    if ann != {"acme/pay"}:
        wrong.append(f"apis_for(user:ann) = {ann}")
    pay = a.subjects_for("acme/pay", "view_api")
    if not PAY_ALWAYS <= pay <= PAY_ALWAYS | PAY_MAYBE:
        wrong.append(f"subjects_for(acme/pay) = {pay}")
    return wrong


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Make the interpreter switch threads very often, so short windows get hit."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("busy_switching")
def test_stable_answers_never_change_under_a_writer() -> None:
    """4 readers ask while a writer applies 200 rounds of unrelated changes and a toggle."""
    authz = _authz()
    assert [] == _check(authz)
    done = threading.Event()
    start = threading.Barrier(5)
    problems: list[str] = []
    rounds_read: list[int] = []
    rounds_written: list[int] = []  # a writer that raised would leave the readers idle

    def reader() -> None:
        start.wait()
        rounds = 0
        while not done.is_set():
            problems.extend(_check(authz))
            rounds += 1
        rounds_read.append(rounds)

    def writer() -> None:
        start.wait()
        try:
            for n in range(200):
                for step in _writer_steps(authz, n):
                    step()
                rounds_written.append(n)
        finally:
            done.set()

    threads = [threading.Thread(target=reader) for _ in range(4)]
    threads.append(threading.Thread(target=writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [] == problems[:5]
    assert (4, 200) == (len(rounds_read), len(rounds_written))
    assert [] == _check(authz)
    assert DecisionIndex(authz.policy.rules()).snapshot() == authz.index.snapshot()


# -- deterministic probes inside apply --------------------------------------------


def _probe(
    monkeypatch: pytest.MonkeyPatch, index: DecisionIndex, check: Callable[[], None]
) -> list[str]:
    """Run ``check`` after every line and every table rebuild inside ``index.apply``."""
    steps: list[str] = []
    line, rebuild_subject = index._line, index._rebuild_subject

    def probing_line(rule: Rule, sign: int, work: object) -> None:
        line(rule, sign, work)  # type: ignore[arg-type]
        steps.append(f"line {rule}")
        check()

    def probing_rebuild_subject(dom: str, sub: str) -> None:
        rebuild_subject(dom, sub)
        steps.append(f"rebuild {sub}")
        check()

    monkeypatch.setattr(index, "_line", probing_line)
    monkeypatch.setattr(index, "_rebuild_subject", probing_rebuild_subject)
    return steps


@pytest.mark.parametrize("round_", range(6))
def test_no_question_sees_a_half_applied_change(
    monkeypatch: pytest.MonkeyPatch, round_: int
) -> None:
    """At every step inside apply, each stable question still has its answer."""
    authz = _authz()
    for n in range(round_):
        for step in _writer_steps(authz, n):
            step()
    wrong: list[str] = []
    steps = _probe(monkeypatch, authz.index, lambda: wrong.extend(_check_can(authz)))
    for step in _writer_steps(authz, round_):
        step()
    assert [] == wrong
    assert steps  # the probes ran


def _check_can(a: Authorizer) -> list[str]:
    # Only can(): the list questions take the index's lock, which apply holds here.
    return [f"can{q}" for q, expected in STABLE.items() if a.index.can(*q) != expected]


def test_asking_by_customer_id_while_an_api_changes_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An API's only environment line is replaced; a question by Customer ID stays allowed.

    (A hand-built policy without ``env:all``, so the API has no environment for a moment
    inside apply.)
    """
    rules: list[Rule] = [
        ("p", "role:customer", "acme", "env:production", "view_api", "granted"),
        ("p", "role:customer", "acme", "env:staging", "view_api", "granted"),
        ("g", "customer:co", "role:customer", "acme"),
        ("g", "cid:CO", "customer:co", "acme"),
        ("g2", "cid:CO", "customer:co", "acme"),
        ("g2", "customer:co", "traffic:CO", "acme"),
        ("g2", "traffic:CO", "acme/pay", "acme"),
        ("g3", "acme/pay", "env:production", "acme"),
    ]
    index = DecisionIndex(rules)
    answers: list[bool] = []
    _probe(monkeypatch, index, lambda: answers.append(index.can("cid:CO", "view_api", "acme/pay")))
    index.apply(
        PolicyDelta(
            removed=frozenset({("g3", "acme/pay", "env:production", "acme")}),
            added=frozenset({("g3", "acme/pay", "env:staging", "acme")}),
        )
    )
    assert [True] * len(answers) == answers
    assert answers
