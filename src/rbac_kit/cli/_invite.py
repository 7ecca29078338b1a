"""Invitation commands: ``invite``, ``invite-link``, ``accept`` and ``invitations``.

They go through :class:`rbac_kit.Invitations`, so each is authorized and
guarded as the Python API is. Commands that queue an email (``invite``,
``invitations resend``) then deliver the due emails of the acting
workspace, and of the mail settings given, only: a send that fails stays
queued for ``invitations deliver --workspace WS`` run with the same
settings. ``invitations deliver`` without a workspace is the deployment's
worker: it runs ``--as system`` (here, and only here, that names
:data:`rbac_kit.SYSTEM`) and sends every workspace's emails of its settings.

Mail settings are options with environment fallbacks: ``--base-url``
(``RBAC_KIT_BASE_URL``), ``--mail-from`` (``RBAC_KIT_MAIL_FROM``), and either
``--smtp-host`` (``RBAC_KIT_SMTP_HOST``, with ``RBAC_KIT_SMTP_PORT``,
``RBAC_KIT_SMTP_SECURITY``, ``RBAC_KIT_SMTP_USER`` and, from the environment
only, ``RBAC_KIT_SMTP_PASSWORD``) or, by default, an outbox folder of
``.eml`` files (``--outbox``, ``RBAC_KIT_OUTBOX``, ``./rbac-kit-outbox``).
A login over ``--smtp-security none`` also needs
``--smtp-allow-plaintext-login`` (a flag only, no environment fallback).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from .. import SYSTEM, Forbidden, InvalidInput, Invitations, Invitee
from ..admin import Actor
from ..onboarding import (
    DEFAULT_EMAIL_DAYS,
    ConsoleSender,
    DeliveryReport,
    Invitation,
    OutboxFolderSender,
    Security,
    Sender,
    SmtpSender,
)
from ..store import ListQuery
from ..store.invitations import COLUMNS
from ._args import Subparsers, command_group
from ._context import Context
from ._describe import describe

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_OUTBOX", "register"]

#: Where accept links point unless configured: a host app on this machine.
DEFAULT_BASE_URL = "http://localhost:8000/invitations/accept"
#: The embedded default sender's folder.
DEFAULT_OUTBOX = "./rbac-kit-outbox"
_SHOWN = ("id", "kind", "email", "role", "groups", "status", "expires_at", "created_by", "joins")


def _setting(value: str | None, env: str, default: str | None = None) -> str | None:
    return value if value else (os.environ.get(env) or default)


def _sender(a: argparse.Namespace) -> Sender:
    host = _setting(a.smtp_host, "RBAC_KIT_SMTP_HOST")
    if host is None:
        outbox = _setting(a.outbox, "RBAC_KIT_OUTBOX", DEFAULT_OUTBOX) or ""
        return ConsoleSender() if outbox == "-" else OutboxFolderSender(outbox)
    port = _setting(a.smtp_port, "RBAC_KIT_SMTP_PORT", "587") or ""
    if not port.isdigit():
        raise InvalidInput(f"SMTP port must be a number, got {port!r}")
    security = _setting(a.smtp_security, "RBAC_KIT_SMTP_SECURITY", "starttls")
    user = _setting(a.smtp_user, "RBAC_KIT_SMTP_USER")
    password = os.environ.get("RBAC_KIT_SMTP_PASSWORD") if user else None
    if user and password is None:
        raise InvalidInput("an SMTP user needs its password in RBAC_KIT_SMTP_PASSWORD")
    return SmtpSender(
        host,
        int(port),
        security=cast(Security, security),
        username=user,
        password=password,
        allow_plaintext_login=a.smtp_allow_plaintext_login,
    )


def _service(ctx: Context, a: argparse.Namespace, *, sends: bool = False) -> Invitations:
    """The service; a command that sends no email never reads (or trips on) SMTP settings."""
    sender = _sender(a) if sends else OutboxFolderSender(DEFAULT_OUTBOX)
    return Invitations(
        ctx.store,
        ctx.authorizer,
        sender=sender,
        base_url=_setting(a.base_url, "RBAC_KIT_BASE_URL", DEFAULT_BASE_URL) or "",
        mail_from=_setting(a.mail_from, "RBAC_KIT_MAIL_FROM", "rbac-kit@localhost") or "",
    )


def _row(invitation: Invitation) -> dict[str, Any]:
    return describe(invitation)


def _report(ctx: Context, report: DeliveryReport, sender: Sender, workspace: str | None) -> None:
    """Say what was sent (on standard error under ``--json``, so the JSON stays clean)."""
    console = "standard error" if isinstance(sender, ConsoleSender) else "the sender"
    where = getattr(sender, "folder", None) or getattr(sender, "host", None) or console
    stream = sys.stderr if ctx.as_json else ctx.out
    if report.sent:
        print(f"sent {report.sent} email(s) to {where}", file=stream)
    retry = (
        f"invitations deliver --workspace {workspace}"
        if workspace is not None
        else "--as system invitations deliver"
    )
    for invitation, error in report.failed:
        print(
            f"rbac-kit: warning: the email of invitation {invitation} was not sent ({error}); "
            f"it stays queued for these mail settings: run `rbac-kit {retry}` with the same "
            "settings to retry",
            file=sys.stderr,
        )


def _deliver(
    ctx: Context, service: Invitations, actor: Actor, workspace: str | None, limit: int = 100
) -> DeliveryReport:
    """Deliver the due emails of ``workspace`` (every workspace: ``SYSTEM`` only) and of this
    sender's channel, and say what was sent."""
    report = service.deliver(actor, workspace=workspace, limit=limit)
    _report(ctx, report, service.sender, workspace)
    return report


