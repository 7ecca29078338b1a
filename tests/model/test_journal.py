"""Tests of the undo log (``rbac_kit.model._journal``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from collections.abc import Callable

import pytest

from rbac_kit.model._journal import Journal


class Boom(Exception):
    """Raised inside a block to roll it back."""


def _fail_inside(journal: Journal, *steps: Callable[[], object]) -> None:
    """Run ``steps`` in one atomic block, then raise Boom."""
    with journal.atomic():
        for step in steps:
            step()
        raise Boom


def test_mutations_outside_a_block_apply_and_are_not_recorded() -> None:
    """Outside ``atomic`` the journal just mutates."""
    journal = Journal()
    d: dict[str, int] = {"a": 1}
    s: set[str] = set()
    journal.setitem(d, "b", 2)
    journal.delitem(d, "a")
    journal.add(s, "x")
    with pytest.raises(Boom):
        _fail_inside(journal)
    assert ({"b": 2}, {"x"}) == (d, s)


def test_a_block_that_raises_undoes_every_mutation() -> None:
    """Every kind of mutation is undone, restoring the exact contents."""
    journal = Journal()
    d: dict[str, int] = {"keep": 1, "change": 2, "drop": 3}
    s: set[str] = {"in", "out"}
    nested: dict[str, set[str]] = {}
    with pytest.raises(Boom):
        _fail_inside(
            journal,
            lambda: journal.setitem(d, "change", 20),
            lambda: journal.setitem(d, "new", 4),
            lambda: journal.delitem(d, "drop"),
            lambda: journal.add(s, "added"),
            lambda: journal.discard(s, "out"),
            lambda: journal.add(journal.setdefault(nested, "k", set), "v"),
        )
    assert {"keep": 1, "change": 2, "drop": 3} == d
    assert {"in", "out"} == s
    assert {} == nested


def test_undo_runs_in_reverse_order() -> None:
    """Several writes to one key roll back to the value from before the block."""
    journal = Journal()
    d = {"k": 0}
    with pytest.raises(Boom):
        _fail_inside(
            journal,
            *(lambda v=v: journal.setitem(d, "k", v) for v in range(1, 5)),
            lambda: journal.delitem(d, "k"),
            lambda: journal.setitem(d, "k", 9),
        )
    assert {"k": 0} == d


def test_set_operations_that_change_nothing_undo_nothing() -> None:
    """Adding a member already there or discarding one absent is not undone into a change."""
    journal = Journal()
    s = {"a"}
    with pytest.raises(Boom):
        _fail_inside(journal, lambda: journal.add(s, "a"), lambda: journal.discard(s, "zz"))
    assert {"a"} == s


def test_a_block_that_succeeds_keeps_its_changes() -> None:
    """Without an exception the mutations stay, and later failures do not undo them."""
    journal = Journal()
    d: dict[str, int] = {}
    with journal.atomic():
        journal.setitem(d, "a", 1)
    with pytest.raises(Boom):
        _fail_inside(journal, lambda: journal.setitem(d, "b", 2))
    assert {"a": 1} == d


def test_nested_blocks_join_the_outer_one() -> None:
    """An inner block's mutations are undone when the outer block raises."""
    journal = Journal()
    d: dict[str, int] = {}

    def inner() -> None:
        with journal.atomic():
            journal.setitem(d, "inner", 1)

    with pytest.raises(Boom):
        _fail_inside(journal, inner, lambda: journal.setitem(d, "outer", 2))
    assert {} == d


def test_base_exceptions_roll_back_too() -> None:
    """A KeyboardInterrupt in the middle of a block still restores the containers."""
    journal = Journal()
    d = {"a": 1}

    def interrupted() -> None:
        with journal.atomic():
            journal.setitem(d, "a", 2)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert {"a": 1} == d


def test_the_journal_is_reusable_after_a_rollback() -> None:
    """After a rollback the next block records afresh."""
    journal = Journal()
    d: dict[str, int] = {}
    with pytest.raises(Boom):
        _fail_inside(journal, lambda: journal.setitem(d, "a", 1))
    with pytest.raises(Boom):
        _fail_inside(journal, lambda: journal.setitem(d, "b", 2))
    journal.setitem(d, "c", 3)
    assert {"c": 3} == d


def test_setdefault_returns_the_existing_value() -> None:
    """``setdefault`` keeps a present value and does not call the factory."""
    journal = Journal()
    existing = {"x"}
    d = {"k": existing}
    assert existing is journal.setdefault(d, "k", lambda: pytest.fail("factory called"))
