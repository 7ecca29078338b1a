#!/usr/bin/env python3
"""Set-up and entry points for a fresh checkout, needing nothing but Python 3.11+.

    python3 dev.py demo    # build a sample workspace and show decisions with reasons
    python3 dev.py test    # lint, type-check and run the whole test suite

Both create ``.venv`` beside this file on first use and install the project
with its development extras into it (again whenever ``pyproject.toml``
changes). Extra arguments are passed on (to ``rbac-kit demo`` or ``pytest``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".rbac-kit-installed"


def _run(*argv: str | Path) -> None:
    completed = subprocess.run([str(a) for a in argv], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def ensure_environment() -> None:
    """Create the virtual environment and install the project when needed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing rbac-kit and its development tools into .venv ...", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "bench"}:
        print(__doc__)
        sys.exit(2)
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        _run(BIN / "rbac-kit", "demo", *rest)
    elif command == "test":
        _run(BIN / "ruff", "check", "src", "tests", "benchmarks", "dev.py")
        _run(BIN / "mypy")
        # Branch coverage (configured in pyproject.toml), files not fully covered listed.
        _run(
            BIN / "python",
            "-m",
            "pytest",
            "--cov=rbac_kit",
            "--cov-report=term:skip-covered",
            *rest,
        )
    else:
        _run(BIN / "python", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
