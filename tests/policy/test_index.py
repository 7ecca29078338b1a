"""Tests of the decision index (``rbac_kit.policy._index``) on hand-built policies."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import SYSTEM, Authorizer, InvalidPolicy, Management, UnknownAction, Workspace
from rbac_kit.model import API_ACTIONS, WORKSPACE_ACTIONS
from rbac_kit.policy import DecisionIndex, PolicyDelta, Rule
from rbac_kit.policy.casbin import CasbinReference

NONE: frozenset[Rule] = frozenset()

#: A small policy with every kind of line, in two workspaces.
RULES: list[Rule] = [
    ("p", "role:member", "acme", "acme", "view_people", "workspace"),
    ("p", "role:member", "acme", "env:all", "view_api", "granted"),
    ("p", "role:member", "acme", "env:all", "view_requests", "granted"),
    ("p", "role:admin", "acme", "acme", "manage_people", "workspace"),
    ("p", "role:admin", "acme", "env:production", "edit_api", "all"),
    ("p", "role:member", "globex", "env:all", "view_api", "all"),
    ("g", "user:ann", "role:member", "acme"),
    ("g", "user:bob", "role:admin", "acme"),
    ("g", "user:gil", "role:member", "globex"),
    ("g", "customer:co", "role:member", "acme"),
    ("g", "cid:CO", "customer:co", "acme"),
    ("g2", "cid:CO", "customer:co", "acme"),
    ("g2", "user:ann", "group:ops", "acme"),
    ("g2", "user:ann", "acme/docs", "acme"),
    ("g2", "group:ops", "acme/pay", "acme"),
    ("g2", "customer:co", "traffic:CO", "acme"),
    ("g2", "traffic:CO", "acme/logs", "acme"),
    ("g3", "acme/pay", "env:production", "acme"),
    ("g3", "acme/pay", "env:all", "acme"),
    ("g3", "acme/logs", "env:staging", "acme"),
    ("g3", "acme/logs", "env:all", "acme"),
    ("g3", "acme/docs", "env:development", "acme"),
    ("g3", "acme/docs", "env:all", "acme"),
    ("g3", "globex/pay", "env:production", "globex"),
    ("g3", "globex/pay", "env:all", "globex"),
]

SUBJECTS = ["user:ann", "user:bob", "user:gil", "customer:co", "cid:CO", "cid:XX"]
ODD_SUBJECTS = ["role:member", "group:ops", "traffic:CO", "user:nobody", "", "ann"]
OBJECTS = ["acme", "globex", "acme/pay", "acme/logs", "acme/docs", "globex/pay"]
ODD_OBJECTS = ["acme/nope", "nowhere", "nowhere/pay", "env:all", "env:production", "", "acme/"]
ACTIONS = sorted(WORKSPACE_ACTIONS | API_ACTIONS)
#: The actions RULES mentions, and one it does not.
USED_ACTIONS = [
    "view_people",
    "manage_people",
    "view_api",
    "view_requests",
    "edit_api",
    "delete_api",
]


def _questions() -> list[tuple[str, str, str]]:
    return list(itertools.product(SUBJECTS + ODD_SUBJECTS, ACTIONS, OBJECTS + ODD_OBJECTS))


# -- can -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "action", "obj", "expected"),
    [
        ("user:ann", "view_people", "acme", True),
        ("user:ann", "view_api", "acme/pay", True),  # through group ops
        ("user:ann", "view_requests", "acme/docs", True),  # direct grant
        ("user:ann", "view_api", "acme/logs", False),  # no path
        ("user:ann", "manage_people", "acme", False),  # role lacks it
        ("user:bob", "edit_api", "acme/pay", True),  # all APIs in production
        ("user:bob", "edit_api", "acme/logs", False),  # staging
        ("user:bob", "view_api", "acme/pay", False),
        ("customer:co", "view_api", "acme/logs", True),  # Customer ID seen on logs
        ("cid:CO", "view_api", "acme/logs", True),  # asked by Customer ID
        ("cid:CO", "view_people", "acme", True),
        ("cid:CO", "view_api", "globex/pay", False),  # the alias is per workspace
        ("user:gil", "view_api", "globex/pay", True),
        ("user:gil", "view_api", "acme/pay", False),
    ],
)
def test_can(subject: str, action: str, obj: str, expected: bool) -> None:
    """Worked examples on the hand-built policy."""
    assert expected == DecisionIndex(RULES).can(subject, action, obj)


def test_can_agrees_with_casbin_on_every_question() -> None:
    """Every question, odd subjects and objects included, is answered as Casbin answers it."""
    index, casbin = DecisionIndex(RULES), CasbinReference(RULES, sharded=False)
    questions = _questions()
    assert [casbin.can(*q) for q in questions] == [index.can(*q) for q in questions]


@pytest.mark.parametrize("subject", ODD_SUBJECTS)
@pytest.mark.parametrize("obj", OBJECTS + ODD_OBJECTS)
def test_unknown_things_deny(subject: str, obj: str) -> None:
    """Roles, groups, traffic nodes, unknown subjects: denied on every object."""
    index = DecisionIndex(RULES)
    assert [False] * len(ACTIONS) == [index.can(subject, a, obj) for a in ACTIONS]


@pytest.mark.parametrize("obj", ODD_OBJECTS)
def test_unknown_objects_deny(obj: str) -> None:
    """A known subject asking about an unknown object is denied."""
    index = DecisionIndex(RULES)
    assert [False] * len(ACTIONS) == [index.can("user:bob", a, obj) for a in ACTIONS]


@pytest.mark.parametrize(
    ("subject", "obj"),
    [
        ("user:ann", "acme/pay"),
        ("user:ann", "acme"),
        ("user:nobody", "acme/pay"),
        ("user:ann", "nowhere/x"),
        ("cid:CO", "acme/logs"),
        ("", ""),
    ],
)
def test_unknown_action_raises_whatever_is_asked(subject: str, obj: str) -> None:
    """An unknown action raises UnknownAction, also for unknown subjects and objects."""
    index = DecisionIndex(RULES)
    with pytest.raises(UnknownAction, match="'fly'"):
        index.can(subject, "fly", obj)
    with pytest.raises(UnknownAction):
        index.can_many([("user:ann", "view_api", "acme/pay"), (subject, "fly", obj)])


def test_can_many_answers_in_order() -> None:
    """can_many() answers each question in the order asked."""
    questions = [
        ("user:ann", "view_api", "acme/pay"),
        ("user:ann", "view_api", "acme/logs"),
        ("cid:CO", "view_api", "acme/logs"),
    ]
    assert [True, False, True] == DecisionIndex(RULES).can_many(questions)
    assert [] == DecisionIndex(RULES).can_many([])


def test_a_subject_in_two_workspaces_answers_in_each() -> None:
    """A hand-built subject with roles in two domains gets each domain's permissions only."""
    rules = [*RULES, ("g", "user:ann", "role:member", "globex")]
    index, casbin = DecisionIndex(rules), CasbinReference(rules, sharded=False)
    assert (True, True, False) == (
        index.can("user:ann", "view_api", "globex/pay"),
        index.can("user:ann", "view_people", "acme"),
        index.can("user:ann", "view_people", "globex"),
    )
    questions = _questions()
    assert [casbin.can(*q) for q in questions] == [index.can(*q) for q in questions]


