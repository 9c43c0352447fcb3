"""The service's shared AMI connection says why it cannot connect as the CLI's client does:
the same handshake (client.py's open_socket, check_banner, login_action, login_refused)."""

from __future__ import annotations

import logging

import pytest

from provisioner.targets.ami.shared import SharedAmi
from tests.fakes.ami_server import FakeAmiServer
from tests.reconciler.ami_helpers import closed_port


def _first_warning(ami: SharedAmi, caplog: pytest.LogCaptureFixture) -> str:
    with caplog.at_level(logging.WARNING, logger="provisioner.targets.ami.shared"):
        ami.start()
        try:
            assert not ami.wait_connected(0.3)
        finally:
            ami.stop()
    return caplog.records[0].getMessage()


def test_a_refused_login_names_the_user_and_what_to_check(
    ami_server: FakeAmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    ami_server.faults.refuse_login()
    ami = SharedAmi(ami_server.host, ami_server.port, ami_server.username, "wrong", name="pbx")
    message = _first_warning(ami, caplog)
    assert "pbx refused the login of user" in message
    assert "check the secret and the user in manager.conf" in message
    assert ami.logins == 0


def test_an_unreachable_port_says_what_to_check(caplog: pytest.LogCaptureFixture) -> None:
    ami = SharedAmi("127.0.0.1", closed_port(), "gitops", "secret", name="pbx")
    message = _first_warning(ami, caplog)
    assert "pbx is unreachable" in message
    assert "manager.conf enables AMI on that address and port" in message
