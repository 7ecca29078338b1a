"""Lists: searched, filtered, sorted and paged in SQL, the same on SQLite and PostgreSQL.

Every expected page is worked out in Python from the Authorizer's directory
(``list_model.py``), so each test compares the store's SQL with the rules
written in ``store/_lists.py``.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from rbac_kit import (
    SYSTEM,
    Authorizer,
    InvalidInput,
    Management,
    NotFound,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import COLUMNS, FILTERS, ListQuery, Page, Store
from rbac_kit.store._engine import create_store_engine
from rbac_kit.store._migrate import upgrade

from .helpers import (
    BACKENDS,
    POSTGRES_ENV,
    Change,
    Databases,
    apply_script,
    changes,
    postgres_url,
    wipe,
)
from .list_model import as_rows, entries, expected, populate, random_workspace

KINDS = ("users", "customers", "groups", "roles", "apis")
SORTS = [(kind, column) for kind in KINDS for column in COLUMNS[kind]]


@pytest.fixture(scope="module", params=BACKENDS)
def listed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Authorizer]]:
    """A store holding :func:`list_model.populate`'s workspaces, shared by the read-only tests."""
    if request.param == "postgresql" and postgres_url() is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    databases = Databases(request.param, tmp_path_factory.mktemp("lists"))
    try:
        with Store.open(databases.new_url()) as opened:
            authz = open_authorizer(opened)
            populate(authz)
            yield opened, authz
    finally:
        databases.drop_all()


@pytest.fixture
def store(listed: tuple[Store, Authorizer]) -> Store:
    """The populated store (read-only tests take it instead of an empty one)."""
    return listed[0]


@pytest.fixture
def acme(listed: tuple[Store, Authorizer]) -> Authorizer:
    """The Authorizer that populated :func:`store`."""
    return listed[1]


@pytest.fixture
def empty(url: str) -> Iterator[Store]:
    """A store of its own, empty, for tests that write."""
    with Store.open(url) as opened:
        yield opened


def _everything(store: Store, kind: str, ws: str = "acme", **query: Any) -> Page:
    return store.list(kind, ws, ListQuery(limit=500, **query))


def _check(store: Store, authz: Authorizer, kind: str, ws: str = "acme", **query: Any) -> Page:
    """Assert the store's page is the one worked out in Python; return it."""
    q = ListQuery(**query)
    page = store.list(kind, ws, q)
    rows, total = expected(authz.directory, kind, ws, q)
    assert (rows, total) == (as_rows(page.rows), page.total), (kind, q)
    return page


def test_columns_and_filters_of_each_kind() -> None:
    """COLUMNS and FILTERS name what each list shows and filters by."""
    assert {
        "users": ("id", "email", "name", "role", "status", "groups"),
        "customers": ("id", "email", "customer_id", "role", "status", "groups"),
        "groups": ("id", "name", "members", "apis"),
        "roles": ("id", "name", "builtin", "api_scope", "environments", "members"),
        "apis": ("id", "name", "environment", "category", "users", "customers", "groups"),
    } == dict(COLUMNS)
    assert {
        "users": ("group", "role", "status"),
        "customers": ("group", "role", "status"),
        "groups": (),
        "roles": (),
        "apis": ("category", "environment"),
    } == dict(FILTERS)


def test_rows_hold_the_shown_columns(store: Store, acme: Authorizer) -> None:
    """A row maps exactly the kind's columns to values, counts as numbers."""
    ann = _everything(store, "users", search="ann@").rows[0]
    assert {
        "id": "ann",
        "email": "Ann@example.com",
        "name": "Ann",
        "role": "owner",
        "status": "active",
        "groups": 2,
    } == dict(ann)
    auditor = next(r for r in _everything(store, "roles").rows if r["id"] == "auditor")
    assert {
        "id": "auditor",
        "name": "Auditor",
        "builtin": False,
        "api_scope": "granted",
        "environments": ("production", "staging"),
        "members": 1,
    } == dict(auditor)
    for kind in KINDS:
        assert [COLUMNS[kind]] == list({tuple(r) for r in _everything(store, kind).rows})


