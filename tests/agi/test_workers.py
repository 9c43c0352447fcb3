"""agi.workers: session threads are reused, started only when none is idle, and stop."""

from __future__ import annotations

import socket
import threading
import time

from agi.workers import Workers


def wait_until(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.005)
    return bool(condition())  # type: ignore[operator]


def test_an_idle_worker_is_reused_and_busy_ones_are_not_waited_for() -> None:
    release = threading.Event()
    seen: list[int] = []

    def run(sock: socket.socket) -> None:
        seen.append(sock.fileno())
        if len(seen) == 2:
            release.wait(5)  # the second job keeps its worker busy

    workers = Workers(run)
    pairs = [socket.socketpair() for _ in range(3)]
    try:
        workers.submit(pairs[0][0])
        assert wait_until(lambda: workers.idle == 1)
        workers.submit(pairs[1][0])  # reuses the idle worker...
        assert wait_until(lambda: len(seen) == 2)
        assert workers.started == 1
        workers.submit(pairs[2][0])  # ...which is busy now: a second one starts
        assert wait_until(lambda: len(seen) == 3)
        assert workers.started == 2
        release.set()
        assert wait_until(lambda: workers.idle == 2)
        before = threading.active_count()
        workers.stop()
        assert wait_until(lambda: threading.active_count() == before - 2)
    finally:
        release.set()
        for a, b in pairs:
            a.close()
            b.close()
