"""Handler logic on an in-memory Asterisk: every status, and the state left behind."""

from __future__ import annotations

import logging
import threading

import pytest

from agi.handlers import login, logout, pause, status, unpause
from fastagi.errors import Hangup
from provisioner.model import Permissions
from tests.agi import inventory
from tests.agi.conftest import Harness
from tests.agi.inventory import PIN

ANN = "Local/1001@gitops-agents"
BOB = "Local/1002@gitops-agents"
CID = "Local/1003@gitops-agents"


def session(h: Harness, agent: str) -> dict[str, str]:
    prefix = f"gitops/agent/{agent}/"
    return {k[len(prefix) :]: v for k, v in h.asterisk.db_tree(prefix).items()}


def test_login_from_own_endpoint_joins_every_queue_on_the_internal_interface(h: Harness) -> None:
    outcome, channel = h.call(login.handle, dtmf=[""])  # menu times out: internal
    assert (outcome.status, outcome.agent, outcome.interface) == ("ok", "1001", "internal")
    support, sales = h.asterisk.members("support")[ANN], h.asterisk.members("sales")[ANN]
    assert (support.penalty, support.name, support.state) == ("1", "Ann  Smith", "PJSIP/1001")
    assert sales.penalty == "2"
    assert session(h, "1001") == {
        "dial": "PJSIP/1001",
        "device": "PJSIP/1001",
        "interface": "internal",
        "queues": "support,sales",
        "since": "1800000000",
    }
    assert any(c.startswith("VERBOSE gitops agent 1001") for c in channel.commands)  # client logs


@pytest.mark.parametrize(
    ("digit", "interface", "dial", "device"),
    [
        ("2", "phone", "PJSIP/ph-a", "PJSIP/ph-a"),
        ("3", "mobile", "Local/+441234@gitops-outbound", ""),
        ("9", "internal", "PJSIP/1001", "PJSIP/1001"),
    ],
)
def test_login_by_number_and_pin_with_interface_menu(
    h: Harness, digit: str, interface: str, dial: str, device: str
) -> None:
    outcome, _ = h.call(login.handle, "PJSIP/ph-c-00000002", dtmf=["2001", PIN, digit])
    assert (outcome.status, outcome.interface) == ("ok", interface)
    assert session(h, "1001")["dial"] == dial
    assert h.asterisk.members("support")[ANN].state == device


def test_menu_is_skipped_when_the_agent_may_not_choose(h: Harness) -> None:
    outcome, channel = h.call(login.handle, "PJSIP/1005-00000001")
    assert (outcome.status, outcome.interface) == ("ok", "phone")
    assert not any(c.startswith("GET DATA") for c in channel.commands)


def test_unknown_agent_number(h: Harness) -> None:
    outcome, _ = h.call(login.handle, "PJSIP/ph-c-00000002", dtmf=["9999"])
    assert outcome.status == "unknown_agent"
    assert h.asterisk.db == {}


def test_three_wrong_pins_lock_the_agent_out_until_the_lockout_ends(h: Harness) -> None:
    phone = "PJSIP/ph-c-00000002"
    assert h.call(login.handle, phone, dtmf=["2001", "0000"])[0].status == "bad_pin"
    assert h.call(login.handle, phone, dtmf=["2001", "0000"])[0].status == "bad_pin"
    assert h.asterisk.db["gitops/lockout/1001/failures"] == "2"
    assert h.call(login.handle, phone, dtmf=["2001", "0000"])[0].status == "locked"
    outcome, channel = h.call(login.handle, phone, dtmf=["2001", PIN])
    assert outcome.status == "locked"
    assert "GET DATA agent-pass" not in channel.commands  # no PIN asked while locked
    h.clock.now += 301
    assert h.call(login.handle, phone, dtmf=["2001", PIN, "1"])[0].status == "ok"
    assert h.asterisk.db_tree("gitops/lockout/") == {}


def test_hot_desk_at_the_registered_phone_dialled_from(h: Harness) -> None:
    h.asterisk.registered.add("ph-b")
    outcome, _ = h.call(login.handle, "PJSIP/ph-b-00000003", dtmf=["2002", PIN])
    assert (outcome.status, outcome.interface) == ("ok", "hotdesk")
    assert h.asterisk.db["gitops/phone/ph-b/agent"] == "1002"
    assert session(h, "1002")["phone"] == "ph-b"
    assert h.asterisk.members("support")[BOB].state == "PJSIP/ph-b"


def test_hot_desk_phone_not_registered_or_not_in_inventory(h: Harness) -> None:
    assert h.call(login.handle, "PJSIP/ph-b-1", dtmf=["2002", PIN])[0].status == (
        "phone_not_registered"
    )
    assert h.call(login.handle, "PJSIP/1002-1", dtmf=["7777"])[0].status == "no_phone"
    assert h.call(login.handle, "PJSIP/1002-1", dtmf=[""])[0].status == "no_phone"
    assert h.asterisk.db == {} and h.asterisk.members("support") == {}