def test_api_counts(store: Store, acme: Authorizer) -> None:
    """Per API: users and customers with a path to it, less exclusions; groups granted it."""
    counts = {
        r["id"]: (r["users"], r["customers"], r["groups"]) for r in _everything(store, "apis").rows
    }
    assert {
        # bob direct + ops (ann, bob, pct; customer c1, excluded); Customer IDs ACME (c1,
        # excluded) and "Big Co, Inc." (c3)
        "pay": (3, 1, 1),
        # ann direct + ops; c2 by Customer ID "acme"
        "logs": (3, 2, 1),
        # pct group (emile, pct; c5, excluded); c6 direct
        "search": (2, 1, 1),
        # dev group (ann; c3), emile direct; Customer IDs ACME, x_1%, École 42
        "ledger": (2, 4, 1),
        # Revoke All Access: no grant left, c3 and snake's c5 had no Customer ID match
        "zeta": (0, 0, 0),
        "empty": (0, 0, 0),
    } == counts


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(("kind", "column"), SORTS)
def test_each_column_sorts_both_ways(
    store: Store, acme: Authorizer, kind: str, column: str, descending: bool
) -> None:
    """Every shown column sorts in either direction, ties broken by id; desc is the reverse."""
    page = _check(store, acme, kind, sort=column, descending=descending, limit=500)
    other = _everything(store, kind, sort=column, descending=not descending)
    assert list(reversed(page.rows)) == list(other.rows)


def test_text_sorts_by_code_point_and_case_insensitively(store: Store, acme: Authorizer) -> None:
    """Names sort casefolded, then by id; ids and categories exactly, by code point."""
    names = [r["name"] for r in _everything(store, "groups", sort="name").rows]
    assert ["100% Club", "dev", "Ops", "snake_case", "ZULU", "Émigrés"] == names
    ids = [r["id"] for r in _everything(store, "users", sort="id").rows]
    assert ["B1", "ann", "bob", "emile", "pct", "strasse", "under", "zoe"] == ids
    users = [r["id"] for r in _everything(store, "users", sort="name").rows]
    # "ann" and "Ann" fold alike: the id decides ("B1" < "ann").
    assert ["B1", "ann", "bob", "pct", "strasse", "under", "zoe", "emile"] == users
    categories = [r["category"] for r in _everything(store, "apis", sort="category").rows]
    assert ["Core", "core", "finance", "finance", "finance", "observability"] == categories


@pytest.mark.parametrize(
    ("kind", "term", "ids"),
    [
        ("users", "ANN", ["B1", "ann"]),  # name "ann" and email Ann@...
        ("users", "émile", ["emile"]),  # non-ASCII folds too
        ("users", "STRASSE", ["strasse"]),  # casefold: ß is ss
        ("users", "zoë", ["zoe"]),
        ("users", "%", ["pct"]),  # % is literal
        ("users", "_", ["under"]),  # and so is _
        ("users", "@example.com", ["B1", "ann", "bob", "emile", "pct", "strasse", "under", "zoe"]),
        ("customers", "acme", ["c1", "c2"]),  # Customer IDs ACME and acme, emails @acme.io
        ("customers", "co, inc", ["c3"]),
        ("customers", "x_1%", ["c5"]),
        ("customers", "strasse", ["c6"]),
        ("customers", "Acme buyer", []),  # a customer's name is not shown, nor searched
        ("groups", "ÉMIGRÉS", ["emigres"]),
        ("groups", "0%", ["pct"]),
        ("roles", "DÉVELOPPEUR", ["dev_all"]),
        ("apis", "_v", ["search"]),
        ("apis", "ü", ["empty"]),
        ("apis", "finance", []),  # categories are filtered, not searched
        ("users", "nobody", []),
    ],
)
def test_search_is_a_case_insensitive_substring(
    store: Store, acme: Authorizer, kind: str, term: str, ids: list[str]
) -> None:
    """Search matches a casefolded substring of names, emails and Customer IDs."""
    page = _check(store, acme, kind, search=term, limit=500)
    assert ids == [r["id"] for r in page.rows]


@pytest.mark.parametrize(
    ("kind", "filters", "ids"),
    [
        ("users", {"role": "member"}, ["emile", "pct", "strasse", "under"]),
        ("users", {"group": "ops"}, ["ann", "bob", "pct"]),
        ("users", {"status": "disabled"}, ["under"]),
        ("users", {"group": "pct", "status": "active"}, ["emile", "pct"]),
        ("users", {"role": "no-such-role"}, []),
        ("customers", {"role": "no_access"}, ["c4"]),
        ("customers", {"group": "snake"}, ["c5"]),
        ("customers", {"status": "active"}, ["c1", "c3", "c4", "c5", "c6"]),
        ("apis", {"environment": "production"}, ["empty", "ledger", "pay"]),
        ("apis", {"category": "finance"}, ["empty", "ledger", "pay"]),
        ("apis", {"category": "core"}, ["search"]),  # exact values
        ("apis", {"category": "finance", "environment": "staging"}, []),
    ],
)
def test_filters(
    store: Store, acme: Authorizer, kind: str, filters: dict[str, str], ids: list[str]
) -> None:
    """People filter by role, group and status; APIs by environment and category."""
    page = _check(store, acme, kind, filters=filters, limit=500)
    assert ids == [r["id"] for r in page.rows]


