"""Issue 15 item 3 on the real Asterisk: a queue the YAML gives a logged-in agent is joined
live by apply (QueueAdd), with the interface, name, penalty, state interface and pause the
login would have given; the session's recorded queues grow so that logout leaves it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from provisioner.targets.ami.client import Action, AmiClient
from tests.example_repo import ExampleRepo, add_vip_queue_for_bruno
from tests.real.runtime import BRUNO_AT_DESK, ami, db_get, forget_everyone, log_in
from tests.real.sandbox import Sandbox

BRUNO = "Local/bruno@gitops-agents"
AT_DESK = replace(BRUNO_AT_DESK, paused="lunch")


@pytest.fixture
def client(sandbox: Sandbox, example: ExampleRepo) -> Iterator[AmiClient]:
    with ami(sandbox) as connected:
        forget_everyone(connected, ("bruno",), ("sales", "vip"))
        try:
            yield connected
        finally:
            forget_everyone(connected, ("bruno",), ("sales", "vip"))


def members(client: AmiClient, interface: str) -> dict[str, dict[str, str]]:
    """Queue -> the QueueMember fields of ``interface``, as Asterisk reports them."""
    reply = client.request(Action("QueueStatus"))
    return {
        e.get("Queue"): dict(e.headers)
        for e in reply.events
        if e.event == "QueueMember" and e.get("Location") == interface
    }


def test_a_logged_in_paused_agent_joins_a_queue_added_in_yaml(
    client: AmiClient, example: ExampleRepo
) -> None:
    log_in(client, AT_DESK)
    assert example.cli("plan", "--detailed-exitcode").code == 0  # logged in: not drift
    add_vip_queue_for_bruno(example)
    example.commit("vip queue, Bruno in it")

    plan = example.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert f"+ add {BRUNO} to queue vip (penalty 3, paused: lunch)" in plan.out
    applied = example.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err

    vip = members(client, BRUNO)["vip"]
    assert {k: vip[k] for k in ("Name", "StateInterface", "Membership", "Penalty")} == {
        "Name": "Bruno Petit",
        "StateInterface": "PJSIP/desk-paris-102",
        "Membership": "dynamic",
        "Penalty": "3",
    }
    assert (vip["Paused"], vip["PausedReason"]) == ("1", "lunch")
    assert db_get(client, "gitops/agent/bruno", "queues") == "sales,vip"
    again = example.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out  # joined: nothing left to change