# -- apis_for / subjects_for --------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "action", "expected"),
    [
        ("user:ann", "view_api", {"acme/pay", "acme/docs"}),
        ("user:ann", "view_people", {"acme"}),
        ("user:bob", "edit_api", {"acme/pay"}),
        ("customer:co", "view_api", {"acme/logs"}),
        ("cid:CO", "view_api", {"acme/logs"}),
        ("user:gil", "view_api", {"globex/pay"}),
        ("user:nobody", "view_api", set()),
        ("role:member", "view_people", set()),
        ("user:ann", "delete_workspace", set()),
    ],
)
def test_apis_for(subject: str, action: str, expected: set[str]) -> None:
    """apis_for() lists exactly the objects can() allows."""
    index = DecisionIndex(RULES)
    assert expected == index.apis_for(subject, action)
    assert expected == {o for o in OBJECTS + ODD_OBJECTS if index.can(subject, action, o)}


@pytest.mark.parametrize(
    ("obj", "action", "expected"),
    [
        ("acme/pay", "view_api", {"user:ann"}),
        ("acme/pay", "edit_api", {"user:bob"}),
        ("acme/logs", "view_api", {"customer:co"}),
        ("acme", "view_people", {"user:ann", "customer:co"}),
        ("acme", "manage_people", {"user:bob"}),
        ("globex/pay", "view_api", {"user:gil"}),
        ("acme/nope", "view_api", set()),
        ("nowhere", "view_people", set()),
    ],
)
def test_subjects_for(obj: str, action: str, expected: set[str]) -> None:
    """subjects_for() lists exactly the user and customer subjects can() allows."""
    index = DecisionIndex(RULES)
    assert expected == index.subjects_for(obj, action)
    subjects = [s for s in SUBJECTS + ODD_SUBJECTS if not s.startswith("cid:")]
    assert expected == {s for s in subjects if index.can(s, action, obj)}