# -- invite ------------------------------------------------------------------------------


def _invite(ctx: Context, a: argparse.Namespace) -> int:
    groups = _groups(a.group)
    if a.customer_id is not None and len(a.email) > 1:
        raise InvalidInput("--customer-id names one customer: invite one email address with it")
    invitees = [
        Invitee(email=e, customer_id=a.customer_id, groups=groups, **_role(a)) for e in a.email
    ]
    service = _service(ctx, a, sends=True)
    made = service.invite(ctx.actor, a.workspace, invitees, days=a.days)
    ctx.table(list(_SHOWN), [_row(i) for i in made])
    _deliver(ctx, service, ctx.actor, a.workspace)
    return 0


def _role(a: argparse.Namespace) -> dict[str, str]:
    return {"role": a.role} if a.role else {}


def _groups(values: list[str] | None) -> tuple[str, ...]:
    return tuple(p.strip() for v in values or () for p in v.split(",") if p.strip())


# -- invitations -------------------------------------------------------------------------


def _list(ctx: Context, a: argparse.Namespace, kind: str | None = None) -> int:
    filters = {
        name: value
        for name, value in (("status", a.status), ("kind", kind or a.kind), ("role", a.role))
        if value
    }
    query = ListQuery(
        search=a.search,
        filters=filters,
        sort=a.sort or "created_at",
        descending=a.desc if a.sort else True,
        offset=a.offset,
        limit=a.limit,
    )
    page = _service(ctx, a).list(ctx.actor, a.workspace, query)
    ctx.table(list(_SHOWN), [_row(i) for i in page.invitations])
    if not ctx.as_json:
        shown = f"{page.offset + 1}-{page.offset + len(page.invitations)}"
        ctx.print(f"\n{shown if page.invitations else 'none'} of {page.total} invitations")
    return 0


def _resend(ctx: Context, a: argparse.Namespace) -> int:
    service = _service(ctx, a, sends=True)
    invitation = service.resend(ctx.actor, a.workspace, a.id)
    ctx.emit(_row(invitation), f"resent invitation {invitation.id} to {invitation.email}")
    _deliver(ctx, service, ctx.actor, a.workspace)
    return 0


def _revoke(ctx: Context, a: argparse.Namespace) -> int:
    invitation = _service(ctx, a).revoke(ctx.actor, a.workspace, a.id)
    ctx.emit(_row(invitation), f"revoked invitation {invitation.id}")
    return 0


