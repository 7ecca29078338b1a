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

from ..model._catalog import check_action
from ._policy import Rule

__all__ = ["MODEL_PATH", "CasbinReference", "casbin_request", "rule_domain"]

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
    """pycasbin's enforcer loaded with ``model.conf`` and a compiled policy.

    With ``sharded=False`` it is one ``casbin.Enforcer`` holding every line.
    By default it is faster and answers the same: like a multi-tenant gateway
    loading a filtered policy, it keeps one enforcer per (workspace, action),
    each holding the role links (``g``, ``g2``, ``g3``) of its workspace and
    only the ``p`` lines of its action. The matcher starts with
    ``r.dom == p.dom && r.act == p.act`` and every role link is per domain
    (``g3`` lines belong to the workspace their API object names), so no
    other line can take part in the answer. A test holds both forms equal.
    """

    def __init__(self, rules: Iterable[Rule], *, sharded: bool = True) -> None:
        self._sharded = sharded
        self._links: dict[str, list[Rule]] = {}
        self._permissions: dict[tuple[str, str], list[Rule]] = {}
        self._all = list(rules)
        for rule in self._all:
            if rule[0] == "p":
                self._permissions.setdefault((rule[2], rule[4]), []).append(rule)
            else:
                self._links.setdefault(rule_domain(rule), []).append(rule)
        self._enforcers: dict[tuple[str, str], Any] = {}

    def _enforcer(self, domain: str, action: str) -> Any:
        key = (domain, action) if self._sharded else ("", "")
        enforcer = self._enforcers.get(key)
        if enforcer is None:
            if self._sharded:
                rules = self._links.get(domain, []) + self._permissions.get(key, [])
            else:
                rules = self._all
            enforcer = casbin.Enforcer(str(MODEL_PATH), _RulesAdapter(rules))
            self._enforcers[key] = enforcer
        return enforcer

    def can(self, subject: str, action: str, obj: str) -> bool:
        """Casbin's answer to ``can(subject, action, obj)``."""
        request = casbin_request(subject, action, obj)
        return bool(self._enforcer(request[1], request[3]).enforce(*request))


def rule_domain(rule: Rule) -> str:
    """The workspace a policy line belongs to."""
    if rule[0] == "p":
        return rule[2]
    if rule[0] == "g3":
        return rule[1].partition("/")[0]
    return rule[3]
