"""Hot-desk claims over TCP against the fake's func_lock: one winner, whatever the timing."""

from __future__ import annotations

import pytest

from tests.agi.conftest import Live, status
from tests.agi.gated import GatedCall
from tests.fakes import agi_channel

PUT_PHONE = 'DATABASE PUT "gitops/phone/ph-c"'
TRYLOCK = 'GET FULL VARIABLE "${TRYLOCK(gitops-phone-ph-c)}"'


def gated(live: Live, agent: str, at: str, *, drop: bool = False) -> GatedCall:
    call = GatedCall(
        live.asterisk, "login", channel=f"PJSIP/{agent}-1", args=["3003"], at=at, drop=drop
    )
    call.start(*live.server.address)
    return call


def logged_in_at_ph_c(live: Live) -> list[str]:
    """Agents whose session says ph-c and who are queue members; checks the holder too."""
    db = live.db()
    agents = sorted(k.split("/")[3] for k, v in db.items() if k.endswith("/phone") and v == "ph-c")
    members = {*live.members("support"), *live.members("sales")}
    assert members == {f"Local/{a}@gitops-agents" for a in agents}, (members, db)
    if agents:
        assert [db["/gitops/phone/ph-c/agent"]] == agents
    return agents


@pytest.fixture
def ph_c(live: Live) -> Live:
    live.asterisk.set_registered("ph-c")
    return live


def test_a_contender_slow_between_its_read_and_its_write_does_not_make_two_winners(
    ph_c: Live,
) -> None:
    slow = gated(ph_c, "1002", PUT_PHONE)  # 1002 read the phone free; its write waits
    fast = ph_c.call("login", "PJSIP/1003-1", args=["3003"])
    assert status(fast) == "phone_in_use"
    assert fast.commands.count(TRYLOCK) == 3  # the lock stayed busy: tried, never read
    assert not any(c.startswith('DATABASE PUT "gitops/') for c in fast.commands)
    assert status(slow.finish()) == "ok"
    assert logged_in_at_ph_c(ph_c) == ["1002"]
    assert ph_c.asterisk.named_locks.names() == []
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "phone_in_use"


def test_a_login_waiting_before_its_commit_keeps_the_phone(ph_c: Live) -> None:
    slow = gated(ph_c, "1002", 'DATABASE PUT "gitops/agent/1002" "since"')  # the commit
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "phone_in_use"
    assert status(slow.finish()) == "ok"
    assert logged_in_at_ph_c(ph_c) == ["1002"]


def test_a_logout_freeing_the_phone_cannot_erase_a_newer_claim(ph_c: Live) -> None:
    assert status(ph_c.call("login", "PJSIP/1002-1", args=["3003"])) == "ok"
    leaving = GatedCall(
        ph_c.asterisk, "logout", channel="PJSIP/1002-1", at='DATABASE DEL "gitops/phone/'
    )
    leaving.start(*ph_c.server.address)  # 1002's session is gone; the phone's key not yet
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "phone_in_use"
    assert status(leaving.finish()) == "ok"
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "ok"
    assert logged_in_at_ph_c(ph_c) == ["1003"]
    assert status(ph_c.call("login", "PJSIP/1008-1", args=["3003"])) == "phone_in_use"


def test_a_hang_up_while_holding_the_lock_frees_it(ph_c: Live) -> None:
    steps = ph_c.call("login", "PJSIP/1002-1", args=["3003"]).commands
    ph_c.call("logout", "PJSIP/1002-1")
    result = ph_c.call("login", "PJSIP/1002-1", args=["3003"], hangup_after=steps.index(TRYLOCK))
    assert result.hung_up and status(result) == "ok"  # once dialled, the login completes
    unlock = result.commands.index(TRYLOCK.replace("TRYLOCK", "UNLOCK"))
    assert result.replies[unlock] == ["200 result=1 (1)"]  # unlocked on the dead channel
    assert ph_c.asterisk.named_locks.names() == []
    taken = ph_c.call("login", "PJSIP/1003-1", args=["3003"])
    assert status(taken) == "phone_in_use" and taken.commands.count(TRYLOCK) == 1
    assert status(ph_c.call("logout", "PJSIP/1002-1")) == "ok"
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "ok"
    assert logged_in_at_ph_c(ph_c) == ["1003"]


