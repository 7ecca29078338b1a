"""CLI fixtures: a fresh store URL on SQLite and on PostgreSQL, and a runner."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from rbac_kit.cli import main
from tests.store.conftest import backend, databases, url

__all__ = ["Cli", "Result", "backend", "cli", "databases", "url"]


@attrs.frozen
class Result:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs ``rbac-kit --db <url> ...`` in-process and captures what it prints."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self._capsys = capsys

    def __call__(self, *argv: str, actor: str | None = None) -> Result:
        prefix = ["--db", self.url, *(["--as", actor] if actor else [])]
        self._capsys.readouterr()
        status = main([*prefix, *argv])
        captured = self._capsys.readouterr()
        return Result(status, captured.out, captured.err)

    def ok(self, *argv: str, actor: str | None = None) -> Result:
        """Run and require exit status 0."""
        result = self(*argv, actor=actor)
        assert result.status == 0, result
        return result


@pytest.fixture
def cli(url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    """A runner on a new store, made as a user makes one: ``rbac-kit --db <url> init``."""
    runner = Cli(url, capsys)
    runner.ok("init")
    return runner
