"""Every Python example in the README and in ``docs/`` runs as written.

The examples of one file run in order, in one namespace (a page tells one
story), in a fresh working directory.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _examples(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def test_the_pages_have_examples() -> None:
    """The examples are found (so the test below can fail)."""
    assert 8 <= sum(len(_examples(page)) for page in PAGES)


@pytest.mark.parametrize("page", [p for p in PAGES if _examples(p)], ids=lambda p: p.name)
def test_every_example_runs(page: Path, tmp_path: Path) -> None:
    """Each page's examples run, in order, without an error."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for number, code in enumerate(_examples(page), start=1):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, f"{page.name} example {number}", "exec"), namespace)
    finally:
        os.chdir(cwd)
        for value in namespace.values():
            close = getattr(value, "close", None)
            if type(value).__name__ == "Store" and callable(close):
                close()
