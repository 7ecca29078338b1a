"""Tenancy of the exported Casbin model: asked with any domain, it never allows across workspaces.

rbac_kit's own ``can`` takes the domain from the object; a gateway in another
language loads ``model.conf`` and the exported policy and names the domain it
believes in. Whatever that domain, Casbin must allow only objects of that
workspace, and there answer as ``can`` does.
"""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

from pathlib import Path

from hypothesis import find, given, settings

from rbac_kit import Api, Authorizer, Customer, Status, User, Workspace, customer_id_subject
from rbac_kit.model import Directory
from rbac_kit.policy import Rule
from rbac_kit.policy.casbin import CasbinReference
from rbac_kit.testing.strategies import CUSTOMER_ID_POOL
from tests import strategies as s

#: The model before every role link carried the domain: ``g3`` (API -> environment)
#: had none, so an all-APIs role of the domain asked reached any workspace's API.
OLD_MODEL = """\
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act, scope

[role_definition]
g = _, _, _
g2 = _, _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.dom == p.dom && r.act == p.act && r.sub != p.sub && g(r.sub, p.sub, r.dom) && \
((p.scope == "workspace" && r.obj == p.obj) || (p.scope != "workspace" && r.obj != p.obj && \
g3(r.obj, p.obj) && (p.scope == "all" || g2(r.sub, r.obj, r.dom))))
"""


def _old_and_new(authz: Authorizer, tmp_path: Path) -> tuple[CasbinReference, CasbinReference]:
    """pycasbin on the old model and on the shipped one, each one enforcer of every line.

    The old model is given the lines the old compiler wrote: g3 without a domain.
    """
    rules = list(authz.policy.rules())
    model = tmp_path / "old-model.conf"
    model.write_text(OLD_MODEL)
    old_rules = [rule[:3] if rule[0] == "g3" else rule for rule in rules]
    return (
        CasbinReference(old_rules, sharded=False, model=model),
        CasbinReference(rules, sharded=False),
    )


def _two_workspaces() -> Authorizer:
    """API ``w1/p``; in w2, API ``q``, and user v and customer c (``C-1``) as Administrators."""
    d = Directory()
    for ws in ("w1", "w2"):
        d.add_workspace(Workspace(id=ws, name=ws.upper()))
    d.put_api(Api(workspace="w1", id="p", name="P"))
    d.put_api(Api(workspace="w2", id="q", name="Q"))
    d.put_person(User(workspace="w2", id="v", email="v@w2.example", name="V", role="administrator"))
    d.put_person(
        Customer(
            workspace="w2",
            id="c",
            email="c@w2.example",
            customer_id="C-1",
            role="administrator",
        )
    )
    return Authorizer(d)


def _universe(authz: Authorizer) -> tuple[list[str], list[str], list[str]]:
    """Every workspace, every subject (people, Customer ID aliases, a role) and every object."""
    workspaces: list[str] = []
    subjects = [customer_id_subject(c) for c in CUSTOMER_ID_POOL] + ["role:owner"]
    objects: list[str] = []
    for data in authz.directory.workspaces():
        ws = data.workspace.id
        workspaces.append(ws)
        subjects += [person.subject for person in data.people()]
        objects += [ws, *(f"{ws}/{api}" for api in data.apis)]
    return workspaces, subjects, objects


def test_the_reported_leak_is_closed(tmp_path: Path) -> None:
    """v, an Administrator (all APIs) of w2, asked in w2 about w1's API: old allows, new denies."""
    authz = _two_workspaces()
    old, new = _old_and_new(authz, tmp_path)
    question = ("user:v", "w2", "w1/p", "view_api")
    assert (True, False) == (old.enforce(*question), new.enforce(*question))
    assert not authz.can("user:v", "view_api", "w1/p")


def test_the_leak_by_customer_id_is_closed(tmp_path: Path) -> None:
    """The same through a ``cid:`` alias, and for a workspace-level action on w1 itself."""
    authz = _two_workspaces()
    old, new = _old_and_new(authz, tmp_path)
    by_cid = (customer_id_subject("C-1"), "w2", "w1/p", "delete_api")
    on_workspace = ("user:v", "w2", "w1", "view_people")
    assert (True, False, False, False) == (
        old.enforce(*by_cid),
        new.enforce(*by_cid),
        old.enforce(*on_workspace),  # never leaked: a workspace line's object is its domain
        new.enforce(*on_workspace),
    )


