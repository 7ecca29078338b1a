"""Helpers for the store tests: comparing databases and directories, a scripted workload."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url

from rbac_kit import (
    API_ACTIONS,
    WORKSPACE_ACTIONS,
    Api,
    Authorizer,
    Customer,
    Directory,
    Grant,
    Group,
    RbacKitError,
    Role,
    Status,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.store import Base, Store

POSTGRES_ENV = "RBAC_KIT_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def postgres_url() -> str | None:
    """The PostgreSQL server the tests may use, or None."""
    return os.environ.get(POSTGRES_ENV) or None


class Databases:
    """Makes fresh, empty databases of one backend and removes them afterwards."""

    def __init__(self, backend: str, tmp_path: Any) -> None:
        self.backend = backend
        self._tmp = tmp_path
        self._schemas: list[str] = []

    def new_url(self) -> str:
        """The URL of a new, empty database."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            return f"sqlite:///{self._tmp / name}.db"
        base = postgres_url()
        assert base is not None
        admin = create_engine(base)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{name}"'))
        finally:
            admin.dispose()
        self._schemas.append(name)
        url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every schema made (PostgreSQL); SQLite files go with tmp_path."""
        if not self._schemas:
            return
        base = postgres_url()
        assert base is not None
        admin = create_engine(base)
        try:
            with admin.begin() as conn:
                for name in self._schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        finally:
            admin.dispose()


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (ids included), sorted: equal dumps mean equal databases."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for name, table in sorted(Base.metadata.tables.items()):
            rows = conn.execute(select(table)).all()
            result[name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not isinstance(v, set | dict) or v}
    if isinstance(value, set):
        return frozenset(value)
    return value


def directory_state(directory: Directory) -> dict[str, Any]:
    """Every workspace's entities and indexes, with empty index entries dropped.

    Grants compare with their times (``Grant`` equality ignores ``granted_at``).
    """
    state: dict[str, Any] = {}
    for data in directory.workspaces():
        fields = {name: _plain(value) for name, value in vars(data).items()}
        fields["grant_times"] = {k: g.granted_at for k, g in data.grants.items()}
        state[data.workspace.id] = fields
    return state


#: One change through the Authorizer: (name, function).
Step = tuple[str, Callable[[Authorizer], object]]

_ADMIN = (WORKSPACE_ACTIONS | API_ACTIONS) - {"delete_workspace", "manage_roles"}


def _user(ident: str, role: str, groups: frozenset[str] = frozenset(), ws: str = "acme") -> User:
    return User(
        workspace=ws,
        id=ident,
        email=f"{ident.title()}@Example.COM",
        name=ident.title(),
        role=role,
        groups=groups,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA" if ident == "ann" else None,
    )


#: Every kind of change, each valid after the ones before it.
STEPS: list[Step] = [
    ("add_workspace", lambda a: a.add_workspace(Workspace(id="acme", name="Acme"))),
    ("add_workspace", lambda a: a.add_workspace(Workspace(id="beta", name="Beta"))),
    (
        "put_role",
        lambda a: a.put_role(
            Role(
                workspace="acme",
                id="auditor",
                name="Auditor",
                permissions={"view_people", "view_api"},
                environments={"production"},
            )
        ),
    ),
    (
        "put_role",
        lambda a: a.put_role(
            Role(
                workspace="acme",
                id="auditor",
                name="Auditor",
                permissions={"view_people", "view_api", "view_requests"},
                environments={"production", "staging"},
                api_scope="all",
            )
        ),
    ),
    (
        "put_role",
        lambda a: a.put_role(
            Role(
                workspace="acme",
                id="administrator",
                name="Administrator",
                permissions=_ADMIN,
                api_scope="all",
                builtin=True,
            )
        ),
    ),
    ("put_group", lambda a: a.put_group(Group(workspace="acme", id="ops", name="Ops"))),
    ("put_group", lambda a: a.put_group(Group(workspace="acme", id="ops", name="Operations"))),
    ("put_group", lambda a: a.put_group(Group(workspace="acme", id="dev", name="Dev"))),
    ("put_api", lambda a: a.put_api(Api(workspace="acme", id="pay", name="Payments"))),
    (
        "put_api",
        lambda a: a.put_api(
            Api(
                workspace="acme",
                id="logs",
                name="Logs",
                environment="staging",
                category="observability",
            )
        ),
    ),
    ("put_person", lambda a: a.put_person(_user("ann", "member", frozenset({"ops"})))),
    ("put_person", lambda a: a.put_person(_user("bob", "auditor"))),
    (
        "put_person",
        lambda a: a.put_person(
            Customer(
                workspace="acme",
                id="c1",
                email="c1@client.io",
                customer_id="CID-1",
                groups={"dev"},
                name="Client One",
            )
        ),
    ),
    (
        "put_person",
        lambda a: a.put_person(
            Customer(workspace="acme", id="c2", email="c2@client.io", customer_id="Big Co, Inc.")
        ),
    ),
    ("add_member", lambda a: a.add_member("user:bob", "dev", actor="user:ann")),
    ("change_role", lambda a: a.change_role("user:ann", "administrator")),
    ("set_status", lambda a: a.set_status("user:bob", Status.DISABLED, actor="user:ann")),
    ("set_status", lambda a: a.set_status("user:bob", Status.ACTIVE, actor="user:ann")),
    ("set_customer_id", lambda a: a.set_customer_id("customer:c1", "CID-1b")),
    (
        "record_customer_ids",
        lambda a: a.record_customer_ids("acme", "pay", ["CID-1b", "Big Co, Inc."]),
    ),
    (
        "add_access",
        lambda a: a.add_access(
            Grant(workspace="acme", api="pay", target="user:bob", granted_by="user:ann"),
            actor="user:ann",
        ),
    ),
    ("add_access", lambda a: a.add_access(Grant(workspace="acme", api="logs", target="group:ops"))),
    (
        "add_access",
        lambda a: a.add_access(Grant(workspace="acme", api="logs", target="customer:c2")),
    ),
    ("remove_access", lambda a: a.remove_access("acme", "pay", "customer:c1")),
    ("remove_access", lambda a: a.remove_access("acme", "pay", "user:bob")),
    ("revoke_all", lambda a: a.revoke_all("acme", "logs")),
    ("revoke_all", lambda a: a.revoke_all("acme", "pay")),
    (
        "add_access",
        lambda a: a.add_access(Grant(workspace="acme", api="pay", target="customer:c1")),
    ),
    ("remove_member", lambda a: a.remove_member("customer:c1", "dev")),
    ("remove_group", lambda a: a.remove_group("acme", "dev")),
    ("remove_api", lambda a: a.remove_api("acme", "logs")),
    ("remove_person", lambda a: a.remove_person("customer:c2")),
    ("put_person", lambda a: a.put_person(_user("zed", "owner", ws="beta"))),
    ("change_role", lambda a: a.change_role("user:bob", "member")),
    ("remove_role", lambda a: a.remove_role("acme", "auditor")),
    ("put_api", lambda a: a.put_api(Api(workspace="acme", id="pay", name="Payments v2"))),
]


def run_steps(authz: Authorizer, steps: list[Step] = STEPS) -> None:
    """Apply ``steps`` in order."""
    for _, step in steps:
        step(authz)


def questions(authz: Authorizer) -> list[tuple[str, str, str]]:
    """Every (subject, action, object) question about the Authorizer's entities, and strangers."""
    subjects = {"user:nobody", "customer:nobody"}
    objects = {"nowhere", "acme/nothing"}
    for data in authz.directory.workspaces():
        ws = data.workspace.id
        objects.add(ws)
        objects |= {f"{ws}/{api}" for api in data.apis}
        for person in data.people():
            subjects.add(person.subject)
            if isinstance(person, Customer):
                subjects.add(customer_id_subject(person.customer_id))
    actions = sorted(WORKSPACE_ACTIONS | API_ACTIONS)
    return [(s, a, o) for s in sorted(subjects) for a in actions for o in sorted(objects)]


