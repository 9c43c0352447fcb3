"""The HTTP service's state: the inventory in force, one backend per Asterisk server (its AMI
connection, lock channel and live table), the lock listener, the sessions and the hub of
event streams. The API (``web.api``) reads and acts through it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from provisioner.model import Agent, Inventory, Server, Supervisor
from provisioner.targets.ami.client import parse_url
from provisioner.targets.ami.shared import SharedAmi
from runtime.context import Options
from runtime.directory import Directory
from runtime.reload import InventoryHolder
from web.backend import Backend
from web.hub import Hub
from web.lockchannel import LockChannel, LockListener
from web.sessions import SessionStore

logger = logging.getLogger(__name__)

Secure = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class ServiceConfig:
    session_idle: float = 900.0  # seconds without a request before a session expires
    secure_cookies: Secure = "auto"  # auto: Secure when the request came over https
    lock_host: str = "127.0.0.1"  # the lock listener (Asterisk connects to it)
    lock_port: int = 4574
    lock_advertise: str = ""  # host Asterisk reaches the listener at ("" = lock_host)
    ami_timeout: float = 10.0
    threads: int = 64  # operations on Asterisk running at once
    options: Options = field(default_factory=Options)


class Service:
    def __init__(
        self,
        holder: InventoryHolder,
        config: ServiceConfig,
        secrets: Mapping[str, str],
    ) -> None:
        """``secrets``: the AMI secret of each ``ami://`` server to serve, by server name."""
        self.holder = holder
        self.config = config
        self.hub = Hub()
        self.sessions = SessionStore(config.session_idle)
        self.listener = LockListener(config.lock_host, config.lock_port, self._lock_channel)
        self._parts: dict[str, tuple[Inventory, Directory]] = {}
        self.backends: dict[str, Backend] = {}
        for server in self.inventory.settings.servers:
            if server.name in secrets:
                self.backends[server.name] = self._backend(server, secrets[server.name])

    @property
    def inventory(self) -> Inventory:
        return self.holder.directory.inventory

    def _backend(self, server: Server, secret: str) -> Backend:
        user, host, port = parse_url(server.target)
        ami = SharedAmi(host, port, user, secret, name=server.name, timeout=self.config.ami_timeout)
        locks = LockChannel(server.name, ami, self._agi_url)
        return Backend(
            server, self.directory(server.name), ami, locks, self.hub.publish, self.config.options
        )

    def _agi_url(self, script: str) -> str:
        host = self.config.lock_advertise or self.listener.address[0]
        shown = f"[{host}]" if ":" in host else host
        return f"agi://{shown}:{self.listener.address[1]}/{script}"

    def _lock_channel(self, server: str) -> LockChannel | None:
        backend = self.backends.get(server)
        return backend.locks if backend is not None else None

    def start(self) -> None:
        self.listener.start()
        for backend in self.backends.values():
            backend.start()

    def stop(self) -> None:
        for backend in self.backends.values():
            backend.stop()
        self.listener.stop()

    # -- the inventory -------------------------------------------------------------------

    def directory(self, server: str) -> Directory:
        """The core's lookups of one server's part of the inventory in force."""
        inventory = self.inventory
        cached = self._parts.get(server)
        if cached is not None and cached[0] is inventory:
            return cached[1]
        chosen = inventory.settings.server(server)
        part = inventory.for_server(chosen) if chosen is not None else inventory
        directory = Directory.build(part)
        self._parts[server] = (inventory, directory)
        return directory

    def reloaded(self) -> None:
        """After the holder took a new inventory: every backend reads its part of it."""
        for name, backend in self.backends.items():
            backend.set_directory(self.directory(name))

    def agent(self, number: str) -> Agent | None:
        """An agent by id or extension."""
        return self.holder.directory.agent_by_number(number)

    def supervisor(self, supervisor_id: str) -> Supervisor | None:
        return next((s for s in self.inventory.settings.supervisors if s.id == supervisor_id), None)

    def backend_of(self, agent_id: str) -> Backend | None:
        """The backend of the first served server that serves the agent."""
        for backend in self.backends.values():
            if backend.server.serves("agents", agent_id):
                return backend
        return None

    def home_of(self, supervisor: Supervisor) -> Backend | None:
        """Where a supervisor's PIN lockout is kept: the first served server serving an
        agent of their scope (else the first served server)."""
        for backend in self.backends.values():
            if any(supervisor.scope.covers(a) for a in backend.directory.inventory.agents):
                return backend
        return next(iter(self.backends.values()), None)

    def visible(self, sees: Callable[[Agent], bool]) -> list[Agent]:
        return [a for a in self.inventory.agents if sees(a)]
