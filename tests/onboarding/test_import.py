"""CSV import through the Python API: every bad-row kind, skip-bad-rows, dry run, one change.

Every test runs on SQLite and, with ``RBAC_KIT_TEST_POSTGRES_URL`` set, on
PostgreSQL. A refused file is checked to leave the database (rows,
``casbin_rule``, revision, audit log) exactly as it was.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from rbac_kit import (
    SYSTEM,
    Customer,
    Forbidden,
    ImportRejected,
    InvalidInput,
    RowError,
    Status,
    User,
    Workspace,
    import_people,
    open_authorizer,
)
from rbac_kit.onboarding import verify_password
from rbac_kit.store import Store
from tests.store.helpers import dump

from .csv_world import (
    ADMIN,
    ANN,
    CHEAP,
    CUSTOMERS,
    GOOD,
    OWNER,
    PM,
    USERS,
    Acme,
    build_acme,
    csv_bytes,
)

PAYMENTS = "acme/payments"
#: A good row for line 2 of a users file, so a refusal is seen to hold back good rows too.
GOOD_USER = ("good@acme.io", "Good", "member", "", GOOD)
GOOD_CUSTOMER = ("good@cust.io", "Good", "C-GOOD", "", "", GOOD)


@pytest.fixture
def acme(url: str) -> Iterator[Acme]:
    with Store.open(url) as store:
        yield build_acme(store)


def _refused(acme: Acme, actor: str, kind: str, data: bytes) -> tuple[RowError, ...]:
    """Import ``data``, require it refused, and require the database untouched."""
    before, revision = dump(acme.store), acme.authz.revision
    with pytest.raises(ImportRejected) as caught:
        import_people(acme.authz, actor, "acme", kind, data, hashing=CHEAP)  # type: ignore[arg-type]
    assert before == dump(acme.store)
    assert revision == acme.authz.revision == acme.store.revision()
    return caught.value.errors


#: (kind, importer, bad row on line 3, expected column, a phrase of the reason)
BAD_ROWS: list[tuple[str, str, Sequence[str], str | None, str]] = [
    ("users", OWNER, ("not-an-email", "X", "member", "", GOOD), "email", "not a valid email"),
    ("users", OWNER, ("GOOD@acme.io", "X", "member", "", GOOD), "email", "also on line 2"),
    ("users", OWNER, ("Ann@ACME.io", "X", "member", "", GOOD), "email", "already a member"),
    ("users", OWNER, ("x@acme.io", "", "member", "", GOOD), "name", "name is missing"),
    ("users", OWNER, ("x@acme.io", "X", "wizard", "", GOOD), "role", "no role 'wizard'"),
    ("users", OWNER, ("x@acme.io", "X", "Administrator", "", GOOD), "role", "'administrator'?"),
    ("users", OWNER, ("x@acme.io", "X", "member", "ops;nope", GOOD), "groups", "no group 'nope'"),
    ("users", OWNER, ("x@acme.io", "X", "member", "bad group!", GOOD), "groups", "not a valid id"),
    ("users", OWNER, ("x@acme.io", "X", "member", "", "short"), "password", "shorter than 12"),
    ("users", OWNER, ("x@acme.io", "X", "member", "", ""), "password", "password is missing"),
    ("users", OWNER, ("x@acme.io", "X", "member", "", "a" * 20), "password", "one character"),
    ("users", OWNER, ("x@acme.io", "X", "member", "", "p" * 129), "password", "longer than 128"),
    (
        "users",
        OWNER,
        ("longname@acme.io", "X", "member", "", "LongName@acme.io"),
        "password",
        "is the email address",
    ),
    ("users", ADMIN, ("x@acme.io", "X", "owner", "", GOOD), "role", "delete_workspace"),
    ("users", PM, ("x@acme.io", "X", "no_access", "ops", GOOD), "groups", "does not reach"),
    ("users", OWNER, ("x@acme.io", "X", "member", "", GOOD, "extra"), None, "6 cells"),
    ("customers", OWNER, ("x@c.io", "X", "C-1", "", "", GOOD), "customer_id", "belongs to"),
    ("customers", OWNER, ("x@c.io", "X", "C-GOOD", "", "", GOOD), "customer_id", "on line 2"),
    ("customers", OWNER, ("x@c.io", "X", " C-9", "", "", GOOD), "customer_id", "whitespace"),
    ("customers", OWNER, ("x@c.io", "X", "", "", "", GOOD), "customer_id", "is missing"),
    (
        "customers",
        PM,
        ("x@c.io", "X", "C-TRAFFIC", "no_access", "", GOOD),
        "customer_id",
        "gives access to API 'acme/ledger'",
    ),
    ("customers", OWNER, ("x@c.io", "X", "C-9", "wizard", "", GOOD), "role", "no role"),
]


@pytest.mark.parametrize(
    ("kind", "actor", "row", "column", "reason"),
    BAD_ROWS,
    ids=[f"{k}-{c}-{r[:20]}" for k, _, _, c, r in BAD_ROWS],
)
def test_each_bad_row_is_reported_with_line_column_reason_and_nothing_changes(
    acme: Acme, kind: str, actor: str, row: Sequence[str], column: str | None, reason: str
) -> None:
    """One bad row refuses the file, the good row before it included, and is named exactly."""
    if actor == PM:  # pm may give no_access only; the good row must stay good for it
        first = ("good@acme.io", "Good", "no_access", "", GOOD)
        if kind == "customers":
            first = ("good@cust.io", "Good", "C-GOOD", "no_access", "", GOOD)
    else:
        first = GOOD_USER if kind == "users" else GOOD_CUSTOMER
    header = USERS if kind == "users" else CUSTOMERS
    (error,) = _refused(acme, actor, kind, csv_bytes(header, first, row))
    assert (3, column) == (error.line, error.column)
    assert reason in error.reason


def test_every_problem_of_every_row_is_reported_in_file_order(acme: Acme) -> None:
    """A row with several bad cells gets one error per cell, in column order."""
    data = csv_bytes(
        USERS,
        ("bad", "", "wizard", "nope", "short"),
        GOOD_USER,
        ("ann@acme.io", "Ann", "member", "", GOOD),
    )
    errors = _refused(acme, OWNER, "users", data)
    assert [
        (2, "email"),
        (2, "name"),
        (2, "role"),
        (2, "groups"),
        (2, "password"),
        (4, "email"),
    ] == [(e.line, e.column) for e in errors]
    assert "line 2, column email: email 'bad' is not a valid email address" in str(errors[0])


def test_a_duplicate_is_found_even_when_its_first_row_is_bad_too(acme: Acme) -> None:
    """Both rows are reported at once, so fixing the first does not reveal the second later."""
    data = csv_bytes(
        USERS, ("x@acme.io", "X", "wizard", "", GOOD), ("X@acme.io", "Y", "", "", GOOD)
    )
    errors = _refused(acme, OWNER, "users", data)
    assert [(2, "role"), (3, "email")] == [(e.line, e.column) for e in errors]


def test_a_member_without_manage_people_may_not_import(acme: Acme) -> None:
    """The importer needs manage_people, as Management.add_user does; nothing changes."""
    before = dump(acme.store)
    with pytest.raises(Forbidden, match="manage_people"):
        import_people(acme.authz, ANN, "acme", "users", csv_bytes(USERS, GOOD_USER), hashing=CHEAP)
    assert before == dump(acme.store)


def test_import_is_one_change_and_people_have_access_at_once(acme: Acme) -> None:
    """Rows, casbin_rule and one audit event commit together; decisions see the people at once."""
    revision = acme.authz.revision
    data = csv_bytes(
        USERS,
        ("dora@acme.io", "Dora", "member", "ops", GOOD),
        ("ed@acme.io", "Ed", "", "ops;lobby", GOOD + "!"),
        ("fay@acme.io", "Fay", "no_access", "", GOOD + "?"),
    )
    report = import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP)
    assert ["dora@acme.io", "ed@acme.io", "fay@acme.io"] == [p.email for p in report.people]
    assert (3, (), False) == (report.rows, report.errors, report.dry_run)
    assert revision + 1 == report.revision == acme.store.revision()
    (event,) = acme.store.events(after=revision)
    assert ("import_users", OWNER, "acme/import:users") == (event.action, event.actor, event.target)
    dora, ed, fay = report.people
    assert acme.authz.can(dora.subject, "view_api", PAYMENTS)
    assert acme.authz.can(ed.subject, "view_api", PAYMENTS)
    assert not acme.authz.can(fay.subject, "view_api", PAYMENTS)
    assert sorted(acme.authz.policy.rules()) == acme.store.rules()
    assert [] == dump(acme.store)["email_outbox"]


def test_imported_people_reload_with_their_fields_and_verifiable_passwords(acme: Acme) -> None:
    """A second process loading the store sees exactly the people imported, hashes included."""
    data = csv_bytes(
        (*USERS, "status"),
        ("dora@acme.io", "Dora", "member", "ops", GOOD, "disabled"),
    )
    (dora,) = import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP).people
    loaded = open_authorizer(acme.store).directory.person(dora.subject)
    assert isinstance(loaded, User)
    assert (dora.email, "Dora", "member", frozenset({"ops"}), Status.DISABLED) == (
        loaded.email,
        loaded.name,
        loaded.role,
        loaded.groups,
        loaded.status,
    )
    assert loaded.password_hash is not None
    assert verify_password(loaded.password_hash, GOOD, hashing=CHEAP)
    assert not verify_password(loaded.password_hash, GOOD + "x", hashing=CHEAP)
    assert not acme.authz.can(dora.subject, "view_api", PAYMENTS)  # disabled


def test_customers_import_with_customer_ids_and_passwords(acme: Acme) -> None:
    """Customer IDs are kept exactly; a customer reaches the APIs its Customer ID shows in."""
    data = csv_bytes(
        CUSTOMERS,
        ("gus@cust.io", "", "C-TRAFFIC", "", "", GOOD),
        ("hal@cust.io", "Hal Co", "c-traffic", "customer", "lobby", GOOD),
    )
    gus, hal = import_people(acme.authz, OWNER, "acme", "customers", data, hashing=CHEAP).people
    assert isinstance(gus, Customer)
    assert isinstance(hal, Customer)
    assert ("C-TRAFFIC", None, "customer") == (gus.customer_id, gus.name, gus.role)
    assert ("c-traffic", "Hal Co", frozenset({"lobby"})) == (hal.customer_id, hal.name, hal.groups)
    assert acme.authz.can(gus.subject, "view_api", "acme/ledger")
    assert not acme.authz.can(hal.subject, "view_api", "acme/ledger")
    loaded = open_authorizer(acme.store).directory.person(gus.subject)
    assert isinstance(loaded, Customer)
    assert loaded.password_hash is not None
    assert verify_password(loaded.password_hash, GOOD, hashing=CHEAP)


def test_an_id_column_names_the_people_and_blank_ids_are_drawn(acme: Acme) -> None:
    """An optional ``id`` column gives each person their id; an empty cell draws one."""
    data = csv_bytes(
        (*USERS, "id"),
        ("dora@acme.io", "Dora", "member", "ops", GOOD, "dora"),
        ("ed@acme.io", "Ed", "member", "", GOOD, ""),
    )
    dora, ed = import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP).people
    assert "user:dora" == dora.subject
    assert 10 == len(ed.id)
    assert acme.authz.can("user:dora", "view_api", PAYMENTS)
    customers = csv_bytes((*CUSTOMERS, "id"), ("gus@cust.io", "", "C-GUS", "", "", GOOD, "gus"))
    (gus,) = import_people(acme.authz, OWNER, "acme", "customers", customers, hashing=CHEAP).people
    assert "customer:gus" == gus.subject
    assert "dora" in open_authorizer(acme.store).directory.workspace("acme").users


@pytest.mark.parametrize(
    ("row_id", "reason"),
    [
        ("ann", "user:ann already exists"),
        ("bad id!", "not a valid id"),
        ("twin", "id 'twin' is also on line 2"),
    ],
)
def test_a_bad_id_is_a_bad_row(acme: Acme, row_id: str, reason: str) -> None:
    """An id that is taken, malformed or repeated in the file is reported on its row."""
    data = csv_bytes(
        (*USERS, "id"),
        ("good@acme.io", "Good", "member", "", GOOD, "twin"),
        ("x@acme.io", "X", "member", "", GOOD, row_id),
    )
    (error,) = _refused(acme, OWNER, "users", data)
    assert (3, "id") == (error.line, error.column)
    assert reason in error.reason


def test_an_id_taken_in_another_workspace_is_a_bad_row(acme: Acme) -> None:
    """Subject names are unique across the store, not only in the workspace."""
    acme.mgmt.workspaces.create(
        SYSTEM,
        workspace=Workspace(id="beta", name="Beta"),
        owner=User(workspace="beta", id="bea", email="bea@beta.io", name="Bea", role="owner"),
    )
    data = csv_bytes((*USERS, "id"), ("x@acme.io", "X", "member", "", GOOD, "bea"))
    (error,) = _refused(acme, OWNER, "users", data)
    assert "user:bea already exists" in error.reason


def test_skip_bad_rows_imports_the_good_rows_and_reports_the_bad(acme: Acme) -> None:
    """With skip_bad_rows, bad rows are listed in the report and only good rows are written."""
    data = csv_bytes(
        USERS,
        ("dora@acme.io", "Dora", "member", "", GOOD),
        ("ann@acme.io", "Ann", "member", "", GOOD),
        ("ed@acme.io", "Ed", "member", "", "short"),
    )
    report = import_people(
        acme.authz, OWNER, "acme", "users", data, skip_bad_rows=True, hashing=CHEAP
    )
    assert ["dora@acme.io"] == [p.email for p in report.people]
    assert [(3, "email"), (4, "password")] == [(e.line, e.column) for e in report.errors]
    emails = {p.email for p in acme.authz.directory.workspace("acme").people()}
    assert "dora@acme.io" in emails
    assert "ed@acme.io" not in emails


def test_skip_bad_rows_with_no_good_row_changes_nothing(acme: Acme) -> None:
    """Every row bad and skipped: no change, no audit event, no revision."""
    before = dump(acme.store)
    data = csv_bytes(USERS, ("ann@acme.io", "Ann", "member", "", GOOD))
    report = import_people(
        acme.authz, OWNER, "acme", "users", data, skip_bad_rows=True, hashing=CHEAP
    )
    assert ((), None, 1) == (report.people, report.revision, len(report.errors))
    assert before == dump(acme.store)


def test_dry_run_reports_what_would_happen_and_changes_nothing(acme: Acme) -> None:
    """A dry run checks everything, hashes nothing (no progress) and writes nothing."""
    before = dump(acme.store)
    calls: list[tuple[int, int]] = []
    data = csv_bytes(USERS, GOOD_USER, ("dora@acme.io", "Dora", "member", "ops", GOOD))
    report = import_people(
        acme.authz, OWNER, "acme", "users", data, dry_run=True, progress=calls.append
    )  # type: ignore[arg-type]
    assert (True, None, []) == (report.dry_run, report.revision, calls)
    assert ["good@acme.io", "dora@acme.io"] == [p.email for p in report.people]
    assert [None, None] == [p.password_hash for p in report.people]
    assert before == dump(acme.store)


def test_dry_run_refuses_a_bad_file_as_the_import_would(acme: Acme) -> None:
    """A dry run answers exactly what the import would do: here, a refusal."""
    data = csv_bytes(USERS, GOOD_USER, ("ann@acme.io", "Ann", "member", "", GOOD))
    before = dump(acme.store)
    with pytest.raises(ImportRejected):
        import_people(acme.authz, OWNER, "acme", "users", data, dry_run=True)
    assert before == dump(acme.store)


def test_rows_checked_again_under_the_lock_after_hashing(acme: Acme) -> None:
    """Someone added with a row's email while passwords were hashed: the import is refused."""
    data = csv_bytes(USERS, GOOD_USER, ("dora@acme.io", "Dora", "member", "", GOOD))

    def meanwhile(done: int, total: int) -> None:
        if done == total:
            acme.mgmt.people.add_user(
                OWNER, workspace="acme", email="Dora@acme.io", name="Dora", id="dora"
            )

    before = acme.store.revision()
    with pytest.raises(ImportRejected) as caught:
        import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP, progress=meanwhile)
    assert [(3, "email")] == [(e.line, e.column) for e in caught.value.errors]
    assert before + 1 == acme.store.revision()  # the add_user, and nothing else
    assert acme.authz.directory.workspace("acme").emails.get("good@acme.io") is None


