"""A deterministic, realistic store for benchmarks: one large workspace and a small neighbour.

:func:`build` fills a :class:`rbac_kit.model._directory.Directory` directly (no
facade, no store), so building 100k people takes seconds. Everything comes
from one seeded :class:`random.Random` and every choice out of a set is made
on a sorted list, so the same sizes and seed give the same store and the same
questions in every process, whatever ``PYTHONHASHSEED`` is.

The shape (per :class:`Sizes`):

- people: 60% users, 40% customers; about 3% disabled;
- users: 0.2% Owner, 1% Administrator, 2% ``prod-operator`` (a custom role
  reaching *all* production APIs), 5% ``preprod-engineer`` (custom, staging
  and development only, granted APIs only), 2% No Access, the rest Member;
  each in 0 to 3 groups; 30% hold 1 to 5 direct grants;
- customers: role Customer (1% No Access); a Customer ID recorded on 1 to 3
  APIs (every 50th has spaces and a slash, so its ``cid:`` name is
  percent-encoded); 10% in one group; 10% hold 1 or 2 direct grants;
- groups: each granted 1 to 20 APIs;
- APIs: 60% production, 25% staging, 15% development;
- exclusions: 1% of customers removed from one API they reach, and Revoke
  All Access on 0.05% of the APIs.

:func:`make_questions` draws ``(subject, action, object)`` questions with a
kind label, about half of them allowed; :func:`expected_answers` decides them
with :func:`rbac_kit.policy._explain.explain` (the rules worked out on the entities,
independent of the compiler and the index).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from rbac_kit import customer_id_subject
from rbac_kit.model._catalog import WORKSPACE_ACTIONS, Permission
from rbac_kit.model._directory import Directory
from rbac_kit.model._values import (
    Api,
    ApiScope,
    Customer,
    Environment,
    Grant,
    Group,
    Role,
    Status,
    User,
    Workspace,
)
from rbac_kit.policy._explain import explain

__all__ = [
    "KINDS",
    "MAIN",
    "NEIGHBOUR",
    "Question",
    "Sizes",
    "Workload",
    "build",
    "expected_answers",
    "make_questions",
]

MAIN = "bench"
NEIGHBOUR = "neighbour"

#: Question kinds, in the order reports list them, with their share of questions.
KINDS: dict[str, float] = {
    "user/api": 0.45,
    "user/workspace": 0.10,
    "customer/api": 0.25,
    "cid/api": 0.10,
    "unknown": 0.05,
    "other-workspace": 0.05,
}

#: Gateway traffic mostly reads: API actions and workspace actions with their weights.
_API_ACTIONS = (
    (Permission.VIEW_API.value, 50),
    (Permission.VIEW_REQUESTS.value, 30),
    (Permission.EDIT_API.value, 15),
    (Permission.DELETE_API.value, 5),
)
_WS_ACTIONS = tuple(
    (a, 16 if a == Permission.VIEW_PEOPLE.value else 1) for a in sorted(WORKSPACE_ACTIONS)
)
_USER_ROLES = (
    ("owner", 0.002),
    ("administrator", 0.01),
    ("prod-operator", 0.02),
    ("preprod-engineer", 0.05),
    ("no_access", 0.02),
)
#: Staging and development shares; the rest is production.
_ENVIRONMENTS = ((Environment.STAGING.value, 0.25), (Environment.DEVELOPMENT.value, 0.15))


@dataclass(frozen=True)
class Sizes:
    """How large the main workspace is."""

    people: int
    groups: int
    apis: int

    @classmethod
    def scaled(cls, people: int) -> Sizes:
        """The issue's proportions (100k people : 2k groups : 10k APIs) at ``people``."""
        return cls(people=people, groups=max(5, people // 50), apis=max(10, people // 10))

    def __str__(self) -> str:
        return f"{self.people:,} people, {self.groups:,} groups, {self.apis:,} APIs"


class Question(NamedTuple):
    """One question for ``can``, with the kind it was drawn as."""

    subject: str
    action: str
    obj: str
    kind: str


@dataclass
class Workload:
    """A filled directory and the names questions are drawn from."""

    directory: Directory
    sizes: Sizes
    users: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    #: Raw Customer ID of each customer, aligned with :attr:`customers`.
    customer_ids: list[str] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)
    neighbour_people: list[str] = field(default_factory=list)
    neighbour_apis: list[str] = field(default_factory=list)

    def access(self, subject: str) -> list[str]:
        """The API objects of the main workspace ``subject`` reaches, sorted."""
        data = self.directory.workspace(MAIN)
        return sorted(f"{MAIN}/{api}" for api in data.access(subject))


def _weighted(rng: random.Random, choices: Sequence[tuple[str, float]], rest: str) -> str:
    draw = rng.random()
    for value, share in choices:
        if draw < share:
            return value
        draw -= share
    return rest


def _custom_roles(ws: str) -> list[Role]:
    return [
        Role(
            workspace=ws,
            id="prod-operator",
            name="Production operator",
            permissions={
                Permission.VIEW_PEOPLE,
                Permission.VIEW_API,
                Permission.VIEW_REQUESTS,
                Permission.EDIT_API,
            },
            environments={Environment.PRODUCTION},
            api_scope=ApiScope.ALL,
        ),
        Role(
            workspace=ws,
            id="preprod-engineer",
            name="Pre-production engineer",
            permissions={
                Permission.VIEW_PEOPLE,
                Permission.CREATE_API,
                Permission.VIEW_API,
                Permission.VIEW_REQUESTS,
                Permission.EDIT_API,
                Permission.DELETE_API,
            },
            environments={Environment.STAGING, Environment.DEVELOPMENT},
            api_scope=ApiScope.GRANTED,
        ),
    ]


def _customer_id(i: int) -> str:
    # Every 50th Customer ID needs percent-encoding in its cid: name.
    return f"Org {i}/eu" if i % 50 == 0 else f"CUST-{i:06d}"


def build(sizes: Sizes, seed: int = 2024) -> Workload:
    """Fill a directory with the main workspace at ``sizes`` and a small neighbour."""
    rng = random.Random(seed)
    directory = Directory()
    work = Workload(directory=directory, sizes=sizes)
    _fill(work, MAIN, sizes, rng)
    _fill(work, NEIGHBOUR, Sizes(people=60, groups=3, apis=10), rng)
    return work


def _fill(work: Workload, ws: str, sizes: Sizes, rng: random.Random) -> None:
    d = work.directory
    # Subject names are unique across workspaces: the neighbour's ids carry a prefix.
    pre = "" if ws == MAIN else f"{ws}-"
    d.add_workspace(Workspace(id=ws, name=f"Workspace {ws}"))
    for role in _custom_roles(ws):
        d.put_role(role)
    groups = [f"g{i}" for i in range(sizes.groups)]
    for i, group in enumerate(groups):
        d.put_group(Group(workspace=ws, id=group, name=f"Group {i}"))
    n_customers = sizes.people * 2 // 5
    n_users = sizes.people - n_customers
    cids = [_customer_id(i) for i in range(n_customers)]
    # Each Customer ID is seen on 1 to 3 APIs.
    api_cids: list[set[str]] = [set() for _ in range(sizes.apis)]
    for cid in cids:
        for a in rng.sample(range(sizes.apis), min(sizes.apis, rng.randint(1, 3))):
            api_cids[a].add(cid)
    apis = [f"api-{i}" for i in range(sizes.apis)]
    for api, seen in zip(apis, api_cids, strict=True):
        env = _weighted(rng, _ENVIRONMENTS, Environment.PRODUCTION.value)
        d.put_api(
            Api(
                workspace=ws,
                id=api,
                name=f"API {api}",
                environment=env,
                category=rng.choice(("payments", "search", "users", "reports")),
                customer_ids=frozenset(seen),
            )
        )
    subjects: list[str] = []
    for i in range(n_users):
        user = User(
            workspace=ws,
            id=f"{pre}u{i}",
            email=f"user{i}@{ws}.example",
            name=f"User {i}",
            role=_weighted(rng, _USER_ROLES, "member"),
            groups=frozenset(rng.sample(groups, min(len(groups), rng.randint(0, 3)))),
            status=Status.DISABLED if rng.random() < 0.03 else Status.ACTIVE,
        )
        d.put_person(user)
        subjects.append(user.subject)
    customers: list[str] = []
    for i, cid in enumerate(cids):
        customer = Customer(
            workspace=ws,
            id=f"{pre}c{i}",
            email=f"customer{i}@{ws}-clients.example",
            customer_id=cid,
            role="no_access" if rng.random() < 0.01 else "customer",
            groups=frozenset([rng.choice(groups)]) if rng.random() < 0.1 else frozenset(),
            status=Status.DISABLED if rng.random() < 0.03 else Status.ACTIVE,
        )
        d.put_person(customer)
        customers.append(customer.subject)
    for group in groups:
        for api in rng.sample(apis, min(len(apis), rng.randint(1, 20))):
            d.add_access(Grant(workspace=ws, api=api, target=f"group:{group}"))
    for subject in subjects:
        if rng.random() < 0.3:
            for api in rng.sample(apis, min(len(apis), rng.randint(1, 5))):
                d.add_access(Grant(workspace=ws, api=api, target=subject))
    for subject in customers:
        if rng.random() < 0.1:
            for api in rng.sample(apis, min(len(apis), rng.randint(1, 2))):
                d.add_access(Grant(workspace=ws, api=api, target=subject))
    data = d.workspace(ws)
    for subject in customers:
        if rng.random() < 0.01:
            reach = sorted(data.access(subject))
            if reach:
                d.remove_access(ws, rng.choice(reach), subject)
    for api in rng.sample(apis, max(1, sizes.apis // 2000)):
        d.revoke_all(ws, api)
    objects = [f"{ws}/{api}" for api in apis]
    if ws == MAIN:
        work.users, work.customers, work.customer_ids, work.apis = (
            subjects,
            customers,
            cids,
            objects,
        )
    else:
        work.neighbour_people, work.neighbour_apis = subjects + customers, objects


def make_questions(work: Workload, count: int, seed: int = 7) -> list[Question]:
    """``count`` questions over the main workspace, in a fixed shuffled order."""
    rng = random.Random(seed)
    kinds, shares = list(KINDS), list(KINDS.values())
    api_actions, api_weights = [a for a, _ in _API_ACTIONS], [w for _, w in _API_ACTIONS]
    ws_actions, ws_weights = [a for a, _ in _WS_ACTIONS], [w for _, w in _WS_ACTIONS]
    access_cache: dict[str, list[str]] = {}

    def reach(subject: str) -> list[str]:
        found = access_cache.get(subject)
        if found is None:
            found = access_cache[subject] = work.access(subject)
        return found

    def api_for(subject: str) -> str:
        # Mostly an API the subject reaches (allowed unless the role says no), else any API.
        known = reach(subject)
        if known and rng.random() < 0.7:
            return rng.choice(known)
        return rng.choice(work.apis)

    questions: list[Question] = []
    for kind in rng.choices(kinds, weights=shares, k=count):
        action = rng.choices(api_actions, weights=api_weights)[0]
        if kind == "user/api":
            subject = rng.choice(work.users)
            obj = api_for(subject)
        elif kind == "user/workspace":
            subject, action, obj = (
                rng.choice(work.users),
                rng.choices(ws_actions, weights=ws_weights)[0],
                MAIN,
            )
        elif kind == "customer/api":
            subject = rng.choice(work.customers)
            obj = api_for(subject)
        elif kind == "cid/api":
            i = rng.randrange(len(work.customers))
            obj = api_for(work.customers[i])
            subject = customer_id_subject(work.customer_ids[i])
        elif kind == "unknown":
            if rng.random() < 0.5:
                subject, obj = f"user:ghost-{rng.randrange(10**6)}", rng.choice(work.apis)
            else:
                subject, obj = rng.choice(work.users), f"{MAIN}/no-such-api"
        else:
            subject, obj = rng.choice(work.neighbour_people), rng.choice(work.apis)
        questions.append(Question(subject, action, obj, kind))
    return questions


def expected_answers(work: Workload, questions: Sequence[Question]) -> list[bool]:
    """Each question decided from the entities by :func:`rbac_kit.policy._explain.explain`."""
    d = work.directory
    return [explain(d, q.subject, q.action, q.obj).allowed for q in questions]
