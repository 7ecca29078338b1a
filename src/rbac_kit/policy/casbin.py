"""The bridge to Casbin's own enforcer: the reference every decision must agree with.

This is the only module that imports ``casbin``, and it is imported on demand
(``import rbac_kit`` does not load pycasbin)::

    from rbac_kit.policy.casbin import CasbinReference, casbin_request

It loads ``model.conf`` (:data:`rbac_kit.MODEL_PATH`) and a
compiled :class:`Policy` into pycasbin's ``Enforcer`` and maps rbac_kit's
three-part question ``(subject, action, object)`` onto Casbin's request
``(sub, dom, obj, act)``: the domain is the workspace named by the object
(``acme`` for ``acme`` and for ``acme/payments``). A gateway may name the
domain itself: :meth:`CasbinReference.enforce` asks that raw request, and
the model never allows an object of a workspace other than the domain asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import casbin
from casbin.persist.adapter import Adapter

from ..model._catalog import check_action
from ._policy import MODEL_PATH, Rule

__all__ = ["CasbinReference", "casbin_request", "rule_domain"]


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
    loading a filtered policy, it keeps one enforcer per (domain, action),
    each holding the role links (``g``, ``g2``, ``g3``) of its domain and
    only the ``p`` lines of its action. The matcher starts with
    ``r.dom == p.dom && r.act == p.act`` and asks every role link in
    ``r.dom``, so no other line can take part in the answer, whichever
    domain is asked. A test holds both forms equal.

    ``model`` is the model file to load (tests load older models with it).
    """

    def __init__(
        self, rules: Iterable[Rule], *, sharded: bool = True, model: Path = MODEL_PATH
    ) -> None:
        self._sharded = sharded
        self._model = str(model)
        self._links: dict[str, list[Rule]] = {}
        self._permissions: dict[tuple[str, str], list[Rule]] = {}
        self._all = list(rules)
        for rule in self._all if sharded else ():
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
            enforcer = casbin.Enforcer(self._model, _RulesAdapter(rules))
            self._enforcers[key] = enforcer
        return enforcer

    def can(self, subject: str, action: str, obj: str) -> bool:
        """Casbin's answer to ``can(subject, action, obj)``."""
        return self.enforce(*casbin_request(subject, action, obj))

    def enforce(self, subject: str, domain: str, obj: str, action: str) -> bool:
        """Casbin's answer to the request ``(subject, domain, obj, action)``, any domain.

        What a gateway asks when it names the domain itself, rightly or not;
        :meth:`can` takes the domain from the object. ``action`` is not
        checked against the catalog: an unknown one is simply denied.
        """
        return bool(self._enforcer(domain, action).enforce(subject, domain, obj, action))


def rule_domain(rule: Rule) -> str:
    """The workspace a policy line belongs to (every line names it)."""
    return rule[2] if rule[0] == "p" else rule[3]
