"""Entities as the command line's ``--json`` shows them (``rbac_kit.cli._describe``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt
import json

from rbac_kit import Customer, Grant, Role
from rbac_kit.cli._describe import describe


def test_describe_never_shows_a_password_hash() -> None:
    """A person's password hash is left out; enums are plain values, sets sorted lists."""
    customer = Customer(
        workspace="acme",
        id="cy",
        email="cy@globex.io",
        customer_id="G-1",
        groups={"b", "a"},
        password_hash="$argon2id$secret",
    )
    expected = {
        "workspace": "acme",
        "id": "cy",
        "email": "cy@globex.io",
        "customer_id": "G-1",
        "role": "customer",
        "groups": ["a", "b"],
        "status": "active",
        "name": None,
    }
    assert expected == describe(customer)
    assert str is type(describe(customer)["status"])


def test_describe_writes_times_as_iso_8601_in_utc() -> None:
    """A time is ISO 8601 text in UTC, as everywhere else in the library."""
    at = dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    grant = Grant(workspace="acme", api="pay", target="user:ann", granted_at=at)
    assert "2026-12-04T14:30:00+00:00" == describe(grant)["granted_at"]


def test_describe_is_json_ready() -> None:
    """What describe gives json.dumps writes without a fallback, and reads back the same."""
    role = Role(workspace="acme", id="r", name="R", permissions={"view_api"}, api_scope="all")
    described = describe(role)
    assert described == json.loads(json.dumps(described))
