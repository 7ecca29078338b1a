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
    SYSTEM,
    Authorizer,
    Customer,
    Management,
    RbacKitError,
    Status,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS, Directory
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


#: One change through the Authorizer: (the action its audit event names, function).
Step = tuple[str, Callable[[Authorizer], object]]

_ADMIN = (WORKSPACE_ACTIONS | API_ACTIONS) - {"delete_workspace", "manage_roles"}
_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def _user(ident: str, role: str, groups: frozenset[str] = frozenset(), ws: str = "acme") -> Step:
    """Add user ``ident`` (as the system); Ann gets a password hash."""
    return (
        "add_user",
        lambda a: Management(a).people.add_user(
            SYSTEM,
            workspace=ws,
            id=ident,
            email=f"{ident.title()}@Example.COM",
            name=ident.title(),
            role=role,
            groups=sorted(groups),
            password_hash=_HASH if ident == "ann" else None,
        ),
    )


#: Every kind of change, each valid after the ones before it: every entity created,
#: edited and removed, grants, exclusions, Revoke All, Customer ID moves, status,
#: a group deleted with members and grants, a second workspace; made by the system
#: and (once Ann is an Administrator) by Ann.
STEPS: list[Step] = [
    (
        "create_workspace",
        lambda a: Management(a).workspaces.create(
            SYSTEM,
            workspace=Workspace(id="acme", name="Acme"),
            owner=User(
                workspace="acme", id="root", email="root@acme.io", name="Root", role="owner"
            ),
        ),
    ),
    (
        "create_workspace",
        lambda a: Management(a).workspaces.create(
            SYSTEM, workspace=Workspace(id="beta", name="Beta"), owner=None
        ),
    ),
    (
        "create_role",
        lambda a: Management(a).roles.create(
            SYSTEM,
            workspace="acme",
            id="auditor",
            name="Auditor",
            permissions={"view_people", "view_api"},
            environments={"production"},
        ),
    ),
    (
        "edit_role",
        lambda a: Management(a).roles.edit(
            SYSTEM,
            workspace="acme",
            role="auditor",
            permissions={"view_people", "view_api", "view_requests"},
            environments={"production", "staging"},
            api_scope="all",
        ),
    ),
    (
        "edit_role",
        lambda a: Management(a).roles.edit(
            SYSTEM, workspace="acme", role="administrator", permissions=_ADMIN, api_scope="all"
        ),
    ),
    (
        "create_group",
        lambda a: Management(a).groups.create(SYSTEM, workspace="acme", id="ops", name="Ops"),
    ),
    (
        "rename_group",
        lambda a: Management(a).groups.rename(
            SYSTEM, workspace="acme", group="ops", name="Operations"
        ),
    ),
    (
        "create_group",
        lambda a: Management(a).groups.create(SYSTEM, workspace="acme", id="dev", name="Dev"),
    ),
    (
        "register_api",
        lambda a: Management(a).apis.register(SYSTEM, workspace="acme", id="pay", name="Payments"),
    ),
    (
        "register_api",
        lambda a: Management(a).apis.register(
            SYSTEM,
            workspace="acme",
            id="logs",
            name="Logs",
            environment="staging",
            category="observability",
        ),
    ),
    _user("ann", "member", frozenset({"ops"})),
    _user("bob", "auditor"),
    (
        "add_customer",
        lambda a: Management(a).people.add_customer(
            SYSTEM,
            workspace="acme",
            id="c1",
            email="c1@client.io",
            customer_id="CID-1",
            groups=["dev"],
            name="Client One",
        ),
    ),
    (
        "add_customer",
        lambda a: Management(a).people.add_customer(
            SYSTEM, workspace="acme", id="c2", email="c2@client.io", customer_id="Big Co, Inc."
        ),
    ),
    (
        "change_role",
        lambda a: Management(a).people.change_role(
            SYSTEM, workspace="acme", subject="user:ann", role="administrator"
        ),
    ),
    (
        "add_member",
        lambda a: Management(a).groups.add_member(
            "user:ann", workspace="acme", group="dev", subject="user:bob"
        ),
    ),
    (
        "disable",
        lambda a: Management(a).people.disable("user:ann", workspace="acme", subject="user:bob"),
    ),
    (
        "enable",
        lambda a: Management(a).people.enable("user:ann", workspace="acme", subject="user:bob"),
    ),
    (
        "set_customer_id",
        lambda a: Management(a).people.set_customer_id(
            SYSTEM, workspace="acme", subject="customer:c1", customer_id="CID-1b"
        ),
    ),
    (
        "record_customer_ids",
        lambda a: Management(a).apis.record_customer_ids(
            SYSTEM, workspace="acme", api="pay", customer_ids=["CID-1b", "Big Co, Inc."]
        ),
    ),
    (
        "add_access",
        lambda a: Management(a).access.add(
            "user:ann", workspace="acme", api="pay", targets=["user:bob"]
        ),
    ),
    (
        "add_access",
        lambda a: Management(a).access.add(
            SYSTEM, workspace="acme", api="logs", targets=["group:ops"]
        ),
    ),
    (
        "add_access",
        lambda a: Management(a).access.add(
            SYSTEM, workspace="acme", api="logs", targets=["customer:c2"]
        ),
    ),
    (
        "remove_access",
        lambda a: Management(a).access.remove(
            SYSTEM, workspace="acme", api="pay", target="customer:c1"
        ),
    ),
    (
        "remove_access",
        lambda a: Management(a).access.remove(
            SYSTEM, workspace="acme", api="pay", target="user:bob"
        ),
    ),
    ("revoke_all", lambda a: Management(a).access.revoke_all(SYSTEM, workspace="acme", api="logs")),
    ("revoke_all", lambda a: Management(a).access.revoke_all(SYSTEM, workspace="acme", api="pay")),
    (
        "add_access",
        lambda a: Management(a).access.add(
            SYSTEM, workspace="acme", api="pay", targets=["customer:c1", "group:dev"]
        ),
    ),
    (
        "remove_member",
        lambda a: Management(a).groups.remove_member(
            SYSTEM, workspace="acme", group="dev", subject="customer:c1"
        ),
    ),
    # Dev still has Bob as a member and a grant on pay.
    ("delete_group", lambda a: Management(a).groups.delete(SYSTEM, workspace="acme", group="dev")),
    ("remove_api", lambda a: Management(a).apis.remove(SYSTEM, workspace="acme", api="logs")),
    (
        "remove_person",
        lambda a: Management(a).people.remove(SYSTEM, workspace="acme", subject="customer:c2"),
    ),
    _user("zed", "owner", ws="beta"),
    (
        "change_role",
        lambda a: Management(a).people.change_role(
            SYSTEM, workspace="acme", subject="user:bob", role="member"
        ),
    ),
    ("delete_role", lambda a: Management(a).roles.delete(SYSTEM, workspace="acme", role="auditor")),
    (
        "edit_api",
        lambda a: Management(a).apis.edit(SYSTEM, workspace="acme", api="pay", name="Payments v2"),
    ),
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


# Each generated change is the old "put this entity as given" (or a grant, a removal,
# a Revoke All) made through Management as the system: the operations that take the
# entity from where it is to the value drawn, each one skipped if the data refuses it.


def _attempt(operation: Callable[..., object], /, **arguments: Any) -> None:
    """Run one operation; a change the data refuses (RbacKitError) changes nothing."""
    with contextlib.suppress(RbacKitError):
        operation(SYSTEM, **arguments)


def put_role(ws: str, permissions: Any, environments: Any, scope: str) -> Change:
    """Create role r0 of ``ws``, or edit it to hold these values."""

    def change(a: Authorizer) -> None:
        roles = Management(a).roles
        values = {"permissions": permissions, "environments": environments, "api_scope": scope}
        if "r0" in a.directory.workspace(ws).roles:
            roles.edit(SYSTEM, workspace=ws, role="r0", **values)
        else:
            roles.create(SYSTEM, workspace=ws, id="r0", name="R0", **values)

    return change


def put_group(ws: str, group: str) -> Change:
    """Create ``group``, or rename it (to the same name: a change of nothing)."""

    def change(a: Authorizer) -> None:
        groups = Management(a).groups
        if group in a.directory.workspace(ws).groups:
            groups.rename(SYSTEM, workspace=ws, group=group, name=group.upper())
        else:
            groups.create(SYSTEM, workspace=ws, id=group, name=group.upper())

    return change


def put_api(ws: str, api: str, environment: str, cids: frozenset[str]) -> Change:
    """Register ``api`` or move it to ``environment``; then record ``cids`` in its traffic."""

    def change(a: Authorizer) -> None:
        apis = Management(a).apis
        if api in a.directory.workspace(ws).apis:
            apis.edit(SYSTEM, workspace=ws, api=api, name=api, environment=environment)
        else:
            apis.register(SYSTEM, workspace=ws, id=api, name=api, environment=environment)
        if cids:
            apis.record_customer_ids(SYSTEM, workspace=ws, api=api, customer_ids=sorted(cids))

    return change


def put_person(person: User | Customer) -> Change:
    """Add ``person``, or change the one there to its role, groups, Customer ID and status."""

    def change(a: Authorizer) -> None:
        admin = Management(a)
        people, ws, subject = admin.people, person.workspace, person.subject
        old = a.directory.workspace(ws).person(subject)
        if old is None:
            common = {"workspace": ws, "id": person.id, "email": person.email}
            common |= {"role": person.role, "groups": sorted(person.groups)}
            if isinstance(person, Customer):
                people.add_customer(SYSTEM, customer_id=person.customer_id, **common)
            else:
                people.add_user(SYSTEM, name=person.name, **common)
        else:
            named = {"workspace": ws, "subject": subject}
            for group in sorted(old.groups - person.groups):
                _attempt(admin.groups.remove_member, group=group, **named)
            if old.role != person.role:
                _attempt(people.change_role, role=person.role, **named)
            if (
                isinstance(person, Customer)
                and isinstance(old, Customer)
                and old.customer_id != person.customer_id
            ):
                _attempt(people.set_customer_id, customer_id=person.customer_id, **named)
            for group in sorted(person.groups - old.groups):
                _attempt(admin.groups.add_member, group=group, **named)
        current = a.directory.workspace(ws).person(subject)
        if current is not None and current.status is not person.status:
            switch = people.disable if person.status is Status.DISABLED else people.enable
            switch(SYSTEM, workspace=ws, subject=subject)

    return change


def add_access(ws: str, api: str, target: str) -> Change:
    """Grant ``target`` access to ``api``."""
    return lambda a: Management(a).access.add(SYSTEM, workspace=ws, api=api, targets=[target])


def remove_access(ws: str, api: str, target: str) -> Change:
    """Take ``target`` off ``api``'s access list."""
    return lambda a: Management(a).access.remove(SYSTEM, workspace=ws, api=api, target=target)


def revoke_all(ws: str, api: str) -> Change:
    """Revoke All Access to ``api``."""
    return lambda a: Management(a).access.revoke_all(SYSTEM, workspace=ws, api=api)


changes: st.SearchStrategy[Change] = st.one_of(
    st.builds(
        put_role,
        workspaces,
        st.frozensets(st.sampled_from(ACTIONS)),
        st.frozensets(st.sampled_from(("production", "staging", "development")), min_size=1),
        st.sampled_from(("all", "granted")),
    ),
    st.builds(put_group, workspaces, st.sampled_from(GROUPS)),
    st.builds(
        put_api,
        workspaces,
        st.sampled_from(APIS),
        st.sampled_from(("production", "staging", "development")),
        st.frozensets(st.sampled_from(CIDS)),
    ),
    st.builds(
        lambda ws, u, role, groups, status: put_person(
            User(
                workspace=ws,
                id=u,
                email=f"{u}@x.io",
                name=u,
                role=role,
                groups=groups,
                status=status,
            )
        ),
        workspaces,
        st.sampled_from(USERS),
        roles,
        group_sets,
        st.sampled_from(tuple(Status)),
    ),
    st.builds(
        lambda ws, c, cid, role, groups: put_person(
            Customer(
                workspace=ws, id=c, email=f"{c}@x.io", customer_id=cid, role=role, groups=groups
            )
        ),
        workspaces,
        st.sampled_from(CUSTOMERS),
        st.sampled_from(CIDS),
        roles,
        group_sets,
    ),
    st.builds(add_access, workspaces, st.sampled_from(APIS), targets),
    st.builds(remove_access, workspaces, st.sampled_from(APIS), targets),
    st.builds(revoke_all, workspaces, st.sampled_from(APIS)),
)


def wipe(store: Store) -> None:
    """Delete every row of every table."""
    with store.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


def apply_script(authz: Authorizer, script: list[Change]) -> None:
    """Create the workspaces and apply a generated script, skipping changes that are invalid."""
    for ws in WORKSPACES:
        Management(authz).workspaces.create(
            SYSTEM, workspace=Workspace(id=ws, name=ws.upper()), owner=None
        )
    for change in script:
        # A generated change may be invalid in the state it meets; then it changes nothing.
        with contextlib.suppress(RbacKitError):
            change(authz)
