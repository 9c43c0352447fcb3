"""AMI wire format: framing of incoming messages, encoding of actions, redaction for logs.

On the wire every line ends in ``\\r\\n`` and a message ends with an empty line. PJSIP error
messages carry a stray bare ``\\n`` before the terminator (``Message: No endpoints found\\n``
then ``\\r\\n\\r\\n``); the framer tolerates it and any empty lines between messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from provisioner.render.objects import is_sensitive
from provisioner.targets.ami.errors import AmiProtocolError

TERMINATOR = b"\r\n\r\n"
# Asterisk's limits on an incoming action (manager.h AST_MAX_MANHEADERS; manager.c reads a
# line into a 1024-byte buffer, CRLF included): beyond them it refuses or drops the action.
MAX_HEADER_LINES = 128
MAX_LINE_BYTES = 1022
# What the client takes in, whatever the peer sends. Asterisk's longest lines are GetConfig's
# (config.c reads lines of up to 8190 bytes) and its largest message a GetConfig answer
# (about 15 MB for a 10,000-agent pjsip_gitops.conf): far within these bounds, which stop a
# peer streaming bytes without end (it drove a plan to 2.6 GB in 10 s).
MAX_IN_LINE_BYTES = 1 << 16  # a line not ended within 64 KiB
MAX_IN_MESSAGE_BYTES = 1 << 26  # a message not ended within 64 MiB
Header = tuple[str, str]
# Lines Asterisk writes without a colon inside an answer: GetConfig with a Category that
# matches nothing ends its (successful) answer with this one. Skipped, the rest is a header.
BARE_LINES = frozenset({"No categories found"})

_UPDATE_VAR = re.compile(r"Var-(\d{6})$")
_UPDATE_VALUE = re.compile(r"(?:Value|Match)-(\d{6})$")  # Match: a Delete's old value
_CONFIG_LINE = re.compile(r"Line-\d{6}-\d{6}$")


@dataclass(frozen=True)
class Message:
    """One AMI message (response or event): its ``Key: value`` lines in order.

    A message its action asked to keep raw (``Action.raw``: a whole-file ``GetConfig``) has
    ``text``, every line as received, and only its first lines in ``headers`` (Response,
    ActionID): 250000 header tuples of a 10k-agent answer would weigh 75 MB."""

    headers: tuple[Header, ...]
    text: str = field(default="", compare=False, repr=False)

    def lines(self) -> Iterator[Header]:
        """Every ``(key, value)`` line, from ``text`` when the message was kept raw."""
        if not self.text:
            yield from self.headers
            return
        for line in _lines(self.text):
            if line and line not in BARE_LINES:
                yield _header(line)

    def get(self, key: str, default: str = "") -> str:
        """The first value of ``key`` (case-insensitive), or ``default``.

        A plain scan: Response, Event, ActionID and EventList come first in what Asterisk
        sends, so even a 400000-line GetConfig answer is not indexed for them (a GetConfig
        answer has no EventList: that lookup reads every header).
        """
        wanted = key.lower()
        # For an ASCII key only names of its length can match (no character lowers to more
        # than one ASCII character): the length test spares a lower() per header.
        size = len(key) if key.isascii() else -1
        for name, value in self.headers:
            if name == key or ((size < 0 or len(name) == size) and name.lower() == wanted):
                return value
        return default

    @property
    def action_id(self) -> str:
        return self.get("ActionID")

    @property
    def is_response(self) -> bool:
        return bool(self.headers) and self.headers[0][0].lower() == "response"

    @property
    def event(self) -> str:
        if self.headers and self.headers[0][0].lower() == "event":
            return self.headers[0][1]
        return self.get("Event")


def parse_message(text: str) -> Message:
    """One framed message -> ``Message``; empty lines and a stray bare ``\n`` are skipped.

    Lines end in ``\r\n``; only a message that also holds a bare ``\n`` is copied to split
    it (a copy of a 10 MB GetConfig answer is 10 MB more at the read's peak)."""
    headers: list[Header] = []
    append = headers.append
    for line in _lines(text):
        if line and line not in BARE_LINES:
            append(_header(line))
    return Message(tuple(headers))


def _header(line: str) -> Header:
    key, sep, value = line.partition(": ")
    if not sep:
        key, sep, value = line.partition(":")
        if not sep:
            raise AmiProtocolError(f"not an AMI header line: {line[:80]!r}")
    return key, value


def head(text: str, lines: int = 3) -> Message:
    """A message of the first ``lines`` lines of ``text`` only, keeping ``text`` whole."""
    first = text.split("\r\n", lines)[:lines]
    return Message(tuple(_header(line) for line in first if line), text)


_CHUNK = 1 << 20


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, split ``_CHUNK`` characters at a time: the list of every line
    of a 10 MB answer (25 MB) never exists at once."""
    newline = "\r\n" if text.count("\r\n") == text.count("\n") else "\n"
    if newline == "\n":
        text = text.replace("\r\n", "\n")
    start = 0
    while start < len(text):
        end = text.find(newline, start + _CHUNK)
        end = len(text) if end < 0 else end
        yield from text[start:end].split(newline)
        start = end + len(newline)


def _message(part: str, raw: Callable[[str], bool] | None) -> Message:
    if raw is not None and len(part) > _RAW_ABOVE:
        first = head(part)
        if first.is_response and raw(first.action_id):
            return first
    return parse_message(part)


_RAW_ABOVE = 1 << 16  # smaller answers are parsed whole, whoever asked


class Framer:
    """Accumulates received bytes and cuts them into messages. Raises AmiProtocolError when
    a line or a message grows past ``MAX_IN_LINE_BYTES`` / ``MAX_IN_MESSAGE_BYTES`` without
    ending: what is buffered stays bounded whatever the peer sends."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scan = 0  # no terminator before this offset
        self._open_line = 0  # bytes received since the last "\n"

    def append(self, data: bytes) -> None:
        self._buffer += data
        self._check_line(data)

    def feed(self, data: bytes, raw: Callable[[str], bool] | None = None) -> list[Message]:
        """Add received bytes; the messages now complete, in order. ``raw``: which action
        ids want their answer kept raw (``Message.text``)."""
        self.append(data)
        messages = self.pop_messages(raw)
        if len(self._buffer) > MAX_IN_MESSAGE_BYTES:
            raise AmiProtocolError(
                f"the peer sent a message of more than {MAX_IN_MESSAGE_BYTES} bytes without "
                "ending it; is this an Asterisk manager interface?"
            )
        return messages

    def _check_line(self, data: bytes) -> None:
        end = data.rfind(b"\n")
        self._open_line = len(data) - end - 1 if end >= 0 else self._open_line + len(data)
        if self._open_line > MAX_IN_LINE_BYTES:
            raise AmiProtocolError(
                f"the peer sent a line of more than {MAX_IN_LINE_BYTES} bytes without ending "
                "it; is this an Asterisk manager interface?"
            )

    def pop_messages(self, raw: Callable[[str], bool] | None = None) -> list[Message]:
        if self._buffer.find(TERMINATOR, self._scan) < 0:
            self._scan = max(0, len(self._buffer) - len(TERMINATOR) + 1)
            return []
        end = self._buffer.rfind(TERMINATOR) + len(TERMINATOR)
        with memoryview(self._buffer) as view:  # decoded without a copy of the bytes first
            text = str(view[:end], "utf-8", errors="replace")
        if end == len(self._buffer):
            self._buffer = bytearray()  # a bytearray keeps its size when cut from the front
        else:
            del self._buffer[:end]
        self._scan = 0
        parts = text.split("\r\n\r\n")
        del text
        return [_message(part, raw) for part in parts if part and not part.isspace()]

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
        if (m := _UPDATE_VAR.match(key)) and is_sensitive(value)
    }
    redacted: list[Header] = []
    for key, value in headers:
        redacted.append((key, _redact_value(key, value, sensitive_numbers)))
    return redacted


def _redact_value(key: str, value: str, sensitive_numbers: set[str]) -> str:
    if is_sensitive(key):  # Secret (Login), Password, MD5Cred... (PJSIPShow* details)
        return "(sensitive)"
    value_match = _UPDATE_VALUE.match(key)
    if value_match and value_match.group(1) in sensitive_numbers:
        return "(sensitive)"
    if _CONFIG_LINE.match(key):
        name, sep, _ = value.partition("=")
        if sep and is_sensitive(name):
            return f"{name}=(sensitive)"
    return value


def describe(headers: Sequence[Header]) -> str:
    """Redacted headers as one log-friendly line."""
    return ", ".join(f"{k}: {v}" for k, v in redact_headers(headers))
