"""``rbac_kit.testing.strategies``: every drawn workspace is valid and decided as Casbin does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import find, given, settings

from rbac_kit import ApiScope, Authorizer, Environment, Status, customer_id_subject
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS, Directory, WorkspaceData
from rbac_kit.policy import explain
from rbac_kit.policy.casbin import CasbinReference
from rbac_kit.testing.strategies import CUSTOMER_ID_POOL, authorizers, directories

ACTIONS = sorted(API_ACTIONS | WORKSPACE_ACTIONS)


def _questions(authz: Authorizer) -> list[tuple[str, str, str]]:
    objects: list[str] = []
    subjects = [customer_id_subject(c) for c in CUSTOMER_ID_POOL]
    for data in authz.directory.workspaces():
        ws = data.workspace.id
        objects += [ws, *(f"{ws}/{api}" for api in data.apis)]
        subjects += [person.subject for person in data.people()]
    return [(s, a, o) for s in subjects for a in ACTIONS for o in objects]


@settings(max_examples=40)
@given(authorizers())
def test_drawn_workspaces_are_decided_as_casbin_and_the_rules_decide(authz: Authorizer) -> None:
    """can() on a drawn workspace agrees with pycasbin and with explain() on every question."""
    casbin = CasbinReference(authz.policy.rules())
    for question in _questions(authz):
        answer = authz.can(*question)
        assert casbin.can(*question) == answer, question
        assert explain(authz.directory, *question).allowed == answer, question


@given(directories(max_workspaces=1, max_people=0, max_groups=0, max_apis=1))
def test_the_smallest_directory_is_one_workspace_with_one_api(directory: Directory) -> None:
    (data,) = directory.workspaces()
    assert ["a0"] == list(data.apis)
    assert [] == list(data.people())


def _any_workspace(check: Callable[[Authorizer, WorkspaceData], bool]) -> Callable[..., bool]:
    return lambda authz: any(check(authz, ws) for ws in authz.directory.workspaces())


#: What the drawn workspaces must be able to hold, each as a test on an Authorizer.
FEATURES: dict[str, Callable[[Authorizer], bool]] = {
    "several workspaces": lambda authz: len(list(authz.directory.workspaces())) > 1,
    "a customer": _any_workspace(lambda _, ws: bool(ws.customers)),
    "a disabled person": _any_workspace(
        lambda _, ws: any(p.status is Status.DISABLED for p in ws.people())
    ),
    "a custom role reaching all APIs": _any_workspace(
        lambda _, ws: any(not r.builtin and r.api_scope is ApiScope.ALL for r in ws.roles.values())
    ),
    "a group grant": _any_workspace(
        lambda _, ws: any(target.startswith("group:") for _, target in ws.grants)
    ),
    "a Customer ID seen in traffic": _any_workspace(
        lambda _, ws: any(api.customer_ids for api in ws.apis.values())
    ),
    "an exclusion": _any_workspace(
        lambda authz, ws: bool(authz.directory.exclusions(ws.workspace.id))
    ),
    "an API outside production": _any_workspace(
        lambda _, ws: any(api.environment is not Environment.PRODUCTION for api in ws.apis.values())
    ),
}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_each_kind_of_entity_and_path_can_be_drawn(feature: str) -> None:
    """The strategy is not degenerate: hypothesis finds a workspace with each feature."""
    found = find(authorizers(), FEATURES[feature], settings=settings(max_examples=2000))
    assert FEATURES[feature](found)
