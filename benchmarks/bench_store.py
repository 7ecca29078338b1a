"""Store benchmark: opening a large store, committing changes, and listing pages.

    python3 dev.py bench benchmarks/bench_store.py            # the issue's sizes, SQLite
    python3 dev.py bench benchmarks/bench_store.py --quick    # smoke run, under a minute
    python3 dev.py bench benchmarks/bench_store.py --postgres postgresql+psycopg://u@host/db

The store holds the workload of ``_workload.py`` (default 100k people, 2k
groups, 10k APIs, and a small neighbour workspace). Filling it is set-up, not
measured: its rows are the ones the store's sink writes for the same entities
(``rows_in_directory``, the sink's own row builder), bulk-inserted in one
transaction (by COPY on PostgreSQL, then VACUUM ANALYZE as autovacuum would)
with the compiled policy as ``casbin_rule`` and one audit event.
Before anything is timed the run checks that ``casbin_rule`` holds exactly the
compiled policy, and each opened Authorizer's policy equals a compile of the
generated directory (the loaded entities compile to the same lines).

Measured, on SQLite (a file) and on PostgreSQL when ``--postgres`` is given
(a schema of its own, dropped afterwards):

1. **open**: ``Store.open`` + ``open_authorizer`` + the first ``can``, each
   run in a fresh process, with the phases inside it;
2. **change**: one grant or group membership added or removed through
   ``Management`` (as the system), committed, and seen by ``can`` (p50 and
   p99), with the time spent in the store's sink (``Store.persist``);
3. **list**: ``Store.list`` pages of 50 rows with search and sort.

It prints a Markdown report; exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import multiprocessing as mp
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, create_engine, insert, text
from sqlalchemy.engine import make_url

import _workload as wl
import rbac_kit.store._store as store_mod
from _measure import load_average, parse_sized, percentile, rss_mb, sized_parser
from rbac_kit import SYSTEM, Authorizer, Management, Status, open_authorizer
from rbac_kit.model import Directory, PolicyOwner
from rbac_kit.policy import ChangeRecord, compile_directory
from rbac_kit.store import ListQuery, Store
from rbac_kit.store._engine import write_transaction
from rbac_kit.store._owners import TABLE_ORDER, rows_in_directory, table
from rbac_kit.store._rows import rule_row, workspace_row

#: Rows inserted per statement while filling the store.
CHUNK = 10_000

Rule = tuple[str, ...]

# -- filling the store (set-up) ----------------------------------------------------


def _owners(directory: Directory) -> list[PolicyOwner]:
    """Every policy owner of every workspace: all their rows are every row."""
    owners: list[PolicyOwner] = []
    for data in directory.workspaces():
        ws = data.workspace.id
        owners += [PolicyOwner("role", ws, r) for r in data.roles]
        owners += [PolicyOwner("group", ws, g) for g in data.groups]
        owners += [PolicyOwner("api", ws, a) for a in data.apis]
        owners += [PolicyOwner("subject", ws, p.subject) for p in data.people()]
    return owners


def _write(conn: Connection, name: str, values: list[dict[str, Any]]) -> None:
    """Insert rows; on PostgreSQL by COPY (the same values, much faster than INSERTs)."""
    if not values:
        return
    if conn.dialect.name != "postgresql" or name in _JSON_TABLES:
        for start in range(0, len(values), CHUNK):
            conn.execute(insert(table(name)), values[start : start + CHUNK])
        return
    columns = list(values[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row([row[c] for c in columns])


#: Tables with JSON columns: inserted through SQLAlchemy, which encodes them.
_JSON_TABLES = frozenset({"roles", "audit_events"})


def fill(store: Store, directory: Directory, rules: Iterable[Rule]) -> None:
    """Write ``directory`` and its policy into an empty store, as its sink would have."""
    rows = rows_in_directory(directory, _owners(directory))
    with write_transaction(store.engine) as conn:
        _write(conn, "workspaces", [workspace_row(d.workspace, 1) for d in directory.workspaces()])
        for name in TABLE_ORDER:
            _write(conn, name, list(rows[name].values()))
        _write(conn, "casbin_rule", [rule_row(rule) for rule in sorted(rules)])
        _write(
            conn,
            "audit_events",
            [
                {
                    "revision": 1,
                    "workspace": None,
                    "actor": "benchmark",
                    "action": "bulk_fill",
                    "target": "*",
                    "owners": [],
                    "before": {},
                    "after": {},
                    "time": dt.datetime.now(dt.UTC),
                }
            ],
        )
    if store.engine.dialect.name == "postgresql":
        # A server vacuums and analyses tables this size by itself (autovacuum) soon after.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            tables = ", ".join(("workspaces", *TABLE_ORDER, "casbin_rule", "audit_events"))
            conn.execute(text(f"VACUUM ANALYZE {tables}"))


def digest(rules: Iterable[Rule]) -> str:
    """A fingerprint of a set of policy lines."""
    h = hashlib.sha256()
    for rule in sorted(set(rules)):
        h.update("\x1f".join(rule).encode() + b"\n")
    return h.hexdigest()


@contextmanager
def database(kind: str, postgres: str | None) -> Iterator[str]:
    """The URL of a fresh database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="rbac-bench-")
        try:
            yield f"sqlite:///{folder}/store.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    assert postgres is not None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- measuring, in a child process -------------------------------------------------


