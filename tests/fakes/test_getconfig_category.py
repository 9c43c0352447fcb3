"""GetConfig with a ``Category``: the fake answers as the real Asterisk 22 did, byte for byte.

Recorded on the sandbox (Asterisk 22.10.1) with ``pjsip_gitops.conf`` holding endpoint and
aor ``1001`` and aor ``1002`` (``RECORDED`` below, the answers as they came off the socket):
categories are numbered among those answered, and a name that matches none is a Success
whose only line is ``No categories found``, without a colon.
"""

from __future__ import annotations

from provisioner.targets.ami.client import Action, AmiClient
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.wire import WireClient

FILE_TEXT = (
    "[1001]\ntype=endpoint\ncontext=x\n\n[1001]\ntype=aor\nmax_contacts=1\n\n[1002]\ntype=aor\n"
)
RECORDED = {
    "1001": (
        b"Response: Success\r\nActionID: c1\r\nCategory-000000: 1001\r\n"
        b"Line-000000-000000: type=endpoint\r\nLine-000000-000001: context=x\r\n"
        b"Category-000001: 1001\r\nLine-000001-000000: type=aor\r\n"
        b"Line-000001-000001: max_contacts=1\r\n\r\n"
    ),
    "nope": b"Response: Success\r\nActionID: c1\r\nNo categories found\r\n\r\n",
    "1002": (
        b"Response: Success\r\nActionID: c1\r\nCategory-000000: 1002\r\n"
        b"Line-000000-000000: type=aor\r\n\r\n"
    ),
}


def test_the_fake_answers_a_category_as_asterisk_did(ami_server: FakeAmiServer) -> None:
    ami_server.asterisk.set_config_text("pjsip_gitops.conf", FILE_TEXT)
    for category, recorded in RECORDED.items():
        with WireClient(ami_server.host, ami_server.port) as client:
            client.read_line()
            client.send_action("Login", Username="gitops", Secret="gitops-secret", Events="off")
            client.read_message()
            client.send_action(
                "GetConfig", ActionID="c1", Filename="pjsip_gitops.conf", Category=category
            )
            lines = recorded.decode().split("\r\n")[:-2]
            assert client.read_lines(len(lines)) == lines


def test_the_client_reads_no_categories_found_as_an_empty_answer(
    ami_server: FakeAmiServer,
) -> None:
    ami_server.asterisk.set_config_text("pjsip_gitops.conf", FILE_TEXT)
    with AmiClient(ami_server.host, ami_server.port, "gitops", "gitops-secret") as ami:
        none, one = ami.pipeline(
            [
                Action("GetConfig", (("Filename", "pjsip_gitops.conf"), ("Category", n)))
                for n in ("nope", "1002")
            ]
        )
    assert none.ok and none.response.headers[2:] == ()
    assert one.response.headers[2:] == (
        ("Category-000000", "1002"),
        ("Line-000000-000000", "type=aor"),
    )