def test_rows_turned_bad_while_hashing_are_skipped_with_skip_bad_rows(acme: Acme) -> None:
    """With skip_bad_rows, a row that turned bad under the lock is dropped and reported."""
    data = csv_bytes(USERS, GOOD_USER, ("dora@acme.io", "Dora", "member", "", GOOD))

    def meanwhile(done: int, total: int) -> None:
        if done == total:
            acme.mgmt.people.add_user(
                OWNER, workspace="acme", email="dora@acme.io", name="Dora", id="dora"
            )

    report = import_people(
        acme.authz,
        OWNER,
        "acme",
        "users",
        data,
        hashing=CHEAP,
        skip_bad_rows=True,
        progress=meanwhile,
    )
    assert ["good@acme.io"] == [p.email for p in report.people]
    assert [(3, "email")] == [(e.line, e.column) for e in report.errors]


def test_progress_counts_every_password(acme: Acme) -> None:
    """The progress callback ends at (n, n), counting up, from the importing thread."""
    rows = [(f"p{i}@acme.io", f"P{i}", "member", "", f"{GOOD} {i}") for i in range(20)]
    calls: list[tuple[int, int]] = []
    import_people(
        acme.authz,
        OWNER,
        "acme",
        "users",
        csv_bytes(USERS, *rows),
        hashing=CHEAP,
        workers=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert (20, 20) == calls[-1]
    assert sorted(calls) == calls


def test_missing_passwords_allowed_only_when_asked(acme: Acme) -> None:
    """require_passwords=False creates people without a password; given ones are still checked."""
    data = csv_bytes(USERS, ("dora@acme.io", "Dora", "member", "", ""))
    (dora,) = import_people(
        acme.authz, OWNER, "acme", "users", data, require_passwords=False, hashing=CHEAP
    ).people
    assert dora.password_hash is None
    weak = csv_bytes(USERS, ("ed@acme.io", "Ed", "member", "", "short"))
    with pytest.raises(ImportRejected, match="shorter than 12"):
        import_people(acme.authz, OWNER, "acme", "users", weak, require_passwords=False)


def test_a_bom_crlf_and_a_reordered_header_are_accepted(acme: Acme) -> None:
    """UTF-8 with a byte-order mark, Windows line ends, columns in any order and case."""
    data = "\ufeffPassword, Email ,NAME,groups,role\r\n" + f"{GOOD},dora@acme.io,Dóra,,member\r\n"
    (dora,) = import_people(acme.authz, OWNER, "acme", "users", data.encode(), hashing=CHEAP).people
    assert ("dora@acme.io", "Dóra") == (dora.email, dora.name)


def test_an_unknown_kind_is_invalid_input(acme: Acme) -> None:
    """Only users and customers are imported."""
    with pytest.raises(InvalidInput, match="not one of: users, customers"):
        import_people(acme.authz, OWNER, "acme", "groups", b"x")  # type: ignore[arg-type]
