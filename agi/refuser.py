"""Calls refused past the session limit: one thread and a bounded queue, whatever the flood.

A refused call is still answered (``GITOPS_STATUS=error``, so the dialplan plays its error
prompt), which means reading its AGI environment first. That read is bounded by a short
timeout (Asterisk sends the environment at once; only a peer that is not Asterisk is slow),
and refusals are answered one at a time by one thread. A call finding the queue full is
closed at once without being read: ``AGI()`` returns with no ``GITOPS_STATUS``, which the
rendered dialplan treats as ``error`` (the same error prompt). Threads and sockets held for
refusals are therefore bounded by ``backlog`` + 1, never by the number of connections.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Refuser:
    """``submit`` queues a socket for ``answer`` on the refuser thread, then ``close``s it;
    past ``backlog`` queued sockets, ``submit`` closes it at once and returns False."""

    def __init__(
        self,
        answer: Callable[[socket.socket], None],
        close: Callable[[socket.socket], None],
        backlog: int,
    ) -> None:
        self._answer = answer
        self._close = close
        self._queue: queue.Queue[socket.socket | None] = queue.Queue(max(backlog, 1))
        self._thread = threading.Thread(target=self._loop, name="agi-refuser", daemon=True)
        self._thread.start()

    def submit(self, sock: socket.socket) -> bool:
        try:
            self._queue.put_nowait(sock)
        except queue.Full:
            logger.warning("refusal queue full (%d): connection closed unread", self._queue.maxsize)
            self._close(sock)
            return False
        return True

    def _loop(self) -> None:
        while (sock := self._queue.get()) is not None:
            try:
                self._answer(sock)
            except OSError as e:
                logger.info("refused connection failed: %s", e)
            finally:
                self._close(sock)

    def stop(self, timeout: float) -> None:
        """Once nothing is submitted any more: close what is still queued unread (the one
        being answered finishes), then end the thread, waiting at most ``timeout``."""
        while True:
            try:
                sock = self._queue.get_nowait()
            except queue.Empty:
                break
            if sock is not None:
                self._close(sock)
        self._queue.put_nowait(None)  # just emptied, and nothing is submitted any more
        self._thread.join(timeout)
