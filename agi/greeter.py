"""Connections that have not said who they are yet: one thread reads every AGI environment.

A FastAGI session slot is taken only by a connection that has sent its whole AGI environment
(Asterisk sends it at once, about 1 KB). Until then the connection is *greeting*: one thread
reads it as bytes arrive (``selectors``, non-blocking sockets; never a thread per
connection), and

- the whole environment must arrive within ``deadline`` seconds of the connection (a
  connection dripping a byte every few seconds no longer holds anything for ever);
- at most ``max_per_peer`` connections of one peer address, and ``max_pending`` in all, may
  be greeting: past that, the oldest greeting connection (of that peer, or of all) is
  closed. A real call's environment arrives within a round trip, so what gets closed is what
  was never going to speak;
- a connection is read at once when it is handed over, so a burst of real calls completes
  without ever waiting in the table.

A complete environment goes to ``ready`` (the server then admits the session or refuses it);
garbage (``ProtocolError``), a closed or reset connection, an expired deadline or an eviction
closes it. Each closing is logged at INFO, and a WARNING sums them up at most every
``SUMMARY_EVERY`` seconds, so a flood cannot flood the log.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import selectors
import socket
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastagi.errors import ProtocolError
from fastagi.protocol import Greeting

logger = logging.getLogger(__name__)

SUMMARY_EVERY = 10.0  # seconds between two warnings summing up closed connections
_READ = 4096

Ready = Callable[[socket.socket, Greeting, str], None]


@dataclass
class _Pending:
    sock: socket.socket
    peer: str
    deadline: float
    greeting: Greeting = field(default_factory=Greeting)


class Greeter:
    """``submit`` hands over an accepted connection (from any thread); ``stop`` closes what
    is still greeting and ends the thread."""

    def __init__(
        self,
        ready: Ready,
        close: Callable[[socket.socket], None],
        *,
        deadline: float,
        max_pending: int,
        max_per_peer: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline = deadline
        self.max_pending = max(1, max_pending)
        self.max_per_peer = max(1, min(max_per_peer, self.max_pending))
        self._ready = ready
        self._close = close
        self._clock = clock
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._inbox: queue.SimpleQueue[tuple[socket.socket, str] | None] = queue.SimpleQueue()
        self._pending: OrderedDict[int, _Pending] = OrderedDict()  # oldest first
        self._per_peer: Counter[str] = Counter()
        self._closed: Counter[str] = Counter()  # why, since the last summary
        self._summarised = clock()
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="agi-greeter", daemon=True)
        self._thread.start()

    def submit(self, sock: socket.socket, peer: str) -> None:
        self._inbox.put((sock, peer))
        self._wake()

    def pending(self, peer: str | None = None) -> int:
        """Connections greeting now (of ``peer``, or all)."""
        with self._count_lock:
            return self._per_peer[peer] if peer is not None else len(self._pending)

    def stop(self, timeout: float = 5.0) -> None:
        self._inbox.put(None)
        self._wake()
        self._thread.join(timeout)

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # a full buffer: it is awake already
            self._wake_w.send(b"\0")

    def _loop(self) -> None:
        try:
            while self._turn():
                pass
        finally:
            for fd in list(self._pending):
                self._drop(fd, "the server stopped")
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()

    def _turn(self) -> bool:
        """One round: read what arrived, take new connections, close what expired."""
        for key, _ in self._selector.select(self._timeout()):
            if key.fd in self._pending:  # not the wake-up socket
                self._read(key.fd)
        if not self._take_new():
            return False
        self._expire()
        self._summarise()
        return True

    def _timeout(self) -> float | None:
        """Until the oldest connection's deadline, or the next summary; None: nothing due."""
        due = [p.deadline for p in (next(iter(self._pending.values()), None),) if p]
        if self._closed:
            due.append(self._summarised + SUMMARY_EVERY)
        return max(0.0, min(due) - self._clock()) if due else None

    def _take_new(self) -> bool:
        with contextlib.suppress(BlockingIOError):
            while self._wake_r.recv(_READ):
                pass
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return True
            if item is None:
                return False
            self._add(*item)

    def _add(self, sock: socket.socket, peer: str) -> None:
        sock.setblocking(False)
        fd = sock.fileno()
        with self._count_lock:
            self._pending[fd] = _Pending(sock, peer, self._clock() + self.deadline)
            self._per_peer[peer] += 1
        self._selector.register(sock, selectors.EVENT_READ)
        self._read(fd)  # Asterisk's environment is usually there already
        if fd in self._pending:
            self._evict(peer)

    def _evict(self, peer: str) -> None:
        """Close the oldest greeting connections past the per-peer and overall bounds."""
        while self.pending(peer) > self.max_per_peer:
            oldest = next(fd for fd, p in self._pending.items() if p.peer == peer)
            self._drop(oldest, f"more than {self.max_per_peer} connections of {peer} greeting")
        while self.pending() > self.max_pending:
            oldest = next(iter(self._pending))
            self._drop(oldest, f"more than {self.max_pending} connections greeting")

    def _read(self, fd: int) -> None:
        pending = self._pending[fd]
        try:
            data = pending.sock.recv(_READ)
        except BlockingIOError:
            return
        except OSError as e:
            self._drop(fd, f"connection failed before its AGI environment ({e})")
            return
        if not data:
            self._drop(fd, "connection closed before its AGI environment")
            return
        try:
            complete = pending.greeting.feed(data)
        except ProtocolError as e:
            self._drop(fd, f"not a FastAGI client ({e})")
            return
        if complete:
            self._forget(fd)
            self._ready(pending.sock, pending.greeting, pending.peer)

    def _expire(self) -> None:
        now = self._clock()
        while self._pending:
            fd, oldest = next(iter(self._pending.items()))
            if oldest.deadline > now:
                return
            self._drop(fd, f"no complete AGI environment within {self.deadline:g} s")

    def _forget(self, fd: int) -> _Pending:
        with self._count_lock:
            pending = self._pending.pop(fd)
            self._per_peer[pending.peer] -= 1
            if not self._per_peer[pending.peer]:
                del self._per_peer[pending.peer]
        self._selector.unregister(pending.sock)
        return pending

    def _drop(self, fd: int, why: str) -> None:
        pending = self._forget(fd)
        logger.info("closed a connection from %s: %s", pending.peer, why)
        self._closed[why.split(" (", 1)[0]] += 1
        self._close(pending.sock)

    def _summarise(self) -> None:
        now = self._clock()
        if not self._closed or now - self._summarised < SUMMARY_EVERY:
            return
        said = "; ".join(f"{count}: {why}" for why, count in self._closed.most_common())
        logger.warning("closed connections that never became AGI sessions: %s", said)
        self._closed.clear()
        self._summarised = now
