"""Persistence: every workspace in a SQLAlchemy database (SQLite or PostgreSQL).

::

    from rbac_kit.store import Store, open_authorizer

    with Store.open("sqlite:///rbac.db") as store:
        authz = open_authorizer(store)      # loaded, persisting every change
        authz.add_workspace(Workspace(id="acme", name="Acme"))

To follow the changes other processes make, see :class:`Follower`. See
``_schema.py`` for the tables and the choices behind them.
"""

from ._follow import Follower
from ._migrate import VERSION_TABLE
from ._open import open_authorizer
from ._schema import Base
from ._store import AuditEvent, Store

__all__ = ["VERSION_TABLE", "AuditEvent", "Base", "Follower", "Store", "open_authorizer"]