def test_hot_desk_keyed_extension_of_another_phone(h: Harness) -> None:
    h.asterisk.registered.add("ph-c")
    outcome, _ = h.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert (outcome.status, session(h, "1002")["phone"]) == ("ok", "ph-c")


def test_phone_held_by_a_logged_in_agent_is_in_use(h: Harness) -> None:
    h.asterisk.registered.add("ph-b")
    h.call(login.handle, "PJSIP/1002-1", args=["3002"])
    outcome, _ = h.call(login.handle, "PJSIP/1003-1", args=["3002"])
    assert outcome.status == "phone_in_use"
    assert session(h, "1003") == {} and CID not in h.asterisk.members("sales")
    assert h.asterisk.db["gitops/phone/ph-b/agent"] == "1002"


def test_relogin_moves_the_agent_and_frees_the_old_phone(h: Harness) -> None:
    h.asterisk.registered.update({"ph-b", "ph-c"})
    h.call(login.handle, "PJSIP/1002-1", args=["3002"])
    h.call(pause.handle, "PJSIP/1002-1", args=["1"])
    outcome, _ = h.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert outcome.status == "ok"
    assert "gitops/phone/ph-b/agent" not in h.asterisk.db
    assert h.asterisk.db["gitops/phone/ph-c/agent"] == "1002"
    member = h.asterisk.members("support")[BOB]
    assert (member.state, member.paused) == ("PJSIP/ph-c", "")
    assert "paused" not in session(h, "1002")


def test_failing_queue_rolls_the_whole_login_back(h: Harness) -> None:
    outcome, _ = h.call(login.handle, "PJSIP/1006-1", dtmf=[""])
    assert (outcome.status, outcome.agent) == ("error", "1006")
    assert h.asterisk.members("support") == {}
    assert h.asterisk.db == {}


def full_login_length(h: Harness, channel: str, dtmf: list[str], args: list[str]) -> int:
    probe = Harness(type(h.asterisk)(queues={"support": {}, "sales": {}}), h.inventory)
    probe.asterisk.registered.update(h.asterisk.registered)
    return len(probe.call(login.handle, channel, dtmf=dtmf, args=args)[1].commands)


@pytest.mark.parametrize(
    ("channel", "dtmf", "args"),
    [
        ("PJSIP/ph-c-1", ["2001", PIN, "2"], []),
        ("PJSIP/ph-b-1", ["2002", PIN], []),
    ],
    ids=["interface-menu", "hot-desk"],
)
def test_hang_up_at_every_step_of_login_leaves_all_or_nothing(
    h: Harness, channel: str, dtmf: list[str], args: list[str]
) -> None:
    h.asterisk.registered.add("ph-b")
    agent = "1001" if "2001" in dtmf else "1002"
    member = f"Local/{agent}@gitops-agents"
    steps = full_login_length(h, channel, dtmf, args)
    outcomes = set()
    for step in range(steps):
        h.asterisk.db.clear()
        for queue in h.asterisk.queues.values():
            queue.clear()
        try:
            outcome = h.call(login.handle, channel, dtmf=dtmf, args=args, hangup_after=step)[0]
        except Hangup:
            outcome = None
        joined = [q for q, members in h.asterisk.queues.items() if member in members]
        record = session(h, agent)
        if "since" in record:  # committed: fully logged in (the caller may be gone already)
            assert outcome is None or outcome.status == "ok", step
            assert joined == (["support", "sales"] if agent == "1001" else ["support"]), step
            assert {"dial", "device", "interface", "queues"} <= record.keys(), step
            outcomes.add("in")
        else:
            assert joined == [] and record == {}, step
            assert h.asterisk.db_tree("gitops/phone/") == {}, step
            outcomes.add("out")
    assert outcomes == {"in", "out"}


def test_logout_leaves_queues_clears_session_and_frees_phone(h: Harness) -> None:
    h.asterisk.registered.add("ph-b")
    h.call(login.handle, "PJSIP/1002-1", args=["3002"])
    outcome, _ = h.call(logout.handle, "PJSIP/ph-b-2")  # identified by the phone held
    assert (outcome.status, outcome.agent) == ("ok", "1002")
    assert h.asterisk.db == {} and h.asterisk.members("support") == {}
    assert h.call(logout.handle, "PJSIP/1002-1")[0].status == "not_logged_in"


def test_logout_not_permitted_and_unknown_caller(h: Harness) -> None:
    h.call(login.handle, "PJSIP/1004-1")
    assert h.call(logout.handle, "PJSIP/1004-1")[0].status == "not_permitted"
    assert "Local/1004@gitops-agents" in h.asterisk.members("support")
    assert h.call(logout.handle, "PJSIP/nobody-1")[0].status == "unknown_agent"
    assert h.call(logout.handle, "Local/x@y-0000;2")[0].status == "unknown_agent"


