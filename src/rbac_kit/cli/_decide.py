"""Commands that ask: ``check``, ``explain``, ``apis``, ``subjects``, ``policy export``, ``audit``.

``check`` exits 0 when allowed, 1 when denied and 2 on an error (an unknown
action, a bad batch file), so a shell script or CI step can branch on it.
With ``--batch`` it answers a CSV file of ``subject,action,api`` rows and
exits 0 only when every answer is allowed (a file of no questions is an error).

``audit`` shows the newest events first; ``--limit N`` the newest N.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

from .. import SYSTEM, InvalidInput
from ..model import Subject, check_action, to_jsonable
from ._args import command, command_group
from ._context import Context

__all__ = ["ALLOWED", "DENIED", "register"]

ALLOWED = 0
DENIED = 1

_HEADER = ["subject", "action", "api"]


def _read_batch(path: str) -> list[tuple[str, str, str]]:
    """The questions of a batch file (``-`` is standard input), all checked before any answer."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    questions: list[tuple[str, str, str]] = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (line == 1 and [c.strip().lower() for c in row] == _HEADER):
            continue
        if len(row) != 3:
            raise InvalidInput(
                f"{path}, line {line}: expected 3 columns subject,action,api, got {len(row)}"
            )
        subject, action, obj = (cell.strip() for cell in row)
        try:
            check_action(action)
            _check_subject(subject)
        except InvalidInput as error:
            raise InvalidInput(f"{path}, line {line}: {error}") from None
        questions.append((subject, action, obj))
    return questions


def _check_subject(subject: str) -> None:
    """Refuse a subject that cannot be one (``ann`` for ``user:ann``): a typo is not a denial.

    An unknown subject of the right form is still a plain denial, as in ``can``.
    """
    Subject.parse(subject, kinds=("user", "customer", "cid"), what="subject")


def _check(ctx: Context, a: argparse.Namespace) -> int:
    authz = ctx.authorizer
    if a.batch is not None:
        if a.question:
            raise InvalidInput("give either SUBJECT ACTION API or --batch FILE, not both")
        return _check_batch(ctx, a.batch)
    if len(a.question) != 3:
        raise InvalidInput("check needs SUBJECT ACTION API (or --batch FILE)")
    subject, action, obj = a.question
    _check_subject(subject)
    allowed = authz.can(subject, action, obj)
    revision = authz.index.revision
    verdict = "allowed" if allowed else "denied"
    ctx.emit(
        {
            "subject": subject,
            "action": action,
            "object": obj,
            "allowed": allowed,
            "revision": revision,
        },
        f"{verdict}: {subject} {action} {obj} (revision {revision})",
    )
    return ALLOWED if allowed else DENIED


def _check_batch(ctx: Context, path: str) -> int:
    questions = _read_batch(path)
    if not questions:
        # Every answer of none is "allowed": exit 0 would pass a script's check.
        raise InvalidInput(f"{path}: no questions (expected rows of subject,action,api)")
    answers = ctx.authorizer.can_many(questions)
    revision = ctx.authorizer.index.revision
    if ctx.as_json:
        ctx.emit(
            [
                {"subject": s, "action": act, "object": o, "allowed": ok, "revision": revision}
                for (s, act, o), ok in zip(questions, answers, strict=True)
            ],
            "",
        )
    else:
        # Through ctx.print, so a reader gone away leaves the exit status the answers'.
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([*_HEADER, "decision"])
        for question, ok in zip(questions, answers, strict=True):
            writer.writerow([*question, "allow" if ok else "deny"])
        ctx.print(text.getvalue().removesuffix("\n"))
    return ALLOWED if all(answers) else DENIED


def _explain(ctx: Context, a: argparse.Namespace) -> int:
    # With --as, explaining someone else is a read of their workspace (view_people);
    # without it, the operator asks, as `check` does.
    actor = ctx.given_actor
    if actor is None:
        explanation = ctx.authorizer.explain(a.subject, a.action, a.object)
    else:
        explanation = ctx.reads.explain(ctx.reader, a.subject, a.action, a.object)
    ctx.emit(
        {
            "allowed": explanation.allowed,
            "subject": explanation.subject,
            "action": explanation.action,
            "object": explanation.object,
            "role": explanation.role,
            "role_name": explanation.role_name,
            "permission": explanation.permission,
            "paths": list(explanation.paths),
            "reason": explanation.reason,
            "revision": explanation.revision,
        },
        f"{explanation} (revision {explanation.revision})",
    )
    return ALLOWED if explanation.allowed else DENIED


