"""A caller dialling a queue's number reaches the phone of the agent logged in to it."""

from __future__ import annotations

import pytest

from tests.real.ami import event
from tests.real.center import Center
from tests.real.test_feature_codes import log_in


@pytest.mark.parametrize("number", ["500", "+33140000000"])  # sales: number, extra number
def test_a_call_to_the_queue_number_rings_the_logged_in_agents_phone(
    fresh: Center, number: str
) -> None:
    log_in(fresh, "ann", "2")  # interface 2: her desk phone, desk-paris-101 (a SIPp phone)
    mark = fresh.events.mark()
    call = fresh.dial("desk-paris-102", number).start()
    try:
        connected = fresh.events.wait_for(
            event("AgentConnect", Queue="sales", Interface="Local/ann@gitops-agents"), mark
        )
        answered = fresh.events.wait_for(
            event("DialEnd", DestChannel="PJSIP/desk-paris-101-*", DialStatus="ANSWER"), mark
        )
    finally:
        fresh.events.send("Hangup", Channel=call.channel())
        result = call.finish()
    assert connected.get("MemberName") == "Ann Martin"
    assert answered.get("Channel").startswith("Local/ann@gitops-agents-")
    assert result.problems == [], "\n".join(result.problems)
    executed = "\n".join(result.log)
    assert f'Queue("{result.channel}", "sales,,,,300")' in executed
