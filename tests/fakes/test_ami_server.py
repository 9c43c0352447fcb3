"""Behaviour of the fake AMI server that other tests rely on (beyond the transcript replays)."""

from __future__ import annotations

import threading

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.wire import WireClient


def login(client: WireClient, events: str = "off") -> dict[str, str]:
    assert client.read_line() == "Asterisk Call Manager/11.0.0"
    client.send_action("Login", Username="gitops", Secret="gitops-secret", Events=events)
    return client.read_message()


def test_url_names_user_and_ephemeral_port(ami_server: FakeAmiServer) -> None:
    assert ami_server.port > 0
    assert ami_server.url == f"ami://gitops@127.0.0.1:{ami_server.port}"


def test_wrong_secret_fails_and_closes(ami_server: FakeAmiServer) -> None:
    with WireClient(ami_server.host, ami_server.port) as client:
        client.read_line()
        client.send_action("Login", Username="gitops", Secret="nope")
        assert client.read_message() == {"Response": "Error", "Message": "Authentication failed"}
        assert client.at_eof()


def test_actions_before_login_are_refused(ami_server: FakeAmiServer) -> None:
    with WireClient(ami_server.host, ami_server.port) as client:
        client.read_line()
        client.send_action("Ping", ActionID="p")
        assert client.read_message()["Message"] == "Permission denied"


def test_requests_are_recorded(ami_server: FakeAmiServer) -> None:
    with WireClient(ami_server.host, ami_server.port) as client:
        login(client)
        client.send_action("Ping", ActionID="p1")
        client.read_message()
    assert [name for name, _ in ami_server.requests] == ["Login", "Ping"]
    assert ami_server.requests[1][1]["ActionID"] == "p1"


def test_failed_update_leaves_file_and_state_untouched(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    with WireClient(ami_server.host, ami_server.port) as client:
        login(client)
        client.send_action(
            "UpdateConfig",
            SrcFilename="queues_gitops.conf",
            DstFilename="queues_gitops.conf",
            Reload="app_queue.so",
            **{"Action-000000": "NewCat", "Cat-000000": "q1"},
            **{"Action-000001": "DelCat", "Cat-000001": "missing"},
        )
        reply = client.read_message()
    assert reply == {"Response": "Error", "Message": "Given category does not exist"}
    assert fake_asterisk.config_text("queues_gitops.conf") == ""
    assert fake_asterisk.queue("q1") is None


def test_events_reach_other_sessions_with_events_on(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[q1]\nstrategy=ringall\n")
    fake_asterisk.reload("app_queue.so")
    with (
        WireClient(ami_server.host, ami_server.port) as watcher,
        WireClient(ami_server.host, ami_server.port) as actor,
    ):
        login(watcher, events="agent")
        login(actor)
        actor.send_action("QueueAdd", Queue="q1", Interface="Local/7@x", ActionID="a")
        assert actor.read_message()["Message"] == "Added interface to queue"
        event = watcher.read_message()
    assert event["Event"] == "QueueMemberAdded"
    assert event["Interface"] == "Local/7@x"
    assert [m.interface for m in fake_asterisk.members("q1")] == ["Local/7@x"]


def test_server_stops_without_leftover_threads() -> None:
    before = set(threading.enumerate())
    with FakeAmiServer(FakeAsterisk()) as server, WireClient(server.host, server.port) as client:
        login(client)
    assert set(threading.enumerate()) - before == set()


def test_registration_drives_device_state_and_dial_contacts(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text(
        "pjsip_gitops.conf",
        "[1001]\ntype=endpoint\naors=1001\n[1001]\ntype=aor\nmax_contacts=1\n"
        "qualify_frequency=30\n",
    )
    fake_asterisk.reload("res_pjsip.so")
    assert fake_asterisk.dial_contacts("1001") == []
    fake_asterisk.set_registered("1001", reachable=False)
    assert fake_asterisk.contact_status("1001") == "Unreachable"
    assert fake_asterisk.device_state("PJSIP/1001") == 5
    fake_asterisk.set_registered("1001")
    assert fake_asterisk.dial_contacts("1001") == ["PJSIP/1001/sip:1001@127.0.0.1:5070"]
    assert fake_asterisk.device_state("PJSIP/1001") == 1
    fake_asterisk.set_registered("1001", registered=False)
    assert fake_asterisk.device_state("PJSIP/1001") == 5


def test_no_events_before_login(ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk) -> None:
    with WireClient(ami_server.host, ami_server.port) as client:
        client.read_line()
        fake_asterisk.emit("Reload", "system", [("Module", "x.so")])
        client.send_action("Ping", ActionID="p")
        assert client.read_message() == {
            "Response": "Error",
            "ActionID": "p",
            "Message": "Permission denied",
        }
        client.send_action("Logoff")
        assert client.read_message()["Response"] == "Goodbye"


def test_a_client_that_never_reads_events_blocks_nobody(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    with (
        WireClient(ami_server.host, ami_server.port) as sleeper,
        WireClient(ami_server.host, ami_server.port) as worker,
    ):
        login(sleeper, events="on")
        login(worker)
        for _ in range(2000):  # about 8 MB, more than the socket buffers hold
            fake_asterisk.emit("UserEvent", "user", [("Data", "x" * 4096)])
        worker.send_action("Ping", ActionID="p")
        assert worker.read_message()["Ping"] == "Pong"
