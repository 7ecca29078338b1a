"""The checks of a CSV import, row by row, reporting every problem with its line and column.

Two kinds of check, run separately because they need different things:

- :func:`parse` looks at the file alone: each cell's format (email, name,
  Customer ID, role and group ids, status), the password's strength, and
  emails or Customer IDs that appear twice in the file (the later rows are
  the bad ones: "also on line N"). It runs once.
- :func:`check` looks at the workspace as it is: emails of current members,
  Customer IDs taken, roles and groups that do not exist, and, through the
  very guards :class:`~rbac_kit.Management` runs (``_guards.py``), roles,
  groups and Customer IDs the importer may not give. It runs once before
  the passwords are hashed, and again inside the change, under the write
  lock, since the workspace may have changed in between.

A row with any problem is reported once per bad column and is not imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs

from ..._authorizer import Authorizer
from ..._errors import Forbidden, InvalidInput, RowError
from ...admin import _guards as g
from ...model import _validate as v
from ...model._directory import Person, WorkspaceData
from ...model._values import Status
from .._passwords import check_password_strength
from ._format import DEFAULT_ROLE, GROUP_SEPARATOR, PeopleKind, Row, Table
from ._safety import restore

__all__ = ["Candidate", "Parsed", "check", "parse"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Candidate:
    """A row whose cells are all well-formed: the person it asks for, before any id or hash."""

    line: int
    email: str
    name: str | None
    role: str
    groups: frozenset[str]
    customer_id: str | None
    status: Status
    password: str | None = attrs.field(repr=False)
    #: The id the row asks for (``id`` column), or None to draw one.
    id: str | None = None


@attrs.frozen(kw_only=True)
class Parsed:
    """A row as far as its cells could be read: what the workspace checks look at.

    The workspace checks run on bad rows too (on the cells that are
    well-formed), so a row is reported with all its problems at once.
    """

    line: int
    email: str | None
    customer_id: str | None
    role: str | None
    groups: frozenset[str]
    #: The person the row asks for, when every cell is good.
    candidate: Candidate | None
    #: The subject name the row's ``id`` cell asks for (``user:ann``), if any.
    subject: str | None = None


# -- the file alone -----------------------------------------------------------------------


def parse(
    table: Table, kind: PeopleKind, *, require_passwords: bool
) -> tuple[list[Parsed], list[RowError]]:
    """Check every row's cells and the file's duplicates; every row read, and every error."""
    errors = [
        RowError(
            line=line,
            column=None,
            reason=f"the row has {n} cells; the header has {len(table.columns)} "
            f"({','.join(table.columns)})",
        )
        for line, n in table.ragged
    ]
    parsed: list[Parsed] = []
    seen = _Seen()
    for row in table.rows:
        found = _Row(row)
        parsed.append(_parsed(found, kind, require_passwords, seen))
        errors += found.errors
    errors.sort(key=lambda e: e.line)
    return parsed, errors


@attrs.define
class _Seen:
    """The first line each email (ignoring case) and Customer ID (exactly) appeared on.

    Every row whose email or Customer ID is well-formed counts, even if
    another of its cells is bad: so the second row is reported now, not after
    the first one is fixed.
    """

    emails: dict[str, int] = attrs.Factory(dict)
    customer_ids: dict[str, int] = attrs.Factory(dict)
    ids: dict[str, int] = attrs.Factory(dict)

    def check(self, row: _Row, column: str, value: object) -> None:
        if not isinstance(value, str):
            return
        if column == "email":
            seen, key, label = self.emails, value.casefold(), "email"
        elif column == "id":
            seen, key, label = self.ids, value, "id"
        else:
            seen, key, label = self.customer_ids, value, "Customer ID"
        first = seen.setdefault(key, row.row.line)
        if first != row.row.line:
            row.fail(column, f"{label} {value!r} is also on line {first}")


@attrs.define
class _Row:
    """One row being checked: its cells and the errors found so far."""

    row: Row
    errors: list[RowError] = attrs.Factory(list)

    def cell(self, column: str) -> str:
        """The cell's value, with an export's formula mark removed (see ``_csv_safety.py``)."""
        return restore(self.row.cells.get(column, ""))

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(line=self.row.line, column=column, reason=reason))

    def value(self, column: str, check: Callable[[str], T]) -> T | None:
        """``check(cell)``, or None with the error recorded."""
        try:
            return check(self.cell(column))
        except InvalidInput as error:
            self.fail(column, str(error))
            return None


def _parsed(row: _Row, kind: PeopleKind, require_passwords: bool, seen: _Seen) -> Parsed:
    """What the row's cells say; its candidate only if every cell is good (bad ones recorded)."""
    email = row.value("email", lambda c: v.email("email", c))
    seen.check(row, "email", email)
    name = row.value("name", _user_name if kind == "users" else _customer_name)
    customer_id = row.value("customer_id", _customer_id) if kind == "customers" else None
    seen.check(row, "customer_id", customer_id)
    role = row.value("role", lambda c: v.entity_id("role id", c.strip() or DEFAULT_ROLE[kind]))
    groups = row.value("groups", _group_ids)
    status = row.value("status", _status)
    ident = row.value("id", _person_id)
    seen.check(row, "id", ident)
    password = _password(row, email if isinstance(email, str) else None, require_passwords)
    candidate = None
    if not row.errors and email is not None and role is not None and groups is not None:
        candidate = Candidate(
            line=row.row.line,
            email=email,
            name=name,
            role=role,
            groups=groups,
            customer_id=customer_id,
            status=status or Status.ACTIVE,
            password=password,
            id=ident,
        )
    return Parsed(
        line=row.row.line,
        email=email,
        customer_id=customer_id,
        role=role,
        groups=groups or frozenset(),
        candidate=candidate,
        subject=None if ident is None else f"{'user' if kind == 'users' else 'customer'}:{ident}",
    )


