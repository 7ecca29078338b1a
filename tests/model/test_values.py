"""Tests of the value objects (``rbac_kit.model._values``) and the built-in roles."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import attrs
import pytest

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
    UnknownAction,
    User,
    Workspace,
    customer_id_subject,
)
from rbac_kit.model import (
    ALL_ENVIRONMENTS,
    API_ACTIONS,
    BUILTIN_ROLE_IDS,
    WORKSPACE_ACTIONS,
    Exclusion,
    SubjectKind,
    builtin_roles,
)


def _user(**changes: object) -> User:
    fields: dict[str, object] = {
        "workspace": "acme",
        "id": "ann",
        "email": "ann@acme.io",
        "name": "Ann",
        "role": "member",
    }
    fields.update(changes)
    return User(**fields)  # type: ignore[arg-type]


def _customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "workspace": "acme",
        "id": "bigco",
        "email": "ops@bigco.com",
        "customer_id": "Big Co, Inc.",
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


# -- workspaces and roles ------------------------------------------------------


def test_workspace_holds_a_slug_and_a_trimmed_name() -> None:
    """A workspace keeps its slug and trims its name."""
    assert ("acme", "Acme Inc") == attrs.astuple(Workspace(id="acme", name=" Acme Inc "))


@pytest.mark.parametrize(("field", "value"), [("id", "Acme"), ("id", ""), ("name", " ")])
def test_workspace_rejects_bad_fields(field: str, value: str) -> None:
    """A workspace id must be a slug and its name not empty."""
    fields = {"id": "acme", "name": "Acme", field: value}
    with pytest.raises(InvalidInput, match="workspace"):
        Workspace(**fields)


def test_value_objects_are_frozen() -> None:
    """A value object cannot be changed after construction."""
    workspace = Workspace(id="acme", name="Acme")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        workspace.name = "Other"  # type: ignore[misc]


def test_value_objects_take_keyword_arguments_only() -> None:
    """Positional arguments are refused, so fields cannot be swapped by mistake."""
    with pytest.raises(TypeError):
        Workspace("acme", "Acme")  # type: ignore[misc]


def test_role_defaults_to_all_environments_and_granted_apis() -> None:
    """A custom role covers every environment and only granted APIs unless told otherwise."""
    role = Role(workspace="acme", id="ops", name="Ops", permissions=["view_api"])
    assert (ALL_ENVIRONMENTS, ApiScope.GRANTED, False) == (
        role.environments,
        role.api_scope,
        role.builtin,
    )


def test_role_permissions_and_environments_become_frozensets() -> None:
    """Lists of permissions and environments are stored as frozensets of their values."""
    role = Role(
        workspace="acme",
        id="ops",
        name="Ops",
        permissions=["view_api", "edit_api", "view_api"],
        environments=["staging", Environment.PRODUCTION],
        api_scope="all",
    )
    assert frozenset({"view_api", "edit_api"}) == role.permissions
    assert frozenset({Environment.STAGING, Environment.PRODUCTION}) == role.environments
    assert ApiScope.ALL == role.api_scope


def test_role_with_a_lone_permission_string_holds_that_permission() -> None:
    """``permissions="view_api"`` means the one permission, not its letters."""
    role = Role(workspace="acme", id="ops", name="Ops", permissions="view_api")
    assert frozenset({"view_api"}) == role.permissions


def test_role_with_an_unknown_permission_raises_unknown_action() -> None:
    """An unknown permission is an error naming it, never silently dropped."""
    with pytest.raises(UnknownAction, match="'fly'"):
        Role(workspace="acme", id="ops", name="Ops", permissions=["view_api", "fly"])


def test_role_with_no_permissions_is_valid() -> None:
    """A custom role may hold nothing (like No Access)."""
    assert frozenset() == Role(workspace="acme", id="none", name="None", permissions=()).permissions


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("environments", ["moon"], "environment 'moon' is not one of"),
        ("environments", [], "at least one of production, staging, development"),
        ("api_scope", "some", "api scope 'some' is not one of: all, granted"),
        ("id", "ops team", "role id 'ops team'"),
        ("name", "", "role name must not be empty"),
    ],
)
def test_role_rejects_bad_fields(field: str, value: object, message: str) -> None:
    """Each bad role field is rejected with a message naming it."""
    fields: dict[str, object] = {"workspace": "acme", "id": "ops", "name": "Ops", "permissions": ()}
    fields[field] = value
    with pytest.raises(InvalidInput, match=message):
        Role(**fields)  # type: ignore[arg-type]


def test_builtin_roles_are_the_five_of_the_spec() -> None:
    """Owner, Administrator, Member, Customer and No Access, all marked built in."""
    roles = builtin_roles("acme")
    assert BUILTIN_ROLE_IDS == tuple(r.id for r in roles)
    assert ["Owner", "Administrator", "Member", "Customer", "No Access"] == [r.name for r in roles]
    assert {True} == {r.builtin for r in roles}
    assert {"acme"} == {r.workspace for r in roles}


def test_builtin_role_permissions() -> None:
    """Owner holds everything; Administrator all but deleting the workspace; and so on."""
    roles = {r.id: r for r in builtin_roles("acme")}
    everything = WORKSPACE_ACTIONS | API_ACTIONS
    assert everything == roles["owner"].permissions
    assert everything - {"delete_workspace"} == roles["administrator"].permissions
    assert {"view_people", "view_api", "view_requests"} == roles["member"].permissions
    assert {"view_api", "view_requests"} == roles["customer"].permissions
    assert frozenset() == roles["no_access"].permissions
    assert {"owner": ApiScope.ALL, "administrator": ApiScope.ALL} == {
        r.id: r.api_scope for r in roles.values() if r.api_scope is ApiScope.ALL
    }


# -- people --------------------------------------------------------------------


def test_user_email_is_normalised() -> None:
    """A user's email is trimmed and its domain lower-cased; the local part keeps its case."""
    assert "Ann.Lee@acme.io" == _user(email=" Ann.Lee@ACME.io ").email


