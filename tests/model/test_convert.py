"""Tests of the one converter (``rbac_kit.model._convert``): times, enums, sets, attrs classes."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import (
    Api,
    ApiScope,
    Customer,
    Environment,
    Grant,
    Group,
    InvalidInput,
    Role,
    Status,
    User,
    Workspace,
)
from rbac_kit.model import Exclusion, _convert
from rbac_kit.model._convert import as_utc, format_time, parse_time, structure, to_jsonable

NOON = dt.datetime(2026, 12, 4, 14, 30, tzinfo=dt.UTC)

# -- times -------------------------------------------------------------------


def test_module_exports_its_functions_sorted() -> None:
    """``__all__`` names every public function, sorted."""
    assert ["as_utc", "format_time", "parse_time", "structure", "to_jsonable"] == _convert.__all__


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (NOON, "2026-12-04T14:30:00+00:00"),
        (NOON.replace(microsecond=120), "2026-12-04T14:30:00.000120+00:00"),
        (NOON.astimezone(dt.timezone(dt.timedelta(hours=2))), "2026-12-04T14:30:00+00:00"),
        (dt.datetime(2026, 12, 4, 14, 30), "2026-12-04T14:30:00+00:00"),  # naive: UTC
    ],
)
def test_times_are_written_as_iso_8601_in_utc(value: dt.datetime, text: str) -> None:
    """One format: ISO 8601, the instant in UTC with ``+00:00``, microseconds when any."""
    assert text == format_time(value)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-04T14:30:00+00:00",  # what every version has written
        "2026-12-04T14:30:00Z",
        "2026-12-04T16:30:00+02:00",
        "2026-12-04T14:30:00",  # no offset: UTC
        "2026-12-04 14:30:00+00:00",  # str(datetime), as `--json` printed times before
    ],
)
def test_times_are_read_from_every_iso_8601_form(text: str) -> None:
    """Reading accepts what earlier versions wrote and other offsets, giving aware UTC."""
    parsed = parse_time(text)
    assert (NOON, dt.UTC) == (parsed, parsed.tzinfo)


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_times_round_trip(value: dt.datetime) -> None:
    """A written time reads back as the same instant."""
    assert value == parse_time(format_time(value))


def test_bad_times_are_refused_naming_them() -> None:
    """Text that is no time, or a value that is no text, is InvalidInput; long text is cut."""
    with pytest.raises(InvalidInput, match="time 'yesterday' is not ISO 8601"):
        parse_time("yesterday")
    with pytest.raises(InvalidInput) as caught:
        parse_time("x" * 500)
    assert "x" * 101 not in str(caught.value)
    with pytest.raises(InvalidInput, match="ISO 8601 text, got int"):
        parse_time(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="grant time must be a datetime, got str 'now'"):
        as_utc("grant time", "now")  # type: ignore[arg-type]


# -- to JSON-ready data --------------------------------------------------------


def test_enums_become_their_plain_value() -> None:
    """A str enum becomes a plain ``str`` (not the enum member)."""
    assert [str, str] == [type(v) for v in to_jsonable([Status.ACTIVE, ApiScope.ALL])]
    assert ["active", "all"] == to_jsonable((Status.ACTIVE, ApiScope.ALL))


def test_sets_become_sorted_lists_and_containers_are_converted_item_by_item() -> None:
    """Sets are sorted, so the same set always reads the same; nested values are converted."""
    value = {"ids": frozenset({"b", "a", "c"}), "at": [NOON], "envs": {Environment.STAGING}}
    expected = {"ids": ["a", "b", "c"], "at": ["2026-12-04T14:30:00+00:00"], "envs": ["staging"]}
    assert expected == to_jsonable(value)


def test_attrs_classes_become_dicts_of_their_fields() -> None:
    """A value object becomes a dict json.dumps writes as is."""
    role = Role(
        workspace="acme",
        id="auditor",
        name="Auditor",
        permissions={"view_people", "view_api"},
        environments={"staging", "production"},
        api_scope="all",
    )
    expected = {
        "workspace": "acme",
        "id": "auditor",
        "name": "Auditor",
        "permissions": ["view_api", "view_people"],
        "environments": ["production", "staging"],
        "api_scope": "all",
        "builtin": False,
    }
    assert expected == json.loads(json.dumps(to_jsonable(role)))


# -- back from JSON-ready data -----------------------------------------------------

VALUES = [
    Workspace(id="acme", name="Acme"),
    Role(workspace="acme", id="r", name="R", permissions={"view_api"}, environments={"staging"}),
    User(workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="member", groups={"g"}),
    Customer(workspace="acme", id="cy", email="cy@globex.io", customer_id="Big Co", name="Cy"),
    Group(workspace="acme", id="ops", name="Ops"),
    Api(workspace="acme", id="pay", name="Pay", environment="staging", customer_ids={"B", "A"}),
    Grant(workspace="acme", api="pay", target="group:ops", granted_by="user:ann", granted_at=NOON),
    Exclusion(workspace="acme", api="pay", customer="cy"),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_value_objects_round_trip_through_json(value: object) -> None:
    """Every value object survives to_jsonable, JSON text and structure unchanged."""
    data = json.loads(json.dumps(to_jsonable(value)))
    back = structure(data, type(value))
    assert value == back
    if isinstance(value, Grant):
        assert value.granted_at == back.granted_at  # not part of a grant's equality


def test_structure_applies_the_model_checks() -> None:
    """A bad field is InvalidInput with the model's own message."""
    data = {"workspace": "acme", "id": "r", "name": "R", "permissions": [], "environments": ["x"]}
    with pytest.raises(InvalidInput, match="environment 'x' is not one of"):
        structure(data, Role)


def test_structure_names_missing_and_mistyped_fields() -> None:
    """A missing field or a number where text belongs is refused, naming where it is."""
    with pytest.raises(
        InvalidInput, match=r"cannot read a Grant: .*required field missing @ \$\.api"
    ):
        structure({"workspace": "acme", "target": "user:a"}, Grant)
    with pytest.raises(InvalidInput, match=r"expected str @ \$\.target"):
        structure({"workspace": "acme", "api": "pay", "target": 5}, Grant)
    with pytest.raises(InvalidInput, match=r"'soon' is not ISO 8601 .*@ \$\.granted_at"):
        structure(
            {"workspace": "acme", "api": "pay", "target": "user:a", "granted_at": "soon"}, Grant
        )