class _Phases:
    """Wall seconds of the named steps inside ``open_authorizer``, taken by wrapping them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

        return timed


def _instrument() -> _Phases:
    """Time the steps of the real open path (the functions are wrapped, not replaced)."""
    phases = _Phases()
    store_mod.read_all = phases.wrap("read rows", store_mod.read_all)  # type: ignore[assignment]
    store_mod.build_directory = phases.wrap("build directory", store_mod.build_directory)  # type: ignore[assignment]
    import rbac_kit._authorizer as facade

    facade.compile_directory = phases.wrap("compile policy", facade.compile_directory)  # type: ignore[assignment]
    facade.DecisionIndex = phases.wrap("decision index", facade.DecisionIndex)  # type: ignore[assignment,misc]
    Store.sync_rules = phases.wrap("check casbin_rule", Store.sync_rules)  # type: ignore[method-assign]
    return phases


class _Warnings(logging.Handler):
    """Collects the store's warnings (a rewritten casbin_rule is one)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _open(url: str) -> tuple[Store, Authorizer, dict[str, Any]]:
    """Open the store and answer one question, timing each step."""
    phases = _instrument()
    warnings = _Warnings()
    logging.getLogger("rbac_kit").addHandler(warnings)
    start = time.perf_counter()
    store = Store.open(url)
    opened = time.perf_counter()
    authz = open_authorizer(store)
    loaded = time.perf_counter()
    authz.can("user:u1", "view_api", f"{wl.MAIN}/api-1")
    done = time.perf_counter()
    result = {
        "phases": {"Store.open (connect, check migrations)": opened - start, **phases.seconds},
        "first can": done - loaded,
        "total": done - start,
        "rss": rss_mb(),
        "digest": digest(authz.policy.rules()),
        "warnings": warnings.messages,
    }
    return store, authz, result


def _change_cases(authz: Authorizer, count: int, seed: int) -> list[tuple[str, ...]]:
    """Grants and memberships that change one member's access to one API, with the proof."""
    import random

    rng = random.Random(seed)
    data = authz.directory.workspace(wl.MAIN)
    users = sorted(
        u.id for u in data.users.values() if u.role == "member" and u.status == Status.ACTIVE
    )
    groups = sorted(g for g in data.groups if data.grants_by_target.get(f"group:{g}"))
    apis = sorted(data.apis)
    cases: list[tuple[str, ...]] = []
    while len(cases) < count:
        subject = f"user:{rng.choice(users)}"
        reach = data.access(subject)
        if rng.random() < 0.5:
            api = rng.choice(apis)
            if api not in reach:
                cases.append(("grant", subject, api))
        else:
            group = rng.choice(groups)
            new = sorted(data.grants_by_target[f"group:{group}"] - reach)
            if new and group not in data.users[subject[5:]].groups:
                cases.append(("member", subject, group, new[0]))
    return cases


