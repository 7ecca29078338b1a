"""Tests of the compiler (``rbac_kit.policy._compiler``): entities in, Casbin lines out."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import itertools
from pathlib import Path

import casbin
import pytest

from rbac_kit import Api, Customer, Grant, Group, Role, Status, User, Workspace, customer_id_subject
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS, Directory, PolicyOwner
from rbac_kit.policy import DecisionIndex, compile_directory, compile_owner, compile_owners

BIGCO = "Big Co, Inc."
BIGCO_ENC = "Big%20Co%2C%20Inc."


@pytest.fixture
def d() -> Directory:
    """One workspace ``acme`` with an example of every kind of line.

    Role ``support`` (view_people; view_api in production, granted APIs); group ``ops``
    granted ``pay``; API ``pay`` in production with Customer ID ``Big Co, Inc.`` seen;
    API ``ledger`` in staging; ann (member, in ops, granted ledger); customer bigco
    (Customer ID ``Big Co, Inc.``).
    """
    d = Directory()
    d.add_workspace(Workspace(id="acme", name="Acme"))
    d.put_role(
        Role(
            workspace="acme",
            id="support",
            name="Support",
            permissions=["view_people", "view_api"],
            environments=["production"],
        )
    )
    d.put_group(Group(workspace="acme", id="ops", name="Ops"))
    d.put_api(Api(workspace="acme", id="pay", name="Pay", customer_ids=[BIGCO]))
    d.put_api(Api(workspace="acme", id="ledger", name="Ledger", environment="staging"))
    d.put_person(
        User(
            workspace="acme",
            id="ann",
            email="ann@acme.io",
            name="Ann",
            role="member",
            groups=["ops"],
        )
    )
    d.put_person(Customer(workspace="acme", id="bigco", email="it@bigco.com", customer_id=BIGCO))
    d.add_access(Grant(workspace="acme", api="pay", target="group:ops"))
    d.add_access(Grant(workspace="acme", api="ledger", target="user:ann"))
    return d


# -- one worked example per kind of line (the table in model.conf / the compiler) ----


def test_custom_role_lines(d: Directory) -> None:
    """``p, role, ws, ws, action, workspace`` and ``p, role, ws, env:<env>, action, scope``."""
    assert frozenset(
        {
            ("p", "role:support", "acme", "acme", "view_people", "workspace"),
            ("p", "role:support", "acme", "env:production", "view_api", "granted"),
        }
    ) == compile_owner(d, ("role", "acme", "support"))


def test_role_covering_every_environment_names_env_all(d: Directory) -> None:
    """Member covers all three environments: one ``env:all`` line per API action."""
    assert frozenset(
        {
            ("p", "role:member", "acme", "acme", "view_people", "workspace"),
            ("p", "role:member", "acme", "env:all", "view_api", "granted"),
            ("p", "role:member", "acme", "env:all", "view_requests", "granted"),
        }
    ) == compile_owner(d, ("role", "acme", "member"))


def test_all_apis_role_lines_have_scope_all(d: Directory) -> None:
    """An all-APIs role writes ``all`` as the scope of its API-level lines."""
    lines = compile_owner(d, ("role", "acme", "administrator"))
    assert {"workspace", "all"} == {line[5] for line in lines}
    assert ("p", "role:administrator", "acme", "env:all", "delete_api", "all") in lines
    assert ("p", "role:administrator", "acme", "acme", "delete_workspace", "workspace") not in lines


def test_role_holding_nothing_has_no_lines(d: Directory) -> None:
    """No Access compiles to nothing."""
    assert frozenset() == compile_owner(d, ("role", "acme", "no_access"))


def test_user_lines(d: Directory) -> None:
    """``g, user, role`` ; ``g2, user, group`` ; ``g2, user, <ws>/<api>`` (direct grant)."""
    assert frozenset(
        {
            ("g", "user:ann", "role:member", "acme"),
            ("g2", "user:ann", "group:ops", "acme"),
            ("g2", "user:ann", "acme/ledger", "acme"),
        }
    ) == compile_owner(d, ("subject", "acme", "user:ann"))


def test_customer_lines(d: Directory) -> None:
    """``g`` and ``g2`` aliases from ``cid:<Customer ID>``, and ``g2, customer, traffic:<ID>``."""
    assert frozenset(
        {
            ("g", "customer:bigco", "role:customer", "acme"),
            ("g", f"cid:{BIGCO_ENC}", "customer:bigco", "acme"),
            ("g2", f"cid:{BIGCO_ENC}", "customer:bigco", "acme"),
            ("g2", "customer:bigco", f"traffic:{BIGCO_ENC}", "acme"),
        }
    ) == compile_owner(d, ("subject", "acme", "customer:bigco"))


def test_group_lines(d: Directory) -> None:
    """``g2, group:<id>, <ws>/<api>`` for each grant to the group."""
    assert frozenset({("g2", "group:ops", "acme/pay", "acme")}) == compile_owner(
        d, ("group", "acme", "ops")
    )


def test_api_lines(d: Directory) -> None:
    """``g3, <ws>/<api>, env:<env>, <ws>`` (and env:all), ``g2, traffic:<ID>, <ws>/<api>``."""
    assert frozenset(
        {
            ("g3", "acme/pay", "env:production", "acme"),
            ("g3", "acme/pay", "env:all", "acme"),
            ("g2", f"traffic:{BIGCO_ENC}", "acme/pay", "acme"),
        }
    ) == compile_owner(d, ("api", "acme", "pay"))


def test_a_disabled_person_has_no_lines(d: Directory) -> None:
    """A disabled subject compiles to nothing, so every question about it is denied."""
    d.set_status("customer:bigco", Status.DISABLED)
    assert frozenset() == compile_owner(d, ("subject", "acme", "customer:bigco"))


@pytest.mark.parametrize(
    "owner",
    [
        ("role", "acme", "nope"),
        ("subject", "acme", "user:nope"),
        ("subject", "acme", "ann"),
        ("group", "acme", "nope"),
        ("api", "acme", "nope"),
        ("api", "nowhere", "pay"),
    ],
)
def test_owners_that_do_not_exist_compile_to_nothing(d: Directory, owner: PolicyOwner) -> None:
    """A deleted (or never created) owner has no lines."""
    assert frozenset() == compile_owner(d, owner)


def test_compile_owners_compiles_each_owner(d: Directory) -> None:
    """compile_owners() maps each owner to its lines, empty ones included."""
    owners: list[PolicyOwner] = [("group", "acme", "ops"), ("group", "acme", "nope")]
    assert {
        ("group", "acme", "ops"): frozenset({("g2", "group:ops", "acme/pay", "acme")}),
        ("group", "acme", "nope"): frozenset(),
    } == compile_owners(d, owners)


def test_compile_directory_holds_every_owners_lines(d: Directory) -> None:
    """The whole policy is the union of the pieces of every role, person, group and API."""
    data = d.workspace("acme")
    owners: list[PolicyOwner] = [
        *(("role", "acme", r) for r in data.roles),
        *(("subject", "acme", p.subject) for p in data.people()),
        ("group", "acme", "ops"),
        *(("api", "acme", a) for a in data.apis),
    ]
    policy = compile_directory(d)
    assert set().union(*(compile_owner(d, o) for o in owners)) == set(policy.rules())
    for owner in owners:
        assert compile_owner(d, owner) == policy.piece(owner)


# -- exclusions: flattened access ------------------------------------------------------


def test_excluded_customer_is_flattened(d: Directory) -> None:
    """A customer with an exclusion gets its remaining access API by API.

    bigco reaches pay (Customer ID) and docs (Customer ID) and ledger (through dev);
    removed from pay, it compiles to direct lines for docs and ledger only, with no
    group or traffic line that Casbin could follow back to pay.
    """
    d.put_group(Group(workspace="acme", id="dev", name="Dev"))
    d.add_access(Grant(workspace="acme", api="ledger", target="group:dev"))
    d.put_api(Api(workspace="acme", id="docs", name="Docs", customer_ids=[BIGCO]))
    d.put_person(
        Customer(
            workspace="acme", id="bigco", email="it@bigco.com", customer_id=BIGCO, groups=["dev"]
        )
    )
    d.remove_access("acme", "pay", "customer:bigco")
    assert frozenset(
        {
            ("g", "customer:bigco", "role:customer", "acme"),
            ("g", f"cid:{BIGCO_ENC}", "customer:bigco", "acme"),
            ("g2", f"cid:{BIGCO_ENC}", "customer:bigco", "acme"),
            ("g2", "customer:bigco", "acme/docs", "acme"),
            ("g2", "customer:bigco", "acme/ledger", "acme"),
        }
    ) == compile_owner(d, ("subject", "acme", "customer:bigco"))


def test_lifting_the_exclusion_restores_the_compact_lines(d: Directory) -> None:
    """After Add Access lifts the exclusion, the customer compiles as before plus the grant."""
    before = compile_owner(d, ("subject", "acme", "customer:bigco"))
    d.remove_access("acme", "pay", "customer:bigco")
    d.add_access(Grant(workspace="acme", api="pay", target="customer:bigco"))
    assert before | {("g2", "customer:bigco", "acme/pay", "acme")} == compile_owner(
        d, ("subject", "acme", "customer:bigco")
    )


# -- Customer IDs that need care, through Casbin's own file adapter -------------------

AWKWARD_IDS = ["Big Co, Inc.", "x(1)%", "[eu] shop", "a%2Cb", '"q"#1', "ACME", "acme"]


def _awkward_directory() -> Directory:
    """A customer per awkward Customer ID, each seen on its own API (c1's also on api0)."""
    d = Directory()
    d.add_workspace(Workspace(id="acme", name="Acme"))
    for n, cid in enumerate(AWKWARD_IDS):
        seen = [cid] if n else [cid, AWKWARD_IDS[1]]
        d.put_api(Api(workspace="acme", id=f"api{n}", name=f"API {n}", customer_ids=seen))
        d.put_person(
            Customer(workspace="acme", id=f"c{n}", email=f"c{n}@example.com", customer_id=cid)
        )
    d.remove_access("acme", "api3", "customer:c3")
    return d


def test_awkward_customer_ids_are_encoded_in_every_line() -> None:
    """No CSV value holds a comma, bracket, parenthesis, space, quote or '#'."""
    unsafe = [
        rule
        for rule in compile_directory(_awkward_directory()).rules()
        if any(set(value) & set(",[]() \"'#") for value in rule)
    ]
    assert [] == unsafe


def test_exported_csv_loads_in_casbin_with_the_same_answers(tmp_path: Path) -> None:
    """pycasbin's Enforcer, reading model.conf and policy.csv from files, agrees with the index.

    Every customer asked by subject and by Customer ID, every action, every API.
    """
    d = _awkward_directory()
    policy = compile_directory(d)
    model_path, policy_path = policy.export(tmp_path)
    enforcer = casbin.Enforcer(str(model_path), str(policy_path))
    index = DecisionIndex(policy.rules())
    data = d.workspace("acme")
    subjects = [c.subject for c in data.customers.values()]
    subjects += [customer_id_subject(c.customer_id) for c in data.customers.values()]
    objects = ["acme", *(f"acme/{a}" for a in data.apis)]
    answers = {
        (s, a, o): index.can(s, a, o)
        for s, a, o in itertools.product(subjects, sorted(WORKSPACE_ACTIONS | API_ACTIONS), objects)
    }
    casbin_answers = {(s, a, o): enforcer.enforce(s, "acme", o, a) for s, a, o in answers}
    assert answers == casbin_answers
    # The questions were not vacuous: each customer reaches its own API, c3 was excluded.
    assert answers[(customer_id_subject("x(1)%"), "view_api", "acme/api0")]
    assert answers[(customer_id_subject("[eu] shop"), "view_api", "acme/api2")]
    assert not answers[("customer:c3", "view_api", "acme/api3")]
    assert not answers[("customer:c0", "view_api", "acme/api1")]
