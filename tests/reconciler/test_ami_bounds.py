"""The AMI client buffers a bounded amount whatever the peer sends: a line that never ends, a
message that never ends, an answer that never completes. Each is one clear error, soon."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from provisioner.targets.ami.client import MAX_IN_REPLY_BYTES, Action, AmiClient
from provisioner.targets.ami.errors import AmiProtocolError
from provisioner.targets.ami.protocol import MAX_IN_LINE_BYTES, MAX_IN_MESSAGE_BYTES, Framer

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
LOGIN_OK = b"Response: Success\r\nActionID: gitops-1\r\nMessage: Authentication accepted\r\n\r\n"
CHUNK = 1 << 16


def test_a_line_that_never_ends_is_refused_at_the_bound() -> None:
    framer = Framer()
    framer.feed(b"Response: Success\r\nMessage: ")
    with pytest.raises(AmiProtocolError, match="a line of more than"):
        for _ in range(MAX_IN_LINE_BYTES // CHUNK + 2):
            framer.feed(b"x" * CHUNK)


def test_a_message_that_never_ends_is_refused_at_the_bound() -> None:
    framer = Framer()
    line = b"Line-000000-000001: key=" + b"v" * 100 + b"\r\n"
    block = line * (CHUNK // len(line))
    with pytest.raises(AmiProtocolError, match="a message of more than"):
        for _ in range(MAX_IN_MESSAGE_BYTES // len(block) + 2):
            framer.feed(block)


def test_a_large_getconfig_answer_is_read_whole() -> None:
    line = b"Line-000000-000001: allow=" + b"u" * 60 + b"\r\n"
    body = b"Response: Success\r\nActionID: 1\r\n" + line * 200_000  # 18 MB
    framer = Framer()
    messages = []
    for start in range(0, len(body), CHUNK):
        messages += framer.feed(body[start : start + CHUNK])
    (message,) = messages + framer.feed(b"\r\n")
    assert len(message.headers) == 200_002


class Peer:
    """A hostile AMI peer on 127.0.0.1: greets, then runs ``talk`` on its first connection.
    ``sent`` is how many bytes it got out before the client hung up."""

    def __init__(self, talk: Callable[[Peer, socket.socket], None]) -> None:
        self.sent = 0
        self._talk = talk
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._run, daemon=True)

    def stream(self, conn: socket.socket, data: bytes) -> None:
        while self.sent < 8 * MAX_IN_MESSAGE_BYTES:
            conn.sendall(data)
            self.sent += len(data)

    def _run(self) -> None:
        conn, _ = self._server.accept()
        with conn:
            try:
                conn.sendall(BANNER)
                self._talk(self, conn)
            except OSError:  # the client hung up: what this test wants
                pass

    @contextmanager
    def running(self) -> Iterator[Peer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._thread.join(30)
            self._server.close()

    def cut_off_near(self, limit: int) -> None:
        """Cut off after about ``limit`` bytes, plus what the two sockets buffer."""
        assert not self._thread.is_alive() and self.sent < limit + (16 << 20), self.sent


def test_a_peer_streaming_without_newline_is_cut_off() -> None:
    streaming = Peer(lambda peer, conn: peer.stream(conn, b"x" * CHUNK))
    with streaming.running() as peer, pytest.raises(AmiProtocolError, match="line of more than"):
        AmiClient("127.0.0.1", peer.port, "gitops", "s", timeout=30).connect()
    peer.cut_off_near(MAX_IN_LINE_BYTES)


def test_a_peer_streaming_one_endless_answer_is_cut_off() -> None:
    event = b"Event: DBGetResponse\r\nActionID: gitops-2\r\nVal: " + b"v" * 60000 + b"\r\n\r\n"
    start = b"Response: Success\r\nActionID: gitops-2\r\nEventList: start\r\n\r\n"

    def talk(peer: Peer, conn: socket.socket) -> None:
        conn.recv(4096)  # the Login
        conn.sendall(LOGIN_OK + start)
        peer.stream(conn, event)

    with Peer(talk).running() as peer:
        client = AmiClient("127.0.0.1", peer.port, "gitops", "s", timeout=30)
        with pytest.raises(AmiProtocolError, match=r"more than \d+ bytes in answer to DBGet"):
            client.request(Action("DBGet", (("Family", "x"), ("Key", "y"))))
        assert not client.connected
    peer.cut_off_near(MAX_IN_REPLY_BYTES)
