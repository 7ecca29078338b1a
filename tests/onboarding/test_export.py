"""CSV export: users, customers, groups with members, an API's access list; formulas neutralised.

Runs on SQLite and, when configured, PostgreSQL. The round trip exports a
workspace's people and imports them into a fresh workspace in a fresh
database, which then holds the same people, roles, groups, Customer IDs and
statuses.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import (
    SYSTEM,
    Customer,
    Forbidden,
    InvalidInput,
    Management,
    NotFound,
    User,
    Workspace,
    export_csv,
    import_people,
    open_authorizer,
)
from rbac_kit.onboarding import verify_password
from rbac_kit.onboarding.csv._safety import FORMULA_START, neutralise, restore
from rbac_kit.store import Store
from tests.store.helpers import Databases

from .csv_world import ANN, CHEAP, CUSTOMERS, GOOD, OWNER, USERS, Acme, build_acme, parse_csv

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def acme(url: str) -> Iterator[Acme]:
    with Store.open(url) as store:
        yield build_acme(store)


def _export(
    acme: Acme, what: str, *, actor: str = OWNER, api: str | None = None
) -> list[list[str]]:
    out = io.StringIO()
    count = export_csv(acme.authz, actor, "acme", what, out, api=api)  # type: ignore[arg-type]
    rows = parse_csv(out.getvalue())
    assert len(rows) - 1 == count
    return rows


def test_users_export_is_the_import_format_with_status_and_no_secrets(acme: Acme) -> None:
    """Header as the template plus status, rows by email, password cells empty, no hashes."""
    assert [*CUSTOMERS, "status"] == _export(acme, "customers")[0]
    acme.mgmt.people.add_user(
        OWNER,
        workspace="acme",
        email="zed@acme.io",
        name="Zed",
        groups=["ops"],
        password_hash="$argon2id$x",
    )
    acme.mgmt.people.disable(OWNER, workspace="acme", subject="user:ann")
    rows = _export(acme, "users")
    assert [*USERS, "status"] == rows[0]
    assert ["adm@acme.io", "ann@acme.io", "boss@acme.io", "pm@acme.io", "zed@acme.io"] == [
        r[0] for r in rows[1:]
    ]
    assert ["ann@acme.io", "Ann", "member", "", "", "disabled"] == rows[2]
    assert ["zed@acme.io", "Zed", "member", "ops", "", "active"] == rows[5]
    assert all("argon2" not in cell for row in rows for cell in row)


def test_formula_cells_come_out_neutralised(acme: Acme) -> None:
    """A name like =HYPERLINK(...) and Customer IDs like -42 or +44... get a leading quote."""
    acme.mgmt.people.add_user(OWNER, workspace="acme", email="=1+2@acme.io", name=HYPERLINK)
    acme.mgmt.people.add_customer(
        OWNER, workspace="acme", email="neg@c.io", customer_id="-42", name="@SUM(A1)"
    )
    acme.mgmt.people.add_customer(OWNER, workspace="acme", email="tel@c.io", customer_id="+4412345")
    users = _export(acme, "users")
    assert ["'=1+2@acme.io", "'" + HYPERLINK] == users[1][:2]
    customers = {r[0]: r for r in _export(acme, "customers")[1:]}
    assert ["neg@c.io", "'@SUM(A1)", "'-42"] == customers["neg@c.io"][:3]
    assert "'+4412345" == customers["tel@c.io"][2]


def test_groups_export_lists_each_member_and_empty_groups(acme: Acme) -> None:
    """One row per member, by group name; a group with no members has one row of its own."""
    acme.mgmt.groups.add_member(OWNER, workspace="acme", group="ops", subject="user:ann")
    acme.mgmt.groups.add_member(OWNER, workspace="acme", group="ops", subject="customer:c1")
    acme.mgmt.groups.create(OWNER, workspace="acme", name="@admins", id="admins")
    rows = _export(acme, "groups")
    assert [
        ["group_id", "group_name", "member", "kind", "email", "name"],
        ["admins", "'@admins", "", "", "", ""],
        ["lobby", "Lobby", "", "", "", ""],
        ["ops", "Ops", "customer:c1", "customer", "cust@acme.io", ""],
        ["ops", "Ops", "user:ann", "user", "ann@acme.io", "Ann"],
    ] == rows


def test_access_export_shows_who_has_access_and_how(acme: Acme) -> None:
    """Granted groups, then each person with a path: direct, through groups, by Customer ID."""
    m = acme.mgmt
    m.groups.add_member(OWNER, workspace="acme", group="ops", subject="user:ann")
    m.access.add(OWNER, workspace="acme", api="payments", targets=["user:ann", "user:pm"])
    m.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="payments", customer_ids=["C-1", "C-2"]
    )
    m.people.add_customer(OWNER, workspace="acme", id="c2", email="two@c.io", customer_id="C-2")
    m.access.remove(
        OWNER, workspace="acme", api="payments", target="customer:c2"
    )  # excluded: not listed
    m.people.disable(OWNER, workspace="acme", subject="user:pm")
    rows = _export(acme, "access", api="payments")
    assert [
        [
            "subject", "kind", "email", "name", "role", "status",
            "direct", "groups", "customer_id", "allowed",
        ],
        ["group:ops", "group", "", "Ops", "", "", "yes", "", "", ""],
        ["customer:c1", "customer", "cust@acme.io", "", "customer", "active",
         "no", "", "C-1", "yes"],
        ["user:ann", "user", "ann@acme.io", "Ann", "member", "active", "yes", "ops", "", "yes"],
        ["user:pm", "user", "pm@acme.io", "Pm", "people", "disabled", "yes", "", "", "no"],
    ] == rows  # fmt: skip


def test_exports_are_authorized(acme: Acme) -> None:
    """view_people for people and groups; view_api on the API for its access list."""
    acme.mgmt.people.add_customer(
        OWNER, workspace="acme", id="c9", email="c9@c.io", customer_id="C-9"
    )
    with pytest.raises(Forbidden, match="view_people"):
        export_csv(acme.authz, "customer:c9", "acme", "users", io.StringIO())
    with pytest.raises(Forbidden, match="view_api"):
        export_csv(acme.authz, ANN, "acme", "access", io.StringIO(), api="payments")
    with pytest.raises(NotFound):
        export_csv(acme.authz, OWNER, "acme", "access", io.StringIO(), api="nope")


@pytest.mark.parametrize(
    ("what", "api", "phrase"),
    [
        ("people", None, "not one of"),
        ("access", None, "needs the API"),
        ("users", "payments", "only for an access export"),
    ],
)
def test_bad_export_requests_are_invalid_input(
    acme: Acme, what: str, api: str | None, phrase: str
) -> None:
    """An unknown export, or the API given wrongly, is refused before anything is read."""
    with pytest.raises(InvalidInput, match=phrase):
        export_csv(acme.authz, OWNER, "acme", what, io.StringIO(), api=api)  # type: ignore[arg-type]


def _people(authz: Any, workspace: str) -> set[tuple[Any, ...]]:
    return {
        (
            p.email,
            p.name,
            p.role,
            p.groups,
            p.status,
            p.customer_id if isinstance(p, Customer) else None,
        )
        for p in authz.directory.workspace(workspace).people()
    }


def test_round_trip_into_a_fresh_workspace(acme: Acme, databases: Databases) -> None:
    """Export users and customers, import them elsewhere: the same people, roles, groups, IDs."""
    m = acme.mgmt
    m.roles.create(
        OWNER, workspace="acme", name="Auditor", permissions=["view_people"], id="auditor"
    )
    m.people.add_user(
        OWNER,
        workspace="acme",
        email="=1+2@acme.io",
        name=HYPERLINK,
        role="auditor",
        groups=["ops"],
    )
    m.people.add_customer(
        OWNER, workspace="acme", email="neg@c.io", customer_id="-42", groups=["lobby", "ops"]
    )
    m.people.add_customer(
        OWNER, workspace="acme", email="q@c.io", customer_id="'=odd", name="'+quoted"
    )
    m.people.disable(OWNER, workspace="acme", subject="user:ann")
    files = {}
    for kind in ("users", "customers"):
        out = io.StringIO()
        export_csv(acme.authz, OWNER, "acme", kind, out)  # type: ignore[arg-type]
        files[kind] = out.getvalue().encode()

    with Store.open(databases.new_url()) as fresh:
        authz = open_authorizer(fresh)
        target = Management(authz)
        boss = User(workspace="beta", id="boss", email="boss@beta.io", name="B", role="owner")
        target.workspaces.create(SYSTEM, workspace=Workspace(id="beta", name="Beta"), owner=boss)
        target.groups.create("user:boss", workspace="beta", name="Ops", id="ops")
        target.groups.create("user:boss", workspace="beta", name="Lobby", id="lobby")
        target.roles.create(
            "user:boss",
            workspace="beta",
            name="People",
            permissions=["view_people", "manage_people"],
            id="people",
        )
        target.roles.create(
            "user:boss", workspace="beta", name="Auditor", permissions=["view_people"], id="auditor"
        )
        for kind in ("users", "customers"):
            import_people(
                authz,
                "user:boss",
                "beta",
                kind,
                files[kind],
                require_passwords=False,  # type: ignore[arg-type]
            )
        beta = _people(authz, "beta") - {
            ("boss@beta.io", "B", "owner", frozenset(), boss.status, None)
        }
        assert _people(acme.authz, "acme") == beta
        assert _people(authz, "beta") == _people(open_authorizer(fresh), "beta")


# -- the formula mark itself ---------------------------------------------------------------


@given(st.text())
def test_restore_undoes_neutralise(text: str) -> None:
    """Export and import are exact inverses on every value."""
    assert text == restore(neutralise(text))


@given(st.text())
def test_no_neutralised_cell_starts_a_formula(text: str) -> None:
    """Whatever the value, the cell written never starts with a formula character."""
    assert not neutralise(text).startswith(FORMULA_START)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=x", "''=x"),
        ("''", "'''"),
        ("'plain", "'plain"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_neutralise_marks_exactly_the_risky_cells(value: str, cell: str) -> None:
    """A leading ' before a formula character (or before a ' that could be read as a mark)."""
    assert cell == neutralise(value)


def test_a_password_is_never_restored(acme: Acme) -> None:
    """Passwords are taken as typed: a password starting with '= keeps its quote."""
    data = f"{','.join(USERS)}\nq@acme.io,Q,member,,'={GOOD}\n".encode()
    (person,) = import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP).people
    assert verify_password(person.password_hash, "'=" + GOOD, hashing=CHEAP)
