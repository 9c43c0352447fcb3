"""The event stream and pending requests against the fake Asterisk."""

from __future__ import annotations

from tests.agi.inventory import PIN
from tests.fakes.asterisk import FakeAsterisk
from tests.web.conftest import SUPERVISOR_PIN
from tests.web.harness import Stream, WebService, agent_event, log_in

CALL = "Local/1001@gitops-agents-0000002a;1"


def test_a_pause_made_elsewhere_shows_on_every_stream(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as ann:
        log_in(ann, "1001", PIN)
        assert ann.post("/api/agents/1001/login", json={}).json()["status"] == "ok"
        own = Stream(web.client(cookies=ann.cookies)).start()
        boss_client = web.client()
        log_in(boss_client, "sophie", SUPERVISOR_PIN)
        boss = Stream(boss_client).start()
        try:
            _, snapshot = own.wait(lambda name, _data: name == "snapshot")
            assert [(r["agent"], r["state"]) for r in snapshot] == [("1001", "available")]
            # as PauseQueueMember of a feature code does: the event is all the service sees
            fake_asterisk.queue_pause(None, "Local/1001@gitops-agents", True, "break")
            for stream in (own, boss):
                _, row = stream.wait(agent_event("1001", state="paused", reason="break"))
                assert row["paused"] is True and row["interface"] == "internal"
        finally:
            own.close()
            boss.close()


def test_a_logout_during_a_call_is_pending_until_it_ends(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as ann:
        log_in(ann, "1001", PIN)
        assert ann.post("/api/agents/1001/login", json={}).json()["status"] == "ok"
    fake_asterisk.active_channels.add(CALL)  # the queue's call to ann is up
    with web.client() as boss:
        log_in(boss, "sophie", SUPERVISOR_PIN)
        stream = Stream(web.client(cookies=boss.cookies)).start()
        try:
            reply = boss.post("/api/agents/1001/logout")
            assert (reply.status_code, reply.json()["status"]) == (202, "pending")
            stream.wait(agent_event("1001", pending="logout"))
            assert {m.interface for m in fake_asterisk.members("support")} == {
                "Local/1001@gitops-agents"
            }  # the customer is not cut off: ann is still a member
            fake_asterisk.active_channels.discard(CALL)
            fake_asterisk.emit("Hangup", "call", [("Channel", CALL), ("Cause", "16")])
            stream.wait(agent_event("1001", state="logged_out", pending=None))
        finally:
            stream.close()
    assert fake_asterisk.members("support") == []
    assert fake_asterisk.db_tree("gitops/agent") == {}


def test_a_pending_pause_is_dropped_by_an_unpause(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as ann:
        log_in(ann, "1001", PIN)
        ann.post("/api/agents/1001/login", json={})
        fake_asterisk.active_channels.add(CALL)
        reply = ann.post("/api/agents/1001/pause", json={"reason": "lunch"})
        assert (reply.status_code, reply.json()["reason"]) == (202, "lunch")
        assert fake_asterisk.db_get("gitops/agent/1001", "pending") == "pause:lunch"
        assert ann.post("/api/agents/1001/unpause").json()["status"] == "ok"
        assert fake_asterisk.db_get("gitops/agent/1001", "pending") is None
    fake_asterisk.active_channels.discard(CALL)
