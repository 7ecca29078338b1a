"""The admin lists worked out in Python from a Directory: what ``Store.list`` must return.

Rows and counts come from the entities (the counts of an API from
``WorkspaceData.access``, the directory's own definition of access); search,
filters, sort and paging follow the rules written in ``store/_lists.py``,
with Python's code-point string order standing for SQLite's BINARY and
PostgreSQL's "C" collation. Also here: two workspaces to list, one written by
hand with text that trips up collations and case folding, one drawn from a
seeded random generator.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

from rbac_kit import SYSTEM, Authorizer, Customer, Management, RbacKitError, Status, User, Workspace
from rbac_kit.model import Directory
from rbac_kit.store import ListQuery

#: Searched columns of each kind.
SEARCHED = {
    "users": ("email", "name"),
    "customers": ("email", "customer_id"),
    "groups": ("name",),
    "roles": ("name",),
    "apis": ("name",),
}
#: Columns that sort case-insensitively (casefolded; ties go to the id).
FOLDED = frozenset({"email", "name", "customer_id"})

Row = dict[str, Any]


def _person_row(person: User | Customer, second: str) -> Row:
    row: Row = {"id": person.id, "email": person.email}
    row[second] = getattr(person, second)
    row.update(role=person.role, status=person.status.value, groups=len(person.groups))
    return row


def entries(directory: Directory, kind: str, ws: str) -> list[tuple[Row, Any]]:
    """Every (row, entity) of list ``kind`` of workspace ``ws``, in no order."""
    data = directory.workspace(ws)
    people = list(data.people())
    if kind == "users":
        return [(_person_row(u, "name"), u) for u in data.users.values()]
    if kind == "customers":
        return [(_person_row(c, "customer_id"), c) for c in data.customers.values()]
    if kind == "groups":
        return [
            (
                {
                    "id": g.id,
                    "name": g.name,
                    "members": sum(g.id in p.groups for p in people),
                    "apis": sum(t == f"group:{g.id}" for _, t in data.grants),
                },
                g,
            )
            for g in data.groups.values()
        ]
    if kind == "roles":
        return [
            (
                {
                    "id": r.id,
                    "name": r.name,
                    "builtin": r.builtin,
                    "api_scope": r.api_scope.value,
                    "environments": tuple(sorted(e.value for e in r.environments)),
                    "members": sum(p.role == r.id for p in people),
                },
                r,
            )
            for r in data.roles.values()
        ]
    assert kind == "apis"
    reach = {p.subject: data.access(p.subject) for p in people}
    return [
        (
            {
                "id": a.id,
                "name": a.name,
                "environment": a.environment.value,
                "category": a.category,
                "users": sum(a.id in reach[u.subject] for u in data.users.values()),
                "customers": sum(a.id in reach[c.subject] for c in data.customers.values()),
                "groups": sum(api == a.id and t.startswith("group:") for api, t in data.grants),
            },
            a,
        )
        for a in data.apis.values()
    ]


def _matches(kind: str, row: Row, entity: Any, query: ListQuery) -> bool:
    if query.search is not None:
        term = query.search.casefold()
        if not any(term in str(row[c]).casefold() for c in SEARCHED[kind]):
            return False
    for name, value in query.filters.items():
        found = value in entity.groups if name == "group" else row[name] == value
        if not found:
            return False
    return True


def sort_key(column: str, row: Row) -> tuple[Any, ...]:
    """The documented order: the column's key(s), then the id."""
    value = row[column]
    if column in FOLDED:
        key: tuple[Any, ...] = (value.casefold(),)
    elif column == "environments":
        key = ("".join(f"{e}," for e in value),)
    else:
        key = (value,)
    return key if column == "id" else (*key, row["id"])


def expected(directory: Directory, kind: str, ws: str, query: ListQuery) -> tuple[list[Row], int]:
    """The rows of the page ``query`` asks for, and the total matching."""
    rows = [row for row, e in entries(directory, kind, ws) if _matches(kind, row, e, query)]
    rows.sort(key=lambda r: sort_key(query.sort, r), reverse=query.descending)
    return rows[query.offset : query.offset + query.limit], len(rows)


