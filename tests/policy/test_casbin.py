"""Tests of the bridge to pycasbin (``rbac_kit.policy.casbin``), the reference enforcer."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import UnknownAction
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS
from rbac_kit.policy import MODEL_PATH, Rule
from rbac_kit.policy.casbin import CasbinReference, casbin_request

#: Two workspaces sharing role, group and API names, to show nothing leaks between them.
RULES: list[Rule] = [
    ("p", "role:member", "acme", "acme", "view_people", "workspace"),
    ("p", "role:member", "acme", "env:all", "view_api", "granted"),
    ("p", "role:admin", "acme", "env:production", "edit_api", "all"),
    ("p", "role:member", "globex", "env:all", "view_api", "all"),
    ("g", "user:ann", "role:member", "acme"),
    ("g", "user:bob", "role:admin", "acme"),
    ("g", "user:gil", "role:member", "globex"),
    ("g", "customer:co", "role:member", "acme"),
    ("g", "cid:CO", "customer:co", "acme"),
    ("g2", "cid:CO", "customer:co", "acme"),
    ("g2", "user:ann", "group:ops", "acme"),
    ("g2", "group:ops", "acme/pay", "acme"),
    ("g2", "customer:co", "traffic:CO", "acme"),
    ("g2", "traffic:CO", "acme/logs", "acme"),
    ("g3", "acme/pay", "env:production", "acme"),
    ("g3", "acme/pay", "env:all", "acme"),
    ("g3", "acme/logs", "env:staging", "acme"),
    ("g3", "acme/logs", "env:all", "acme"),
    ("g3", "globex/pay", "env:production", "globex"),
    ("g3", "globex/pay", "env:all", "globex"),
]

SUBJECTS = ["user:ann", "user:bob", "user:gil", "customer:co", "cid:CO", "role:member", "nobody"]
OBJECTS = ["acme", "globex", "acme/pay", "acme/logs", "globex/pay", "env:all", "acme/nope"]
ACTIONS = sorted(WORKSPACE_ACTIONS | API_ACTIONS)


def test_model_path_is_the_shipped_model() -> None:
    """MODEL_PATH names the packaged model.conf, which defines request and matcher."""
    text = MODEL_PATH.read_text()
    assert ("model.conf", True, True) == (
        MODEL_PATH.name,
        "r = sub, dom, obj, act" in text,
        "[matchers]" in text,
    )


@pytest.mark.parametrize(
    ("obj", "domain"), [("acme", "acme"), ("acme/pay", "acme"), ("globex/a/b", "globex")]
)
def test_casbin_request_takes_the_domain_from_the_object(obj: str, domain: str) -> None:
    """The domain of a request is the workspace the object names."""
    assert ("user:ann", domain, obj, "view_api") == casbin_request("user:ann", "view_api", obj)


def test_casbin_request_rejects_unknown_actions() -> None:
    """An unknown action raises before Casbin is asked."""
    with pytest.raises(UnknownAction, match="'fly'"):
        casbin_request("user:ann", "fly", "acme/pay")


@pytest.mark.parametrize(
    ("subject", "action", "obj", "expected"),
    [
        ("user:ann", "view_people", "acme", True),  # workspace-level permission
        ("user:ann", "view_api", "acme/pay", True),  # through group ops
        ("user:ann", "view_api", "acme/logs", False),  # no path
        ("user:ann", "view_people", "acme/pay", False),  # workspace action asked of an API
        ("user:ann", "view_api", "acme", False),  # API action asked of the workspace
        ("user:bob", "edit_api", "acme/pay", True),  # all-APIs role in production
        ("user:bob", "edit_api", "acme/logs", False),  # logs is in staging
        ("customer:co", "view_api", "acme/logs", True),  # Customer ID seen on logs
        ("cid:CO", "view_api", "acme/logs", True),  # asked by Customer ID
        ("cid:CO", "view_people", "acme", True),  # the alias holds the customer's role
        ("user:gil", "view_api", "globex/pay", True),
        ("user:gil", "view_api", "acme/pay", False),  # other workspace
        ("user:ann", "view_api", "globex/pay", False),  # other workspace
        ("role:member", "view_people", "acme", False),  # a role is not a subject
        ("user:bob", "edit_api", "env:production", False),  # an environment is not an API
    ],
)
def test_casbin_answers(subject: str, action: str, obj: str, expected: bool) -> None:
    """Worked examples of the model's matcher on a hand-written policy."""
    assert expected == CasbinReference(RULES).can(subject, action, obj)


def test_sharded_and_single_enforcers_agree() -> None:
    """The per-(workspace, action) enforcers answer every question as one enforcer does."""
    sharded = CasbinReference(RULES)
    single = CasbinReference(RULES, sharded=False)
    questions = list(itertools.product(SUBJECTS, ACTIONS, OBJECTS))
    assert [single.can(*q) for q in questions] == [sharded.can(*q) for q in questions]
    assert any(single.can(*q) for q in questions)


@given(st.lists(st.sampled_from(RULES), unique=True))
def test_sharded_and_single_enforcers_agree_on_any_subset(rules: list[Rule]) -> None:
    """Sharding is exact for every policy, not only the worked example: any subset of lines."""
    sharded = CasbinReference(rules)
    single = CasbinReference(rules, sharded=False)
    actions = ["view_people", "view_api", "edit_api"]
    questions = list(itertools.product(SUBJECTS, actions, OBJECTS))
    assert [single.can(*q) for q in questions] == [sharded.can(*q) for q in questions]


def test_reference_rejects_unknown_actions() -> None:
    """CasbinReference.can raises for an unknown action, like the index."""
    with pytest.raises(UnknownAction):
        CasbinReference(RULES).can("user:ann", "fly", "acme/pay")


def test_an_empty_policy_denies() -> None:
    """With no lines, Casbin allows nothing."""
    assert not CasbinReference([]).can("user:ann", "view_people", "acme")