def _user_name(cell: str) -> str:
    if not cell.strip():
        raise InvalidInput("name is missing: every user needs one")
    return v.name("name", cell)


def _customer_name(cell: str) -> str | None:
    return v.name("name", cell) if cell.strip() else None


def _customer_id(cell: str) -> str:
    if not cell:
        raise InvalidInput("Customer ID is missing: every customer needs one")
    return v.customer_id("Customer ID", cell)


def _group_ids(cell: str) -> frozenset[str]:
    parts = (part.strip() for part in cell.split(GROUP_SEPARATOR))
    return frozenset(v.entity_id("group id", part) for part in parts if part)


def _person_id(cell: str) -> str | None:
    return v.entity_id("id", cell.strip()) if cell.strip() else None


def _status(cell: str) -> Status:
    text = cell.strip().lower() or Status.ACTIVE.value
    try:
        return Status(text)
    except ValueError:
        raise InvalidInput(f"status {cell!r} is not one of: active, disabled") from None


def _password(row: _Row, email: str | None, required: bool) -> str | None:
    """The password as typed (never trimmed, never restored), or None when absent and allowed."""
    password = row.row.cells.get("password", "")
    if not password:
        if required:
            row.fail("password", "password is missing (this import requires a password per row)")
        return None
    try:
        check_password_strength(password, email=email)
    except InvalidInput as error:
        row.fail("password", str(error))
        return None
    return password


# -- the workspace as it is ---------------------------------------------------------------


def check(
    authz: Authorizer, importer: Person | None, workspace: str, rows: Iterable[Parsed]
) -> tuple[list[Parsed], list[RowError]]:
    """Check rows against the workspace and the importer's authority.

    Returns the rows that pass, each with its candidate (rows bad in
    themselves are checked, but never pass), and one error per problem.
    The importer is already authorized for ``manage_people``; here each role,
    group and Customer ID is checked with the guards Management uses.
    """
    data = authz.directory.workspace(workspace)
    grants = _Authority(authz, importer, data)
    good: list[Parsed] = []
    errors: list[RowError] = []
    for row in rows:
        found = [RowError(line=row.line, column=c, reason=r) for c, r in grants.of(row)]
        errors += found
        if not found and row.candidate is not None:
            good.append(row)
    return good, errors


class _Authority:
    """What the importer may give in one workspace, each answer worked out once.

    The same role or group on many rows gets the same answer (the importer
    and the workspace do not change during one check), so a 10,000-row file
    naming three roles asks the guards three times, not 10,000.
    """

    def __init__(self, authz: Authorizer, importer: Person | None, data: WorkspaceData) -> None:
        self._authz = authz
        self._me = importer
        self._data = data
        self._roles: dict[str, str | None] = {}
        self._groups: dict[str, str | None] = {}

    def of(self, row: Parsed) -> list[tuple[str, str]]:
        """(column, reason) for each problem of ``row``'s well-formed cells."""
        problems: list[tuple[str, str]] = []
        holder = self._data.emails.get(row.email.casefold()) if row.email is not None else None
        if holder is not None:
            problems.append(
                ("email", f"{row.email} is already a member of this workspace ({holder})")
            )
        if row.subject is not None and self._authz.directory.workspace_of(row.subject):
            problems.append(("id", f"{row.subject} already exists"))
        if row.customer_id is not None:
            problem = self._customer_id(row.customer_id)
            if problem is not None:
                problems.append(("customer_id", problem))
        role = self._cached(self._roles, row.role, self._role) if row.role is not None else None
        if role is not None:
            problems.append(("role", role))
        for group in sorted(row.groups):
            problem = self._cached(self._groups, group, self._group)
            if problem is not None:
                problems.append(("groups", problem))
        return problems

    @staticmethod
    def _cached(
        memo: dict[str, str | None], key: str, work: Callable[[str], str | None]
    ) -> str | None:
        if key not in memo:
            memo[key] = work(key)
        return memo[key]

    def _role(self, role_id: str) -> str | None:
        role = self._data.roles.get(role_id)
        if role is None:
            named = [
                r.id for r in self._data.roles.values() if r.name.casefold() == role_id.casefold()
            ]
            hint = f" (roles are named by id: did you mean {named[0]!r}?)" if named else ""
            return f"no role {role_id!r} in this workspace{hint}; roles: " + ", ".join(
                sorted(self._data.roles)
            )
        return _refusal(
            lambda: g.require_can_give(self._authz, self._me, role, f"give role {role.name!r}")
        )

    def _group(self, group_id: str) -> str | None:
        if group_id not in self._data.groups:
            named = [
                x.id for x in self._data.groups.values() if x.name.casefold() == group_id.casefold()
            ]
            hint = f" (groups are named by id: did you mean {named[0]!r}?)" if named else ""
            return f"no group {group_id!r} in this workspace{hint}"
        return _refusal(
            lambda: g.require_group_reach(self._authz, self._me, self._data.workspace.id, group_id)
        )

    def _customer_id(self, customer_id: str) -> str | None:
        holder = self._data.customer_by_cid.get(customer_id)
        if holder is not None:
            return f"Customer ID {customer_id!r} already belongs to customer:{holder}"
        return _refusal(
            lambda: g.require_customer_id_reach(
                self._authz, self._me, self._data.workspace.id, customer_id, "a new customer"
            )
        )


def _refusal(guard: Callable[[], None]) -> str | None:
    """The guard's refusal as a reason, or None if it lets the row through."""
    try:
        guard()
    except Forbidden as error:
        return str(error)
    return None
