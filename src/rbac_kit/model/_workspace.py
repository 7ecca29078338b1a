"""One workspace in memory: its entities and the secondary indexes over them.

:class:`WorkspaceData` is what the :class:`~rbac_kit.model.Directory` keeps
per workspace: the value objects by id, and the indexes the compiler and the
guards read (members of a group, grants of an API and of a target, the
customer holding a Customer ID, the APIs a Customer ID is recorded on, the
holders of each role, emails and group names for uniqueness). Only the
directory changes them, through its journal; everything else reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeAlias

import attrs

from ._builtin import builtin_roles
from ._subjects import split_name
from ._values import Api, Customer, Grant, Group, Role, User, Workspace

__all__ = ["AccessPaths", "Person", "WorkspaceData"]

#: A member of a workspace: a user or a customer.
Person: TypeAlias = User | Customer


@attrs.frozen(kw_only=True)
class AccessPaths:
    """Every way a subject reaches one API, before and after exclusions."""

    direct: bool
    groups: tuple[str, ...]
    customer_id: str | None
    excluded: bool

    @property
    def has_access(self) -> bool:
        """True when some path exists and no exclusion removes it."""
        return (self.direct or bool(self.groups) or self.customer_id is not None) and (
            not self.excluded
        )


class WorkspaceData:
    """The entities of one workspace and the indexes over them."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.roles: dict[str, Role] = {r.id: r for r in builtin_roles(workspace.id)}
        self.users: dict[str, User] = {}
        self.customers: dict[str, Customer] = {}
        self.groups: dict[str, Group] = {}
        self.apis: dict[str, Api] = {}
        self.grants: dict[tuple[str, str], Grant] = {}
        self.exclusions: set[tuple[str, str]] = set()
        # Secondary indexes, kept in step by Directory.
        self.members: dict[str, set[str]] = {}
        self.grants_by_api: dict[str, set[str]] = {}
        self.grants_by_target: dict[str, set[str]] = {}
        self.excluded_apis: dict[str, set[str]] = {}
        self.customer_by_cid: dict[str, str] = {}
        self.apis_by_cid: dict[str, set[str]] = {}
        self.role_holders: dict[str, set[str]] = {r: set() for r in self.roles}
        self.emails: dict[str, str] = {}
        self.group_names: dict[str, str] = {}

    # -- queries -----------------------------------------------------------

    def person(self, subject: str) -> Person | None:
        """The user or customer named ``subject`` (``user:<id>`` / ``customer:<id>``)."""
        kind, ident = split_name(subject)
        if kind == "user":
            return self.users.get(ident)
        if kind == "customer":
            return self.customers.get(ident)
        return None

    def is_flattened(self, subject: str) -> bool:
        """True when exclusions apply, so access is compiled API by API."""
        return bool(self.excluded_apis.get(subject))

    def access_paths(self, subject: str, api: str) -> AccessPaths:
        """Every path from ``subject`` to ``api``."""
        person = self.person(subject)
        if person is None:
            return AccessPaths(direct=False, groups=(), customer_id=None, excluded=False)
        groups = tuple(
            sorted(g for g in person.groups if api in self.grants_by_target.get(f"group:{g}", ()))
        )
        cid = None
        if isinstance(person, Customer) and api in self.apis_by_cid.get(person.customer_id, ()):
            cid = person.customer_id
        return AccessPaths(
            direct=(api, subject) in self.grants,
            groups=groups,
            customer_id=cid,
            excluded=api in self.excluded_apis.get(subject, ()),
        )

    def access(self, subject: str) -> set[str]:
        """The APIs ``subject`` has access to (grants, groups, Customer ID, less exclusions)."""
        person = self.person(subject)
        if person is None:
            return set()
        result = set(self.grants_by_target.get(subject, ()))
        for group in person.groups:
            result |= self.grants_by_target.get(f"group:{group}", set())
        if isinstance(person, Customer):
            result |= self.apis_by_cid.get(person.customer_id, set())
        return result - self.excluded_apis.get(subject, set())

    def people(self) -> Iterator[Person]:
        """Every user, then every customer."""
        yield from self.users.values()
        yield from self.customers.values()

    def flattened_among(self, subjects: Iterable[str]) -> set[str]:
        """The subjects of ``subjects`` whose access is compiled API by API."""
        return {s for s in subjects if self.excluded_apis.get(s)}
