"""Import benchmark: a CSV import of users with passwords against hashing the same passwords.

    python3 dev.py bench benchmarks/bench_import.py            # 10,000 users, 3 rounds
    python3 dev.py bench benchmarks/bench_import.py --quick    # 1,000 users, smoke run

The issue's target: importing 10,000 users with passwords takes at most 1.15x
the time of hashing 10,000 passwords with the same argon2id parameters on the
same cores; everything but hashing must be negligible.

Each round runs three things, in an order that rotates from round to round
so that machine noise falls on all of them alike:

- ``hash, process pool``: the plain way to hash on every core, independent of
  rbac_kit: a ``ProcessPoolExecutor`` (spawn) of one worker per core, each
  running ``argon2.PasswordHasher`` with OWASP's parameters over its share of
  the passwords; starting the pool is counted;
- ``hash, threads``: :func:`rbac_kit.hash_passwords`, the hashing the import
  itself uses (a thread per core; argon2-cffi releases the GIL);
- ``import``: :func:`rbac_kit.import_people` of the whole file into a fresh
  SQLite store holding workspace ``acme`` (set up before the clock starts),
  as its Owner, every row with a password, a role and one or two groups:
  reading and checking the file, hashing, and the one change (people rows,
  ``casbin_rule`` rows, audit event, decision index). Its phases are timed
  from its progress reports: before the first hash, hashing, after the last.

After each import (not timed) the run checks that every row became a person,
that ``casbin_rule`` holds the compiled policy, and that a sample of the
stored hashes verifies. It prints a Markdown report of medians; exit status
1 if a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import argon2

from rbac_kit import SYSTEM, Management, User, Workspace, import_people, open_authorizer
from rbac_kit.onboarding import OWASP_ARGON2ID, default_workers, hash_passwords, verify_password
from rbac_kit.store import Store

TARGET = 1.15
OWNER = "user:owner"
GROUPS = ("ops", "support", "sales", "lobby")


def _passwords(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = ["correct", "horse", "battery", "staple", "orbit", "maple", "quartz", "delta"]
    return [f"{' '.join(rng.sample(words, 3))} {i}" for i in range(n)]


def _csv(passwords: Sequence[str], seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["email,name,role,groups,password"]
    for i, password in enumerate(passwords):
        groups = ";".join(rng.sample(GROUPS, rng.randint(1, 2)))
        role = "member" if i % 10 else "no_access"
        lines.append(f"user{i}@example.com,User {i},{role},{groups},{password}")
    return ("\n".join(lines) + "\n").encode()


# -- the three runs ----------------------------------------------------------------------


def _hash_chunk(passwords: Sequence[str]) -> list[str]:
    hasher = argon2.PasswordHasher(
        time_cost=OWASP_ARGON2ID.time_cost,
        memory_cost=OWASP_ARGON2ID.memory_cost,
        parallelism=OWASP_ARGON2ID.parallelism,
        hash_len=OWASP_ARGON2ID.hash_len,
        salt_len=OWASP_ARGON2ID.salt_len,
        type=argon2.Type.ID,
    )
    return [hasher.hash(p) for p in passwords]


def _cpu() -> float:
    """CPU seconds of this process (all its threads) and of its reaped children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


#: (wall seconds, CPU seconds) of one run.
Timing = tuple[float, float]


def hash_in_processes(passwords: Sequence[str], workers: int) -> Timing:
    """Hash every password on a spawned process pool, start-up included."""
    size = -(-len(passwords) // (workers * 8))  # 8 tasks per worker evens out the ends
    chunks = [passwords[i : i + size] for i in range(0, len(passwords), size)]
    start, cpu = time.perf_counter(), _cpu()
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        hashes = [h for part in pool.map(_hash_chunk, chunks) for h in part]
    timing = time.perf_counter() - start, _cpu() - cpu  # the workers are reaped by now
    assert len(hashes) == len(passwords)
    return timing


def hash_in_threads(passwords: Sequence[str], workers: int) -> Timing:
    """:func:`rbac_kit.hash_passwords`, the import's own hashing."""
    start, cpu = time.perf_counter(), _cpu()
    hashes = hash_passwords(passwords, workers=workers)
    timing = time.perf_counter() - start, _cpu() - cpu
    assert len(hashes) == len(passwords)
    return timing


def _fresh_store(folder: Path, name: str) -> Store:
    """A SQLite store holding workspace acme, its Owner and the groups the file names."""
    store = Store.open(f"sqlite:///{folder / name}.db")
    mgmt = Management(open_authorizer(store))
    owner = User(workspace="acme", id="owner", email="boss@acme.io", name="Boss", role="owner")
    mgmt.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=owner)
    for group in GROUPS:
        mgmt.groups.create(OWNER, workspace="acme", name=group.title(), id=group)
    return store


