"""``rbac-kit serve``: the installed command, following changes other processes commit."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rbac_kit.cli import main

OWNER = "user:owner"


def _ask(base: str, question: dict[str, str]) -> bool:
    request = urllib.request.Request(
        base + "/v1/check", data=json.dumps(question).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        allowed: bool = json.loads(response.read())["allowed"]
        return allowed


def test_serve_answers_and_follows_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rbac.db'}"
    cli = ["--db", url]
    assert 0 == main([*cli, "init"])
    assert 0 == main([*cli, "workspace", "create", "acme", "--name", "Acme",
                      "--owner-email", "boss@acme.io", "--owner-name", "Boss"])  # fmt: skip
    assert 0 == main([*cli, "--as", OWNER, "api", "register", "acme", "Pay", "--id", "pay"])
    assert 0 == main([*cli, "--as", OWNER, "user", "add", "acme", "--id", "ann",
                      "--email", "ann@acme.io", "--name", "Ann"])  # fmt: skip
    command = Path(sys.executable).with_name("rbac-kit")
    server = subprocess.Popen(
        [str(command), *cli, "serve", "--port", "0", "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert found, first
        base = f"http://127.0.0.1:{found.group(1)}"
        question = {"subject": "user:ann", "action": "view_api", "object": "acme/pay"}
        assert not _ask(base, question)
        # Another process (this one) grants access; the server's follower brings it in.
        assert 0 == main([*cli, "--as", OWNER, "access", "add", "acme", "pay", "user:ann"])
        deadline = time.monotonic() + 10
        while not _ask(base, question):
            assert time.monotonic() < deadline, "the change never reached the server"
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert 0 == server.returncode, err
    assert "stopped" in out
