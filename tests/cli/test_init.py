"""``init``, ``--create`` and the store at ``--db``: made only when asked, errors in one line."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from rbac_kit.cli import main

from .conftest import Cli, Result

WORKSPACE = ("workspace", "create", "acme", "--name", "Acme",
             "--owner-email", "boss@acme.io", "--owner-name", "Boss")  # fmt: skip

#: A command of each kind: a decision, a read, a change, and the one that makes a store.
COMMANDS = [
    ("check", "user:ann", "view_api", "acme/payments"),
    ("--as", "user:owner", "list", "users", "acme"),
    WORKSPACE,
    ("init",),
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return Result(status, captured.out, captured.err)


def _one_line_error(result: Result) -> str:
    """The error line of a run that failed with exit status 2 (and printed nothing else)."""
    assert (2, "") == (result.status, result.out), result
    assert 1 == len(result.err.splitlines()), result.err
    assert result.err.startswith("rbac-kit: error: "), result.err
    return result.err


def _tables(url: str) -> list[str]:
    """The tables of the database at ``url`` ([] for a SQLite file that is not there)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _bad_urls(tmp_path: Path) -> list[tuple[str, str]]:
    """(URL, a piece of the error it gets): each kind of bad or unreachable ``--db``."""
    return [
        (f"sqlite:///{tmp_path / 'typo' / 'rbac.db'}", str(tmp_path / "typo")),
        ("postgres://ann:s3cret@db.example/rbac", "use postgresql+psycopg://ann:***@db.example"),
        ("mysql://ann:s3cret@db.example/rbac", "mysql is not supported"),
        ("postgresql+psycopg2://ann@db.example/rbac", "driver psycopg2 is not supported"),
        ("not a url", "'not a url' is not a database URL"),
        (
            "postgresql+psycopg://ann:s3cret@127.0.0.1:1/rbac",
            "cannot open the store at postgresql+psycopg://ann:***@127.0.0.1:1/rbac",
        ),
    ]


@pytest.mark.parametrize("argv", COMMANDS, ids=["check", "list", "workspace", "init"])
@pytest.mark.parametrize("kind", range(6))
def test_a_bad_db_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...], kind: int
) -> None:
    """Every kind of bad --db, on every kind of command: one line naming it, no password,
    exit 2 (never 1, which means denied), and nothing created."""
    db, expected = _bad_urls(tmp_path)[kind]
    error = _one_line_error(_run(capsys, "--db", db, *argv))
    assert expected in error
    assert "s3cret" not in error
    assert [] == list(tmp_path.iterdir())


def test_a_missing_driver_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without psycopg, a PostgreSQL --db says what to install."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    error = _one_line_error(_run(capsys, "--db", "postgresql://ann@127.0.0.1/rbac", "init"))
    assert "pip install 'rbac-kit[postgres]'" in error


@pytest.mark.parametrize("argv", COMMANDS[:3], ids=["check", "list", "workspace"])
def test_no_store_is_an_error_naming_init_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], url: str, argv: tuple[str, ...]
) -> None:
    """A missing SQLite file, or a PostgreSQL schema without rbac_kit's tables: exit 2
    (``check`` too: no store is not a denial), the command to create it, nothing created."""
    error = _one_line_error(_run(capsys, "--db", url, *argv))
    where = url.removeprefix("sqlite:///") if url.startswith("sqlite") else url
    assert f"no store at {where}" in error
    assert f"create it with `rbac-kit --db {url} init`" in error
    assert [] == _tables(url)


def test_the_default_store_is_not_made_in_a_new_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db (nor $RBAC_KIT_DB), a command in a new folder does not make rbac-kit.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RBAC_KIT_DB", raising=False)
    error = _one_line_error(_run(capsys, "check", "user:ann", "view_api", "acme/payments"))
    assert f"no store at {tmp_path / 'rbac-kit.db'}" in error
    assert [] == list(tmp_path.iterdir())


def test_init_creates_the_store_then_commands_work(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init`` says it created the store; commands then use it; a second ``init`` is fine."""
    cli = Cli(url, capsys)
    assert f"created the store at {url}\n" == cli.ok("init").out
    assert "rbac_kit_alembic_version" in _tables(url)
    cli.ok(*WORKSPACE)
    assert 1 == cli("check", "user:ann", "view_api", "acme").status
    assert 0 == cli("check", "user:owner", "delete_workspace", "acme").status
    assert f"the store at {url} is up to date (revision 1)\n" == cli.ok("init").out
    assert {"store": url, "created": False, "revision": 1} == cli.ok("--json", "init").json()
    assert "acme" in cli.ok("workspace", "list", actor="user:owner").out


def test_create_lets_any_command_make_the_store(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--create`` makes the store the command needs; later commands need no flag."""
    cli = Cli(url, capsys)
    assert 1 == cli("--create", "check", "user:ann", "view_api", "acme").status
    cli.ok(*WORKSPACE)
    cli.ok("--create", "api", "register", "acme", "Pay", "--id", "pay", actor="user:owner")
    assert 0 == cli("check", "user:owner", "edit_api", "acme/pay").status


def test_create_in_a_missing_folder_names_the_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``init`` cannot make a file in a folder that is not there: exit 2, the folder named."""
    db = f"sqlite:///{tmp_path / 'typo' / 'rbac.db'}"
    error = _one_line_error(_run(capsys, "--db", db, "init"))
    assert f"no folder {tmp_path / 'typo'}" in error
    assert [] == list(tmp_path.iterdir())
