"""The AMI client on its own: pipelining, correlation, unsolicited events."""

from __future__ import annotations

import pytest

from provisioner.targets.ami.client import Action, AmiClient
from provisioner.targets.ami.errors import AmiActionError
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import SECRET


def test_pipelined_answers_come_back_in_order_past_the_window(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    puts = [
        Action("DBPut", (("Family", "bench"), ("Key", f"k{n:03d}"), ("Val", str(n))))
        for n in range(250)
    ]
    with AmiClient("127.0.0.1", ami_server.port, "gitops", SECRET, window=64) as client:
        replies = client.pipeline([*puts, Action("DBGetTree", (("Family", "bench"),))])
        assert all(r.ok for r in replies[:-1])
        tree = replies[-1]
        assert [e.get("Val") for e in tree.events if e.event == "DBGetTreeResponse"] == [
            str(n) for n in range(250)
        ]
        assert client.sent == 1 + 251  # Login, then every action once
    assert fake_asterisk.db_get("bench", "k249") == "249"


def test_unsolicited_events_are_set_aside(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[sales]\nstrategy=ringall\n")
    with AmiClient("127.0.0.1", ami_server.port, "gitops", SECRET, events=True) as client:
        client.request(Action("Reload", (("Module", "app_queue.so"),)))
        added = client.request(Action("QueueAdd", (("Queue", "sales"), ("Interface", "Local/1@x"))))
        assert added.message == "Added interface to queue"
        pong = client.request(Action("Ping"))
        assert pong.response.get("Ping") == "Pong"
        assert "QueueMemberAdded" in {m.event for m in client.unsolicited}


def test_an_error_answer_is_returned_or_raised(ami_server: FakeAmiServer) -> None:
    remove = Action("QueueRemove", (("Queue", "nosuch"), ("Interface", "x")))
    with AmiClient("127.0.0.1", ami_server.port, "gitops", SECRET) as client:
        reply = client.request(remove, check=False)
        assert not reply.ok and "No such queue" in reply.message
        with pytest.raises(AmiActionError, match="QueueRemove") as caught:
            client.request(remove)
        assert caught.value.message == reply.message and client.name in str(caught.value)