def test_pause_with_code_prompt_and_bad_reason(h: Harness) -> None:
    h.call(login.handle, dtmf=["1"])
    outcome, _ = h.call(pause.handle, args=["2"])
    assert (outcome.status, outcome.reason) == ("ok", "break")
    assert h.asterisk.members("support")[ANN].paused == "break"
    assert h.asterisk.members("sales")[ANN].paused == "break"
    assert session(h, "1001")["paused"] == "break"
    assert h.call(pause.handle, dtmf=["1"])[0].reason == "lunch"
    assert h.call(pause.handle, args=["9"])[0].status == "bad_reason"
    assert h.call(pause.handle, dtmf=[""])[0].status == "bad_reason"
    assert h.asterisk.members("support")[ANN].paused == "lunch"


def test_pause_permissions_and_not_logged_in(h: Harness) -> None:
    assert h.call(pause.handle, "PJSIP/1004-1", args=["1"])[0].status == "not_permitted"
    assert h.call(pause.handle, "PJSIP/1005-1", args=["2"])[0].status == "not_permitted"
    assert h.call(pause.handle, "PJSIP/1005-1", args=["1"])[0].status == "not_logged_in"
    assert h.asterisk.db == {}


def test_unpause_and_status(h: Harness) -> None:
    assert h.call(unpause.handle)[0].status == "not_logged_in"
    assert h.call(status.handle)[0].status == "not_logged_in"
    h.call(login.handle, dtmf=["1"])
    h.call(pause.handle, args=["1"])
    outcome = h.call(status.handle)[0]
    assert (outcome.status, outcome.interface, outcome.reason) == ("ok", "internal", "lunch")
    assert h.call(unpause.handle)[0].status == "ok"
    assert h.asterisk.members("support")[ANN].paused == ""
    assert "paused" not in session(h, "1001")
    assert h.call(status.handle)[0].reason == ""


def test_concurrent_logins_claiming_one_phone_have_exactly_one_winner(h: Harness) -> None:
    h.asterisk.registered.add("ph-c")
    results: dict[str, str] = {}

    def log_in(agent: str) -> None:
        results[agent] = h.call(login.handle, f"PJSIP/{agent}-1", args=["3003"])[0].status

    threads = [threading.Thread(target=log_in, args=(a,)) for a in ("1002", "1003")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results.values()) == ["ok", "phone_in_use"]
    winner = next(a for a, s in results.items() if s == "ok")
    loser = next(a for a in results if a != winner)
    assert h.asterisk.db["gitops/phone/ph-c/agent"] == winner
    assert session(h, loser) == {}
    assert h.asterisk.mutexes == {}


def test_interface_2_needs_the_assigned_phone_registered(h: Harness) -> None:
    """Issue 15/4: as hot desk requires, else the agent would get no call."""
    h.asterisk.registered.discard("ph-e")
    outcome, _ = h.call(login.handle, "PJSIP/1005-00000001")  # default: the assigned phone
    assert (outcome.status, outcome.agent) == ("phone_not_registered", "1005")
    assert h.asterisk.members("support") == {} and h.asterisk.db == {}
    h.asterisk.registered.add("ph-e")
    outcome, _ = h.call(login.handle, "PJSIP/1005-00000001")
    assert (outcome.status, outcome.interface) == ("ok", "phone")


def test_login_paused_by_feature_code_joins_every_queue_paused(h: Harness) -> None:
    """Issue 15/2: *77N: AddQueueMember's p and r(reason) options, one step per queue."""
    outcome, channel = h.call(login.handle_paused, dtmf=["1"], args=["2"])
    assert (outcome.status, outcome.reason) == ("ok", "break")
    assert h.asterisk.members("support")[ANN].paused == "break"
    assert h.asterisk.members("sales")[ANN].paused == "break"
    assert session(h, "1001")["paused"] == "break"
    adds = [c for c in channel.commands if c.startswith("EXEC AddQueueMember")]
    assert adds and all(",pr(break)," in c for c in adds)
    assert not any(c.startswith("EXEC PauseQueueMember") for c in channel.commands)


def test_login_paused_by_default_and_refusals(h: Harness) -> None:
    h.inventory = inventory.build(extra=(inventory.agent("1009", "2009", login_paused="lunch"),))
    outcome, _ = h.call(login.handle, "PJSIP/1009-00000001")
    assert (outcome.status, outcome.reason) == ("ok", "lunch")
    assert h.asterisk.members("support")["Local/1009@gitops-agents"].paused == "lunch"
    outcome, _ = h.call(login.handle_paused, "PJSIP/1005-00000001", args=["2"])
    assert outcome.status == "not_permitted"  # 1005 may pause for lunch only
    outcome, _ = h.call(login.handle_paused, "PJSIP/1004-00000001", args=["9"])
    assert outcome.status == "bad_reason"
    assert "Local/1005@gitops-agents" not in h.asterisk.members("support")


def test_client_logs_follow_the_agents_level(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    quiet = inventory.agent(
        "1009", "2009", client_logs="warning", permissions=Permissions(pause=False)
    )
    h.inventory = inventory.build(extra=(quiet,))
    caplog.set_level(logging.DEBUG, logger="gitops.client")
    h.call(login.handle, "PJSIP/1009-00000001")
    h.call(pause.handle, "PJSIP/1009-00000001", args=["1"])
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.endswith("1009")]
    assert records == [("WARNING", "1.1 1009: pause refused: not permitted")]