def decisions(authz: Authorizer) -> list[bool]:
    """The Authorizer's answer to every question of :func:`questions`."""
    return authz.can_many(questions(authz))


# -- generated workloads ---------------------------------------------------------

WORKSPACES = ("w1", "w2")
USERS = ("u0", "u1", "u2")
CUSTOMERS = ("c0", "c1")
GROUPS = ("g0", "g1")
APIS = ("a0", "a1")
CIDS = ("ACME", "acme", "Big Co, Inc.")
ROLES = ("owner", "administrator", "member", "customer", "no_access", "r0")
ACTIONS = sorted(WORKSPACE_ACTIONS | API_ACTIONS)
Change = Callable[[Authorizer], object]

workspaces = st.sampled_from(WORKSPACES)
subjects = st.sampled_from([f"user:{u}" for u in USERS] + [f"customer:{c}" for c in CUSTOMERS])
targets = st.one_of(subjects, st.sampled_from(GROUPS).map(lambda g: f"group:{g}"))
roles = st.sampled_from(ROLES)
group_sets = st.frozensets(st.sampled_from(GROUPS))

changes: st.SearchStrategy[Change] = st.one_of(
    st.builds(
        lambda ws, perms, envs, scope: (
            lambda a: a.put_role(
                Role(
                    workspace=ws,
                    id="r0",
                    name="R0",
                    permissions=perms,
                    environments=envs,
                    api_scope=scope,
                )
            )
        ),
        workspaces,
        st.frozensets(st.sampled_from(ACTIONS)),
        st.frozensets(st.sampled_from(("production", "staging", "development")), min_size=1),
        st.sampled_from(("all", "granted")),
    ),
    st.builds(
        lambda ws, g: lambda a: a.put_group(Group(workspace=ws, id=g, name=g.upper())),
        workspaces,
        st.sampled_from(GROUPS),
    ),
    st.builds(
        lambda ws, api, env, cids: (
            lambda a: a.put_api(
                Api(workspace=ws, id=api, name=api, environment=env, customer_ids=cids)
            )
        ),
        workspaces,
        st.sampled_from(APIS),
        st.sampled_from(("production", "staging", "development")),
        st.frozensets(st.sampled_from(CIDS)),
    ),
    st.builds(
        lambda ws, u, role, groups, status: (
            lambda a: a.put_person(
                User(
                    workspace=ws,
                    id=u,
                    email=f"{u}@x.io",
                    name=u,
                    role=role,
                    groups=groups,
                    status=status,
                )
            )
        ),
        workspaces,
        st.sampled_from(USERS),
        roles,
        group_sets,
        st.sampled_from(tuple(Status)),
    ),
    st.builds(
        lambda ws, c, cid, role, groups: (
            lambda a: a.put_person(
                Customer(
                    workspace=ws, id=c, email=f"{c}@x.io", customer_id=cid, role=role, groups=groups
                )
            )
        ),
        workspaces,
        st.sampled_from(CUSTOMERS),
        st.sampled_from(CIDS),
        roles,
        group_sets,
    ),
    st.builds(
        lambda ws, api, t: lambda a: a.add_access(Grant(workspace=ws, api=api, target=t)),
        workspaces,
        st.sampled_from(APIS),
        targets,
    ),
    st.builds(
        lambda ws, api, t: lambda a: a.remove_access(ws, api, t),
        workspaces,
        st.sampled_from(APIS),
        targets,
    ),
    st.builds(lambda ws, api: lambda a: a.revoke_all(ws, api), workspaces, st.sampled_from(APIS)),
)


def wipe(store: Store) -> None:
    """Delete every row of every table."""
    with store.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


def apply_script(authz: Authorizer, script: list[Change]) -> None:
    """Create the workspaces and apply a generated script, skipping changes that are invalid."""
    for ws in WORKSPACES:
        authz.add_workspace(Workspace(id=ws, name=ws.upper()))
    for change in script:
        # A generated change may be invalid in the state it meets; then it changes nothing.
        with contextlib.suppress(RbacKitError):
            change(authz)
