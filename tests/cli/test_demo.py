"""``rbac-kit demo``: the README's first command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rbac_kit import open_authorizer
from rbac_kit.cli import main
from rbac_kit.cli._demo import QUESTIONS
from rbac_kit.onboarding import verify_password
from rbac_kit.store import Store


def test_demo_builds_through_management_and_import_and_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["--db", url, "demo"]) == 0
    first = capsys.readouterr().out
    assert "built workspace 'acme'" in first
    assert "ALLOW cid:globex-42 view_requests acme/payments" in first
    assert "DENY customer:hooli view_api acme/payments" in first
    assert first.count("-> Forbidden") + first.count("-> Conflict") == 4
    with Store.open(url) as store:
        events = store.events()
        authz = open_authorizer(store)
    # Built by people, not by the system: every step after the bootstrap has a user actor,
    # except the traffic the host recorded.
    assert {e.actor for e in events[1:]} == {"user:olivia", "user:adam", "system"}
    # People came in through the CSV import, passwords hashed with argon2id.
    assert {"import_users", "import_customers"} <= {e.action for e in events}
    mia = authz.directory.person("user:mia")
    assert mia.password_hash is not None
    assert verify_password(mia.password_hash, "mia's long passphrase")
    lines = [line.strip() for line in first.splitlines()]
    for question in QUESTIONS:
        assert str(authz.explain(*question)).split(" (")[0] in lines

    # A second run asks again on the same file without rebuilding.
    assert main(["--db", url, "demo"]) == 0
    second = capsys.readouterr().out
    assert "already in" in second
    with Store.open(url) as store:
        assert store.revision() == events[-1].revision


def test_demo_default_file_through_the_installed_command(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("rbac-kit")
    result = subprocess.run(
        [str(script), "demo"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rbac-kit-demo.db").exists()
    assert "ALLOW user:mia view_api acme/orders" in result.stdout
