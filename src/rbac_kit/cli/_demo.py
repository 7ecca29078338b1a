"""``demo``: a sample workspace built through the management and import paths, then
decisions with reasons.

Every step is a real :class:`rbac_kit.Management` operation or CSV import
(:func:`rbac_kit.import_people`, passwords hashed with argon2id) on a SQLite
file, authorized with the acting user's permissions and committed with its
audit event, exactly as an admin screen would make it. Running the demo again
on the same file does not rebuild it: it asks the questions again.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import SYSTEM, Management, RbacKitError, User, Workspace, import_people
from ..store import shown_url
from ._context import Context

__all__ = ["CUSTOMERS_CSV", "DEMO_DB", "DEMO_WORKSPACE", "USERS_CSV", "build_demo", "register"]

DEMO_DB = "sqlite:///rbac-kit-demo.db"
DEMO_WORKSPACE = "acme"

_OWNER = "user:olivia"
_ADMIN = "user:adam"

#: (subject, action, object) asked after the build, each printed with its explanation.
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("user:olivia", "delete_workspace", "acme"),
    ("user:adam", "delete_workspace", "acme"),
    ("user:adam", "edit_api", "acme/payments"),
    ("user:mia", "view_api", "acme/orders"),
    ("user:mia", "view_requests", "acme/payments"),
    ("user:sam", "view_requests", "acme/sandbox"),
    ("user:sam", "view_requests", "acme/orders"),
    ("customer:globex", "view_api", "acme/payments"),
    ("cid:globex-42", "view_requests", "acme/payments"),
    ("customer:globex", "view_api", "acme/orders"),
    ("customer:initech", "view_api", "acme/orders"),
    ("customer:initech", "view_api", "acme/payments"),
    ("customer:hooli", "view_api", "acme/payments"),
    ("user:dave", "view_api", "acme/orders"),
)


#: The demo's users, imported as a CSV file (the optional ``id`` column names them).
USERS_CSV = """\
email,name,role,groups,password,id
mia@acme.example,Mia,member,partners,mia's long passphrase,mia
sam@acme.example,Sam,staging-support,,sam's long passphrase,sam
dave@acme.example,Dave,member,,dave's long passphrase,dave
"""
#: The demo's customers, imported as a CSV file.
CUSTOMERS_CSV = """\
email,name,customer_id,role,groups,password,id
it@globex.example,Globex,globex-42,customer,,globex's long passphrase,globex
ops@initech.example,Initech,initech-7,customer,partners,initech's long passphrase,initech
api@hooli.example,Hooli,hooli-1,customer,,hooli's long passphrase,hooli
"""


def build_demo(management: Management) -> None:
    """Build the sample workspace ``acme``, one management operation at a time."""
    m, ws = management, DEMO_WORKSPACE
    m.workspaces.create(
        SYSTEM,
        workspace=Workspace(id=ws, name="Acme Corp"),
        owner=User(
            workspace=ws, id="olivia", email="olivia@acme.example", name="Olivia", role="owner"
        ),
    )
    m.people.add_user(
        _OWNER,
        workspace=ws,
        id="adam",
        email="adam@acme.example",
        name="Adam",
        role="administrator",
    )
    m.apis.register(_ADMIN, workspace=ws, name="Payments", id="payments", category="billing")
    m.apis.register(_ADMIN, workspace=ws, name="Orders", id="orders", category="commerce")
    m.apis.register(_ADMIN, workspace=ws, name="Sandbox", id="sandbox", environment="staging")
    m.roles.create(
        _ADMIN,
        workspace=ws,
        name="Staging support",
        permissions=["view_people", "view_api", "view_requests"],
        environments=["staging"],
        api_scope="all",
        id="staging-support",
    )
    m.groups.create(_ADMIN, workspace=ws, name="Partners", id="partners")
    # People arrive the way a bulk onboarding brings them: CSV files, one change each.
    import_people(m.authorizer, _ADMIN, ws, "users", USERS_CSV)
    import_people(m.authorizer, _ADMIN, ws, "customers", CUSTOMERS_CSV)
    m.access.add(_ADMIN, workspace=ws, api="orders", targets=["group:partners", "user:dave"])
    m.access.add(_ADMIN, workspace=ws, api="payments", targets=["user:mia"])
    # The gateway saw these Customer IDs in Payments traffic: their customers gain access.
    m.apis.record_customer_ids(
        SYSTEM, workspace=ws, api="payments", customer_ids=["globex-42", "hooli-1"]
    )
    # An administrator takes Hooli off the Payments access list: an exclusion.
    m.access.remove(_ADMIN, workspace=ws, api="payments", target="customer:hooli")
    m.people.disable(_ADMIN, workspace=ws, subject="user:dave")


def _refusals(m: Management) -> list[tuple[str, str]]:
    """Operations the guards refuse, with the error each one gets."""
    attempts: list[tuple[str, Any]] = [
        (
            "Mia (Member) gives Dave access to Payments",
            lambda: m.access.add(
                "user:mia", workspace=DEMO_WORKSPACE, api="payments", targets=["user:dave"]
            ),
        ),
        (
            "Adam makes himself Owner",
            lambda: m.people.change_role(
                _ADMIN, workspace=DEMO_WORKSPACE, subject=_ADMIN, role="owner"
            ),
        ),
        (
            "Adam removes Olivia (her role carries more than his)",
            lambda: m.people.remove(_ADMIN, workspace=DEMO_WORKSPACE, subject=_OWNER),
        ),
        (
            "Olivia removes herself, the last Owner",
            lambda: m.people.remove(_OWNER, workspace=DEMO_WORKSPACE, subject=_OWNER),
        ),
    ]
    refused: list[tuple[str, str]] = []
    for label, attempt in attempts:
        try:
            attempt()
        except RbacKitError as error:
            refused.append((label, f"{type(error).__name__}: {error}"))
        else:  # pragma: no cover - would mean a guard is broken
            refused.append((label, "ALLOWED (a guard is missing!)"))
    return refused


def _demo(ctx: Context, a: argparse.Namespace) -> int:
    management = ctx.management
    db = shown_url(ctx.db)
    if any(w.workspace.id == DEMO_WORKSPACE for w in ctx.authorizer.directory.workspaces()):
        ctx.print(f"workspace {DEMO_WORKSPACE!r} already in {db}; asking again")
    else:
        build_demo(management)
        ctx.print(
            f"built workspace {DEMO_WORKSPACE!r} in {db} through the management API and CSV import"
        )
    ctx.print(f"store revision {ctx.authorizer.revision}\n")
    ctx.print("Decisions, each with the role and permission used and every access path:")
    for subject, action, obj in QUESTIONS:
        ctx.print(f"  {ctx.authorizer.explain(subject, action, obj)}")
    ctx.print("\nGuards (each refused, nothing changed):")
    for label, outcome in _refusals(management):
        ctx.print(f"  {label}\n    -> {outcome}")
    ctx.print(
        "\nTry it yourself:\n"
        f"  rbac-kit --db {db} explain cid:globex-42 view_api acme/payments\n"
        f"  rbac-kit --db {db} --as {_OWNER} list apis acme\n"
        f"  rbac-kit --db {db} --as {_OWNER} show api acme payments\n"
        f"  rbac-kit --db {db} --as {_OWNER} audit acme\n"
        f"  rbac-kit --db {db} policy export policy-out"
    )
    return 0


def register(commands: Any) -> None:
    """Add ``demo`` to the top-level parser."""
    p = commands.add_parser(
        "demo",
        help="build a sample workspace and show decisions with their reasons",
        description=f"Build workspace {DEMO_WORKSPACE!r} (default file: {DEMO_DB}) through the "
        "management API and CSV import, and explain a set of decisions.",
    )
    p.set_defaults(handler=_demo, demo_db=DEMO_DB, makes_store=True)
