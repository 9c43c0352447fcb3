"""The only module that speaks AGI: pyst2's ``AGI`` adapted to a threaded FastAGI server.

pyst2 0.5.1 is written for one AGI script per process reading stdin. In a server thread on
Python 3.11 several of its habits break, so ``_ThreadedAGI`` overrides exactly these:

- ``AGI.__init__`` installs a SIGHUP handler (``ValueError: signal only works in main
  thread`` outside the main thread, and it would steal the server's reload signal) and writes
  debug lines to stderr on every exchange: we do not call it; stderr is a null writer.
- ``asterisk.fastagi`` imports ``SocketServer`` (Python 2 only): the server is our own.
- ``get_result`` raises ``AGIAppError`` for every ``200 result=-1`` (an application's
  failure, a missing sound file or a hang-up, depending on the command): ours returns it and
  each ``AgiChannel`` method says what it means. pyst2 also turns a ``HANGUP`` line or EOF
  into ``ValueError`` (``int('')``) and formats every result with ``pprint``: ours reads the
  ``HANGUP`` marker and remembers it (the reply after it is valid); EOF and socket errors
  become ``ConnectionLost``; ``511`` (dead channel) ``Hangup``.
- ``_quote`` does not escape an embedded ``"`` (nor ``\\``, nor newlines, which would inject a
  second command): ours escapes them the way Asterisk's argument parser reads them.
- ``database_get`` quotes its arguments twice, so we send that command ourselves.
- ``send_command`` formats a debug line and writes through a text file object: ours sends
  one encoded line with ``sendall``.

Cost (see docs/agi.md, Performance): a session is a dozen round trips on a thread of a
process with one GIL, so what it pays for is mostly system calls that drop and retake the GIL.
``SocketLines`` reads blocks, never a byte at a time, and expects a *blocking* socket whose
idle timeout is ``SO_RCVTIMEO`` (``set_idle_timeout``): with ``settimeout`` CPython polls
before every ``recv`` and ``send``, which doubles the system calls and GIL hand-overs.

``AgiChannel`` wraps it in the small typed interface the handlers use (``fastagi.channel.Channel``).
After a hang-up, Asterisk still runs the commands that need no caller (``EXEC``, ``DATABASE``,
``GET``/``SET VARIABLE``, ``VERBOSE``): those go on, so a login, logout or pause that has
started writing finishes. Commands that need the caller (``ANSWER``, ``GET DATA``,
``Playback``) raise ``Hangup`` instead of being sent.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from asterisk.agi import (
    AGI,
    AGIHangup,
    AGIInvalidCommand,
    AGISIGPIPEHangup,
    AGIUnknownError,
    AGIUsageError,
    re_code,
    re_kv,
)

from fastagi.errors import CommandError, ConnectionLost, Hangup, ProtocolError

logger = logging.getLogger(__name__)

MAX_LINE = 8192  # bytes in one line from Asterisk
MAX_ENV_LINES = 200  # agi_* lines before the blank line

Result = dict[str, tuple[str, str]]


class LineSource(Protocol):
    def readline(self, limit: int = -1, /) -> bytes: ...


Send = Callable[[bytes], object]


class SocketLines:
    """Lines from a socket, read in blocks; ``readline`` as ``BufferedReader`` does it.
    ``initial``: bytes already read from the socket (what followed the environment)."""

    def __init__(self, sock: socket.socket, block: int = 4096, initial: bytes = b"") -> None:
        self._recv = sock.recv
        self._block = block
        self._buffer = initial

    def readline(self, limit: int = -1, /) -> bytes:
        data = self._buffer
        while True:
            end = data.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                self._buffer = data[end + 1 :]
                return data[: end + 1]
            if 0 <= limit <= len(data):
                self._buffer = data[limit:]
                return data[:limit]
            self._buffer = data
            chunk = self._recv(self._block)  # OSError (timeout, reset) goes to the caller
            if not chunk:
                self._buffer = b""
                return data
            data += chunk


def set_idle_timeout(sock: socket.socket, seconds: float) -> None:
    """Bound every read and write by ``seconds`` while keeping the socket blocking."""
    if sock.gettimeout() is not None:
        sock.settimeout(None)
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    except OSError as e:  # a platform without these options: CPython's own timeout
        logger.debug("SO_RCVTIMEO refused (%s); using settimeout", e)
        sock.settimeout(seconds)


def _environment_line(raw: bytes, env: dict[str, str], number: int) -> bool:
    """Take line ``number`` (from 1) of the AGI environment into ``env``; True at the blank
    line ending it. Raises ProtocolError for what is not an environment (a line too long or
    not ``agi_*``, more than ``MAX_ENV_LINES`` lines)."""
    if not raw.endswith(b"\n") and len(raw) >= MAX_LINE:
        raise ProtocolError(f"line longer than {MAX_LINE} bytes")
    line = raw.decode("utf-8", errors="replace").strip()
    if line == "":
        return True
    if number > MAX_ENV_LINES:
        raise ProtocolError(f"AGI environment longer than {MAX_ENV_LINES} lines")
    key, sep, value = line.partition(":")
    if not sep or not key.startswith("agi_"):
        raise ProtocolError(f"not an AGI environment line: {line[:60]!r}")
    env[key.strip()] = value.strip()
    return False


class Greeting:
    """An AGI environment read as its bytes arrive, from a socket nobody waits on
    (``agi.greeter``): ``feed`` returns True once the blank line ending it has come; ``env``
    is then the environment and ``rest`` what followed it. The same rules as a session's own
    read: ProtocolError for a line over ``MAX_LINE`` bytes, a line that is not ``agi_*`` or
    more than ``MAX_ENV_LINES`` lines."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self.rest = b""
        self._buffer = bytearray()
        self._lines = 0

    def feed(self, data: bytes) -> bool:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0 and end < MAX_LINE:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            self._lines += 1
            if _environment_line(line, self.env, self._lines):
                self.rest = bytes(self._buffer)
                return True
        if len(self._buffer) >= MAX_LINE:  # raises: a line too long
            _environment_line(bytes(self._buffer[:MAX_LINE]), self.env, self._lines + 1)
        return False


