"""Raw line-oriented TCP clients for tests: exact lines, whole AMI messages, slow peers."""

from __future__ import annotations

import socket
import time
from types import TracebackType
from typing import Self


class LineSocket:
    """A TCP socket read as ``\\n``-terminated lines, each read bounded by ``timeout``."""

    def __init__(self, sock: socket.socket, timeout: float = 2.0) -> None:
        self.sock = sock
        self.timeout = timeout
        self._buffer = b""

    def __enter__(self) -> Self:
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

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode())

    def send_line(self, line: str) -> None:
        self.send_raw(line.encode() + b"\n")

    def send_slowly(self, data: bytes, chunk: int = 1, pause: float = 0.01) -> None:
        """Send ``data`` a few bytes at a time, like a slow or congested peer."""
        for start in range(0, len(data), chunk):
            self.sock.sendall(data[start : start + chunk])
            time.sleep(pause)

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no complete line within {self.timeout}s: {self._buffer!r}")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self._buffer += chunk
        return bool(chunk)

    def read_line(self, timeout: float | None = None) -> str | None:
        """One line without its ``\\r\\n``/``\\n``; None at end of stream."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self._buffer:
            if not self._fill(deadline):
                return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode(errors="replace").removesuffix("\r")

    def read_lines(self, count: int) -> list[str]:
        lines = []
        for _ in range(count):
            line = self.read_line()
            if line is None:
                break
            lines.append(line)
        return lines

    def at_eof(self) -> bool:
        """True if the peer closed the connection (no more data)."""
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                if not self._fill(deadline):
                    return True
        except TimeoutError:
            return False


class WireClient(LineSocket):
    """An AMI-speaking test client connected to host:port."""

    def __init__(self, host: str, port: int, timeout: float = 2.0) -> None:
        super().__init__(socket.create_connection((host, port), timeout=timeout), timeout)

    def send_action(self, action: str, **headers: str) -> None:
        """One AMI message: ``Action: X``, the headers in order, then the empty line."""
        lines = [f"Action: {action}", *(f"{k}: {v}" for k, v in headers.items())]
        self.send("\r\n".join(lines) + "\r\n\r\n")

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