def run_import(
    data: bytes, passwords: Sequence[str], workers: int, folder: Path, name: str
) -> tuple[Timing, tuple[float, float, float], bool]:
    """(wall, CPU) seconds of one import, its phases (before, hashing, after), and its check."""
    with _fresh_store(folder, name) as store:
        authz = open_authorizer(store)
        marks: list[float] = []
        start, cpu = time.perf_counter(), _cpu()
        report = import_people(
            authz,
            OWNER,
            "acme",
            "users",
            data,
            workers=workers,
            progress=lambda done, total: marks.append(time.perf_counter()),
        )
        end, cpu = time.perf_counter(), _cpu() - cpu
        ok = _check(store, report.people, passwords)
    # The first report comes after the first task of hashes: count that task as hashing.
    first = marks[0] - (marks[-1] - marks[0]) / max(1, len(marks) - 1)
    phases = (first - start, marks[-1] - first, end - marks[-1])
    return (end - start, cpu), phases, ok


def _check(store: Store, people: Sequence[object], passwords: Sequence[str]) -> bool:
    authz = open_authorizer(store)
    loaded = authz.directory.workspace("acme")
    every = len(people) == len(passwords) and len(loaded.users) == len(passwords) + 1
    rules = sorted(authz.policy.rules()) == store.rules()
    by_email = {u.email: u for u in loaded.users.values()}
    sample = random.Random(1).sample(range(len(passwords)), min(5, len(passwords)))
    verified = all(
        verify_password(by_email[f"user{i}@example.com"].password_hash, passwords[i])
        for i in sample
    )
    if not (every and rules and verified):
        print(f"  CHECK FAILED: all people {every}, casbin_rule {rules}, hashes {verified}")
    return every and rules and verified


# -- the report ----------------------------------------------------------------------------


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--users", type=int, help="rows in the file (10000)")
    p.add_argument("--rounds", type=int, help="rounds of the three runs (3)")
    p.add_argument("--workers", type=int, default=default_workers(), help="cores to hash on")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--quick", action="store_true", help="1,000 users: a smoke run")
    args = p.parse_args(argv)
    if args.users is None:
        args.users = 1_000 if args.quick else 10_000
    if args.rounds is None:
        args.rounds = 3
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the report; 1 if a check fails."""
    args = _parse(argv)
    passwords = _passwords(args.users, args.seed)
    data = _csv(passwords, args.seed)
    o = OWASP_ARGON2ID
    print(f"# rbac_kit import benchmark, {dt.date.today().isoformat()}")
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(
        f"{args.users:,} users ({len(data) / 1e6:.1f} MB of CSV), argon2id m={o.memory_cost} KiB "
        f"t={o.time_cost} p={o.parallelism}, {args.workers} workers, {args.rounds} rounds; "
        f"load average at start {os.getloadavg()[0]:.2f}\n"
    )
    times: dict[str, list[Timing]] = {"process": [], "threads": [], "import": []}
    phases: list[tuple[float, float, float]] = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            runs: list[tuple[str, Callable[[], Timing]]] = [
                ("process", lambda: hash_in_processes(passwords, args.workers)),
                ("threads", lambda: hash_in_threads(passwords, args.workers)),
            ]
            order = ["process", "threads", "import"]
            order = order[r % 3 :] + order[: r % 3]
            named = dict(runs)
            for name in order:
                if name == "import":
                    timing, parts, good = run_import(
                        data, passwords, args.workers, Path(tmp), f"round{r}"
                    )
                    ok = ok and good
                    phases.append(parts)
                    times["import"].append(timing)
                else:
                    times[name].append(named[name]())
                wall, cpu = times[name][-1]
                print(
                    f"  round {r + 1}: {name} {wall:.2f} s wall, {cpu:.2f} s CPU, "
                    f"load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
    _report(times, phases, args)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


def _report(
    times: dict[str, list[Timing]], phases: list[tuple[float, float, float]], a: argparse.Namespace
) -> None:
    med = {name: statistics.median(t[0] for t in values) for name, values in times.items()}
    cpu = {name: statistics.median(t[1] for t in values) for name, values in times.items()}
    base = min(med["process"], med["threads"])
    labels = {
        "process": "hash, ProcessPoolExecutor (argon2-cffi)",
        "threads": "hash, `hash_passwords` (threads)",
        "import": "`import_people` (check + hash + one change)",
    }
    print(f"\n{a.users:,} passwords, medians of {a.rounds} rounds:\n")
    print(
        "| run | median wall s | min s | max s | / fastest hashing | median CPU s |"
        " CPU / process-pool CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("process", "threads", "import"):
        walls = [t[0] for t in times[name]]
        print(
            f"| {labels[name]} | {med[name]:.2f} | {min(walls):.2f} | {max(walls):.2f} |"
            f" {med[name] / base:.3f}x | {cpu[name]:.2f} | {cpu[name] / cpu['process']:.3f}x |"
        )
    before, hashing, after = (statistics.median(p[i] for p in phases) for i in range(3))
    print("\n| import phase | median s | share |\n|---|---:|---:|")
    total = med["import"]
    for label, value in (
        ("read and check the file (before hashing)", before),
        ("hash the passwords", hashing),
        ("the change: check again, put people, commit, index", after),
    ):
        print(f"| {label} | {value:.2f} | {value / total:.1%} |")
    ratio = med["import"] / med["process"]
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(
        f"\nimport / process-pool hashing = {ratio:.3f}x (target <= {TARGET}x: {verdict}); "
        f"import / threads hashing = {med['import'] / med['threads']:.3f}x; in CPU time "
        f"{cpu['import'] / cpu['process']:.3f}x and {cpu['import'] / cpu['threads']:.3f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
