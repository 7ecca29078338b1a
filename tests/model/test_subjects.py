"""Names: subjects and access-list targets parsed in one place, policy owners as values."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import InvalidInput
from rbac_kit.model import PolicyOwner, Subject, split_name, subject_name
from rbac_kit.model._subjects import TARGET_KINDS


def test_subject_name_names_the_kind() -> None:
    """A user and a customer with the same id are two names."""
    assert ("user:u-1", "customer:u-1") == (
        subject_name("user", "u-1"),
        subject_name("customer", "u-1"),
    )


def test_parse_gives_kind_and_id() -> None:
    """``user:ann`` parses to its kind and id and prints back as it was."""
    subject = Subject.parse("user:ann")
    assert ("user", "ann", "user:ann") == (subject.kind, subject.id, str(subject))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ann", "person 'ann' must be 'user:<id>' or 'customer:<id>'"),
        ("user:", "person 'user:' must be 'user:<id>' or 'customer:<id>'"),
        ("group:ops", "person 'group:ops' must be 'user:<id>' or 'customer:<id>'"),
        (42, "person int must be 'user:<id>' or 'customer:<id>'"),
    ],
)
def test_parse_refuses_what_is_not_a_person(name: object, message: str) -> None:
    """Anything but ``user:<id>`` / ``customer:<id>`` is refused, naming what it was for."""
    with pytest.raises(InvalidInput) as refused:
        Subject.parse(name, what="person")
    assert message == str(refused.value)


def test_targets_may_be_groups() -> None:
    """An access-list target may also name a group; a role never."""
    assert "group" == Subject.parse("group:ops", kinds=TARGET_KINDS).kind
    with pytest.raises(InvalidInput, match="'user:<id>', 'customer:<id>' or 'group:<id>'"):
        Subject.parse("role:owner", kinds=TARGET_KINDS, what="access target")


@given(st.sampled_from(("user", "customer", "group", "cid")), st.text(min_size=1))
def test_split_name_inverts_naming(kind: str, ident: str) -> None:
    """Splitting a name gives back its kind and its id (the id may hold colons)."""
    assert (kind, ident) == split_name(f"{kind}:{ident}")


def test_split_name_without_a_kind() -> None:
    """A name without a colon has no kind."""
    assert ("", "acme") == split_name("acme")


def test_policy_owner_is_a_value() -> None:
    """A policy owner names its parts and sorts and compares as the tuple it is."""
    owner = PolicyOwner("subject", "acme", "user:ann")
    assert ("subject", "acme", "user:ann") == (owner.kind, owner.workspace, owner.id)
    assert owner == ("subject", "acme", "user:ann")
    assert [PolicyOwner("api", "a", "x"), owner] == sorted([owner, PolicyOwner("api", "a", "x")])
