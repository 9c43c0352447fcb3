"""A phone's holder who no longer works any queue of this Asterisk does not keep the phone.

Moving an agent to another server (or out of this server's part) makes apply remove their
queue memberships here, but their AstDB session stays: a claim counts only while the holder
is still a member of one of the queues their login recorded.
"""

from __future__ import annotations

from agi.handlers import login
from runtime.queues import member_interface
from tests.agi.conftest import Harness, Live
from tests.agi.memory import Member

BOB = member_interface("1002")
ANN = member_interface("1001")


def status(live: Live, channel: str, **kw: object) -> str:
    return live.call("login", channel, **kw).variables.get("GITOPS_STATUS", "")


def test_a_holder_removed_from_this_server_s_queues_leaves_a_stale_claim(live: Live) -> None:
    live.asterisk.set_registered("ph-c")
    assert status(live, "PJSIP/1002-1", args=["3003"]) == "ok"
    assert status(live, "PJSIP/1003-1", args=["3003"]) == "phone_in_use"  # live holder
    assert live.asterisk.queue_remove("support", BOB) == "REMOVED"  # apply, 1002 moved away
    assert status(live, "PJSIP/1003-1", args=["3003"]) == "ok"
    assert live.db()["/gitops/phone/ph-c/agent"] == "1003"
    assert live.members("sales") == {
        member_interface("1003"): ("Agent 1003", "PJSIP/ph-c", 0, False, "")
    }


def test_one_recorded_queue_still_joined_keeps_the_claim(live: Live) -> None:
    live.asterisk.set_registered("ph-a")
    assert status(live, "PJSIP/1001-1", dtmf=["2#"]) == "ok"  # Ann on her phone: both queues
    assert live.asterisk.queue_remove("support", ANN) == "REMOVED"
    assert status(live, "PJSIP/1002-1", args=["3001"]) == "phone_in_use"
    assert live.asterisk.queue_remove("sales", ANN) == "REMOVED"
    assert status(live, "PJSIP/1002-1", args=["3001"]) == "ok"
    assert live.db()["/gitops/phone/ph-a/agent"] == "1002"


def test_a_member_list_app_queue_may_have_cut_short_keeps_the_claim(h: Harness) -> None:
    h.asterisk.registered.add("ph-c")
    assert h.call(login.handle, "PJSIP/1002-1", args=["3003"])[0].status == "ok"
    support = h.asterisk.queues["support"]
    del support[BOB]
    support.update({member_interface(f"x{n:04d}"): Member("0", "x", "") for n in range(200)})
    outcome, channel = h.call(login.handle, "PJSIP/1003-1", args=["3003"])
    assert outcome.status == "phone_in_use"  # 1002 may be past the cut: not proven gone
    assert "GET FULL VARIABLE ${QUEUE_MEMBER_LIST(support)}" in channel.commands
    for name in [n for n in support if n.startswith("Local/x")]:
        del support[name]
    assert h.call(login.handle, "PJSIP/1003-1", args=["3003"])[0].status == "ok"
    assert h.asterisk.db["gitops/phone/ph-c/agent"] == "1003"