def test_list_questions_reject_unknown_actions() -> None:
    """apis_for and subjects_for raise for unknown actions, even about unknown things."""
    index = DecisionIndex(RULES)
    with pytest.raises(UnknownAction):
        index.apis_for("user:nobody", "fly")
    with pytest.raises(UnknownAction):
        index.subjects_for("nowhere/x", "fly")


def test_subjects_lists_subjects_with_a_table() -> None:
    """subjects() names each subject holding a role (aliases are not subjects)."""
    assert {"user:ann", "user:bob", "user:gil", "customer:co"} == set(
        DecisionIndex(RULES).subjects()
    )


# -- lines the compiler never writes ---------------------------------------------------

BAD_LINES: list[Rule] = [
    (),
    ("p",),
    ("x", "user:ann", "role:member", "acme"),
    ("p", "user:ann", "acme", "acme", "view_people", "workspace"),  # subject, not a role
    ("p", "role:member", "acme", "globex", "view_people", "workspace"),  # obj is not the domain
    ("p", "role:member", "acme", "acme/pay", "view_api", "granted"),  # obj is not env:
    ("p", "role:member", "acme", "env:all", "view_api", "some"),  # unknown scope
    ("p", "role:member", "acme", "acme", "fly", "workspace"),  # unknown action
    ("p", "role:member", "acme", "env:all", "view_people", "all"),  # workspace action as API
    ("p", "role:member", "acme", "acme", "view_api", "workspace"),  # API action as workspace
    ("p", "role:member", "acme", "acme", "view_people", "workspace", "extra"),
    ("g", "group:ops", "role:member", "acme"),  # a group holds no role
    ("g", "user:ann", "group:ops", "acme"),
    ("g", "cid:CO", "user:ann", "acme"),
    ("g", "user:ann", "role:member"),
    ("g2", "user:ann", "globex/pay", "acme"),  # API of another domain
    ("g2", "user:ann", "traffic:CO", "acme"),  # only customers carry a Customer ID
    ("g2", "group:ops", "group:dev", "acme"),  # groups do not nest
    ("g2", "traffic:CO", "customer:co", "acme"),
    ("g2", "role:member", "acme/pay", "acme"),
    ("g3", "acme/pay", "env:production"),  # no domain: Casbin would ask it in every one
    ("g3", "acme/pay", "production", "acme"),
    ("g3", "pay", "env:production", "acme"),  # not an API
    ("g3", "globex/pay", "env:production", "acme"),  # API of another domain
    ("g3", "acme/pay", "env:production", "acm"),
    ("p", "role:member", "acme", "acme", 7, "workspace"),  # type: ignore[list-item]
]


@pytest.mark.parametrize("line", BAD_LINES)
def test_lines_of_other_shapes_raise_and_change_nothing(line: Rule) -> None:
    """A delta with one bad line raises InvalidPolicy and applies none of its lines."""
    index = DecisionIndex(RULES, revision=3)
    before = index.snapshot()
    good = ("g", "user:new", "role:member", "acme")
    with pytest.raises(InvalidPolicy, match="does not have a shape the rbac_kit compiler writes"):
        index.apply(PolicyDelta(removed=frozenset({RULES[0]}), added=frozenset({good, line})))
    assert (before, 3) == (index.snapshot(), index.revision)
    with pytest.raises(InvalidPolicy):
        DecisionIndex([*RULES, line])


