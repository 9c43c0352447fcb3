"""Every feature code dialled from a real SIP phone (SIPp) on the real Asterisk, through the
rendered dialplan and our FastAGI server: the queue members and AstDB keys the docs promise
(docs/runtime-contract.md) and what the caller heard, read from Asterisk's own log."""

from __future__ import annotations

import re

import pytest

from tests.real.ami import event
from tests.real.center import Center
from tests.real.sip import CallResult

PIN = "1234"  # every example agent's PIN (docs/inventory.md)
ANN = "Local/ann@gitops-agents"


def check(
    result: CallResult,
    status: str,
    heard: list[str],
    asked: list[str] | None = None,
    expected_problems: int = 0,
) -> None:
    """The call ended with ``status``, the caller heard exactly ``heard`` (prompts of GET DATA
    and Playback, in order), nothing went wrong in Asterisk's log (but the first
    ``expected_problems`` lines) and AGI() succeeded."""
    context = "\n".join([*result.log[-40:], *result.problems, result.details])
    assert result.status == status, context
    assert result.heard == heard, context
    if asked is not None:
        assert result.asked == asked, context
    assert result.problems[expected_problems:] == [], context
    assert result.variables.get("AGISTATUS") == "SUCCESS", context


def log_in(center: Center, endpoint: str, *keys: str) -> CallResult:
    result = center.call(endpoint, "*71", *keys)
    assert result.status == "ok", "\n".join([*result.log[-30:], result.details])
    return result


def session(center: Center, agent: str) -> dict[str, str]:
    prefix = f"/gitops/agent/{agent}/"
    return {k.removeprefix(prefix): v for k, v in center.db().items() if k.startswith(prefix)}


@pytest.mark.parametrize(
    ("agent", "key", "interface", "dial", "device"),
    [
        ("ann", "1", "internal", "PJSIP/ann", "PJSIP/ann"),
        ("ann", "2", "phone", "PJSIP/desk-paris-101", "PJSIP/desk-paris-101"),
        ("chloe", "3", "mobile", "Local/+33612345678@gitops-outbound", ""),
    ],
)
def test_login_by_own_endpoint_on_each_interface(
    fresh: Center, agent: str, key: str, interface: str, dial: str, device: str
) -> None:
    result = fresh.call(agent, "*71", key)
    check(result, "ok", ["gitops/interface-menu", "agent-loginok"], ["gitops/interface-menu"])
    assert result.variables["GITOPS_INTERFACE"] == interface
    keys = session(fresh, agent)
    assert re.fullmatch(r"\d{10}", keys.pop("since"))
    phone = {"phone": "desk-paris-101"} if interface == "phone" else {}
    assert keys == {
        "dial": dial,
        "device": device,
        "interface": interface,
        "queues": "sales",
        **phone,
    }
    member = fresh.members("sales")[f"Local/{agent}@gitops-agents"]
    assert member["state"] == (device or f"Local/{agent}@gitops-agents")
    assert member["paused"] == "0"
    assert member["name"] == fresh.inventory.agent(agent).name  # type: ignore[union-attr]
    if interface == "phone":
        assert fresh.db()["/gitops/phone/desk-paris-101/agent"] == "ann"


def test_login_by_number_and_pin_from_a_phone(fresh: Center) -> None:
    result = fresh.call("desk-paris-101", "*71", "1004#", f"{PIN}#")
    check(result, "ok", ["agent-user", "agent-pass", "agent-loginok"], ["agent-user", "agent-pass"])
    assert session(fresh, "david")["dial"] == "PJSIP/david"
    assert fresh.members("sales")["Local/david@gitops-agents"]["penalty"] == "0"


def test_hot_desk_at_the_phone_dialled_from(fresh: Center) -> None:
    """1002# has a repeated digit: each keyed digit has its own RTP timestamp."""
    result = fresh.call("desk-paris-102", "*71", "1002#", f"{PIN}#")
    check(result, "ok", ["agent-user", "agent-pass", "agent-loginok"])
    assert result.variables["GITOPS_INTERFACE"] == "hotdesk"
    assert session(fresh, "bruno")["device"] == "PJSIP/desk-paris-102"
    assert fresh.db()["/gitops/phone/desk-paris-102/agent"] == "bruno"
    assert fresh.members("sales")["Local/bruno@gitops-agents"]["state"] == "PJSIP/desk-paris-102"


def test_hot_desk_from_the_agents_own_endpoint_asks_for_the_phone(fresh: Center) -> None:
    result = fresh.call("bruno", "*71", "202#")
    check(result, "ok", ["gitops/phone-extension", "agent-loginok"], ["gitops/phone-extension"])
    assert session(fresh, "bruno")["phone"] == "desk-paris-102"


