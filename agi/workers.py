"""Session threads that are reused: starting a thread per call cost a quarter of throughput.

A worker runs one session, then waits for the next. Workers are started on demand, only
when none is idle, so there are never more than the sessions running at the busiest moment
(the server bounds that with its own limit). ``stop`` lets every worker exit once idle.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Job = TypeVar("Job")


class Workers(Generic[Job]):
    """Threads running ``run(job)`` for each submitted job (a session: its socket and AGI
    environment)."""

    def __init__(self, run: Callable[[Job], None]) -> None:
        self._run = run
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0

    @property
    def started(self) -> int:
        return self._started

    @property
    def idle(self) -> int:
        return self._idle

    def submit(self, job: Job) -> None:
        with self._lock:
            spawn = self._idle == 0
            if spawn:
                self._started += 1
            else:
                self._idle -= 1  # that idle worker is now reserved for this job
        if spawn:
            threading.Thread(
                target=self._loop, args=(job,), name="agi-session", daemon=True
            ).start()
        else:
            self._jobs.put(job)

    def _loop(self, first: Job) -> None:
        job: Job | None = first
        while job is not None:
            self._run(job)
            with self._lock:
                self._idle += 1
            job = self._jobs.get()

    def stop(self) -> None:
        """Every worker exits when it next becomes idle (running sessions are not cut)."""
        with self._lock:
            count, self._idle = self._started, 0
        for _ in range(count):
            self._jobs.put(None)
