"""Commands that change the store: one management operation each, with ``--as`` the actor.

Every command goes through :class:`rbac_kit.Management`, so it is authorized
with the actor's own permissions and guarded exactly as the Python API is,
and commits as one transaction with its audit event. The one exception is
``workspace create``: it bootstraps a workspace and its first Owner, which no
member could authorize yet.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import SYSTEM, User, Workspace
from ..admin import Actor
from ..model import ALL_ENVIRONMENTS
from ._args import Subparsers, command_group
from ._args import command as _command
from ._context import Context
from ._describe import describe

__all__ = ["register"]


def _show(ctx: Context, verb: str, entity: Any, label: str) -> None:
    ctx.emit(describe(entity), f"{verb} {label}")


def _split(values: list[str] | None) -> list[str] | None:
    """Repeatable options that also take comma-separated lists: ``-p a,b -p c``."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# -- workspaces ------------------------------------------------------------------


def _workspace_create(ctx: Context, a: argparse.Namespace) -> None:
    owner = User(
        workspace=a.id,
        id=a.owner_id,
        email=a.owner_email,
        name=a.owner_name,
        role="owner",
    )
    workspace = ctx.management.workspaces.create(
        SYSTEM, workspace=Workspace(id=a.id, name=a.name), owner=owner
    )
    ctx.emit(
        {"workspace": describe(workspace), "owner": describe(owner)},
        f"created workspace {workspace.id} with owner {owner.subject}",
    )


def _workspace_list(ctx: Context, a: argparse.Namespace) -> None:
    workspaces = ctx.reads.workspaces(ctx.reader)
    ctx.table(["id", "name"], [describe(w) for w in workspaces])


def _register_workspaces(commands: Subparsers) -> None:
    group = command_group(commands, "workspace", "create and list workspaces")
    p = _command(group, "create", _workspace_create, "create a workspace and its first Owner")
    p.add_argument("id", help="workspace id (a slug)")
    p.add_argument("--name", required=True)
    p.add_argument("--owner-email", required=True)
    p.add_argument("--owner-name", required=True)
    p.add_argument("--owner-id", default="owner", help="the owner's user id (default: owner)")
    _command(
        group, "list", _workspace_list, "the workspaces --as is a member of (all: --as system)"
    )


# -- roles -----------------------------------------------------------------------


def _role_create(ctx: Context, a: argparse.Namespace) -> None:
    role = ctx.management.roles.create(
        ctx.actor,
        workspace=a.workspace,
        name=a.name,
        permissions=_split(a.permission) or [],
        environments=_split(a.env) or ALL_ENVIRONMENTS,
        api_scope=a.scope,
        id=a.id,
    )
    _show(ctx, "created role", role, role.id)


def _role_edit(ctx: Context, a: argparse.Namespace) -> None:
    role = ctx.management.roles.edit(
        ctx.actor,
        workspace=a.workspace,
        role=a.role,
        name=a.name,
        permissions=_split(a.permission),
        environments=_split(a.env),
        api_scope=a.scope,
    )
    _show(ctx, "edited role", role, role.id)


