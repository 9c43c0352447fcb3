"""The HTTP service on the real Asterisk, with SIPp phones: its API and event stream, and the
rules it shares with the feature codes (the phone claim, the PIN lockout) across doors."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from tests.real.ami import event
from tests.real.center import Center
from tests.real.sip import CallResult
from tests.real.test_feature_codes import PIN, session
from tests.web.harness import Stream, WebService, agent_event, log_in

ANN = "Local/ann@gitops-agents"
BRUNO = "Local/bruno@gitops-agents"
SUPERVISOR = ("sophie", "1234")  # the example's supervisor and her PIN
CRM_TOKEN = "gitops_example-crm-token-not-secret"  # the example's API token


def test_an_agent_logs_in_pauses_and_logs_out_over_http(fresh: Center, web: WebService) -> None:
    with web.client() as ann:
        log_in(ann, "1001", PIN)
        reply = ann.post("/api/agents/ann/login", json={"interface": "phone", "paused": "lunch"})
        assert reply.json()["status"] == "ok", reply.text
        member = fresh.members("sales")[ANN]
        assert (member["state"], member["paused"], member["reason"]) == (
            "PJSIP/desk-paris-101",
            "1",
            "lunch",
        )  # joined paused in one step: QueueAdd with Paused and Reason
        keys = session(fresh, "ann")
        assert (keys["interface"], keys["phone"], keys["paused"]) == (
            "phone",
            "desk-paris-101",
            "lunch",
        )
        assert fresh.db()["/gitops/phone/desk-paris-101/agent"] == "ann"
        row = ann.get("/api/agents/ann").json()
        assert (row["state"], row["reason"], row["phone"]) == ("paused", "lunch", "desk-paris-101")
        assert ann.post("/api/agents/ann/unpause").json()["status"] == "ok"
        assert fresh.members("sales")[ANN]["paused"] == "0"
        assert ann.post("/api/agents/ann/logout").json()["status"] == "ok"
    assert ANN not in fresh.members("sales")
    assert fresh.db() == {}


def test_a_pause_by_feature_code_shows_on_every_open_stream(fresh: Center, web: WebService) -> None:
    with web.client() as ann, web.client() as boss:
        log_in(ann, "1001", PIN)
        assert (
            ann.post("/api/agents/ann/login", json={"interface": "internal"}).json()["status"]
            == "ok"
        )
        log_in(boss, *SUPERVISOR)
        streams = [Stream(web.client(cookies=c.cookies)).start() for c in (ann, boss)]
        crm = Stream(web.client(headers={"Authorization": f"Bearer {CRM_TOKEN}"})).start()
        try:
            mark = fresh.events.mark()
            result = fresh.call("ann", "*732")
            assert result.status == "ok"
            paused = fresh.events.wait_for(
                event("QueueMemberPause", Interface=ANN, Paused="1"), mark
            )
            assert paused.get("PausedReason") == "break"
            done = time.monotonic()
            for stream in [*streams, crm]:
                at, row = stream.wait(agent_event("ann", state="paused", reason="break"))
                assert at - done < 1.0  # "within a second" (the event came before the call ended)
                assert row["interface"] == "internal"
        finally:
            for stream in [*streams, crm]:
                stream.close()
    assert len(web.service.backends) == 1
    assert web.service.backends["pbx-paris"].ami.logins == 1  # one AMI connection for everyone


def _race(
    fresh: Center,
    web: WebService,
    call: tuple[str, tuple[str, ...]],
    agent: str,
    body: dict[str, Any],
    when: str,
) -> tuple[CallResult, httpx.Response]:
    """A feature-code login at desk-paris-101 (``call``: caller and keys), and ``agent``'s
    web login for the same phone, fired the moment the AGI session runs a command naming
    ``when`` (its TRYLOCK of the phone: while it holds the lock; a prompt: before)."""
    caller, keys = call
    web_client = web.client()
    log_in(web_client, agent, PIN)
    answers: list[httpx.Response] = []
    fired = threading.Event()

    def fire(_message: Any) -> None:
        if not fired.is_set():
            fired.set()
            threading.Thread(
                target=lambda: answers.append(
                    web_client.post(f"/api/agents/{agent}/login", json=body)
                )
            ).start()

    def trigger(message: Any) -> bool:
        command = message.get("Command")
        return message.event == "AGIExecStart" and when in command and "lock/" not in command

    cancel = fresh.events.on(trigger, fire)
    try:
        result = fresh.call(caller, "*71", *keys)
    finally:
        cancel()
    deadline = time.monotonic() + 20
    while not answers and time.monotonic() < deadline:
        time.sleep(0.02)
    web_client.close()
    assert fired.is_set() and answers, f"the feature code never ran {when}"
    return result, answers[0]


PHONE_LOCK = "TRYLOCK(gitops-phone-desk-paris-101)"


def test_door_race_for_one_phone_exactly_one_wins(fresh: Center, web: WebService) -> None:
    """bruno hot-desks at desk-paris-101 by *71 while ann logs in on it (interface 2) over
    HTTP, and the other way round; the web login fired while the feature code holds the
    phone's lock, or before it asks for it: each time exactly one of them gets the phone,
    whichever door it used."""
    bruno_fc = ("desk-paris-101", ("1002#", f"{PIN}#"))
    ann_fc = ("ann", ("2",))
    rounds = [
        (bruno_fc, "ann", {"interface": "phone"}, PHONE_LOCK, "bruno"),
        (ann_fc, "bruno", {"phone": "201"}, PHONE_LOCK, "ann"),
        (bruno_fc, "ann", {"interface": "phone"}, "agent-pass", "bruno"),
        (ann_fc, "bruno", {"phone": "201"}, "interface-menu", "ann"),
    ]
    winners = []
    for call, web_agent, body, when, fc_agent in rounds:
        fresh.reset()
        result, reply = _race(fresh, web, call, web_agent, body, when)
        statuses = sorted([result.status, reply.json()["status"]])
        assert statuses == ["ok", "phone_in_use"], (when, result.status, reply.text)
        winner = fc_agent if result.status == "ok" else web_agent
        loser = web_agent if winner == fc_agent else fc_agent
        assert fresh.db()["/gitops/phone/desk-paris-101/agent"] == winner
        members = fresh.members("sales")
        assert f"Local/{winner}@gitops-agents" in members
        assert f"Local/{loser}@gitops-agents" not in members
        assert session(fresh, loser) == {}
        winners.append("feature code" if winner == fc_agent else "web")
    assert set(winners) == {"feature code", "web"}, winners  # both doors won a round


def test_the_lock_channel_excludes_the_feature_code(fresh: Center, web: WebService) -> None:
    """While the service's lock channel holds gitops-phone-desk-paris-101, *71 cannot take
    the phone; once it is given back, it can."""
    locks = web.service.backends["pbx-paris"].locks
    assert locks.try_lock("gitops-phone-desk-paris-101")
    try:
        result = fresh.call("ann", "*71", "2")
        assert result.status == "phone_in_use"
    finally:
        assert locks.unlock("gitops-phone-desk-paris-101")
    assert fresh.call("ann", "*71", "2").status == "ok"


def test_the_pin_lockout_is_shared_by_both_doors(fresh: Center, web: WebService) -> None:
    attempts = fresh.inventory.settings.lockout.attempts
    with web.client() as client:
        for _ in range(attempts - 1):
            reply = client.post("/api/session", json={"user": "1001", "pin": "0000"})
            assert (reply.status_code, reply.json()["status"]) == (401, "bad_pin")
        assert fresh.db()["/gitops/lockout/ann/failures"] == str(attempts - 1)
        result = fresh.call("desk-paris-101", "*71", "1001#", "0000#")
        assert result.status == "locked"  # the feature code's wrong PIN was the last one
        reply = client.post("/api/session", json={"user": "1001", "pin": PIN})
        assert (reply.status_code, reply.json()["status"]) == (423, "locked")
    assert set(fresh.db()) == {"/gitops/lockout/ann/until"}


def test_bad_input_is_refused_and_changes_nothing(fresh: Center, web: WebService) -> None:
    with web.client() as client:
        assert client.post("/api/session", json={"user": "nobody", "pin": "1"}).status_code == 401
        log_in(client, *SUPERVISOR)
        cases = [
            (client.post("/api/agents/farid/pause", json={"reason": "lunch"}), 403),  # Lyon
            (
                client.post(
                    "/api/agents/ann/pause",
                    content=b"{",
                    headers={"content-type": "application/json"},
                ),
                400,
            ),
            (client.post("/api/agents/nobody/logout"), 404),
        ]
        del client.headers["X-CSRF-Token"]
        cases.append((client.post("/api/agents/ann/logout"), 403))
        for reply, code in cases:
            assert reply.status_code == code and reply.json()["detail"], reply.text
    assert fresh.db() == {}
    assert all(m["membership"] != "dynamic" for m in fresh.members("sales").values())


def test_a_logout_during_a_queue_call_waits_for_its_end(fresh: Center, web: WebService) -> None:
    with web.client() as ann:
        log_in(ann, "1001", PIN)
        assert (
            ann.post("/api/agents/ann/login", json={"interface": "phone"}).json()["status"] == "ok"
        )
    mark = fresh.events.mark()
    call = fresh.dial("desk-paris-102", "500").start()
    try:
        fresh.events.wait_for(event("AgentConnect", Queue="sales", Interface=ANN), mark)
        with web.client() as boss:
            log_in(boss, *SUPERVISOR)
            stream = Stream(web.client(cookies=boss.cookies)).start()
            try:
                reply = boss.post("/api/agents/ann/logout")
                assert (reply.status_code, reply.json()["status"]) == (202, "pending"), reply.text
                stream.wait(agent_event("ann", pending="logout"))
                assert ANN in fresh.members("sales")  # the customer is still talking to ann
                assert session(fresh, "ann")["pending"] == "logout"
                fresh.events.send("Hangup", Channel=call.channel())
                stream.wait(agent_event("ann", state="logged_out"), timeout=15)
            finally:
                stream.close()
    finally:
        call.finish()
    assert ANN not in fresh.members("sales")
    assert fresh.db() == {}


def test_provisioner_agents_prints_the_same_table(fresh: Center, web: WebService) -> None:
    assert fresh.call("ann", "*71", "1").status == "ok"
    assert fresh.call("ann", "*731").status == "ok"
    command = [sys.executable, "-m", "provisioner", "agents", "--inventory"]
    command += [str(fresh.inventory_dir), "--server", "pbx-paris", "--format", "json"]
    done = subprocess.run(command, env=fresh.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {r["agent"]: r for r in json.loads(done.stdout)["agents"]}
    with web.client() as boss:
        log_in(boss, *SUPERVISOR)
        live = boss.get("/api/agents/ann").json()
    assert rows["ann"] == live
    assert (live["state"], live["reason"], live["interface"]) == ("paused", "lunch", "internal")
