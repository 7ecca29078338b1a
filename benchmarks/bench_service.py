"""Service benchmark: decisions over HTTP against the same server answering with nothing.

    python3 dev.py bench benchmarks/bench_service.py            # 100k people
    python3 dev.py bench benchmarks/bench_service.py --quick    # smoke run

A child process builds the decision benchmark's workload (``_workload.py``)
into an in-memory Authorizer and serves it twice on the standard library's
threaded server (``rbac_kit.service.make_http_server``): once with
:class:`~rbac_kit.service.DecisionService`, once with a WSGI app that
answers ``200 {}`` to everything (the transport's floor: the same server,
sockets and parsing, no decision). This process sends requests one at a time
over fresh connections (the server speaks HTTP/1.0), as an NGINX
``auth_request`` without upstream keep-alive would, and times each round
trip:

- ``forward-auth``: ``GET /v1/forward-auth/<ws>/<api>`` with ``X-Rbac-Subject``;
- ``check``: ``POST /v1/check`` with a JSON question;
- ``batch``: ``POST /v1/check/batch`` with 100 questions (time per question);
- ``floor``: ``GET /anything`` on the no-op app.

Before timing, every answer is checked against in-process ``can``; exit
status 1 if one differs. It prints a Markdown table of p50/p99 and the ratio
of each p50 to the floor's.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection as Pipe
from typing import Any

import _workload as wl
from _measure import load_average, parse_sized, percentile, sized_parser
from rbac_kit import Authorizer
from rbac_kit.service import DecisionService, make_http_server

_FULL: dict[str, Any] = {"people": 100_000, "groups": 2_000, "apis": 10_000, "requests": 3_000}
_QUICK: dict[str, Any] = {"people": 3_000, "groups": 60, "apis": 300, "requests": 300}
BATCH = 100


def _nothing(environ: Any, start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def _serve(sizes: wl.Sizes, seed: int, conn: Pipe) -> None:
    """The child: build, serve both apps, report the ports, serve until the pipe closes."""
    work = wl.build(sizes, seed=seed)
    authz = Authorizer(work.directory)
    servers = [
        make_http_server(DecisionService(authz), "127.0.0.1", 0),
        make_http_server(_nothing, "127.0.0.1", 0),  # type: ignore[arg-type]
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send([server.server_port for server in servers])
    conn.recv()  # until the parent is done


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def _timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    p = sized_parser(__doc__)
    p.add_argument("--requests", type=int, help="timed requests of each kind (3000)")
    args = parse_sized(p, argv, _FULL, _QUICK)
    sizes = wl.Sizes(people=args.people, groups=args.groups, apis=args.apis)
    print(f"# rbac_kit service benchmark, {time.strftime('%Y-%m-%d')}")
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"main workspace: {sizes}; {args.requests} requests of each kind; {load_average()}\n")

    work = wl.build(sizes, seed=args.seed)  # the same workload the child serves
    authz = Authorizer(work.directory)
    questions = [q for q in wl.make_questions(work, args.requests, seed=11) if "/" in q.obj]
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(sizes, args.seed, child), daemon=True)
    proc.start()
    service_port, floor_port = parent.recv()
    try:
        ok = _check_answers(service_port, authz, questions)
        rows = _measure(service_port, floor_port, questions)
    finally:
        parent.send("done")
        proc.join(timeout=10)
    _report(rows)
    print(f"\nanswers over HTTP equal in-process can: {'yes' if ok else 'NO'}; {load_average()}")
    return 0 if ok else 1


def _forward(port: int, q: wl.Question) -> tuple[int, bytes]:
    return _request(port, "GET", f"/v1/forward-auth/{q.obj}", headers={"X-Rbac-Subject": q.subject})


def _check(port: int, q: wl.Question) -> tuple[int, bytes]:
    body = json.dumps({"subject": q.subject, "action": q.action, "object": q.obj}).encode()
    return _request(port, "POST", "/v1/check", body, {"Content-Type": "application/json"})


def _batch(port: int, qs: Sequence[wl.Question]) -> tuple[int, bytes]:
    checks = [{"subject": q.subject, "action": q.action, "object": q.obj} for q in qs]
    body = json.dumps({"checks": checks}).encode()
    return _request(port, "POST", "/v1/check/batch", body, {"Content-Type": "application/json"})


def _check_answers(port: int, authz: Authorizer, questions: Sequence[wl.Question]) -> bool:
    sample = questions[:200]
    for q in sample:
        expected = authz.can(q.subject, "view_api", q.obj)
        status, _ = _forward(port, q._replace(action="view_api"))
        if (status == 200) != expected:
            print(f"forward-auth differs on {q}", file=sys.stderr)
            return False
        _, body = _check(port, q)
        if json.loads(body)["allowed"] != authz.can(q.subject, q.action, q.obj):
            print(f"check differs on {q}", file=sys.stderr)
            return False
    _, body = _batch(port, sample[:BATCH])
    return bool(json.loads(body)["results"] == authz.can_many(q[:3] for q in sample[:BATCH]))


def _measure(
    service: int, floor: int, questions: Sequence[wl.Question]
) -> list[tuple[str, list[float]]]:
    batches = [questions[i : i + BATCH] for i in range(0, len(questions), BATCH)]
    runs: list[tuple[str, Sequence[Callable[[], object]], int]] = [
        (
            "floor: no-op app, same server",
            [lambda: _request(floor, "GET", "/x")] * len(questions),
            1,
        ),
        ("forward-auth", [lambda q=q: _forward(service, q) for q in questions], 1),
        ("check (JSON)", [lambda q=q: _check(service, q) for q in questions], 1),
        (
            f"batch of {BATCH}, per question",
            [lambda b=b: _batch(service, b) for b in batches],
            BATCH,
        ),
    ]
    rows = []
    for name, calls, per in runs:
        _timed(calls[:20])  # warm-up
        rows.append((name, [t / per for t in _timed(calls)]))
    return rows


def _report(rows: list[tuple[str, list[float]]]) -> None:
    floor = percentile(rows[0][1], 0.5)
    print("| request | p50 µs | p99 µs | p50 / floor p50 |")
    print("|---|---:|---:|---:|")
    for name, times in rows:
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        print(f"| {name} | {p50 * 1e6:.0f} | {p99 * 1e6:.0f} | {p50 / floor:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