def _apis(ctx: Context, a: argparse.Namespace) -> int:
    objects = sorted(ctx.authorizer.apis_for(a.subject, a.action))
    ctx.emit(objects, "\n".join(objects))
    return ALLOWED


def _subjects(ctx: Context, a: argparse.Namespace) -> int:
    subjects = sorted(ctx.authorizer.subjects_for(a.object, a.action))
    ctx.emit(subjects, "\n".join(subjects))
    return ALLOWED


def _policy_export(ctx: Context, a: argparse.Namespace) -> int:
    if not a.directory.strip():
        raise InvalidInput(
            f"policy export needs a DIRECTORY to write model.conf and policy.csv into, "
            f"got {a.directory!r}"
        )
    model, policy = ctx.authorizer.export(a.directory)
    ctx.emit(
        {"model": str(model), "policy": str(policy)},
        f"wrote {model} and {policy} (load them with casbin.Enforcer(model, policy))",
    )
    return ALLOWED


def _audit(ctx: Context, a: argparse.Namespace) -> int:
    if a.limit is not None and a.limit < 1:
        raise InvalidInput(f"audit --limit must be 1 or more, got {a.limit}")
    reader = ctx.reader
    if a.workspace is not None:
        events = ctx.reads.audit(reader, workspace=a.workspace, after=a.after)
    elif reader is SYSTEM:
        events = tuple(ctx.store.events(a.after))
    else:
        raise InvalidInput("audit needs a WORKSPACE (every workspace's log is --as system's)")
    # The store reads oldest first: the newest N are its last N, shown newest first.
    events = events[::-1][: a.limit]
    rows: list[dict[str, Any]] = [
        {
            "revision": e.revision,
            # The converter's ISO 8601 everywhere; to the second in a text table.
            "time": to_jsonable(e.time if ctx.as_json else e.time.replace(microsecond=0)),
            "workspace": e.workspace,
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
        }
        for e in events
    ]
    if ctx.as_json:
        for row, event in zip(rows, events, strict=True):
            row["before"], row["after"] = dict(event.before), dict(event.after)
    ctx.table(["revision", "time", "workspace", "actor", "action", "target"], rows)
    return ALLOWED


def register(commands: Any) -> None:
    """Add the decision and inspection commands to the top-level parser."""
    p = commands.add_parser(
        "check",
        help="is SUBJECT allowed ACTION on API? (exit 0 allowed, 1 denied, 2 error)",
        description="Answer from the decision index. Exit status: 0 allowed, 1 denied, "
        "2 error. With --batch, 0 only when every answer is allowed.",
    )
    p.add_argument("question", nargs="*", metavar="SUBJECT ACTION API")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="CSV of subject,action,api rows ('-' for standard input); prints the decisions",
    )
    p.set_defaults(handler=_check)

    p = commands.add_parser("explain", help="the decision with its role, permission and paths")
    p.add_argument("subject")
    p.add_argument("action")
    p.add_argument("object", help="<workspace>/<api> or a workspace id")
    p.set_defaults(handler=_explain)

    p = commands.add_parser("apis", help="every object SUBJECT may perform ACTION on")
    p.add_argument("subject")
    p.add_argument("action")
    p.set_defaults(handler=_apis)

    p = commands.add_parser("subjects", help="every subject allowed ACTION on OBJECT")
    p.add_argument("object", help="<workspace>/<api> or a workspace id")
    p.add_argument("action")
    p.set_defaults(handler=_subjects)

    sub = command_group(commands, "policy", "the compiled Casbin policy")
    p = command(sub, "export", _policy_export, "write model.conf and policy.csv into DIRECTORY")
    p.add_argument("directory")

    p = commands.add_parser(
        "audit",
        help="a workspace's change history, newest first (manage_workspace; needs --as)",
    )
    p.add_argument("workspace", nargs="?", help="the workspace (all of them: --as system)")
    p.add_argument("--after", type=int, default=0, help="only revisions after this one")
    p.add_argument("--limit", type=int, default=None, help="only the newest N events")
    p.set_defaults(handler=_audit)
