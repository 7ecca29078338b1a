"""The CSV commands as a shell user runs them: template, import, export.

``import`` on the command line hashes with the real (OWASP) parameters, so
these files are a few rows long.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import io
from pathlib import Path

import pytest

from rbac_kit import open_authorizer
from rbac_kit.cli._csvio import ProgressBar
from rbac_kit.store import Store
from tests.cli.conftest import Cli, cli
from tests.store.helpers import dump

from .csv_world import GOOD, USERS, cli_acme, csv_bytes, parse_csv

__all__ = ["cli"]

OWNER = "user:owner"


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """Workspace acme (owner, member ann, group ops)."""
    return cli_acme(cli)


def _file(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    return str(path)


def test_template_prints_the_header_and_an_example(cli: Cli, tmp_path: Path) -> None:
    """template users|customers: the header the import expects, and an example row."""
    rows = parse_csv(cli.ok("template", "customers").out)
    assert ["email", "name", "customer_id", "role", "groups", "password"] == rows[0]
    assert 2 == len(rows)
    out = tmp_path / "users.csv"
    cli.ok("template", "users", "-o", str(out))
    assert list(USERS) == parse_csv(out.read_text())[0]


def test_import_users_then_they_have_access(acme: Cli, tmp_path: Path) -> None:
    """A good file imports at once; the people are in the store with their groups."""
    path = _file(tmp_path, csv_bytes(USERS, ("dora@acme.io", "Dora", "member", "ops", GOOD)))
    result = acme.ok("import", "users", "acme", path, actor=OWNER)
    assert "imported 1 users of 1 rows into acme (revision" in result.out
    with Store.open(acme.url) as store:
        people = {p.email: p for p in open_authorizer(store).directory.workspace("acme").people()}
    assert frozenset({"ops"}) == people["dora@acme.io"].groups


def test_a_refused_file_exits_2_listing_every_bad_row(acme: Cli, tmp_path: Path) -> None:
    """Every bad row on standard error with line, column and reason; the store unchanged."""
    data = csv_bytes(
        USERS,
        ("dora@acme.io", "Dora", "member", "", GOOD),
        ("ann@acme.io", "Ann", "member", "", GOOD),
        ("ed@acme.io", "Ed", "wizard", "", "short"),
    )
    with Store.open(acme.url) as store:
        before = dump(store)
    result = acme("import", "users", "acme", _file(tmp_path, data), actor=OWNER)
    assert 2 == result.status
    lines = result.err.splitlines()
    assert "rbac-kit: error: the users file has 2 bad rows; nothing was imported:" == lines[0]
    assert lines[1].startswith("rbac-kit: line 3, column email: ann@acme.io is already a member")
    assert lines[2].startswith("rbac-kit: line 4, column role: no role 'wizard'")
    assert "rbac-kit: line 4, column password: password is shorter than 12 characters" == lines[3]
    with Store.open(acme.url) as store:
        assert before == dump(store)


def test_dry_run_and_skip_bad_rows(acme: Cli, tmp_path: Path) -> None:
    """--dry-run changes nothing; --skip-bad-rows imports the good rows and lists the bad."""
    data = csv_bytes(
        USERS, ("dora@acme.io", "Dora", "member", "", GOOD), ("bad", "B", "member", "", GOOD)
    )
    path = _file(tmp_path, data)
    dry = acme.ok("import", "users", "acme", path, "--dry-run", "--skip-bad-rows", actor=OWNER)
    assert "would import 1 users of 2 rows into acme; skipped 1 bad rows" in dry.out
    assert "rbac-kit: line 3, column email:" in dry.err
    done = acme.ok("--json", "import", "users", "acme", path, "--skip-bad-rows", actor=OWNER)
    report = done.json()
    assert (1, ["dora@acme.io"], [3]) == (
        report["imported"],
        [p["email"] for p in report["people"]],
        [e["line"] for e in report["errors"]],
    )
    assert all("password_hash" not in p for p in report["people"])


def test_import_from_standard_input_without_passwords(
    acme: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FILE '-' reads standard input; --allow-missing-passwords takes rows without one."""
    data = csv_bytes(USERS, ("dora@acme.io", "Dora", "member", "", ""))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    refused = acme("import", "users", "acme", "-", actor=OWNER)
    assert 2 == refused.status
    assert "password is missing" in refused.err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    acme.ok("import", "users", "acme", "-", "--allow-missing-passwords", actor=OWNER)


def test_a_file_that_is_not_utf8_is_one_error_line(acme: Cli, tmp_path: Path) -> None:
    """A problem with the file as a whole: exit 2, one line naming it."""
    path = _file(tmp_path, "email\nzoë".encode("latin-1"))
    result = acme("import", "users", "acme", path, actor=OWNER)
    assert 2 == result.status
    assert "not UTF-8 text" in result.err


def test_export_people_groups_and_access(acme: Cli, tmp_path: Path) -> None:
    """export writes CSV to standard output or -o FILE; access needs --api."""
    acme.ok("group", "add-member", "acme", "ops", "user:ann", actor=OWNER)
    acme.ok("api", "register", "acme", "Payments", "--id", "payments", actor=OWNER)
    acme.ok("access", "add", "acme", "payments", "group:ops", actor=OWNER)
    users = parse_csv(acme.ok("export", "users", "acme", actor=OWNER).out)
    assert ["ann@acme.io", "Ann", "member", "ops", "", "active"] == users[1]
    out = tmp_path / "groups.csv"
    written = acme.ok("export", "groups", "acme", "-o", str(out), actor=OWNER)
    assert "wrote 1 rows to" in written.err
    assert ["ops", "Ops", "user:ann", "user", "ann@acme.io", "Ann"] == parse_csv(out.read_text())[1]
    access = parse_csv(acme.ok("export", "access", "acme", "--api", "payments", actor=OWNER).out)
    assert ["group:ops", "user:ann"] == [r[0] for r in access[1:]]
    assert 2 == acme("export", "access", "acme", actor=OWNER).status


def test_progress_bar_draws_only_for_thousands() -> None:
    """The bar appears from the threshold on, redraws per percent, and ends its line."""
    small, large = io.StringIO(), io.StringIO()
    ProgressBar(small)(10, 10)
    bar = ProgressBar(large, threshold=100, width=10)
    for done in range(1, 201):
        bar(done, 200)
    assert "" == small.getvalue()
    assert 101 == large.getvalue().count("\r")  # 0% to 100%
    assert large.getvalue().endswith("[##########] 100%  200/200\n")
