"""The HTTP decision service for API gateways (``rbac-kit serve``).

::

    from rbac_kit.service import DecisionService, make_http_server

    service = DecisionService(authz)            # a WSGI application
    server = make_http_server(service, "127.0.0.1", 8181)
    server.serve_forever()

``DecisionService`` answers JSON checks and batches, forward-auth requests in
the contract NGINX ``auth_request``, Traefik ForwardAuth and Envoy's HTTP
ext_authz expect (200 allow, 403 deny, 401 no subject), health and
Prometheus metrics. See ``docs/service.md``.
"""

from ._app import (
    DEFAULT_ACTION,
    MAX_BATCH,
    MAX_BODY,
    MAX_DEPTH,
    MAX_ECHO,
    MAX_WAIT,
    DecisionService,
)
from ._server import make_http_server

__all__ = [
    "DEFAULT_ACTION",
    "MAX_BATCH",
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_ECHO",
    "MAX_WAIT",
    "DecisionService",
    "make_http_server",
]
