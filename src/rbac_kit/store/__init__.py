"""Persistence: every workspace in a SQLAlchemy database (SQLite or PostgreSQL).

::

    from rbac_kit import open_authorizer
    from rbac_kit.store import Store

    with Store.open("sqlite:///rbac.db") as store:
        authz = open_authorizer(store)      # loaded, persisting every change

To follow the changes other processes make, see :class:`rbac_kit.Follower`. The admin
lists (search, filter, sort, page in SQL) are :meth:`Store.list` with a
:class:`ListQuery`. See ``_schema.py`` for the tables and the choices behind them.
"""

from ._extra import AuditRows, ExtraWrite
from ._migrate import VERSION_TABLE
from ._schema import Base
from ._store import AuditEvent, Store
from ._url import shown as shown_url
from .invitations._reads import COLUMNS as INVITATION_COLUMNS
from .lists._query import ListQuery, Page
from .lists._run import COLUMNS, FILTERS

__all__ = [
    "COLUMNS",
    "FILTERS",
    "INVITATION_COLUMNS",
    "VERSION_TABLE",
    "AuditEvent",
    "AuditRows",
    "Base",
    "ExtraWrite",
    "ListQuery",
    "Page",
    "Store",
    "shown_url",
]