def test_search_filter_and_sort_combine(store: Store, acme: Authorizer) -> None:
    """Search and filters narrow together; the page sorts what is left."""
    page = _check(store, acme, "users", search="e", filters={"group": "ops"}, sort="email")
    assert ["ann", "bob", "pct"] == [r["id"] for r in page.rows]
    _check(store, acme, "apis", search="a", filters={"environment": "staging"}, sort="users")


@pytest.mark.parametrize("search", [None, "e"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sort", ["id", "name", "email", "groups", "members", "users"])
def test_pages_concatenate_to_the_sorted_list(
    store: Store, acme: Authorizer, kind: str, sort: str, search: str | None
) -> None:
    """Pages of 3 rows, one after another, are the whole sorted list; total is every row.

    Full pages, the last short one and the empty ones past the end each know
    the total (counted, implied by a short page, or counted by the page query).
    """
    if sort not in COLUMNS[kind]:
        sort = "id"
    whole = _everything(store, kind, sort=sort, descending=True, search=search)
    offsets = range(0, whole.total + 7, 3)
    pages = [
        store.list(
            kind, "acme", ListQuery(sort=sort, descending=True, offset=o, limit=3, search=search)
        )
        for o in offsets
    ]
    assert list(whole.rows) == [row for page in pages for row in page.rows]
    assert {whole.total} == {page.total for page in pages}
    assert [(o, 3) for o in offsets] == [(p.offset, p.limit) for p in pages]
    assert () == pages[-1].rows


def test_default_query_is_the_first_fifty_by_id(store: Store, acme: Authorizer) -> None:
    """Without a query a list is its first 50 rows by id, ascending."""
    page = store.list("roles", "acme")
    assert (0, 50, 7) == (page.offset, page.limit, page.total)
    assert sorted(r["id"] for r in page.rows) == [r["id"] for r in page.rows]


def test_lists_stay_in_their_workspace(store: Store, acme: Authorizer) -> None:
    """A workspace's lists show only its own rows."""
    assert ["o1"] == [r["id"] for r in store.list("users", "other").rows]
    assert 0 == store.list("apis", "other").total
    assert 5 == store.list("roles", "other").total  # the built-in roles


def test_unknown_workspace_is_not_found(store: Store) -> None:
    """Listing a workspace that does not exist raises NotFound naming it."""
    with pytest.raises(NotFound, match="'nowhere'"):
        store.list("users", "nowhere")


@pytest.mark.parametrize(
    ("kind", "query", "message"),
    [
        ("people", ListQuery(), r"'people'.*apis, customers, groups, roles, users"),
        ("users", ListQuery(sort="password_hash"), r"'password_hash'.*id, email, name"),
        ("groups", ListQuery(sort="email"), r"'email'.*id, name, members, apis"),
        ("users", ListQuery(filters={"environment": "staging"}), r"'environment'.*group, role"),
        ("groups", ListQuery(filters={"role": "x"}), r"'role'.*filters are none"),
        ("users", ListQuery(filters={"status": "gone"}), r"'gone'.*active, disabled"),
        ("apis", ListQuery(filters={"environment": "prod"}), r"'prod'.*production, staging"),
        ("users", ListQuery(filters={"role": ""}), r"'role' needs a value"),
    ],
)
def test_bad_list_requests_are_invalid_input(
    store: Store, acme: Authorizer, kind: str, query: ListQuery, message: str
) -> None:
    """An unknown kind, sort column, filter or filter value names itself and what is valid."""
    with pytest.raises(InvalidInput, match=message):
        store.list(kind, "acme", query)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"limit": 0}, r"limit must be a whole number from 1 to 500, got 0"),
        ({"limit": 501}, r"from 1 to 500, got 501"),
        ({"limit": True}, r"limit .* got True"),
        ({"limit": "10"}, r"limit .* got '10'"),
        ({"offset": -1}, r"offset must be a whole number from 0 to 9223372036854775807, got -1"),
        ({"descending": "yes"}, r"descending must be True or False, got 'yes'"),
        ({"sort": ""}, r"sort must name a column"),
        ({"search": 42}, r"search must be a string or None, got int 42"),
        ({"search": "x" * 321}, r"longer than 320"),
        ({"filters": [("role", "x")]}, r"filters must be a mapping"),
        ({"filters": {"role": 1}}, r"names and values must be strings"),
        ({"offset": 2**63}, r"from 0 to 9223372036854775807, got 9223372036854775808"),
        ({"offset": 10**5000}, r"offset .* got a number beyond 64 bits"),
        ({"search": "an\x00n"}, r"search 'an\\x00n' holds the control character '\\x00'"),
        ({"search": "\x1b[2J"}, r"control character '\\x1b'"),
        ({"search": "a\x85"}, r"control character '\\x85'"),
        ({"filters": {"role": "member\x00"}}, r"filter 'role'=.* control character '\\x00'"),
        ({"filters": {"ro\tle": "member"}}, r"control character '\\t'"),
    ],
)
def test_bad_queries_are_invalid_input(fields: dict[str, Any], message: str) -> None:
    """A ListQuery checks its fields when it is made."""
    with pytest.raises(InvalidInput, match=message):
        ListQuery(**fields)


