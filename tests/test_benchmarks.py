"""The benchmark scripts still run, and their own checks pass, at toy sizes.

Nothing here is timed: speed is measured by running the scripts at full
size (see ``docs/benchmarks.md``). This keeps them from rotting between
those runs: each script checks its answers before it times anything
(decisions against the expected ones and pycasbin's, ``casbin_rule``
against the compiled policy, imported people against the file) and exits 1
when a check fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

TOY = ["--people", "300", "--groups", "10", "--apis", "30"]


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        (
            "bench_decisions.py",
            [*TOY, "--questions", "2000", "--reps", "1", "--casbin-budget", "1"],
            ["| `DecisionIndex.can` |", "0 of 300"],
        ),
        (
            "bench_store.py",
            [*TOY, "--opens", "1", "--changes", "5", "--list-reps", "1"],
            ["casbin_rule holds exactly the compiled policy: yes", "saw 10 of 10 changes"],
        ),
        (
            "bench_service.py",
            [*TOY, "--requests", "50"],
            ["| forward-auth |", "answers over HTTP equal in-process can: yes"],
        ),
        (
            "bench_import.py",
            ["--users", "30", "--rounds", "1"],
            ["import / process-pool hashing ="],
        ),
    ],
)
def test_benchmark_runs_and_its_checks_pass(
    script: str, args: list[str], expected: list[str], tmp_path: Path
) -> None:
    """The script exits 0 and prints its report."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert 0 == result.returncode, result.stdout[-3000:] + result.stderr[-3000:]
    for text in expected:
        assert text in result.stdout