def test_invalid_policy_message_names_the_line() -> None:
    """The error quotes the offending line."""
    with pytest.raises(InvalidPolicy, match="'g, group:ops, role:member, acme'"):
        DecisionIndex([("g", "group:ops", "role:member", "acme")])


# -- apply ------------------------------------------------------------------------


@pytest.mark.parametrize("line", RULES, ids=lambda r: ",".join(r))
def test_adding_a_line_equals_a_fresh_index(line: Rule) -> None:
    """Adding any one line incrementally gives the tables of an index built with it."""
    index = DecisionIndex([r for r in RULES if r != line])
    index.apply(PolicyDelta(removed=NONE, added=frozenset({line})))
    assert DecisionIndex(RULES).snapshot() == index.snapshot()


@pytest.mark.parametrize("line", RULES, ids=lambda r: ",".join(r))
def test_removing_a_line_equals_a_fresh_index(line: Rule) -> None:
    """Removing any one line incrementally gives the tables of an index built without it."""
    index = DecisionIndex(RULES)
    index.apply(PolicyDelta(removed=frozenset({line}), added=NONE))
    rest = [r for r in RULES if r != line]
    assert DecisionIndex(rest).snapshot() == index.snapshot()
    if line[1].startswith("cid:"):
        # Half an alias is a policy the compiler never writes (it always writes the
        # g and g2 alias lines together); the index takes the g line for both.
        return
    casbin = CasbinReference(rest)
    questions = list(itertools.product(SUBJECTS, USED_ACTIONS, OBJECTS))
    assert [casbin.can(*q) for q in questions] == [index.can(*q) for q in questions]


def test_removing_everything_leaves_an_empty_index() -> None:
    """Removing every line leaves no table and denies everything."""
    index = DecisionIndex(RULES)
    index.apply(PolicyDelta(removed=frozenset(RULES), added=NONE))
    assert ({}, []) == (index.snapshot(), list(index.subjects()))
    assert not any(index.can(*q) for q in _questions())


def test_removing_an_absent_line_changes_nothing() -> None:
    """As in Casbin, removing a line that is not there is no change (ann keeps pay via ops)."""
    index = DecisionIndex(RULES)
    index.apply(
        PolicyDelta(removed=frozenset({("g2", "user:ann", "acme/pay", "acme")}), added=NONE)
    )
    assert DecisionIndex(RULES).snapshot() == index.snapshot()
    assert index.can("user:ann", "view_api", "acme/pay")


def test_adding_a_present_line_is_counted_once() -> None:
    """Adding a line twice, then removing it once, removes it (no double counting)."""
    index = DecisionIndex(RULES)
    line = ("g2", "user:ann", "acme/docs", "acme")
    index.apply(PolicyDelta(removed=NONE, added=frozenset({line})))
    index.apply(PolicyDelta(removed=frozenset({line}), added=NONE))
    assert not index.can("user:ann", "view_api", "acme/docs")
    assert DecisionIndex([r for r in RULES if r != line]).snapshot() == index.snapshot()


def test_a_line_both_removed_and_added_stays() -> None:
    """Removed first, then added: a line in both halves of a delta is present afterwards."""
    index = DecisionIndex(RULES)
    line = ("g2", "user:ann", "acme/docs", "acme")
    index.apply(PolicyDelta(removed=frozenset({line}), added=frozenset({line})))
    assert DecisionIndex(RULES).snapshot() == index.snapshot()


def _admin() -> Management:
    admin = Management(Authorizer())
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.roles.create(
        SYSTEM,
        workspace="acme",
        id="prod",
        name="Prod",
        permissions=["edit_api", "view_people"],
        environments=["production"],
        api_scope="all",
    )
    admin.groups.create(SYSTEM, workspace="acme", id="ops", name="Ops")
    admin.apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    admin.apis.record_customer_ids(SYSTEM, workspace="acme", api="pay", customer_ids=["CO"])
    admin.apis.register(SYSTEM, workspace="acme", id="logs", name="Logs", environment="staging")
    admin.people.add_user(
        SYSTEM, workspace="acme", id="ann", email="a@acme.io", name="A", groups=["ops"]
    )
    admin.people.add_user(
        SYSTEM, workspace="acme", id="pat", email="p@acme.io", name="P", role="prod"
    )
    admin.people.add_customer(SYSTEM, workspace="acme", id="co", email="c@co.io", customer_id="CO")
    admin.access.add(SYSTEM, workspace="acme", api="pay", targets=["group:ops"])
    return admin


