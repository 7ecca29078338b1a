"""The HTTP decision service over a real socket, as a gateway or a client calls it."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import pytest

from rbac_kit import SYSTEM, Authorizer, Management, Workspace
from rbac_kit.service import DecisionService, make_http_server


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
