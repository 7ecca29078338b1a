"""Tests of the permission catalog (``rbac_kit.model._catalog``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import pytest

from rbac_kit import InvalidInput, Permission, UnknownAction
from rbac_kit.model import API_ACTIONS, CATALOG_VERSION, WORKSPACE_ACTIONS, Level, level_of
from rbac_kit.model._catalog import check_action, check_actions


def test_workspace_level_actions_are_the_ones_the_spec_lists() -> None:
    """The workspace level holds exactly the nine actions of SPEC section 1."""
    expected = {
        "manage_workspace",
        "delete_workspace",
        "create_api",
        "view_people",
        "invite_people",
        "manage_people",
        "manage_roles",
        "manage_groups",
        "manage_api_access",
    }
    assert expected == set(WORKSPACE_ACTIONS)


def test_api_level_actions_are_the_ones_the_spec_lists() -> None:
    """The API level holds view API, view requests, edit API and delete API."""
    assert {"view_api", "view_requests", "edit_api", "delete_api"} == set(API_ACTIONS)


def test_levels_split_the_catalog() -> None:
    """Every permission is at exactly one level."""
    assert set() == set(WORKSPACE_ACTIONS) & set(API_ACTIONS)
    assert {p.value for p in Permission} == set(WORKSPACE_ACTIONS | API_ACTIONS)


def test_catalog_is_versioned() -> None:
    """The catalog carries a version number, starting at 1."""
    assert 1 == CATALOG_VERSION


@pytest.mark.parametrize("action", sorted(WORKSPACE_ACTIONS))
def test_level_of_workspace_action(action: str) -> None:
    """Workspace-level actions are asked of the workspace."""
    assert Level.WORKSPACE == level_of(action)


@pytest.mark.parametrize("action", sorted(API_ACTIONS))
def test_level_of_api_action(action: str) -> None:
    """API-level actions are asked of one API."""
    assert Level.API == level_of(action)


def test_check_action_returns_a_known_action() -> None:
    """A known action name comes back unchanged."""
    assert "view_api" == check_action("view_api")


def test_check_action_accepts_the_enum_member() -> None:
    """A Permission member is a known action (it is a string)."""
    assert "edit_api" == check_action(Permission.EDIT_API)


@pytest.mark.parametrize("action", ["fly", "View_Api", "view_api ", "", "role:owner"])
def test_unknown_action_raises_naming_it_and_the_valid_ones(action: str) -> None:
    """An unknown action is an error naming the action and listing the catalog."""
    with pytest.raises(UnknownAction) as caught:
        check_action(action)
    assert repr(action) in str(caught.value)
    assert "view_api" in str(caught.value)


def test_unknown_action_is_invalid_input() -> None:
    """UnknownAction is a kind of InvalidInput (and of ValueError)."""
    with pytest.raises(InvalidInput):
        check_action("fly")
    with pytest.raises(ValueError, match="fly"):
        check_action("fly")


def test_level_of_unknown_action_raises() -> None:
    """Asking the level of an unknown action raises, never guesses."""
    with pytest.raises(UnknownAction, match="'teleport'"):
        level_of("teleport")


def test_check_actions_returns_a_frozenset() -> None:
    """Several actions are validated and returned as a frozenset, duplicates folded."""
    assert frozenset({"view_api", "edit_api"}) == check_actions(
        ["view_api", "edit_api", "view_api"]
    )


def test_check_actions_reports_the_unknown_one() -> None:
    """One unknown action among known ones raises, naming the unknown one."""
    with pytest.raises(UnknownAction, match="'fly'"):
        check_actions(["view_api", "fly"])


def test_check_actions_takes_a_lone_string_as_one_action() -> None:
    """A single string is one action name, not a sequence of one-letter actions."""
    assert frozenset({"view_api"}) == check_actions("view_api")
