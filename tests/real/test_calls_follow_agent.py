"""Issue 15 item 1 on the real Asterisk: dialling an agent's extension rings where the agent
is logged in (the dial string their queue member rings), and their own endpoint otherwise.

No SIP phone is needed: a call is a Local channel into ``gitops-extensions`` placed with
``Originate``, and what it dialled is read from the ``Newexten`` events (Asterisk has already
substituted ``${DB_RESULT}`` in their ``AppData``). Nothing is registered, so every Dial fails
at once (CHANUNAVAIL): only which dial string was tried matters here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provisioner.targets.ami.client import AmiClient
from tests.example_repo import ExampleRepo
from tests.real.runtime import (
    BRUNO_AT_DESK,
    Login,
    ami,
    call,
    db_put,
    dialled,
    forget_everyone,
    log_in,
)
from tests.real.sandbox import Sandbox

EXTENSIONS = "gitops-extensions"
AGENTS = ("ann", "bruno", "chloe")


@pytest.fixture
def client(sandbox: Sandbox, example: ExampleRepo) -> Iterator[AmiClient]:
    with ami(sandbox, events=True) as connected:
        forget_everyone(connected, AGENTS, ("sales",))
        try:
            yield connected
        finally:
            forget_everyone(connected, AGENTS, ("sales",))


def test_a_logged_out_agent_is_rung_on_their_own_endpoint(client: AmiClient) -> None:
    assert dialled(call(client, "1002", EXTENSIONS)) == ["PJSIP/bruno"]


def test_a_hot_desking_agent_is_rung_at_the_phone_they_logged_in_on(client: AmiClient) -> None:
    log_in(client, BRUNO_AT_DESK)
    assert dialled(call(client, "1002", EXTENSIONS)) == ["PJSIP/desk-paris-102"]
    # the queue member rings the same dial string (gitops-agents)
    assert dialled(call(client, "bruno", "gitops-agents")) == ["PJSIP/desk-paris-102"]
    forget_everyone(client, ("bruno",), ("sales",))  # logged out again: own endpoint
    assert dialled(call(client, "1002", EXTENSIONS)) == ["PJSIP/bruno"]


def test_a_mobile_agent_is_rung_on_their_mobile(client: AmiClient) -> None:
    mobile = Login(
        "chloe",
        "Chloé Durand",
        "mobile",
        "Local/+33612345678@gitops-outbound",
        "",
        (("sales", 2),),
    )
    log_in(client, mobile)
    steps = call(client, "1003", EXTENSIONS)
    assert dialled(steps) == ["Local/+33612345678@gitops-outbound"]


def test_recording_and_spy_group_are_kept_when_the_call_follows(client: AmiClient) -> None:
    at_desk = Login(
        "ann",
        "Ann Martin",
        "phone",
        "PJSIP/desk-paris-101",
        "PJSIP/desk-paris-101",
        (("sales", 0),),
        phone="desk-paris-101",
    )
    log_in(client, at_desk)
    steps = call(client, "1001", EXTENSIONS)
    apps = [s.application for s in steps]
    assert apps[0] == "MixMonitor" and steps[0].data.startswith("gitops-ann-")
    assert steps[0].data.endswith(".wav49,b")  # ann records in wav49
    assert "Set" in apps and any(s.data == "__SPYGROUP=gitops" for s in steps)
    assert dialled(steps) == ["PJSIP/desk-paris-101"]


def test_a_session_without_its_commit_point_rings_the_own_endpoint(
    client: AmiClient,
) -> None:
    # a login that wrote where to ring but has not committed (no ``since``) yet
    db_put(client, "gitops/agent/bruno", "dial", "PJSIP/desk-paris-102")
    assert dialled(call(client, "1002", EXTENSIONS)) == ["PJSIP/bruno"]
    # committed without a dial string (a hand-made state): the own endpoint too
    forget_everyone(client, ("bruno",), ("sales",))
    db_put(client, "gitops/agent/bruno", "since", "1700000000")
    assert dialled(call(client, "1002", EXTENSIONS)) == ["PJSIP/bruno"]