def _deliver_command(ctx: Context, a: argparse.Namespace) -> int:
    # The deployment's delivery worker runs `--as system`: here, and only here, the
    # string names the trusted actor (everywhere else "system" is an unknown subject).
    actor: Actor = SYSTEM if ctx.actor == str(SYSTEM) else ctx.actor
    if a.workspace is None and actor is not SYSTEM:
        raise Forbidden(
            f"{actor} may not deliver the mail of every workspace: name yours with "
            "--workspace WS, or run the deployment's delivery worker with --as system"
        )
    report = _deliver(ctx, _service(ctx, a, sends=True), actor, a.workspace, a.limit)
    ctx.emit(
        {
            "sent": report.sent,
            "failed": [list(f) for f in report.failed],
            "cancelled": report.cancelled,
            "abandoned": report.abandoned,
            "waiting": report.waiting,
        },
        f"{report.sent} sent, {len(report.failed)} failed, {report.cancelled} dropped, "
        f"{report.abandoned} given up, {report.waiting} waiting to be retried",
    )
    return 0 if not report.failed else 1


def _export(ctx: Context, a: argparse.Namespace) -> int:
    service = _service(ctx, a)
    if a.output == "-":
        service.export_csv(ctx.actor, a.workspace, ctx.out)
        return 0
    with open(a.output, "w", encoding="utf-8", newline="") as out:
        count = service.export_csv(ctx.actor, a.workspace, out)
    print(f"wrote {count} invitations to {a.output}", file=sys.stderr)
    return 0


# -- links and accepting -------------------------------------------------------------------


def _link_create(ctx: Context, a: argparse.Namespace) -> int:
    link = _service(ctx, a).create_link(
        ctx.actor, a.workspace, role=a.role or "member", groups=_groups(a.group)
    )
    ctx.emit({**_row(link.invitation), "url": link.url}, link.url)
    return 0


def _link_regenerate(ctx: Context, a: argparse.Namespace) -> int:
    link = _service(ctx, a).regenerate_link(ctx.actor, a.workspace, a.id)
    ctx.emit({**_row(link.invitation), "url": link.url}, link.url)
    return 0


def _link_joins(ctx: Context, a: argparse.Namespace) -> int:
    joins = _service(ctx, a).joins(ctx.actor, a.workspace, a.id)
    ctx.table(["subject", "email", "joined_at"], [describe(j) for j in joins])
    return 0


def _token(value: str) -> str:
    """The token itself, or the ``token`` parameter of a pasted accept link."""
    if "://" not in value:
        return value
    found = parse_qs(urlsplit(value).query).get("token")
    return found[0] if found else value


