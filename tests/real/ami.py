"""AMI events of the sandbox, for waiting on what Asterisk did instead of sleeping.

``AmiEvents`` keeps one AMI connection with every event class on, read by a thread into one
list. Tests take a mark (``mark()``), do something, then ``wait_for(predicate, since=mark)``:
an event that arrived before the wait started still counts, so there is no race between
acting and listening. ``send`` writes an action on the same connection (its response is an
ordinary message in the list); ``on(predicate, reaction)`` runs a reaction on the reader
thread for every matching event, as it arrives (a SIPp caller's DTMF is triggered that way).
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from provisioner.targets.ami.protocol import Framer, Message, encode_action
from tests.real.sandbox import AMI_SECRET, AMI_USER, SandboxError

Predicate = Callable[[Message], bool]
Reaction = Callable[[Message], None]


class AmiEvents:
    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._sock.settimeout(None)
        self._framer = Framer()
        self._cond = threading.Condition()
        self.messages: list[Message] = []
        self._reactions: list[tuple[Predicate, Reaction]] = []
        self._ids = itertools.count(1)
        self._closed = False
        self._banner = False
        self._thread = threading.Thread(target=self._read, name="ami-events", daemon=True)
        self._thread.start()
        login = self.send("Login", Username=AMI_USER, Secret=AMI_SECRET, Events="on")
        reply = self.wait_for(lambda m: m.action_id == login, timeout=timeout)
        if reply.get("Response") != "Success":
            raise SandboxError(f"AMI login failed: {reply.get('Message')}")

    def __enter__(self) -> AmiEvents:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(5)

    def send(self, action: str, **headers: str) -> str:
        """Send an action; its ActionID (the response arrives as a message)."""
        action_id = f"ev-{next(self._ids)}"
        self._sock.sendall(encode_action(action, action_id, list(headers.items())))
        return action_id

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def on(self, predicate: Predicate, reaction: Reaction) -> Callable[[], None]:
        """Run ``reaction`` for every event matching from now on; returns the canceller."""
        entry = (predicate, reaction)
        with self._cond:
            self._reactions.append(entry)

        def cancel() -> None:
            with self._cond:
                if entry in self._reactions:
                    self._reactions.remove(entry)

        return cancel

    def since(self, mark: int, predicate: Predicate | None = None) -> list[Message]:
        with self._cond:
            found = self.messages[mark:]
        return [m for m in found if predicate is None or predicate(m)]

    def wait_for(self, predicate: Predicate, since: int = 0, timeout: float = 15.0) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            index = since
            while True:
                while index < len(self.messages):
                    if predicate(self.messages[index]):
                        return self.messages[index]
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise SandboxError(f"no matching AMI event within {timeout} s")
                self._cond.wait(left)

    def _read(self) -> None:
        while not self._closed:
            try:
                data = self._sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            self._framer.append(data)
            if not self._banner:
                if self._framer.take_line() is None:
                    continue
                self._banner = True
            messages = self._framer.pop_messages()
            with self._cond:
                self.messages.extend(messages)
                reactions = list(self._reactions)
                self._cond.notify_all()
            for message in messages:
                for predicate, reaction in reactions:
                    if predicate(message):
                        reaction(message)
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def event(name: str, **fields: str) -> Predicate:
    """A predicate: an event of that name whose fields equal (or, for a value ending in
    ``*``, start with) the given values."""

    def match(message: Message) -> bool:
        if message.get("Event") != name:
            return False
        for key, wanted in fields.items():
            value = message.get(key)
            if wanted.endswith("*"):
                if not value.startswith(wanted[:-1]):
                    return False
            elif value != wanted:
                return False
        return True

    return match