_ACME = {"workspace": "acme"}
CHANGES: dict[str, Callable[[Management], object]] = {
    "add_workspace": lambda m: m.workspaces.create(
        SYSTEM, workspace=Workspace(id="globex", name="Globex"), owner=None
    ),
    "edit_role": lambda m: m.roles.edit(
        SYSTEM,
        **_ACME,
        role="prod",
        permissions=["view_api"],
        environments=["staging"],
        api_scope="granted",
    ),
    "role_to_all_envs": lambda m: m.roles.edit(
        SYSTEM,
        **_ACME,
        role="prod",
        permissions=["edit_api"],
        environments=["production", "staging", "development"],
    ),
    "add_person": lambda m: m.people.add_user(
        SYSTEM, **_ACME, id="zoe", email="z@acme.io", name="Z", role="prod"
    ),
    "change_role": lambda m: m.people.change_role(SYSTEM, **_ACME, subject="user:ann", role="prod"),
    "disable": lambda m: m.people.disable(SYSTEM, **_ACME, subject="customer:co"),
    "set_customer_id": lambda m: m.people.set_customer_id(
        SYSTEM, **_ACME, subject="customer:co", customer_id="CO-2"
    ),
    "remove_person": lambda m: m.people.remove(SYSTEM, **_ACME, subject="user:ann"),
    "add_member": lambda m: m.groups.add_member(
        SYSTEM, **_ACME, group="ops", subject="customer:co"
    ),
    "remove_member": lambda m: m.groups.remove_member(
        SYSTEM, **_ACME, group="ops", subject="user:ann"
    ),
    "remove_group": lambda m: m.groups.delete(SYSTEM, **_ACME, group="ops"),
    "add_api": lambda m: m.apis.register(SYSTEM, **_ACME, id="new", name="New"),
    "move_api": lambda m: m.apis.edit(SYSTEM, **_ACME, api="pay", environment="staging"),
    "record_customer_ids": lambda m: m.apis.record_customer_ids(
        SYSTEM, **_ACME, api="logs", customer_ids=["CO"]
    ),
    "remove_api": lambda m: m.apis.remove(SYSTEM, **_ACME, api="pay"),
    "grant_user": lambda m: m.access.add(SYSTEM, **_ACME, api="logs", targets=["user:ann"]),
    "grant_group": lambda m: m.access.add(SYSTEM, **_ACME, api="logs", targets=["group:ops"]),
    "exclude_customer": lambda m: m.access.remove(SYSTEM, **_ACME, api="pay", target="customer:co"),
    "revoke_all": lambda m: m.access.revoke_all(SYSTEM, **_ACME, api="pay"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_kind_applies_like_a_fresh_index(name: str) -> None:
    """After each kind of change the incremental index equals one built on the new policy."""
    admin = _admin()
    authz = admin.authorizer
    before = sorted(authz.policy.rules())
    CHANGES[name](admin)
    assert before != sorted(authz.policy.rules())
    assert DecisionIndex(authz.policy.rules()).snapshot() == authz.index.snapshot()


# -- the first build -----------------------------------------------------------------

#: RULES and lines that give the bulk build more to count: two paths to one API,
#: two roles (one of each scope), a subject and an alias in two workspaces.
MORE_RULES: list[Rule] = [
    *RULES,
    ("p", "role:member", "acme", "env:production", "edit_api", "all"),
    ("g", "user:ann", "role:admin", "acme"),
    ("g", "user:ann", "role:member", "globex"),
    ("g", "customer:co", "role:member", "globex"),
    ("g", "cid:CO", "customer:co", "globex"),
    ("g2", "cid:CO", "customer:co", "globex"),
    ("g2", "user:ann", "acme/pay", "acme"),
    ("g2", "customer:co", "group:ops", "acme"),
    ("g2", "group:ops", "acme/logs", "acme"),
    ("g2", "traffic:CO", "acme/pay", "acme"),
    ("g2", "customer:co", "globex/pay", "globex"),
]


def _add_one_by_one(index: DecisionIndex, rules: list[Rule]) -> DecisionIndex:
    for rule in rules:
        index.apply(PolicyDelta(removed=NONE, added=frozenset({rule})))
    return index


@given(
    added=st.permutations(MORE_RULES),
    removed=st.permutations(MORE_RULES),
    split=st.integers(0, len(MORE_RULES)),
)
def test_a_first_build_equals_lines_applied_one_by_one(
    added: list[Rule], removed: list[Rule], split: int
) -> None:
    """Built at once, line by line, or part at once and the rest line by line, in any order,
    the index is the same, and stays the same as lines are taken away one by one in any
    order (so the counts behind the tables agree too)."""
    indexes = [
        DecisionIndex(added),
        _add_one_by_one(DecisionIndex(), added),
        _add_one_by_one(DecisionIndex(added[:split]), added[split:]),
    ]
    assert [indexes[0].snapshot()] * 3 == [index.snapshot() for index in indexes]
    for i, rule in enumerate(removed):
        for index in indexes:
            index.apply(PolicyDelta(removed=frozenset({rule}), added=NONE))
        expected = DecisionIndex(removed[i + 1 :]).snapshot()
        assert [expected] * 3 == [index.snapshot() for index in indexes]


def test_customer_id_alias_answers_per_workspace() -> None:
    """A Customer ID alias in two workspaces answers in each with that workspace's customer."""
    index = DecisionIndex(MORE_RULES)
    assert (True, True, False) == (
        index.can("cid:CO", "view_api", "globex/pay"),
        index.can("cid:CO", "view_api", "acme/logs"),
        index.can("cid:CO", "view_api", "acme/docs"),
    )
    assert {"acme/logs", "acme/pay", "globex/pay"} == index.apis_for("cid:CO", "view_api")


@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_was(enabled: bool) -> None:
    """The collector, paused while an index is built, is on again afterwards only if it was."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        DecisionIndex(MORE_RULES)
        assert enabled == gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_a_build_leaves_objects_the_host_froze_frozen() -> None:
    """A host's own gc.freeze() survives a build (the build moves its objects only
    when nothing is frozen)."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        DecisionIndex(MORE_RULES)
        assert frozen == gc.get_freeze_count()
    finally:
        gc.unfreeze()


# -- revisions ----------------------------------------------------------------------


def test_revision_counts_changes() -> None:
    """The index starts at its revision; each apply moves it by one or to the one given."""
    index = DecisionIndex(RULES, revision=5)
    assert 5 == index.revision
    index.apply(PolicyDelta(removed=NONE, added=NONE))
    assert 6 == index.revision
    index.apply(PolicyDelta(removed=NONE, added=NONE), revision=10)
    assert 10 == index.revision


def test_wait_for_a_revision_reached() -> None:
    """wait_for() returns True at once for the current or an older revision."""
    index = DecisionIndex(RULES, revision=2)
    assert (True, True) == (index.wait_for(2), index.wait_for(1, timeout=0))


def test_wait_for_a_future_revision_times_out() -> None:
    """wait_for() returns False when the revision does not arrive in time."""
    assert not DecisionIndex(RULES, revision=2).wait_for(3, timeout=0)


def test_wait_for_wakes_when_a_change_arrives() -> None:
    """A thread waiting for revision 1 wakes when another thread applies it."""
    index = DecisionIndex(RULES)
    waiting = threading.Barrier(2)
    results: list[bool] = []

    def waiter() -> None:
        waiting.wait()
        results.append(index.wait_for(1))

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait()
    index.apply(PolicyDelta(removed=NONE, added=NONE))
    thread.join()
    assert [True] == results


def test_snapshot_is_a_copy() -> None:
    """Changing a snapshot does not change the index."""
    index = DecisionIndex(RULES)
    snapshot = index.snapshot()
    snapshot.clear()
    assert index.can("user:ann", "view_api", "acme/pay")
