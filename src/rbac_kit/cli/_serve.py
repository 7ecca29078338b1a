"""``serve``: the HTTP decision service on the store at ``--db``, following its changes."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from typing import Any

from .. import Follower, open_authorizer
from ..service import DEFAULT_ACTION, DecisionService, make_http_server
from ._context import Context

__all__ = ["register"]


def _serve(ctx: Context, a: argparse.Namespace) -> int:
    authz = open_authorizer(ctx.store)
    service = DecisionService(authz, action=a.action)
    server = make_http_server(service, a.host, a.port)

    def stop(*_: object) -> None:
        # shutdown() waits for serve_forever() to return: never from its own thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with Follower(ctx.store, authz, interval=a.interval):
            ctx.print(
                f"serving decisions on http://{a.host}:{server.server_port} "
                f"from {ctx.db} at revision {authz.revision}"
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
        help="the HTTP decision service for API gateways (check, forward-auth, health, metrics)",
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
    p.set_defaults(handler=_serve)