def as_rows(rows: Iterable[Mapping[str, object]]) -> list[Row]:
    """Page rows as plain dicts, for comparing."""
    return [dict(r) for r in rows]


# -- workspaces to list ------------------------------------------------------------


def _user(ident: str, name: str, email: str, role: str = "member", **more: Any) -> User:
    return User(workspace="acme", id=ident, email=email, name=name, role=role, **more)


def _customer(ident: str, cid: str, email: str, **more: Any) -> Customer:
    return Customer(workspace="acme", id=ident, email=email, customer_id=cid, **more)


def add_person(admin: Management, person: User | Customer) -> None:
    """Add ``person`` as the system, then disable them if they are disabled."""
    common = {"workspace": person.workspace, "id": person.id, "email": person.email}
    common |= {"role": person.role, "groups": sorted(person.groups)}
    if isinstance(person, Customer):
        admin.people.add_customer(
            SYSTEM, customer_id=person.customer_id, name=person.name, **common
        )
    else:
        admin.people.add_user(SYSTEM, name=person.name, **common)
    if person.status is Status.DISABLED:
        admin.people.disable(SYSTEM, workspace=person.workspace, subject=person.subject)


def add_api(
    admin: Management, ident: str, name: str, environment: str, category: str, cids: set[str]
) -> None:
    """Register API ``ident`` of acme as the system and record ``cids`` in its traffic."""
    admin.apis.register(
        SYSTEM, workspace="acme", id=ident, name=name, environment=environment, category=category
    )
    if cids:
        admin.apis.record_customer_ids(
            SYSTEM, workspace="acme", api=ident, customer_ids=sorted(cids)
        )


def _create(admin: Management, ws: str) -> None:
    admin.workspaces.create(SYSTEM, workspace=Workspace(id=ws, name=ws.title()), owner=None)


def populate(authz: Authorizer) -> None:
    """Workspace ``acme``: names in several scripts and cases, ``%`` and ``_`` in text.

    A second workspace holds look-alikes that no list of ``acme`` may show.
    """
    admin = Management(authz)
    for ws in ("acme", "other"):
        _create(admin, ws)
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="auditor",
        name="Auditor",
        permissions={"view_api", "view_people"},
        environments={"production", "staging"},
    )
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="dev_all",
        name="développeur",
        permissions={"view_api", "edit_api"},
        environments={"development"},
        api_scope="all",
    )
    for ident, name in [
        ("ops", "Ops"),
        ("dev", "dev"),
        ("emigres", "Émigrés"),
        ("pct", "100% Club"),
        ("snake", "snake_case"),
        ("Zulu", "ZULU"),
    ]:
        admin.groups.create(SYSTEM, workspace="acme", id=ident, name=name)
    for ident, name, env, category, cids in [
        ("pay", "Payments", "production", "finance", {"ACME", "Big Co, Inc."}),
        ("logs", "logs", "staging", "observability", {"acme"}),
        ("search", "Search_v2", "development", "core", set()),
        ("ledger", "Ledger 100%", "production", "finance", {"ACME", "x_1%", "École 42"}),
        ("zeta", "Zeta", "staging", "Core", {"ghost"}),
        ("empty", "Ünused", "production", "finance", set()),
    ]:
        add_api(admin, ident, name, env, category, cids)
    people: list[User | Customer] = [
        _user("ann", "Ann", "Ann@Example.com", role="owner", groups={"ops", "dev"}),
        _user("bob", "bob", "bob@example.com", role="auditor", groups={"ops"}),
        _user("emile", "Émile Zola", "emile@example.com", groups={"emigres", "pct"}),
        _user("zoe", "ZOË", "Zoe@example.com", role="dev_all", groups={"Zulu"}),
        _user("strasse", "Straße", "strasse@example.com", groups={"snake"}),
        _user("under", "Under_Score", "under_score@example.com", status=Status.DISABLED),
        _user("pct", "Hundred %", "hundred@example.com", groups={"pct", "ops"}),
        _user("B1", "ann", "ann.b@example.com", role="administrator"),
        _customer("c1", "ACME", "buyer@acme.io", groups={"ops"}, name="Acme buyer"),
        _customer("c2", "acme", "Orders@acme.io", status=Status.DISABLED),
        _customer("c3", "Big Co, Inc.", "it@bigco.example", groups={"dev"}),
        _customer("c4", "École 42", "admin@ecole.example", role="no_access"),
        _customer("c5", "x_1%", "x@under.example", groups={"snake", "pct"}),
        _customer("c6", "STRASSE-1", "c6@example.com"),
        User(workspace="other", id="o1", email="ann@example.com", name="Ann", role="member"),
    ]
    for person in people:
        add_person(admin, person)
    for api, target in [
        ("pay", "user:bob"),
        ("pay", "group:ops"),
        ("logs", "group:ops"),
        ("logs", "user:ann"),
        ("search", "group:pct"),
        ("search", "customer:c6"),
        ("ledger", "group:dev"),
        ("ledger", "user:emile"),
        ("zeta", "group:snake"),
        ("zeta", "customer:c3"),
    ]:
        admin.access.add(SYSTEM, workspace="acme", api=api, targets=[target])
    # An exclusion from a Customer ID match, and one from a group grant.
    admin.access.remove(SYSTEM, workspace="acme", api="pay", target="customer:c1")
    admin.access.remove(SYSTEM, workspace="acme", api="search", target="customer:c5")
    admin.access.revoke_all(SYSTEM, workspace="acme", api="zeta")