class _TimedSink:
    """The store as an Authorizer's sink, timing each :meth:`Store.persist`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seconds: list[float] = []

    def persist(self, directory: Directory, change: ChangeRecord) -> int:
        start = time.perf_counter()
        try:
            return self.store.persist(directory, change)
        finally:
            self.seconds.append(time.perf_counter() - start)


def _changes(store: Store, opened: Authorizer, count: int, seed: int) -> dict[str, Any]:
    """Time each change plus the ``can`` that sees it; the share of ``Store.persist`` too.

    The changes go through an Authorizer on the opened one's directory and
    revision whose sink times the store's ``persist`` (building it is set-up).
    """
    sink = _TimedSink(store)
    authz = Authorizer(opened.directory, revision=opened.revision, sink=sink)
    access, groups = Management(authz).access, Management(authz).groups
    totals: dict[str, list[float]] = {"grant": [], "member": []}
    wrong = 0
    for case in _change_cases(authz, count, seed):
        kind, subject = case[0], case[1]
        api = case[2] if kind == "grant" else case[3]
        obj = f"{wl.MAIN}/{api}"
        for adding in (True, False):
            start = time.perf_counter()
            if kind == "grant" and adding:
                access.add(SYSTEM, workspace=wl.MAIN, api=api, targets=[subject])
            elif kind == "grant":
                access.remove(SYSTEM, workspace=wl.MAIN, api=api, target=subject)
            elif adding:
                groups.add_member(SYSTEM, workspace=wl.MAIN, group=case[2], subject=subject)
            else:
                groups.remove_member(SYSTEM, workspace=wl.MAIN, group=case[2], subject=subject)
            seen = authz.can(subject, "view_api", obj)
            totals[kind].append(time.perf_counter() - start)
            wrong += seen != adding
    every = totals["grant"] + totals["member"]
    return {"totals": totals, "all": every, "sink": sink.seconds, "wrong": wrong}


#: (label, kind, query, whether the < 50 ms target applies).
LISTS: list[tuple[str, str, ListQuery, bool]] = [
    ("users, search 'user12', sort name", "users", ListQuery(search="user12", sort="name"), True),
    (
        "users, search '@bench.example' (all), sort email",
        "users",
        ListQuery(search="@bench.example", sort="email"),
        True,
    ),
    (
        "users, search 'USER4242', sort email desc",
        "users",
        ListQuery(search="USER4242", sort="email", descending=True),
        True,
    ),
    (
        "users, search 'user1', sort groups (a count)",
        "users",
        ListQuery(search="user1", sort="groups"),
        True,
    ),
    ("users, no search, sort name, page 100", "users", ListQuery(sort="name", offset=5000), False),
    (
        "users, filter role + status, sort email",
        "users",
        ListQuery(filters={"role": "member", "status": "active"}, sort="email"),
        False,
    ),
    (
        "customers, search 'org 1', sort customer_id",
        "customers",
        ListQuery(search="org 1", sort="customer_id"),
        False,
    ),
    ("apis, search 'api-12', sort name", "apis", ListQuery(search="api-12", sort="name"), False),
    ("apis, sort customers (counted for all)", "apis", ListQuery(sort="customers"), False),
    ("groups, sort members", "groups", ListQuery(sort="members", descending=True), False),
]


def _lists(store: Store, reps: int) -> list[dict[str, Any]]:
    results = []
    for label, kind, query, target in LISTS:
        store.list(kind, wl.MAIN, query)  # warm the database's cache
        times, total = [], 0
        for _ in range(reps):
            start = time.perf_counter()
            page = store.list(kind, wl.MAIN, query)
            times.append(time.perf_counter() - start)
            total = page.total
        results.append({"label": label, "times": times, "total": total, "target": target})
    return results


def _child(url: str, work: dict[str, Any], conn: Pipe) -> None:
    store, authz, result = _open(url)
    if work["changes"]:
        result["changes"] = _changes(store, authz, work["changes"], work["seed"])
    if work["lists"]:
        result["lists"] = _lists(store, work["lists"])
    store.close()
    conn.send(result)


def _run_child(url: str, work: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(url, work, child))
    proc.start()
    child.close()
    try:
        result: dict[str, Any] = parent.recv()
    except EOFError:
        result = {"error": f"child exited with {proc.exitcode}"}
    proc.join()
    return result


# -- the report --------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "met" if met else "**NOT met**"


def _report_open(opens: list[dict[str, Any]], expected: str) -> bool:
    ok = all(o["digest"] == expected and not o["warnings"] for o in opens)
    totals = [o["total"] for o in opens]
    median = statistics.median(totals)
    print(f"**1. Open + first `can`** ({len(opens)} fresh processes; median run's phases):\n")
    run = sorted(opens, key=lambda o: o["total"])[len(opens) // 2]
    print("| phase | wall s |\n|---|---:|")
    for name, seconds in run["phases"].items():
        print(f"| {name} | {seconds:.2f} |")
    print(f"| first `can` | {run['first can'] * 1e3:.2f} ms |")
    print(
        f"| **total, median of {', '.join(f'{t:.1f}' for t in totals)}** (target < 10 s: "
        f"{_verdict(median < 10)}) | **{median:.2f}** |\n"
    )
    print(
        f"peak RSS {run['rss']:.0f} MB; policy equals a compile of the generated directory: "
        f"{'yes' if ok else 'NO'}"
        + (f"; warnings: {run['warnings']}" if run["warnings"] else "")
        + "\n"
    )
    return ok


def _report_changes(changes: dict[str, Any]) -> bool:
    every = changes["all"]
    p50, p99 = percentile(every, 0.5), percentile(every, 0.99)
    print(
        f"**2. One change committed and seen by `can`** ({len(every)} changes: "
        "a grant or a membership added, then removed):\n"
    )
    print("| change | count | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|")
    rows = [
        ("grant add/remove", changes["totals"]["grant"]),
        ("membership add/remove", changes["totals"]["member"]),
        ("all", every),
        ("of which in the store's sink", changes["sink"]),
    ]
    for label, values in rows:
        if values:
            print(
                f"| {label} | {len(values)} | {percentile(values, 0.5) * 1e3:.2f} |"
                f" {percentile(values, 0.99) * 1e3:.2f} | {max(values) * 1e3:.2f} |"
            )
    print(
        f"\np50 {p50 * 1e3:.2f} ms (target < 5 ms: {_verdict(p50 < 0.005)}),"
        f" p99 {p99 * 1e3:.2f} ms;"
        f" `can` saw {len(every) - changes['wrong']} of {len(every)} changes at once\n"
    )
    return changes["wrong"] == 0


def _report_lists(lists: list[dict[str, Any]]) -> None:
    reps = len(lists[0]["times"])
    print(f"**3. List pages of 50 rows** ({reps} runs each):\n")
    print("| page | matching | p50 ms | max ms | target < 50 ms |\n|---|---:|---:|---:|---|")
    for row in lists:
        p50 = percentile(row["times"], 0.5)
        target = _verdict(p50 < 0.05) if row["target"] else "(not a target)"
        print(
            f"| {row['label']} | {row['total']:,} | {p50 * 1e3:.1f} |"
            f" {max(row['times']) * 1e3:.1f} | {target} |"
        )
    print()


# -- the run -----------------------------------------------------------------------

_FULL: dict[str, Any] = {
    "people": 100_000,
    "groups": 2_000,
    "apis": 10_000,
    "opens": 3,
    "changes": 200,
    "list_reps": 20,
}
_QUICK: dict[str, Any] = {
    "people": 3_000,
    "groups": 60,
    "apis": 300,
    "opens": 2,
    "changes": 50,
    "list_reps": 5,
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = sized_parser(__doc__)
    p.add_argument("--opens", type=int, help="fresh processes timing the open (3)")
    p.add_argument("--changes", type=int, help="grant/membership cases, each added + removed (200)")
    p.add_argument("--list-reps", type=int, help="runs of each list page (20)")
    p.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    return parse_sized(p, argv, _FULL, _QUICK)


def _backend(kind: str, args: argparse.Namespace, work: wl.Workload, rules: list[Rule]) -> bool:
    print(f"## {kind}\n")
    with database(kind, args.postgres) as url:
        with Store.open(url) as store:
            start = time.perf_counter()
            fill(store, work.directory, rules)
            filled = time.perf_counter() - start
            in_step = store.rules() == sorted(rules)
        print(
            f"filled by bulk insert in {filled:.1f} s (set-up, not measured); "
            f"casbin_rule holds exactly the compiled policy: {'yes' if in_step else 'NO'}\n"
        )
        expected = digest(rules)
        opens = []
        for i in range(args.opens):
            last = i == args.opens - 1
            job = {
                "changes": args.changes if last else 0,
                "lists": args.list_reps if last else 0,
                "seed": args.seed,
            }
            result = _run_child(url, job)
            if "error" in result:
                print(f"open failed: {result['error']}\n")
                return False
            opens.append(result)
        ok = _report_open(opens, expected) and in_step
        ok = _report_changes(opens[-1]["changes"]) and ok
        _report_lists(opens[-1]["lists"])
    print(f"after {kind}: {load_average()}\n")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report; 1 if a check fails."""
    args = _parse(argv)
    sizes = wl.Sizes(people=args.people, groups=args.groups, apis=args.apis)
    print(f"# rbac_kit store benchmark, {dt.date.today().isoformat()}")
    print(f"Python {platform.python_version()} on {platform.platform()}, {mp.cpu_count()} CPUs")
    print(f"main workspace: {sizes}; seed {args.seed}; {load_average()}\n")
    start = time.perf_counter()
    work = wl.build(sizes, seed=args.seed)
    rules = sorted(compile_directory(work.directory).rules())
    built = time.perf_counter() - start
    print(f"workload built and compiled in {built:.1f} s ({len(rules):,} lines)\n")
    ok = True
    for kind in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
        ok = _backend(kind, args, work, rules) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
