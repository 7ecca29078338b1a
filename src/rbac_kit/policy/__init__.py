"""Casbin policy: compiled, indexed, changed, explained (pycasbin itself: ``policy.casbin``)."""

from ._change import ChangeRecord, ChangeSink
from ._compiler import compile_directory, compile_owner, compile_owners
from ._explain import Explanation, explain
from ._index import DecisionIndex
from ._policy import MODEL_PATH, Policy, PolicyDelta, Rule, rule_to_csv

__all__ = [
    "MODEL_PATH",
    "ChangeRecord",
    "ChangeSink",
    "DecisionIndex",
    "Explanation",
    "Policy",
    "PolicyDelta",
    "Rule",
    "compile_directory",
    "compile_owner",
    "compile_owners",
    "explain",
    "rule_to_csv",
]
