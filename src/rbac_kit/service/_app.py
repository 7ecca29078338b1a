"""The decision service as a WSGI application: JSON checks, forward-auth, health, metrics.

Endpoints (every answer is JSON but ``/metrics``):

- ``POST /v1/check`` ``{"subject", "action", "object", "explain"?}`` ->
  ``{"allowed", "revision"}`` (with ``"explain": true`` also ``"reason"``).
- ``POST /v1/check/batch`` ``{"checks": [{"subject", "action", "object"}, ...]}``
  -> ``{"results": [true, false, ...], "revision"}``.
- ``/v1/forward-auth[/<workspace>/<api>[/...]]``, any method: the contract of
  NGINX ``auth_request``, Traefik ForwardAuth and Envoy's HTTP ext_authz.
  200 allows, 403 denies, 401 when the request names no subject. The subject
  is the ``X-Rbac-Subject`` header (``user:``, ``customer:`` or ``cid:``) or
  ``X-Customer-Id`` (a raw Customer ID, asked as ``cid:``); the object is
  the two path segments after the prefix (Envoy appends the original path
  after them; it is ignored) or the ``X-Rbac-Object`` header; the action is
  ``X-Rbac-Action`` or the service's default (``view_api``).
- ``GET /healthz`` -> ``{"status": "ok", "revision"}``.
- ``GET /metrics`` -> request and decision counters, Prometheus text format.

Bad input gets a 4xx with ``{"error": ...}`` naming what was wrong: malformed
JSON, a missing or non-string field, an unknown action (an error, never a
silent deny), a body over the size limit, a batch over its limit. An unknown
subject, workspace or API is a deny, as ``can`` answers it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, TypeAlias

from .. import Authorizer, InvalidInput, customer_id_subject
from ..model import check_action, to_jsonable
from ._metrics import Metrics

__all__ = ["DEFAULT_ACTION", "MAX_BATCH", "MAX_BODY", "DecisionService"]

#: The action forward-auth asks about when the request names none.
DEFAULT_ACTION = "view_api"
#: Questions one batch may hold.
MAX_BATCH = 10_000
#: Bytes a request body may hold (a full batch of long names fits).
MAX_BODY = 4 * 1024 * 1024

StartResponse: TypeAlias = Callable[[str, list[tuple[str, str]]], Any]
Response: TypeAlias = tuple[int, list[tuple[str, str]], bytes]

_FORWARD_AUTH = "/v1/forward-auth"


class _Refused(Exception):
    """An HTTP error answer: its status and message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(status: int, value: object, headers: Iterable[tuple[str, str]] = ()) -> Response:
    # Through the library's one converter, so any value an answer grows reads as everywhere else.
    body = json.dumps(to_jsonable(value), separators=(",", ":")).encode()
    return status, [("Content-Type", "application/json"), *headers], body


