"""The web panel in a real headless Chromium, against the service on the real Asterisk with
SIPp phones: what an agent and a supervisor see and do, and the page following what happens
elsewhere (a feature code, a supervisor). Every test fails on an error in the browser's
console (the ``tabs`` fixture). The screenshots of docs/web-panel.md are taken here."""

from __future__ import annotations

import time
from pathlib import Path

from selenium.webdriver.support.ui import Select

from tests.real.ami import event
from tests.real.center import Center
from tests.real.test_feature_codes import PIN
from tests.web.browser import Tab, Tabs
from tests.web.harness import WebService, log_in
from tests.web.steps import mark_page, only_same_origin, press, same_page, shoot, sign_in

ANN = "Local/ann@gitops-agents"
BRUNO = "Local/bruno@gitops-agents"
SUPERVISOR = ("sophie", "1234")
RING = 5.0  # seconds a slow desk phone rings before it answers


def _logged_in_ann(web: WebService, tabs: Tabs, interface: str = "internal") -> Tab:
    tab = sign_in(tabs.new(), web.url, "1001", PIN)
    tab.click(f"label[for=interface-{interface}]")
    press(tab, "#login", "/agent")
    tab.wait_text("#state", "Available")
    return tab


def test_sign_in_and_choose_where_calls_ring(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    tab = tabs.new().open(f"{web.url}/")
    assert tab.path() == "/signin"
    shoot(tab, screenshots, "signin")
    sign_in(tab, web.url, "1001", PIN)
    assert tab.path() == "/agent"
    # ann: internal, her desk phone (registered); no mobile; her default_interface is phone
    assert tab.values("input[name=interface]", "value") == ["internal", "phone"]
    assert tab.values("input[name=interface]", "checked") == ["false", "true"]
    assert tab.text("label[for=interface-phone]") == "My desk phone: Paris desk 101 (201)"
    shoot(tab, screenshots, "agent-interface")
    tab.click("label[for=interface-internal]")
    press(tab, "#login", "/agent")
    assert tab.text("#notice") == "Logged in."
    assert tab.text("#where") == "Internal line"
    assert tab.text("#queues") == "sales"
    assert fresh.members("sales")[ANN]["state"] == "PJSIP/ann"
    only_same_origin(tab, web.url)


def test_without_a_registered_phone_the_only_choice_is_skipped(
    fresh: Center, web: WebService, tabs: Tabs
) -> None:
    with fresh.switched_off("desk-paris-101"):
        tab = sign_in(tabs.new(), web.url, "1001", PIN)  # internal is all that can ring
        assert tab.path() == "/agent"
        assert tab.text("#notice") == "Logged in: calls ring at my internal line (1001)."
        assert tab.text("#where") == "Internal line"
    assert fresh.members("sales")[ANN]["state"] == "PJSIP/ann"


def test_the_mobile_is_offered_to_an_agent_who_has_one(
    fresh: Center, web: WebService, tabs: Tabs
) -> None:
    tab = sign_in(tabs.new(), web.url, "1003", PIN)  # chloe: a mobile, no desk phone
    assert tab.values("input[name=interface]", "value") == ["internal", "mobile"]
    assert tab.values("input[name=interface]", "checked") == ["false", "true"]  # her default
    assert tab.text("label[for=interface-mobile]") == "My mobile: +33612345678"
    press(tab, "#login", "/agent")
    assert tab.text("#where") == "Mobile +33612345678"
    assert fresh.members("sales")["Local/chloe@gitops-agents"]["paused"] == "0"


def _phones(tab: Tab) -> list[str]:
    return tab.values("#phone option", "value")


def test_hot_desk_lists_exactly_the_registered_free_phones(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    tab = sign_in(tabs.new(), web.url, "1002", PIN)  # bruno: hot desk
    assert _phones(tab) == ["201", "202"]
    shoot(tab, screenshots, "agent-hotdesk")
    assert fresh.call("ann", "*71", "2").status == "ok"  # ann takes 201 while it is listed
    Select(tab.find("#phone")).select_by_value("201")
    press(tab, "#login", "/agent")
    assert tab.text("#notice") == "Phone desk-paris-101 is in use."
    assert _phones(tab) == ["202"]  # the list refreshed
    with fresh.switched_off("desk-paris-102"):  # switched off while the list shows it
        press(tab, "#login", "/agent")
        refused = "Phone desk-paris-102 is not registered or not reachable."
        assert tab.text("#notice") == refused
        assert tab.has("#no-phone") and not tab.has("#phone")  # the list refreshed
    tab.open(f"{web.url}/agent")
    assert _phones(tab) == ["202"]
    press(tab, "#login", "/agent")
    assert tab.text("#where") == "Hot desk: Paris desk 102 (hot desk) (202)"
    assert fresh.members("sales")[BRUNO]["state"] == "PJSIP/desk-paris-102"


def test_pause_with_a_reason_and_the_running_timer(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    tab = _logged_in_ann(web, tabs)
    reasons = tab.values("form[action='/agent/pause'] button", "innerText")
    assert reasons == [
        "Lunch break",
        "Short break",
        "Training session",
        "Paperwork after a call",
        "Team meeting",
    ]
    press(tab, "#pause-lunch", "/agent")
    assert tab.text("#state .badge") == "Paused: lunch"
    member = fresh.members("sales")[ANN]
    assert (member["paused"], member["reason"]) == ("1", "lunch")
    first = tab.text("#state .timer")
    tab.wait(lambda t: t.text("#state .timer") not in (first, ""), 3.0, "the timer to run")
    minutes, seconds = tab.text("#state .timer").split(":")
    assert int(minutes) == 0 and 1 <= int(seconds) <= 10
    shoot(tab, screenshots, "agent-paused")
    press(tab, "#unpause", "/agent")
    assert tab.text("#state .badge") == "Available"
    assert fresh.members("sales")[ANN]["paused"] == "0"
    press(tab, "#logout", "/agent")
    assert tab.text("#notice") == "Logged out of your queues." and tab.has("#login-title")
    assert ANN not in fresh.members("sales")


def test_a_queue_call_rings_then_a_pause_waits_for_its_end(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    # The desk phone rings RING seconds before it answers: ample time for both pages to show
    # it (each refreshes within about a second of the event), and the test waits for each.
    with fresh.slow_to_answer("desk-paris-101", RING):
        agent = _logged_in_ann(web, tabs, "phone")
        boss = sign_in(tabs.new(), web.url, *SUPERVISOR)
        mark = fresh.events.mark()
        call = fresh.dial("desk-paris-102", "500").start()  # a customer calls sales
        try:
            agent.wait_text("#state .badge", "Ringing")
            boss.wait_text("#count-sales td[data-state=ringing]", "1")
            fresh.events.wait_for(event("AgentConnect", Queue="sales", Interface=ANN), mark)
            agent.wait_text("#state .badge", "On a call")
            boss.wait_text("#count-sales td[data-state=on_call]", "1")
            press(agent, "#pause-lunch", "/agent")
            held = "You are on a call: the pause (lunch) takes effect when it ends."
            assert agent.text("#notice") == held
            assert agent.text("#pending") == "Pause (lunch) when the call ends"
            assert agent.text("#state .badge") == "On a call"
            shoot(agent, screenshots, "agent-on-call")
            marker = mark_page(agent)
            fresh.events.send("Hangup", Channel=call.channel())  # the customer hangs up
            agent.wait_text("#state .badge", "Paused: lunch")
            assert same_page(agent, marker) and not agent.has("#pending")
        finally:
            call.finish()
    member = fresh.members("sales")[ANN]
    assert (member["paused"], member["reason"]) == ("1", "lunch")


def test_a_feature_code_pause_shows_on_the_open_pages(
    fresh: Center, web: WebService, tabs: Tabs
) -> None:
    agent = _logged_in_ann(web, tabs)
    boss = sign_in(tabs.new(), web.url, *SUPERVISOR)
    assert "Available" in boss.text("#agent-ann")
    agent.script("document.getElementById('pause-training').focus()")  # the keyboard focus
    markers = mark_page(agent), mark_page(boss)
    result = fresh.call("ann", "*73", "2#")  # the reason prompt, keyed 2: break
    assert result.status == "ok"
    agent.wait_text("#state .badge", "Paused: break")
    boss.wait_text("#agent-ann", "break")
    assert same_page(agent, markers[0]) and same_page(boss, markers[1])  # live, no reload
    assert agent.focused() == "pause-training"  # the refresh kept the focus
    assert agent.has("#unpause") and agent.has("#state .timer")


def test_a_supervisors_actions_show_on_the_agents_page(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    agent = _logged_in_ann(web, tabs, "phone")
    marker = mark_page(agent)
    boss = sign_in(tabs.new(), web.url, *SUPERVISOR)
    assert boss.path() == "/supervisor"
    assert boss.text("#count-sales td[data-state=available]") == "1"
    press(boss, "#pause-ann", "/supervisor/confirm")
    assert boss.text("#confirm-title") == "Pause Ann Martin?"
    Select(boss.find("#reason")).select_by_value("meeting")
    press(boss, "#confirm", "/supervisor")
    assert boss.text("#notice") == "Ann Martin is paused (meeting)."
    agent.wait_text("#state .badge", "Paused: meeting")
    with web.client() as bruno:  # bruno hot-desks at 202 over the API: the table follows
        log_in(bruno, "1002", PIN)
        assert bruno.post("/api/agents/bruno/login", json={"phone": "202"}).status_code == 200
    boss.wait_text("#agent-bruno", "Hot desk: Paris desk 102 (hot desk) (202)")
    counts = {s: boss.text(f"#count-sales td[data-state={s}]") for s in ("available", "paused")}
    assert counts == {"available": "1", "paused": "1"}
    shoot(boss, screenshots, "supervisor")
    press(boss, "#unpause-ann", "/supervisor/confirm")
    assert boss.text("#confirm-title") == "Unpause Ann Martin?"
    press(boss, "#confirm", "/supervisor")
    assert boss.text("#notice") == "Ann Martin is available again."
    agent.wait_text("#state .badge", "Available")
    assert fresh.members("sales")[ANN]["paused"] == "0"
    press(boss, "#pause-ann", "/supervisor/confirm")
    Select(boss.find("#reason")).select_by_value("meeting")
    press(boss, "#confirm", "/supervisor")
    agent.wait_text("#state .badge", "Paused: meeting")
    Select(boss.find("#filter-state")).select_by_value("paused")
    press(boss, "#filter", "/supervisor")
    assert boss.has("#agent-ann") and not boss.has("#agent-bruno")
    assert boss.text("#count-sales td[data-state=available]") == "1"  # the counts stay whole
    press(boss, "#logout-ann", "/supervisor/confirm")
    assert boss.text("#confirm-title") == "Log out Ann Martin?"
    assert "Paused: meeting" in boss.text("#now")
    shoot(boss, screenshots, "supervisor-confirm")
    press(boss, "#confirm", "/supervisor")
    assert boss.text("#notice") == "Ann Martin is logged out."
    assert boss.address() == "/supervisor?state=paused" and boss.has("#none")  # the filter kept
    agent.wait(lambda t: t.has("#login-title"), what="the agent's page to show the logout")
    assert same_page(agent, marker)
    assert ANN not in fresh.members("sales")
    assert "desk-paris-101" not in str(fresh.db())  # the phone is free again


def test_wrong_pins_then_the_lockout_until_when(
    fresh: Center, web: WebService, tabs: Tabs, screenshots: Path
) -> None:
    tab = tabs.new()
    for left in ("2 tries", "1 try"):
        sign_in(tab, web.url, "1001", "0000")
        assert tab.text("#refused") == f"Wrong PIN. {left} left before you are locked out."
        assert tab.values("#user", "value") == ["1001"] and tab.focused() == "pin"
    sign_in(tab, web.url, "1001", "0000")
    until = int(fresh.db()["/gitops/lockout/ann/until"])
    stamp = tab.find("#refused time").get_attribute("datetime")
    assert stamp == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until))
    assert tab.text("#refused").startswith("Too many wrong PINs: you are locked out until ")
    shoot(tab, screenshots, "signin-locked")
    sign_in(tab, web.url, "1001", PIN)  # the right PIN, still locked out
    assert tab.path() == "/signin" and "locked out until" in tab.text("#refused")
    result = fresh.call("desk-paris-101", "*71", "1001#")  # the same lockout as *71's
    assert result.status == "locked"


def test_an_expired_session_sends_the_page_to_sign_in(
    fresh: Center, web: WebService, tabs: Tabs
) -> None:
    tab = _logged_in_ann(web, tabs)
    web.service.sessions.idle = 0.5
    time.sleep(0.7)
    assert fresh.call("ann", "*732").status == "ok"  # the live refresh finds no session
    tab.wait(lambda t: t.address() == "/signin?why=expired", what="the sign-in page")
    assert tab.text("#notice") == "Your session expired: sign in again."
    web.service.sessions.idle = 900
    sign_in(tab, web.url, "1001", PIN)
    tab.wait_text("#state .badge", "Paused: break")
    web.service.sessions.idle = 0.5
    time.sleep(0.7)
    press(tab, "#unpause", "/signin")  # a click after the expiry: nothing done
    assert tab.text("#notice") == "Your session expired: sign in again."
    assert fresh.members("sales")[ANN]["paused"] == "1"


def test_a_state_change_without_the_csrf_token_is_refused(
    fresh: Center, web: WebService, tabs: Tabs
) -> None:
    tab = _logged_in_ann(web, tabs)
    tabs.expect_error("status of 403")  # the refused posts below
    tab.script("document.querySelector('#pause-lunch').form.csrf.remove()")
    press(tab, "#pause-lunch")
    assert tab.text("#error-title") == "Refused: nothing was changed"
    tab.open(f"{web.url}/agent")
    tab.script("document.querySelector('#logout').form.csrf.value = 'forged'")
    press(tab, "#logout")
    assert tab.text("#error-title") == "Refused: nothing was changed"
    tab.open(f"{web.url}/agent")
    statuses = tab.driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const post = (url, body) => fetch(url, {method: "POST", body}).then(r => r.status);
        Promise.all([post("/agent/pause", "reason=lunch"),
                     post("/api/agents/ann/pause", '{"reason": "lunch"}')]).then(done);"""
    )
    assert statuses == [403, 403]  # the form post and the API, each without the token
    member = fresh.members("sales")[ANN]
    assert member["paused"] == "0" and tab.text("#state .badge") == "Available"