def test_largest_offset_and_searches_with_unicode_are_taken() -> None:
    """The bounds are exact: offset 2**63 - 1 and text beyond control characters are valid."""
    query = ListQuery(offset=2**63 - 1, search="Zoë 🙂 ¡", filters={"role": "mémber"})
    assert (2**63 - 1, "Zoë 🙂 ¡") == (query.offset, query.search)


def test_query_is_frozen_and_hashable() -> None:
    """A query is a value: equal queries hash alike, its filters cannot be changed."""
    a = ListQuery(filters={"role": "member", "status": "active"}, search="")
    b = ListQuery(filters={"status": "active", "role": "member"})
    assert (a, hash(a)) == (b, hash(b))
    assert a.search is None
    with pytest.raises(TypeError):
        a.filters["role"] = "owner"  # type: ignore[index]


# -- counts on generated workspaces ------------------------------------------------


def _check_counts(store: Store, authz: Authorizer) -> None:
    for ws in (data.workspace.id for data in authz.directory.workspaces()):
        for kind in ("apis", "groups", "roles", "users", "customers"):
            rows = sorted((r for r, _ in entries(authz.directory, kind, ws)), key=lambda r: r["id"])
            assert rows == as_rows(_everything(store, kind, ws).rows), (ws, kind)


@pytest.mark.parametrize("seed", range(3))
def test_counts_match_the_directory_on_random_workspaces(empty: Store, seed: int) -> None:
    """Every count of every list equals the Python count from the directory (seeded)."""
    store = empty
    authz = open_authorizer(store)
    random_workspace(authz, seed, size=40)
    _check_counts(store, authz)
    for column in ("users", "customers", "groups"):
        _check(store, authz, "apis", sort=column, descending=True, limit=500)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(changes, max_size=30))
def test_counts_match_the_directory_on_generated_changes(
    empty: Store, script: list[Change]
) -> None:
    """Counts stay right through any sequence of changes (grants, exclusions, Revoke All)."""
    store = empty
    wipe(store)
    authz = open_authorizer(store)
    apply_script(authz, script)
    _check_counts(store, authz)


# -- SQLite and PostgreSQL alike ---------------------------------------------------


def _all_pages(store: Store) -> list[list[dict[str, Any]]]:
    pages = []
    for kind, column in SORTS:
        for search in (None, "a", "É"):
            page = _everything(store, kind, sort=column, search=search)
            pages.append(as_rows(page.rows))
    return pages


def test_sqlite_and_postgresql_give_identical_pages(tmp_path: Path) -> None:
    """The same workspace listed from SQLite and from PostgreSQL gives the same pages."""
    if postgres_url() is None:
        pytest.skip("needs RBAC_KIT_TEST_POSTGRES_URL")
    results = []
    for backend in ("sqlite", "postgresql"):
        databases = Databases(backend, tmp_path)
        try:
            with Store.open(databases.new_url()) as store:
                populate(open_authorizer(store))
                results.append(_all_pages(store))
        finally:
            databases.drop_all()
    assert results[0] == results[1]


