"""A workspace to import into and export from, and helpers to write CSV files for the tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import attrs

from rbac_kit import SYSTEM, Authorizer, Management, User, Workspace, open_authorizer
from rbac_kit.onboarding import PasswordHashing
from rbac_kit.store import Store
from tests.cli.conftest import Cli

OWNER, ADMIN, ANN, PM = "user:owner", "user:adm", "user:ann", "user:pm"
#: A password the strength rule accepts.
GOOD = "correct horse battery"
#: Cheap argon2id for tests that hash many passwords, passed explicitly (never a default).
CHEAP = PasswordHashing(time_cost=1, memory_cost=8, parallelism=1)
USERS = ("email", "name", "role", "groups", "password")
CUSTOMERS = ("email", "name", "customer_id", "role", "groups", "password")


@attrs.define
class Acme:
    """Workspace ``acme`` in a store.

    - ``user:owner`` (Owner), ``user:adm`` (Administrator), ``user:ann`` (Member);
    - ``user:pm`` holds custom role ``people`` (view_people, manage_people; granted APIs);
    - API ``payments`` granted to group ``ops``; group ``lobby`` with no grants;
    - API ``ledger`` whose traffic shows Customer ID ``C-TRAFFIC``;
    - customer ``customer:c1`` (``cust@acme.io``, Customer ID ``C-1``).
    """

    store: Store
    authz: Authorizer
    mgmt: Management


def build_acme(store: Store) -> Acme:
    """Acme in ``store``."""
    authz = open_authorizer(store)
    return Acme(store, authz, populate(Management(authz)))


def populate(mgmt: Management) -> Management:
    """Make workspace ``acme`` (see :class:`Acme`) through ``mgmt``."""
    owner = User(workspace="acme", id="owner", email="boss@acme.io", name="Boss", role="owner")
    mgmt.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=owner)
    mgmt.people.add_user(
        OWNER, workspace="acme", id="adm", email="adm@acme.io", name="Adm", role="administrator"
    )
    mgmt.people.add_user(
        OWNER, workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="member"
    )
    mgmt.roles.create(
        OWNER,
        workspace="acme",
        name="People",
        permissions=["view_people", "manage_people"],
        id="people",
    )
    mgmt.people.add_user(
        OWNER, workspace="acme", id="pm", email="pm@acme.io", name="Pm", role="people"
    )
    mgmt.apis.register(OWNER, workspace="acme", name="Payments", id="payments")
    mgmt.apis.register(OWNER, workspace="acme", name="Ledger", id="ledger")
    mgmt.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="ledger", customer_ids=["C-TRAFFIC"]
    )
    mgmt.groups.create(OWNER, workspace="acme", name="Ops", id="ops")
    mgmt.groups.create(OWNER, workspace="acme", name="Lobby", id="lobby")
    mgmt.access.add(OWNER, workspace="acme", api="payments", targets="group:ops")
    mgmt.people.add_customer(
        OWNER, workspace="acme", id="c1", email="cust@acme.io", customer_id="C-1"
    )
    return mgmt


def csv_bytes(header: Sequence[str], *rows: Sequence[str], bom: bool = False) -> bytes:
    """A CSV file (header line 1, rows from line 2) as UTF-8 bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def parse_csv(text: str) -> list[list[str]]:
    """The rows of CSV text, header first."""
    return list(csv.reader(io.StringIO(text)))


def cli_acme(cli: Cli) -> Cli:
    """Workspace acme made through the command line: owner, member ann, group ops."""
    cli.ok(
        "workspace", "create", "acme", "--name", "Acme",
        "--owner-email", "boss@acme.io", "--owner-name", "Boss",
    )  # fmt: skip
    cli.ok("user", "add", "acme", "--id", "ann", "--email", "ann@acme.io", "--name", "Ann",
           actor=OWNER)  # fmt: skip
    cli.ok("group", "create", "acme", "Ops", "--id", "ops", actor=OWNER)
    return cli
