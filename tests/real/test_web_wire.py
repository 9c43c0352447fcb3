"""What the HTTP service's port (web/port.py) reads from the real Asterisk's AMI answers: the
sentences it maps to app_queue's statuses, and why the locks need a channel of their own."""

from __future__ import annotations

from runtime.port import Member
from tests.real.center import Center
from tests.web.harness import WebService

WIRE = "Local/wire-test@gitops-agents"


def test_queue_answers_map_to_app_queue_statuses(fresh: Center, web: WebService) -> None:
    port = web.service.backends["pbx-paris"].port
    member = Member(WIRE, "Wire Test", 3, "PJSIP/desk-paris-102", "lunch")
    assert port.add_member("sales", member) == "ADDED"
    found = fresh.members("sales")[WIRE]
    assert (found["paused"], found["reason"], found["penalty"]) == ("1", "lunch", "3")
    assert port.add_member("sales", member) == "MEMBERALREADY"
    assert port.add_member("no-such-queue", member) == "NOSUCHQUEUE"
    assert port.unpause_member(WIRE) == "UNPAUSED"
    assert port.pause_member(WIRE, "break") == "PAUSED"
    assert fresh.members("sales")[WIRE]["reason"] == "break"
    assert port.remove_member("sales", WIRE) == "REMOVED"
    assert port.remove_member("sales", WIRE) == "NOTINQUEUE"
    assert port.remove_member("no-such-queue", WIRE) == "NOSUCHQUEUE"
    assert port.pause_member(WIRE, "break") == "NOTFOUND"
    assert port.unpause_member(WIRE) == "NOTFOUND"


def test_astdb_and_functions(fresh: Center, web: WebService) -> None:
    port = web.service.backends["pbx-paris"].port
    assert port.db_get("gitops/agent/wire-test", "since") is None
    port.db_put("gitops/agent/wire-test", "since", "1")
    assert port.db_get("gitops/agent/wire-test", "since") == "1"
    port.db_del("gitops/agent/wire-test", "since")
    port.db_del("gitops/agent/wire-test", "since")  # not there any more: not an error
    assert port.function("PJSIP_DIAL_CONTACTS(desk-paris-101)").startswith("PJSIP/desk-paris-101/")
    assert port.function("PJSIP_DIAL_CONTACTS(ann)") == ""  # not registered
    assert port.function("QUEUE_MEMBER_LIST(sales)") == ""
    assert "Local/lock@gitops-result-" in port.function("CHANNELS(^Local/lock@gitops-result-)")


def test_amis_getvar_cannot_take_a_lock_the_lock_channel_can(
    fresh: Center, web: WebService
) -> None:
    port = web.service.backends["pbx-paris"].port
    start = fresh.sandbox.log_size()
    assert port.function("TRYLOCK(gitops-wire-test)") == ""  # refused on AMI's thread
    assert "Dangerous function TRYLOCK read blocked" in fresh.sandbox.log_text(start)
    assert port.try_lock("gitops-wire-test") is True  # on the lock channel
    assert port.try_lock("gitops-wire-test") is False  # held: busy even for this service
    assert port.unlock("gitops-wire-test") is True
