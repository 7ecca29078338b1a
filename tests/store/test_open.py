"""open_authorizer: loading pauses the cyclic garbage collector and leaves it as it was."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from rbac_kit import SYSTEM, Management, Workspace, open_authorizer
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
