"""Rows and domain objects: every entity survives the trip to a row and back."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt

import pytest

from rbac_kit import Api, Customer, Grant, Group, InvalidInput, Role, User
from rbac_kit.model import Exclusion
from rbac_kit.store import _rows as rows


def test_role_round_trips() -> None:
    """A role comes back equal, its permissions and environments as sorted lists in the row."""
    role = Role(
        workspace="acme",
        id="auditor",
        name="Auditor",
        permissions={"view_api", "view_people"},
        environments={"staging", "production"},
        api_scope="all",
    )
    row = rows.role_row(role)
    assert ["view_api", "view_people"] == row["permissions"]
    assert ["production", "staging"] == row["environments"]
    assert role == rows.role_from_row(row)


def test_people_round_trip_with_their_groups() -> None:
    """Users and customers come back equal; groups travel as membership rows."""
    user = User(
        workspace="acme",
        id="ann",
        email="Ann@Example.COM",
        name="Ann",
        role="member",
        groups={"ops", "dev"},
        status="disabled",
        password_hash="$argon2id$x",
    )
    customer = Customer(
        workspace="acme", id="c1", email="c1@x.io", customer_id="Big Co, Inc.", name="Big"
    )
    for person in (user, customer):
        groups = [m["group_id"] for m in rows.membership_rows(person)]
        assert person == rows.person_from_row(rows.person_row(person), groups)
    assert "ann@example.com" == rows.person_row(user)["email_key"]
    assert rows.person_row(user)["customer_id"] is None


def test_group_api_and_exclusion_round_trip() -> None:
    """Groups, APIs (with Customer IDs) and exclusions come back equal."""
    group = Group(workspace="acme", id="ops", name="Ops")
    api = Api(workspace="acme", id="pay", name="Pay", environment="staging", customer_ids={"A"})
    assert group == rows.group_from_row(rows.group_row(group))
    cids = [r["customer_id"] for r in rows.api_customer_id_rows(api)]
    assert api == rows.api_from_row(rows.api_row(api), cids)
    exclusion = Exclusion(workspace="acme", api="pay", customer="c1")
    assert exclusion == rows.exclusion_from_row(rows.exclusion_row("acme", "pay", "customer:c1"))


def test_grant_times_are_stored_in_utc() -> None:
    """A grant's time is kept as the same instant in UTC; a naive time is taken as UTC."""
    noon = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    grant = Grant(workspace="acme", api="pay", target="group:ops", granted_at=noon)
    row = rows.grant_row(grant)
    assert dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC) == row["granted_at"]
    assert ("group", "ops") == (row["target_kind"], row["target_id"])
    back = rows.grant_from_row(row)
    assert (grant, noon) == (back, back.granted_at)
    naive = Grant(workspace="acme", api="pay", target="user:a", granted_at=dt.datetime(2030, 1, 1))
    assert dt.datetime(2030, 1, 1, tzinfo=dt.UTC) == rows.grant_row(naive)["granted_at"]


@pytest.mark.parametrize(
    ("granted_by", "granted_at"),
    [(None, dt.datetime.now(dt.UTC)), ("", dt.datetime.now(dt.UTC)), ("ann", "yesterday")],
)
def test_grant_row_rejects_bad_values(granted_by: object, granted_at: object) -> None:
    """A grant without a granter, or with a time that is not a datetime, cannot be stored."""
    grant = Grant(
        workspace="acme",
        api="pay",
        target="user:a",
        granted_by=granted_by,  # type: ignore[arg-type]
        granted_at=granted_at,  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidInput, match=r"granted_by|grant time"):
        rows.grant_row(grant)


def test_rules_map_to_adapter_columns() -> None:
    """A policy line fills ptype and v0.. in order, the rest NULL, and reads back the same."""
    rule = ("p", "role:member", "acme", "env:all", "view_api", "granted")
    row = rows.rule_row(rule)
    assert {"ptype": "p", "v0": "role:member", "v4": "granted", "v5": None} == {
        k: row[k] for k in ("ptype", "v0", "v4", "v5")
    }
    assert rule == rows.rule_from_row(row)


@pytest.mark.parametrize("rule", [("p",), ("p", "1", "2", "3", "4", "5", "6", "7")])
def test_rule_row_needs_one_to_six_values(rule: tuple[str, ...]) -> None:
    """A line with no values, or more than casbin_rule has columns for, is refused."""
    with pytest.raises(InvalidInput, match="1 to 6 values"):
        rows.rule_row(rule)


def test_json_keeps_times() -> None:
    """Rows go into the audit log as JSON and come back with their times."""
    row = {"granted_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "api": "pay"}
    assert {"granted_at": "2030-01-01T00:00:00+00:00", "api": "pay"} == rows.to_json(row)
    assert row == rows.from_json(rows.to_json(row))


def test_json_writes_times_as_events_always_held_them() -> None:
    """The text of a time in an event is what ``datetime.isoformat()`` of UTC wrote before."""
    at = dt.datetime(2030, 1, 1, 9, 5, 7, 250, tzinfo=dt.UTC)
    assert {"granted_at": "2030-01-01T09:05:07.000250+00:00"} == rows.to_json({"granted_at": at})
    assert {"time": "2030-01-01T09:05:07.000250+00:00"} == rows.to_json({"time": at})


@pytest.mark.parametrize(
    "stored",
    [
        "2030-01-01T00:00:00+00:00",  # what events in existing databases hold
        "2030-01-01T00:00:00.000000+00:00",
        "2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00",  # no offset: UTC
        "2030-01-01T01:00:00+01:00",
    ],
)
def test_json_reads_times_of_old_events(stored: str) -> None:
    """A row of an event stored by an earlier version reads back with an aware UTC time."""
    old_row = {"workspace": "acme", "api": "pay", "granted_at": stored, "target_kind": "user"}
    row = rows.from_json(old_row)
    assert dt.datetime(2030, 1, 1, tzinfo=dt.UTC) == row["granted_at"]
    assert dt.UTC == row["granted_at"].tzinfo
    assert {**old_row, "granted_at": row["granted_at"]} == row


def test_json_refuses_a_time_that_is_not_iso_8601() -> None:
    """A damaged time in an event is InvalidInput naming it, not a bare ValueError."""
    with pytest.raises(InvalidInput, match="time 'yesterday' is not ISO 8601"):
        rows.from_json({"granted_at": "yesterday"})
