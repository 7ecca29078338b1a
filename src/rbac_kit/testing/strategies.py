"""Hypothesis strategies that generate valid workspaces, for property tests of host apps.

::

    from hypothesis import given
    from rbac_kit import Authorizer
    from rbac_kit.testing.strategies import authorizers

    @given(authorizers())
    def test_support_never_deletes_workspaces(authz: Authorizer) -> None:
        for data in authz.directory.workspaces():
            for person in data.people():
                if person.role == "member":
                    assert not authz.can(person.subject, "delete_workspace", data.workspace.id)

What is drawn covers every rule of the decision (see ``docs/model.md``): one
to three workspaces, each with custom roles (any permissions, environment
scopes, both API scopes) beside the five built-in ones, groups, APIs in every
environment with the Customer IDs seen in their traffic, users and customers
(some disabled) with roles and group memberships, Customer IDs shared across
workspaces and differing only in case, direct and group grants, customers
excluded from an API, and APIs with all access revoked. Every value is valid:
building never fails, and hypothesis shrinks a failing example to a small one.

Needs hypothesis (``pip install 'rbac-kit[testing]'``).
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import (
    Api,
    ApiScope,
    Authorizer,
    Customer,
    Environment,
    Grant,
    Group,
    Role,
    Status,
    User,
    Workspace,
)
from ..model import API_ACTIONS, BUILTIN_ROLE_IDS, WORKSPACE_ACTIONS, Directory

__all__ = ["CUSTOMER_ID_POOL", "authorizers", "directories"]

#: Customer IDs drawn from: a few, so workspaces share them; two differ only in case.
CUSTOMER_ID_POOL = ("ACME-1", "acme-1", "Big Co, Inc.", "c/42", "x(1)%")

_ACTIONS = sorted(API_ACTIONS | WORKSPACE_ACTIONS)


@st.composite
def _workspace(draw: st.DrawFn, directory: Directory, ws: str, sizes: tuple[int, int, int]) -> None:
    """Fill workspace ``ws`` of ``directory`` with drawn entities."""
    max_people, max_groups, max_apis = sizes
    directory.add_workspace(Workspace(id=ws, name=f"Workspace {ws}"))
    roles = list(BUILTIN_ROLE_IDS)
    for r in range(draw(st.integers(0, 2))):
        role = Role(
            workspace=ws,
            id=f"r{r}",
            name=f"Custom {r}",
            permissions=draw(st.frozensets(st.sampled_from(_ACTIONS), min_size=1)),
            environments=draw(st.frozensets(st.sampled_from(list(Environment)), min_size=1)),
            api_scope=draw(st.sampled_from(list(ApiScope))),
        )
        directory.put_role(role)
        roles.append(role.id)
    groups = [f"{ws}g{g}" for g in range(draw(st.integers(0, max_groups)))]
    for group in groups:
        directory.put_group(Group(workspace=ws, id=group, name=f"Group {group}"))
    apis = [f"a{a}" for a in range(draw(st.integers(1, max_apis)))]
    for api in apis:
        directory.put_api(
            Api(
                workspace=ws,
                id=api,
                name=f"API {api}",
                environment=draw(st.sampled_from(list(Environment))),
                customer_ids=draw(st.frozensets(st.sampled_from(CUSTOMER_ID_POOL), max_size=2)),
            )
        )
    subjects: list[str] = []
    customers: list[str] = []
    free_ids = list(CUSTOMER_ID_POOL)
    for p in range(draw(st.integers(0, max_people))):
        member_of = draw(st.frozensets(st.sampled_from(groups))) if groups else frozenset()
        status = draw(st.sampled_from([Status.ACTIVE, Status.ACTIVE, Status.DISABLED]))
        if draw(st.booleans()) and free_ids:
            customer_id = draw(st.sampled_from(free_ids))
            free_ids.remove(customer_id)  # unique in the workspace
            person: User | Customer = Customer(
                workspace=ws,
                id=f"{ws}c{p}",
                email=f"c{p}@{ws}.example",
                customer_id=customer_id,
                role=draw(st.sampled_from(["customer", "customer", *roles])),
                groups=member_of,
                status=status,
            )
            customers.append(person.subject)
        else:
            person = User(
                workspace=ws,
                id=f"{ws}u{p}",
                email=f"u{p}@{ws}.example",
                name=f"User {p}",
                role=draw(st.sampled_from(roles)),
                groups=member_of,
                status=status,
            )
        directory.put_person(person)
        subjects.append(person.subject)
    targets = subjects + [f"group:{g}" for g in groups]
    if targets:
        for api, target in draw(
            st.sets(st.tuples(st.sampled_from(apis), st.sampled_from(targets)))
        ):
            directory.add_access(Grant(workspace=ws, api=api, target=target))
    data = directory.workspace(ws)
    for api in apis:
        reaching = [c for c in customers if data.access_paths(c, api).has_access]
        for customer in draw(st.sets(st.sampled_from(reaching))) if reaching else ():
            directory.remove_access(ws, api, customer)  # an exclusion
    for api in draw(st.sets(st.sampled_from(apis), max_size=1)):
        directory.revoke_all(ws, api)


@st.composite
def directories(
    draw: st.DrawFn,
    *,
    max_workspaces: int = 3,
    max_people: int = 8,
    max_groups: int = 3,
    max_apis: int = 4,
) -> Directory:
    """A :class:`~rbac_kit.Directory` of one to ``max_workspaces`` valid workspaces.

    Workspaces are ``w0``, ``w1``...; in each, APIs are ``a0``, ``a1``...,
    people ``<ws>u<n>`` (users) and ``<ws>c<n>`` (customers), groups
    ``<ws>g<n>``, custom roles ``r0`` and ``r1``.
    """
    directory = Directory()
    for w in range(draw(st.integers(1, max_workspaces))):
        draw(_workspace(directory, f"w{w}", (max_people, max_groups, max_apis)))
    return directory


def authorizers(
    *, max_workspaces: int = 3, max_people: int = 8, max_groups: int = 3, max_apis: int = 4
) -> st.SearchStrategy[Authorizer]:
    """An in-memory :class:`~rbac_kit.Authorizer` holding :func:`directories`' workspaces."""
    return directories(
        max_workspaces=max_workspaces,
        max_people=max_people,
        max_groups=max_groups,
        max_apis=max_apis,
    ).map(Authorizer)
