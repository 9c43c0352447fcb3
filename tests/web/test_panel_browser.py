"""The web panel in a real headless Chromium against the fake Asterisk (fast, no sandbox):
keyboard use, visible focus, the hot-desk list following registrations, the supervisor's
filter following live changes. Every test fails on an error in the browser's console."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.agi.inventory import PIN
from tests.fakes.asterisk import FakeAsterisk
from tests.web.browser import PHONE, Tab, Tabs
from tests.web.conftest import SUPERVISOR_PIN
from tests.web.harness import WebService, log_in
from tests.web.steps import mark_page, only_same_origin, press, same_page, sign_in
from web import api


def keys(tab: Tab, *pressed: str) -> None:
    ActionChains(tab.driver).send_keys(*pressed).perform()


def tab_order(tab: Tab, count: int) -> list[str]:
    """What Tab focuses, ``count`` times from the top of the page (its skip link)."""
    tab.script("document.querySelector('.skip').focus()")
    order = []
    for _ in range(count):
        keys(tab, Keys.TAB)
        order.append(tab.focused())
    return order


def focus_ring(tab: Tab) -> str:
    return str(
        tab.script(
            "const s = getComputedStyle(document.activeElement);"
            "return `${s.outlineStyle} ${s.outlineWidth}`"
        )
    )


def test_signing_in_and_logging_in_by_keyboard_alone(
    web: WebService, tabs: Tabs, fake_asterisk: FakeAsterisk
) -> None:
    tab = tabs.new().open(f"{web.url}/")
    assert tab.focused() == "user"  # autofocus
    assert tab_order(tab, 3) == ["user", "pin", "signin"]
    assert focus_ring(tab) == "solid 3px"
    tab.script("document.getElementById('user').focus()")
    keys(tab, "2001", Keys.TAB, PIN, Keys.ENTER)
    tab.wait(lambda t: t.path() == "/agent", what="the agent's page")
    assert tab.values("input[name=interface]", "value") == ["internal", "phone", "mobile"]
    assert tab.values("input[name=interface]", "checked") == ["true", "false", "false"]
    assert tab_order(tab, 4) == ["signout", "interface-internal", "start", "login"]
    tab.script("document.getElementById('interface-internal').focus()")
    keys(tab, Keys.ARROW_DOWN)  # radios: arrows move the choice
    assert tab.focused() == "interface-phone" and focus_ring(tab) == "solid 3px"
    marker = mark_page(tab)
    keys(tab, Keys.TAB, Keys.TAB, Keys.ENTER)  # past "Start as", onto "Log in"
    tab.wait(lambda t: not same_page(t, marker), what="the login to post")
    assert tab.text("#where") == "Desk phone: ph-a (3001)"
    assert fake_asterisk.db_get("gitops/agent/1001", "interface") == "phone"
    tab.script("document.getElementById('pause-lunch').focus()")
    marker = mark_page(tab)
    keys(tab, Keys.ENTER)
    tab.wait(lambda t: not same_page(t, marker), what="the pause to post")
    assert tab.text("#state .badge") == "Paused: lunch"
    only_same_origin(tab, web.url)


def test_a_supervisor_acts_by_keyboard_alone(web: WebService, tabs: Tabs) -> None:
    agent = sign_in(tabs.new(), web.url, "2001", PIN)
    press(agent, "#login", "/agent")
    boss = sign_in(tabs.new(), web.url, "sophie", SUPERVISOR_PIN)
    order = tab_order(boss, 6)
    assert order == [
        "signout",
        "filter-queue",
        "filter-state",
        "filter",
        "pause-1001",
        "logout-1001",
    ]
    boss.script("document.getElementById('pause-1001').focus()")
    keys(boss, Keys.ENTER)  # a link: to the confirmation
    boss.wait(lambda t: t.path() == "/supervisor/confirm", what="the confirmation")
    assert tab_order(boss, 3) == ["signout", "reason", "confirm"]
    assert focus_ring(boss) == "solid 3px"
    keys(boss, Keys.ENTER)
    boss.wait(lambda t: t.path() == "/supervisor", what="the table again")
    assert boss.text("#notice") == "Ann, Smith is paused (lunch)."
    agent.wait_text("#state .badge", "Paused: lunch")


def test_the_hot_desk_list_has_the_registered_free_phones_only(
    web: WebService, tabs: Tabs, fake_asterisk: FakeAsterisk
) -> None:
    tab = sign_in(tabs.new(), web.url, "2002", PIN)  # 1002: hot desk
    assert tab.values("#phone option", "value") == ["3001", "3005"]  # ph-b, ph-c unregistered
    fake_asterisk.set_registered("ph-b")
    tab.open(f"{web.url}/agent")
    assert tab.values("#phone option", "value") == ["3001", "3002", "3005"]
    with web.client() as other:  # 1007 takes ph-a while 1002's list still shows it
        log_in(other, "1007", PIN)
        assert other.post("/api/agents/1007/login", json={"phone": "3001"}).status_code == 200
    Select(tab.find("#phone")).select_by_value("3001")
    press(tab, "#login", "/agent")
    assert tab.text("#notice") == "Phone ph-a is in use."
    assert tab.values("#phone option", "value") == ["3002", "3005"]  # the list refreshed
    Select(tab.find("#phone")).select_by_value("3002")
    press(tab, "#login", "/agent")
    assert tab.text("#where") == "Hot desk: ph-b (3002)"


def test_one_place_to_ring_skips_the_choice(web: WebService, tabs: Tabs) -> None:
    tab = sign_in(tabs.new(), web.url, "2005", PIN)  # 1005 may not choose: its desk phone
    assert tab.text("#notice") == "Logged in: calls ring at my desk phone: ph-e (3005)."
    assert tab.text("#state .badge") == "Available"
    assert tab.values("form[action='/agent/pause'] button", "value") == ["lunch"]


def test_the_supervisors_filter_follows_live_changes(
    web: WebService, tabs: Tabs, fake_asterisk: FakeAsterisk
) -> None:
    agent = sign_in(tabs.new(), web.url, "2001", PIN)
    press(agent, "#login", "/agent")
    boss = sign_in(tabs.new(), web.url, "sophie", SUPERVISOR_PIN)
    Select(boss.find("#filter-state")).select_by_value("paused")
    press(boss, "#filter", "/supervisor")
    assert boss.address() == "/supervisor?queue=&state=paused"
    assert boss.has("#none") and boss.text("#count-sales td[data-state=available]") == "1"
    marker = mark_page(boss)
    fake_asterisk.queue_pause(None, "Local/1001@gitops-agents", True, "break")
    boss.wait(lambda t: t.has("#agent-1001"), what="ann to match the filter")
    assert boss.text("#count-sales td[data-state=paused]") == "1"
    assert same_page(boss, marker)
    agent.wait_text("#state .badge", "Paused: break")


def test_a_pause_and_a_logout_during_a_call_wait_for_its_end(
    web: WebService, tabs: Tabs, fake_asterisk: FakeAsterisk
) -> None:
    call = "Local/1001@gitops-agents-0000002a;1"
    agent = sign_in(tabs.new(), web.url, "2001", PIN)
    press(agent, "#login", "/agent")
    fake_asterisk.active_channels.add(call)  # a queue call to ann is up
    press(agent, "#pause-lunch", "/agent")
    held = "You are on a call: the pause (lunch) takes effect when it ends."
    assert agent.text("#notice") == held
    assert agent.text("#pending") == "Pause (lunch) when the call ends"
    assert agent.has("#unpause")  # which drops the pending pause
    boss = sign_in(tabs.new(), web.url, "sophie", SUPERVISOR_PIN)
    assert "Pause (lunch) when the call ends" in boss.text("#agent-1001")
    press(boss, "#logout-1001", "/supervisor/confirm")
    press(boss, "#confirm", "/supervisor")
    held = "Ann, Smith is on a call: the logout takes effect when it ends."
    assert boss.text("#notice") == held
    agent.wait_text("#pending", "Log out when the call ends")
    fake_asterisk.active_channels.discard(call)
    fake_asterisk.emit("Hangup", "call", [("Channel", call), ("Cause", "16")])
    agent.wait(lambda t: t.has("#login-title"), what="the logout when the call ended")
    boss.wait_text("#agent-1001", "Logged out")


def test_text_stands_out_from_its_background(web: WebService, tabs: Tabs) -> None:
    tab = sign_in(tabs.new(), web.url, "2001", "0000")  # the page with a refusal
    assert tab.has("#refused") and tab.low_contrast() == []
    tab.script("document.querySelector('.hint, p, label').style.color = '#9ca3af'")
    assert len(tab.low_contrast()) == 1  # the check sees a light grey on white


def test_pages_fit_a_phones_width(web: WebService, tabs: Tabs) -> None:
    agent = sign_in(tabs.new(), web.url, "2001", PIN)
    press(agent, "#login", "/agent")
    boss = sign_in(tabs.new(), web.url, "sophie", SUPERVISOR_PIN)  # the table: one card each
    assert agent.wider_than(PHONE) == 0 and boss.wider_than(PHONE) == 0
    boss.script("document.querySelector('#agent-1001 td').style.minWidth = '30rem'")
    assert boss.wider_than(PHONE) > 0  # the check sees a page wider than the phone


def test_an_open_page_goes_to_sign_in_when_its_session_expires(
    web: WebService, tabs: Tabs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "KEEPALIVE", 0.3)  # the stream looks at its session this often
    tab = sign_in(tabs.new(), web.url, "2001", PIN)
    web.service.sessions.idle = 0.5  # nothing happens on the page: only the stream can tell
    tab.wait(lambda t: t.address() == "/signin?why=expired", 5.0, "the sign-in page")
    assert tab.text("#notice") == "Your session expired: sign in again."