def test_the_right_domain_still_allows(tmp_path: Path) -> None:
    """The new model keeps every answer of the old one in the object's own workspace."""
    authz = _two_workspaces()
    old, new = _old_and_new(authz, tmp_path)
    _, subjects, objects = _universe(authz)
    questions = [
        (sub, obj.partition("/")[0], obj, act)
        for sub in subjects
        for obj in objects
        for act in s.ACTIONS
    ]
    assert [old.enforce(*q) for q in questions] == [new.enforce(*q) for q in questions]
    assert new.enforce("user:v", "w2", "w2/q", "view_api")


def test_an_unknown_domain_allows_nothing() -> None:
    """Asked with a domain no line names, or none, Casbin denies every question."""
    authz = _two_workspaces()
    casbin = CasbinReference(authz.policy.rules(), sharded=False)
    _, subjects, objects = _universe(authz)
    assert not any(
        casbin.enforce(sub, dom, obj, act)
        for sub in subjects
        for obj in objects
        for dom in ("w9", "")
        for act in ("view_api", "view_people")
    )


def _whole_policy_by_action(rules: list[Rule]) -> dict[str, CasbinReference]:
    """One enforcer per action, each holding every workspace's lines as a gateway would.

    Only the p lines of other actions are left out: the matcher's first clause
    (``r.act == p.act``) never reads them, and pycasbin evaluates the matcher
    once per p line, so each question costs a fraction of the whole policy's.
    """
    links = [rule for rule in rules if rule[0] != "p"]
    return {
        act: CasbinReference(
            links + [rule for rule in rules if rule[0] == "p" and rule[4] == act], sharded=False
        )
        for act in s.ACTIONS
    }


@settings(max_examples=30)
@given(s.multi_workspace_authorizers)
def test_casbin_allows_only_in_the_objects_workspace(authz: Authorizer) -> None:
    """Every question asked of pycasbin with every domain, on drawn workspaces.

    With a domain other than the object's workspace, it is denied (subjects
    holding all-APIs roles in that domain, ``cid:`` aliases of customers there,
    and objects that are the other workspace itself included); with the
    object's own, it is answered as ``Authorizer.can`` answers.
    """
    casbin = _whole_policy_by_action(list(authz.policy.rules()))
    workspaces, subjects, objects = _universe(authz)
    for sub in subjects:
        for obj in objects:
            home = obj.partition("/")[0]
            for act in s.ACTIONS:
                allowed = authz.can(sub, act, obj)
                for dom in workspaces:
                    expected = allowed and dom == home
                    assert expected == casbin[act].enforce(sub, dom, obj, act), (sub, dom, obj, act)


def _all_apis_holder_beside_another_workspace(authz: Authorizer) -> bool:
    """An active Owner or Administrator in one workspace, and another workspace (with an API)."""
    holders = [
        data.workspace.id
        for data in authz.directory.workspaces()
        for person in data.people()
        if person.role in ("owner", "administrator") and person.status is Status.ACTIVE
    ]
    return bool(holders) and len(list(authz.directory.workspaces())) > 1


def test_the_drawn_settings_reach_the_old_leak(tmp_path: Path) -> None:
    """The property above is not vacuous: drawn settings hold questions the old model allowed."""
    authz = find(s.multi_workspace_authorizers, _all_apis_holder_beside_another_workspace)
    old, new = _old_and_new(authz, tmp_path)
    workspaces, subjects, objects = _universe(authz)
    across = [
        (sub, dom, obj, "view_api")
        for sub in subjects
        for dom in workspaces
        for obj in objects
        if "/" in obj and obj.partition("/")[0] != dom
    ]
    assert (True, False) == (
        any(old.enforce(*q) for q in across),
        any(new.enforce(*q) for q in across),
    )


def test_sharded_reference_agrees_across_domains() -> None:
    """Per-(domain, action) enforcers answer foreign-domain questions as one enforcer does."""
    authz = _two_workspaces()
    sharded = CasbinReference(authz.policy.rules())
    single = CasbinReference(authz.policy.rules(), sharded=False)
    workspaces, subjects, objects = _universe(authz)
    questions = [
        (sub, dom, obj, act)
        for sub in subjects
        for dom in workspaces
        for obj in objects
        for act in s.ACTIONS
    ]
    assert [single.enforce(*q) for q in questions] == [sharded.enforce(*q) for q in questions]
