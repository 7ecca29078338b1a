"""Asserting permissions in a test suite: helpers that say *why* a decision went wrong.

::

    from rbac_kit.testing import assert_allowed, assert_decisions, assert_denied

    assert_allowed(authz, "user:ann", "view_api", "acme/payments")
    assert_denied(authz, "customer:globex", "edit_api", "acme/payments")
    assert_decisions(authz, [
        ("user:ann", "view_api", "acme/payments", True),
        ("user:ann", "delete_workspace", "acme", False),
    ])

A failing assertion names the question, the answer and its explanation (the
role and permission used and every access path, or the first condition that
failed), so the test report shows what to fix. ``assert_decisions`` checks a
whole permission matrix and reports every mismatch at once.

Also here: ``rbac_kit.testing.strategies``, hypothesis strategies that
generate valid workspaces (needs hypothesis: ``pip install
'rbac-kit[testing]'``), and a pytest plugin (``rbac_kit.testing.pytest_plugin``,
registered on install) with ready fixtures. See ``docs/testing.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeAlias

from .. import Explanation

__all__ = ["Expectation", "Explaining", "assert_allowed", "assert_decisions", "assert_denied"]

#: One row of a permission matrix: (subject, action, object, allowed?).
Expectation: TypeAlias = tuple[str, str, str, bool]


class Explaining(Protocol):
    """Anything that explains decisions: an :class:`~rbac_kit.Authorizer`."""

    def explain(self, subject: str, action: str, obj: str) -> Explanation:
        """The decision on ``(subject, action, obj)`` with its reasons."""
        ...


def _verdict(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


def _mismatch(explanation: Explanation, expected: bool) -> str:
    return (
        f"expected {explanation.subject} {explanation.action} {explanation.object} to be "
        f"{_verdict(expected)}, but it is {_verdict(explanation.allowed)}: {explanation}"
    )


def assert_allowed(authz: Explaining, subject: str, action: str, obj: str) -> None:
    """Fail, with the explanation, unless ``subject`` may perform ``action`` on ``obj``.

    Raises:
        AssertionError: the decision is deny.
        UnknownAction: ``action`` is not in the permission catalog.
    """
    assert_decisions(authz, [(subject, action, obj, True)])


def assert_denied(authz: Explaining, subject: str, action: str, obj: str) -> None:
    """Fail, with the explanation, if ``subject`` may perform ``action`` on ``obj``.

    Raises:
        AssertionError: the decision is allow.
        UnknownAction: ``action`` is not in the permission catalog.
    """
    assert_decisions(authz, [(subject, action, obj, False)])


def assert_decisions(authz: Explaining, expected: Iterable[Expectation]) -> None:
    """Check every row of a permission matrix; fail once, listing every mismatch.

    Raises:
        AssertionError: one or more decisions differ from ``expected``; the
            message has one line per mismatch, with its explanation.
        UnknownAction: an action is not in the permission catalog (a typo in
            the matrix is an error, never a silent deny).
    """
    wrong = [
        _mismatch(explanation, allowed)
        for subject, action, obj, allowed in expected
        if (explanation := authz.explain(subject, action, obj)).allowed is not allowed
    ]
    if len(wrong) == 1:
        raise AssertionError(wrong[0])
    if wrong:
        raise AssertionError(f"{len(wrong)} decisions differ:\n" + "\n".join(wrong))