class DecisionService:
    """A WSGI application answering decisions from ``authorizer``.

    Mount it in any WSGI server, or run it with ``rbac-kit serve`` (see
    :func:`rbac_kit.service.serve`). It only reads the authorizer: keep it
    current with a :class:`~rbac_kit.Follower` when the store changes
    elsewhere.

    Args:
        authorizer: answers the questions.
        action: what forward-auth asks about when the request names no action.
        max_batch: questions one batch may hold.
        max_body: bytes a request body may hold.

    Raises:
        UnknownAction: ``action`` is not in the permission catalog.
    """

    def __init__(
        self,
        authorizer: Authorizer,
        *,
        action: str = DEFAULT_ACTION,
        max_batch: int = MAX_BATCH,
        max_body: int = MAX_BODY,
    ) -> None:
        check_action(action)
        self.authorizer = authorizer
        self.action = action
        self.max_batch = max_batch
        self.max_body = max_body
        self.metrics = Metrics()
        #: path -> (its method, its answer); forward-auth is matched by prefix.
        self._routes: dict[str, tuple[str, Callable[[Mapping[str, Any]], Response]]] = {
            "/v1/check": ("POST", self._check),
            "/v1/check/batch": ("POST", self._batch),
            "/healthz": ("GET", self._health),
            "/metrics": ("GET", self._metrics),
        }

    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse) -> list[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        endpoint, answer = self._route(path, method)
        try:
            status, headers, body = answer(environ)
        except _Refused as refused:
            status, headers, body = _json(refused.status, {"error": str(refused)})
        except InvalidInput as error:  # an unknown action, a malformed Customer ID
            status, headers, body = _json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        self.metrics.request(endpoint, status)
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body] if method != "HEAD" else []

    # -- routing ------------------------------------------------------------

    def _route(self, path: str, method: str) -> tuple[str, Callable[[Mapping[str, Any]], Response]]:
        if path == _FORWARD_AUTH or path.startswith(_FORWARD_AUTH + "/"):
            return "forward-auth", self._forward_auth
        found = self._routes.get(path)
        if found is None:
            return "other", self._not_found
        allowed, answer = found
        if method == allowed or (allowed == "GET" and method == "HEAD"):
            return path, answer
        return path, self._wrong_method(allowed)

    @staticmethod
    def _not_found(environ: Mapping[str, Any]) -> Response:
        raise _Refused(
            HTTPStatus.NOT_FOUND,
            f"no endpoint {environ.get('PATH_INFO')!r}: /v1/check, /v1/check/batch, "
            "/v1/forward-auth, /healthz, /metrics",
        )

    @staticmethod
    def _wrong_method(allowed: str) -> Callable[[Mapping[str, Any]], Response]:
        def answer(environ: Mapping[str, Any]) -> Response:
            method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            status, headers, body = _json(
                HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{path} takes {allowed}, not {method}"}
            )
            return status, [*headers, ("Allow", allowed)], body

        return answer

    # -- endpoints ----------------------------------------------------------

    def _check(self, environ: Mapping[str, Any]) -> Response:
        request = self._body(environ)
        subject, action, obj = (_text(request, name) for name in ("subject", "action", "object"))
        explain = request.get("explain", False)
        if not isinstance(explain, bool):  # 1 == True: compare types, not values
            raise _Refused(HTTPStatus.BAD_REQUEST, "'explain' must be true or false")
        if explain:
            explanation = self.authorizer.explain(subject, action, obj)
            self._count([explanation.allowed])
            return _json(
                HTTPStatus.OK,
                {
                    "allowed": explanation.allowed,
                    "revision": explanation.revision,
                    "reason": str(explanation),
                },
            )
        revision = self.authorizer.revision
        allowed = self.authorizer.can(subject, action, obj)
        self._count([allowed])
        return _json(HTTPStatus.OK, {"allowed": allowed, "revision": revision})

    def _batch(self, environ: Mapping[str, Any]) -> Response:
        checks = self._body(environ).get("checks")
        if not isinstance(checks, list):
            raise _Refused(HTTPStatus.BAD_REQUEST, "'checks' must be a list of questions")
        if len(checks) > self.max_batch:
            raise _Refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"a batch holds at most {self.max_batch} questions, got {len(checks)}",
            )
        questions: list[tuple[str, str, str]] = []
        for i, check in enumerate(checks):
            if not isinstance(check, dict):
                raise _Refused(HTTPStatus.BAD_REQUEST, f"checks[{i}] must be an object")
            where = f"checks[{i}]."
            questions.append(
                (
                    _text(check, "subject", where=where),
                    _text(check, "action", where=where),
                    _text(check, "object", where=where),
                )
            )
        for i, (_, action, _) in enumerate(questions):
            try:
                check_action(action)
            except InvalidInput as error:
                raise _Refused(HTTPStatus.BAD_REQUEST, f"checks[{i}]: {error}") from None
        revision = self.authorizer.revision
        results = self.authorizer.can_many(questions)
        self._count(results)
        return _json(HTTPStatus.OK, {"results": results, "revision": revision})

    def _forward_auth(self, environ: Mapping[str, Any]) -> Response:
        subject = str(environ.get("HTTP_X_RBAC_SUBJECT") or "")
        customer_id = environ.get("HTTP_X_CUSTOMER_ID")
        if not subject and customer_id:
            subject = customer_id_subject(str(customer_id))
        if not subject:
            status, headers, body = _json(
                HTTPStatus.UNAUTHORIZED,
                {"error": "the request names no subject (X-Rbac-Subject or X-Customer-Id)"},
            )
            return status, [*headers, ("WWW-Authenticate", 'Rbac realm="rbac-kit"')], body
        obj = _forward_object(environ)
        action = str(environ.get("HTTP_X_RBAC_ACTION") or self.action)
        revision = self.authorizer.revision
        allowed = self.authorizer.can(subject, action, obj)
        self._count([allowed])
        headers = [("X-Rbac-Revision", str(revision))]
        if allowed:
            return _json(HTTPStatus.OK, {"allowed": True, "revision": revision}, headers)
        return _json(HTTPStatus.FORBIDDEN, {"allowed": False, "revision": revision}, headers)

    def _health(self, _: Mapping[str, Any]) -> Response:
        return _json(HTTPStatus.OK, {"status": "ok", "revision": self.authorizer.revision})

    def _metrics(self, _: Mapping[str, Any]) -> Response:
        body = self.metrics.text(self.authorizer.revision).encode()
        return HTTPStatus.OK, [("Content-Type", "text/plain; version=0.0.4")], body

    # -- helpers ------------------------------------------------------------

    def _count(self, answers: list[bool]) -> None:
        allowed = sum(answers)
        self.metrics.decisions(allowed, len(answers) - allowed)

    def _body(self, environ: Mapping[str, Any]) -> dict[str, Any]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise _Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
        if length > self.max_body:
            raise _Refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body holds {length} bytes; at most {self.max_body} are read",
            )
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise _Refused(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return value


def _text(request: Mapping[str, Any], name: str, *, where: str = "") -> str:
    value = request.get(name)
    if not isinstance(value, str) or not value:
        raise _Refused(HTTPStatus.BAD_REQUEST, f"'{where}{name}' must be a non-empty string")
    return value


def _forward_object(environ: Mapping[str, Any]) -> str:
    """``<workspace>/<api>`` from the path after the prefix, or the ``X-Rbac-Object`` header."""
    rest = str(environ.get("PATH_INFO") or "")[len(_FORWARD_AUTH) :].strip("/")
    parts = [part for part in rest.split("/") if part][:2]  # WSGI decoded the path already
    if len(parts) == 2:
        return "/".join(parts)
    header = environ.get("HTTP_X_RBAC_OBJECT")
    if header:
        return str(header)
    raise _Refused(
        HTTPStatus.BAD_REQUEST,
        "the request names no object: /v1/forward-auth/<workspace>/<api> or X-Rbac-Object",
    )
