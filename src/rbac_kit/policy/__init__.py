"""Compilation to Casbin policy, the decision index, and the Casbin reference."""

from ._compiler import compile_directory, compile_owner, compile_owners
from ._index import DecisionIndex
from ._policy import Policy, PolicyDelta, Rule, rule_to_csv
from .casbin import MODEL_PATH, CasbinReference, casbin_request

__all__ = [
    "MODEL_PATH",
    "CasbinReference",
    "DecisionIndex",
    "Policy",
    "PolicyDelta",
    "Rule",
    "casbin_request",
    "compile_directory",
    "compile_owner",
    "compile_owners",
    "rule_to_csv",
]
