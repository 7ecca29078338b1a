"""The README's first example runs as written and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_starts_with_the_two_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    commands = [line.split("#")[0].strip() for line in lines[:8] if line.startswith("python3 ")]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]


def test_first_example_answers_as_its_comments_say() -> None:
    code = _python_blocks()[0]
    namespace: dict[str, object] = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, str(README), "exec"), namespace)
    authz = namespace["authz"]
    claims = [re.match(r"authz\.can\((.*)\)\s+# (True|False)", line) for line in code.splitlines()]
    answers = [c for c in claims if c is not None]
    assert len(answers) == 2
    for answer in answers:
        args = [a.strip().strip('"') for a in answer.group(1).split(",")]
        assert authz.can(*args) is (answer.group(2) == "True"), answer[0]  # type: ignore[attr-defined]
    expected = re.search(r"^# (ALLOW .*)$", code, re.M)
    assert expected is not None
    assert output.getvalue().strip() == expected.group(1)
