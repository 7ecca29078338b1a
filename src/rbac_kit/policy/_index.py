"""The decision index: the compiled policy turned into lookups.

Built from the same lines Casbin loads (``model.conf`` semantics), it answers
``can(subject, action, object)`` with two dictionary lookups and one set
lookup: ``tables[subject][object]`` is the frozenset of actions the subject
may perform on the object. Nothing is parsed or evaluated per question.

Bookkeeping (who holds which role, group membership, reach counts from
subjects to APIs through grants, groups and Customer IDs) is kept beside the
tables, and a :class:`PolicyDelta` is applied incrementally: only the tables
of the subjects, roles and APIs it touches are rebuilt.

Threads: one writer at a time (a lock), any number of readers without locks.
A reader finds a subject's table in one dictionary read; a change builds new
tables aside and swaps each in with a single assignment, so a question sees
its subject's state from before a change or after it, never a mix. Shared
tables of all-APIs roles are updated key by key, each key swapped whole.
``apis_for`` and ``subjects_for`` read bookkeeping across several dicts, so
they take the writer's lock and wait for a change in flight.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeAlias

from .._catalog import API_ACTIONS, WORKSPACE_ACTIONS, check_action
from .._errors import InvalidPolicy
from ._policy import PolicyDelta, Rule

__all__ = ["DecisionIndex"]

_KNOWN_ACTIONS = API_ACTIONS | WORKSPACE_ACTIONS
_EMPTY: frozenset[str] = frozenset()
_NO_TABLE: Mapping[str, frozenset[str]] = MappingProxyType({})
_SCOPES = ("all", "granted")

Table: TypeAlias = Mapping[str, frozenset[str]]
_Key: TypeAlias = tuple[str, str]  # (domain, name)


class _RoleRules:
    """The p lines of one role in one domain."""

    __slots__ = ("api", "workspace")

    def __init__(self) -> None:
        self.workspace: set[str] = set()
        # env node -> scope -> actions
        self.api: dict[str, dict[str, set[str]]] = {}

    def actions(self, envs: Iterable[str], scope: str) -> set[str]:
        result: set[str] = set()
        for env in envs:
            by_scope = self.api.get(env)
            if by_scope is not None:
                result |= by_scope.get(scope, set())
        return result

    def has_scope(self, scope: str) -> bool:
        return any(by_scope.get(scope) for by_scope in self.api.values())

    def empty(self) -> bool:
        return not self.workspace and not any(
            acts for by_scope in self.api.values() for acts in by_scope.values()
        )


class _Subject:
    """Bookkeeping of one subject in one domain: its roles and what it reaches."""

    __slots__ = ("groups", "reach", "roles", "traffic")

    def __init__(self) -> None:
        self.roles: set[str] = set()
        self.groups: set[str] = set()
        self.traffic: set[str] = set()
        # api object -> number of g2 paths reaching it (direct, groups, traffic)
        self.reach: dict[str, int] = {}


class DecisionIndex:
    """Answers decisions from a compiled policy; applies policy deltas in place."""

    def __init__(self, rules: Iterable[Rule] = (), *, revision: int = 0) -> None:
        # -- read side: what questions look at ----------------------------
        self._tables: dict[str, Table] = {}
        self._aliases: dict[_Key, str] = {}
        self._obj_dom: dict[str, str] = {}
        # -- bookkeeping ---------------------------------------------------
        self._subjects: dict[_Key, _Subject] = {}
        self._sub_domains: dict[str, set[str]] = defaultdict(set)
        self._dom_tables: dict[_Key, Table] = {}
        self._role_rules: dict[_Key, _RoleRules] = {}
        self._holders: dict[_Key, set[str]] = defaultdict(set)
        self._group_members: dict[_Key, set[str]] = defaultdict(set)
        self._group_apis: dict[_Key, set[str]] = defaultdict(set)
        self._traffic_members: dict[_Key, set[str]] = defaultdict(set)
        self._traffic_apis: dict[_Key, set[str]] = defaultdict(set)
        self._g2_aliases: dict[_Key, str] = {}
        self._api_envs: dict[str, set[str]] = defaultdict(set)
        self._apis_by_dom: dict[str, set[str]] = defaultdict(set)
        self._accessors: dict[str, set[str]] = defaultdict(set)
        self._shared: dict[_Key, dict[str, frozenset[str]]] = {}
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        # Every line applied, so a line is counted once however often it is sent.
        self._lines: set[Rule] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._revision = revision
        self.apply(PolicyDelta(removed=frozenset(), added=frozenset(rules)), revision=revision)

    # -- questions -----------------------------------------------------------

    @property
    def revision(self) -> int:
        """The revision of the last change applied."""
        return self._revision

    def can(self, subject: str, action: str, obj: str) -> bool:
        """True if ``subject`` may perform ``action`` on ``obj`` (an API or a workspace).

        Raises:
            UnknownAction: ``action`` is not in the permission catalog.
        """
        table = self._tables.get(subject)
        if table is None:
            table = self._alias_table(subject, obj)
        acts = table.get(obj)
        if acts is not None and action in acts:
            return True
        if action in _KNOWN_ACTIONS:
            return False
        check_action(action)
        raise AssertionError  # pragma: no cover  (check_action raised)

    def can_many(self, questions: Iterable[tuple[str, str, str]]) -> list[bool]:
        """``can`` for each ``(subject, action, object)``, in order."""
        can = self.can
        return [can(s, a, o) for s, a, o in questions]

    def _alias_table(self, subject: str, obj: str) -> Table:
        dom = self._obj_dom.get(obj)
        real = self._aliases.get((dom, subject)) if dom is not None else None
        if real is None:
            return {}
        return self._tables.get(real, {})

    def apis_for(self, subject: str, action: str) -> set[str]:
        """Every object (API, or workspace for a workspace-level action) ``can`` allows."""
        check_action(action)
        with self._lock:  # bookkeeping is read across several dicts: no half-applied change
            return self._apis_for(subject, action)

    def _apis_for(self, subject: str, action: str) -> set[str]:
        tables: list[Table] = []
        if subject in self._tables:
            tables.append(self._tables[subject])
        else:
            for (dom, alias), real in list(self._aliases.items()):
                if alias == subject:
                    table = self._tables.get(real, {})
                    tables.append({o: a for o, a in table.items() if self._obj_dom.get(o) == dom})
        return {obj for table in tables for obj, acts in table.items() if action in acts}

    def subjects_for(self, obj: str, action: str) -> set[str]:
        """Every subject (``user:`` / ``customer:``) ``can`` allows on ``obj``."""
        check_action(action)
        with self._lock:  # bookkeeping is read across several dicts: no half-applied change
            return self._subjects_for(obj, action)

    def _subjects_for(self, obj: str, action: str) -> set[str]:
        dom = self._obj_dom.get(obj)
        if dom is None:
            return set()
        if obj == dom:
            candidates: set[str] = set()
            for (role_dom, _), holders in list(self._holders.items()):
                if role_dom == dom:
                    candidates |= holders
        else:
            candidates = self._api_candidates(dom, obj, action)
        return {s for s in candidates if action in self._tables.get(s, {}).get(obj, _EMPTY)}

    def _api_candidates(self, dom: str, obj: str, action: str) -> set[str]:
        envs = self._api_envs.get(obj, set())
        candidates: set[str] = set()
        for key, rules in list(self._role_rules.items()):
            if key[0] != dom:
                continue
            if action in rules.actions(envs, "all"):
                candidates |= self._holders.get(key, set())
        return candidates | self._accessors.get(obj, set())

    # -- changes -------------------------------------------------------------

    def wait_for(self, revision: int, timeout: float | None = None) -> bool:
        """Block until the index is at ``revision`` or newer; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._revision >= revision, timeout)

    def apply(self, delta: PolicyDelta, *, revision: int | None = None) -> None:
        """Apply a change's lines: removed first, then added.

        Raises:
            InvalidPolicy: a line the compiler would never write; nothing is
                applied then.
        """
        for rule in delta.removed | delta.added:
            _check_shape(rule)
        with self._changed:
            # As in Casbin, removing an absent line or adding a present one changes
            # nothing (counting it would corrupt the reach counts).
            removed = [r for r in delta.removed if r in self._lines]
            added = [r for r in delta.added if r not in self._lines or r in delta.removed]
            self._lines.difference_update(removed)
            self._lines.update(added)
            work = _Work()
            for rule in removed:
                self._line(rule, -1, work)
            for rule in added:
                self._line(rule, +1, work)
            self._rebuild(work)
            self._revision = self._revision + 1 if revision is None else revision
            self._changed.notify_all()

    def _line(self, rule: Rule, sign: int, work: _Work) -> None:
        ptype = rule[0]
        if ptype == "p":
            _, role, dom, obj, act, scope = rule
            rules = self._role_rules.setdefault((dom, role), _RoleRules())
            target = (
                rules.workspace
                if scope == "workspace"
                else (rules.api.setdefault(obj, {}).setdefault(scope, set()))
            )
            _toggle(target, act, sign)
            self._obj_dom[dom] = dom
            work.roles.add((dom, role))
        elif ptype == "g":
            _, sub, role, dom = rule
            if sub.startswith("cid:"):
                # Dropped aliases go at once, new ones after the tables are swapped in,
                # so a question by Customer ID never sees a half-applied change.
                if sign > 0:
                    work.new_aliases[(dom, sub)] = role
                elif self._aliases.get((dom, sub)) == role:
                    del self._aliases[(dom, sub)]
                return
            _toggle(self._holders[(dom, role)], sub, sign)
            _toggle(self._subject(dom, sub).roles, role, sign)
            self._obj_dom[dom] = dom
            work.subjects.add((dom, sub))
        elif ptype == "g2":
            self._g2(rule, sign, work)
        else:
            _, obj, env = rule
            dom = obj.partition("/")[0]
            _toggle(self._api_envs[obj], env, sign)
            if self._api_envs[obj]:
                self._apis_by_dom[dom].add(obj)
                self._obj_dom[obj] = dom
            else:
                # _obj_dom keeps the API until the tables are rebuilt (see _rebuild).
                self._apis_by_dom[dom].discard(obj)
                del self._api_envs[obj]
            work.apis.add(obj)

    def _g2(self, rule: Rule, sign: int, work: _Work) -> None:
        _, src, dst, dom = rule
        kind = src.partition(":")[0]
        if kind == "cid":
            if sign > 0:
                self._g2_aliases[(dom, src)] = dst
            elif self._g2_aliases.get((dom, src)) == dst:
                del self._g2_aliases[(dom, src)]
        elif kind == "group":
            key = (dom, src)
            _toggle(self._group_apis[key], dst, sign)
            for sub in self._group_members.get(key, ()):
                self._reach(dom, sub, dst, sign, work)
        elif kind == "traffic":
            key = (dom, src)
            _toggle(self._traffic_apis[key], dst, sign)
            for sub in self._traffic_members.get(key, ()):
                self._reach(dom, sub, dst, sign, work)
        else:
            subject = self._subject(dom, src)
            work.subjects.add((dom, src))
            dst_kind = dst.partition(":")[0]
            if dst_kind == "group":
                key = (dom, dst)
                _toggle(subject.groups, dst, sign)
                _toggle(self._group_members[key], src, sign)
                for api in self._group_apis.get(key, ()):
                    self._reach(dom, src, api, sign, work)
            elif dst_kind == "traffic":
                key = (dom, dst)
                _toggle(subject.traffic, dst, sign)
                _toggle(self._traffic_members[key], src, sign)
                for api in self._traffic_apis.get(key, ()):
                    self._reach(dom, src, api, sign, work)
            else:
                self._reach(dom, src, dst, sign, work)

    def _subject(self, dom: str, sub: str) -> _Subject:
        key = (dom, sub)
        subject = self._subjects.get(key)
        if subject is None:
            subject = self._subjects[key] = _Subject()
            self._sub_domains[sub].add(dom)
        return subject

    def _reach(self, dom: str, sub: str, api: str, sign: int, work: _Work) -> None:
        reach = self._subject(dom, sub).reach
        count = reach.get(api, 0) + sign
        if count > 0:
            reach[api] = count
            self._accessors[api].add(sub)
        else:
            reach.pop(api, None)
            self._accessors[api].discard(sub)
        work.subjects.add((dom, sub))

    # -- rebuilding tables ---------------------------------------------------

    def _intern(self, actions: Iterable[str]) -> frozenset[str]:
        key = frozenset(actions)
        return self._interned.setdefault(key, key)

    def _rebuild(self, work: _Work) -> None:
        for key in work.roles:
            rules = self._role_rules.get(key)
            if rules is not None and rules.empty():
                del self._role_rules[key]
                rules = None
            work.subjects.update((key[0], s) for s in self._holders.get(key, ()))
            if rules is not None and not rules.has_scope("granted"):
                self._shared[key] = self._shared_table(key[0], rules)
            else:
                self._shared.pop(key, None)
        for obj in work.apis:
            dom = obj.partition("/")[0]
            envs = self._api_envs.get(obj, set())
            for key, table in self._shared.items():
                if key[0] != dom or key in work.roles:
                    continue
                acts = self._role_rules[key].actions(envs, "all")
                if acts:
                    table[obj] = self._intern(acts)
                else:
                    table.pop(obj, None)
            work.subjects.update((dom, s) for s in self._accessors.get(obj, ()))
        for dom, sub in work.subjects:
            self._rebuild_subject(dom, sub)
        self._aliases.update(work.new_aliases)
        # Forgotten only now: a question by Customer ID finds the workspace of an API
        # whose environment line is being replaced.
        for obj in work.apis:
            if obj not in self._api_envs:
                self._obj_dom.pop(obj, None)

    def _shared_table(self, dom: str, rules: _RoleRules) -> dict[str, frozenset[str]]:
        table: dict[str, frozenset[str]] = {}
        if rules.workspace:
            table[dom] = self._intern(rules.workspace)
        for obj in self._apis_by_dom.get(dom, ()):
            acts = rules.actions(self._api_envs[obj], "all")
            if acts:
                table[obj] = self._intern(acts)
        return table

    def _rebuild_subject(self, dom: str, sub: str) -> None:
        key = (dom, sub)
        subject = self._subjects.get(key)
        table = self._subject_table(dom, subject) if subject is not None else None
        if table is None:
            self._dom_tables.pop(key, None)
        else:
            self._dom_tables[key] = table
        if subject is not None and not (
            subject.roles or subject.groups or subject.traffic or subject.reach
        ):
            del self._subjects[key]
            self._sub_domains[sub].discard(dom)
        domains = self._sub_domains.get(sub, set())
        tables = [self._dom_tables[(d, sub)] for d in domains if (d, sub) in self._dom_tables]
        if not tables:
            self._tables.pop(sub, None)
            if not domains:
                self._sub_domains.pop(sub, None)
        elif len(tables) == 1:
            self._tables[sub] = tables[0]
        else:
            merged: dict[str, frozenset[str]] = {}
            for table in tables:
                merged.update(table)
            self._tables[sub] = merged

    def _subject_table(self, dom: str, subject: _Subject) -> Table | None:
        roles = [self._role_rules[(dom, r)] for r in subject.roles if (dom, r) in self._role_rules]
        if not subject.roles:
            return None
        if len(roles) == 1 and len(subject.roles) == 1:
            shared = self._shared.get((dom, next(iter(subject.roles))))
            if shared is not None:
                return shared
        table: dict[str, frozenset[str]] = {}
        workspace = set().union(*(r.workspace for r in roles))
        if workspace:
            table[dom] = self._intern(workspace)
        for role in roles:
            if role.has_scope("all"):
                for obj in self._apis_by_dom.get(dom, ()):
                    acts = role.actions(self._api_envs[obj], "all")
                    if acts:
                        table[obj] = self._intern(table.get(obj, _EMPTY) | acts)
        for obj in subject.reach:
            envs = self._api_envs.get(obj)
            if not envs:
                continue
            acts = set().union(*(r.actions(envs, "granted") for r in roles))
            if acts:
                table[obj] = self._intern(table.get(obj, _EMPTY) | acts)
        return table if table else _NO_TABLE

    # -- introspection (tests, stats) ----------------------------------------

    def subjects(self) -> Iterator[str]:
        """Every subject that has a table (an active subject with a role)."""
        return iter(list(self._tables))

    def snapshot(self) -> dict[str, dict[str, frozenset[str]]]:
        """A copy of every table, for comparing two indexes."""
        with self._lock:
            tables = {s: {o: a for o, a in t.items() if a} for s, t in self._tables.items()}
            aliases = {
                f"{dom} {alias}": {"->": frozenset({real})}
                for (dom, alias), real in self._aliases.items()
            }
        return {**tables, **aliases}


