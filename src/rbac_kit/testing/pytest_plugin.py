"""The pytest plugin: fixtures for tests that assert permissions.

Installed with rbac-kit and loaded by pytest on its own (the ``pytest11``
entry point), it provides:

- ``rbac_authorizer``: a fresh, empty, in-memory :class:`~rbac_kit.Authorizer`;
- ``rbac_management``: a :class:`~rbac_kit.Management` over it, for building
  a workspace the way an admin would (authorized and guarded);
- ``rbac_store``: a :class:`~rbac_kit.store.Store` on a SQLite file in the
  test's temporary directory, closed after the test;
- ``rbac_store_authorizer``: an Authorizer loaded from ``rbac_store`` that
  persists each change into it.

The assertion helpers are in :mod:`rbac_kit.testing`. A project that does not
want the plugin can disable it with ``-p no:rbac_kit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .. import Authorizer, Management

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["rbac_authorizer", "rbac_management", "rbac_store", "rbac_store_authorizer"]


@pytest.fixture
def rbac_authorizer() -> Authorizer:
    """A fresh, empty, in-memory Authorizer."""
    return Authorizer()


@pytest.fixture
def rbac_management(rbac_authorizer: Authorizer) -> Management:
    """Management operations over ``rbac_authorizer``."""
    return Management(rbac_authorizer)


@pytest.fixture
def rbac_store(tmp_path: Path) -> Iterator[Store]:
    """A store on a SQLite file in the test's temporary directory (closed afterwards)."""
    from ..store import Store

    with Store.open(f"sqlite:///{tmp_path / 'rbac-kit.db'}") as store:
        yield store


@pytest.fixture
def rbac_store_authorizer(rbac_store: Store) -> Authorizer:
    """An Authorizer loaded from ``rbac_store``, persisting each change into it."""
    from .. import open_authorizer

    return open_authorizer(rbac_store)
