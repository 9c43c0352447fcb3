"""The JSON API against the fake Asterisk: sessions, CSRF, who may do what, the rules."""

from __future__ import annotations

import pytest

from tests.agi.inventory import PIN
from tests.fakes.asterisk import FakeAsterisk
from tests.web.conftest import SUPERVISOR_PIN, TOKEN
from tests.web.harness import WebService, log_in

ANN = "Local/1001@gitops-agents"


def members(fake: FakeAsterisk, queue: str) -> dict[str, tuple[bool, str]]:
    return {m.interface: (m.paused, m.reason) for m in fake.members(queue)}


def test_an_agent_logs_in_pauses_unpauses_and_logs_out(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as client:
        log_in(client, "2001", PIN)  # by extension
        me = client.get("/api/session").json()
        assert me["user"] == {"kind": "agent", "id": "1001", "name": "Ann, Smith"}
        reply = client.post("/api/agents/1001/login", json={"interface": "phone"})
        assert (reply.status_code, reply.json()["status"]) == (200, "ok"), reply.text
        assert members(fake_asterisk, "support") == {ANN: (False, "")}
        assert fake_asterisk.db_get("gitops/agent/1001", "device") == "PJSIP/ph-a"
        reply = client.post("/api/agents/1001/pause", json={"reason": "lunch"})
        assert reply.json() == {"status": "ok", "agent": "1001", "reason": "lunch"}
        assert members(fake_asterisk, "sales") == {ANN: (True, "lunch")}
        assert client.post("/api/agents/1001/unpause").json()["status"] == "ok"
        assert members(fake_asterisk, "sales") == {ANN: (False, "")}
        assert client.post("/api/agents/1001/logout").json()["status"] == "ok"
        assert members(fake_asterisk, "sales") == {}
        assert fake_asterisk.db_tree("gitops/agent") == {}


def test_login_paused_and_phone_choices(web: WebService, fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_registered("ph-b")
    with web.client() as client:
        log_in(client, "1002", PIN)  # hot desk
        choices = client.get("/api/agents/1002/phones").json()
        assert choices["hot_desk"] and [p["id"] for p in choices["phones"]] == [
            "ph-a",
            "ph-b",
            "ph-e",
        ]
        reply = client.post("/api/agents/1002/login", json={"phone": "3002", "paused": "break"})
        assert reply.json()["status"] == "ok", reply.text
        member = members(fake_asterisk, "support")["Local/1002@gitops-agents"]
        assert member == (True, "break")  # added paused: never available in between
        choices = client.get("/api/agents/1002/phones").json()
        assert "ph-b" in [p["id"] for p in choices["phones"]]  # its own phone stays listed
    with web.client() as other:
        log_in(other, "1007", PIN)
        free = [p["id"] for p in other.get("/api/agents/1007/phones").json()["phones"]]
        assert "ph-b" not in free
        reply = other.post("/api/agents/1007/login", json={"phone": "3002"})
        assert (reply.status_code, reply.json()["status"]) == (409, "phone_in_use")


@pytest.mark.parametrize(
    ("path", "body", "code", "status"),
    [
        ("/api/agents/9999/pause", {"reason": "lunch"}, 404, "unknown_agent"),
        ("/api/agents/1002/pause", {"reason": "lunch"}, 403, "not_permitted"),
        ("/api/agents/1001/pause", {"reason": "nap"}, 422, "bad_reason"),
        ("/api/agents/1001/pause", {}, 400, "bad_request"),
        ("/api/agents/1001/login", {"interface": "fax"}, 422, "bad_request"),
        ("/api/agents/1001/pause", {"reason": "lunch"}, 409, "not_logged_in"),
    ],
)
def test_refusals_are_a_clear_4xx_and_change_nothing(
    web: WebService,
    fake_asterisk: FakeAsterisk,
    path: str,
    body: dict[str, str],
    code: int,
    status: str,
) -> None:
    with web.client() as client:
        log_in(client, "1001", PIN)
        reply = client.post(path, json=body)
        assert (reply.status_code, reply.json()["status"]) == (code, status), reply.text
        assert reply.json()["detail"]
    assert fake_asterisk.db_tree("gitops") == {}
    assert members(fake_asterisk, "support") == {}


def test_malformed_json_missing_csrf_no_session_and_expiry(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as client:
        reply = client.post("/api/agents/1001/pause", json={"reason": "lunch"})
        assert (reply.status_code, reply.json()["status"]) == (401, "unauthenticated")
        log_in(client, "1001", PIN)
        reply = client.post(
            "/api/agents/1001/login",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert (reply.status_code, reply.json()["status"]) == (400, "bad_request")
        del client.headers["X-CSRF-Token"]
        reply = client.post("/api/agents/1001/login", json={})
        assert (reply.status_code, reply.json()["status"]) == (403, "csrf")
        client.headers["X-CSRF-Token"] = "forged"
        assert client.post("/api/agents/1001/login", json={}).status_code == 403
        web.service.sessions.idle = 0.0  # every session is now idle too long
        reply = client.get("/api/agents")
        assert (reply.status_code, reply.json()["detail"]) == (
            401,
            "the session expired: log in again",
        )
    assert fake_asterisk.db_tree("gitops") == {}


def test_cookie_is_http_only_and_same_site_strict(web: WebService) -> None:
    with web.client() as client:
        reply = client.post("/api/session", json={"user": "1001", "pin": PIN})
        cookie = reply.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_wrong_pins_lock_out_and_unknown_users(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as client:
        assert client.post("/api/session", json={"user": "nobody", "pin": "1"}).status_code == 401
        for _ in range(2):
            reply = client.post("/api/session", json={"user": "1001", "pin": "0000"})
            assert (reply.status_code, reply.json()["status"]) == (401, "bad_pin")
        reply = client.post("/api/session", json={"user": "1001", "pin": "0000"})
        assert (reply.status_code, reply.json()["status"]) == (423, "locked")
        reply = client.post("/api/session", json={"user": "1001", "pin": PIN})
        assert (reply.status_code, reply.json()["status"]) == (423, "locked")
    assert fake_asterisk.db_get("gitops/lockout/1001", "until")


def test_supervisor_acts_in_scope_only(web: WebService, fake_asterisk: FakeAsterisk) -> None:
    with web.client() as agent:
        log_in(agent, "1003", PIN)  # in sales
        fake_asterisk.set_registered("ph-c")
        assert agent.post("/api/agents/1003/login", json={"phone": "3003"}).json()["status"] == "ok"
    with web.client() as boss:
        log_in(boss, "sophie", SUPERVISOR_PIN)
        listed = {a["agent"] for a in boss.get("/api/agents").json()["agents"]}
        assert listed == {"1001", "1003"}  # the agents of sales
        assert boss.post("/api/agents/1003/login", json={}).status_code == 403
        reply = boss.post("/api/agents/1002/pause", json={"reason": "lunch"})
        assert (reply.status_code, reply.json()["status"]) == (403, "not_permitted")
        assert boss.post("/api/agents/1003/pause", json={"reason": "2"}).json()["reason"] == "break"
        assert boss.post("/api/agents/1003/logout").json()["status"] == "ok"
    assert members(fake_asterisk, "sales") == {}


def test_api_token_scoped_without_csrf(web: WebService, fake_asterisk: FakeAsterisk) -> None:
    with web.client(headers={"Authorization": f"Bearer {TOKEN}"}) as crm:
        assert [a["agent"] for a in crm.get("/api/agents").json()["agents"]] == ["1002"]
        reply = crm.post("/api/agents/1002/pause", json={"reason": "lunch"})
        assert (reply.status_code, reply.json()["status"]) == (409, "not_logged_in")
        assert crm.post("/api/agents/1001/pause", json={"reason": "lunch"}).status_code == 403
    with web.client(headers={"Authorization": "Bearer forged"}) as bad:
        assert bad.get("/api/agents").status_code == 401


def test_openapi_and_health(web: WebService) -> None:
    with web.client() as client:
        document = client.get("/api/openapi.json").json()
        assert document["openapi"].startswith("3.1")
        assert "/api/agents/{agent}/pause" in document["paths"]
        health = client.get("/api/health").json()
        assert health["servers"]["pbx"]["ami"] is True
