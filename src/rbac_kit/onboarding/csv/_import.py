"""Bulk import of users or customers from CSV: checked whole, hashed on every core, one change.

:func:`import_people` goes in this order, so that nothing is written unless
the whole file is acceptable, and the write lock is never held while
argon2 runs:

1. **Authorize** the importer: ``manage_people`` in the workspace, the
   permission :meth:`Management.add_user <rbac_kit.Management.add_user>` asks.
   Importing creates active members without their consent step, which is
   that power, not ``invite_people``.
2. **Read** the file (``_csv_format.py``): size and row caps, UTF-8 with or
   without a byte-order mark, the header. A problem with the file as a
   whole is an :class:`~rbac_kit.InvalidInput`.
3. **Check every row** (``_import_checks.py``): its cells, duplicates in the
   file, then the workspace and the importer's authority (the guards
   Management runs). Every problem becomes a :class:`~rbac_kit.RowError`.
   With any, :class:`~rbac_kit.ImportRejected` is raised and nothing
   changes, unless ``skip_bad_rows`` asks for the good rows only. A dry
   run stops here and reports what the import would do.
4. **Hash** the passwords of the good rows on every core
   (:func:`~rbac_kit.hash_passwords`), with progress reports.
5. **One change** through :meth:`Authorizer.apply <rbac_kit.Authorizer.apply>`:
   under the write lock the importer and every row are checked again (the
   workspace may have changed while hashing), ids are drawn, and every
   person is put in the directory; the store's sink then writes the people
   rows, their ``casbin_rule`` rows and one audit event (action
   ``import_users`` / ``import_customers``) in one transaction. Imported
   people have access at once. No email is sent.
"""

from __future__ import annotations

import secrets
from typing import IO, Any

import attrs

from ..._authorizer import Authorizer
from ..._errors import ImportRejected, RowError
from ...admin import _guards as g
from ...model._catalog import Permission
from ...model._directory import Directory, Person
from ...model._values import Customer, User
from .._passwords import OWASP_ARGON2ID, HashProgress, PasswordHashing, hash_passwords
from ._checks import Parsed, check, parse
from ._format import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PeopleKind, check_kind, read_rows

__all__ = ["ImportReport", "import_people"]


@attrs.frozen(kw_only=True)
class ImportReport:
    """What an import did (or, for a dry run, would do).

    Attributes:
        kind: ``users`` or ``customers``.
        workspace: the workspace imported into.
        dry_run: True when nothing was hashed or written.
        rows: the data rows the file holds (blank rows not counted).
        people: the people imported, in file order; for a dry run, the
            people the import would create (without password hashes; the
            real import draws their ids again).
        errors: the bad rows left out (only with ``skip_bad_rows``; without
            it a bad row raises :class:`~rbac_kit.ImportRejected`).
        revision: the store revision the import committed at; None for a
            dry run or when no row was left to import.
    """

    kind: PeopleKind
    workspace: str
    dry_run: bool
    rows: int
    people: tuple[Person, ...]
    errors: tuple[RowError, ...]
    revision: int | None


def import_people(
    authz: Authorizer,
    actor: str,
    workspace: str,
    kind: PeopleKind,
    data: bytes | str | IO[bytes],
    *,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    require_passwords: bool = True,
    hashing: PasswordHashing = OWASP_ARGON2ID,
    workers: int | None = None,
    progress: HashProgress | None = None,
    max_bytes: int = MAX_IMPORT_BYTES,
    max_rows: int = MAX_IMPORT_ROWS,
) -> ImportReport:
    """Import users or customers from CSV (see ``docs/onboarding.md`` for the format).

    Args:
        authz: the authorizer to change (with a store's sink, the import persists).
        actor: the importer, e.g. ``"user:ann"``; needs ``manage_people``, and
            may only give roles, groups and Customer IDs Management would let
            them give.
        workspace: the workspace to import into.
        kind: ``"users"`` or ``"customers"``.
        data: the file's bytes (UTF-8, a byte-order mark allowed), a binary
            file object, or text.
        dry_run: check everything, hash and write nothing.
        skip_bad_rows: import the good rows and report the bad ones, instead
            of refusing the file.
        require_passwords: a row without a password is bad (the default); if
            False, such a person is created without one (a file exported by
            :func:`export_csv`, which never holds passwords, imports so).
        hashing: argon2id parameters (OWASP's; tests pass cheaper ones).
        workers: threads hashing passwords (default: one per core).
        progress: called with (passwords hashed, passwords to hash).
        max_bytes, max_rows: the caps on the file.

    Returns:
        An :class:`ImportReport`.

    Raises:
        Forbidden: the actor may not ``manage_people`` in the workspace.
        InvalidInput: the file as a whole is unreadable (encoding, size, rows,
            header, CSV syntax) or ``kind`` is unknown.
        ImportRejected: some rows are bad and ``skip_bad_rows`` is False;
            ``.errors`` lists each with its line, column and reason.
    """
    kind = check_kind(kind)
    g.authorize(authz, actor, Permission.MANAGE_PEOPLE, workspace)
    table = read_rows(data, kind, max_bytes=max_bytes, max_rows=max_rows)
    rows = len(table.rows) + len(table.ragged)
    parsed, errors = parse(table, kind, require_passwords=require_passwords)
    # A first look at the workspace, outside the write lock: the change checks again.
    importer = authz.directory.person(actor)
    candidates, found = check(authz, importer, workspace, parsed)
    errors = _refuse_or_keep(kind, errors + found, skip_bad_rows)
    report = ImportReport(
        kind=kind,
        workspace=workspace,
        dry_run=dry_run,
        rows=rows,
        people=(),
        errors=tuple(errors),
        revision=None,
    )
    if dry_run:
        people = _people(authz.directory, kind, workspace, candidates, {})
        return attrs.evolve(report, people=tuple(people))
    if not candidates:
        return report
    hashes = _hashes(candidates, hashing, workers, progress)
    return _apply(authz, actor, report, candidates, hashes, skip_bad_rows)


