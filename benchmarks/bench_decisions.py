"""Decision benchmark: ``can`` against a dict-and-set floor and against pycasbin.

    python3 dev.py bench benchmarks/bench_decisions.py            # the issue's sizes
    python3 dev.py bench benchmarks/bench_decisions.py --quick    # smoke run, < 30 s

One run builds the workload of ``_workload.py`` (default 100k people, 2k
groups, 10k APIs), times directory fill, ``compile_directory`` and the
``DecisionIndex`` build (wall and CPU time, peak RSS), checks every answer of
``can`` and ``can_many`` against :func:`rbac_kit.policy._explain.explain` (not
timed), then times per call, in batches of 1000 calls repeated and
interleaved with the baselines:

- ``can``: ``DecisionIndex.can(subject, action, obj)``;
- ``floor``: ``obj in table.get(key, ())``, one dict and one set lookup over
  a dict of sets giving the same answers (``key`` is the subject and action
  joined beforehand, so the floor does no work for the action);
- ``nested``: ``action in t.get(sub, {}).get(obj, ())``, the same answers
  from two dicts and a set, the cheapest shape a 3-part question can take;
- ``noop``: a function returning False, called the same way (loop and call cost).

Then ``can_many`` throughput, single-call percentiles, and pycasbin's
``Enforcer`` (through :class:`rbac_kit.policy.casbin.CasbinReference`) on growing versions
of the same workload, each in a child process, up to the largest size whose
enforcer build plus a sample of checks finishes within ``--casbin-budget``.
It prints a Markdown report; exit status 1 if any answer disagrees.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import multiprocessing as mp
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import _workload as wl
from _measure import parse_sized, percentile, rss_mb, sized_parser
from rbac_kit.policy import DecisionIndex, compile_directory
from rbac_kit.policy.casbin import CasbinReference

BATCH = 1000
CASBIN_SIZES = (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000)
CASBIN_SAMPLE = 300

Call3 = tuple[str, str, str]
Call2 = tuple[str, str]
#: A function, the argument tuples to call it with, and the loop that times a batch of them.
Runner = tuple[Callable[..., bool], Sequence[Any], Callable[..., int]]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()`` with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _loop3(fn: Callable[[str, str, str], bool], batch: Sequence[Call3]) -> int:
    start = time.perf_counter_ns()
    for s, a, o in batch:
        fn(s, a, o)
    return time.perf_counter_ns() - start


def _loop2(fn: Callable[[str, str], bool], batch: Sequence[Call2]) -> int:
    start = time.perf_counter_ns()
    for k, o in batch:
        fn(k, o)
    return time.perf_counter_ns() - start


def _copy(text: str) -> str:
    """An equal string that is another object, as a table's keys are to a request's strings."""
    return (text + " ")[:-1]


class Baselines:
    """The floor and nested-dict tables holding the expected answers, and their functions."""

    def __init__(self, work: wl.Workload, questions: Sequence[wl.Question], answers: list[bool]):
        people = {*work.users, *work.customers, *work.neighbour_people}
        self.flat: dict[str, set[str]] = {}
        self.nested: dict[str, dict[str, set[str]]] = {}
        for q, allowed in zip(questions, answers, strict=True):
            if q.subject in people:  # a known subject's lookups hit a (maybe empty) set
                self.flat.setdefault(f"{q.subject} {q.action}", set())
                self.nested.setdefault(_copy(q.subject), {})
            if allowed:
                obj = _copy(q.obj)
                self.flat.setdefault(f"{q.subject} {q.action}", set()).add(obj)
                self.nested.setdefault(_copy(q.subject), {}).setdefault(obj, set()).add(q.action)
        self.keys: list[Call2] = [(f"{q.subject} {q.action}", q.obj) for q in questions]

    def floor_fn(self) -> Callable[[str, str], bool]:
        """One dict lookup and one set lookup."""
        table = self.flat

        def floor(sub: str, obj: str) -> bool:
            return obj in table.get(sub, ())

        return floor

    def nested_fn(self) -> Callable[[str, str, str], bool]:
        """Two dict lookups and one set lookup."""
        tables = self.nested
        empty: dict[str, set[str]] = {}

        def nested(sub: str, act: str, obj: str) -> bool:
            return act in tables.get(sub, empty).get(obj, ())

        return nested


def _noop(sub: str, act: str, obj: str) -> bool:
    return False


def _batch_timings(
    runners: dict[str, Runner],
    reps: int,
    size: int = BATCH,
) -> dict[str, list[float]]:
    """ns per call of each runner over each batch; the runners take turns going first."""
    names = list(runners)
    samples: dict[str, list[float]] = {n: [] for n in names}
    n_batches = len(next(iter(runners.values()))[1]) // size
    gc.collect()
    # The runners take turns batch by batch, so machine noise hits them alike, but each
    # starts at another point of the list: no runner finds a batch's strings in the CPU
    # cache because another one has just read them.
    offsets = [i * n_batches // len(names) for i in range(len(names))]
    for rep in range(reps):
        for step in range(n_batches):
            for i in range(len(names)):
                name = names[(i + rep) % len(names)]
                fn, calls, loop = runners[name]
                b = (step + offsets[names.index(name)]) % n_batches
                batch = calls[b * size : (b + 1) * size]
                samples[name].append(loop(fn, batch) / len(batch))
    return samples


def _single_calls(fn: Callable[..., bool], calls: Sequence[tuple[str, ...]]) -> list[float]:
    """ns of each call timed alone, less the median cost of reading the timer twice."""
    clock = time.perf_counter_ns
    empty = []
    for _ in range(len(calls)):
        t0 = clock()
        empty.append(clock() - t0)
    overhead = statistics.median(empty)
    result = []
    for args in calls:
        t0 = clock()
        fn(*args)
        result.append(clock() - t0 - overhead)
    return result


# -- pycasbin, in a child process per size ---------------------------------------

#: The two forms of :class:`CasbinReference`: ``sharded=False`` is one plain
#: ``casbin.Enforcer`` holding every line; ``sharded=True`` one per (workspace, action).
CASBIN_FORMS = {"one Enforcer": False, "Enforcer per workspace+action": True}


def _casbin_child(people: int, seed: int, sharded: bool, conn: Connection) -> None:
    work = wl.build(wl.Sizes.scaled(people), seed=seed)
    rules = list(compile_directory(work.directory).rules())
    index = DecisionIndex(rules)
    questions = wl.make_questions(work, CASBIN_SAMPLE, seed=seed + 1)
    calls = [(q.subject, q.action, q.obj) for q in questions]
    ours = [index.can(s, a, o) for s, a, o in calls]
    can_ns = statistics.median(
        _loop3(index.can, calls) / len(calls) for _ in range(max(3, 30_000 // len(calls)))
    )
    # One question per (workspace, action) the sample asks builds every enforcer and
    # role manager pycasbin creates lazily; that is counted as the build.
    warm = {(o.partition("/")[0], a): (s, a, o) for s, a, o in calls}
    conn.send(("ready", len(rules)))  # the budget counts from here: pycasbin only
    start = time.perf_counter()
    reference = CasbinReference(rules, sharded=sharded)
    for s, a, o in warm.values():
        reference.can(s, a, o)
    build = time.perf_counter() - start
    answers, times = [], []
    for s, a, o in calls:
        t0 = time.perf_counter_ns()
        answers.append(reference.can(s, a, o))
        times.append(time.perf_counter_ns() - t0)
    disagree = sum(x != y for x, y in zip(answers, ours, strict=True))
    result = {
        "build": build,
        "check": statistics.median(times),
        "mean": statistics.fmean(times),
        "can": can_ns,
        "disagree": disagree,
        "sample": len(calls),
    }
    conn.send(("done", result))


def _casbin_scaling(
    max_people: int, budget: float, seed: int, sharded: bool
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    ctx = mp.get_context("spawn")
    sizes = [n for n in CASBIN_SIZES if n < max_people] + [max_people]
    for people in sizes:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_casbin_child, args=(people, seed, sharded, child))
        proc.start()
        child.close()
        row: dict[str, Any] = {"people": people}
        try:
            _, row["rules"] = parent.recv()  # fill, compile and our own index are not counted
            if parent.poll(budget):
                row.update(parent.recv()[1])
        except EOFError:
            row["error"] = f"child exited with {proc.exitcode}"
        if proc.is_alive():
            proc.kill()
        proc.join()
        rows.append(row)
        print(f"  {people:,} people: {_casbin_line(row, budget)}", flush=True)
        if "check" not in row:
            break
    return rows


def _casbin_line(row: dict[str, Any], budget: float) -> str:
    if "error" in row:
        return str(row["error"])
    if "check" not in row:
        return f"did not finish within {budget:.0f} s"
    return (
        f"build {row['build']:.2f} s, check p50 {row['check'] / 1000:.0f} µs, "
        f"{row['disagree']} of {row['sample']} answers differ"
    )


def _casbin_report(people: int, budget: float, seed: int) -> bool:
    """Print the pycasbin table; True when every sampled answer agrees."""
    print(
        f"pycasbin through CasbinReference, growing sizes until the enforcer build plus "
        f"{CASBIN_SAMPLE} checks takes over {budget:.0f} s:"
    )
    table = [
        "| form | people (groups, APIs scaled) | policy lines | build s | check p50 µs |"
        " check mean µs | rbac_kit can p50 ns | casbin p50 / can p50 | answers differ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    agree = True
    for form, sharded in CASBIN_FORMS.items():
        print(f"{form}:")
        for row in _casbin_scaling(people, budget, seed, sharded):
            head = f"| {form} | {row['people']:,} | {row.get('rules', 0):,} |"
            if "check" in row:
                agree = agree and not row["disagree"]
                table.append(
                    f"{head} {row['build']:.2f} | {row['check'] / 1000:.0f} |"
                    f" {row['mean'] / 1000:.0f} | {row['can']:.0f} |"
                    f" {row['check'] / row['can']:,.0f}x | {row['disagree']} of {row['sample']} |"
                )
            else:
                table.append(f"{head} {_casbin_line(row, budget)} | | | | | |")
    print("\n" + "\n".join(table))
    return agree


# -- the run ---------------------------------------------------------------------


_FULL: dict[str, Any] = {
    "people": 100_000,
    "groups": 2_000,
    "apis": 10_000,
    "questions": 200_000,
    "reps": 5,
    "casbin_budget": 60.0,
}
_QUICK: dict[str, Any] = {
    "people": 3_000,
    "groups": 60,
    "apis": 300,
    "questions": 20_000,
    "reps": 3,
    "casbin_budget": 5.0,
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = sized_parser(__doc__)
    p.add_argument("--questions", type=int, help="questions asked (200000)")
    p.add_argument("--reps", type=int, help="timed passes over the questions (5)")
    p.add_argument("--casbin-budget", type=float, help="seconds allowed per pycasbin size (60)")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of the build")
    return parse_sized(p, argv, _FULL, _QUICK)


def _build(sizes: wl.Sizes, seed: int, profile: bool) -> tuple[wl.Workload, DecisionIndex]:
    """Fill, compile and index, printing the phase table (and a profile of the build)."""
    work, fill_wall, fill_cpu = _timed(lambda: wl.build(sizes, seed=seed))
    fill_rss = rss_mb()
    policy, comp_wall, comp_cpu = _timed(lambda: compile_directory(work.directory))
    comp_rss = rss_mb()
    rules = list(policy.rules())
    index, idx_wall, idx_cpu = _timed(lambda: DecisionIndex(rules))
    idx_rss = rss_mb()
    print("| phase | wall s | CPU s | peak RSS MB |\n|---|---:|---:|---:|")
    print(f"| directory fill (not a target) | {fill_wall:.2f} | {fill_cpu:.2f} | {fill_rss:.0f} |")
    print(
        f"| compile_directory ({len(rules):,} lines) | {comp_wall:.2f} | {comp_cpu:.2f} |"
        f" {comp_rss:.0f} |"
    )
    print(f"| DecisionIndex build | {idx_wall:.2f} | {idx_cpu:.2f} | {idx_rss:.0f} |")
    build_wall, build_cpu = comp_wall + idx_wall, comp_cpu + idx_cpu
    verdict = "met" if max(build_wall, build_cpu) < 10 else "NOT met"
    print(
        f"| **index build = compile + index** (target < 10 s: {verdict}) | {build_wall:.2f} |"
        f" {build_cpu:.2f} | |\n"
    )
    _, pause, _ = _timed(gc.collect)
    gc.freeze()
    _, frozen, _ = _timed(gc.collect)
    gc.unfreeze()
    print(
        f"one full GC pass with the directory and index alive: {pause * 1e3:.0f} ms "
        f"({frozen * 1e6:.0f} µs after gc.freeze())\n"
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: DecisionIndex(compile_directory(work.directory).rules()))
        print("cProfile of compile + index build (a second build; the profiler slows it):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    return work, index


def _verify(
    index: DecisionIndex,
    base: Baselines,
    questions: Sequence[wl.Question],
    expected: list[bool],
) -> bool:
    """True when can, can_many and both baselines give the expected answers."""
    calls = [(q.subject, q.action, q.obj) for q in questions]
    floor, nested = base.floor_fn(), base.nested_fn()
    checks = {
        "can": [index.can(*c) for c in calls],
        "can_many": index.can_many(calls),
        "floor": [floor(*k) for k in base.keys],
        "nested": [nested(*c) for c in calls],
    }
    wrong = {
        name: sum(a != e for a, e in zip(got, expected, strict=True))
        for name, got in checks.items()
    }
    allowed = sum(expected)
    print(
        f"answers checked against explain(): {allowed:,} allowed, "
        f"{len(expected) - allowed:,} denied; wrong: {wrong}\n"
    )
    for q, got, exp in zip(questions, checks["can"], expected, strict=True):
        if got != exp:
            print(f"  first WRONG answer: can{tuple(q[:3])} = {got}, expected {exp} ({q.kind})")
            break
    return not any(wrong.values())


def _time_calls(
    index: DecisionIndex,
    base: Baselines,
    questions: Sequence[wl.Question],
    expected: list[bool],
    reps: int,
) -> None:
    """Print per-call percentiles, the per-kind table, can_many and single calls."""
    calls: list[Call3] = [(q.subject, q.action, q.obj) for q in questions]
    floor, nested = base.floor_fn(), base.nested_fn()
    runners: dict[str, Runner] = {
        "noop": (_noop, calls, _loop3),
        "floor": (floor, base.keys, _loop2),
        "nested": (nested, calls, _loop3),
        "can": (index.can, calls, _loop3),
    }
    t = _batch_timings(runners, reps)
    floor_p50, floor_p99 = percentile(t["floor"], 0.5), percentile(t["floor"], 0.99)
    print(f"ns per call, batches of {BATCH} calls x {len(t['can']):,} batches:\n")
    print("| function | p50 ns | p99 ns | p50 / floor p50 |\n|---|---:|---:|---:|")
    labels = {
        "can": "`DecisionIndex.can`",
        "floor": "floor: 1 dict + 1 set",
        "nested": "nested: 2 dicts + 1 set",
        "noop": "no-op function (loop + call)",
    }
    for name in ("can", "floor", "nested", "noop"):
        p50, p99 = percentile(t[name], 0.5), percentile(t[name], 0.99)
        print(f"| {labels[name]} | {p50:.0f} | {p99:.0f} | {p50 / floor_p50:.2f}x |")
    ratio = percentile(t["can"], 0.5) / floor_p50
    print(
        f"\ncan p50 / floor p50 = {ratio:.2f}x (target <= 3x: "
        f"{'met' if ratio <= 3 else 'NOT met'}); p99 ratio "
        f"{percentile(t['can'], 0.99) / floor_p99:.2f}x\n"
    )

    print("| question kind | share | allowed | can p50 ns | floor p50 ns | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in wl.KINDS:
        idx = [i for i, q in enumerate(questions) if q.kind == kind]
        if not idx:
            continue
        sub: dict[str, Runner] = {
            "can": (index.can, [calls[i] for i in idx], _loop3),
            "floor": (floor, [base.keys[i] for i in idx], _loop2),
        }
        kt = _batch_timings(sub, reps, size=min(BATCH, max(1, len(idx) // 10)))
        k_can, k_floor = percentile(kt["can"], 0.5), percentile(kt["floor"], 0.5)
        share_allowed = sum(expected[i] for i in idx) / len(idx)
        print(
            f"| {kind} | {len(idx) / len(calls):.0%} | {share_allowed:.0%} | {k_can:.0f} |"
            f" {k_floor:.0f} | {k_can / k_floor:.2f}x |"
        )

    chunk = 10_000
    many = []
    for _ in range(reps):
        for i in range(0, len(calls), chunk):
            part = calls[i : i + chunk]
            start = time.perf_counter_ns()
            index.can_many(part)
            many.append((time.perf_counter_ns() - start) / len(part))
    per_q = statistics.median(many)
    print(
        f"\ncan_many, chunks of {chunk:,}: {per_q:.0f} ns per question, "
        f"{1e3 / per_q:.2f} M questions/s (median)"
    )
    single = _single_calls(index.can, calls)
    single_floor = _single_calls(floor, base.keys)
    print(
        "single calls timed alone (timer cost subtracted, so +-50 ns of timer noise): "
        f"can p50 {percentile(single, 0.5):.0f} / p99 {percentile(single, 0.99):.0f} / "
        f"p99.9 {percentile(single, 0.999):.0f} ns; floor "
        f"p50 {percentile(single_floor, 0.5):.0f} / p99 {percentile(single_floor, 0.99):.0f} ns\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report; 1 if an answer is wrong."""
    args = _parse(argv)
    sizes = wl.Sizes(people=args.people, groups=args.groups, apis=args.apis)
    print(f"# rbac_kit decision benchmark, {dt.date.today().isoformat()}")
    print(f"Python {platform.python_version()} on {platform.platform()}, {mp.cpu_count()} CPUs")
    print(f"main workspace: {sizes}; {args.questions:,} questions; seed {args.seed}\n")
    ok = _decisions(args, sizes)
    gc.collect()  # the large workspace is gone before the pycasbin children start
    return 0 if _casbin_report(sizes.people, args.casbin_budget, args.seed) and ok else 1


def _decisions(args: argparse.Namespace, sizes: wl.Sizes) -> bool:
    work, index = _build(sizes, args.seed, args.profile)
    questions = wl.make_questions(work, args.questions, seed=args.seed + 1)
    expected = wl.expected_answers(work, questions)
    base = Baselines(work, questions, expected)
    if not _verify(index, base, questions, expected):
        return False
    _time_calls(index, base, questions, expected, args.reps)
    return True


if __name__ == "__main__":
    sys.exit(main())
