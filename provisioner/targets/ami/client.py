"""A small synchronous AMI client: one TCP connection, ActionID correlation, event lists.

Why our own: pyst2's ``Manager`` has no ActionID correlation, no event lists and no timeouts,
and panoramisk is asyncio and re-sends unanswered writes after a reconnect (see
docs/ami-target.md). This client never re-sends anything: after a timeout or a closed
connection it drops the connection, and the next request opens a new one.

Several actions may be sent before their answers are read (``pipeline``): each answer is
matched to its action by ``ActionID``. Unsolicited events interleaved on the connection are
kept in ``unsolicited`` (bounded) and otherwise ignored.
"""

from __future__ import annotations

import itertools
import logging
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import unquote, urlsplit

from provisioner.errors import TargetError
from provisioner.targets.ami.errors import (
    AmiActionError,
    AmiAuthError,
    AmiClosed,
    AmiProtocolError,
    AmiTimeout,
    AmiUnreachable,
)
from provisioner.targets.ami.protocol import Framer, Header, Message, describe, encode_action

logger = logging.getLogger(__name__)

BANNER_PREFIX = "Asterisk Call Manager/"
_RECV_SIZE = 1 << 16  # recv(1 MiB) costs ~13 us more per small answer (a fresh 1 MiB buffer)
_LOG_HEADERS = 40  # at most this many headers of one message in a debug line
# Bytes one exchange (the banner and Login, or one window of pipelined actions) may receive:
# a 10,000-agent plan reads about 30 MB in its largest. Past it the peer is cut off.
MAX_IN_REPLY_BYTES = 1 << 27  # 128 MiB
_UNSOLICITED_KEPT = 1000  # unsolicited messages kept, only small ones: at most 4 MB
_UNSOLICITED_BYTES = 4096
DEFAULT_PORT = 5038
SCHEMES = ("ami", "ami+astdb")  # ami+astdb: PJSIP objects in AstDB (see astdb.py)


@dataclass(frozen=True)
class Action:
    """An action to send: its name and headers (``ActionID`` is added by the client).
    ``raw``: a large answer is kept as received (``Message.text``), not split into headers."""

    name: str
    headers: tuple[Header, ...] = ()
    raw: bool = False


@dataclass(frozen=True)
class Reply:
    """The complete answer to one action: the response and the events of its list."""

    action: str
    response: Message
    events: tuple[Message, ...] = ()

    @property
    def ok(self) -> bool:
        return self.response.get("Response").lower() in ("success", "goodbye", "follows")

    @property
    def message(self) -> str:
        return self.response.get("Message").strip()


@dataclass
class _Pending:
    action: str
    raw: bool = False
    response: Message | None = None
    events: list[Message] = field(default_factory=list)
    complete: bool = False


