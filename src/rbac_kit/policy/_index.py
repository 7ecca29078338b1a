"""The decision index: the compiled policy turned into lookups.

Built from the same lines Casbin loads (``model.conf`` semantics), it answers
``can(subject, action, object)`` with two dictionary lookups and one set
lookup: ``tables[subject][object]`` is the frozenset of actions the subject
may perform on the object. A Customer ID alias (``cid:<Customer ID>``) has a
table of its own, holding the customer's tables of the workspaces where the
alias holds, so asking by Customer ID costs what asking by customer does.
Nothing is parsed or evaluated per question.

Beside the tables the index keeps the lines as facts (who holds which role,
who is in which group or carries which Customer ID, what is granted to whom)
and applies a :class:`PolicyDelta` incrementally: only the tables of the
subjects, roles and APIs it touches are rebuilt, each from the facts as they
are, so no count can drift. The first build is the same code with nothing to
mark beyond the subjects themselves (see :meth:`DecisionIndex._load`).

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
from itertools import chain
from types import MappingProxyType
from typing import TypeAlias

from ..model._catalog import API_ACTIONS, WORKSPACE_ACTIONS, check_action
from ._policy import PolicyDelta, Rule
from ._records import (
    Grants,
    Key,
    RoleRules,
    Subject,
    Work,
    cyclic_gc_paused,
    discard,
    set_or_pop,
    toggle,
)
from ._shape import SUBJECT_PREFIXES, check_shape

__all__ = ["DecisionIndex"]

_KNOWN_ACTIONS = API_ACTIONS | WORKSPACE_ACTIONS
_EMPTY: frozenset[str] = frozenset()
_NO_TABLE: Mapping[str, frozenset[str]] = MappingProxyType({})
_NO_SHARED: Mapping[str, dict[str, frozenset[str]]] = MappingProxyType({})
#: The nodes a subject reaches APIs through: its groups and its Customer ID.
_NODE_PREFIXES = ("group:", "traffic:")

Table: TypeAlias = Mapping[str, frozenset[str]]


class DecisionIndex:
    """Answers decisions from a compiled policy; applies policy deltas in place."""

    def __init__(self, rules: Iterable[Rule] = (), *, revision: int = 0) -> None:
        # -- read side: what questions look at ----------------------------
        self._tables: dict[str, Table] = {}  # subject or cid: alias -> table
        # -- the lines, as facts ---------------------------------------------
        self._role_rules: dict[Key, RoleRules] = {}
        self._holders: dict[Key, set[str]] = defaultdict(set)  # role -> subjects
        # domain -> every role named in its lines (a superset: never shrinks), so the
        # list questions look at one workspace's roles, not every workspace's.
        self._dom_roles: dict[str, set[str]] = defaultdict(set)
        self._subjects: dict[Key, Subject] = {}
        self._sub_domains: dict[str, set[str]] = defaultdict(set)
        self._members: dict[Key, set[str]] = defaultdict(set)  # group/traffic node -> subjects
        self._node_apis: dict[Key, set[str]] = defaultdict(set)  # node -> APIs granted to it
        self._granted_to: dict[str, set[Key]] = defaultdict(set)  # API -> nodes
        self._grantees: dict[str, set[Key]] = defaultdict(set)  # API -> subjects, granted directly
        self._aliases: dict[Key, str] = {}  # (domain, cid:...) -> customer
        self._aliased: dict[Key, set[str]] = {}  # (domain, customer) -> its cid: aliases
        self._alias_domains: dict[str, set[str]] = {}  # cid:... -> domains it is an alias in
        self._g2_aliases: dict[Key, str] = {}
        self._api_envs: dict[str, frozenset[str]] = {}  # interned, so they key caches
        self._apis_by_dom: dict[str, set[str]] = defaultdict(set)
        self._obj_dom: dict[str, str] = {}
        # -- derived, to build tables from -----------------------------------
        self._dom_tables: dict[Key, Table] = {}
        self._shared: dict[str, dict[str, dict[str, frozenset[str]]]] = {}  # domain -> role
        self._grants: dict[str, dict[frozenset[str], Grants]] = {}  # domain -> role set
        # Names whose table is a merged copy holding a shared table of a domain, which
        # must be merged again when that shared table changes in place.
        self._merged_in: dict[str, set[str]] = {}  # domain -> names
        self._merged_domains: dict[str, set[str]] = {}  # name -> domains
        # Subjects whose own table lists every API of an all-APIs role (a role that
        # also has granted APIs, or one of several roles): any API change reaches them.
        self._all_apis: dict[str, set[str]] = {}  # domain -> subjects
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        # Every line applied, so a line is counted once however often it is sent.
        self._lines: set[Rule] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._revision = revision
        self._load(rules)

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
        acts = self._tables.get(subject, _NO_TABLE).get(obj)
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

    def apis_for(self, subject: str, action: str) -> set[str]:
        """Every object (API, or workspace for a workspace-level action) ``can`` allows."""
        check_action(action)
        with self._lock:  # a shared table is updated key by key: no change in flight
            table = self._tables.get(subject, _NO_TABLE)
            return {obj for obj, acts in table.items() if action in acts}

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
            for role in self._dom_roles.get(dom, _EMPTY):
                candidates |= self._holders.get((dom, role), _EMPTY)
        else:
            candidates = self._api_candidates(dom, obj, action)
        return {s for s in candidates if action in self._tables.get(s, {}).get(obj, _EMPTY)}

    def _api_candidates(self, dom: str, obj: str, action: str) -> set[str]:
        envs = self._api_envs.get(obj, _EMPTY)
        candidates: set[str] = set()
        for role in self._dom_roles.get(dom, _EMPTY):
            rules = self._role_rules.get((dom, role))
            if rules is not None and action in rules.actions(envs, "all"):
                candidates |= self._holders.get((dom, role), _EMPTY)
        return candidates | {sub for _, sub in self._reaching(obj)}

    def _reaching(self, obj: str) -> set[Key]:
        """The subjects with access to API ``obj``: granted it, or through a node."""
        found = set(self._grantees.get(obj, ()))
        for node in self._granted_to.get(obj, ()):
            dom = node[0]
            found.update((dom, sub) for sub in self._members.get(node, ()))
        return found

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
            check_shape(rule)
        with self._changed:
            # As in Casbin, removing an absent line or adding a present one changes
            # nothing.
            removed = [r for r in delta.removed if r in self._lines]
            added = [r for r in delta.added if r not in self._lines or r in delta.removed]
            self._lines.difference_update(removed)
            self._lines.update(added)
            work = Work()
            for rule in removed:
                self._line(rule, -1, work)
            for rule in added:
                self._line(rule, +1, work)
            self._rebuild(work)
            self._revision = self._revision + 1 if revision is None else revision
            self._changed.notify_all()

    def _load(self, rules: Iterable[Rule]) -> None:
        """The first build: what ``apply`` does, without its marking.

        Applying a line marks what it reaches for rebuilding: a grant to a
        group marks every member, an API every subject reaching it, a role
        every holder. Into an empty index every subject and alias is marked by
        its own lines anyway, so :class:`Work` is ``fresh`` and those marks
        (millions for 100k people) are skipped. The tests check that both ways
        build the same index.

        Raises:
            InvalidPolicy: a line the compiler would never write.
        """
        lines = set(rules)
        for rule in lines:
            check_shape(rule)
        with cyclic_gc_paused():
            work = Work(fresh=True)
            for rule in lines:
                self._line(rule, +1, work)
            self._lines = lines
            self._rebuild(work)

    def _line(self, rule: Rule, sign: int, work: Work) -> None:
        ptype = rule[0]
        if ptype == "p":
            _, role, dom, obj, act, scope = rule
            rules = self._role_rules.setdefault((dom, role), RoleRules())
            target = (
                rules.workspace
                if scope == "workspace"
                else (rules.api.setdefault(obj, {}).setdefault(scope, set()))
            )
            toggle(target, act, sign)
            self._obj_dom[dom] = dom
            self._dom_roles[dom].add(role)
            work.roles.add((dom, role))
        elif ptype == "g":
            _, sub, role, dom = rule
            if sub.startswith("cid:"):
                self._alias(dom, sub, role, sign)
                work.aliases.add(sub)
                return
            toggle(self._holders[(dom, role)], sub, sign)
            self._dom_roles[dom].add(role)
            toggle(self._subject(dom, sub).roles, role, sign)
            self._obj_dom[dom] = dom
            work.subjects.add((dom, sub))
        elif ptype == "g2":
            self._access(rule, sign, work)
        else:
            self._environment(rule, sign, work)

    def _alias(self, dom: str, cid: str, customer: str, sign: int) -> None:
        """Point ``cid`` at ``customer`` in ``dom``, or stop; its table follows in _rebuild."""
        key = (dom, cid)
        old = self._aliases.get(key)
        if sign > 0:
            if old is not None:
                discard(self._aliased, (dom, old), cid)
            self._aliases[key] = customer
            self._aliased.setdefault((dom, customer), set()).add(cid)
            self._alias_domains.setdefault(cid, set()).add(dom)
        elif old == customer:
            del self._aliases[key]
            discard(self._aliased, (dom, customer), cid)
            discard(self._alias_domains, cid, dom)

    def _access(self, rule: Rule, sign: int, work: Work) -> None:
        """A g2 line: an alias, a direct grant, a membership, or a grant to a node."""
        _, src, dst, dom = rule
        if src.startswith("cid:"):
            if sign > 0:
                self._g2_aliases[(dom, src)] = dst
            elif self._g2_aliases.get((dom, src)) == dst:
                del self._g2_aliases[(dom, src)]
        elif src.startswith(SUBJECT_PREFIXES):
            subject = self._subject(dom, src)
            if dst.startswith(_NODE_PREFIXES):
                toggle(subject.nodes, dst, sign)
                toggle(self._members[(dom, dst)], src, sign)
            else:
                toggle(subject.direct, dst, sign)
                toggle(self._grantees[dst], (dom, src), sign)
            work.subjects.add((dom, src))
        else:
            node = (dom, src)
            toggle(self._node_apis[node], dst, sign)
            toggle(self._granted_to[dst], node, sign)
            if not work.fresh:
                work.subjects.update((dom, sub) for sub in self._members.get(node, ()))

    def _environment(self, rule: Rule, sign: int, work: Work) -> None:
        """A g3 line: an API is in an environment (and in env:all), in its domain."""
        _, obj, env, dom = rule
        envs = self._api_envs.get(obj, _EMPTY)
        envs = self._intern(envs | {env} if sign > 0 else envs - {env})
        if envs:
            self._api_envs[obj] = envs
            self._apis_by_dom[dom].add(obj)
            self._obj_dom[obj] = dom
        else:
            self._api_envs.pop(obj, None)
            self._apis_by_dom[dom].discard(obj)
            self._obj_dom.pop(obj, None)
        work.apis.add(obj)

    def _subject(self, dom: str, sub: str) -> Subject:
        key = (dom, sub)
        subject = self._subjects.get(key)
        if subject is None:
            subject = self._subjects[key] = Subject()
            self._sub_domains[sub].add(dom)
        return subject

    # -- rebuilding tables ---------------------------------------------------

    def _intern(self, actions: Iterable[str]) -> frozenset[str]:
        key = frozenset(actions)
        return self._interned.setdefault(key, key)

    def _rebuild(self, work: Work) -> None:
        """Rebuild what a change touched: roles, then APIs, then subjects and aliases."""
        for key in work.roles:
            self._rebuild_role(key, work)
        if not work.fresh:
            # (Into an empty index every role is rebuilt above, from every API.)
            for obj in work.apis:
                self._rebuild_api(obj, work)
        for dom, sub in work.subjects:
            self._rebuild_subject(dom, sub)
            work.aliases.update(self._aliased.get((dom, sub), ()))
        for name in work.merged:
            if name.startswith("cid:"):
                work.aliases.add(name)
            else:
                self._merge_subject(name)
        for cid in work.aliases:
            self._rebuild_alias(cid)

    def _rebuild_role(self, key: Key, work: Work) -> None:
        """A role's lines changed: its shared table (if all-APIs) and its holders."""
        dom, role = key
        rules = self._role_rules.get(key)
        if rules is not None and rules.empty():
            del self._role_rules[key]
            rules = None
        # The role sets of this domain may mean something else now.
        self._grants.pop(dom, None)
        if not work.fresh:
            work.subjects.update((dom, s) for s in self._holders.get(key, ()))
        shared = self._shared.setdefault(dom, {})
        if rules is not None and not rules.has_scope("granted"):
            shared[role] = self._shared_table(dom, rules)
        else:
            shared.pop(role, None)
        if not shared:
            del self._shared[dom]

    def _rebuild_api(self, obj: str, work: Work) -> None:
        """Bring the shared tables and cached grants of the domain up to date on ``obj``."""
        dom = obj.partition("/")[0]
        envs = self._api_envs.get(obj)
        for role, table in self._shared.get(dom, _NO_SHARED).items():
            if (dom, role) in work.roles:
                continue
            acts = self._role_rules[(dom, role)].actions(envs or _EMPTY, "all")
            set_or_pop(table, obj, self._intern(acts))
            work.merged.update(self._merged_in.get(dom, ()))
        for grants in self._grants.get(dom, {}).values():
            acts = grants.granted_on(envs) if envs is not None else set()
            set_or_pop(grants.granted, obj, self._intern(acts))
        work.subjects.update(self._reaching(obj))
        work.subjects.update((dom, s) for s in self._all_apis.get(dom, ()))

    def _shared_table(self, dom: str, rules: RoleRules) -> dict[str, frozenset[str]]:
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
        discard(self._all_apis, dom, sub)
        table = self._subject_table(dom, sub, subject) if subject is not None else None
        if table is None:
            self._dom_tables.pop(key, None)
        else:
            self._dom_tables[key] = table
        if subject is not None and subject.empty():
            del self._subjects[key]
            self._sub_domains[sub].discard(dom)
        self._merge_subject(sub)

    def _merge_subject(self, sub: str) -> None:
        """Swap in ``sub``'s table from its tables of each domain."""
        domains = self._sub_domains.get(sub, set())
        tables = self._dom_tables
        self._swap_in(sub, {d: tables[(d, sub)] for d in domains if (d, sub) in tables})
        if not domains:
            self._sub_domains.pop(sub, None)

    def _rebuild_alias(self, cid: str) -> None:
        """Give ``cid`` the tables of the customers it names, one per domain."""
        tables: dict[str, Table] = {}
        for dom in self._alias_domains.get(cid, ()):
            table = self._dom_tables.get((dom, self._aliases[(dom, cid)]))
            if table is not None:
                tables[dom] = table
        self._swap_in(cid, tables)

    def _swap_in(self, name: str, tables: dict[str, Table]) -> None:
        """Make ``name``'s table the union of its ``tables`` by domain, in one assignment.

        One domain's table is used as it is; several are merged into a copy, and
        a copy holding a shared table is noted, to be merged again when an API
        change updates that shared table in place.
        """
        for dom in self._merged_domains.pop(name, ()):
            discard(self._merged_in, dom, name)
        if not tables:
            self._tables.pop(name, None)
        elif len(tables) == 1:
            (self._tables[name],) = tables.values()
        else:
            merged: dict[str, frozenset[str]] = {}
            for table in tables.values():
                merged.update(table)  # objects carry their domain: keys never collide
            self._tables[name] = merged
            shared = {d for d, t in tables.items() if self._is_shared(d, t)}
            if shared:
                self._merged_domains[name] = shared
                for dom in shared:
                    self._merged_in.setdefault(dom, set()).add(name)

    def _is_shared(self, dom: str, table: Table) -> bool:
        return any(table is shared for shared in self._shared.get(dom, _NO_SHARED).values())

    def _subject_table(self, dom: str, sub: str, subject: Subject) -> Table | None:
        """``sub``'s table in ``dom`` (None without a role): shared when one role allows it."""
        if not subject.roles:
            return None
        if len(subject.roles) == 1:
            shared = self._shared.get(dom, _NO_SHARED).get(next(iter(subject.roles)))
            if shared is not None:
                return shared
        grants = self._grants_of(dom, subject.roles)
        granted = grants.granted
        table = (
            {obj: granted[obj] for obj in self._reached(dom, subject) if obj in granted}
            if granted
            else {}
        )
        if grants.workspace:
            table[dom] = grants.workspace
        if grants.all_scope:
            self._all_apis.setdefault(dom, set()).add(sub)
        for role in grants.all_scope:
            for obj in self._apis_by_dom.get(dom, ()):
                acts = role.actions(self._api_envs[obj], "all")
                if acts:
                    table[obj] = self._intern(table.get(obj, _EMPTY) | acts)
        return table if table else _NO_TABLE

    def _reached(self, dom: str, subject: Subject) -> Iterator[str]:
        """The APIs ``subject`` has access to (once or more each)."""
        node_apis = self._node_apis
        return chain(subject.direct, *(node_apis.get((dom, n), ()) for n in subject.nodes))

    def _grants_of(self, dom: str, roles: set[str]) -> Grants:
        """The cached grants of ``roles`` in ``dom``, worked out on first use."""
        by_set = self._grants.setdefault(dom, {})
        key = frozenset(roles)
        grants = by_set.get(key)
        if grants is None:
            rules = [self._role_rules[(dom, r)] for r in key if (dom, r) in self._role_rules]
            workspace = self._intern(set().union(*(r.workspace for r in rules)))
            grants = by_set[key] = Grants(rules, workspace)
            if grants.granted_scope:
                # APIs come in a few environment sets: one answer for each set.
                by_envs: dict[frozenset[str], frozenset[str]] = {}
                for obj in self._apis_by_dom.get(dom, ()):
                    envs = self._api_envs[obj]
                    acts = by_envs.get(envs)
                    if acts is None:
                        acts = by_envs[envs] = self._intern(grants.granted_on(envs))
                    if acts:
                        grants.granted[obj] = acts
        return grants

    # -- introspection (tests, stats) ----------------------------------------

    def subjects(self) -> Iterator[str]:
        """Every subject that has a table (an active subject with a role)."""
        return iter([s for s in list(self._tables) if not s.startswith("cid:")])

    def snapshot(self) -> dict[str, dict[str, frozenset[str]]]:
        """A copy of every table, for comparing two indexes."""
        with self._lock:
            tables = {s: {o: a for o, a in t.items() if a} for s, t in self._tables.items()}
            aliases = {
                f"{dom} {alias}": {"->": frozenset({real})}
                for (dom, alias), real in self._aliases.items()
            }
        return {**tables, **aliases}
