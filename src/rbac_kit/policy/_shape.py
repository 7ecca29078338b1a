"""The shapes of the lines the compiler writes, checked before the index takes any.

The decision index keeps counts and reverse maps that are only right for lines
of these shapes (see ``model.conf`` and ``_compiler.py``), so a line of any
other shape is refused whole instead of being half understood. The check
runs on every line of every build, so it dispatches on ``(ptype, length)``
once and then tests only what that kind of line can get wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from .._errors import InvalidPolicy
from ..model._catalog import API_ACTIONS, WORKSPACE_ACTIONS
from ._policy import Rule

__all__ = ["SUBJECT_PREFIXES", "check_shape"]

#: The prefixes of the names a role is held by and access is given to.
SUBJECT_PREFIXES = ("user:", "customer:")
_SCOPES = ("all", "granted")
_ACCESS_SOURCES = (*SUBJECT_PREFIXES, "group:", "traffic:")


def _p(rule: Rule) -> bool:
    _, role, dom, obj, act, scope = rule
    return role.startswith("role:") and (
        (scope == "workspace" and obj == dom and act in WORKSPACE_ACTIONS)
        or (scope in _SCOPES and obj.startswith("env:") and act in API_ACTIONS)
    )


def _g(rule: Rule) -> bool:
    _, sub, target, _dom = rule
    return (sub.startswith(SUBJECT_PREFIXES) and target.startswith("role:")) or (
        sub.startswith("cid:") and target.startswith("customer:")
    )


def _g2(rule: Rule) -> bool:
    _, src, dst, dom = rule
    if dst.startswith("group:"):
        return src.startswith(SUBJECT_PREFIXES)
    if dst.startswith("traffic:"):
        return src.startswith("customer:")
    if dst.startswith("customer:"):
        return src.startswith("cid:")
    # An API, which must be one of this domain's.
    return dst.startswith(dom + "/") and src.startswith(_ACCESS_SOURCES)


def _g3(rule: Rule) -> bool:
    _, obj, env, dom = rule
    # An API of this domain, as every reader splits it (the domain is what precedes "/").
    head, slash, _ = obj.partition("/")
    return head == dom and slash == "/" and env.startswith("env:")


def _all_strings(rule: Rule) -> bool:
    """True when every part is a ``str`` (the compiler writes str and StrEnum actions)."""
    try:
        # join type-checks every part in C: a generator of isinstance calls costs
        # more than the rest of the check on a 500k-line build.
        "".join(rule)
    except TypeError:
        return False
    return True


_CHECKS: dict[tuple[str, int], Callable[[Rule], bool]] = {
    ("p", 6): _p,
    ("g", 4): _g,
    ("g2", 4): _g2,
    ("g3", 4): _g3,
}


def check_shape(rule: Rule) -> None:
    """Raise InvalidPolicy unless ``rule`` has a shape the compiler writes.

    Raises:
        InvalidPolicy: the line, quoted, is of no shape the compiler writes.
    """
    check = _CHECKS.get((rule[0], len(rule))) if rule and isinstance(rule[0], str) else None
    if check is None or not _all_strings(rule) or not check(rule):
        raise InvalidPolicy(
            f"policy line {', '.join(map(str, rule))!r} does not have a shape the "
            "rbac_kit compiler writes (see model.conf)"
        )
