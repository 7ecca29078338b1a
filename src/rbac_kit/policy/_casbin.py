"""The bridge to Casbin's own enforcer: the reference every decision must agree with.

This is the only module that imports ``casbin``. It loads ``model.conf`` and a
compiled :class:`Policy` into pycasbin's ``Enforcer`` and maps rbac_kit's
three-part question ``(subject, action, object)`` onto Casbin's request
``(sub, dom, obj, act)``: the domain is the workspace named by the object
(``acme`` for ``acme`` and for ``acme/payments``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import casbin
from casbin.persist.adapter import Adapter

from .._catalog import check_action
from ._policy import Rule

__all__ = ["MODEL_PATH", "CasbinReference", "casbin_request"]

#: The Casbin model file shipped with the package (``model.conf`` at the
#: repository root points here).
MODEL_PATH = Path(__file__).with_name("model.conf")


def casbin_request(subject: str, action: str, obj: str) -> tuple[str, str, str, str]:
    """The Casbin request for ``can(subject, action, obj)``: ``(sub, dom, obj, act)``."""
    return (subject, obj.partition("/")[0], obj, check_action(action))


class _RulesAdapter(Adapter):  # type: ignore[misc]  # pycasbin is untyped
    """Loads policy lines from memory."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = list(rules)

    def load_policy(self, model: Any) -> None:
        for rule in self._rules:
            ptype = rule[0]
            model.model[ptype[0]][ptype].policy.append(list(rule[1:]))


class CasbinReference:
    """pycasbin's enforcer loaded with ``model.conf`` and a compiled policy."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._enforcer = casbin.Enforcer(str(MODEL_PATH), _RulesAdapter(rules))

    def can(self, subject: str, action: str, obj: str) -> bool:
        """Casbin's answer to ``can(subject, action, obj)``."""
        return bool(self._enforcer.enforce(*casbin_request(subject, action, obj)))