def _role_delete(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.roles.delete(ctx.actor, workspace=a.workspace, role=a.role)
    ctx.emit({"deleted": a.role}, f"deleted role {a.role}")


def _role_options(p: argparse.ArgumentParser, *, creating: bool) -> None:
    p.add_argument(
        "-p",
        "--permission",
        action="append",
        required=creating,
        help="a permission of the catalog (repeat, or comma-separate)",
    )
    p.add_argument(
        "--env", action="append", help="production, staging or development (default: all)"
    )
    p.add_argument(
        "--scope",
        choices=["all", "granted"],
        default="granted" if creating else None,
        help="API scope: every API, or only the APIs one has access to",
    )


def _register_roles(commands: Subparsers) -> None:
    group = command_group(commands, "role", "custom roles")
    p = _command(group, "create", _role_create, "create a custom role")
    p.add_argument("workspace")
    p.add_argument("name")
    p.add_argument("--id", help="role id (default: from the name)")
    _role_options(p, creating=True)
    p = _command(group, "edit", _role_edit, "change a role's name, permissions or scopes")
    p.add_argument("workspace")
    p.add_argument("role", help="role id")
    p.add_argument("--name")
    _role_options(p, creating=False)
    p = _command(group, "delete", _role_delete, "delete a custom role nobody holds")
    p.add_argument("workspace")
    p.add_argument("role", help="role id")


# -- people ----------------------------------------------------------------------


def _user_add(ctx: Context, a: argparse.Namespace) -> None:
    user = ctx.management.people.add_user(
        ctx.actor,
        workspace=a.workspace,
        email=a.email,
        name=a.name,
        role=a.role,
        groups=_split(a.group) or (),
        id=a.id,
    )
    _show(ctx, "added", user, user.subject)


def _customer_add(ctx: Context, a: argparse.Namespace) -> None:
    customer = ctx.management.people.add_customer(
        ctx.actor,
        workspace=a.workspace,
        email=a.email,
        customer_id=a.customer_id,
        role=a.role,
        groups=_split(a.group) or (),
        name=a.name,
        id=a.id,
    )
    _show(ctx, "added", customer, customer.subject)


def _customer_set_id(ctx: Context, a: argparse.Namespace) -> None:
    customer = ctx.management.people.set_customer_id(
        ctx.actor, workspace=a.workspace, subject=a.subject, customer_id=a.customer_id
    )
    _show(ctx, "changed the Customer ID of", customer, customer.subject)


def _person_set_role(ctx: Context, a: argparse.Namespace) -> None:
    person = ctx.management.people.change_role(
        ctx.actor, workspace=a.workspace, subject=a.subject, role=a.role
    )
    _show(ctx, f"gave role {a.role} to", person, person.subject)


def _person_disable(ctx: Context, a: argparse.Namespace) -> None:
    person = ctx.management.people.disable(ctx.actor, workspace=a.workspace, subject=a.subject)
    _show(ctx, "disabled", person, person.subject)


def _person_enable(ctx: Context, a: argparse.Namespace) -> None:
    person = ctx.management.people.enable(ctx.actor, workspace=a.workspace, subject=a.subject)
    _show(ctx, "enabled", person, person.subject)


def _person_remove(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.people.remove(ctx.actor, workspace=a.workspace, subject=a.subject)
    ctx.emit({"removed": a.subject}, f"removed {a.subject}")


def _register_people(commands: Subparsers) -> None:
    users = command_group(commands, "user", "add users")
    p = _command(users, "add", _user_add, "add an active user")
    p.add_argument("workspace")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", default="member")
    p.add_argument("--group", action="append", help="group id (repeat, or comma-separate)")
    p.add_argument("--id", help="user id (default: generated)")

    sub = command_group(commands, "customer", "add customers, edit Customer IDs")
    p = _command(sub, "add", _customer_add, "add an active customer")
    p.add_argument("workspace")
    p.add_argument("--email", required=True)
    p.add_argument("--customer-id", required=True, help="as it appears in API traffic")
    p.add_argument("--role", default="customer")
    p.add_argument("--group", action="append", help="group id (repeat, or comma-separate)")
    p.add_argument("--name")
    p.add_argument("--id", help="customer id (default: generated)")
    p = _command(sub, "set-id", _customer_set_id, "edit a customer's Customer ID")
    p.add_argument("workspace")
    p.add_argument("subject", help="customer:<id>")
    p.add_argument("customer_id")

    sub = command_group(commands, "person", "roles and status of users and customers")
    p = _command(sub, "set-role", _person_set_role, "give a user or customer another role")
    p.add_argument("workspace")
    p.add_argument("subject", help="user:<id> or customer:<id>")
    p.add_argument("role", help="role id")
    for name, handler, text in (
        ("disable", _person_disable, "disable a user or customer"),
        ("enable", _person_enable, "enable a disabled user or customer"),
        ("remove", _person_remove, "remove a user or customer with their grants"),
    ):
        p = _command(sub, name, handler, text)
        p.add_argument("workspace")
        p.add_argument("subject", help="user:<id> or customer:<id>")


# -- groups ----------------------------------------------------------------------


def _group_create(ctx: Context, a: argparse.Namespace) -> None:
    group = ctx.management.groups.create(
        ctx.actor, workspace=a.workspace, name=a.name, members=_split(a.member) or (), id=a.id
    )
    _show(ctx, "created group", group, group.id)


def _group_rename(ctx: Context, a: argparse.Namespace) -> None:
    group = ctx.management.groups.rename(
        ctx.actor, workspace=a.workspace, group=a.group, name=a.name
    )
    _show(ctx, "renamed group", group, f"{group.id} to {group.name!r}")


def _group_add_member(ctx: Context, a: argparse.Namespace) -> None:
    person = ctx.management.groups.add_member(
        ctx.actor, workspace=a.workspace, group=a.group, subject=a.subject
    )
    _show(ctx, f"added to group {a.group}:", person, person.subject)


def _group_remove_member(ctx: Context, a: argparse.Namespace) -> None:
    person = ctx.management.groups.remove_member(
        ctx.actor, workspace=a.workspace, group=a.group, subject=a.subject
    )
    _show(ctx, f"removed from group {a.group}:", person, person.subject)


def _group_delete(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.groups.delete(ctx.actor, workspace=a.workspace, group=a.group)
    ctx.emit({"deleted": a.group}, f"deleted group {a.group}")


def _register_groups(commands: Subparsers) -> None:
    sub = command_group(commands, "group", "groups and their members")
    p = _command(sub, "create", _group_create, "create a group")
    p.add_argument("workspace")
    p.add_argument("name")
    p.add_argument("--member", action="append", help="user:<id> or customer:<id> (repeat)")
    p.add_argument("--id", help="group id (default: from the name)")
    p = _command(sub, "rename", _group_rename, "rename a group")
    p.add_argument("workspace")
    p.add_argument("group", help="group id")
    p.add_argument("name")
    for name, handler, text in (
        ("add-member", _group_add_member, "put a user or customer into a group"),
        ("remove-member", _group_remove_member, "take a user or customer out of a group"),
    ):
        p = _command(sub, name, handler, text)
        p.add_argument("workspace")
        p.add_argument("group", help="group id")
        p.add_argument("subject", help="user:<id> or customer:<id>")
    p = _command(sub, "delete", _group_delete, "delete a group (only its access goes)")
    p.add_argument("workspace")
    p.add_argument("group", help="group id")


# -- APIs and access --------------------------------------------------------------


def _api_register(ctx: Context, a: argparse.Namespace) -> None:
    api = ctx.management.apis.register(
        ctx.actor,
        workspace=a.workspace,
        name=a.name,
        id=a.id,
        environment=a.env,
        category=a.category,
    )
    _show(ctx, "registered API", api, api.object)


def _api_edit(ctx: Context, a: argparse.Namespace) -> None:
    api = ctx.management.apis.edit(
        ctx.actor,
        workspace=a.workspace,
        api=a.api,
        name=a.name,
        environment=a.env,
        category=a.category,
    )
    _show(ctx, "edited API", api, api.object)


def _api_record_ids(ctx: Context, a: argparse.Namespace) -> None:
    # Recording traffic is the host's job: `--as system` names the trusted actor here,
    # and only here (everywhere else "system" is an unknown subject).
    actor: Actor = SYSTEM if ctx.actor == str(SYSTEM) else ctx.actor
    api = ctx.management.apis.record_customer_ids(
        actor, workspace=a.workspace, api=a.api, customer_ids=a.customer_ids
    )
    _show(ctx, "recorded Customer IDs on", api, api.object)


def _api_remove(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.apis.remove(ctx.actor, workspace=a.workspace, api=a.api)
    ctx.emit({"removed": a.api}, f"removed API {a.workspace}/{a.api}")


def _access_add(ctx: Context, a: argparse.Namespace) -> None:
    grants = ctx.management.access.add(
        ctx.actor, workspace=a.workspace, api=a.api, targets=a.targets
    )
    ctx.emit(
        [describe(g) for g in grants],
        f"gave {', '.join(g.target for g in grants)} access to {a.workspace}/{a.api}",
    )


def _access_remove(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.access.remove(ctx.actor, workspace=a.workspace, api=a.api, target=a.target)
    ctx.emit({"removed": a.target}, f"removed {a.target} from {a.workspace}/{a.api}")


def _access_revoke_all(ctx: Context, a: argparse.Namespace) -> None:
    ctx.management.access.revoke_all(ctx.actor, workspace=a.workspace, api=a.api)
    ctx.emit({"revoked": a.api}, f"revoked all access to {a.workspace}/{a.api}")


def _register_apis(commands: Subparsers) -> None:
    sub = command_group(commands, "api", "register and edit APIs")
    p = _command(sub, "register", _api_register, "register an API")
    p.add_argument("workspace")
    p.add_argument("name")
    p.add_argument("--id", help="API id (default: from the name)")
    p.add_argument("--env", default="production", help="production, staging or development")
    p.add_argument("--category", default="general")
    p = _command(sub, "edit", _api_edit, "change an API's name, environment or category")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")
    p.add_argument("--name")
    p.add_argument("--env")
    p.add_argument("--category")
    p = _command(sub, "record-ids", _api_record_ids, "record Customer IDs seen in traffic")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")
    p.add_argument("customer_ids", nargs="+", metavar="CUSTOMER_ID")
    p = _command(sub, "remove", _api_remove, "remove an API with its grants")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")

    sub = command_group(commands, "access", "who has access to an API")
    p = _command(sub, "add", _access_add, "give users, customers or groups access to an API")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")
    p.add_argument("targets", nargs="+", metavar="TARGET", help="user:, customer: or group:<id>")
    p = _command(sub, "remove", _access_remove, "take one entry off an API's access list")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")
    p.add_argument("target", help="user:, customer: or group:<id>")
    p = _command(sub, "revoke-all", _access_revoke_all, "Revoke All Access to an API")
    p.add_argument("workspace")
    p.add_argument("api", help="API id")


def register(commands: Subparsers) -> None:
    """Add the management commands to the top-level parser."""
    _register_workspaces(commands)
    _register_roles(commands)
    _register_people(commands)
    _register_groups(commands)
    _register_apis(commands)
