"""How entities are named inside the compiled policy.

Every name carries its kind as a prefix, so names of different kinds never
collide: ``user:u-1`` and ``customer:u-1`` are two subjects, ``role:owner`` a
role, ``group:ops`` a group, ``env:production`` an environment,
``traffic:<Customer ID>`` the Customer ID as seen in traffic and
``cid:<Customer ID>`` the subject a gateway asks with. An API's object is
``<workspace>/<api id>``; a workspace's object is its id.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = [
    "api_object",
    "encode_customer_id",
    "env_node",
    "group_node",
    "role_node",
    "traffic_node",
]

#: Characters kept as they are when a Customer ID is written into a name.
_SAFE = "-_.~@:"


def encode_customer_id(customer_id: str) -> str:
    """Percent-encode a Customer ID so it is safe in a Casbin CSV line."""
    return quote(customer_id, safe=_SAFE)


def role_node(role_id: str) -> str:
    """``role:<id>``."""
    return f"role:{role_id}"


def group_node(group_id: str) -> str:
    """``group:<id>``."""
    return f"group:{group_id}"


def env_node(environment: str) -> str:
    """``env:<environment>``."""
    return f"env:{environment}"


def traffic_node(customer_id: str) -> str:
    """``traffic:<encoded Customer ID>``: the Customer ID as recorded on APIs."""
    return f"traffic:{encode_customer_id(customer_id)}"


def api_object(workspace: str, api_id: str) -> str:
    """``<workspace>/<api id>``: the object decisions name an API by."""
    return f"{workspace}/{api_id}"
