"""Running the decision service: a threaded HTTP server from the standard library."""

from __future__ import annotations

import logging
import socketserver
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ._app import DecisionService

__all__ = ["make_http_server"]

logger = logging.getLogger(__name__)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection; threads do not hold the process open."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Requests go to the ``rbac_kit.service`` logger at DEBUG, not to standard error."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def make_http_server(service: DecisionService, host: str, port: int) -> WSGIServer:
    """A threaded HTTP server answering with ``service`` on ``host``:``port``.

    ``port`` 0 takes a free port (``server.server_port`` says which). Call
    ``serve_forever()`` to answer, ``shutdown()`` from another thread to
    stop, and ``server_close()`` to release the socket.
    """
    return make_server(
        host, port, service, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