def test_user_defaults() -> None:
    """A user starts active, in no group, without a password hash."""
    user = _user()
    assert (Status.ACTIVE, frozenset(), None) == (user.status, user.groups, user.password_hash)


def test_user_subject_and_kind() -> None:
    """A user is asked about as ``user:<id>``."""
    assert ("user:ann", SubjectKind.USER) == (_user().subject, _user().kind)


def test_user_groups_accept_a_lone_string() -> None:
    """``groups="ops"`` is the one group ``ops``."""
    assert frozenset({"ops"}) == _user(groups="ops").groups


def test_user_password_hash_is_not_in_repr() -> None:
    """The password hash never shows in a repr (logs, tracebacks)."""
    assert "secret-hash" not in repr(_user(password_hash="secret-hash"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "ann lee", "user id 'ann lee'"),
        ("email", "ann", "email 'ann' is not a valid email"),
        ("name", "", "user name must not be empty"),
        ("role", "", "role id ''"),
        ("groups", ["ops", "bad group"], "group id 'bad group'"),
        ("status", "sleeping", "status 'sleeping' is not one of: active, disabled"),
        ("workspace", "ACME", "workspace id 'ACME'"),
    ],
)
def test_user_rejects_bad_fields(field: str, value: object, message: str) -> None:
    """Each bad user field is rejected, naming the field and the value."""
    with pytest.raises(InvalidInput, match=message):
        _user(**{field: value})


def test_customer_defaults_to_the_customer_role() -> None:
    """A customer gets the Customer role unless another is given."""
    assert "customer" == _customer().role


def test_customer_id_is_kept_exactly() -> None:
    """The Customer ID keeps its case, commas and inner spaces."""
    assert "Big Co, Inc." == _customer().customer_id


def test_customer_subject_never_collides_with_a_user() -> None:
    """A user and a customer with the same id are different subjects."""
    assert _user(id="x").subject != _customer(id="x").subject
    assert "customer:bigco" == _customer().subject


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (" Big Co", "surrounding whitespace"),
        ("Big Co\n", "surrounding whitespace"),
        ("Big\x00Co", "control characters"),
        ("", "must not be empty"),
    ],
)
def test_customer_rejects_bad_customer_ids(value: str, message: str) -> None:
    """A Customer ID with surrounding whitespace or control characters is refused by name."""
    with pytest.raises(InvalidInput, match=message) as caught:
        _customer(customer_id=value)
    assert "Customer ID" in str(caught.value)


def test_customer_name_is_optional_and_checked_when_given() -> None:
    """A customer name may be omitted; when given it is trimmed and must not be empty."""
    assert _customer().name is None
    assert "Big Co" == _customer(name=" Big Co ").name
    with pytest.raises(InvalidInput, match="customer name must not be empty"):
        _customer(name="  ")
    with pytest.raises(InvalidInput, match="control characters"):
        _customer(name="Big\x00Co")


