"""One AMI connection shared by every thread of a long-running service, events on.

``AmiClient`` (client.py) is one caller's synchronous session; a service (the HTTP service)
needs one connection per Asterisk for every user: actions sent from many threads at once,
answers matched by ``ActionID``, events fanned out as they arrive, kept alive with ``Ping``
and opened again when lost. ``SharedAmi`` is that: a reader thread owns the socket (it
connects, logs in, reads and dispatches; it reconnects with a growing delay), callers'
threads only write under a lock and wait for their answer.

Nothing is ever re-sent: an action whose connection is lost before its answer raises
``AmiClosed``, and the caller decides (its effect is unknown). While the connection is
down, ``request`` raises ``AmiUnreachable`` at once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from provisioner.targets.ami.client import (
    Action,
    Reply,
    check_banner,
    login_action,
    login_refused,
    open_socket,
)
from provisioner.targets.ami.errors import (
    AmiClosed,
    AmiError,
    AmiProtocolError,
    AmiTimeout,
    AmiUnreachable,
)
from provisioner.targets.ami.protocol import Framer, Message, encode_action

logger = logging.getLogger(__name__)

EventSink = Callable[[Message], None]
StateSink = Callable[[bool], None]


@dataclass
class _Waiter:
    action: str
    done: threading.Event = field(default_factory=threading.Event)
    response: Message | None = None
    events: list[Message] = field(default_factory=list)
    error: AmiError | None = None


class SharedAmi:
    """A logged-in AMI connection with events, shared by threads; ``start`` then ``request``."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        name: str | None = None,
        timeout: float = 10.0,
        keepalive: float = 15.0,
        retry_max: float = 10.0,
    ) -> None:
        self.host, self.port, self.username = host, port, username
        self._secret = secret
        self.name = name or f"ami://{username}@{host}:{port}"
        self.timeout = timeout
        self.keepalive = keepalive
        self.retry_max = retry_max
        self.logins = 0  # successful logins so far (one per connection)
        self._sock: socket.socket | None = None
        self._write = threading.Lock()
        self._pending: dict[str, _Waiter] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._event_sinks: list[EventSink] = []
        self._state_sinks: list[StateSink] = []
        self._stopping = threading.Event()
        self._up = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ami {self.name}", daemon=True)

    # -- public -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def on_event(self, sink: EventSink) -> None:
        """Call ``sink`` on the reader thread for every event (keep it short)."""
        self._event_sinks.append(sink)

    def on_state(self, sink: StateSink) -> None:
        """Call ``sink(True)`` after each login, ``sink(False)`` when the connection is lost."""
        self._state_sinks.append(sink)

    def start(self) -> None:
        self._thread.start()

    def wait_connected(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    def stop(self) -> None:
        self._stopping.set()
        sock = self._sock
        if sock is not None:
            try:
                with self._write:
                    sock.sendall(encode_action("Logoff", self._next_id(), ()))
            except OSError as e:
                logger.debug("%s: Logoff not sent: %s", self.name, e)
            _shutdown(sock)
        self._thread.join(5)

    def request(self, action: Action, timeout: float | None = None) -> Reply:
        """Send ``action`` and wait for its whole answer (any thread)."""
        sock = self._sock
        if sock is None or not self._up.is_set():
            raise AmiUnreachable(f"{self.name} is not connected (reconnecting)")
        action_id = self._next_id()
        waiter = _Waiter(action.name)
        with self._lock:
            self._pending[action_id] = waiter
        try:
            data = encode_action(action.name, action_id, action.headers)
            with self._write:
                sock.sendall(data)
        except OSError as e:
            self._forget(action_id)
            raise AmiClosed(f"{self.name}: {action.name} not sent: {e}") from e
        if not waiter.done.wait(self.timeout if timeout is None else timeout):
            self._forget(action_id)
            raise AmiTimeout(f"{self.name} did not answer {action.name} in time")
        if waiter.error is not None:
            raise waiter.error
        assert waiter.response is not None
        return Reply(action.name, waiter.response, tuple(waiter.events))

    # -- the reader thread --------------------------------------------------------------

    def _next_id(self) -> str:
        return f"web-{next(self._ids)}"

    def _forget(self, action_id: str) -> None:
        with self._lock:
            self._pending.pop(action_id, None)

    def _run(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            try:
                sock, framer = self._connect()
            except (OSError, AmiError) as e:
                logger.warning("%s: cannot connect (%s); again in %.1f s", self.name, e, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            delay = 0.5
            self._sock = sock
            self._up.set()
            self.logins += 1
            logger.info("%s: connected (login %d)", self.name, self.logins)
            self._tell_state(True)
            reason = self._read(sock, framer)
            self._up.clear()
            self._sock = None
            _shutdown(sock)
            self._fail_pending(AmiClosed(f"{self.name}: connection lost ({reason})"))
            self._tell_state(False)
            if not self._stopping.is_set():
                logger.warning("%s: connection lost (%s); reconnecting", self.name, reason)

    def _connect(self) -> tuple[socket.socket, Framer]:
        sock = open_socket(self.host, self.port, self.timeout, self.name)
        framer = Framer()
        try:
            line = None
            while line is None:
                data = sock.recv(65536)
                if not data:
                    raise AmiClosed(f"{self.name} closed the connection before its greeting")
                framer.append(data)
                line = framer.take_line()
            check_banner(line, self.name)
            login = login_action(self.username, self._secret, events=True)
            sock.sendall(encode_action(login.name, "login", login.headers))
            while True:
                data = sock.recv(65536)
                if not data:
                    raise AmiClosed(f"{self.name} closed the connection during the login")
                for message in framer.feed(data):
                    if message.action_id == "login":
                        if message.get("Response").lower() != "success":
                            raise login_refused(self.name, self.username, message.get("Message"))
                        return sock, framer
        except BaseException:
            sock.close()
            raise

    def _read(self, sock: socket.socket, framer: Framer) -> str:
        sock.settimeout(self.keepalive)
        quiet = 0
        while not self._stopping.is_set():
            try:
                data = sock.recv(1 << 16)
            except TimeoutError:
                quiet += 1
                if quiet > 2:
                    return "no answer to Ping"
                self._ping(sock)
                continue
            except OSError as e:
                return str(e)
            if not data:
                return "closed by Asterisk"
            quiet = 0
            try:
                messages = framer.feed(data)
            except AmiProtocolError as e:
                return str(e)
            for message in messages:
                self._dispatch(message)
        return "stopped"

    def _ping(self, sock: socket.socket) -> None:
        try:
            with self._write:
                sock.sendall(encode_action("Ping", "keepalive", ()))
        except OSError as e:
            logger.debug("%s: Ping not sent: %s", self.name, e)

    def _dispatch(self, message: Message) -> None:
        action_id = message.action_id
        with self._lock:
            waiter = self._pending.get(action_id) if action_id else None
        if waiter is None:
            if not message.is_response:
                for sink in self._event_sinks:
                    try:
                        sink(message)
                    except Exception:  # a sink's bug must not stop the reader
                        logger.exception("%s: event handler failed", self.name)
            return
        list_state = message.get("EventList").lower()
        if message.is_response and waiter.response is None:
            waiter.response = message
            ok = message.get("Response").lower() == "success"
            if not (ok and list_state == "start"):
                self._complete(action_id, waiter)
            return
        waiter.events.append(message)
        if list_state == "complete":
            self._complete(action_id, waiter)

    def _complete(self, action_id: str, waiter: _Waiter) -> None:
        self._forget(action_id)
        waiter.done.set()

    def _fail_pending(self, error: AmiError) -> None:
        with self._lock:
            waiters = list(self._pending.values())
            self._pending.clear()
        for waiter in waiters:
            waiter.error = error
            waiter.done.set()

    def _tell_state(self, up: bool) -> None:
        for sink in self._state_sinks:
            try:
                sink(up)
            except Exception:  # a sink's bug must not stop the reader
                logger.exception("%s: state handler failed", self.name)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
