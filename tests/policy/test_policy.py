"""Tests of the compiled policy container (``rbac_kit.policy._policy``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from pathlib import Path

from rbac_kit.model import PolicyOwner
from rbac_kit.policy import MODEL_PATH, Policy, PolicyDelta, Rule, rule_to_csv

ANN: PolicyOwner = PolicyOwner("subject", "acme", "user:ann")
OPS: PolicyOwner = PolicyOwner("group", "acme", "ops")
PAY: PolicyOwner = PolicyOwner("api", "acme", "pay")

ANN_ROLE: Rule = ("g", "user:ann", "role:member", "acme")
ANN_OPS: Rule = ("g2", "user:ann", "group:ops", "acme")
OPS_PAY: Rule = ("g2", "group:ops", "acme/pay", "acme")
PAY_ENV: Rule = ("g3", "acme/pay", "env:production", "acme")


def _policy() -> Policy:
    return Policy(
        {ANN: frozenset({ANN_ROLE, ANN_OPS}), OPS: frozenset({OPS_PAY}), PAY: frozenset({PAY_ENV})}
    )


def test_rules_lists_every_line_once() -> None:
    """rules() yields each line of each owner; len() counts them."""
    policy = _policy()
    rules = list(policy.rules())
    assert {ANN_ROLE, ANN_OPS, OPS_PAY, PAY_ENV} == set(rules)
    assert (4, 4) == (len(rules), len(policy))


def test_an_empty_policy() -> None:
    """A policy without pieces has no lines and an empty CSV."""
    assert (0, [], "") == (len(Policy()), list(Policy().rules()), Policy().to_csv())


def test_piece_of_an_owner() -> None:
    """piece() returns an owner's lines, or nothing for an unknown owner."""
    policy = _policy()
    assert frozenset({ANN_ROLE, ANN_OPS}) == policy.piece(ANN)
    assert frozenset() == policy.piece(("group", "acme", "nope"))


def test_diff_reports_removed_and_added_lines_without_changing_anything() -> None:
    """diff() compares new pieces with the current ones; the policy stays as it was."""
    policy = _policy()
    ann_dev: Rule = ("g2", "user:ann", "group:dev", "acme")
    delta = policy.diff({ANN: frozenset({ANN_ROLE, ann_dev}), OPS: frozenset()})
    assert PolicyDelta(removed=frozenset({ANN_OPS, OPS_PAY}), added=frozenset({ann_dev})) == delta
    assert _policy().to_csv() == policy.to_csv()


def test_diff_of_a_line_moving_between_owners_is_empty() -> None:
    """A line one owner drops and another adds in the same change neither goes nor comes."""
    policy = _policy()
    other: PolicyOwner = PolicyOwner("group", "acme", "other")
    assert PolicyDelta(removed=frozenset(), added=frozenset()) == policy.diff(
        {OPS: frozenset(), other: frozenset({OPS_PAY})}
    )


def test_diff_of_unchanged_pieces_is_empty() -> None:
    """Recompiling an owner to the same lines is no change."""
    assert not _policy().diff({ANN: frozenset({ANN_ROLE, ANN_OPS})})


def test_update_swaps_pieces_and_drops_empty_ones() -> None:
    """update() replaces owners' lines; an empty piece removes the owner."""
    policy = _policy()
    policy.update({OPS: frozenset(), ANN: frozenset({ANN_ROLE})})
    assert (frozenset(), frozenset({ANN_ROLE}), 2) == (
        policy.piece(OPS),
        policy.piece(ANN),
        len(policy),
    )


def test_policy_copies_the_pieces_it_is_given() -> None:
    """Changing the mapping after construction does not change the policy."""
    pieces = {ANN: frozenset({ANN_ROLE})}
    policy = Policy(pieces)
    pieces[OPS] = frozenset({OPS_PAY})
    assert 1 == len(policy)


def test_delta_truth() -> None:
    """A delta is true when it removes or adds something."""
    empty = frozenset[Rule]()
    assert (False, True, True) == (
        bool(PolicyDelta(removed=empty, added=empty)),
        bool(PolicyDelta(removed=frozenset({ANN_ROLE}), added=empty)),
        bool(PolicyDelta(removed=empty, added=frozenset({ANN_ROLE}))),
    )


def test_rule_to_csv() -> None:
    """A line is written as Casbin's CSV: values joined by comma and space."""
    assert "g, user:ann, role:member, acme" == rule_to_csv(ANN_ROLE)


def test_to_csv_is_sorted() -> None:
    """The CSV lists lines sorted, one per row, so diffs of exports are stable."""
    assert (
        "g, user:ann, role:member, acme\n"
        "g2, group:ops, acme/pay, acme\n"
        "g2, user:ann, group:ops, acme\n"
        "g3, acme/pay, env:production, acme\n"
    ) == _policy().to_csv()


def test_export_writes_model_and_policy(tmp_path: Path) -> None:
    """export() creates the folder and writes model.conf and policy.csv, returning both."""
    model, policy = _policy().export(tmp_path / "casbin")
    assert (tmp_path / "casbin" / "model.conf", tmp_path / "casbin" / "policy.csv") == (
        model,
        policy,
    )
    assert (MODEL_PATH.read_text(), _policy().to_csv()) == (model.read_text(), policy.read_text())