@pytest.mark.parametrize(
    ("customer_id", "subject"),
    [
        ("ACME", "cid:ACME"),
        ("Big Co, Inc.", "cid:Big%20Co%2C%20Inc."),
        ("x(1)%", "cid:x%281%29%25"),
        ("[a]", "cid:%5Ba%5D"),
        ("a@b:c", "cid:a@b:c"),
        ("a/b#c", "cid:a%2Fb%23c"),
    ],
)
def test_customer_id_subject_encodes_unsafe_characters(customer_id: str, subject: str) -> None:
    """Commas, spaces, brackets, '%', '/' and '#' are percent-encoded; the rest is kept."""
    assert subject == customer_id_subject(customer_id)


def test_customer_id_subjects_of_different_ids_differ() -> None:
    """Encoding never maps two Customer IDs to one subject (e.g. ``a b`` and ``a%20b``)."""
    values = ["a b", "a%20b", "a%2520b", "A B", "a+b"]
    assert len(values) == len({customer_id_subject(v) for v in values})


def test_customer_id_subject_rejects_bad_customer_ids() -> None:
    """The gateway name of a bad Customer ID is an error, not a subject."""
    with pytest.raises(InvalidInput, match="surrounding whitespace"):
        customer_id_subject(" ACME")


# -- groups, APIs, grants, exclusions ------------------------------------------


def test_group_rejects_an_empty_name() -> None:
    """A group needs a name."""
    with pytest.raises(InvalidInput, match="group name must not be empty"):
        Group(workspace="acme", id="ops", name="")


def test_api_defaults_and_object() -> None:
    """An API defaults to production and category general; its object is ``<ws>/<id>``."""
    api = Api(workspace="acme", id="payments", name="Payments")
    assert (Environment.PRODUCTION, "general", frozenset(), "acme/payments") == (
        api.environment,
        api.category,
        api.customer_ids,
        api.object,
    )


def test_api_customer_ids_become_a_frozenset() -> None:
    """Customer IDs given as a list are stored as a frozenset; a lone string is one ID."""
    assert (
        frozenset({"ACME", "acme"})
        == Api(
            workspace="acme", id="p", name="P", customer_ids=["ACME", "acme", "ACME"]
        ).customer_ids
    )
    assert (
        frozenset({"ACME"})
        == Api(workspace="acme", id="p", name="P", customer_ids="ACME").customer_ids
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "Payments", "api id 'Payments'"),
        ("name", "", "api name must not be empty"),
        ("environment", "prod", "environment 'prod' is not one of"),
        ("category", " ", "category must not be empty"),
        ("customer_ids", ["ACME", " x"], "Customer ID ' x' has surrounding whitespace"),
    ],
)
def test_api_rejects_bad_fields(field: str, value: object, message: str) -> None:
    """Each bad API field is rejected, naming the field and the value."""
    fields: dict[str, object] = {"workspace": "acme", "id": "p", "name": "P", field: value}
    with pytest.raises(InvalidInput, match=message):
        Api(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["user:ann", "customer:bigco", "group:ops"])
def test_grant_accepts_users_customers_and_groups(target: str) -> None:
    """A grant targets a user, a customer or a group."""
    assert target == Grant(workspace="acme", api="payments", target=target).target


@pytest.mark.parametrize("target", ["ann", "role:owner", "user:", "user:bad id", "cid:ACME"])
def test_grant_rejects_other_targets(target: str) -> None:
    """Any other target is rejected, naming it."""
    with pytest.raises(InvalidInput, match="grant target"):
        Grant(workspace="acme", api="payments", target=target)


def test_grant_rejects_a_non_string_target() -> None:
    """A target that is not a string is InvalidInput, not an AttributeError."""
    with pytest.raises(InvalidInput, match="grant target must be a string"):
        Grant(workspace="acme", api="payments", target=None)  # type: ignore[arg-type]


def test_grants_compare_equal_whatever_their_time() -> None:
    """Two grants of the same access are equal though made at different moments."""
    first = Grant(workspace="acme", api="payments", target="user:ann")
    second = Grant(workspace="acme", api="payments", target="user:ann")
    assert first == second
    assert first.granted_at.tzinfo is not None


def test_exclusion_names_a_customer() -> None:
    """An exclusion holds a customer id, validated like any id."""
    assert "bigco" == Exclusion(workspace="acme", api="payments", customer="bigco").customer
    with pytest.raises(InvalidInput, match="customer id"):
        Exclusion(workspace="acme", api="payments", customer="big co")