class AmiClient:
    """A logged-in AMI session. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        timeout: float = 10.0,
        name: str | None = None,
        events: bool = False,
        window: int = 256,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._secret = secret
        self.timeout = timeout
        self.name = name or f"ami://{username}@{host}:{port}"
        self._events = events
        self._window = max(1, window)
        self._sock: socket.socket | None = None
        self._framer = Framer()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self.unsolicited: deque[Message] = deque(maxlen=_UNSOLICITED_KEPT)
        self._budget = MAX_IN_REPLY_BYTES  # what the current exchange may still receive
        self.sent = 0  # actions sent on every connection so far (Login included)

    def __enter__(self) -> AmiClient:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self) -> None:
        """Open the connection, read the banner and log in (no-op when connected)."""
        if self._sock is not None:
            return
        self._sock = open_socket(self.host, self.port, self.timeout, self.name)
        self._framer = Framer()
        self._pending.clear()
        self._budget = MAX_IN_REPLY_BYTES
        try:
            self._read_banner()
            self._login()
        except BaseException:
            self._drop()
            raise

    def close(self) -> None:
        """Log off (without waiting for the answer) and close the connection."""
        if self._sock is None:
            return
        try:
            self._sock.sendall(encode_action("Logoff", self._next_id(), ()))
        except OSError as e:
            logger.debug("%s: Logoff not sent: %s", self.name, e)
        self._drop()

    def request(self, action: Action, *, check: bool = True, timeout: float | None = None) -> Reply:
        """Send one action and wait for its complete answer.

        With ``check`` an error answer raises ``AmiActionError``; ``timeout`` replaces the
        client's for this answer.
        """
        (reply,) = self.pipeline([action], timeout=timeout)
        if check:
            self.check(reply)
        return reply

    def pipeline(self, actions: Sequence[Action], *, timeout: float | None = None) -> list[Reply]:
        """Send actions ahead of their answers (``window`` at a time); answers in order.

        Answers are not checked: inspect ``Reply.ok`` or call ``check``. ``timeout`` replaces
        the client's for each answer (actions Asterisk may take long over: a reload).
        """
        self.connect()
        replies: list[Reply] = []
        for start in range(0, len(actions), self._window):
            batch = actions[start : start + self._window]
            self._budget = MAX_IN_REPLY_BYTES
            ids = self._send(batch)
            replies.extend(self._wait(action_id, timeout or self.timeout) for action_id in ids)
        return replies

    def check(self, reply: Reply) -> Reply:
        """``reply`` if it is a success; otherwise ``AmiActionError`` naming the target."""
        if not reply.ok:
            raise AmiActionError(
                f"{self.name} answered {reply.action} with an error: {reply.message}",
                action=reply.action,
                message=reply.message,
            )
        return reply

    # -- connection ---------------------------------------------------------------------

    def _read_banner(self) -> None:
        deadline = time.monotonic() + self.timeout
        while (line := self._framer.take_line()) is None:
            self._receive(deadline, "the greeting", self.timeout)
        check_banner(line, self.name)
        logger.debug("%s: connected: %s", self.name, line)

    def _login(self) -> None:
        (action_id,) = self._send([login_action(self.username, self._secret, self._events)])
        reply = self._wait(action_id, self.timeout)
        if not reply.ok:
            raise login_refused(self.name, self.username, reply.message)

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
        self._pending.clear()

    # -- sending and receiving ----------------------------------------------------------

    def _next_id(self) -> str:
        return f"gitops-{next(self._ids)}"

    def _send(self, actions: Sequence[Action]) -> list[str]:
        assert self._sock is not None
        ids = [self._next_id() for _ in actions]
        chunks = [encode_action(a.name, i, a.headers) for a, i in zip(actions, ids, strict=True)]
        for action, action_id in zip(actions, ids, strict=True):
            self._pending[action_id] = _Pending(action.name, action.raw)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("%s -> %s %s", self.name, action.name, _short(action.headers))
        try:
            self._sock.sendall(b"".join(chunks))
        except OSError as e:
            self._drop()
            raise AmiClosed(
                f"{self.name} closed the connection while "
                f"{', '.join(sorted({a.name for a in actions}))} was sent ({e}); "
                "nothing is known about its effect: run plan again"
            ) from e
        self.sent += len(ids)
        return ids

    def _wait(self, action_id: str, timeout: float) -> Reply:
        pending = self._pending[action_id]
        deadline = time.monotonic() + timeout
        while not pending.complete:
            self._receive(deadline, pending.action, timeout)
        del self._pending[action_id]
        assert pending.response is not None
        return Reply(pending.action, pending.response, tuple(pending.events))

    def _receive(self, deadline: float, waiting_for: str, timeout: float) -> None:
        sock = self._sock
        assert sock is not None
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            data = sock.recv(_RECV_SIZE)
        except TimeoutError as e:
            self._drop()
            raise AmiTimeout(
                f"{self.name} did not answer {waiting_for} within {timeout:g} s; "
                "check Asterisk's load, or raise the timeout"
            ) from e
        except OSError as e:
            self._drop()
            raise AmiClosed(f"{self.name}: connection lost while waiting for {waiting_for}") from e
        if not data:
            self._drop()
            raise AmiClosed(
                f"{self.name} closed the connection before answering {waiting_for}; "
                "check Asterisk's log, then run plan again"
            )
        self._budget -= len(data)
        if self._budget < 0:
            self._drop()
            raise AmiProtocolError(
                f"{self.name} sent more than {MAX_IN_REPLY_BYTES} bytes in answer to "
                f"{waiting_for}; is this an Asterisk manager interface?"
            )
        try:
            messages = self._framer.feed(data, self._wants_raw)
        except AmiProtocolError as e:
            self._drop()
            raise AmiProtocolError(f"{self.name}: {e}") from e
        for message in messages:
            self._dispatch(message)

    def _wants_raw(self, action_id: str) -> bool:
        pending = self._pending.get(action_id)
        return pending is not None and pending.raw

    def _dispatch(self, message: Message) -> None:
        pending = self._pending.get(message.action_id)
        if pending is None:
            if sum(len(k) + len(v) for k, v in message.headers) <= _UNSOLICITED_BYTES:
                self.unsolicited.append(message)
            return
        list_state = message.get("EventList").lower()
        if message.is_response and pending.response is None:
            pending.response = message
            ok = message.get("Response").lower() == "success"
            pending.complete = not (ok and list_state == "start")
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("%s <- %s", self.name, _short(message.headers))
            return
        pending.events.append(message)
        if list_state == "complete":
            pending.complete = pending.response is not None


def _short(headers: Sequence[Header]) -> str:
    if len(headers) <= _LOG_HEADERS:
        return describe(headers)
    return f"{describe(headers[:_LOG_HEADERS])}, ... ({len(headers) - _LOG_HEADERS} more)"


def parse_url(url: str) -> tuple[str, str, int]:
    """``ami://USER@HOST:PORT`` (or ``ami+astdb://``) -> (user, host, port); TargetError
    when malformed."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
        password = parts.password
    except ValueError as e:
        raise TargetError(f"an AMI target is not ami://USER@HOST:PORT ({e})") from e
    if password is not None:
        raise TargetError(
            "an AMI target URL carries a secret: use ami://USER@HOST:PORT and give the "
            "secret in the environment"
        )
    if parts.scheme not in SCHEMES or not parts.username or not parts.hostname:
        raise TargetError(f"target {url!r} is not ami://USER@HOST:PORT")
    return unquote(parts.username), parts.hostname, port


