"""The HTTP decision service over a real socket, as a gateway or a client calls it, and
through the WSGI application directly where a socket adds nothing (bodies of megabytes)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import io
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import attrs
import pytest

from rbac_kit import (
    SYSTEM,
    Authorizer,
    Follower,
    InvalidInput,
    Management,
    Workspace,
    open_authorizer,
)
from rbac_kit.service import MAX_BODY, MAX_DEPTH, DecisionService, make_http_server
from rbac_kit.store import Store


@attrs.frozen
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class Client:
    base: str

    def __call__(
        self,
        path: str,
        body: object = None,
        *,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=dict(headers or {})
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read())


@pytest.fixture
def authz() -> Authorizer:
    """acme: member ann granted payments; customer globex (ID "Globex 1") seen on orders."""
    authz = Authorizer()
    admin = Management(authz)
    admin.workspaces.create(SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None)
    admin.apis.register(SYSTEM, workspace="acme", id="payments", name="Payments")
    admin.apis.register(SYSTEM, workspace="acme", id="orders", name="Orders")
    admin.apis.record_customer_ids(
        SYSTEM, workspace="acme", api="orders", customer_ids=["Globex 1"]
    )
    admin.people.add_user(
        SYSTEM, workspace="acme", id="ann", email="ann@acme.io", name="Ann", role="member"
    )
    admin.people.add_customer(
        SYSTEM, workspace="acme", id="globex", email="it@globex.io", customer_id="Globex 1"
    )
    admin.access.add(SYSTEM, workspace="acme", api="payments", targets=["user:ann"])
    return authz


@pytest.fixture
def client(authz: Authorizer) -> Iterator[Client]:
    server = make_http_server(DecisionService(authz, max_batch=3), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Client(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- JSON checks --------------------------------------------------------------------


def test_check_answers_with_the_revision(client: Client, authz: Authorizer) -> None:
    question = {"subject": "user:ann", "action": "view_api", "object": "acme/payments"}
    reply = client("/v1/check", question)
    assert (200, {"allowed": True, "revision": authz.revision}) == (reply.status, reply.json())
    denied = client("/v1/check", {**question, "object": "acme/orders"})
    assert {"allowed": False, "revision": authz.revision} == denied.json()


def test_check_can_explain(client: Client) -> None:
    question = {"subject": "user:ann", "action": "edit_api", "object": "acme/payments"}
    reply = client("/v1/check", {**question, "explain": True}).json()
    assert reply["allowed"] is False
    assert "role 'Member' does not hold 'edit_api'" in reply["reason"]


def test_a_change_is_seen_by_the_next_request(client: Client, authz: Authorizer) -> None:
    question = {"subject": "user:ann", "action": "view_api", "object": "acme/orders"}
    assert client("/v1/check", question).json()["allowed"] is False
    Management(authz).access.add(SYSTEM, workspace="acme", api="orders", targets=["user:ann"])
    assert client("/v1/check", question).json()["allowed"] is True


def test_batch_answers_in_order(client: Client) -> None:
    checks = [
        {"subject": "user:ann", "action": "view_api", "object": "acme/payments"},
        {"subject": "cid:Globex%201", "action": "view_api", "object": "acme/orders"},
        {"subject": "user:nobody", "action": "view_api", "object": "acme/payments"},
    ]
    reply = client("/v1/check/batch", {"checks": checks})
    assert (200, [True, True, False]) == (reply.status, reply.json()["results"])


@pytest.mark.parametrize(
    ("raw", "status", "phrase"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'{"subject": "user:ann", "action": "view_api"}', 400, "'object' must be"),
        (b'{"subject": "user:ann", "action": "fly", "object": "acme"}', 400, "fly"),
        (
            b'{"subject": "user:ann", "action": "view_api", "object": "acme", "explain": 1}',
            400,
            "'explain' must be true or false",
        ),
    ],
)
def test_bad_checks_are_refused_naming_the_problem(
    client: Client, raw: bytes, status: int, phrase: str
) -> None:
    reply = client("/v1/check", raw=raw, headers={"Content-Type": "application/json"})
    assert status == reply.status
    assert phrase in reply.json()["error"]


def test_bad_batches_are_refused_whole(client: Client) -> None:
    good = {"subject": "user:ann", "action": "view_api", "object": "acme/payments"}
    too_many = client("/v1/check/batch", {"checks": [good] * 4})
    assert 413 == too_many.status
    assert "at most 3 questions" in too_many.json()["error"]
    typo = client("/v1/check/batch", {"checks": [good, {**good, "action": "veiw_api"}]})
    assert 400 == typo.status
    assert "checks[1]" in typo.json()["error"]
    assert 400 == client("/v1/check/batch", {"checks": "all"}).status


def test_wrong_method_and_path(client: Client) -> None:
    wrong = client("/v1/check", method="GET")
    assert (405, "POST") == (wrong.status, wrong.headers["Allow"])
    missing = client("/v2/check")
    assert 404 == missing.status
    assert "/v1/check" in missing.json()["error"]


def test_an_oversized_body_is_refused() -> None:
    service = DecisionService(Authorizer(), max_body=10)
    server = make_http_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        reply = Client(f"http://127.0.0.1:{server.server_port}")(
            "/v1/check", {"subject": "user:ann", "action": "view_api", "object": "acme"}
        )
    finally:
        server.shutdown()
        server.server_close()
    assert 413 == reply.status
    assert "at most 10" in reply.json()["error"]


# -- forward-auth ---------------------------------------------------------------


def test_forward_auth_nginx_style(client: Client) -> None:
    """NGINX ``auth_request /v1/forward-auth/acme/payments`` with the subject in a header."""
    allowed = client("/v1/forward-auth/acme/payments", headers={"X-Rbac-Subject": "user:ann"})
    assert 200 == allowed.status
    assert allowed.headers["X-Rbac-Revision"].isdigit()
    denied = client("/v1/forward-auth/acme/orders", headers={"X-Rbac-Subject": "user:ann"})
    assert 403 == denied.status


def test_forward_auth_envoy_style_keeps_the_original_path_out(client: Client) -> None:
    """Envoy appends the original request path after the prefix; it does not change the API."""
    reply = client(
        "/v1/forward-auth/acme/orders/v1/orders/42?expand=1",
        method="POST",
        headers={"X-Customer-Id": "Globex 1"},
    )
    assert 200 == reply.status


def test_forward_auth_traefik_style_with_headers_only(client: Client) -> None:
    headers = {"X-Rbac-Subject": "customer:globex", "X-Rbac-Object": "acme/orders"}
    assert 200 == client("/v1/forward-auth", headers=headers).status
    edit = client("/v1/forward-auth", headers={**headers, "X-Rbac-Action": "edit_api"})
    assert 403 == edit.status


def test_forward_auth_without_a_subject_is_401(client: Client) -> None:
    reply = client("/v1/forward-auth/acme/payments")
    assert 401 == reply.status
    assert "WWW-Authenticate" in reply.headers


def test_forward_auth_without_an_object_or_with_an_unknown_action_is_400(client: Client) -> None:
    assert 400 == client("/v1/forward-auth", headers={"X-Rbac-Subject": "user:ann"}).status
    typo = client(
        "/v1/forward-auth/acme/payments",
        headers={"X-Rbac-Subject": "user:ann", "X-Rbac-Action": "veiw_api"},
    )
    assert 400 == typo.status


def test_forward_auth_denies_unknown_things(client: Client) -> None:
    for path, subject in [
        ("/v1/forward-auth/acme/nope", "user:ann"),
        ("/v1/forward-auth/other/payments", "user:ann"),
        ("/v1/forward-auth/acme/payments", "user:ghost"),
    ]:
        assert 403 == client(path, headers={"X-Rbac-Subject": subject}).status


# -- health and metrics ---------------------------------------------------------


def test_health_and_metrics(client: Client, authz: Authorizer) -> None:
    assert {"status": "ok", "revision": authz.revision} == client("/healthz").json()
    client("/v1/forward-auth/acme/payments", headers={"X-Rbac-Subject": "user:ann"})
    client("/v1/forward-auth/acme/orders", headers={"X-Rbac-Subject": "user:ann"})
    client("/v1/check", raw=b"{")
    text = client("/metrics").body.decode()
    assert 'rbac_kit_decisions_total{result="allow"} 1' in text
    assert 'rbac_kit_decisions_total{result="deny"} 1' in text
    assert 'rbac_kit_requests_total{endpoint="forward-auth",status="403"} 1' in text
    assert 'rbac_kit_requests_total{endpoint="/v1/check",status="400"} 1' in text
    assert f"rbac_kit_revision {authz.revision}" in text


# -- through the WSGI application ---------------------------------------------------


def call(
    service: DecisionService,
    path: str,
    raw: bytes = b"",
    *,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One request through ``service`` with the environ a WSGI server builds."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        CONTENT_LENGTH=str(len(raw)),
        **{"wsgi.input": io.BytesIO(raw)},
    )
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    body = b"".join(service(environ, start_response))
    return Reply(answer["status"], answer["headers"], body)


def ask(service: DecisionService, body: object, path: str = "/v1/check") -> Reply:
    return call(service, path, json.dumps(body).encode())


ANN_PAYMENTS = {"subject": "user:ann", "action": "view_api", "object": "acme/payments"}
ANN_ORDERS = {**ANN_PAYMENTS, "object": "acme/orders"}


# -- input bounds ---------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"[" * 100_000, b"{" * 100_000, b'{"a":' * 50_000])
def test_deeply_nested_json_is_400_naming_the_limit(authz: Authorizer, raw: bytes) -> None:
    """The depth is counted before parsing: no RecursionError, no 500."""
    reply = call(DecisionService(authz), "/v1/check", raw)
    assert 400 == reply.status
    assert f"at most {MAX_DEPTH}" in reply.json()["error"]


def test_nesting_up_to_the_limit_is_parsed(authz: Authorizer) -> None:
    """Brackets inside strings, escaped quotes among them, do not count as nesting."""
    service = DecisionService(authz, max_depth=3)
    tricky = 'x\\"[[[[{{{{\\\\'
    checks = [{**ANN_PAYMENTS, "note": [tricky]}]  # object, list, object, list: 4 levels
    assert 400 == ask(service, {"checks": checks}, "/v1/check/batch").status
    assert 200 == ask(service, {"checks": [ANN_PAYMENTS], "note": tricky}, "/v1/check/batch").status


def test_a_number_too_long_for_python_is_400(authz: Authorizer) -> None:
    """A 5,000-digit integer is past what json.loads converts: a 400, not a 500."""
    reply = call(DecisionService(authz), "/v1/check", b'{"min_revision": ' + b"1" * 5000 + b"}")
    assert 400 == reply.status
    assert "not JSON" in reply.json()["error"]


def test_a_4_mib_unknown_action_is_named_in_under_1_kib(authz: Authorizer) -> None:
    """The message names the action, cut to about 100 characters, and still lists the catalog."""
    service = DecisionService(authz)
    action = "x" * (MAX_BODY - 300)  # the whole body within MAX_BODY
    reply = ask(service, {**ANN_PAYMENTS, "action": action})
    assert 400 == reply.status
    assert len(reply.body) < 1024
    error = reply.json()["error"]
    assert f"unknown action {'x' * 100!r}..." in error
    assert "view_api" in error
    batch = ask(
        service, {"checks": [ANN_PAYMENTS, {**ANN_PAYMENTS, "action": action}]}, "/v1/check/batch"
    )
    assert (400, True) == (batch.status, len(batch.body) < 1024)
    assert batch.json()["error"].startswith("checks[1]: unknown action 'xxx")


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [
        (
            "/v1/forward-auth/acme/payments",
            "GET",
            {"X-Rbac-Subject": "user:ann", "X-Rbac-Action": "y" * 60_000},
        ),
        ("/v1/forward-auth/acme/payments", "GET", {"X-Customer-Id": "z" * 60_000 + " "}),
        (
            "/v1/forward-auth/acme/payments",
            "GET",
            {"X-Rbac-Subject": "user:ann", "X-Rbac-Min-Revision": "9" * 60_000},
        ),
        ("/" + "p" * 60_000, "GET", {}),
        ("/v1/check", "M" * 60_000, {}),
    ],
)
def test_no_error_echoes_a_long_value_whole(
    authz: Authorizer, path: str, method: str, headers: dict[str, str]
) -> None:
    """A header, a Customer ID, a path or a method is quoted to at most 100 characters."""
    reply = call(DecisionService(authz), path, method=method, headers=headers)
    assert reply.status in (400, 404, 405)
    assert len(reply.body) < 1024, reply.body[:300]
    assert "..." in reply.json()["error"]


# -- at least as fresh as asked -------------------------------------------------


def test_a_reached_min_revision_is_answered_at_once(authz: Authorizer) -> None:
    """Check, batch and forward-auth answer as usual, saying the revision they read."""
    service = DecisionService(authz, max_wait=5)
    held = authz.revision
    for min_revision in (0, held):
        start = time.monotonic()
        check = ask(service, {**ANN_PAYMENTS, "min_revision": min_revision})
        batch = ask(
            service, {"checks": [ANN_PAYMENTS], "min_revision": min_revision}, "/v1/check/batch"
        )
        forward = call(
            service,
            "/v1/forward-auth/acme/payments",
            method="GET",
            headers={"X-Rbac-Subject": "user:ann", "X-Rbac-Min-Revision": str(min_revision)},
        )
        assert time.monotonic() - start < 1
        assert {"allowed": True, "revision": held} == check.json()
        assert {"results": [True], "revision": held} == batch.json()
        assert (200, str(held)) == (forward.status, forward.headers["X-Rbac-Revision"])


def test_a_min_revision_ahead_is_503_after_the_bound(authz: Authorizer) -> None:
    """Every endpoint waits ``max_wait``, then says what was asked and what is held."""
    service = DecisionService(authz, max_wait=0.05)
    held, ahead = authz.revision, authz.revision + 1
    for reply in (
        ask(service, {**ANN_PAYMENTS, "min_revision": ahead}),
        ask(service, {"checks": [ANN_PAYMENTS], "min_revision": ahead}, "/v1/check/batch"),
        call(
            service,
            "/v1/forward-auth/acme/payments",
            method="GET",
            headers={"X-Rbac-Subject": "user:ann", "X-Rbac-Min-Revision": str(ahead)},
        ),
    ):
        assert (503, "1") == (reply.status, reply.headers["Retry-After"])
        answer = reply.json()
        assert (ahead, held) == (answer["min_revision"], answer["revision"])
        assert f"revision {ahead}" in answer["error"]


def test_a_min_revision_ahead_is_answered_once_the_change_arrives(authz: Authorizer) -> None:
    """A change made through Management in another thread releases the waiting request."""
    service = DecisionService(authz, max_wait=10)
    ahead = authz.revision + 1

    def grant() -> None:
        time.sleep(0.1)
        Management(authz).access.add(SYSTEM, workspace="acme", api="orders", targets=["user:ann"])

    writer = threading.Thread(target=grant)
    writer.start()
    try:
        reply = ask(service, {**ANN_ORDERS, "min_revision": ahead})
    finally:
        writer.join()
    assert 200 == reply.status
    assert reply.json()["allowed"] is True
    assert ahead <= reply.json()["revision"]


@pytest.mark.parametrize("value", [-1, 2**63, "5", 1.5, True, None, [1]])
def test_a_malformed_min_revision_in_a_body_is_400(authz: Authorizer, value: object) -> None:
    """Only a whole number from 0 to 2**63 - 1 names a revision."""
    service = DecisionService(authz)
    for reply in (
        ask(service, {**ANN_PAYMENTS, "min_revision": value}),
        ask(service, {"checks": [ANN_PAYMENTS], "min_revision": value}, "/v1/check/batch"),
    ):
        assert 400 == reply.status
        assert "'min_revision' must be a whole number" in reply.json()["error"]


@pytest.mark.parametrize("value", ["-1", "1.0", "abc", " 1x", "9223372036854775808", "²"])
def test_a_malformed_min_revision_header_is_400(authz: Authorizer, value: str) -> None:
    """The header holds ASCII digits only, of a number below 2**63."""
    reply = call(
        DecisionService(authz),
        "/v1/forward-auth/acme/payments",
        method="GET",
        headers={"X-Rbac-Subject": "user:ann", "X-Rbac-Min-Revision": value},
    )
    assert 400 == reply.status
    assert "X-Rbac-Min-Revision must be a whole number" in reply.json()["error"]


def test_max_wait_must_be_seconds_from_zero(authz: Authorizer) -> None:
    """A negative or NaN bound is refused when the service is made."""
    for bad in (-1.0, float("nan")):
        with pytest.raises(InvalidInput, match="max_wait"):
            DecisionService(authz, max_wait=bad)


# -- subject headers --------------------------------------------------------------


def test_both_subject_headers_are_400(client: Client) -> None:
    """Neither silently wins: a client adding one the gateway does not set is refused."""
    reply = client(
        "/v1/forward-auth/acme/orders",
        headers={"X-Rbac-Subject": "user:ann", "X-Customer-Id": "Globex 1"},
    )
    assert 400 == reply.status
    assert "two subject headers" in reply.json()["error"]


def test_the_standard_server_reads_underscores_as_dashes(client: Client) -> None:
    """``X_Rbac_Subject`` is ``X-Rbac-Subject`` to it: gateways must strip both spellings."""
    reply = client("/v1/forward-auth/acme/payments", headers={"X_Rbac_Subject": "user:ann"})
    assert 200 == reply.status


# -- readiness --------------------------------------------------------------------


def _until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Poll ``condition`` every 5 ms until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.005)


def _ready(service: DecisionService) -> Reply:
    return call(service, "/readyz", method="GET")


def _gauges(service: DecisionService) -> list[str]:
    text = call(service, "/metrics", method="GET").body.decode()
    return [line for line in text.splitlines() if line.startswith("rbac_kit_follower_")]


@pytest.fixture
def followed(tmp_path: Path) -> Iterator[tuple[Store, Authorizer, Follower]]:
    """A SQLite store holding acme, its Authorizer, and a Follower of it (not started)."""
    with Store.open(f"sqlite:///{tmp_path / 'rbac.db'}") as store:
        authz = open_authorizer(store)
        Management(authz).workspaces.create(
            SYSTEM, workspace=Workspace(id="acme", name="Acme"), owner=None
        )
        follower = Follower(store, authz, interval=0.02)
        yield store, authz, follower
        follower.stop(timeout=5)


def test_readyz_without_a_follower_answers_from_the_index(
    client: Client, authz: Authorizer
) -> None:
    """Mounted without a follower the service is ready whenever it answers (no auth asked),
    and its metrics have no follower gauges."""
    reply = client("/readyz")
    assert (200, {"status": "ready", "revision": authz.revision}) == (reply.status, reply.json())
    assert "rbac_kit_follower_" not in client("/metrics").body.decode()


def test_readyz_is_503_while_the_follower_is_not_following(
    followed: tuple[Store, Authorizer, Follower], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not started, or failing to read the store: 503 with the reason and Retry-After;
    following again: 200. The gauges say the same."""
    store, authz, follower = followed
    service = DecisionService(authz, follower=follower)
    idle = _ready(service)
    assert (503, "1", "not ready") == (
        idle.status,
        idle.headers["Retry-After"],
        idle.json()["status"],
    )
    assert "not following the store" in idle.json()["reason"]
    follower.start()
    _until(lambda: 200 == _ready(service).status, "ready")
    assert {"status": "ready", "revision": authz.revision} == _ready(service).json()
    assert ["rbac_kit_follower_following 1", "rbac_kit_follower_lag 0"] == _gauges(service)
    broken = True
    events = store.events

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if broken:
            raise ConnectionError("the database went away")
        return events(*args, **kwargs)

    monkeypatch.setattr(store, "events", flaky)
    _until(lambda: 503 == _ready(service).status, "not ready while the store fails")
    down = _ready(service).json()
    assert ("not ready", 0) == (down["status"], down["lag"])
    assert "ConnectionError: the database went away" in down["reason"]
    assert ["rbac_kit_follower_following 0", "rbac_kit_follower_lag 0"] == _gauges(service)
    broken = False
    _until(lambda: 200 == _ready(service).status, "ready again")


