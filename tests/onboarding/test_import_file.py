"""CSV import of files that are wrong as a whole: encoding, size, rows, header, CSV syntax.

Each gets one :class:`~rbac_kit.InvalidInput` naming the problem, never a
``UnicodeDecodeError`` or ``csv.Error``, and nothing changes. Hypothesis
feeds malformed files (random bytes, wrong columns, huge fields, formulas,
bad quoting) and checks that only the library's validation error comes out.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac_kit import Authorizer, ImportRejected, InvalidInput, Management, import_people
from rbac_kit.store import Store
from tests.store.helpers import directory_state, dump

from .csv_world import CHEAP, CUSTOMERS, GOOD, OWNER, USERS, Acme, build_acme, csv_bytes, populate

GOOD_ROW = ("dora@acme.io", "Dora", "member", "", GOOD)


@pytest.fixture
def acme(url: str) -> Iterator[Acme]:
    with Store.open(url) as store:
        yield build_acme(store)


def _invalid(acme: Acme, data: Any, **options: Any) -> str:
    """Import ``data``; require a plain InvalidInput (not a row refusal) and no change."""
    before = dump(acme.store)
    with pytest.raises(InvalidInput) as caught:
        import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP, **options)
    assert not isinstance(caught.value, ImportRejected)
    assert before == dump(acme.store)
    return str(caught.value)


def test_bytes_that_are_not_utf8_name_the_line(acme: Acme) -> None:
    """Latin-1 text is refused with the byte and its line, and a hint to save as UTF-8."""
    data = csv_bytes(USERS, GOOD_ROW) + "zoë@acme.io,Zoë,member,,".encode("latin-1") + b"x" * 12
    message = _invalid(acme, data)
    assert "not UTF-8 text: byte 0xeb on line 3" in message


def test_a_file_over_the_size_cap_is_refused(acme: Acme) -> None:
    """The size is checked before anything is parsed."""
    assert "larger than 100 bytes" in _invalid(
        acme, csv_bytes(USERS, *[GOOD_ROW] * 5), max_bytes=100
    )


def test_a_stream_is_read_only_up_to_the_cap(acme: Acme) -> None:
    """A binary file object is read at most one byte past the cap."""
    stream = io.BytesIO(csv_bytes(USERS, *[GOOD_ROW] * 50))
    _invalid(acme, stream, max_bytes=200)
    assert 201 == stream.tell()


def test_a_file_over_the_row_cap_is_refused(acme: Acme) -> None:
    """More rows than the cap: refused before any row is checked."""
    rows = [(f"p{i}@acme.io", "P", "member", "", GOOD) for i in range(4)]
    assert "more than 3 rows" in _invalid(acme, csv_bytes(USERS, *rows), max_rows=3)


@pytest.mark.parametrize(
    ("header", "phrase"),
    [
        (("email", "name", "role", "groups"), "missing password"),
        ((*USERS, "customer_id"), "unknown 'customer_id'"),
        ((*USERS, "email"), "repeated email"),
        (("e-mail", "name", "role", "groups", "password"), "missing email; unknown 'e-mail'"),
    ],
)
def test_a_header_that_does_not_fit_is_refused(
    acme: Acme, header: tuple[str, ...], phrase: str
) -> None:
    """A missing, unknown or repeated column refuses the file, naming the expected header."""
    message = _invalid(acme, csv_bytes(header, GOOD_ROW[: len(header)]))
    assert phrase in message
    assert "expected email,name,role,groups,password" in message


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\n\n", "the file is empty"),
        (",".join(USERS).encode() + b"\n,,,,\n", "no rows to import"),
        (",".join(USERS).encode() + b'\n"a@b.io"x,N,member,,pw\n', "line 2 is not valid CSV"),
        (",".join(USERS).encode() + b'\n"unclosed,N,member,,pw\n', "is not valid CSV"),
        (",".join(USERS).encode() + b"\n" + b"y" * 140_000 + b",N,member,,pw\n", "128 KiB"),
    ],
)
def test_empty_files_and_broken_csv_are_refused(acme: Acme, data: bytes, phrase: str) -> None:
    """Nothing to import, or CSV the parser refuses: one InvalidInput naming it."""
    assert phrase in _invalid(acme, data)


def test_a_text_mode_stream_is_refused(acme: Acme, tmp_path: Any) -> None:
    """Files must be opened in binary mode, so the encoding is checked here."""
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(USERS, GOOD_ROW))
    with path.open() as stream:
        assert "binary mode" in _invalid(acme, stream)


def test_blank_lines_are_skipped_and_lines_counted(acme: Acme) -> None:
    """Blank lines and all-blank rows are skipped; a quoted cell spanning lines keeps counting."""
    data = (
        ",".join(USERS) + "\n\n"
        '"a@acme.io","Multi\nLine",member,,' + GOOD + "\n"
        ",,,,\n"
        "bad,X,member,," + GOOD + "\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_people(acme.authz, OWNER, "acme", "users", data, hashing=CHEAP)
    assert [(3, "name"), (6, "email")] == [(e.line, e.column) for e in caught.value.errors]


# -- hypothesis: malformed files only ever get InvalidInput -----------------------------

FORMULAS = st.sampled_from(
    [
        '=HYPERLINK("http://x","y")',
        "=1+2",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1",
        "\r=1",
        "=1+2@example.com",
        "'=already-marked",
    ]
)
HUGE = st.integers(201, 5_000).map(lambda n: "x" * n) | st.just("y" * 140_000)
CELL = (
    st.text(max_size=20)
    | FORMULAS
    | HUGE
    | st.sampled_from(["member", "ops", GOOD, "a@b.io", "C-1", "", "owner", "ops;lobby"])
)


def _row(width: int) -> st.SearchStrategy[list[str]]:
    return st.lists(CELL, min_size=width, max_size=width)


@st.composite
def bad_row(draw: st.DrawFn, width: int) -> list[str]:
    """A row that is bad whatever else the file holds (its email, name or width is wrong)."""
    row = draw(_row(width))
    flaw = draw(st.sampled_from(["width", "name", "email"]))
    if flaw == "width":
        extra = draw(st.lists(CELL, min_size=1, max_size=3))
        return [*row, *extra, "not blank"]
    if flaw == "name":
        row[1] = "n" * draw(st.integers(201, 1_000))
        return row
    row[0] = draw(FORMULAS.filter(lambda f: "@example.com" not in f) | HUGE)
    return row


@st.composite
def malformed_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(kind, bytes) of a file that cannot import: a bad header, a bad row, or random bytes."""
    kind = draw(st.sampled_from(["users", "customers"]))
    columns = list(USERS if kind == "users" else CUSTOMERS)
    shape = draw(st.sampled_from(["bad row", "bad header", "bytes", "raw text"]))
    if shape == "bytes":
        return kind, draw(st.binary(max_size=300))
    if shape == "raw text":  # cells joined without quoting: stray quotes, commas, newlines
        cells = draw(st.lists(CELL, min_size=1, max_size=12))
        return kind, (",".join(columns) + "\n" + ",".join(cells) + '"x"y\n').encode(
            "utf-8", "surrogatepass"
        )
    rows = draw(st.lists(_row(len(columns)), max_size=4))
    if shape == "bad header":
        columns = draw(st.permutations(columns))
        columns[draw(st.integers(0, len(columns) - 1))] = draw(
            st.sampled_from(["e-mail", "", "customer id", "PASSWORD2", "=1+2"])
        )
    else:
        rows.insert(draw(st.integers(0, len(rows))), draw(bad_row(len(columns))))
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
        [columns, *rows]
    )
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return kind, (bom + out.getvalue()).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def memory() -> Authorizer:
    """Acme in memory (no store), shared by every example: no example may change it."""
    return populate(Management(Authorizer())).authorizer


@given(malformed_file())
def test_malformed_files_only_ever_get_invalid_input(
    memory: Authorizer, file: tuple[str, bytes]
) -> None:
    """Random bytes, wrong columns, huge fields, formulas: InvalidInput, and nothing changes."""
    kind, data = file
    before = (directory_state(memory.directory), memory.revision, sorted(memory.policy.rules()))
    with pytest.raises(InvalidInput):
        import_people(memory, OWNER, "acme", kind, data, hashing=CHEAP)  # type: ignore[arg-type]
    after = (directory_state(memory.directory), memory.revision, sorted(memory.policy.rules()))
    assert before == after


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(malformed_file())
def test_malformed_files_never_change_the_database(acme: Acme, file: tuple[str, bytes]) -> None:
    """The same files against a store: the database is byte for byte as it was."""
    kind, data = file
    before = dump(acme.store)
    with pytest.raises(InvalidInput):
        import_people(acme.authz, OWNER, "acme", kind, data, hashing=CHEAP)  # type: ignore[arg-type]
    assert before == dump(acme.store)
