"""The lock channel: a channel of Asterisk's own, held by the HTTP service, on which it takes
the func_lock mutexes of the runtime contract (phone claims, PIN checks).

AMI cannot take them: func_lock's functions are escalating, and AMI's threads refuse them
(``Getvar`` of ``TRYLOCK()`` answers empty and Asterisk logs "Dangerous function TRYLOCK
read blocked"). So the service asks Asterisk, over its AMI connection, to ``Originate`` a
Local channel into ``lock@gitops-result`` (``Answer()``, ``Wait(86400)``) whose other half
runs ``AGI(agi://<lock-listen>/lock/<server>/<nonce>)``: Asterisk connects back to the
service's lock listener within milliseconds, and that FastAGI session is the lock channel.
``TRYLOCK``/``UNLOCK`` go through it as ``GET FULL VARIABLE`` (allowed: FastAGI runs on the
channel's own thread). Asterisk frees the channel's locks when the channel goes, which it
does when the service closes the socket or dies.

One channel serves every request of the service for that server: a TRYLOCK of a lock the
channel already holds only counts up, so each lock name is also a mutex in the process
(taken without waiting: busy is busy, whoever holds it), and commands on the channel are
sent one at a time. While the channel is missing (not yet there, lost), a lock cannot be
asked for: ``LockUnavailable`` (the rules fail closed), and a new channel is originated.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections.abc import Callable

from fastagi.errors import AgiError
from fastagi.port import AgiPort
from fastagi.protocol import AgiChannel, set_idle_timeout
from provisioner.targets.ami.client import Action
from provisioner.targets.ami.errors import AmiError
from provisioner.targets.ami.shared import SharedAmi
from runtime.errors import LockUnavailable

logger = logging.getLogger(__name__)

LOCK_CHANNEL = "Local/lock@gitops-result/n"  # docs/runtime-contract.md, the rendered dialplan
SCRIPT = "lock"


class LockChannel:
    """The lock channel of one Asterisk server."""

    def __init__(
        self,
        server: str,
        ami: SharedAmi,
        agi_url: Callable[[str], str],
        *,
        wait: float = 3.0,
        check_every: float = 5.0,
    ) -> None:
        self.server = server
        self._ami = ami
        self._agi_url = agi_url  # script -> agi://HOST:PORT/script as Asterisk reaches us
        self._wait = wait
        self._check_every = check_every
        self._port: AgiPort | None = None
        self._socket: socket.socket | None = None
        self._nonce = ""
        self._arrived = threading.Condition()
        self._command = threading.Lock()  # one command at a time on the channel
        self._names: dict[str, threading.Lock] = {}  # in-process mutex per lock name
        self._names_lock = threading.Lock()
        self._stopping = threading.Event()
        self.opened = 0  # lock channels that connected so far
        self._wake = threading.Event()
        ami.on_state(lambda up: self._wake.set() if up else None)
        self._monitor = threading.Thread(target=self._watch, name=f"lock {server}", daemon=True)

    @property
    def up(self) -> bool:
        return self._port is not None

    def start(self) -> None:
        self._monitor.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        with self._arrived:
            self._arrived.notify_all()
        self._drop("stopping")

    # -- the listener hands us a connection ----------------------------------------------

    def offer(self, nonce: str, channel: AgiChannel, sock: socket.socket) -> bool:
        """A FastAGI session for ``lock/<server>/<nonce>``: ours if the nonce is the one we
        originated with."""
        with self._arrived:
            if not nonce or not secrets.compare_digest(nonce, self._nonce) or self._port:
                return False
            self._nonce = ""
            self._port = AgiPort(channel)
            self._socket = sock
            self.opened += 1
            self._arrived.notify_all()
        logger.info("%s: lock channel %s is up", self.server, channel.env.get("agi_channel"))
        return True

    # -- locks ---------------------------------------------------------------------------

    def try_lock(self, name: str) -> bool:
        mutex = self._mutex(name)
        if not mutex.acquire(blocking=False):
            return False  # another request of this service holds it
        try:
            got = self._run(lambda port: port.try_lock(name))
        except BaseException:
            mutex.release()
            raise
        if not got:
            mutex.release()
        return got

    def unlock(self, name: str) -> bool:
        try:
            return self._run(lambda port: port.unlock(name))
        except LockUnavailable as e:  # the channel is gone: Asterisk freed its locks
            logger.warning("%s: UNLOCK(%s): %s", self.server, name, e)
            return True
        finally:
            mutex = self._mutex(name)
            if mutex.locked():
                mutex.release()

    def _mutex(self, name: str) -> threading.Lock:
        with self._names_lock:
            return self._names.setdefault(name, threading.Lock())

    def _run(self, command: Callable[[AgiPort], bool]) -> bool:
        port = self._port or self._open()
        with self._command:
            try:
                return command(port)
            except (AgiError, OSError) as e:
                self._drop(str(e))
                raise LockUnavailable(f"the lock channel to {self.server} was lost: {e}") from e

    # -- opening and watching ------------------------------------------------------------

    def _open(self) -> AgiPort:
        """Originate a lock channel and wait for it (``wait`` seconds)."""
        with self._arrived:
            if self._port is None and not self._nonce:
                self._originate()
            self._arrived.wait_for(lambda: self._port is not None, self._wait)
            port = self._port
        if port is None:
            raise LockUnavailable(
                f"no lock channel to {self.server}: Asterisk did not connect back to the lock "
                "listener (check --lock-listen, the lock@gitops-result extension and AMI)"
            )
        return port

    def _originate(self) -> None:
        self._nonce = secrets.token_urlsafe(18)
        data = self._agi_url(f"{SCRIPT}/{self.server}/{self._nonce}")
        action = Action(
            "Originate",
            (
                ("Channel", LOCK_CHANNEL),
                ("Application", "AGI"),
                ("Data", data),
                ("Async", "true"),
            ),
        )
        try:
            reply = self._ami.request(action)
        except AmiError as e:
            self._nonce = ""
            logger.warning("%s: lock channel not originated: %s", self.server, e)
            return
        if not reply.ok:
            self._nonce = ""
            logger.warning("%s: lock channel not originated: %s", self.server, reply.message)

    def _drop(self, why: str) -> None:
        with self._arrived:
            sock, self._port, self._socket = self._socket, None, None
        if sock is not None:
            logger.warning("%s: lock channel closed (%s)", self.server, why)
            sock.close()

    def _watch(self) -> None:
        """Open the channel as soon as AMI is up and whenever it is missing; check it when
        idle (a VERBOSE at level 5: nothing in a normal log)."""
        while not self._stopping.is_set():
            self._wake.wait(self._check_every)
            self._wake.clear()
            if self._stopping.is_set() or not self._ami.connected:
                continue
            if self._port is None:
                with self._arrived:
                    self._nonce = ""  # an originate that never connected back is given up
                try:
                    self._open()
                except LockUnavailable as e:
                    logger.warning("%s: %s", self.server, e)
                continue
            if self._command.acquire(blocking=False):
                try:
                    port = self._port
                    if port is not None:
                        port.channel.verbose("gitops lock channel", 5)
                except (AgiError, OSError) as e:
                    self._drop(str(e))
                finally:
                    self._command.release()


class LockListener:
    """The FastAGI listener lock channels connect to; hands each to its ``LockChannel``."""

    def __init__(self, host: str, port: int, channels: Callable[[str], LockChannel | None]) -> None:
        self._channels = channels
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind((host, port))
        self._sock.listen(16)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self._thread = threading.Thread(target=self._accept, name="lock-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError as e:
            logger.debug("lock listener shutdown: %s", e)
        self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, peer = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._greet, args=(sock, peer), daemon=True).start()

    def _greet(self, sock: socket.socket, peer: object) -> None:
        set_idle_timeout(sock, 2.0)  # the environment comes at once from Asterisk
        try:
            channel = AgiChannel.over_socket(sock)
        except (AgiError, OSError) as e:
            logger.warning("lock listener: %s from %s is not an AGI session", e, peer)
            sock.close()
            return
        script, _, server_nonce = channel.env.get("agi_network_script", "").partition("/")
        server, _, nonce = server_nonce.partition("/")
        owner = self._channels(server) if script == SCRIPT else None
        if owner is None or not owner.offer(nonce, channel, sock):
            logger.warning("lock listener: refused %s from %s", script or "a session", peer)
            sock.close()
            return
        set_idle_timeout(sock, 10.0)  # a command on the channel answers within this