def test_readyz_is_503_while_the_follower_is_behind(
    followed: tuple[Store, Authorizer, Follower], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change seen in the store but not applied yet: 503 with the lag (200 when the
    service allows that lag); applied: 200."""
    store, authz, follower = followed
    service = DecisionService(authz, follower=follower)
    lenient = DecisionService(authz, follower=follower, max_lag=1)
    applying = threading.Event()
    replay = store.replay

    def slow(*args: Any, **kwargs: Any) -> Any:
        applying.wait(5)
        return replay(*args, **kwargs)

    monkeypatch.setattr(store, "replay", slow)
    follower.start()
    _until(lambda: 200 == _ready(service).status, "ready")
    Management(open_authorizer(store)).apis.register(SYSTEM, workspace="acme", id="pay", name="Pay")
    _until(lambda: 503 == _ready(service).status, "behind")
    behind = _ready(service).json()
    assert 1 == behind["lag"]
    assert "1 revisions behind the store" in behind["reason"]
    assert 200 == _ready(lenient).status
    assert ["rbac_kit_follower_following 1", "rbac_kit_follower_lag 1"] == _gauges(service)
    applying.set()
    _until(lambda: 200 == _ready(service).status, "caught up")
    assert authz.revision == _ready(service).json()["revision"]


def test_max_lag_must_not_be_negative(authz: Authorizer) -> None:
    with pytest.raises(InvalidInput, match="max_lag must be 0 or more"):
        DecisionService(authz, max_lag=-1)
