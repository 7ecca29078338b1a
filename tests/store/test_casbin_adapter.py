"""A gateway's view: Casbin's own SQLAlchemy adapter loads casbin_rule and agrees with can().

Each example builds small generated workspaces through a store-backed
Authorizer; then ``casbin.Enforcer(model.conf, sqlalchemy_adapter.Adapter(engine))``
is asked every (subject, action, object) question of them. pycasbin takes
about a millisecond a question, so this test runs a fixed, small number of
examples; the exhaustive agreement of index and Casbin on generated
workspaces is ``tests/policy/test_agreement.py``'s.
"""

from __future__ import annotations

import casbin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy_adapter import Adapter

from rbac_kit import customer_id_subject, open_authorizer
from rbac_kit.policy import MODEL_PATH
from rbac_kit.policy.casbin import casbin_request
from rbac_kit.store import Store

from .helpers import (
    ACTIONS,
    APIS,
    CIDS,
    CUSTOMERS,
    USERS,
    WORKSPACES,
    Change,
    apply_script,
    changes,
    wipe,
)


def _questions() -> list[tuple[str, str, str]]:
    subjects = [f"user:{u}" for u in USERS] + [f"customer:{c}" for c in CUSTOMERS]
    subjects += [customer_id_subject(c) for c in CIDS] + ["user:nobody"]
    objects = [*WORKSPACES, *(f"{w}/{a}" for w in WORKSPACES for a in APIS), "w1/none"]
    return [(s, a, o) for s in subjects for a in ACTIONS for o in objects]


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(changes, max_size=30))
def test_casbin_adapter_answers_as_the_authorizer(store: Store, script: list[Change]) -> None:
    """Casbin, loading casbin_rule through its SQLAlchemy adapter, decides exactly as can()."""
    wipe(store)
    authz = open_authorizer(store)
    apply_script(authz, script)
    enforcer = casbin.Enforcer(str(MODEL_PATH), Adapter(store.engine))
    questions = _questions()
    expected = authz.can_many(questions)
    assert expected == [bool(enforcer.enforce(*casbin_request(*q))) for q in questions]