def _refuse_or_keep(kind: str, errors: list[RowError], skip_bad_rows: bool) -> list[RowError]:
    """The errors sorted by line; raises :class:`ImportRejected` unless bad rows are skipped."""
    errors = sorted(errors, key=_position)
    if errors and not skip_bad_rows:
        bad = len({e.line for e in errors})
        rows = "1 bad row" if bad == 1 else f"{bad} bad rows"
        raise ImportRejected(
            tuple(errors), summary=f"the {kind} file has {rows}; nothing was imported:"
        )
    return errors


#: The order of a row's errors: the row as a whole, then its columns left to right.
_COLUMN_ORDER = {c: i for i, c in enumerate(("email", "name", "customer_id", "role", "groups"))}


def _position(error: RowError) -> tuple[int, int]:
    """Where an error sorts: by line, then column (status and password last)."""
    column = -1 if error.column is None else _COLUMN_ORDER.get(error.column, len(_COLUMN_ORDER))
    return error.line, column


def _hashes(
    candidates: list[Parsed],
    hashing: PasswordHashing,
    workers: int | None,
    progress: HashProgress | None,
) -> dict[int, str]:
    """The password hash of each candidate that has a password, by line."""
    given = [c.candidate for c in candidates if c.candidate and c.candidate.password is not None]
    hashed = hash_passwords(
        [c.password for c in given if c.password is not None],
        hashing=hashing,
        workers=workers,
        progress=progress,
    )
    return {c.line: h for c, h in zip(given, hashed, strict=True)}


def _apply(
    authz: Authorizer,
    actor: str,
    report: ImportReport,
    candidates: list[Parsed],
    hashes: dict[int, str],
    skip_bad_rows: bool,
) -> ImportReport:
    """Check again under the write lock and put every person in, as one change."""
    with authz.transaction(
        actor=actor,
        action=f"import_{report.kind}",
        target=f"{report.workspace}/import:{report.kind}",
    ) as tx:
        importer = g.authorize(authz, actor, Permission.MANAGE_PEOPLE, report.workspace)
        good, late = check(authz, importer, report.workspace, candidates)
        late = _refuse_or_keep(report.kind, late, skip_bad_rows)
        people = _people(tx.directory, report.kind, report.workspace, good, hashes)
        for person in people:
            tx.directory.put_person(person)
        if not people:  # every row turned bad while the passwords were hashed
            tx.cancel()
            return report
    return attrs.evolve(
        report,
        people=tuple(people),
        errors=tuple(sorted((*report.errors, *late), key=_position)),
        revision=authz.revision,
    )


def _people(
    d: Directory,
    kind: PeopleKind,
    workspace: str,
    rows: list[Parsed],
    hashes: dict[int, str],
) -> list[Person]:
    """The people to create, with fresh ids no subject of any workspace holds."""
    subject_kind = "user" if kind == "users" else "customer"
    candidates = [row.candidate for row in rows if row.candidate is not None]
    # Ids the file names are held back, so no drawn id can take one of them.
    taken: set[str] = {c.id for c in candidates if c.id is not None}
    people: list[Person] = []
    for c in candidates:
        fields: dict[str, Any] = {
            "workspace": workspace,
            "id": c.id if c.id is not None else _free_id(d, subject_kind, taken),
            "email": c.email,
            "name": c.name,
            "role": c.role,
            "groups": c.groups,
            "status": c.status,
            "password_hash": hashes.get(c.line),
        }
        if kind == "users":
            people.append(User(**fields))
        else:
            people.append(Customer(customer_id=c.customer_id, **fields))
    return people


def _free_id(d: Directory, kind: str, taken: set[str]) -> str:
    """10 random hex characters (as Management draws them), unused here and in this import."""
    while True:
        candidate = secrets.token_hex(5)
        if candidate not in taken and d.workspace_of(f"{kind}:{candidate}") is None:
            taken.add(candidate)
            return candidate
