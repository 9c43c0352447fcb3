"""Fault injection of the fake AMI server: refused login, cut responses, delays, failed updates."""

from __future__ import annotations

import pytest

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.wire import WireClient

UPDATE = {
    "SrcFilename": "queues_gitops.conf",
    "DstFilename": "queues_gitops.conf",
    "Action-000000": "NewCat",
    "Cat-000000": "q1",
}


def connect(server: FakeAmiServer) -> WireClient:
    client = WireClient(server.host, server.port)
    assert client.read_line() == "Asterisk Call Manager/11.0.0"
    client.send_action("Login", Username="gitops", Secret="gitops-secret", Events="off")
    return client


def test_refused_login_fails_with_the_right_secret(ami_server: FakeAmiServer) -> None:
    ami_server.faults.refuse_login()
    with connect(ami_server) as client:
        assert client.read_message()["Message"] == "Authentication failed"
        assert client.at_eof()
    ami_server.faults.refuse_login(False)
    with connect(ami_server) as client:
        assert client.read_message()["Message"] == "Authentication accepted"


def test_close_mid_response_cuts_the_message_then_recovers(ami_server: FakeAmiServer) -> None:
    ami_server.faults.close_mid_response("GetConfig", times=1)
    with connect(ami_server) as client:
        client.read_message()
        client.send_action("GetConfig", Filename="pjsip.conf", ActionID="g")
        partial = client.read_message()
        assert partial and "Line-000001-000002" not in partial
        assert client.at_eof()
    with connect(ami_server) as client:
        client.read_message()
        client.send_action("GetConfig", Filename="pjsip.conf", ActionID="g")
        assert client.read_message()["Line-000001-000002"] == "bind=127.0.0.1:5060"


def test_delay_holds_the_response_back(ami_server: FakeAmiServer) -> None:
    ami_server.faults.delay("Ping", 0.5)
    with connect(ami_server) as client:
        client.read_message()
        client.timeout = 0.05
        client.send_action("Ping", ActionID="p")
        with pytest.raises(TimeoutError):
            client.read_message()
        client.timeout = 2.0
        assert client.read_message()["Ping"] == "Pong"


def test_failed_update_config_answers_the_error_and_changes_nothing(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    ami_server.faults.fail_update_config("Save of config failed", times=1)
    with connect(ami_server) as client:
        client.read_message()
        client.send_action("UpdateConfig", **UPDATE)
        assert client.read_message() == {"Response": "Error", "Message": "Save of config failed"}
        assert fake_asterisk.config_text("queues_gitops.conf") == ""
        client.send_action("UpdateConfig", **UPDATE)
        assert client.read_message() == {"Response": "Success"}
    assert "[q1]" in fake_asterisk.config_text("queues_gitops.conf")


def test_clear_removes_every_fault(ami_server: FakeAmiServer) -> None:
    ami_server.faults.refuse_login()
    ami_server.faults.fail_update_config("nope")
    ami_server.faults.clear()
    with connect(ami_server) as client:
        assert client.read_message()["Message"] == "Authentication accepted"
        client.send_action("UpdateConfig", **UPDATE)
        assert client.read_message() == {"Response": "Success"}
