"""A raw line-oriented TCP client for tests: read exact lines and whole AMI messages."""

from __future__ import annotations

import socket
import time
from types import TracebackType


class WireClient:
    """Connect to host:port; read ``\\n``-terminated lines with a deadline."""

    def __init__(self, host: str, port: int, timeout: float = 2.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self._buffer = b""

    def __enter__(self) -> WireClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def send_action(self, action: str, **headers: str) -> None:
        """One AMI message: ``Action: X``, the headers in order, then the empty line."""
        lines = [f"Action: {action}", *(f"{k}: {v}" for k, v in headers.items())]
        self.send("\r\n".join(lines) + "\r\n\r\n")

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no data within {self.timeout}s; buffered: {self._buffer!r}")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def read_line(self) -> str | None:
        """One line without its ``\\r\\n``/``\\n``; None at end of stream."""
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buffer:
            if not self._fill(deadline):
                return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode().removesuffix("\r")

    def read_lines(self, count: int) -> list[str]:
        lines = []
        for _ in range(count):
            line = self.read_line()
            if line is None:
                break
            lines.append(line)
        return lines

    def read_message(self) -> dict[str, str]:
        """One AMI message as headers (first occurrence wins); empty dict at end of stream."""
        headers: dict[str, str] = {}
        while True:
            line = self.read_line()
            if line is None or (line == "" and headers):
                return headers
            key, sep, value = line.partition(": ")
            if sep:
                headers.setdefault(key, value)
            elif line.endswith(":"):
                headers.setdefault(line[:-1], "")

    def read_until(self, key: str, value: str) -> list[dict[str, str]]:
        """Messages up to and including the first with ``key: value``."""
        messages: list[dict[str, str]] = []
        while True:
            message = self.read_message()
            if not message:
                raise EOFError(f"connection closed before {key}: {value}; got {messages}")
            messages.append(message)
            if message.get(key) == value:
                return messages

    def at_eof(self) -> bool:
        """True if the server closed the connection (no more data)."""
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                if not self._fill(deadline):
                    return True
        except TimeoutError:
            return False
