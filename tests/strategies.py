"""Hypothesis strategies for rbac_kit's tests: small pools, so generated changes collide."""

from __future__ import annotations

from hypothesis import strategies as st

from rbac_kit import ApiScope, Authorizer, Environment, Status
from rbac_kit.testing.strategies import authorizers

#: Workspaces the generated changes use.
WORKSPACES = ("w1", "w2")
#: Pools of ids; subject ids are unique across workspaces, the others per workspace.
USER_IDS = ("u0", "u1", "u2")
CUSTOMER_IDS = ("c0", "c1", "c2")
GROUP_IDS = ("g0", "g1")
API_IDS = ("a0", "a1")
CUSTOM_ROLE_IDS = ("r0", "r1")
BUILTIN_ROLE_IDS = ("owner", "administrator", "member", "customer", "no_access")
#: Customer IDs, with characters that need care in a Casbin CSV line, shared between customers.
CUSTOMER_ID_VALUES = ("ACME", "acme", "Big Co, Inc.", "x(1)%")
#: Actions the generated roles hold and the questions ask: both levels, and
#: actions that built-in roles split on (delete_workspace: Owner only).
ACTIONS = (
    "view_people",
    "manage_api_access",
    "delete_workspace",
    "view_api",
    "edit_api",
    "delete_api",
)

#: Mostly the populated workspace, sometimes the other one.
workspaces = st.sampled_from(("w1", "w1", "w1", "w2"))
user_ids = st.sampled_from(USER_IDS)
customer_ids = st.sampled_from(CUSTOMER_IDS)
subjects = st.one_of(
    user_ids.map(lambda u: f"user:{u}"), customer_ids.map(lambda c: f"customer:{c}")
)
group_ids = st.sampled_from(GROUP_IDS)
api_ids = st.sampled_from(API_IDS)
role_ids = st.sampled_from(BUILTIN_ROLE_IDS + CUSTOM_ROLE_IDS)
custom_role_ids = st.sampled_from(CUSTOM_ROLE_IDS)
customer_id_values = st.sampled_from(CUSTOMER_ID_VALUES)
group_names = st.sampled_from(("Ops", "ops", "Dev", "Support"))
environments = st.sampled_from(tuple(Environment))
environment_scopes = st.frozensets(environments, min_size=1)
api_scopes = st.sampled_from(tuple(ApiScope))
statuses = st.sampled_from(tuple(Status))
permissions = st.frozensets(st.sampled_from(ACTIONS))
targets = st.one_of(subjects, group_ids.map(lambda g: f"group:{g}"))


def _several_workspaces(authz: Authorizer) -> bool:
    return len(list(authz.directory.workspaces())) > 1


#: Two or three drawn workspaces (``rbac_kit.testing.strategies``), small enough to ask
#: pycasbin every question across them.
multi_workspace_authorizers = authorizers(
    max_workspaces=3, max_people=4, max_groups=2, max_apis=2
).filter(_several_workspaces)
