"""How Asterisk 22 reads an AMI action off the socket (manager.c ``get_input`` and
``do_message``), limits included.

- A line ends at ``\\r\\n`` or a bare ``\\n`` and must end within the session's input buffer
  (``char inbuf[1025]``, of which 1024 bytes hold input): at most 1022 bytes before
  ``\\r\\n``. When 1024 bytes hold no line end, Asterisk logs ``Discarding message from
  <addr>. Line too long: ...``, keeps only the last byte and reads on; the message is then
  answered ``Failed to parse message: line too long`` when its empty line arrives. What
  follows a discarded window is read as if it were a line of its own (a 1023-byte line
  leaves its ``\\r`` behind, which with the ``\\n`` makes an empty line: the message ends
  there).
- At most ``AST_MAX_MANHEADERS`` (128) lines are kept per message; further lines are
  dropped and the message is answered ``Too many lines in message or allocation failure``
  (with the ActionID among the kept lines). That branch does not clear the line-too-long
  mark, so a message with both faults leaves it for the next message.
- A line is a C string: a NUL byte ends it, and a line starting with NUL is an empty line.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

logger = logging.getLogger(__name__)

INBUF_BYTES = 1024  # sizeof(mansession_session.inbuf) - 1
MAX_HEADERS = 128  # AST_MAX_MANHEADERS (include/asterisk/manager.h)
TOO_MANY_LINES = "Too many lines in message or allocation failure"
LINE_TOO_LONG = "Failed to parse message: line too long"
_COMPACT_AT = 1 << 16


@dataclass(frozen=True)
class RawMessage:
    """The kept header lines of one message, and the parse error Asterisk answers, if any."""

    lines: tuple[str, ...]
    error: str | None = None


class AmiReader:
    """Reads messages from a connection exactly as one Asterisk manager session does."""

    def __init__(self, conn: socket.socket, peer: str = "127.0.0.1") -> None:
        self.conn = conn
        self.peer = peer
        self.data = bytearray()
        self.pos = 0  # start of the input buffer's window in ``data``
        self.line_too_long = False  # mansession.parsing == MESSAGE_LINE_TOO_LONG

    def next_message(self) -> RawMessage | None:
        """The next message, or None when the client closed the connection."""
        lines: list[str] = []
        lost = False
        while True:
            raw = self._line()
            if raw is None:
                return None
            line = raw.split(b"\0", 1)[0]
            if not line:
                break
            if len(lines) < MAX_HEADERS:
                lines.append(line.decode(errors="replace"))
            else:
                lost = True
        if lost:
            return RawMessage(tuple(lines), TOO_MANY_LINES)
        if self.line_too_long:
            self.line_too_long = False
            return RawMessage(tuple(lines), LINE_TOO_LONG)
        return RawMessage(tuple(lines))

    def _line(self) -> bytes | None:
        """One line without its terminator (get_input), or None at end of input."""
        while True:
            end = self.data.find(b"\n", self.pos, self.pos + INBUF_BYTES)
            if end >= 0:
                stop = end - 1 if end > self.pos and self.data[end - 1] == 0x0D else end
                line = bytes(self.data[self.pos : stop])
                self.pos = end + 1
                return line
            if len(self.data) - self.pos >= INBUF_BYTES:
                self._discard()
                continue
            if not self._receive():
                return None

    def _discard(self) -> None:
        """A full buffer without a line end: keep its last byte, mark the message."""
        head = bytes(self.data[self.pos : self.pos + 25]).decode(errors="replace")
        logger.warning("Discarding message from %s. Line too long: %s...", self.peer, head)
        self.pos += INBUF_BYTES - 1
        self.line_too_long = True

    def _receive(self) -> bool:
        if self.pos >= _COMPACT_AT or self.pos == len(self.data):
            del self.data[: self.pos]
            self.pos = 0
        chunk = self.conn.recv(65536)
        if not chunk:
            return False
        self.data += chunk
        return True
