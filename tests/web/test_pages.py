"""The web panel's pages over plain HTTP against the fake Asterisk: who sees which page, the
CSRF token of the forms, the headers, what the pages say; and the presentation helpers."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from provisioner.model import Agent, QueueMembership
from runtime.context import Outcome
from tests.agi.inventory import PIN, agent
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.web.conftest import SERVER, SUPERVISOR_PIN, build
from tests.web.harness import WebService
from web import panel


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "no CSRF token in the page"
    return found.group(1)


def signed_in(client: httpx.Client, user: str, pin: str) -> httpx.Response:
    """The page the sign-in leads to."""
    reply = client.post("/signin", data={"user": user, "pin": pin})
    assert reply.status_code == 303, reply.text
    return client.get(reply.headers["location"], follow_redirects=True)


def test_every_page_but_sign_in_wants_a_session(web: WebService) -> None:
    with web.client() as client:
        for path in ("/", "/agent", "/agent/live", "/supervisor", "/supervisor/confirm"):
            reply = client.get(path)
            assert (reply.status_code, reply.headers["location"]) == (303, "/signin"), path
        reply = client.get("/signin")
        assert reply.status_code == 200 and 'name="pin"' in reply.text
        csp = reply.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert reply.headers["cache-control"] == "no-store"
        assert client.get("/static/panel.js").status_code == 200
        assert client.get("/favicon.ico").headers["location"] == "/static/icon.svg"


def test_sign_in_refusals_say_why_and_keep_the_number(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as client:
        reply = client.post("/signin", data={"user": "2001", "pin": "0000"})
        assert reply.status_code == 200  # a page that says why, not a failed load
        assert "Wrong PIN. 2 tries left before you are locked out." in reply.text
        assert 'value="2001"' in reply.text and "0000" not in reply.text
        reply = client.post("/signin", data={"user": "9999", "pin": PIN})
        assert "No agent or supervisor has this number." in reply.text
        reply = client.post("/signin", data={"user": "2001", "pin": ""})
        assert "Enter your number and your PIN." in reply.text
        assert fake_asterisk.db_get("gitops/lockout/1001", "failures") == "1"  # empty: not counted


def test_agent_and_supervisor_pages(web: WebService) -> None:
    with web.client() as client:
        page = signed_in(client, "2001", PIN)
        assert page.url.path == "/agent" and 'id="interface-mobile"' in page.text
        assert client.get("/supervisor").status_code == 403  # not a supervisor's
    with web.client() as client:
        page = signed_in(client, "sophie", SUPERVISOR_PIN)
        assert page.url.path == "/supervisor"
        assert [m for m in re.findall(r'<tr id="agent-(\w+)"', page.text)] == ["1001", "1003"]
        assert client.get("/agent").status_code == 403


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    web: WebService, fake_asterisk: FakeAsterisk
) -> None:
    with web.client() as client:
        page = signed_in(client, "2001", PIN)
        csrf = csrf_of(page)
        for data in ({"interface": "internal"}, {"interface": "internal", "csrf": "forged"}):
            reply = client.post("/agent/login", data=data)
            assert reply.status_code == 403 and "Refused: nothing was changed" in reply.text
        assert fake_asterisk.db_tree("gitops/agent") == {}
        reply = client.post("/agent/login", data={"interface": "internal", "csrf": csrf})
        assert (reply.status_code, reply.headers["location"]) == (303, "/agent")
        assert fake_asterisk.db_get("gitops/agent/1001", "interface") == "internal"
        page = client.get("/agent")
        assert "Logged in." in page.text and "Internal line" in page.text
        assert "Logged in." not in client.get("/agent").text  # the notice is shown once
        reply = client.post("/signout", data={})
        assert reply.status_code == 403  # signing out is a state change too
        reply = client.post("/signout", data={"csrf": csrf})
        assert reply.headers["location"] == "/signin?why=signed_out"
        assert client.get("/agent").headers["location"] == "/signin"  # the cookie is gone


def test_a_live_refresh_does_not_keep_a_session_alive(web: WebService) -> None:
    sessions = web.service.sessions
    with web.client() as client:
        signed_in(client, "2001", PIN)
        (session,) = [s for s in sessions._sessions.values() if s.principal.id == "1001"]
        seen = session.last_seen
        assert client.get("/agent/live").status_code == 200
        assert session.last_seen == seen
        client.get("/agent")
        assert session.last_seen > seen


def test_supervisor_confirms_then_acts(web: WebService, fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_registered("ph-c")
    with web.client() as agent_client:
        page = signed_in(agent_client, "2003", PIN)  # 1003: hot desk, in sales
        reply = agent_client.post("/agent/login", data={"phone": "3003", "csrf": csrf_of(page)})
        assert reply.status_code == 303
    with web.client() as client:
        signed_in(client, "sophie", SUPERVISOR_PIN)
        page = client.get("/supervisor/confirm?agent=1003&action=pause&state=available")
        assert "Pause Agent 1003?" in page.text and 'name="state" value="available"' in page.text
        assert client.get("/supervisor/confirm?agent=1002&action=pause").status_code == 403
        assert client.get("/supervisor/confirm?agent=1003&action=nap").status_code == 400
        data = {"agent": "1003", "action": "pause", "reason": "break", "state": "available"}
        reply = client.post("/supervisor/act", data={**data, "csrf": csrf_of(page)})
        assert reply.headers["location"] == "/supervisor?state=available"
        assert "Agent 1003 is paused (break)." in client.get("/supervisor").text
        member = fake_asterisk.members("sales")[0]
        assert (member.paused, member.reason) == (True, "break")
        reply = client.post("/supervisor/act", data={**data, "agent": "1002", "csrf": "x"})
        assert reply.status_code == 403


def test_names_from_the_inventory_are_escaped(
    fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer, tmp_path: Path
) -> None:
    url = f"ami://gitops@127.0.0.1:{ami_server.port}"
    base = build(url)
    named = tuple(
        replace(a, name="<img src=x onerror=alert(1)>") if a.id == "1001" else a
        for a in base.agents
    )
    service = WebService(
        tmp_path, lambda _root: replace(base, agents=named), {SERVER: "gitops-secret"}
    )
    for running in service.running():
        with running.client() as client:
            page = signed_in(client, "sophie", SUPERVISOR_PIN)
            assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
            assert "<img src=x" not in page.text


# -- presentation ----------------------------------------------------------------------


def test_the_rows_a_page_carries_cannot_end_their_script_block() -> None:
    rows = [{"agent": "a", "name": "</script><script>alert(1)</script> & <!--"}]
    text = str(panel.rows_json(rows))
    assert not {"<", ">", "&"} & set(text)  # inert inside <script type="application/json">
    assert json.loads(text) == rows


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (65, "1:05"), (3599, "59:59"), (3723, "1:02:03")]
)
def test_durations_as_the_timers_show_them(seconds: int, shown: str) -> None:
    assert panel.duration(seconds) == shown


def test_counts_per_queue_and_the_filter() -> None:
    ann = agent("a", "1", queues=(QueueMembership("sales", 0), QueueMembership("support", 0)))
    bob: Agent = agent("b", "2", queues=(QueueMembership("sales", 0),))
    rows = [(ann, {"state": "paused"}), (bob, {"state": None})]
    found = {c.queue: {s: c[s] for s in ("paused", "logged_out")} for c in panel.counts(rows)}
    assert found == {
        "sales": {"paused": 1, "logged_out": 1},
        "support": {"paused": 1, "logged_out": 0},
    }
    chosen = panel.Filter.of({"queue": "support", "state": "bogus"}, ["sales", "support"])
    assert chosen == panel.Filter("support", "")
    assert [a.id for a, r in rows if chosen.keeps(a, r)] == ["a"]


def test_what_a_page_says_after_an_action() -> None:
    assert panel.notice(Outcome("ok"), "Done.") == panel.Notice("ok", "Done.")
    held = Outcome("pending", reason="lunch", detail="agent ann is on a call: ...")
    assert panel.notice(held, "", "You are") == panel.Notice(
        "pending", "You are on a call: the pause (lunch) takes effect when it ends."
    )
    held = Outcome("pending", detail="agent ann is on a call: ...")
    assert panel.notice(held, "", "Ann Martin is").text == (
        "Ann Martin is on a call: the logout takes effect when it ends."
    )
    assert panel.notice(Outcome("phone_in_use", detail="phone x is in use"), "").kind == "error"
    assert panel.pending_text("pause:lunch") == "Pause (lunch) when the call ends"
    paused_on_call = {"state": "on_call", "paused": True, "reason": "lunch"}
    assert panel.state_text(paused_on_call) == "On a call (paused: lunch)"
