"""Reads of a workspace are authorized like writes, and stop at the tenant's wall."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Forbidden,
    InvalidInput,
    Management,
    Reads,
    User,
    Workspace,
)
from rbac_kit.store import ListQuery, Store
from tests.cli.conftest import Cli
from tests.store.conftest import authz, backend, databases, store, url

__all__ = ["authz", "backend", "databases", "store", "url"]

OLIVIA, ANN, CAT, NOBODY, GUS = (
    "user:olivia",
    "user:ann",
    "customer:cat",
    "user:nora",
    "user:gus",
)
LISTS = ("users", "customers", "groups", "roles", "apis")


@pytest.fixture
def reads(store: Store, authz: Authorizer) -> Reads:
    """acme (Owner olivia, Member ann, No Access nora, customer cat, API payments, group
    ops) and globex (Owner gus, API ledger), each with its own audit events."""
    admin = Management(authz)
    for ws, owner in (("acme", "olivia"), ("globex", "gus")):
        admin.workspaces.create(
            SYSTEM,
            workspace=Workspace(id=ws, name=ws.title()),
            owner=User(workspace=ws, id=owner, email=f"{owner}@{ws}.io", name=owner, role="owner"),
        )
    admin.apis.register(OLIVIA, workspace="acme", name="Payments", id="payments")
    admin.groups.create(OLIVIA, workspace="acme", name="Ops", id="ops")
    admin.people.add_user(OLIVIA, workspace="acme", id="ann", email="ann@acme.io", name="Ann")
    admin.people.add_user(
        OLIVIA, workspace="acme", id="nora", email="nora@acme.io", name="N", role="no_access"
    )
    admin.people.add_customer(
        OLIVIA, workspace="acme", id="cat", email="cat@cat.io", customer_id="CAT-1"
    )
    admin.apis.register(GUS, workspace="globex", name="Ledger", id="ledger")
    return Reads(store, authz)


@pytest.mark.parametrize("kind", LISTS)
def test_an_actor_of_another_workspace_reads_nothing(reads: Reads, kind: str) -> None:
    """globex's Owner may not list any of acme's screens, nor read its audit log."""
    with pytest.raises(Forbidden, match="user:gus"):
        reads.list(GUS, workspace="acme", kind=kind)
    with pytest.raises(Forbidden, match="user:gus may not manage_workspace"):
        reads.audit(GUS, workspace="acme")


def test_unknown_workspace_is_refused_like_a_foreign_one(reads: Reads) -> None:
    """Asking about a workspace that does not exist says no more than about another's."""
    for kind in LISTS:
        with pytest.raises(Forbidden):
            reads.list(ANN, workspace="nowhere", kind=kind)


def test_lists_need_the_matching_view_permission(reads: Reads) -> None:
    """view_people for people, groups and roles; a role holding view_api for APIs."""
    allowed: dict[str, set[str]] = {}
    for actor in (OLIVIA, ANN, CAT, NOBODY):
        allowed[actor] = set()
        for kind in LISTS:
            try:
                reads.list(actor, workspace="acme", kind=kind)
            except Forbidden:
                continue
            allowed[actor].add(kind)
    assert {
        OLIVIA: set(LISTS),
        ANN: set(LISTS),
        CAT: {"apis"},
        NOBODY: set(),
    } == allowed


def test_a_permitted_list_is_the_stores_page(reads: Reads, store: Store) -> None:
    """An allowed read returns what the store's list does, query and all."""
    query = ListQuery(search="a", sort="email")
    assert store.list("users", "acme", query) == reads.list(
        ANN, workspace="acme", kind="users", query=query
    )


def test_the_audit_log_is_per_workspace(reads: Reads) -> None:
    """An Owner reads its workspace's events only; a Member may not read them at all."""
    events = reads.audit(OLIVIA, workspace="acme")
    assert {"acme"} == {e.workspace for e in events}
    assert "register_api" in [e.action for e in events]
    assert [] == [e for e in events if e.target.startswith("globex")]
    with pytest.raises(Forbidden, match="user:ann may not manage_workspace"):
        reads.audit(ANN, workspace="acme")
    assert {"acme", "globex"} <= {e.workspace for e in reads.audit(SYSTEM, workspace="acme")} | {
        e.workspace for e in reads.audit(SYSTEM, workspace="globex")
    }


