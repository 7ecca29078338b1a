"""Store fixtures: every test runs on a SQLite file and on PostgreSQL.

PostgreSQL tests need ``RBAC_KIT_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); without it they are
skipped with that reason. Each PostgreSQL test gets a schema of its own
(named on the connection's ``search_path``), dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rbac_kit import Authorizer, open_authorizer
from rbac_kit.store import Store

from .helpers import BACKENDS, POSTGRES_ENV, Databases, postgres_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind a test runs on."""
    name: str = request.param
    if name == "postgresql" and postgres_url() is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://...)")
    return name


@pytest.fixture
def databases(backend: str, tmp_path: Any) -> Iterator[Databases]:
    """A maker of fresh databases on the test's backend."""
    made = Databases(backend, tmp_path)
    yield made
    made.drop_all()


@pytest.fixture
def url(databases: Databases) -> str:
    """The URL of a fresh, empty database."""
    return databases.new_url()


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    """A migrated, empty store."""
    with Store.open(url) as opened:
        yield opened


@pytest.fixture
def authz(store: Store) -> Authorizer:
    """An Authorizer loaded from the empty store, persisting into it."""
    return open_authorizer(store)
