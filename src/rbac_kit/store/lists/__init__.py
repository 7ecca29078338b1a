"""The admin lists in SQL: what each kind shows, the query, and running it."""

from ._query import MAX_LIMIT, MAX_SEARCH, ListQuery, Page
from ._run import COLUMNS, FILTERS

__all__ = ["COLUMNS", "FILTERS", "MAX_LIMIT", "MAX_SEARCH", "ListQuery", "Page"]
