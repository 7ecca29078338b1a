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
- ``GET /healthz`` -> ``{"status": "ok", "revision"}``: the process answers.
- ``GET /readyz`` -> ``{"status": "ready", "revision"}``, or 503 with
  ``{"status": "not ready", "reason", "lag"}`` and ``Retry-After`` while the
  follower is not following the store or is behind it: decisions may be stale.
- ``GET /metrics`` -> request and decision counters, Prometheus text format.

Bad input gets a 4xx with ``{"error": ...}`` naming what was wrong: malformed
JSON, a missing or non-string field, an unknown action (an error, never a
silent deny), a body over the size limit or nested deeper than its limit, a
batch over its limit, both subject headers at once. A message quotes at most
``MAX_ECHO`` characters of any value it names. An unknown subject, workspace
or API is a deny, as ``can`` answers it.

A request may name the revision it needs (``"min_revision"`` in a JSON body,
``X-Rbac-Min-Revision`` on forward-auth): the answer waits up to ``max_wait``
seconds for the index to reach it, else it is a 503 with ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from itertools import accumulate
from typing import Any, TypeAlias

from .. import Authorizer, Follower, InvalidInput, customer_id_subject
from ..model import check_action, to_jsonable
from ._metrics import Metrics

__all__ = [
    "DEFAULT_ACTION",
    "MAX_BATCH",
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_ECHO",
    "MAX_WAIT",
    "DecisionService",
]

#: The action forward-auth asks about when the request names none.
DEFAULT_ACTION = "view_api"
#: Questions one batch may hold.
MAX_BATCH = 10_000
#: Bytes a request body may hold (a full batch of long names fits).
MAX_BODY = 4 * 1024 * 1024
#: Levels of arrays and objects a request body may nest (a batch needs 3).
MAX_DEPTH = 32
#: Characters of a value an error message quotes; longer values are cut, with "...".
MAX_ECHO = 100
#: Seconds a request naming a ``min_revision`` the index has not reached waits for it.
MAX_WAIT = 0.5

#: Characters an error message holds in all (a message from the library included).
_MAX_MESSAGE = 500
#: Revisions are PostgreSQL ``bigint``s: a larger one can never be reached.
_MAX_REVISION = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")

StartResponse: TypeAlias = Callable[[str, list[tuple[str, str]]], Any]
Response: TypeAlias = tuple[int, list[tuple[str, str]], bytes]

_FORWARD_AUTH = "/v1/forward-auth"