def test_explaining_someone_else_needs_view_people(reads: Reads) -> None:
    """Oneself: always; another of the workspace: view_people; another tenant: never."""
    assert reads.explain(CAT, CAT, "view_api", "acme/payments").allowed is False
    assert reads.explain(ANN, CAT, "view_api", "acme/payments").subject == CAT
    with pytest.raises(Forbidden, match="customer:cat may not view_people"):
        reads.explain(CAT, ANN, "view_api", "acme/payments")
    with pytest.raises(Forbidden, match="user:gus may not view_people"):
        reads.explain(GUS, ANN, "view_api", "acme/payments")


def test_workspaces_are_the_actors_own(reads: Reads) -> None:
    """An actor sees the workspaces it is an active member of; SYSTEM every one."""
    assert ["acme"] == [w.id for w in reads.workspaces(ANN)]
    assert ["globex"] == [w.id for w in reads.workspaces(GUS)]
    assert [] == [w.id for w in reads.workspaces("user:stranger")]
    assert ["acme", "globex"] == [w.id for w in reads.workspaces(SYSTEM)]


def test_the_string_system_is_not_the_trusted_actor(reads: Reads) -> None:
    """Only the SYSTEM object reads everything; "system" is an unknown subject."""
    with pytest.raises(Forbidden, match="system may not view_people"):
        reads.list("system", workspace="acme", kind="users")
    assert [] == list(reads.workspaces("system"))


def test_an_unknown_list_is_named(reads: Reads) -> None:
    """A typo in the kind is an error naming the lists, not a denial."""
    with pytest.raises(InvalidInput, match="no list 'user'; lists: apis, customers"):
        reads.list(OLIVIA, workspace="acme", kind="user")


def test_reads_need_the_authorizer_of_their_store(store: Store) -> None:
    """A Reads over an authorizer that does not persist into the store is refused."""
    with pytest.raises(InvalidInput, match="does not persist into this store"):
        Reads(store, Authorizer())


# -- the command line ---------------------------------------------------------------


@pytest.fixture
def two(url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    """acme (Owner olivia, customer initech) and treb (Owner tess), through the CLI."""
    cli = Cli(url, capsys)
    cli.ok("init")
    for ws, owner in (("acme", "olivia"), ("treb", "tess")):
        cli.ok("workspace", "create", ws, "--name", ws.title(), "--owner-id", owner,
               "--owner-email", f"{owner}@{ws}.io", "--owner-name", owner)  # fmt: skip
    cli.ok("customer", "add", "treb", "--id", "initech", "--email", "it@initech.io",
           "--customer-id", "INI-1", actor="user:tess")  # fmt: skip
    return cli


@pytest.mark.parametrize(
    "argv",
    [
        ("list", "users", "treb"),
        ("list", "customers", "treb"),
        ("audit", "treb"),
        ("explain", "user:tess", "delete_workspace", "treb"),
    ],
)
def test_cli_reads_are_authorized(two: Cli, argv: tuple[str, ...]) -> None:
    """The issue's case: ``--as customer:initech list users treb`` is refused (exit 2), as
    is every read by another tenant's Owner; the workspace's Owner reads."""
    for outsider in ("customer:initech", "user:olivia"):
        refused = two(*argv, actor=outsider)
        assert (2, "") == (refused.status, refused.out)
        assert "may not" in refused.err
    assert two(*argv, actor="user:tess").status in (0, 1)  # explain: 0 allowed, 1 denied


def test_cli_reads_without_an_actor_are_refused(two: Cli) -> None:
    """A read names its actor; the trusted read is explicit (--as system)."""
    assert 2 == two("list", "users", "treb").status
    assert 2 == two("audit").status
    assert 0 == two("--json", "audit", actor="system").status
    assert 2 == two("audit", actor="user:tess").status  # every workspace's log: system's
