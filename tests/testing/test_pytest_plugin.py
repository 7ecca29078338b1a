"""The pytest plugin, as a host project's test suite uses it (a pytest session of its own)."""

from __future__ import annotations

import pytest

USER_TESTS = """
from rbac_kit import SYSTEM, Management, User, Workspace
from rbac_kit.testing import assert_allowed, assert_denied


def _acme(authz):
    admin = Management(authz)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.apis.register(SYSTEM, workspace="acme", id="payments", name="Payments")
    admin.people.add_user(SYSTEM, workspace="acme", id="ann", email="ann@acme.io", name="Ann",
                          role="member")


def test_in_memory(rbac_authorizer):
    _acme(rbac_authorizer)
    assert_denied(rbac_authorizer, "user:ann", "view_api", "acme/payments")
    Management(rbac_authorizer).access.add(SYSTEM, workspace="acme", api="payments",
                                           targets=["user:ann"])
    assert_allowed(rbac_authorizer, "user:ann", "view_api", "acme/payments")


def test_management_is_guarded(rbac_management):
    owner = User(workspace="acme", id="olivia", email="o@acme.io", name="O", role="owner")
    rbac_management.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"),
                                      owner=owner)
    rbac_management.apis.register("user:olivia", workspace="acme", name="Payments",
                                  id="payments")
    assert_allowed(rbac_management.authorizer, "user:olivia", "edit_api", "acme/payments")


def test_persisted(rbac_store, rbac_store_authorizer):
    _acme(rbac_store_authorizer)
    assert rbac_store.revision() == rbac_store_authorizer.revision == 3


def test_a_wrong_expectation(rbac_authorizer):
    _acme(rbac_authorizer)
    assert_allowed(rbac_authorizer, "user:ann", "view_api", "acme/payments")
"""


def test_fixtures_and_helpers_in_a_host_project(pytester: pytest.Pytester) -> None:
    """The fixtures work without any set-up; a wrong expectation fails with its reason."""
    pytester.makepyfile(test_permissions=USER_TESTS)
    result = pytester.runpytest()  # the plugin loads by its entry point, as installed
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected user:ann view_api acme/payments to be allowed, but it is denied: "
            "DENY user:ann view_api acme/payments: user:ann has no access to API 'payments'*"
        ]
    )


def test_the_plugin_is_registered_for_pytest_to_load() -> None:
    """Installing rbac-kit registers the plugin under the name ``rbac_kit`` (``pytest11``)."""
    from importlib.metadata import entry_points

    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "rbac_kit"]
    assert "rbac_kit.testing.pytest_plugin" == plugin.value
