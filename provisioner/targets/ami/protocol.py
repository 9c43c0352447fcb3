"""AMI wire format: framing of incoming messages, encoding of actions, redaction for logs.

On the wire every line ends in ``\\r\\n`` and a message ends with an empty line. PJSIP error
messages carry a stray bare ``\\n`` before the terminator (``Message: No endpoints found\\n``
then ``\\r\\n\\r\\n``); the framer tolerates it and any empty lines between messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from provisioner.render.objects import SENSITIVE_KEYS
from provisioner.targets.ami.errors import AmiProtocolError

TERMINATOR = b"\r\n\r\n"
# Asterisk's limits on an incoming action (manager.h AST_MAX_MANHEADERS; manager.c reads a
# line into a 1024-byte buffer, CRLF included): beyond them it refuses or drops the action.
MAX_HEADER_LINES = 128
MAX_LINE_BYTES = 1022
Header = tuple[str, str]

# Headers whose values are secrets wherever they appear (Login, PJSIPShow* details).
_SECRET_HEADERS = frozenset({"secret", "password", "md5cred", "oauthsecret", "refreshtoken"})
_UPDATE_VAR = re.compile(r"Var-(\d{6})$")
_UPDATE_VALUE = re.compile(r"Value-(\d{6})$")
_EARLY = 4  # headers looked at before any index is built
_INDEXED = 64  # messages up to this size are indexed on first lookup
_CONFIG_LINE = re.compile(r"Line-\d{6}-\d{6}$")


@dataclass(frozen=True)
class Message:
    """One AMI message (response or event): its ``Key: value`` lines in order."""

    headers: tuple[Header, ...]

    @cached_property
    def _first(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.headers:
            found.setdefault(key.lower(), value)
        return found

    def get(self, key: str, default: str = "") -> str:
        """The first value of ``key`` (case-insensitive), or ``default``.

        Response, Event, ActionID and EventList come first in what Asterisk sends, so they
        are looked for there before a huge answer (GetConfig) gets scanned or indexed.
        """
        wanted = key.lower()
        for name, value in self.headers[:_EARLY]:
            if name.lower() == wanted:
                return value
        if len(self.headers) <= _INDEXED:
            return self._first.get(wanted, default)
        for name, value in self.headers:
            if name.lower() == wanted:
                return value
        return default

    def has(self, key: str) -> bool:
        return self.get(key, "\0") != "\0"

    @property
    def action_id(self) -> str:
        return self.get("ActionID")

    @property
    def is_response(self) -> bool:
        return self.has("Response")

    @property
    def event(self) -> str:
        return self.get("Event")


def parse_message(raw: bytes) -> Message:
    """One framed message (without its terminator) -> ``Message``; empty lines are skipped."""
    text = raw.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "")
    headers: list[Header] = []
    append = headers.append
    for line in text.split("\n"):
        if not line:
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            key, sep, value = line.partition(":")
            if not sep:
                raise AmiProtocolError(f"not an AMI header line: {line[:80]!r}")
        append((key, value))
    return Message(tuple(headers))


class Framer:
    """Accumulates received bytes and cuts them into messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scan = 0  # where to resume looking for the terminator

    def append(self, data: bytes) -> None:
        self._buffer += data

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes; the messages now complete, in order."""
        self._buffer += data
        return self.pop_messages()

    def pop_messages(self) -> list[Message]:
        messages: list[Message] = []
        start = 0
        while True:
            end = self._buffer.find(TERMINATOR, max(start, self._scan))
            if end < 0:
                break
            raw = bytes(self._buffer[start:end])
            start = end + len(TERMINATOR)
            self._scan = start
            if raw.strip():
                messages.append(parse_message(raw))
        if start:
            del self._buffer[:start]
        self._scan = max(0, len(self._buffer) - len(TERMINATOR) + 1)
        return messages

    def take_line(self) -> str | None:
        """The first line of the buffer (for the banner), or None while incomplete."""
        end = self._buffer.find(b"\n")
        if end < 0:
            return None
        line = bytes(self._buffer[: end + 1]).decode("utf-8", errors="replace").strip()
        del self._buffer[: end + 1]
        self._scan = 0
        return line


def encode_action(action: str, action_id: str, headers: Sequence[Header]) -> bytes:
    """An action as bytes. Refuses what Asterisk would not read: a value with a line break,
    more than ``MAX_HEADER_LINES`` lines, or a line longer than ``MAX_LINE_BYTES``."""
    if len(headers) + 2 > MAX_HEADER_LINES:
        raise AmiProtocolError(
            f"{action} has {len(headers) + 2} header lines; Asterisk reads at most "
            f"{MAX_HEADER_LINES} per action"
        )
    lines = [f"Action: {action}", f"ActionID: {action_id}"]
    for key, value in headers:
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise AmiProtocolError(
                f"the value of {key} in {action} contains a line break, which AMI cannot carry"
            )
        line = f"{key}: {value}"
        if len(line.encode("utf-8")) > MAX_LINE_BYTES:
            raise AmiProtocolError(
                f"the value of {key} in {action} is too long for AMI (a line holds at most "
                f"{MAX_LINE_BYTES} bytes)"
            )
        lines.append(line)
    lines.append("")
    lines.append("")
    return "\r\n".join(lines).encode("utf-8")


def redact_headers(headers: Sequence[Header]) -> list[Header]:
    """A copy safe to log: secret headers, sensitive UpdateConfig values and config lines
    (``password=...``) replaced by ``(sensitive)``."""
    sensitive_numbers = {
        m.group(1)
        for key, value in headers
        if (m := _UPDATE_VAR.match(key)) and value.strip() in SENSITIVE_KEYS
    }
    redacted: list[Header] = []
    for key, value in headers:
        redacted.append((key, _redact_value(key, value, sensitive_numbers)))
    return redacted


def _redact_value(key: str, value: str, sensitive_numbers: set[str]) -> str:
    if key.lower() in _SECRET_HEADERS:
        return "(sensitive)"
    value_match = _UPDATE_VALUE.match(key)
    if value_match and value_match.group(1) in sensitive_numbers:
        return "(sensitive)"
    if _CONFIG_LINE.match(key):
        name, sep, _ = value.partition("=")
        if sep and name.strip() in SENSITIVE_KEYS:
            return f"{name}=(sensitive)"
    return value


def describe(headers: Sequence[Header]) -> str:
    """Redacted headers as one log-friendly line."""
    return ", ".join(f"{k}: {v}" for k, v in redact_headers(headers))