class _Work:
    """What one change touched, to rebuild afterwards."""

    __slots__ = ("apis", "new_aliases", "roles", "subjects")

    def __init__(self) -> None:
        self.subjects: set[_Key] = set()
        self.roles: set[_Key] = set()
        self.apis: set[str] = set()
        self.new_aliases: dict[_Key, str] = {}


def _toggle(target: set[str], value: str, sign: int) -> None:
    if sign > 0:
        target.add(value)
    else:
        target.discard(value)


_PREFIXES = ("user:", "customer:")


def _check_shape(rule: Rule) -> None:
    """Raise InvalidPolicy unless ``rule`` has a shape the compiler writes."""
    ptype = rule[0] if rule else ""
    ok = False
    if not all(isinstance(part, str) for part in rule):
        ok = False
    elif ptype == "p" and len(rule) == 6:
        _, role, dom, obj, act, scope = rule
        ok = role.startswith("role:") and (
            (scope == "workspace" and obj == dom and act in WORKSPACE_ACTIONS)
            or (scope in _SCOPES and obj.startswith("env:") and act in API_ACTIONS)
        )
    elif ptype == "g" and len(rule) == 4:
        _, sub, target, _dom = rule
        ok = (sub.startswith(_PREFIXES) and target.startswith("role:")) or (
            sub.startswith("cid:") and target.startswith("customer:")
        )
    elif ptype == "g2" and len(rule) == 4:
        _, src, dst, dom = rule
        api = dst.startswith(dom + "/")
        ok = (
            (src.startswith(_PREFIXES) and (api or dst.startswith("group:")))
            or (src.startswith("customer:") and dst.startswith("traffic:"))
            or (src.startswith(("group:", "traffic:")) and api)
            or (src.startswith("cid:") and dst.startswith("customer:"))
        )
    elif ptype == "g3" and len(rule) == 3:
        ok = "/" in rule[1] and rule[2].startswith("env:")
    if not ok:
        raise InvalidPolicy(
            f"policy line {', '.join(map(str, rule))!r} does not have a shape the "
            "rbac_kit compiler writes (see model.conf)"
        )
