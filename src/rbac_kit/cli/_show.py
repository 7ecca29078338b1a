"""``show role|api|group|person WS ID``: one entity and what it allows or reaches.

Each command is one authorized view of :class:`~rbac_kit.Reads` (``--as``
needed, as for ``list``): text for a person, or the view as JSON under
``--json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._args import Handler, Subparsers, command, command_group
from ._context import Context, render_table

__all__ = ["register"]


def _fields(pairs: Iterable[tuple[str, object]]) -> list[str]:
    """``label: value`` lines, the values aligned."""
    listed = list(pairs)
    width = max(len(label) for label, _ in listed) + 1
    return [f"{(label + ':').ljust(width)} {value}" for label, value in listed]


def _section(title: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """A titled table, or the title and ``(none)``."""
    return ["", title, render_table(columns, rows) if rows else "(none)"]


def _grants(title: str, grants: Sequence[Any]) -> list[str]:
    """A titled table of direct grants seen from their target (a group or a person)."""
    rows = [
        {
            "api": g.api,
            "name": g.name,
            "environment": g.environment.value,
            "granted_by": g.granted_by,
        }
        for g in grants
    ]
    return _section(title, ("api", "name", "environment", "granted_by"), rows)


def _people(title: str, people: Sequence[Any]) -> list[str]:
    """A titled table of people (members of a group, people reaching an API by role)."""
    columns = ("subject", "email", "name", "role", "status")
    rows = [
        {
            "subject": p.subject,
            "email": p.email,
            "name": p.name,
            "role": p.role,
            "status": p.status.value,
        }
        for p in people
    ]
    return _section(title, columns, rows)


def _joined(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values) or "(none)"


def _show_role(ctx: Context, a: argparse.Namespace) -> int:
    view = ctx.reads.role(ctx.reader, workspace=a.workspace, role=a.role)
    lines = [
        f"Role {view.name} ({view.id}){', built in' if view.builtin else ''}",
        *_fields(
            (
                ("permissions", _joined(view.permissions)),
                ("environments", _joined(e.value for e in view.environments)),
                ("API scope", view.api_scope.value),
                ("holders", view.holders),
            )
        ),
    ]
    ctx.emit(view, "\n".join(lines))
    return 0


def _paths(entry: Any) -> str:
    """How one person of an access list reaches the API."""
    paths = [
        *(["direct grant"] if entry.direct else []),
        *(f"group {g}" for g in entry.groups),
        *([f"Customer ID {entry.customer_id}"] if entry.customer_id is not None else []),
    ]
    return ", ".join(paths) or "-"


def _show_api(ctx: Context, a: argparse.Namespace) -> int:
    view = ctx.reads.api(ctx.reader, workspace=a.workspace, api=a.api)
    lines = [
        f"API {view.name} ({view.workspace}/{view.id})",
        *_fields(
            (
                ("environment", view.environment.value),
                ("category", view.category),
                ("Customer IDs", _joined(view.customer_ids)),
            )
        ),
        *_section(
            "Groups granted",
            ("group", "name", "members", "granted_by"),
            [
                {
                    "group": f"group:{g.group}",
                    "name": g.name,
                    "members": g.members,
                    "granted_by": g.granted_by,
                }
                for g in view.groups
            ],
        ),
        *_section(
            "Access list (every path; excluded: removed by an administrator)",
            ("subject", "name", "role", "status", "paths", "excluded", "view_api"),
            [
                {
                    "subject": e.subject,
                    "name": e.name or e.email,
                    "role": e.role,
                    "status": e.status.value,
                    "paths": _paths(e),
                    "excluded": e.excluded,
                    "view_api": e.allowed,
                }
                for e in view.access
            ],
        ),
        *_people("By role (the role reaches every API)", view.by_role),
    ]
    ctx.emit(view, "\n".join(lines))
    return 0


def _show_group(ctx: Context, a: argparse.Namespace) -> int:
    view = ctx.reads.group(ctx.reader, workspace=a.workspace, group=a.group)
    lines = [
        f"Group {view.name} (group:{view.id})",
        *_people("Members", view.members),
        *_grants("APIs granted", view.apis),
    ]
    ctx.emit(view, "\n".join(lines))
    return 0


def _show_person(ctx: Context, a: argparse.Namespace) -> int:
    view = ctx.reads.person(ctx.reader, workspace=a.workspace, subject=a.subject)
    fields: list[tuple[str, object]] = [
        ("email", view.email),
        ("name", view.name or "-"),
        ("role", f"{view.role_name} ({view.role})"),
        ("status", view.status.value),
        ("groups", _joined(f"{g.name} (group:{g.id})" for g in view.groups)),
    ]
    if view.customer_id is not None:
        fields.append(("Customer ID", view.customer_id))
    fields.append(("view_api on", _joined(view.apis)))
    lines = [
        f"{view.kind.value.title()} {view.subject}",
        *_fields(fields),
        *_grants("Direct grants", view.direct_grants),
    ]
    ctx.emit(view, "\n".join(lines))
    return 0


#: Each ``show`` command: its name, handler, help, and the id it takes after WS.
_COMMANDS: tuple[tuple[str, Handler, str, str, str], ...] = (
    (
        "role",
        _show_role,
        "a role's permissions, environments, API scope and how many hold it (needs view_people)",
        "role",
        "the role id",
    ),
    (
        "api",
        _show_api,
        "an API, the groups granted it, its access list with each person's paths, and who "
        "reaches it by role (needs view_people and view_api on it)",
        "api",
        "the API id",
    ),
    (
        "group",
        _show_group,
        "a group's members and the APIs granted to it (needs view_people)",
        "group",
        "the group id",
    ),
    (
        "person",
        _show_person,
        "a user's or customer's role, status, groups, direct grants and the APIs it may view "
        "(needs view_people, or --as the person)",
        "subject",
        "user:<id> or customer:<id>",
    ),
)


def register(commands: Subparsers) -> None:
    """Add ``show role|api|group|person`` to the top-level parser."""
    show = command_group(
        commands, "show", "one role, API, group or person and what it allows (needs --as)"
    )
    for name, handler, help, ident, ident_help in _COMMANDS:
        p = command(show, name, handler, help)
        p.add_argument("workspace")
        p.add_argument(ident, help=ident_help)
