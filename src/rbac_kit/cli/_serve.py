"""``serve``: the HTTP decision service on the store at ``--db``, following its changes."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from typing import Any

from .. import Follower, open_authorizer
from ..service import DEFAULT_ACTION, MAX_WAIT, DecisionService, make_http_server
from ..store import shown_url
from ._context import Context

__all__ = ["register"]


def _serve(ctx: Context, a: argparse.Namespace) -> int:
    authz = open_authorizer(ctx.store)
    follower = Follower(ctx.store, authz, interval=a.interval)
    service = DecisionService(  # /readyz asks the follower
        authz, action=a.action, follower=follower, max_wait=a.max_wait
    )
    server = make_http_server(service, a.host, a.port)

    def stop(*_: object) -> None:
        # shutdown() waits for serve_forever() to return: never from its own thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with follower:
            ctx.print(
                f"serving decisions on http://{a.host}:{server.server_port} "
                f"from {shown_url(ctx.db)} at revision {authz.revision}"
            )
            ctx.out.flush()  # the address, now, even when standard output is a pipe
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop as SIGTERM does
                server.serve_forever()
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    ctx.print("stopped")
    return 0


def register(commands: Any) -> None:
    """Add ``serve`` to the top-level parser."""
    p = commands.add_parser(
        "serve",
        help="the HTTP decision service for API gateways (check, forward-auth, health, "
        "readiness, metrics)",
        description="Answer decisions over HTTP from the store at --db, following the changes "
        "other processes commit. Stops on Ctrl-C or SIGTERM. See docs/service.md.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8181, help="port (8181; 0 takes a free one)")
    p.add_argument(
        "--action",
        default=DEFAULT_ACTION,
        help=f"what forward-auth asks when a request names no action ({DEFAULT_ACTION})",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between looks at the store for changes on SQLite (1.0)",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=MAX_WAIT,
        metavar="SECONDS",
        help="how long a request naming a min_revision not yet held waits before a 503 "
        f"({MAX_WAIT})",
    )
    p.set_defaults(handler=_serve)