def _accept(ctx: Context, a: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n") if a.password_stdin else a.password
    if password is None:
        raise InvalidInput("give the password with --password or --password-stdin")
    person = _service(ctx, a).accept(_token(a.token), name=a.name, password=password, email=a.email)
    ctx.emit(describe(person), f"joined workspace {person.workspace} as {person.subject}")
    return 0


# -- registering -----------------------------------------------------------------------------


def _settings() -> argparse.ArgumentParser:
    """The mail and link options every invitation command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("mail and link settings")
    group.add_argument(
        "--base-url",
        help=f"the accept page links point at (default: $RBAC_KIT_BASE_URL or {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--mail-from", help="From address (default: $RBAC_KIT_MAIL_FROM or rbac-kit@localhost)"
    )
    group.add_argument(
        "--outbox",
        help="folder for .eml files when no SMTP host is set, or '-' to print the "
        f"messages to standard error (default: $RBAC_KIT_OUTBOX or {DEFAULT_OUTBOX})",
    )
    group.add_argument("--smtp-host", help="send through this SMTP server ($RBAC_KIT_SMTP_HOST)")
    group.add_argument("--smtp-port", help="(default: $RBAC_KIT_SMTP_PORT or 587)")
    group.add_argument(
        "--smtp-security",
        choices=["starttls", "tls", "none"],
        help="(default: $RBAC_KIT_SMTP_SECURITY or starttls)",
    )
    group.add_argument(
        "--smtp-user",
        help="log in as this user ($RBAC_KIT_SMTP_USER); the password comes from "
        "$RBAC_KIT_SMTP_PASSWORD only",
    )
    group.add_argument(
        "--smtp-allow-plaintext-login",
        action="store_true",
        help="with --smtp-security none, log in anyway (the password crosses the network "
        "in clear text): only for a relay on localhost",
    )
    return parent


def _add(
    group: Subparsers, name: str, handler: Any, help: str, settings: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=help, description=help, parents=[settings]
    )
    parser.set_defaults(handler=handler)
    return parser


def _list_options(p: argparse.ArgumentParser, *, kinds: bool) -> None:
    p.add_argument("workspace")
    p.add_argument("--status", choices=["pending", "accepted", "revoked", "expired", "failed"])
    if kinds:
        p.add_argument("--kind", choices=["email", "link"])
    p.add_argument("--role", help="only invitations into this role (id)")
    p.add_argument("--search", "-s", help="case-insensitive part of an email or Customer ID")
    p.add_argument("--sort", choices=COLUMNS, help="(default: newest first)")
    p.add_argument("--desc", action="store_true", help="sort in descending order")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=50)


def register(commands: Subparsers) -> None:
    """Add ``invite``, ``invite-link``, ``accept`` and ``invitations`` to the parser."""
    settings = _settings()
    p = _add(commands, "invite", _invite, "invite people by email (one or many)", settings)
    p.add_argument("workspace")
    p.add_argument("email", nargs="+", help="the addresses to invite")
    p.add_argument("--role", help="role id (default: member, or customer with --customer-id)")
    p.add_argument("--group", action="append", help="group id (repeat, or comma-separate)")
    p.add_argument("--customer-id", help="invite a customer with this Customer ID")
    p.add_argument(
        "--days", type=int, default=DEFAULT_EMAIL_DAYS, help="days until it expires (1 to 30)"
    )

    links = command_group(commands, "invite-link", "invitation links anyone may join through")
    p = _add(links, "create", _link_create, "create a link valid for 24 hours", settings)
    p.add_argument("workspace")
    p.add_argument("--role", help="role id (default: member)")
    p.add_argument("--group", action="append", help="group id (repeat, or comma-separate)")
    p = _add(links, "list", lambda c, a: _list(c, a, "link"), "list links", settings)
    _list_options(p, kinds=False)
    for name, handler, text in (
        ("revoke", _revoke, "revoke a link"),
        ("regenerate", _link_regenerate, "a new link (and 24 hours) in place of the old one"),
        ("joins", _link_joins, "who joined through a link"),
    ):
        p = _add(links, name, handler, text, settings)
        p.add_argument("workspace")
        p.add_argument("id", help="the link's invitation id")

    p = _add(commands, "accept", _accept, "accept an invitation (a token or a link)", settings)
    p.add_argument("token", help="the token, or the whole accept link")
    p.add_argument("--name", required=True)
    p.add_argument("--password", help="(visible to other local users: prefer --password-stdin)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--email", help="required for a link; for an email invitation, its address")

    group = command_group(commands, "invitations", "list, resend, revoke, deliver, export")
    p = _add(group, "list", _list, "list invitations and links, newest first", settings)
    _list_options(p, kinds=True)
    for name, handler, text in (
        ("resend", _resend, "send an invitation again with a new token and expiry"),
        ("revoke", _revoke, "revoke a pending invitation or link"),
    ):
        p = _add(group, name, handler, text, settings)
        p.add_argument("workspace")
        p.add_argument("id", help="invitation id")
    p = _add(
        group,
        "deliver",
        _deliver_command,
        "send the queued emails that are due, of one workspace (--workspace) or, run "
        "--as system, of every workspace; only those queued with the same mail settings",
        settings,
    )
    p.add_argument(
        "--workspace",
        help="only this workspace's emails (needs invite_people there); "
        "without it, every workspace's, --as system only",
    )
    p.add_argument("--limit", type=int, default=100, help="send at most this many")
    p = _add(group, "export", _export, "every invitation of a workspace as CSV", settings)
    p.add_argument("workspace")
    p.add_argument("--output", "-o", default="-", help="a file (default: standard output)")
