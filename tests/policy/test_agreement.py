"""The proof of agreement: incremental index == fresh index == Casbin == SPEC rules.

A hypothesis state machine drives random sequences of changes through the
Authorizer (the operations of :class:`~rbac_kit.Management`, as the trusted actor
:data:`~rbac_kit.SYSTEM`) on small workspaces that share ids and Customer IDs. After every
step, for every (subject, action, object) question of the universe:

- the incrementally maintained index equals an index compiled from scratch,
  and the incrementally maintained policy equals a fresh compile;
- both answer as pycasbin's ``Enforcer`` on ``model.conf`` and the policy;
- both answer as :func:`rbac_kit.explain`, which works SPEC section 2 out on
  the entities themselves;
- ``apis_for`` and ``subjects_for`` list exactly what ``can`` allows.

A change that raises must leave the policy and the index exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Management,
    RbacKitError,
    Status,
    Workspace,
    customer_id_subject,
)
from rbac_kit.policy import DecisionIndex, compile_directory, explain
from rbac_kit.policy.casbin import CasbinReference
from tests import strategies as s

ACTIONS = s.ACTIONS
SUBJECTS = [f"user:{u}" for u in s.USER_IDS] + [f"customer:{c}" for c in s.CUSTOMER_IDS]
ALIASES = [customer_id_subject(c) for c in s.CUSTOMER_ID_VALUES]
OBJECTS = [*s.WORKSPACES, *(f"{w}/{a}" for w in s.WORKSPACES for a in s.API_IDS), "w1/zz"]
QUESTION_SUBJECTS = [*SUBJECTS, *ALIASES, "user:nobody", "role:owner"]


class AgreementMachine(RuleBasedStateMachine):
    """Random changes; after each one, every question is asked four ways."""

    def __init__(self) -> None:
        super().__init__()
        self.authz = Authorizer()
        self.admin = Management(self.authz)
        self.admin.workspaces.create(SYSTEM, workspace=Workspace(id="w1", name="One"), owner=None)
        self.checked: str | None = None

    def _try(self, change: Callable[[], object]) -> None:
        """Run a change; if it raises the library's error, nothing may have changed."""
        before_policy = self.authz.policy.to_csv()
        before_index = self.authz.index.snapshot()
        try:
            change()
        except RbacKitError:
            assert before_policy == self.authz.policy.to_csv()
            assert before_index == self.authz.index.snapshot()

    def _ws(self, subject: str) -> str:
        """The workspace of ``subject`` (w1 for an unknown one, where the change is refused)."""
        return self.authz.directory.workspace_of(subject) or "w1"

    @initialize(
        envs=st.tuples(s.environments, s.environments),
        cids=st.tuples(*(s.customer_id_values for _ in s.CUSTOMER_IDS)),
        seen=st.tuples(*(st.frozensets(s.customer_id_values) for _ in s.API_IDS)),
        role=st.tuples(s.permissions, s.environment_scopes, s.api_scopes),
        roles=st.tuples(*(s.role_ids for _ in s.USER_IDS + s.CUSTOMER_IDS)),
        groups=st.tuples(*(st.frozensets(s.group_ids) for _ in s.USER_IDS + s.CUSTOMER_IDS)),
        grants=st.frozensets(st.tuples(s.api_ids, s.targets), max_size=4),
    )
    def populate(
        self,
        envs: tuple[str, str],
        cids: tuple[str, ...],
        seen: tuple[frozenset[str], ...],
        role: tuple[frozenset[str], frozenset[str], str],
        roles: tuple[str, ...],
        groups: tuple[frozenset[str], ...],
        grants: frozenset[tuple[str, str]],
    ) -> None:
        """Start from a populated workspace w1, so the rules meet interesting states."""
        admin = self.admin
        admin.roles.create(
            SYSTEM,
            workspace="w1",
            id="r0",
            name="R0",
            permissions=role[0],
            environments=role[1],
            api_scope=role[2],
        )
        for api, env, cid_seen in zip(s.API_IDS, envs, seen, strict=True):
            admin.apis.register(SYSTEM, workspace="w1", id=api, name=api, environment=env)
            if cid_seen:
                admin.apis.record_customer_ids(
                    SYSTEM, workspace="w1", api=api, customer_ids=sorted(cid_seen)
                )
        for group in s.GROUP_IDS:
            admin.groups.create(SYSTEM, workspace="w1", id=group, name=group.upper())
        people = [*s.USER_IDS, *s.CUSTOMER_IDS]
        for i, ident in enumerate(people):
            add: Callable[[], object]
            if i < len(s.USER_IDS):
                add = partial(
                    admin.people.add_user,
                    SYSTEM,
                    workspace="w1",
                    id=ident,
                    email=f"{ident}@example.com",
                    name=ident,
                    role=roles[i],
                    groups=groups[i],
                )
            else:
                add = partial(
                    admin.people.add_customer,
                    SYSTEM,
                    workspace="w1",
                    id=ident,
                    email=f"{ident}@example.com",
                    customer_id=cids[i - len(s.USER_IDS)],
                    role=roles[i],
                    groups=groups[i],
                )
            self._try(add)
        for api, target in sorted(grants):
            self._try(partial(admin.access.add, SYSTEM, workspace="w1", api=api, targets=[target]))

    # -- changes, as the trusted actor (who-may checks skipped, data rules kept) -----

    @rule(ws=s.workspaces)
    def add_workspace(self, ws: str) -> None:
        workspace = Workspace(id=ws, name=ws.upper())
        self._try(lambda: self.admin.workspaces.create(SYSTEM, workspace=workspace, owner=None))

    @rule(
        ws=s.workspaces,
        role=s.custom_role_ids,
        perms=s.permissions,
        envs=s.environment_scopes,
        scope=s.api_scopes,
    )
    def put_role(
        self, ws: str, role: str, perms: frozenset[str], envs: frozenset[str], scope: str
    ) -> None:
        """Create the role, or edit it if it exists."""

        def change() -> None:
            roles = self.admin.roles
            if role in self.authz.directory.workspace(ws).roles:
                roles.edit(
                    SYSTEM,
                    workspace=ws,
                    role=role,
                    name=role.upper(),
                    permissions=perms,
                    environments=envs,
                    api_scope=scope,
                )
            else:
                roles.create(
                    SYSTEM,
                    workspace=ws,
                    id=role,
                    name=role.upper(),
                    permissions=perms,
                    environments=envs,
                    api_scope=scope,
                )

        self._try(change)

    @rule(ws=s.workspaces, role=s.role_ids)
    def remove_role(self, ws: str, role: str) -> None:
        self._try(lambda: self.admin.roles.delete(SYSTEM, workspace=ws, role=role))

    @rule(
        ws=s.workspaces,
        user=s.user_ids,
        role=s.role_ids,
        groups=st.frozensets(s.group_ids, max_size=2),
    )
    def add_user(self, ws: str, user: str, role: str, groups: frozenset[str]) -> None:
        self._try(
            lambda: self.admin.people.add_user(
                SYSTEM,
                workspace=ws,
                id=user,
                email=f"{user}@Example.com",
                name=user,
                role=role,
                groups=groups,
            )
        )

    @rule(
        ws=s.workspaces,
        customer=s.customer_ids,
        cid=s.customer_id_values,
        role=s.role_ids,
        groups=st.frozensets(s.group_ids, max_size=2),
    )
    def add_customer(
        self, ws: str, customer: str, cid: str, role: str, groups: frozenset[str]
    ) -> None:
        self._try(
            lambda: self.admin.people.add_customer(
                SYSTEM,
                workspace=ws,
                id=customer,
                email=f"{customer}@example.com",
                customer_id=cid,
                role=role,
                groups=groups,
            )
        )

    @rule(subject=s.subjects, role=s.role_ids)
    def change_role(self, subject: str, role: str) -> None:
        people, ws = self.admin.people, self._ws(subject)
        self._try(lambda: people.change_role(SYSTEM, workspace=ws, subject=subject, role=role))

    @rule(subject=s.subjects, status=s.statuses)
    def set_status(self, subject: str, status: Status) -> None:
        people = self.admin.people
        toggle = people.disable if status is Status.DISABLED else people.enable
        self._try(lambda: toggle(SYSTEM, workspace=self._ws(subject), subject=subject))

    @rule(customer=s.customer_ids, cid=s.customer_id_values)
    def set_customer_id(self, customer: str, cid: str) -> None:
        subject = f"customer:{customer}"
        self._try(
            lambda: self.admin.people.set_customer_id(
                SYSTEM, workspace=self._ws(subject), subject=subject, customer_id=cid
            )
        )

    @rule(subject=s.subjects)
    def remove_person(self, subject: str) -> None:
        ws = self._ws(subject)
        self._try(lambda: self.admin.people.remove(SYSTEM, workspace=ws, subject=subject))

    @rule(subject=s.subjects, group=s.group_ids, add=st.booleans())
    def membership(self, subject: str, group: str, add: bool) -> None:
        groups = self.admin.groups
        change = groups.add_member if add else groups.remove_member
        self._try(lambda: change(SYSTEM, workspace=self._ws(subject), group=group, subject=subject))

    @rule(ws=s.workspaces, group=s.group_ids, name=s.group_names)
    def put_group(self, ws: str, group: str, name: str) -> None:
        """Create the group, or rename it if it exists."""

        def change() -> None:
            groups = self.admin.groups
            if group in self.authz.directory.workspace(ws).groups:
                groups.rename(SYSTEM, workspace=ws, group=group, name=name)
            else:
                groups.create(SYSTEM, workspace=ws, id=group, name=name)

        self._try(change)

    @rule(ws=s.workspaces, group=s.group_ids)
    def remove_group(self, ws: str, group: str) -> None:
        self._try(lambda: self.admin.groups.delete(SYSTEM, workspace=ws, group=group))

    @rule(ws=s.workspaces, api=s.api_ids, env=s.environments)
    def put_api(self, ws: str, api: str, env: str) -> None:
        """Register the API, or edit it (keeping the Customer IDs seen) if it exists."""

        def change() -> None:
            apis = self.admin.apis
            if api in self.authz.directory.workspace(ws).apis:
                apis.edit(SYSTEM, workspace=ws, api=api, name=api.upper(), environment=env)
            else:
                apis.register(SYSTEM, workspace=ws, id=api, name=api.upper(), environment=env)

        self._try(change)

    @rule(ws=s.workspaces, api=s.api_ids, cids=st.frozensets(s.customer_id_values, max_size=2))
    def record_customer_ids(self, ws: str, api: str, cids: frozenset[str]) -> None:
        self._try(
            lambda: self.admin.apis.record_customer_ids(
                SYSTEM, workspace=ws, api=api, customer_ids=sorted(cids)
            )
        )

    @rule(ws=s.workspaces, api=s.api_ids)
    def remove_api(self, ws: str, api: str) -> None:
        self._try(lambda: self.admin.apis.remove(SYSTEM, workspace=ws, api=api))

    @rule(ws=s.workspaces, api=s.api_ids, who=s.targets)
    def add_access(self, ws: str, api: str, who: str) -> None:
        self._try(lambda: self.admin.access.add(SYSTEM, workspace=ws, api=api, targets=[who]))

    @rule(ws=s.workspaces, api=s.api_ids, who=s.targets)
    def remove_access(self, ws: str, api: str, who: str) -> None:
        self._try(lambda: self.admin.access.remove(SYSTEM, workspace=ws, api=api, target=who))

    @rule(ws=s.workspaces, api=s.api_ids)
    def revoke_all(self, ws: str, api: str) -> None:
        self._try(lambda: self.admin.access.revoke_all(SYSTEM, workspace=ws, api=api))

    # -- the checks ----------------------------------------------------------------

    @invariant()
    def incremental_equals_fresh(self) -> None:
        fresh_policy = compile_directory(self.authz.directory)
        assert sorted(fresh_policy.rules()) == sorted(self.authz.policy.rules())
        fresh = DecisionIndex(fresh_policy.rules())
        assert fresh.snapshot() == self.authz.index.snapshot()

    @invariant()
    def every_question_agrees(self) -> None:
        policy = self.authz.policy.to_csv()
        if policy == self.checked:
            return  # a step that changed nothing (the index is checked unchanged in _try)
        self.checked = policy
        index = self.authz.index
        casbin = CasbinReference(self.authz.policy.rules())
        directory = self.authz.directory
        for subject in QUESTION_SUBJECTS:
            for obj in OBJECTS:
                for action in ACTIONS:
                    answer = index.can(subject, action, obj)
                    assert casbin.can(subject, action, obj) == answer, (subject, action, obj)
                    assert explain(directory, subject, action, obj).allowed == answer, (
                        subject,
                        action,
                        obj,
                    )

    @invariant()
    def lists_match_decisions(self) -> None:
        index = self.authz.index
        for action in ACTIONS:
            for subject in SUBJECTS:
                allowed = {o for o in OBJECTS if index.can(subject, action, o)}
                assert allowed == index.apis_for(subject, action)
            for obj in OBJECTS:
                allowed = {x for x in SUBJECTS if index.can(x, action, obj)}
                assert allowed == index.subjects_for(obj, action)


# max_examples comes from the profile loaded in conftest (200 in CI).
AgreementMachine.TestCase.settings = settings(stateful_step_count=20)
TestAgreement = AgreementMachine.TestCase