class _Refused(Exception):
    """An HTTP error answer: its status and message, extra headers and body fields."""

    def __init__(
        self,
        status: HTTPStatus,
        message: str,
        *,
        headers: Iterable[tuple[str, str]] = (),
        fields: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = list(headers)
        self.fields = dict(fields or {})


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
        follower: the :class:`~rbac_kit.Follower` keeping ``authorizer`` current;
            ``/readyz`` and ``/metrics`` report its state. Without one the
            service is ready whenever it answers.
        max_lag: revisions ``/readyz`` lets the follower be behind and still ready.
        max_depth: levels of arrays and objects a request body may nest.
        max_wait: seconds a request naming a ``min_revision`` the index has
            not reached waits for it before the answer is a 503.

    Raises:
        UnknownAction: ``action`` is not in the permission catalog.
        InvalidInput: ``max_wait`` is negative or not a number.
    """

    def __init__(
        self,
        authorizer: Authorizer,
        *,
        action: str = DEFAULT_ACTION,
        max_batch: int = MAX_BATCH,
        max_body: int = MAX_BODY,
        follower: Follower | None = None,
        max_lag: int = 0,
        max_depth: int = MAX_DEPTH,
        max_wait: float = MAX_WAIT,
    ) -> None:
        check_action(action)
        if not 0 <= max_wait < math.inf:  # NaN fails both comparisons
            raise InvalidInput(f"max_wait must be a number of seconds from 0, got {max_wait!r}")
        self.max_depth = max_depth
        self.max_wait = max_wait
        self.authorizer = authorizer
        self.action = action
        self.max_batch = max_batch
        self.max_body = max_body
        self.metrics = Metrics()
        if max_lag < 0:
            raise InvalidInput(f"max_lag must be 0 or more, got {max_lag}")
        self.follower = follower
        self.max_lag = max_lag
        #: path -> (its method, its answer); forward-auth is matched by prefix.
        self._routes: dict[str, tuple[str, Callable[[Mapping[str, Any]], Response]]] = {
            "/v1/check": ("POST", self._check),
            "/v1/check/batch": ("POST", self._batch),
            "/healthz": ("GET", self._health),
            "/readyz": ("GET", self._ready),
            "/metrics": ("GET", self._metrics),
        }

    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse) -> list[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        endpoint, answer = self._route(path, method)
        try:
            status, headers, body = answer(environ)
        except _Refused as refused:
            status, headers, body = _json(
                refused.status, {"error": _bounded(str(refused)), **refused.fields}, refused.headers
            )
        except InvalidInput as error:  # not caught by _quoting: still never an unbounded echo
            status, headers, body = _json(HTTPStatus.BAD_REQUEST, {"error": _bounded(str(error))})
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
            f"no endpoint {_shown(str(environ.get('PATH_INFO')))}: /v1/check, /v1/check/batch, "
            "/v1/forward-auth, /healthz, /readyz, /metrics",
        )

    @staticmethod
    def _wrong_method(allowed: str) -> Callable[[Mapping[str, Any]], Response]:
        def answer(environ: Mapping[str, Any]) -> Response:
            method = _shown(str(environ.get("REQUEST_METHOD")))
            path = environ.get("PATH_INFO")  # routed here: one of the known paths
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
        min_revision = _body_revision(request)
        with _quoting(subject, action, obj):
            check_action(action)  # a typo is a 400 now, not after waiting
            self._wait(min_revision)
            return self._answer(subject, action, obj, explain=explain)

    def _answer(self, subject: str, action: str, obj: str, *, explain: bool) -> Response:
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
        request = self._body(environ)
        checks = request.get("checks")
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
                message = _bounded(str(error), action)
                raise _Refused(HTTPStatus.BAD_REQUEST, f"checks[{i}]: {message}") from None
        self._wait(_body_revision(request))
        revision = self.authorizer.revision
        results = self.authorizer.can_many(questions)
        self._count(results)
        return _json(HTTPStatus.OK, {"results": results, "revision": revision})

    def _forward_auth(self, environ: Mapping[str, Any]) -> Response:
        subject = str(environ.get("HTTP_X_RBAC_SUBJECT") or "")
        customer_id = str(environ.get("HTTP_X_CUSTOMER_ID") or "")
        if subject and customer_id:
            # Which one a gateway meant is a guess; a client adding the one the
            # gateway does not set must not pick who is asked about.
            raise _Refused(
                HTTPStatus.BAD_REQUEST,
                "two subject headers: send X-Rbac-Subject or X-Customer-Id, not both",
            )
        min_revision = _header_revision(environ.get("HTTP_X_RBAC_MIN_REVISION"))
        if customer_id:
            with _quoting(customer_id):
                subject = customer_id_subject(customer_id)
        if not subject:
            status, headers, body = _json(
                HTTPStatus.UNAUTHORIZED,
                {"error": "the request names no subject (X-Rbac-Subject or X-Customer-Id)"},
            )
            return status, [*headers, ("WWW-Authenticate", 'Rbac realm="rbac-kit"')], body
        obj = _forward_object(environ)
        action = str(environ.get("HTTP_X_RBAC_ACTION") or self.action)
        with _quoting(subject, action, obj):
            check_action(action)  # a typo is a 400 now, not after waiting
            self._wait(min_revision)
            revision = self.authorizer.revision
            allowed = self.authorizer.can(subject, action, obj)
        self._count([allowed])
        headers = [("X-Rbac-Revision", str(revision))]
        if allowed:
            return _json(HTTPStatus.OK, {"allowed": True, "revision": revision}, headers)
        return _json(HTTPStatus.FORBIDDEN, {"allowed": False, "revision": revision}, headers)

    def _health(self, _: Mapping[str, Any]) -> Response:
        return _json(HTTPStatus.OK, {"status": "ok", "revision": self.authorizer.revision})

    def _ready(self, _: Mapping[str, Any]) -> Response:
        if self.follower is None:
            return _json(HTTPStatus.OK, {"status": "ready", "revision": self.authorizer.revision})
        status = self.follower.status()
        if status.ready(self.max_lag):
            return _json(HTTPStatus.OK, {"status": "ready", "revision": status.revision})
        answer = {"status": "not ready", "reason": status.reason(self.max_lag), "lag": status.lag}
        return _json(HTTPStatus.SERVICE_UNAVAILABLE, answer, [("Retry-After", "1")])

    def _metrics(self, _: Mapping[str, Any]) -> Response:
        if self.follower is None:
            text = self.metrics.text(self.authorizer.revision)
        else:
            status = self.follower.status()
            text = self.metrics.text(status.revision, following=status.following, lag=status.lag)
        body = text.encode()
        return HTTPStatus.OK, [("Content-Type", "text/plain; version=0.0.4")], body

    # -- helpers ------------------------------------------------------------

    def _wait(self, min_revision: int | None) -> None:
        """Return once the index holds ``min_revision``; a 503 after ``max_wait`` seconds."""
        if min_revision is None or min_revision <= self.authorizer.revision:
            return
        if self.authorizer.index.wait_for(min_revision, self.max_wait):
            return
        held = self.authorizer.revision
        raise _Refused(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"revision {min_revision} was asked for; this service holds {held} "
            f"after waiting {self.max_wait} s",
            headers=[("Retry-After", "1")],
            fields={"min_revision": min_revision, "revision": held},
        )

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
                f"the body holds {_shown(length)} bytes; at most {self.max_body} are read",
            )
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            # As json.loads(bytes) decodes, once: the depth is counted on what is parsed.
            encoding = json.detect_encoding(raw)
            text = raw.decode(encoding, "surrogatepass")
            utf8 = raw if encoding.startswith("utf-8") else text.encode(errors="surrogatepass")
            depth = _depth(utf8)
            if depth > self.max_depth:  # the parser recurses per level: bound it first
                raise _Refused(
                    HTTPStatus.BAD_REQUEST,
                    f"the body nests arrays and objects {depth} levels deep; "
                    f"at most {self.max_depth} are read",
                )
            value = json.loads(text)
        except ValueError as error:  # not UTF-8 or JSON; an integer over Python's 4,300 digits
            raise _Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise _Refused(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return value


def _shown(value: object) -> str:
    """``value`` as an error message quotes it: its repr, cut to ``MAX_ECHO`` characters."""
    if isinstance(value, str):  # cut before repr: the value may be megabytes
        return repr(value) if len(value) <= MAX_ECHO else repr(value[:MAX_ECHO]) + "..."
    text = repr(value)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "..."


def _bounded(message: str, *values: str) -> str:
    """``message`` quoting each long one of ``values`` cut short, and itself cut to a bound.

    The library's messages name the offending value whole (``unknown action
    '...'``); the request's values are cut where the message quotes them.
    """
    for value in values:
        if len(value) > MAX_ECHO:
            message = message.replace(repr(value), _shown(value)).replace(value, _shown(value))
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "..."


@contextlib.contextmanager
def _quoting(*values: str) -> Iterator[None]:
    """The library's :class:`InvalidInput` as a 400 quoting the request's ``values`` cut short."""
    try:
        yield
    except InvalidInput as error:
        raise _Refused(HTTPStatus.BAD_REQUEST, _bounded(str(error), *values)) from None


#: +1 for what opens an array or object, -1 for what closes one (bytes as ints).
_STEPS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STEPS and b != ord('"'))
_STRING = re.compile(rb'"[^"]*"')


def _depth(data: bytes) -> int:
    """How deep UTF-8 JSON ``data`` nests arrays and objects, counted without parsing.

    Escaped backslashes, then escaped quotes, go first, so every quote left
    opens or closes a string; then everything but quotes and brackets; then
    the strings. Each step is one pass in C, so any body costs about what its
    size does. Past a syntax error the count may be off; the parser stops there.
    """
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = _STRING.sub(b"", data).replace(b'"', b"")  # and an unterminated string's quote
    return max(accumulate(map(_STEPS.__getitem__, brackets)), default=0)


def _body_revision(request: Mapping[str, Any]) -> int | None:
    """The body's ``min_revision`` (None when it names none)."""
    if "min_revision" not in request:
        return None
    value = request["min_revision"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_REVISION:
        raise _Refused(
            HTTPStatus.BAD_REQUEST,
            f"'min_revision' must be a whole number from 0 to {_MAX_REVISION}, got {_shown(value)}",
        )
    return value


def _header_revision(header: object) -> int | None:
    """The ``X-Rbac-Min-Revision`` header's revision (None when it is absent or empty)."""
    if not header:
        return None
    text = str(header)
    if _DIGITS.fullmatch(text) is None or int(text) > _MAX_REVISION:
        raise _Refused(
            HTTPStatus.BAD_REQUEST,
            f"X-Rbac-Min-Revision must be a whole number from 0 to {_MAX_REVISION}, "
            f"got {_shown(text)}",
        )
    return int(text)


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
