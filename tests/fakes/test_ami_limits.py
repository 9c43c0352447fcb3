"""Asterisk's limits on one AMI message (manager.c get_input/do_message), on the fake server.

At most 128 header lines (AST_MAX_MANHEADERS) and at most 1022 bytes before ``\\r\\n`` (the
1024-byte input buffer); beyond, an error answers and the action does not run.
"""

from __future__ import annotations

import socket
import threading

import pytest

from tests.fakes.ami_reader import LINE_TOO_LONG, TOO_MANY_LINES, AmiReader, RawMessage
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.wire import WireClient

FILE = "queues_gitops.conf"


def connect(server: FakeAmiServer) -> WireClient:
    client = WireClient(server.host, server.port)
    assert client.read_line() == "Asterisk Call Manager/11.0.0"
    client.send_action("Login", Username="gitops", Secret="gitops-secret", Events="off")
    assert client.read_message()["Message"] == "Authentication accepted"
    return client


def update_lines(categories: int, action_id: str = "u") -> list[str]:
    """An UpdateConfig of ``4 + 2 * categories`` lines creating q0, q1, ..."""
    lines = ["Action: UpdateConfig", f"ActionID: {action_id}"]
    lines += [f"SrcFilename: {FILE}", f"DstFilename: {FILE}"]
    for n in range(categories):
        lines += [f"Action-{n:06d}: NewCat", f"Cat-{n:06d}: q{n}"]
    return lines


def send(client: WireClient, lines: list[str]) -> None:
    client.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())


def names(ast: FakeAsterisk) -> list[str]:
    return [c.name for c in ast.files[FILE].categories]


def test_128_header_lines_are_read_whole(ami_server: FakeAmiServer) -> None:
    lines = update_lines(62)
    assert len(lines) == 128
    with connect(ami_server) as client:
        send(client, lines)
        assert client.read_message() == {"Response": "Success", "ActionID": "u"}
    assert names(ami_server.asterisk) == [f"q{n}" for n in range(62)]


def test_129_header_lines_answer_too_many_and_run_nothing(ami_server: FakeAmiServer) -> None:
    lines = [*update_lines(62), "Options-000061: allowdups"]
    assert len(lines) == 129
    with connect(ami_server) as client:
        send(client, lines)
        assert client.read_message() == {
            "Response": "Error",
            "ActionID": "u",
            "Message": TOO_MANY_LINES,
        }
        client.send_action("Ping", ActionID="p")
        assert client.read_message()["Ping"] == "Pong"  # the session goes on
    assert names(ami_server.asterisk) == []
    assert ami_server.rejected[0][0] == TOO_MANY_LINES
    assert all(action != "UpdateConfig" for action, _ in ami_server.requests)


def test_a_1022_byte_line_is_read(ami_server: FakeAmiServer) -> None:
    value = "x" * (1022 - len("Value-000001: "))
    lines = [*update_lines(1), "Action-000001: Append", "Cat-000001: q0", "Var-000001: k"]
    with connect(ami_server) as client:
        send(client, [*lines, f"Value-000001: {value}"])
        assert client.read_message()["Response"] == "Success"
    assert ami_server.asterisk.files[FILE].categories[0].get("k") == value


def test_a_1023_byte_line_ends_the_message_and_the_rest_is_read_apart(
    ami_server: FakeAmiServer,
) -> None:
    """Its ``\\r`` is kept after the discarded window; with the ``\\n`` it is an empty line."""
    long_line = "Value-000001: " + "x" * (1023 - len("Value-000001: "))
    lines = [*update_lines(1), "Action-000001: Append", "Cat-000001: q0", "Var-000001: k"]
    with connect(ami_server) as client:
        send(client, [*lines, long_line, "Action: Ping", "ActionID: after"])
        assert client.read_message() == {
            "Response": "Error",
            "ActionID": "u",
            "Message": LINE_TOO_LONG,
        }
        assert client.read_message()["ActionID"] == "after"  # the lines after, as a message
    assert names(ami_server.asterisk) == []


def test_a_long_line_inside_a_message_fails_it_at_its_end(ami_server: FakeAmiServer) -> None:
    """Discarded windows of 1023 bytes; the tail is read as a header line of its own."""
    tail = "Action: Ping"
    lines = update_lines(2)
    lines.insert(4, "X-Long: " + "y" * (3 * 1023 - len("X-Long: ")) + tail)
    with connect(ami_server) as client:
        send(client, lines)
        assert client.read_message() == {
            "Response": "Error",
            "ActionID": "u",
            "Message": LINE_TOO_LONG,
        }
        client.send_action("Ping", ActionID="p")
        assert client.read_message()["Ping"] == "Pong"  # the mark is cleared
    assert names(ami_server.asterisk) == []
    error, kept = ami_server.rejected[0]
    assert error == LINE_TOO_LONG
    assert kept["Action"] == "UpdateConfig"  # the first occurrence wins over the tail's


def test_too_many_lines_and_a_long_line_leave_the_mark_for_the_next_message(
    ami_server: FakeAmiServer,
) -> None:
    """do_message answers hdr_loss first without resetting s->parsing (Asterisk 22)."""
    lines = [*update_lines(62), "X-Long: " + "z" * 1100]
    with connect(ami_server) as client:
        send(client, lines)
        assert client.read_message()["Message"] == TOO_MANY_LINES
        client.send_action("Ping", ActionID="p")
        assert client.read_message() == {
            "Response": "Error",
            "ActionID": "p",
            "Message": LINE_TOO_LONG,
        }
        client.send_action("Ping", ActionID="p2")
        assert client.read_message()["Ping"] == "Pong"


def read_all(data: bytes, chunk: int) -> list[RawMessage]:
    """Messages the reader finds in ``data`` sent ``chunk`` bytes at a time."""

    def send_in_chunks() -> None:
        for start in range(0, len(data), chunk):
            theirs.sendall(data[start : start + chunk])
        theirs.shutdown(socket.SHUT_WR)

    ours, theirs = socket.socketpair()
    ours.settimeout(5)
    sender = threading.Thread(target=send_in_chunks)
    with ours, theirs:
        sender.start()
        reader = AmiReader(ours)
        found = []
        while (message := reader.next_message()) is not None:
            found.append(message)
        sender.join()
        return found


STREAM = (
    b"Action: Ping\nActionID: bare-lf\n\n"
    + b"Action: Ping\r\nX: "
    + b"a" * 1500
    + b"\r\nActionID: long\r\n\r\n"
    + b"Action: Ping\r\nActionID: nul\0ignored\r\n\0after-nul\r\n"
    + b"Action: Ping\r\n\r\n"
)


@pytest.mark.parametrize("chunk", [1, 7, 1024, 65536])
def test_reading_does_not_depend_on_how_bytes_arrive(chunk: int) -> None:
    assert read_all(STREAM, chunk) == [
        RawMessage(("Action: Ping", "ActionID: bare-lf")),
        RawMessage(("Action: Ping", "a" * (1503 - 1023), "ActionID: long"), LINE_TOO_LONG),
        RawMessage(("Action: Ping", "ActionID: nul")),  # NUL ends a line; first, the message
        RawMessage(("Action: Ping",)),
    ]