def test_pause_with_the_reason_from_the_feature_code(fresh: Center) -> None:
    log_in(fresh, "ann", "1")
    result = fresh.call("ann", "*732")
    check(result, "ok", ["gitops/paused"], [])
    assert result.variables["GITOPS_REASON"] == "break"
    assert session(fresh, "ann")["paused"] == "break"
    member = fresh.members("sales")[ANN]
    assert (member["paused"], member["reason"]) == ("1", "break")


def test_pause_with_the_reason_from_the_prompt_then_unpause(fresh: Center) -> None:
    log_in(fresh, "ann", "1")
    result = fresh.call("ann", "*73", "1#")
    check(result, "ok", ["gitops/pause-reason", "gitops/paused"], ["gitops/pause-reason"])
    assert fresh.members("sales")[ANN]["reason"] == "lunch"
    result = fresh.call("ann", "*74")
    check(result, "ok", ["gitops/unpaused"])
    assert "paused" not in session(fresh, "ann")
    assert fresh.members("sales")[ANN]["paused"] == "0"


def test_status_logged_out_then_in_and_paused(fresh: Center) -> None:
    check(fresh.call("ann", "*75"), "not_logged_in", ["agent-loggedoff"])
    log_in(fresh, "ann", "1")
    fresh.call("ann", "*732")
    result = fresh.call("ann", "*75")
    said = ["agent-loginok", "gitops/on-internal", "gitops/paused", "gitops/reason", "digits/2"]
    assert result.heard[:6] == [*said, "for"], result.details  # paused for reason 2 for...
    assert result.heard[-1] == "seconds" and result.heard[6].startswith("digits/")
    check(result, "ok", result.heard)  # every file played, nothing went wrong
    assert (result.variables["GITOPS_INTERFACE"], result.variables["GITOPS_REASON"]) == (
        "internal",
        "break",
    )


def test_status_says_the_phone_worked_at(fresh: Center) -> None:
    log_in(fresh, "ann", "2")
    phone = fresh.inventory.phone("desk-paris-101")
    assert phone is not None
    digits = [f"digits/{d}" for d in phone.extension]
    check(
        fresh.call("ann", "*75"),
        "ok",
        ["agent-loginok", "gitops/at-phone", *digits, "gitops/available"],
    )


def test_logout_leaves_the_queues_and_clears_the_session(fresh: Center) -> None:
    log_in(fresh, "ann", "2")
    result = fresh.call("ann", "*72")
    check(result, "ok", ["agent-loggedoff"])
    assert ANN not in fresh.members("sales")
    assert fresh.db() == {}


def test_refusals_are_told(fresh: Center) -> None:
    log_in(fresh, "chloe", "1")
    check(fresh.call("chloe", "*733"), "not_permitted", ["gitops/not-permitted"])
    check(fresh.call("chloe", "*739"), "bad_reason", ["gitops/bad-reason"])
    assert fresh.members("sales")["Local/chloe@gitops-agents"]["paused"] == "0"


def test_wrong_pins_lock_the_agent_out(fresh: Center) -> None:
    attempts = fresh.inventory.settings.lockout.attempts
    asked = ["agent-user", "agent-pass"]
    for _ in range(attempts - 1):
        result = fresh.call("desk-paris-101", "*71", "1001#", "0000#")
        check(result, "bad_pin", [*asked, "gitops/login-incorrect"], asked)
    result = fresh.call("desk-paris-101", "*71", "1001#", "0000#")
    check(result, "locked", [*asked, "gitops/locked-out"], asked)
    assert set(fresh.db()) == {"/gitops/lockout/ann/until"}
    result = fresh.call("desk-paris-101", "*71", "1001#")  # the PIN is not even asked
    check(result, "locked", ["agent-user", "gitops/locked-out"], ["agent-user"])
    assert ANN not in fresh.members("sales")


def test_login_already_paused_joins_paused_in_one_step(fresh: Center) -> None:
    """*77N: AddQueueMember with the options p and r(reason), as Asterisk 22.10.1 takes them."""
    mark = fresh.events.mark()
    result = fresh.call("ann", "*772", "1")
    check(result, "ok", ["gitops/interface-menu", "agent-loginok"], ["gitops/interface-menu"])
    assert result.variables["GITOPS_REASON"] == "break"
    member = fresh.members("sales")[ANN]
    assert (member["paused"], member["reason"]) == ("1", "break")
    added = fresh.events.wait_for(event("QueueMemberAdded", Interface=ANN), mark)
    assert (added.get("Paused"), added.get("PausedReason")) == ("1", "break")  # never available
    assert session(fresh, "ann")["paused"] == "break"