class _NullWriter:
    """Swallows pyst2's debug output (it writes ``COMMAND:`` lines to ``stderr``)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


_ESCAPES = str.maketrans({"\r": " ", "\n": " ", "\\": "\\\\", '"': '\\"'})


def quote(value: object) -> str:
    """One AGI argument, quoted so that Asterisk reads it back unchanged as one argument."""
    text = str(value)
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:  # rare: translate
        text = text.translate(_ESCAPES)
    return f'"{text}"'


class _ThreadedAGI(AGI):  # type: ignore[misc]  # pyst2 ships no type hints
    """pyst2's AGI over one accepted socket, safe to use from a server thread."""

    def __init__(self, reader: LineSource, send: Send, env: dict[str, str] | None) -> None:
        # AGI.__init__ is skipped on purpose (SIGHUP handler, stderr debug): see module doc.
        self.stdin = reader
        self._send = send
        self.stderr = _NullWriter()
        self._got_sighup = False
        self.env: dict[str, str] = {}
        self.hung_up = False  # Asterisk said HANGUP, or a command failed as on a hang-up
        if env is None:
            self._get_agi_env()
        else:
            self.env = env

    def _read_raw(self) -> bytes:
        try:
            raw = self.stdin.readline(MAX_LINE)
        except (BlockingIOError, TimeoutError) as e:  # SO_RCVTIMEO / settimeout
            raise ConnectionLost("Asterisk sent nothing within the idle timeout") from e
        except OSError as e:  # reset
            raise ConnectionLost(f"reading from Asterisk failed: {e}") from e
        if not raw:
            raise ConnectionLost("Asterisk closed the connection")
        return raw

    def _read_line(self) -> str:
        raw = self._read_raw()
        if not raw.endswith(b"\n") and len(raw) >= MAX_LINE:
            raise ProtocolError(f"line longer than {MAX_LINE} bytes")
        return raw.decode("utf-8", errors="replace").strip()

    def _get_agi_env(self) -> None:
        number = 0
        while True:
            try:
                raw = self._read_raw()
            except ConnectionLost as e:
                raise ProtocolError(f"AGI environment truncated after {number} lines") from e
            number += 1
            if _environment_line(raw, self.env, number):
                return

    def _quote(self, string: object) -> str:
        return quote(string)

    def send_command(self, command: str, *args: object) -> None:
        # pyst2's version also formats a debug line for stderr on every command.
        self._send(f"{' '.join((command, *map(str, args))).strip()}\n".encode())

    def get_result(self, stdin: Any = None) -> Result:
        line = self._read_line()
        if line == "HANGUP":  # the caller hung up; the reply that follows is still valid
            self.hung_up = True
            line = self._read_line()
        match = re_code.search(line)
        code_text, response = match.groups() if match else ("", line)
        if not code_text:
            raise ProtocolError(f"not an AGI reply: {line[:60]!r}")
        return self._parse(int(code_text), response, line)

    def _parse(self, code: int, response: str, line: str) -> Result:
        if code == 200:
            result: Result = {"result": ("", "")}
            for key, value, data in re_kv.findall(response):
                result[key] = (value, data)
            return result  # result=-1 is returned, not raised: its meaning depends on the command
        if code == 511:
            self.hung_up = True
            raise Hangup(f"dead channel: {response}")
        if code == 510:
            raise AGIInvalidCommand(response)
        if code == 520:
            usage = [line]
            while not line.startswith("520 "):
                line = self._read_line()
                usage.append(line)
            raise AGIUsageError("\n".join(usage))
        raise AGIUnknownError(code, "Unhandled code or undefined response")


