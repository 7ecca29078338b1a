"""The command line for scripts (issue #10, findings 8 and 9), through ``rbac_kit.cli.main``.

JSON errors with stable codes, the audit log newest first, a quiet end on a
closed pipe, one time format, and the bounds on what a command line can ask
(offsets, limits, control characters, empty arguments, echoed values). Each
runs on SQLite and, with ``RBAC_KIT_TEST_POSTGRES_URL``, on PostgreSQL.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rbac_kit import InvalidInput
from rbac_kit.model import to_jsonable
from rbac_kit.store import Store

from .conftest import Cli, Result

OWNER = "user:owner"
ANN = "user:ann"
BIG = str(2**63)
#: The converter's ISO 8601 shape, to the second (text tables).
SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """Workspace acme: the Owner, member ann, API payments granted to ann."""
    cli.ok(
        "workspace", "create", "acme", "--name", "Acme",
        "--owner-email", "boss@acme.io", "--owner-name", "Boss",
    )  # fmt: skip
    cli.ok("api", "register", "acme", "Payments", "--id", "payments", actor=OWNER)
    cli.ok("user", "add", "acme", "--id", "ann", "--email", "ann@acme.io", "--name", "Ann",
           actor=OWNER)  # fmt: skip
    cli.ok("access", "add", "acme", "payments", ANN, actor=OWNER)
    return cli


def _error(result: Result) -> dict[str, Any]:
    """The one JSON error object a failed ``--json`` command printed on standard error."""
    assert (2, "") == (result.status, result.out)
    lines = result.err.splitlines()
    assert 1 == len(lines), result.err
    error: dict[str, Any] = json.loads(lines[0])["error"]
    return error


# -- JSON errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "argv", "actor", "message"),
    [
        ("invalid_input", ["check", ANN, "view_api"], None, "SUBJECT ACTION API"),
        ("unknown_action", ["check", ANN, "fly", "acme/payments"], None, "'fly'"),
        ("not_found", ["person", "disable", "acme", "user:nobody"], OWNER, "nobody"),
        ("conflict", ["api", "register", "acme", "P2", "--id", "payments"], OWNER, "payments"),
        ("forbidden", ["api", "register", "acme", "Orders"], ANN, "ann"),
        ("invalid_token", ["accept", "bogus", "--name", "X", "--password", "x"], None, "invalid"),
        ("usage", ["frobnicate"], None, "invalid choice"),
        ("usage", ["list", "users", "acme", "--offset", "x"], OWNER, "invalid int value"),
    ],
)
def test_json_errors_are_one_object_with_a_stable_code(
    acme: Cli, code: str, argv: list[str], actor: str | None, message: str
) -> None:
    """Under --json every error class prints {"error": {"code", "message"}} on stderr, exit 2."""
    error = _error(acme("--json", *argv, actor=actor))
    assert code == error["code"]
    assert message in error["message"]


def test_without_json_errors_stay_one_line_of_text(acme: Cli) -> None:
    """Text mode is unchanged: one line naming what was wrong, exit 2."""
    result = acme("api", "register", "acme", "Orders", actor=ANN)
    assert 2 == result.status
    assert result.err.startswith("rbac-kit: error: ")
    assert 1 == len(result.err.splitlines())


def test_store_unavailable_is_its_own_code(capsys: pytest.CaptureFixture[str]) -> None:
    """A database that cannot be reached (nothing listens on port 1) is store_unavailable."""
    pytest.importorskip("psycopg")
    cli = Cli("postgresql+psycopg://postgres@127.0.0.1:1/test", capsys)
    error = _error(cli("--json", "check", ANN, "view_api", "acme/payments"))
    assert "store_unavailable" == error["code"]


def test_denied_is_still_exit_1_and_no_error(acme: Cli) -> None:
    """A denial is an answer, not an error: exit 1, the answer on stdout, nothing on stderr."""
    result = acme("--json", "check", "user:nobody", "view_api", "acme/payments")
    assert (1, "") == (result.status, result.err)
    assert result.json()["allowed"] is False


def test_refused_import_under_json_reports_its_bad_rows(acme: Cli, tmp_path: Path) -> None:
    """A refused import prints nothing on stdout and an import_rejected error with the rows."""
    bad = tmp_path / "users.csv"
    bad.write_text(
        "email,name,role,groups,password\nnot-an-email,Bo,member,,pw-long-enough-1\n",
        encoding="utf-8",
    )
    error = _error(acme("--json", "import", "users", "acme", str(bad), actor=OWNER))
    assert "import_rejected" == error["code"]
    assert [2] == [row["line"] for row in error["errors"]]
    assert "email" == error["errors"][0]["column"]
    text = acme("import", "users", "acme", str(bad), actor=OWNER)
    assert (2, "") == (text.status, text.out)
    assert text.err.startswith("rbac-kit: error: ")
    assert "rbac-kit: line 2, column email: " in text.err


# -- the audit log ----------------------------------------------------------------


def test_audit_is_newest_first_and_limit_takes_the_newest(acme: Cli) -> None:
    """audit lists newest first; --limit N is the newest N, also with --after."""
    everything = acme.ok("--json", "audit", "acme", actor=OWNER).json()
    revisions = [e["revision"] for e in everything]
    assert sorted(revisions, reverse=True) == revisions
    assert "add_access" == everything[0]["action"]
    newest = acme.ok("--json", "audit", "acme", "--limit", "3", actor=OWNER).json()
    assert revisions[:3] == [e["revision"] for e in newest]
    after = acme.ok(
        "--json", "audit", "acme", "--after", str(revisions[-1]), "--limit", "2", actor=OWNER
    ).json()
    assert revisions[:2] == [e["revision"] for e in after]
    system = acme.ok("--json", "audit", "--limit", "1", actor="system").json()
    assert [revisions[0]] == [e["revision"] for e in system]


def test_audit_times_are_the_converters_iso_8601(acme: Cli) -> None:
    """The text table shows times as 2026-12-04T14:30:00+00:00; JSON as the converter writes."""
    table = acme.ok("audit", "acme", "--limit", "1", actor=OWNER).out.splitlines()
    time = table[2].split()[1]
    assert SECONDS.match(time), table
    event = acme.ok("--json", "audit", "acme", "--limit", "1", actor=OWNER).json()[0]
    with Store.open(acme.url) as store:
        stored = store.events(event["revision"] - 1)[0].time
    assert to_jsonable(stored) == event["time"]
    assert to_jsonable(stored.replace(microsecond=0)) == time


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "acme", "--limit", "-5"],
        ["audit", "acme", "--limit", "0"],
        ["audit", "acme", "--after", BIG],
        ["audit", "acme", "--after", "-1"],
    ],
)
def test_audit_bounds_are_invalid_input(acme: Cli, argv: list[str]) -> None:
    """A negative or zero --limit, an --after below 0 or of 2**63 is an error, not every row."""
    assert "invalid_input" == _error(acme("--json", *argv, actor=OWNER))["code"]


def test_store_events_refuses_what_the_database_cannot_take(url: str) -> None:
    """Store.events refuses a negative or 64-bit-overflowing after or limit."""
    with Store.open(url, create=True) as store:
        for after, limit in [(-1, None), (2**63, None), (0, -5), (0, 2**63), (10**5000, None)]:
            with pytest.raises(InvalidInput, match="whole number from 0 to"):
                store.events(after, limit=limit)


# -- lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--offset", BIG], "offset must be a whole number from 0 to"),
        (["--offset", "-1"], "offset must be a whole number from 0 to"),
        (["--limit", "-1"], "limit must be a whole number from 1 to 500"),
        (["--search", "an\x00n"], "control character '\\x00'"),
        (["--search", "\x1b[2J"], "control character '\\x1b'"),
        (["--filter", "role=member\x00"], "control character '\\x00'"),
    ],
)
def test_list_bounds_are_invalid_input(acme: Cli, argv: list[str], message: str) -> None:
    """Offsets of 2**63, negative limits and control characters are refused before any SQL."""
    error = _error(acme("--json", "list", "users", "acme", *argv, actor=OWNER))
    assert "invalid_input" == error["code"]
    assert message in error["message"]


def test_the_largest_offset_is_an_empty_page(acme: Cli) -> None:
    """2**63 - 1 is the last offset taken: an empty page, on both databases."""
    page = acme.ok(
        "--json", "list", "users", "acme", "--offset", str(2**63 - 1), actor=OWNER
    ).json()
    assert ([], 2) == (page["rows"], page["total"])


# -- empty arguments ----------------------------------------------------------------


def test_policy_export_needs_a_directory(
    acme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """policy export "" is an error and writes nothing into the current folder."""
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    error = _error(acme("--json", "policy", "export", ""))
    assert "invalid_input" == error["code"]
    assert before == sorted(os.listdir(tmp_path))


@pytest.mark.parametrize("text", ["", "subject,action,api\n", "\n\n"])
def test_check_batch_of_no_questions_is_an_error(acme: Cli, tmp_path: Path, text: str) -> None:
    """A batch without a question exits 2 ("no questions"), never 0 (every answer allowed)."""
    batch = tmp_path / "batch.csv"
    batch.write_text(text, encoding="utf-8")
    result = acme("check", "--batch", str(batch))
    assert (2, "") == (result.status, result.out)
    assert "no questions" in result.err


# -- echoed values ------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_errors_quote_at_most_100_characters_of_a_value(acme: Cli, as_json: bool) -> None:
    """A 100 KB id is cut where the error quotes it, not echoed whole."""
    huge = "x" * 100_000
    flags = ["--json"] if as_json else []
    for argv in (
        ["check", ANN, huge, "acme/payments"],
        ["person", "disable", "acme", f"user:{huge}"],
        ["list", "users", "acme", "--filter", huge],
        ["audit", "acme", "--after", huge],
    ):
        result = acme(*flags, *argv, actor=OWNER)
        assert 2 == result.status
        assert len(result.err) < 1_500, (argv, len(result.err))
        assert re.search(r"x{90,100}\.\.\.", result.err), argv


# -- a closed pipe --------------------------------------------------------------------


def _run_into_closed_pipe(url: str, *argv: str) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``rbac-kit`` with standard output a pipe nobody reads (``| head``)."""
    script = Path(sys.executable).with_name("rbac-kit")
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first write: the write meets EPIPE
    try:
        return subprocess.run(
            [str(script), "--db", url, *argv], stdout=write, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(write)


def test_a_closed_pipe_ends_quietly_with_the_commands_status(acme: Cli) -> None:
    """`audit | head` exits 0 without "Broken pipe"; a denied `check` still exits 1."""
    audit = _run_into_closed_pipe(acme.url, "--as", OWNER, "audit", "acme")
    assert (0, b"") == (audit.returncode, audit.stderr)
    listed = _run_into_closed_pipe(acme.url, "--as", OWNER, "export", "users", "acme")
    assert (0, b"") == (listed.returncode, listed.stderr)
    denied = _run_into_closed_pipe(acme.url, "check", "user:nobody", "view_api", "acme/payments")
    assert (1, b"") == (denied.returncode, denied.stderr)
    allowed = _run_into_closed_pipe(acme.url, "check", ANN, "view_api", "acme/payments")
    assert (0, b"") == (allowed.returncode, allowed.stderr)
