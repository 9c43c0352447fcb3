"""FakeAmiServer: a threaded AMI server on 127.0.0.1 (ephemeral port) over a FakeAsterisk.

Speaks the framing of the transcripts (banner, ``\\r\\n`` lines, empty-line terminated
messages, ActionID echoed only when sent, event lists, unsolicited events interleaved when
events are on) and injects faults on demand (see Faults). Use it as a context manager.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from types import TracebackType

from tests.fakes.ami_actions import HANDLERS
from tests.fakes.ami_session import AmiSession
from tests.fakes.asterisk import FakeAsterisk

logger = logging.getLogger(__name__)


class Faults:
    """Faults the server injects; each one counts down ``times`` (None: every time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refuse = False
        self._close: dict[str, int | None] = {}
        self._delay: dict[str, float] = {}
        self._update_failure: tuple[str, int | None] | None = None

    def refuse_login(self, refuse: bool = True) -> None:
        """Answer every Login with ``Authentication failed``, even with the right secret."""
        with self._lock:
            self._refuse = refuse

    def close_mid_response(self, action: str, times: int | None = None) -> None:
        """Send half of the response to ``action``, then close the connection."""
        with self._lock:
            self._close[action.lower()] = times

    def delay(self, action: str, seconds: float) -> None:
        """Wait ``seconds`` before answering ``action``."""
        with self._lock:
            self._delay[action.lower()] = seconds

    def fail_update_config(self, message: str, times: int | None = None) -> None:
        """Answer UpdateConfig with ``Response: Error`` / ``message``, changing nothing."""
        with self._lock:
            self._update_failure = (message, times)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._refuse = False
            self._close.clear()
            self._delay.clear()
            self._update_failure = None

    def login_refused(self) -> bool:
        with self._lock:
            return self._refuse

    def delay_for(self, action: str) -> float:
        with self._lock:
            return self._delay.get(action.lower(), 0.0)

    def take_close(self, action: str) -> bool:
        with self._lock:
            key = action.lower()
            if key not in self._close:
                return False
            remaining = self._close[key]
            if remaining is not None:
                if remaining <= 1:
                    del self._close[key]
                else:
                    self._close[key] = remaining - 1
            return True

    def take_update_failure(self) -> str | None:
        with self._lock:
            if self._update_failure is None:
                return None
            message, remaining = self._update_failure
            if remaining is not None:
                self._update_failure = (message, remaining - 1) if remaining > 1 else None
            return message


class FakeAmiServer:
    """AMI on 127.0.0.1:<ephemeral>; ``.requests`` records (action, headers) received."""

    def __init__(
        self, asterisk: FakeAsterisk, username: str = "gitops", secret: str = "gitops-secret"
    ) -> None:
        self.asterisk = asterisk
        self.username = username
        self.secret = secret
        self.host = "127.0.0.1"
        self.port = 0
        self.faults = Faults()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.rejected: list[tuple[str, dict[str, str]]] = []  # (error, kept headers)
        self.handlers = HANDLERS
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._sessions: list[AmiSession] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"ami://{self.username}@{self.host}:{self.port}"

    def start(self) -> FakeAmiServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, name="fake-ami", daemon=True)
        self._thread.start()
        logger.debug("fake AMI listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Close the listener and every session, and wait for their threads."""
        self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()
            session.join()
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def __enter__(self) -> FakeAmiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = [key.fileobj for key, _ in selector.select()]
                if self._wake_r in ready:
                    return
                conn, _ = self._listener.accept()
                session = AmiSession(self, conn)
                with self._lock:
                    self._sessions.append(session)
                session.start()

    def session_count(self) -> int:
        """Sessions still connected (for tests checking that clients close)."""
        with self._lock:
            return sum(1 for s in self._sessions if s.alive())

    def wait_idle(self, timeout: float = 2.0) -> bool:
        """Wait until no session is connected; True if that happened within timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.session_count() == 0:
                return True
            time.sleep(0.005)
        return False