class AgiChannel:
    """The typed channel interface over pyst2 (see ``fastagi.channel.Channel``)."""

    def __init__(self, reader: LineSource, send: Send, env: dict[str, str] | None = None) -> None:
        """Reads the AGI environment from ``reader``, unless ``env`` is it (already read)."""
        self._agi = _ThreadedAGI(reader, send, env)

    @classmethod
    def over_socket(cls, sock: socket.socket, greeting: Greeting | None = None) -> AgiChannel:
        """The usual construction: block reads, one ``sendall`` per command; ``greeting``:
        the environment already read from ``sock`` (``agi.greeter``)."""
        if greeting is None:
            return cls(SocketLines(sock), sock.sendall)
        return cls(SocketLines(sock, initial=greeting.rest), sock.sendall, greeting.env)

    @property
    def env(self) -> Mapping[str, str]:
        return self._agi.env

    @property
    def hung_up(self) -> bool:
        return bool(self._agi.hung_up)

    def _execute(self, command: str, *args: object) -> Result:
        try:
            return self._agi.execute(command, *args)  # type: ignore[no-any-return]
        except AGISIGPIPEHangup as e:  # pyst2's name for a broken pipe while writing
            raise ConnectionLost(f"{command}: {e}") from e
        except AGIHangup as e:
            raise Hangup(f"{command}: {e}") from e
        except (AGIInvalidCommand, AGIUsageError, AGIUnknownError) as e:
            raise CommandError(f"Asterisk refused {command}: {e}") from e
        except OSError as e:  # broken pipe / reset while writing
            raise ConnectionLost(f"writing {command} failed: {e}") from e

    def _value(self, command: str, *args: object, failure_ok: bool = False) -> tuple[str, str]:
        """The ``result=`` of a command. ``-1`` is a hang-up unless ``failure_ok``."""
        value = self._execute(command, *args)["result"]
        if value[0] == "-1" and not failure_ok:
            self._agi.hung_up = True
            raise Hangup(f"{command} answered -1: the caller hung up")
        return value

    def _needs_caller(self, command: str) -> None:
        if self._agi.hung_up:
            raise Hangup(f"{command}: the caller has hung up")

    def answer(self) -> None:
        self._needs_caller("ANSWER")
        self._value("ANSWER")

    def verbose(self, message: str, level: int = 1) -> None:
        self._execute("VERBOSE", quote(message), level)

    def set_variable(self, name: str, value: str) -> None:
        self._execute("SET VARIABLE", quote(name), quote(value))

    def get_variable(self, name: str) -> str:
        return self._value("GET VARIABLE", quote(name))[1]

    def get_full_variable(self, expression: str) -> str:
        return self._value("GET FULL VARIABLE", quote(expression))[1]

    def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Digits keyed during or after the prompt; ``""`` on timeout.

        ``GET DATA`` answers ``-1`` both when the caller hung up and when the prompt cannot
        be played (``ast_app_getdata_full`` gives up before reading any digit). So a ``-1``
        is asked again without a prompt: on a hung-up channel that answers ``511`` (or -1),
        which is the hang-up; on a live one it reads the digits, and the missing prompt is
        logged. A missing prompt costs the caller the prompt, never the session.
        """
        self._needs_caller("GET DATA")
        digits = self._execute("GET DATA", prompt, timeout_ms, max_digits)["result"][0]
        if digits == "-1":
            digits = self._value("GET DATA", quote(""), timeout_ms, max_digits)[0]
            logger.warning(
                "prompt %s could not be played (missing sound file? see asterisk-gitops-agi"
                " install-prompts); the caller keyed without it",
                prompt,
            )
        return digits if digits.isdigit() else ""

    def play(self, prompts: Sequence[str]) -> None:
        """Play the prompts one after the other with ``Playback``: ``-1`` only when the
        caller hung up. A missing sound file is skipped by Asterisk (``PLAYBACKSTATUS``
        ``FAILED``, and its own warning ``Playback failed on <channel> for <prompts>``); the
        session goes on. (``STREAM FILE`` is not used: for a missing file it answers -1, and
        AGI() then returns ``AGISTATUS=FAILURE`` however the session ends, which the
        dialplan must read as an error.)"""
        if not prompts:
            return
        self._needs_caller("Playback")
        self._value("EXEC", "Playback", quote("&".join(prompts)))

    def exec_app(self, app: str, args: Sequence[str]) -> int:
        """Run a dialplan application; its arguments are sent as one quoted string."""
        code = self._value("EXEC", app, quote(",".join(args)), failure_ok=True)[0]
        if code == "-2":
            raise CommandError(f"Asterisk has no application {app}")
        try:
            return int(code)
        except ValueError as e:
            raise ProtocolError(f"EXEC {app} answered {code!r}") from e

    def database_get(self, family: str, key: str) -> str | None:
        code, value = self._value("DATABASE GET", quote(family), quote(key))
        return value if code == "1" else None

    def database_put(self, family: str, key: str, value: str) -> None:
        code = self._value("DATABASE PUT", quote(family), quote(key), quote(value))[0]
        if code != "1":
            raise CommandError(f"DATABASE PUT {family}/{key} failed")

    def database_del(self, family: str, key: str) -> None:
        self._value("DATABASE DEL", quote(family), quote(key))