def test_postgresql_sorts_by_code_point_whatever_the_collation(backend: str, empty: Store) -> None:
    """With a locale-aware ICU collation on every text column, the order stays code-point."""
    if backend != "postgresql":
        pytest.skip("collations are PostgreSQL's")
    store = empty
    populate(open_authorizer(store))
    before = _all_pages(store)
    columns = {
        "people": (
            "id",
            "email",
            "email_key",
            "name",
            "name_key",
            "customer_id",
            "customer_id_key",
        ),
        "groups": ("id", "name", "name_key"),
        "roles": ("id", "name", "name_key", "api_scope"),
        "apis": ("id", "name", "name_key", "category"),
    }
    with store.engine.begin() as conn:
        for table, names in columns.items():
            for name in names:
                kind = conn.execute(
                    text(
                        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = CAST(:t AS regclass) AND attname = :c"
                    ),
                    {"t": table, "c": name},
                ).scalar_one()
                conn.execute(
                    text(f'ALTER TABLE {table} ALTER COLUMN {name} TYPE {kind} COLLATE "en-x-icu"')
                )
    assert before == _all_pages(store)


# -- the migration -----------------------------------------------------------------


def _old_store(url: str, version: str) -> Engine:
    """An engine on a store migrated only to ``version``, holding workspace acme and Member."""
    engine = create_store_engine(url)
    upgrade(engine, version)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces VALUES ('acme', 'Acme', 1)"))
        conn.execute(
            text(
                "INSERT INTO roles VALUES ('acme', 'member', 'Member', 'member', "
                "'[]', '[\"production\"]', 'granted', false)"
            )
        )
    return engine


def test_migration_fills_the_keys_of_existing_rows(url: str) -> None:
    """Rows written before the list keys existed get them when the store migrates."""
    engine = _old_store(url, "0001")
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO people VALUES ('acme', 'customer', 'c1', 'c@x.io', 'c@x.io', "
                    "'Straße', 'member', 'active', 'Big CO', NULL)"
                )
            )
            conn.execute(
                text("INSERT INTO apis VALUES ('acme', 'pay', 'PAYMENTS', 'production', 'general')")
            )
    finally:
        engine.dispose()
    with Store.open(url) as store:
        assert ["c1"] == [
            r["id"] for r in store.list("customers", "acme", ListQuery(search="co")).rows
        ]
        assert ["pay"] == [
            r["id"] for r in store.list("apis", "acme", ListQuery(search="pay")).rows
        ]
        with store.engine.connect() as conn:
            keys = conn.execute(text("SELECT name_key, customer_id_key FROM people")).one()
        assert ("strasse", "big co") == tuple(keys)


def test_migration_counts_the_groups_of_existing_people(url: str) -> None:
    """People stored before ``group_count`` existed get their number of groups on migrating."""
    engine = _old_store(url, "0003")
    try:
        with engine.begin() as conn:
            for ident in ("ann", "bob"):
                conn.execute(
                    text(
                        "INSERT INTO people (workspace, kind, id, email, email_key, name, role, "
                        "status, name_key) VALUES ('acme', 'user', :id, :email, :email, :id, "
                        "'member', 'active', :id)"
                    ),
                    {"id": ident, "email": f"{ident}@x.io"},
                )
            for group in ("dev", "ops"):
                conn.execute(text("INSERT INTO groups VALUES ('acme', :g, :g, :g)"), {"g": group})
                conn.execute(
                    text(
                        "INSERT INTO group_members (workspace, kind, person_id, group_id) "
                        "VALUES ('acme', 'user', 'bob', :g)"
                    ),
                    {"g": group},
                )
    finally:
        engine.dispose()
    with Store.open(url) as store:
        page = store.list("users", "acme", ListQuery(sort="groups", descending=True))
        groups = store.list("groups", "acme", ListQuery(sort="id"))
    assert [("bob", 2), ("ann", 0)] == [(r["id"], r["groups"]) for r in page.rows]
    assert [("dev", 1), ("ops", 1)] == [(r["id"], r["members"]) for r in groups.rows]


def test_lists_follow_changes(empty: Store) -> None:
    """A list reads the committed state: a change shows at once."""
    store = empty
    admin = Management(open_authorizer(store))
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.roles.create(SYSTEM, workspace="acme", id="r", name="R", permissions={"view_api"})
    assert 0 == next(r["members"] for r in store.list("roles", "acme").rows if r["id"] == "r")
    admin.people.add_user(SYSTEM, workspace="acme", id="u", email="u@x.io", name="U", role="r")
    assert 1 == next(r["members"] for r in store.list("roles", "acme").rows if r["id"] == "r")
