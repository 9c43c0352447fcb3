"""The long-running threaded FastAGI server, its inventory (with reload) and shutdown."""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from agi import dispatch
from agi.context import Options
from agi.dispatch import Handler
from agi.greeter import Greeter
from agi.refuser import Refuser
from agi.routes import ROUTES
from agi.workers import Workers
from fastagi.errors import ConfigError
from fastagi.protocol import Greeting
from runtime.reload import InventoryHolder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 4573
    max_sessions: int = 1000
    idle_timeout: float = 60.0  # seconds a session may wait for Asterisk
    env_timeout: float = 2.0  # seconds a connection has to send its whole AGI environment
    max_greeting: int = 256  # connections still sending their environment, in all...
    max_greeting_per_peer: int = 64  # ...and per peer address (past either: the oldest goes)
    refuse_timeout: float = 1.0  # seconds a refused call may take to answer SET VARIABLE
    refuse_backlog: int = 64  # refused calls waiting for their answer; past it: closed unread
    shutdown_grace: float = 10.0  # seconds running sessions get to finish on SIGTERM
    reload_interval: float = 2.0  # seconds between checks of the files; 0 = on SIGHUP only
    options: Options = field(default_factory=Options)


Job = tuple[socket.socket, Greeting]  # a connection and the AGI environment it sent


class AgiServer(socketserver.ThreadingTCPServer):
    """Threaded FastAGI server: a bounded number of sessions, each on a (reused) worker
    thread, and a large listen backlog. ``process_request`` replaces ThreadingMixIn's
    thread-per-connection: a new connection first goes to ``agi.greeter.Greeter`` (one
    thread reads every AGI environment, within ``env_timeout``, bounded per peer), and only
    a complete environment takes a session slot (``agi.workers.Workers``) or is refused
    (``agi.refuser.Refuser``)."""

    request_queue_size = 1024  # the default 5 collapses throughput at 100 concurrent calls
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(
        self,
        config: ServerConfig,
        inventory: InventoryHolder,
        routes: Mapping[str, Handler] = ROUTES,
    ) -> None:
        self.config = config
        self.inventory = inventory
        self.routes = routes
        self._active = 0  # sessions running, bounded by config.max_sessions
        self._idle = threading.Condition()
        self._workers: Workers[Job] = Workers(self._session)
        self._refuser: Refuser[Job] = Refuser(self._refuse, self._close_job, config.refuse_backlog)
        self.greeter = Greeter(
            self._admit,
            self.shutdown_request,
            deadline=config.env_timeout,
            max_pending=config.max_greeting,
            max_per_peer=config.max_greeting_per_peer,
        )
        if ":" in config.host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), socketserver.BaseRequestHandler)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server_address[:2]
        return str(host), int(port)

    @property
    def active_sessions(self) -> int:
        return self._active

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """Hand the new connection to the greeter: it has not said who it is yet."""
        peer = client_address[0] if isinstance(client_address, tuple) else str(client_address)
        self.greeter.submit(request, str(peer))

    def _admit(self, request: socket.socket, greeting: Greeting, peer: str) -> None:
        """On the greeter's thread, once the environment is complete: a session worker, or
        the refuser past the limit. Never blocks."""
        with self._idle:
            admitted = self._active < self.config.max_sessions
            if admitted:
                self._active += 1
        if admitted:
            self._workers.submit((request, greeting))
        else:
            self._refuser.submit((request, greeting))

    def _refuse(self, job: Job) -> None:
        """On the refuser thread (``agi.refuser``): one at a time, a short wait."""
        request, greeting = job
        why = f"busy: {self.config.max_sessions} sessions already running"
        timeout = min(self.config.refuse_timeout, self.config.idle_timeout)
        dispatch.refuse(request, timeout, why, greeting)

    def _close_job(self, job: Job) -> None:
        self.shutdown_request(job[0])

    def _session(self, job: Job) -> None:
        request, greeting = job
        try:
            dispatch.serve(
                request,
                self.routes,
                self.inventory.directory,
                self.config.options,
                self.config.idle_timeout,
                greeting,
            )
        except Exception:
            logger.exception("session crashed")
        finally:
            self.shutdown_request(request)
            with self._idle:
                self._active -= 1
                if self._active == 0:
                    self._idle.notify_all()

    def server_bind(self) -> None:
        # Each command is one small write answered before the next is sent: Nagle can only
        # delay it. Accepted sockets inherit the option from the listening one.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            super().server_bind()
        except OSError as e:
            where = f"{self.config.host}:{self.config.port}"
            raise ConfigError(
                f"cannot listen on {where}: {e.strerror or e}; --listen must be an address"
                " of this host and match settings.agi in the inventory"
            ) from e

    def handle_error(self, request: object, client_address: object) -> None:
        logger.exception("session from %s failed", client_address)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no session runs; False if some were still running after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def stop(self) -> bool:
        """Stop accepting, let running sessions finish (bounded), close the socket."""
        self.shutdown()
        self.server_close()
        self.greeter.stop()
        finished = self.wait_idle(self.config.shutdown_grace)
        self._workers.stop()
        self._refuser.stop(self.config.refuse_timeout + 1.0)
        if finished:
            logger.info("stopped; every session finished")
        else:
            logger.warning("stopped with %d sessions still running", self._active)
        return finished
