"""The real server over TCP, driven by the FastAGI client fake: statuses and Asterisk state."""

from __future__ import annotations

import logging
import threading

import pytest

from tests.agi.conftest import Live, status
from tests.agi.inventory import PIN
from tests.fakes.agi_client import AgiConnection, FakeAgiCall, render_env

ANN = "Local/1001@gitops-agents"
BOB = "Local/1002@gitops-agents"


def test_login_own_endpoint_sets_variables_members_and_astdb(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitops.client")
    result = live.call("login", dtmf=["1#"])
    assert {k: v for k, v in result.variables.items() if k.startswith("GITOPS")} == {
        "GITOPS_STATUS": "ok",
        "GITOPS_AGENT": "1001",
        "GITOPS_INTERFACE": "internal",
    }
    assert live.members("support") == {ANN: ("Ann  Smith", "PJSIP/1001", 1, False, "")}
    assert live.members("sales") == {ANN: ("Ann  Smith", "PJSIP/1001", 2, False, "")}
    assert live.db() == {
        "/gitops/agent/1001/dial": "PJSIP/1001",
        "/gitops/agent/1001/device": "PJSIP/1001",
        "/gitops/agent/1001/interface": "internal",
        "/gitops/agent/1001/queues": "support,sales",
        "/gitops/agent/1001/since": "1800000000",
    }
    assert any(c.startswith('VERBOSE "gitops agent 1001') for c in result.commands)
    client = [r for r in caplog.records if r.name.startswith("gitops.client")]
    assert {r.name for r in client} == {"gitops.client.1001"} and len(client) >= 4
    assert result.closed_by_server and not result.hung_up


@pytest.mark.parametrize(
    ("digit", "interface", "dial", "device"),
    [
        ("2#", "phone", "PJSIP/ph-a", "PJSIP/ph-a"),
        ("3#", "mobile", "Local/+441234@gitops-outbound", ANN),  # no device: the member itself
        ("", "internal", "PJSIP/1001", "PJSIP/1001"),  # timeout: the default
    ],
)
def test_login_by_number_and_pin(
    live: Live, digit: str, interface: str, dial: str, device: str
) -> None:
    result = live.call("login", "PJSIP/ph-c-00000002", dtmf=["2001#", f"{PIN}#", digit])
    assert (status(result), result.variables["GITOPS_INTERFACE"]) == ("ok", interface)
    assert live.db()["/gitops/agent/1001/dial"] == dial
    assert live.members("support")[ANN][1] == device


def test_unknown_agent_and_wrong_pins_then_lockout(live: Live) -> None:
    phone = "PJSIP/ph-c-00000002"
    assert status(live.call("login", phone, dtmf=["9999#"])) == "unknown_agent"
    assert live.db() == {}
    for expected in ("bad_pin", "bad_pin", "locked"):
        assert status(live.call("login", phone, dtmf=["2001#", "0000#"])) == expected
    assert live.db() == {"/gitops/lockout/1001/until": "1800000300"}
    result = live.call("login", phone, dtmf=["2001#", f"{PIN}#"])
    assert status(result) == "locked"
    assert not any("agent-pass" in c for c in result.commands)
    live.clock.now += 300
    assert status(live.call("login", phone, dtmf=["2001#", f"{PIN}#", "1#"])) == "ok"
    assert not any(k.startswith("/gitops/lockout") for k in live.db())


def test_hot_desk_statuses(live: Live) -> None:
    assert status(live.call("login", "PJSIP/1002-1", dtmf=["7777#"])) == "no_phone"
    assert status(live.call("login", "PJSIP/1002-1", args=["3002"])) == "phone_not_registered"
    live.asterisk.set_registered("ph-b", reachable=False)  # registered is not reachable
    assert status(live.call("login", "PJSIP/ph-b-1", dtmf=["2002#", f"{PIN}#"])) == (
        "phone_not_registered"
    )
    assert live.db() == {} and live.members("support") == {}
    live.asterisk.set_registered("ph-b")
    result = live.call("login", "PJSIP/ph-b-1", dtmf=["2002#", f"{PIN}#"])
    assert (status(result), result.variables["GITOPS_INTERFACE"]) == ("ok", "hotdesk")
    assert live.members("support") == {BOB: ("Agent 1002", "PJSIP/ph-b", 1, False, "")}
    assert live.db()["/gitops/phone/ph-b/agent"] == "1002"
    taken = live.call("login", "PJSIP/1003-1", args=["3002"])
    assert (status(taken), taken.variables["GITOPS_AGENT"]) == ("phone_in_use", "1003")
    assert "/gitops/agent/1003/since" not in live.db() and live.members("sales") == {}


def test_relogin_moves_to_the_new_phone_and_frees_the_old(live: Live) -> None:
    live.asterisk.set_registered("ph-b")
    live.asterisk.set_registered("ph-c")
    assert status(live.call("login", "PJSIP/ph-b-1", dtmf=["2002#", f"{PIN}#"])) == "ok"
    assert status(live.call("pause", "PJSIP/ph-b-1", args=["1"])) == "ok"
    assert status(live.call("login", "PJSIP/1002-1", args=["3003"])) == "ok"
    assert live.members("support") == {BOB: ("Agent 1002", "PJSIP/ph-c", 1, False, "")}
    assert live.db() == {
        "/gitops/agent/1002/dial": "PJSIP/ph-c",
        "/gitops/agent/1002/device": "PJSIP/ph-c",
        "/gitops/agent/1002/interface": "hotdesk",
        "/gitops/agent/1002/phone": "ph-c",
        "/gitops/agent/1002/queues": "support",
        "/gitops/agent/1002/since": "1800000000",
        "/gitops/phone/ph-c/agent": "1002",
    }


def test_a_queue_failing_half_way_rolls_the_login_back(live: Live) -> None:
    result = live.call("login", "PJSIP/1006-1", dtmf=["1#"])
    assert (status(result), result.variables["GITOPS_AGENT"]) == ("error", "1006")
    assert live.members("support") == {} and live.db() == {}


@pytest.mark.parametrize(
    ("channel", "dtmf", "agent", "queues"),
    [
        ("PJSIP/ph-c-1", ["2001#", f"{PIN}#", "2#"], "1001", ("support", "sales")),
        ("PJSIP/ph-b-1", ["2002#", f"{PIN}#"], "1002", ("support",)),
    ],
    ids=["interface-menu", "hot-desk"],
)
def test_hang_up_at_every_step_of_login(
    live: Live, channel: str, dtmf: list[str], agent: str, queues: tuple[str, ...]
) -> None:
    live.asterisk.set_registered("ph-b")
    steps = len(live.call("login", channel, dtmf=dtmf).commands)
    member = f"Local/{agent}@gitops-agents"
    outcomes = set()
    for step in range(steps):
        live.asterisk.db_deltree("gitops")
        for queue in queues:
            live.asterisk.queue_remove(queue, member)
        result = live.call("login", channel, dtmf=dtmf, hangup_after=step)
        joined = tuple(q for q in ("support", "sales") if member in live.members(q))
        db = live.db()
        if f"/gitops/agent/{agent}/since" in db:  # the commit had started: complete
            assert joined == queues, step
            assert db[f"/gitops/agent/{agent}/queues"] == ",".join(queues), step
            outcomes.add("in")
        else:  # hung up in a prompt: nothing written
            assert (joined, db) == ((), {}), (step, result.commands)
            outcomes.add("out")
    assert outcomes == {"in", "out"}


def test_logout_pause_unpause_status(live: Live) -> None:
    assert status(live.call("status")) == "not_logged_in"
    assert status(live.call("pause", args=["1"])) == "not_logged_in"
    assert status(live.call("unpause")) == "not_logged_in"
    assert status(live.call("logout")) == "not_logged_in"
    live.call("login", dtmf=["1#"])
    assert status(live.call("pause", args=["7"])) == "bad_reason"
    result = live.call("pause", dtmf=["2#"])  # *73 alone: the reason is prompted
    assert (status(result), result.variables["GITOPS_REASON"]) == ("ok", "break")
    assert live.members("sales")[ANN][3:] == (True, "break")
    assert live.members("support")[ANN][3:] == (True, "break")
    assert live.db()["/gitops/agent/1001/paused"] == "break"
    result = live.call("status")
    assert (status(result), result.variables["GITOPS_REASON"]) == ("ok", "break")
    assert status(live.call("unpause")) == "ok"
    assert live.members("support")[ANN][3] is False
    assert "/gitops/agent/1001/paused" not in live.db()
    assert status(live.call("logout")) == "ok"
    assert live.members("support") == {} and live.members("sales") == {}
    assert live.db() == {}


def test_permissions_and_unknown_callers(live: Live) -> None:
    live.call("login", "PJSIP/1004-1")
    assert status(live.call("logout", "PJSIP/1004-1")) == "not_permitted"
    assert status(live.call("pause", "PJSIP/1004-1", args=["1"])) == "not_permitted"
    live.call("login", "PJSIP/1005-1")
    assert status(live.call("pause", "PJSIP/1005-1", args=["2"])) == "not_permitted"
    assert status(live.call("pause", "PJSIP/1005-1", args=["1"])) == "ok"
    assert status(live.call("pause", "PJSIP/stranger-1", args=["1"])) == "unknown_agent"
    assert status(live.call("status", "Local/x@y-00000001;2")) == "unknown_agent"
    assert sorted(live.members("support")) == [
        "Local/1004@gitops-agents",
        "Local/1005@gitops-agents",
    ]


def test_pause_reason_from_the_script_path(live: Live) -> None:
    live.call("login", dtmf=["1#"])
    result = live.call("pause/2")  # agi://host/pause/2, as in agi-03
    assert (status(result), result.variables["GITOPS_REASON"]) == ("ok", "break")


def race(live: Live, agent: str, start: threading.Barrier, results: dict[str, str]) -> None:
    start.wait(5)
    results[agent] = status(live.call("login", f"PJSIP/{agent}-1", args=["3003"]))


def test_concurrent_logins_for_one_phone_have_exactly_one_winner(live: Live) -> None:
    live.asterisk.set_registered("ph-c")
    contenders = ("1002", "1003", "1007", "1008")
    for _round in range(5):
        live.asterisk.db_deltree("gitops")
        for queue in ("support", "sales"):
            for agent in contenders:
                live.asterisk.queue_remove(queue, f"Local/{agent}@gitops-agents")
        results: dict[str, str] = {}
        start = threading.Barrier(len(contenders))
        threads = [
            threading.Thread(target=race, args=(live, a, start, results)) for a in contenders
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        winners = [a for a, s in results.items() if s == "ok"]
        assert len(winners) == 1, results
        assert sorted(results.values()) == ["ok"] + ["phone_in_use"] * 3
        db = live.db()
        assert db["/gitops/phone/ph-c/agent"] == winners[0]
        assert {k.split("/")[3] for k in db if k.startswith("/gitops/agent/")} == set(winners)
        members = {*live.members("support"), *live.members("sales")}
        assert members == {f"Local/{winners[0]}@gitops-agents"}


def test_a_slow_but_steady_client_is_served(live: Live) -> None:
    host, port = live.server.address
    call = FakeAgiCall(live.asterisk, "status", channel="PJSIP/1001-00000009")
    with AgiConnection.connect(host, port) as conn:
        conn.send_slowly(render_env(call.environment(host, port)), chunk=16, pause=0.002)
        commands = []
        while (line := conn.read_line()) is not None:
            commands.append(line)
            conn.send_line("200 result=0" if line.startswith("DATABASE GET") else "200 result=1")
    assert commands[-3:] == [
        'SET VARIABLE "GITOPS_STATUS" "not_logged_in"',
        'SET VARIABLE "GITOPS_AGENT" "1001"',
        'EXEC Playback "agent-loggedoff"',
    ]


def login_state(live: Live, agent: str) -> str:
    """ "out", "at <phone>" for a complete hot-desk login, or "HALF" for anything else."""
    db = live.db()
    member = f"Local/{agent}@gitops-agents"
    joined = member in live.members("support")
    if not db and not joined:
        return "out"
    phone = db.get(f"/gitops/agent/{agent}/phone", "")
    complete = (
        joined
        and f"/gitops/agent/{agent}/since" in db
        and db.get(f"/gitops/phone/{phone}/agent") == agent
        and live.members("support")[member][1] == f"PJSIP/{phone}"
        and len([k for k in db if k.startswith("/gitops/phone/")]) == 1
    )
    return f"at {phone}" if complete else "HALF"


def test_hang_up_at_every_step_of_a_relogin_to_another_phone(live: Live) -> None:
    live.asterisk.set_registered("ph-b")
    live.asterisk.set_registered("ph-c")
    steps = len(live.call("login", "PJSIP/1002-1", args=["3003"]).commands)
    seen = set()
    for step in range(steps):
        live.asterisk.db_deltree("gitops")
        live.asterisk.queue_remove("support", BOB)
        assert status(live.call("login", "PJSIP/1002-1", args=["3002"])) == "ok"
        live.call("login", "PJSIP/1002-1", args=["3003"], hangup_after=step)
        state = login_state(live, "1002")
        assert state in ("out", "at ph-b", "at ph-c"), (step, state, live.db())
        seen.add(state)
    assert seen == {"at ph-c"}  # no prompt before the commit: once dialled, the move completes


@pytest.mark.parametrize(
    ("script", "channel", "args", "heard"),
    [
        ("login", "PJSIP/1002-1", ["7777"], "gitops/no-phone"),
        ("login", "PJSIP/1002-1", ["3002"], "gitops/phone-not-registered"),
        ("pause", "PJSIP/1001-1", ["9"], "gitops/bad-reason"),
        ("pause", "PJSIP/1004-1", ["1"], "gitops/not-permitted"),
        ("unpause", "PJSIP/1001-1", [], "agent-loggedoff"),
        ("login", "PJSIP/1004-1", [], "agent-loginok"),
    ],
)
def test_the_caller_hears_the_outcome_after_the_variables_are_set(
    live: Live, script: str, channel: str, args: list[str], heard: str
) -> None:
    result = live.call(script, channel, args=args)
    assert result.commands[-1] == f'EXEC Playback "{heard}"'
    assert result.heard[-1] == heard
    assert result.commands[-2].startswith('SET VARIABLE "GITOPS_')


def test_errors_are_left_to_the_dialplan_prompt(live: Live) -> None:
    result = live.call("nosuch")
    assert result.commands == ['SET VARIABLE "GITOPS_STATUS" "error"']
