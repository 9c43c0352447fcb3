"""A minimal scripted FastAGI server for testing the fake AGI client (and replaying agi-*).

It accepts one connection, reads the environment, sends the given command lines one by one,
collects each reply (up to its final status line) and closes.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Sequence
from types import TracebackType

from tests.fakes.agi_client import AgiConnection


def is_final(line: str) -> bool:
    """A reply ends at a ``NNN `` status line (``200``, ``510``, ``511``, ``520 `` but not
    the ``520-`` usage lines nor ``HANGUP``)."""
    return re.match(r"^\d{3}( |$)", line) is not None


class ScriptedAgiServer:
    """Run as a context manager; after it exits, ``env_lines`` and ``replies`` are filled."""

    def __init__(self, commands: Sequence[str], timeout: float = 5.0) -> None:
        self.commands = list(commands)
        self.timeout = timeout
        self.env_lines: list[str] = []
        self.replies: list[list[str]] = []
        self.error: BaseException | None = None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(timeout)
        self.host, self.port = "127.0.0.1", self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="scripted-agi", daemon=True)

    def __enter__(self) -> ScriptedAgiServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._thread.join(timeout=self.timeout)
        self._listener.close()

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError as e:
            self.error = e
            return
        with AgiConnection(conn, self.timeout) as wrapped:
            try:
                self._converse(wrapped)
            except (OSError, TimeoutError) as e:
                self.error = e

    def _converse(self, conn: AgiConnection) -> None:
        while (line := conn.read_line()) not in (None, ""):
            self.env_lines.append(line)
        for command in self.commands:
            conn.send_line(command)
            reply: list[str] = []
            while (line := conn.read_line()) is not None:
                reply.append(line)
                if is_final(line):
                    break
            self.replies.append(reply)
