"""The fake AMI's QueueAdd agrees with the real Asterisk's: the same requests (those the
reconciler's join sends, issue 15 item 3) get the same answers and leave members that
QueueStatus reports alike.

Recorded from Asterisk 22.10.1 (sandbox), QueueStatus of the first two members:

    Name: Chloé Durand / Location: Local/chloe@gitops-agents
    StateInterface: Local/chloe@gitops-agents    (no StateInterface: the interface itself)
    Membership: dynamic / Penalty: 2 / Paused: 1 / PausedReason: lunch
    Name: Ann, Martin / Location: Local/ann@gitops-agents
    StateInterface: PJSIP/desk-paris-101 / Membership: dynamic / Penalty: 0 / Paused: 0
"""

from __future__ import annotations

from provisioner.targets.ami.client import Action, AmiClient
from tests.example_repo import ExampleRepo
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.real.runtime import ami, forget_everyone
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox

ADDS = (
    (
        ("Queue", "sales"),
        ("Interface", "Local/chloe@gitops-agents"),
        ("MemberName", "Chloé Durand"),
        ("Penalty", "2"),
        ("Paused", "true"),
        ("Reason", "lunch"),
    ),
    (
        ("Queue", "sales"),
        ("Interface", "Local/ann@gitops-agents"),
        ("MemberName", "Ann, Martin"),
        ("Penalty", "0"),
        ("StateInterface", "PJSIP/desk-paris-101"),
    ),
    (("Queue", "sales"), ("Interface", "Local/ann@gitops-agents"), ("MemberName", "Ann")),
    (("Queue", "nosuch"), ("Interface", "Local/ann@gitops-agents"), ("MemberName", "Ann")),
)
FIELDS = ("Name", "Location", "StateInterface", "Membership", "Penalty", "Paused", "PausedReason")


def _exchange(client: AmiClient) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    answers = []
    for headers in ADDS:
        reply = client.request(Action("QueueAdd", headers), check=False)
        answers.append((reply.response.get("Response"), reply.message))
    status = client.request(Action("QueueStatus", (("Queue", "sales"),)))
    found = [
        {k: e.get(k) for k in FIELDS}
        for e in status.events
        if e.event == "QueueMember" and e.get("Location").endswith("@gitops-agents")
    ]
    return answers, sorted(found, key=lambda m: m["Location"])


def test_queue_add_answers_and_members_as_the_real_asterisk(
    sandbox: Sandbox,
    example: ExampleRepo,
    ami_server: FakeAmiServer,
    fake_asterisk: FakeAsterisk,
) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[sales]\nstrategy=rrmemory\n")
    fake_asterisk.reload("app_queue.so")
    with ami(sandbox) as real:
        forget_everyone(real, ("ann", "chloe"), ("sales",))
        try:
            expected = _exchange(real)
        finally:
            forget_everyone(real, ("ann", "chloe"), ("sales",))
    with AmiClient("127.0.0.1", ami_server.port, AMI_USER, AMI_SECRET) as fake:
        assert _exchange(fake) == expected
    answers, found = expected
    assert answers[2] == ("Error", "Unable to add interface: Already there")
    assert found[1]["StateInterface"] == "Local/chloe@gitops-agents"
