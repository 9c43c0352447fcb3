"""Calls refused past the session limit: one thread and a bounded queue, whatever the flood.

A refused call has sent its AGI environment already (``agi.greeter``) and is still answered
(``GITOPS_STATUS=error``, so the dialplan plays its error prompt): one command, whose reply
is awaited at most a short timeout. Refusals are answered one at a time by one thread. A call
finding the queue full is closed at once: ``AGI()`` returns with no ``GITOPS_STATUS``, which
the rendered dialplan treats as ``error`` (the same error prompt). Threads and sockets held
for refusals are therefore bounded by ``backlog`` + 1, never by the number of connections.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

Job = TypeVar("Job")


class Refuser(Generic[Job]):
    """``submit`` queues a job (a call: its socket and environment) for ``answer`` on the
    refuser thread, then ``close``s it; past ``backlog`` queued jobs, ``submit`` closes it at
    once and returns False."""

    def __init__(
        self,
        answer: Callable[[Job], None],
        close: Callable[[Job], None],
        backlog: int,
    ) -> None:
        self._answer = answer
        self._close = close
        self._queue: queue.Queue[Job | None] = queue.Queue(max(backlog, 1))
        self._thread = threading.Thread(target=self._loop, name="agi-refuser", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> bool:
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            logger.warning(
                "refusal queue full (%d): connection closed unanswered", self._queue.maxsize
            )
            self._close(job)
            return False
        return True

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                self._answer(job)
            except OSError as e:
                logger.info("refused connection failed: %s", e)
            finally:
                self._close(job)

    def stop(self, timeout: float) -> None:
        """Once nothing is submitted any more: close what is still queued unread (the one
        being answered finishes), then end the thread, waiting at most ``timeout``."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._close(job)
        self._queue.put_nowait(None)  # just emptied, and nothing is submitted any more
        self._thread.join(timeout)
