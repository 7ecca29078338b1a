"""The people CSV format: its columns, its template, and reading a file into rows safely.

One format serves import and export, so an export of users or customers is
a file the import takes back:

- users: ``email,name,role,groups,password``
- customers: ``email,name,customer_id,role,groups,password``

plus an optional ``status`` column (``active`` or ``disabled``, default
active) that exports write so a disabled person stays disabled. Header names
are matched ignoring case and surrounding spaces; columns may come in any
order; a missing or unknown column refuses the whole file. ``groups`` holds
group ids separated by ``;`` (ids never contain one).

Reading (:func:`read_rows`) turns any bytes into either rows or one
:class:`~rbac_kit.InvalidInput` naming the problem: text that is not UTF-8
(with or without a byte-order mark), a file over :data:`MAX_IMPORT_BYTES` or
:data:`MAX_IMPORT_ROWS`, CSV the parser refuses, a bad header. Neither a
``UnicodeDecodeError`` nor a ``csv.Error`` ever reaches the caller. Each row
keeps the line it starts on (quoted cells may span lines), so errors point
at the line a spreadsheet user sees. Empty lines, and rows whose cells are
all blank (spreadsheets write those at the end), are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Literal, TypeAlias

import attrs

from ..._errors import InvalidInput

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "PeopleKind",
    "csv_template",
]

#: What an import reads or an export writes as people: ``users`` or ``customers``.
PeopleKind: TypeAlias = Literal["users", "customers"]

#: The largest file an import reads (16 MiB: about 100,000 rows with passwords).
MAX_IMPORT_BYTES = 16 * 1024 * 1024
#: The most rows one import takes (hashing 50,000 passwords takes minutes on a laptop).
MAX_IMPORT_ROWS = 50_000

#: The columns of each kind, in the order exports and the template write them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("email", "name", "role", "groups", "password"),
    "customers": ("email", "name", "customer_id", "role", "groups", "password"),
}
#: Columns a file may leave out: ``status`` (active by default) and ``id`` (the
#: person's id, as in ``user:<id>``; drawn at random when the column or cell is
#: empty). Exports write ``status``, never ``id``: ids are unique across the
#: whole store, so a file with them would not import into another workspace.
OPTIONAL = ("status", "id")
#: The role given when the ``role`` cell is empty (as :class:`~rbac_kit.Management` does).
DEFAULT_ROLE = {"users": "member", "customers": "customer"}
#: Separates group ids in the ``groups`` cell.
GROUP_SEPARATOR = ";"

_EXAMPLES = {
    "users": ("ada@example.com", "Ada Lovelace", "member", "ops;support", ""),
    "customers": ("billing@example.net", "Example Corp", "C-1042", "customer", "partners", ""),
}


def check_kind(kind: object) -> PeopleKind:
    """``kind`` if it is ``users`` or ``customers``; else :class:`InvalidInput`."""
    if kind == "users":
        return "users"
    if kind == "customers":
        return "customers"
    raise InvalidInput(f"kind {kind!r} is not one of: users, customers")


def csv_template(kind: PeopleKind) -> str:
    """The header of an import file of ``kind`` and one example row, as CSV text.

    The example's password cell is left empty on purpose: a template
    imported as it stands is refused ("password is missing") instead of
    creating a person whose password is printed in the documentation. Its
    role and groups are examples too: use the ids of your workspace.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[check_kind(kind)])
    writer.writerow(_EXAMPLES[kind])
    return out.getvalue()


@attrs.frozen(kw_only=True)
class Row:
    """One data row: the line it starts on and its cells by column name."""

    line: int
    cells: dict[str, str]


@attrs.frozen(kw_only=True)
class Table:
    """A file read and checked: its rows, and the rows of the wrong width."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    #: (line, cell count) of each row whose width differs from the header's.
    ragged: tuple[tuple[int, int], ...]


def read_rows(
    data: bytes | str | IO[bytes],
    kind: PeopleKind,
    *,
    max_bytes: int = MAX_IMPORT_BYTES,
    max_rows: int = MAX_IMPORT_ROWS,
) -> Table:
    """Decode, parse and check the shape of an import file of ``kind``.

    Raises:
        InvalidInput: the file is too large, has too many rows, is not UTF-8,
            is not CSV the parser accepts, has no data rows, or its header
            lacks a column or names one the kind does not have.
    """
    text = _decode(_bytes(data, max_bytes), max_bytes)
    rows = _records(text, max_rows)
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise InvalidInput(f"the file is empty; expected the header {_header(kind)}") from None
    columns = _columns(header, kind)
    found: list[Row] = []
    ragged: list[tuple[int, int]] = []
    for line, cells in rows:
        if len(cells) != len(columns):
            ragged.append((line, len(cells)))
            continue
        found.append(Row(line=line, cells=dict(zip(columns, cells, strict=True))))
    if not found and not ragged:
        raise InvalidInput(f"the file has a header (line {header_line}) but no rows to import")
    return Table(columns=columns, rows=tuple(found), ragged=tuple(ragged))


def _bytes(data: bytes | str | IO[bytes], max_bytes: int) -> bytes | str:
    """The content, reading at most one byte more than the cap from a stream."""
    if isinstance(data, bytes | str):
        return data
    read = getattr(data, "read", None)
    if read is None:
        raise InvalidInput(
            f"import data must be bytes, str or a binary file, got {type(data).__name__}"
        )
    chunk = read(max_bytes + 1)
    if not isinstance(chunk, bytes):
        raise InvalidInput("import data must be opened in binary mode ('rb')")
    return chunk


def _decode(data: bytes | str, max_bytes: int) -> str:
    """UTF-8 text without a byte-order mark; size checked first."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InvalidInput(
            f"the file is larger than {max_bytes:,} bytes; split it into smaller files"
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInput(
            f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} "
            f"(offset {error.start}); save it as 'CSV UTF-8' and import again"
        ) from None


def _records(text: str, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on; caps the count; csv.Error -> InvalidInput.

    A cell over the csv module's field limit (128 KiB) is a parse error here;
    shorter cells are checked by the field rules (a name holds 200 characters).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    count = 0
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput(
                f"line {reader.line_num} is not valid CSV ({error}); a quote inside a "
                "quoted cell is written twice, and a cell may not exceed 128 KiB"
            ) from None
        start, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > max_rows + 1:  # the header plus max_rows rows
            raise InvalidInput(
                f"the file has more than {max_rows:,} rows; split it into smaller files"
            )
        yield start, cells


def _header(kind: str) -> str:
    return ",".join(COLUMNS[kind])


def _columns(header: list[str], kind: PeopleKind) -> tuple[str, ...]:
    """The header's column names, canonical; refuses missing, unknown and repeated ones."""
    names = tuple(cell.strip().lower() for cell in header)
    expected = COLUMNS[kind]
    known = (*expected, *OPTIONAL)
    unknown = [n for n in names if n not in known]
    missing = [n for n in expected if n not in names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(repr(n) for n in unknown))
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    if problems:
        raise InvalidInput(
            f"the header of a {kind} file does not fit ({'; '.join(problems)}): expected "
            f"{_header(kind)} (optionally also status, id), in any order"
        )
    return names
