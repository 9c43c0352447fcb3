"""One AMI connection of the fake server: login, event mask, actions, event delivery."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from typing import TYPE_CHECKING

from tests.fakes import ami_protocol as proto
from tests.fakes.ami_protocol import Fields, Reply
from tests.fakes.ami_reader import AmiReader
from tests.fakes.events import AmiEvent

if TYPE_CHECKING:
    from tests.fakes.ami_server import FakeAmiServer

logger = logging.getLogger(__name__)
ALL_CLASSES = frozenset(
    {"system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf"}
    | {"reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security"}
    | {"message"}
)
_ON_WORDS = ("on", "yes", "true", "1")
_OFF_WORDS = ("off", "no", "false", "0")


def parse_mask(value: str) -> frozenset[str]:
    """``on`` (every class), ``off`` (none) or a comma list of classes (``agent,call``)."""
    word = value.strip().lower()
    if word in _ON_WORDS:
        return ALL_CLASSES
    if word in _OFF_WORDS:
        return frozenset()
    return frozenset(part.strip() for part in word.split(",") if part.strip())


class AmiSession:
    """Reads messages, answers them, and writes events when the mask allows."""

    def __init__(self, server: FakeAmiServer, conn: socket.socket) -> None:
        self.server = server
        self.conn = conn
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.mask: frozenset[str] = ALL_CLASSES
        self.authenticated = False
        self._write_lock = threading.Lock()
        self._busy = False
        self._pending: list[AmiEvent] = []
        self._closed = threading.Event()
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._run, name="fake-ami-reader", daemon=True)
        self._writer = threading.Thread(target=self._drain, name="fake-ami-writer", daemon=True)

    def start(self) -> None:
        self._writer.start()
        self._reader.start()

    def join(self) -> None:
        self._reader.join(timeout=5)
        self._writer.join(timeout=5)

    def alive(self) -> bool:
        return not self._closed.is_set()

    def close(self) -> None:
        """Close now (server stopping): unblocks the reader; the writer stops too."""
        self._closed.set()
        self._shutdown()
        self._outbox.put(None)

    def _shutdown(self) -> None:
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("AMI session socket already gone")

    def _write(self, text: str) -> None:
        """Queue text for the writer thread: a client that does not read blocks nobody."""
        self._outbox.put(text.encode())

    def _drain(self) -> None:
        """Writer thread: send queued text in order; the None mark closes the connection."""
        try:
            while (data := self._outbox.get()) is not None:
                self.conn.sendall(data)
        except OSError:
            logger.debug("AMI client went away while we were writing")
        finally:
            self._closed.set()
            self._shutdown()
            self.conn.close()

    def deliver(self, event: AmiEvent) -> None:
        """Hub callback: queue now, or after the response being built (events follow it)."""
        if not self.authenticated or event.category not in self.mask:
            return
        with self._write_lock:
            if self._busy:
                self._pending.append(event)
            elif not self._closed.is_set():
                self._write(render_event(event))

    def _run(self) -> None:
        unsubscribe = self.server.asterisk.hub.subscribe(self.deliver)
        try:
            self._write(proto.BANNER)
            reader = AmiReader(self.conn, self.conn.getpeername()[0])
            while not self._closed.is_set():
                message = reader.next_message()
                if message is None:
                    return
                headers = proto.parse_lines(message.lines)
                if message.error is not None:
                    self._reject(headers, message.error)
                elif not self._handle(headers):
                    return
        except OSError:
            logger.debug("AMI session ended by the client")
        finally:
            unsubscribe()
            self._outbox.put(None)  # the writer flushes what is queued, then closes

    def _reject(self, headers: dict[str, str], message: str) -> None:
        """A message Asterisk could not read whole: an error, and the action is not run."""
        self.server.rejected.append((message, headers))
        action_id = proto.canonical(headers, "ActionID") or None
        with self._write_lock:
            self._write(proto.error(action_id, message).text())

    def _handle(self, headers: dict[str, str]) -> bool:
        """Answer one message; False when the session must end."""
        action = proto.canonical(headers, "Action")
        self.server.requests.append((action, headers))
        action_id = headers.get("ActionID")
        time.sleep(self.server.faults.delay_for(action))
        with self._write_lock:
            self._busy = True
        reply, greeting = self._answer(action.lower(), headers, action_id)
        text = reply.text() + "".join(render_event(e) for e in greeting)
        with self._write_lock:
            if self.server.faults.take_close(action):
                self._write(text[: max(1, len(text) // 2)])
                self._busy = False
                return False
            self._write(text)
            for event in self._pending:
                if event.category in self.mask:
                    self._write(render_event(event))
            self._pending.clear()
            self._busy = False
        return not reply.close

    def _answer(
        self, action: str, headers: dict[str, str], aid: str | None
    ) -> tuple[Reply, list[AmiEvent]]:
        if not action:
            return proto.error(aid, "Missing action in request"), []
        if action == "login":
            return self._login(headers, aid)
        if action == "logoff":
            reply = Reply(_with_id("Goodbye", aid, [("Message", "Thanks for all the fish.")]))
            reply.close = True
            return reply, []
        if not self.authenticated:
            return proto.error(aid, "Permission denied"), []
        if action == "events":
            self.mask = parse_mask(proto.canonical(headers, "EventMask"))
            return proto.success(aid, None, [("Events", "On" if self.mask else "Off")]), []
        if action == "updateconfig":
            failure = self.server.faults.take_update_failure()
            if failure is not None:
                return proto.error(aid, failure), []
        handler = self.server.handlers.get(action)
        if handler is None:
            name = proto.canonical(headers, "Action")
            return proto.error(
                aid,
                f"Invalid/unknown command: {name}. "
                "Use Action: ListCommands to show available commands.",
            ), []
        return handler(self.server.asterisk, headers, aid), []

    def _login(self, headers: dict[str, str], aid: str | None) -> tuple[Reply, list[AmiEvent]]:
        user = proto.canonical(headers, "Username")
        secret = proto.canonical(headers, "Secret")
        server = self.server
        if server.faults.login_refused() or (user, secret) != (server.username, server.secret):
            reply = proto.error(aid, "Authentication failed")
            reply.close = True
            return reply, []
        self.authenticated = True
        events = proto.canonical(headers, "Events")
        if events:
            self.mask = parse_mask(events)
        reply = proto.success(aid, "Authentication accepted")
        return reply, self._greeting(user) if events else []

    def _greeting(self, user: str) -> list[AmiEvent]:
        """FullyBooted and the AMI SuccessfulAuth, sent after Login with an Events header."""
        ast = self.server.asterisk
        now = ast.now()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(ast.clock()))
        local = self.conn.getsockname()
        remote = self.conn.getpeername()
        booted = AmiEvent(
            "FullyBooted",
            "system",
            (
                ("Uptime", str(now - ast.boot_time)),
                ("LastReload", str(now - ast.boot_time)),
                ("Status", "Fully Booted"),
            ),
        )
        auth = AmiEvent(
            "SuccessfulAuth",
            "security",
            (
                ("EventTV", stamp),
                ("Severity", "Informational"),
                ("Service", "AMI"),
                ("EventVersion", "1"),
                ("AccountID", user),
                ("SessionID", f"0x{id(self):x}"),
                ("LocalAddress", f"IPV4/TCP/{local[0]}/{local[1]}"),
                ("RemoteAddress", f"IPV4/TCP/{remote[0]}/{remote[1]}"),
                ("UsingPassword", "0"),
                ("SessionTV", stamp),
            ),
        )
        return [e for e in (booted, auth) if e.category in self.mask]


def render_event(event: AmiEvent) -> str:
    return proto.render(
        [("Event", event.name), ("Privilege", f"{event.category},all"), *event.fields]
    )


def _with_id(response: str, aid: str | None, rest: Fields) -> Fields:
    head: Fields = [("Response", response)]
    if aid is not None:
        head.append(("ActionID", aid))
    return head + rest