def random_workspace(authz: Authorizer, seed: int, size: int = 30) -> None:
    """Workspace ``acme`` drawn from ``seed``: ``size`` users and customers, and their access.

    Every kind of path and exclusion occurs: direct grants, group grants,
    Customer IDs recorded on APIs (some held by nobody), access-list removals
    and Revoke All Access. Changes the directory refuses (a grant already
    there, a removal with nothing to remove) are skipped.
    """
    rng = random.Random(seed)
    admin = Management(authz)
    _create(admin, "acme")
    groups = [f"g{i}" for i in range(max(2, size // 5))]
    apis = [f"a{i}" for i in range(max(2, size // 3))]
    cids = [f"CID-{i}" for i in range(size)]
    for g in groups:
        admin.groups.create(SYSTEM, workspace="acme", id=g, name=g.upper())
    for a in apis:
        name = f"API {rng.randrange(100)}"
        environment = rng.choice(("production", "staging", "development"))
        add_api(admin, a, name, environment, "general", set(rng.sample(cids, rng.randint(0, 4))))
    subjects: list[str] = []
    for i in range(size):
        member_of = set(rng.sample(groups, rng.randint(0, 2)))
        status = rng.choice((Status.ACTIVE, Status.ACTIVE, Status.DISABLED))
        person: User | Customer
        if rng.random() < 0.5:
            person = _user(f"u{i}", f"User {rng.randrange(9)}", f"u{i}@x.io", groups=member_of)
        else:
            person = _customer(f"c{i}", cids[i], f"c{i}@x.io", groups=member_of, status=status)
        add_person(admin, person)
        subjects.append(person.subject)
    targets = subjects + [f"group:{g}" for g in groups]

    def grant() -> None:
        api, target = rng.choice(apis), rng.choice(targets)
        with contextlib.suppress(RbacKitError):  # a grant already there
            admin.access.add(SYSTEM, workspace="acme", api=api, targets=[target])

    for _ in range(size * 2):
        grant()
    for _ in range(size // 3):
        api, target = rng.choice(apis), rng.choice(targets)
        # A drawn target may have nothing to remove on the drawn API.
        with contextlib.suppress(RbacKitError):
            admin.access.remove(SYSTEM, workspace="acme", api=api, target=target)
    admin.access.revoke_all(SYSTEM, workspace="acme", api=rng.choice(apis))
    for _ in range(size // 5):
        grant()