def open_socket(host: str, port: int, timeout: float, name: str) -> socket.socket:
    """A TCP connection to an AMI port (no delay on small writes); ``AmiUnreachable`` saying
    what to check when there is none."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as e:
        raise AmiUnreachable(
            f"{name} is unreachable: host {host!r} is unknown ({e.strerror}); "
            "check the target's host name"
        ) from e
    except TimeoutError as e:
        raise AmiUnreachable(
            f"{name} is unreachable: no answer within {timeout:g} s; "
            "check the host, the port and any firewall"
        ) from e
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise AmiUnreachable(
            f"{name} is unreachable ({reason}); check that Asterisk runs and that "
            "manager.conf enables AMI on that address and port"
        ) from e
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def check_banner(line: str, name: str) -> None:
    """``AmiProtocolError`` unless ``line`` is an Asterisk manager's greeting."""
    if not line.startswith(BANNER_PREFIX):
        raise AmiProtocolError(
            f"{name} is not an Asterisk manager interface (it greeted {line[:60]!r}); "
            "check the port"
        )


def login_action(username: str, secret: str, events: bool) -> Action:
    return Action(
        "Login",
        (("Username", username), ("Secret", secret), ("Events", "on" if events else "off")),
    )


def login_refused(name: str, username: str, message: str) -> AmiAuthError:
    return AmiAuthError(
        f"{name} refused the login of user {username!r} ({message}); "
        "check the secret and the user in manager.conf"
    )