def test_a_connection_lost_while_holding_the_lock_frees_it_with_the_channel(ph_c: Live) -> None:
    lost = gated(ph_c, "1002", 'DATABASE PUT "gitops/agent/1002"', drop=True)
    assert lost.finish() is None and lost.errors  # dropped after writing its claim
    assert ph_c.asterisk.named_locks.names() == []
    assert ph_c.db()["/gitops/phone/ph-c/agent"] == "1002"  # stale: 1002 never got there
    assert status(ph_c.call("login", "PJSIP/1003-1", args=["3003"])) == "ok"
    assert logged_in_at_ph_c(ph_c) == ["1003"]


def test_without_func_lock_a_hot_desk_login_is_an_error_and_writes_nothing(
    ph_c: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(agi_channel.FUNCTIONS, "TRYLOCK")
    result = ph_c.call("login", "PJSIP/1002-1", args=["3003"])
    assert status(result) == "error"
    assert ph_c.db() == {} and ph_c.members("support") == {}
    assert status(ph_c.call("login", "PJSIP/1001-1", dtmf=["1#"])) == "ok"  # no phone claimed


ANN = "Local/1001@gitops-agents"
ANN_AT_PH_A = {"/gitops/agent/1001/phone": "ph-a", "/gitops/phone/ph-a/agent": "1001"}


def ann_on(live: Live, digit: str) -> str:
    return status(live.call("login", "PJSIP/1001-1", dtmf=[f"{digit}#"]))


def test_the_assigned_phone_interface_claims_the_phone_against_hot_desk(live: Live) -> None:
    live.asterisk.set_registered("ph-a")
    assert ann_on(live, "2") == "ok"
    assert ANN_AT_PH_A.items() <= live.db().items()
    assert live.asterisk.named_locks.names() == []
    refused = live.call("login", "PJSIP/1002-1", args=["3001"])  # Bob hot-desks at ph-a
    assert status(refused) == "phone_in_use"
    assert not any(k.startswith("/gitops/agent/1002") for k in live.db())
    assert ANN_AT_PH_A.items() <= live.db().items()
    assert ann_on(live, "1") == "ok"  # Ann moves to her internal endpoint: ph-a is free
    assert "/gitops/phone/ph-a/agent" not in live.db()
    assert status(live.call("login", "PJSIP/1002-1", args=["3001"])) == "ok"


def test_a_logout_frees_the_assigned_phone(live: Live) -> None:
    live.asterisk.set_registered("ph-a")
    assert ann_on(live, "2") == "ok"
    assert status(live.call("logout", "PJSIP/1001-1")) == "ok"
    assert "/gitops/phone/ph-a/agent" not in live.db()
    assert status(live.call("login", "PJSIP/1002-1", args=["3001"])) == "ok"


def test_an_agent_cannot_take_back_an_assigned_phone_a_hot_desker_holds(live: Live) -> None:
    live.asterisk.set_registered("ph-a")
    assert ann_on(live, "1") == "ok"
    assert status(live.call("login", "PJSIP/1002-1", args=["3001"])) == "ok"
    before = live.db()
    assert ann_on(live, "2") == "phone_in_use"
    assert live.db() == before  # Ann stays logged in on her internal endpoint
    assert live.members("support")[ANN][1] == "PJSIP/1001"
    assert status(live.call("logout", "PJSIP/1002-1")) == "ok"
    assert ann_on(live, "2") == "ok"
    assert ANN_AT_PH_A.items() <= live.db().items()


def test_a_session_on_the_assigned_phone_without_a_claim_still_holds_it(live: Live) -> None:
    live.asterisk.set_registered("ph-a")
    assert ann_on(live, "2") == "ok"
    live.asterisk.db_del("gitops/phone/ph-a", "agent")  # logged in before interface 2 claimed
    assert status(live.call("login", "PJSIP/1002-1", args=["3001"])) == "phone_in_use"
    assert ann_on(live, "2") == "ok"  # her own login claims it
    assert ANN_AT_PH_A.items() <= live.db().items()


def test_a_busy_lock_refuses_the_assigned_phone_interface(ph_c: Live) -> None:
    ph_c.asterisk.set_registered("ph-a")
    slow = GatedCall(
        ph_c.asterisk,
        "login",
        channel="PJSIP/1002-1",
        args=["3001"],
        at='DATABASE PUT "gitops/phone/ph-a"',
    )
    slow.start(*ph_c.server.address)  # Bob, hot-desking at ph-a, holds its lock
    assert ann_on(ph_c, "2") == "phone_in_use"
    assert not any(k.startswith("/gitops/agent/1001") for k in ph_c.db())
    assert status(slow.finish()) == "ok"
    assert ph_c.db()["/gitops/phone/ph-a/agent"] == "1002"
