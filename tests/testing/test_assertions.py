"""The assertion helpers of ``rbac_kit.testing``: silent when right, explaining when wrong."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import pytest

from rbac_kit import SYSTEM, Authorizer, Management, UnknownAction, Workspace
from rbac_kit.testing import assert_allowed, assert_decisions, assert_denied


@pytest.fixture
def authz() -> Authorizer:
    """Workspace acme: member ann granted payments; API orders granted to nobody."""
    authz = Authorizer()
    admin = Management(authz)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.apis.register(SYSTEM, workspace="acme", id="payments", name="Payments")
    admin.apis.register(SYSTEM, workspace="acme", id="orders", name="Orders")
    admin.people.add_user(
        SYSTEM, workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="member"
    )
    admin.access.add(SYSTEM, workspace="acme", api="payments", targets=["user:ann"])
    return authz


def test_right_answers_pass(authz: Authorizer) -> None:
    assert_allowed(authz, "user:ann", "view_api", "acme/payments")
    assert_denied(authz, "user:ann", "view_api", "acme/orders")
    assert_decisions(
        authz,
        [
            ("user:ann", "view_api", "acme/payments", True),
            ("user:ann", "delete_workspace", "acme", False),
        ],
    )


def test_a_wrong_allow_says_why_it_was_allowed(authz: Authorizer) -> None:
    with pytest.raises(AssertionError) as caught:
        assert_denied(authz, "user:ann", "view_api", "acme/payments")
    assert (
        "expected user:ann view_api acme/payments to be denied, but it is allowed: "
        "ALLOW user:ann view_api acme/payments: role 'Member' holds view_api; "
        "direct grant on payments"
    ) == str(caught.value)


def test_a_wrong_deny_says_which_condition_failed(authz: Authorizer) -> None:
    with pytest.raises(AssertionError, match="has no access to API 'orders'"):
        assert_allowed(authz, "user:ann", "view_api", "acme/orders")


def test_a_matrix_reports_every_mismatch_at_once(authz: Authorizer) -> None:
    with pytest.raises(AssertionError) as caught:
        assert_decisions(
            authz,
            [
                ("user:ann", "view_api", "acme/payments", True),  # right
                ("user:ann", "edit_api", "acme/payments", True),  # wrong
                ("user:ann", "view_api", "acme/orders", True),  # wrong
                ("user:bob", "view_api", "acme/orders", False),  # right: unknown subject
            ],
        )
    lines = str(caught.value).splitlines()
    assert "2 decisions differ:" == lines[0]
    assert ["user:ann edit_api", "user:ann view_api acme/orders"] == [
        line.removeprefix("expected ")[: len(want)]
        for line, want in zip(
            lines[1:], ["user:ann edit_api", "user:ann view_api acme/orders"], strict=True
        )
    ]
    assert "does not hold 'edit_api'" in lines[1]


def test_a_misspelt_action_is_an_error_not_a_deny(authz: Authorizer) -> None:
    with pytest.raises(UnknownAction):
        assert_denied(authz, "user:ann", "veiw_api", "acme/payments")
