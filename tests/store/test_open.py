"""open_authorizer: loading pauses the cyclic garbage collector and leaves it as it was."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from rbac_kit import (
    SYSTEM,
    InvalidInput,
    Management,
    NotFound,
    StoreUnavailable,
    Workspace,
    open_authorizer,
)
from rbac_kit.store import Store


@pytest.fixture
def collector() -> Iterator[None]:
    """Restore the collector's state whatever the test did to it."""
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("enabled", [True, False])
def test_collector_is_paused_during_the_load_and_restored(store: Store, enabled: bool) -> None:
    """The collector is off while the store loads, and as it was before once it is open."""
    Management(open_authorizer(store)).workspaces.create(
        SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None
    )
    seen: list[bool] = []
    load = store.load

    def spying_load() -> object:
        seen.append(gc.isenabled())
        return load()

    (gc.enable if enabled else gc.disable)()
    store.load = spying_load  # type: ignore[method-assign]
    authz = open_authorizer(store)
    assert ([False], enabled) == (seen, gc.isenabled())
    assert ["acme"] == [data.workspace.id for data in authz.directory.workspaces()]


# -- opening: what is there, and what is not a store --------------------------------


def test_open_without_create_finds_no_store_and_makes_none(tmp_path: Path) -> None:
    """``create=False`` on a missing SQLite file is NotFound naming the path; no file appears."""
    path = tmp_path / "typo.db"
    with pytest.raises(NotFound, match=f"no store at {re.escape(str(path))}; create it"):
        Store.open(f"sqlite:///{path}", create=False)
    assert not path.exists()


def test_open_says_whether_it_created_the_store(tmp_path: Path) -> None:
    """The first open creates the store; the next (with or without create) finds it."""
    url = f"sqlite:///{tmp_path / 'rbac.db'}"
    with Store.open(url) as first:
        assert first.created
    with Store.open(url, create=False) as again:
        assert not again.created


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:secret@h/db", "mysql is not supported; rbac_kit stores in SQLite or Postgre"),
        ("postgres://u:secret@h/db", "use postgresql\\+psycopg://u:\\*\\*\\*@h/db"),
        ("postgresql+psycopg2://u@h/db", "the driver psycopg2 is not supported"),
        ("not a url", "is not a database URL"),
    ],
)
def test_open_refuses_urls_no_store_lives_at(url: str, message: str) -> None:
    """Anything but SQLite or PostgreSQL (psycopg) is refused before connecting, password
    hidden."""
    with pytest.raises(InvalidInput, match=message) as refused:
        Store.open(url)
    assert "secret" not in str(refused.value)


def test_open_names_a_database_it_cannot_reach() -> None:
    """No server there: StoreUnavailable with the URL (password hidden), not a driver error."""
    with pytest.raises(
        StoreUnavailable,
        match=r"cannot open the store at postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/x",
    ):
        Store.open("postgresql+psycopg://u:secret@127.0.0.1:1/x")
