"""Everything the service holds for one Asterisk server: the shared AMI connection, the lock
channel, the core's port over them, and the live table of that server's agents, kept
current from AMI events and published to the event streams.

The table is built from a full reading when the AMI connection comes up (and again after a
reconnect: nothing is missed for long), then changed by events: app_queue's
``QueueMemberAdded``/``Removed``/``Pause``/``Status`` carry the member's state (paused,
reason, device state, in a call). What only AstDB knows (interface, phone, pending request)
is read again for an agent whose membership changed, by a worker thread: the AMI reader
thread never waits on AMI itself. The worker also carries out a pending request when the
agent's queue call ends (the ``Hangup`` of their ``Local/<id>@gitops-agents`` channel).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from provisioner.model import Server
from provisioner.targets.ami import live
from provisioner.targets.ami.client import Action, Reply
from provisioner.targets.ami.errors import AmiError
from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.shared import SharedAmi
from runtime import pending, state
from runtime.context import Context, Options
from runtime.directory import Directory
from runtime.errors import CoreError
from runtime.queues import MEMBER_CONTEXT, agent_of
from web.lockchannel import LockChannel
from web.port import AmiPort

logger = logging.getLogger(__name__)

MEMBER_EVENTS = frozenset(
    {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus"}
)
Publish = Callable[[str, dict[str, Any]], None]
PENDING_SWEEP = 2.0  # seconds: how often agents with a pending request are looked at again


class Backend:
    def __init__(
        self,
        server: Server,
        directory: Directory,
        ami: SharedAmi,
        locks: LockChannel,
        publish: Publish,
        options: Options,
    ) -> None:
        self.server = server
        self.directory = directory
        self.ami = ami
        self.locks = locks
        self.port = AmiPort(ami, locks)
        self.options = options
        self._publish = publish
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, str]] = {}
        self._members: dict[tuple[str, str], state.Member] = {}  # (agent, queue)
        self._rows: dict[str, state.Row] = {}
        self._work: queue.Queue[str | None] = queue.Queue()
        self._waiting: set[str] = set()
        self._worker = threading.Thread(target=self._run, name=f"live {server.name}", daemon=True)
        ami.on_event(self._event)
        ami.on_state(self._connected)

    # -- life ----------------------------------------------------------------------------

    def start(self) -> None:
        self._worker.start()
        self.ami.start()
        self.locks.start()

    def stop(self) -> None:
        self._work.put(None)
        self.locks.stop()
        self.ami.stop()

    def context(self, origin: str) -> Context:
        """The core's context of one request: its origin names it in the client logs."""
        return Context(self.port, self.directory, self.options, origin, origin)

    def request(self, action: Action) -> Reply:
        return self.ami.request(action)

    # -- the table -----------------------------------------------------------------------

    def rows(self) -> list[state.Row]:
        with self._lock:
            return [self._rows[a.id] for a in self.directory.inventory.agents if a.id in self._rows]

    def row(self, agent_id: str) -> state.Row | None:
        with self._lock:
            return self._rows.get(agent_id)

    def refresh(self, agent_id: str) -> None:
        """Read the agent's AstDB session again (after an action of ours), soon."""
        with self._lock:
            if agent_id in self._waiting:
                return
            self._waiting.add(agent_id)
        self._work.put(agent_id)

    def set_directory(self, directory: Directory) -> None:
        with self._lock:
            self.directory = directory
            self._recompute_all()

    def _recompute(self, agent_id: str) -> None:
        """Holding ``_lock``: the agent's row again; published when it changed."""
        agent = self.directory.agent(agent_id)
        if agent is None:
            return
        members = [m for (a, _), m in self._members.items() if a == agent_id]
        row = state.row(agent, self.server.name, self._sessions.get(agent_id, {}), members)
        if self._rows.get(agent_id) != row:
            self._rows[agent_id] = row
            self._publish(agent_id, row.as_json())

    def _recompute_all(self) -> None:
        for agent in self.directory.inventory.agents:
            self._recompute(agent.id)

    # -- AMI -----------------------------------------------------------------------------

    def _connected(self, up: bool) -> None:
        if up:
            self._work.put("")  # "": a full reading

    def _event(self, message: Message) -> None:
        """On the AMI reader thread: never send an action from here."""
        name = message.event
        if name in MEMBER_EVENTS:
            member = state.Member.from_fields(message.get)
            if member is None:
                return
            with self._lock:
                key = (member.agent, member.queue)
                if name == "QueueMemberRemoved":
                    self._members.pop(key, None)
                else:
                    self._members[key] = member
                self._recompute(member.agent)
            if name in ("QueueMemberAdded", "QueueMemberRemoved"):
                self.refresh(member.agent)
        elif name == "Hangup":
            channel = message.get("Channel")
            if f"@{MEMBER_CONTEXT}-" in channel:
                agent = agent_of(channel.rsplit("-", 1)[0])
                if agent and self._sessions.get(agent, {}).get(pending.KEY):
                    self.refresh(agent)

    def _run(self) -> None:
        sweep = time.monotonic() + PENDING_SWEEP
        while True:
            if time.monotonic() >= sweep:  # a call's end may have been missed: look again
                sweep = time.monotonic() + PENDING_SWEEP
                with self._lock:
                    waiting = [a for a, k in self._sessions.items() if k.get(pending.KEY)]
                for agent_id in waiting:
                    self.refresh(agent_id)
            try:
                item = self._work.get(timeout=max(0.01, sweep - time.monotonic()))
            except queue.Empty:
                continue
            if item is None:
                return
            try:
                self._full() if item == "" else self._one(item)
            except (AmiError, CoreError) as e:
                logger.warning("%s: live table not updated (%s): %s", self.server.name, item, e)

    def _full(self) -> None:
        request = self.ami.request
        db = live.sessions(request)
        fields = live.members(request)
        found = (state.Member.from_fields(_getter(f)) for f in fields)
        members = [m for m in found if m is not None]
        with self._lock:
            self._sessions = state.sessions(db)
            self._members = {(m.agent, m.queue): m for m in members}
            self._recompute_all()
            waiting = [a for a, keys in self._sessions.items() if keys.get(pending.KEY)]
        logger.info("%s: live table read: %d agents", self.server.name, len(self._rows))
        for agent in waiting:
            self._one(agent)

    def _one(self, agent_id: str) -> None:
        with self._lock:
            self._waiting.discard(agent_id)
        keys = live.agent_keys(self.ami.request, agent_id)
        with self._lock:
            self._sessions[agent_id] = state.sessions(keys).get(agent_id, {})
            self._recompute(agent_id)
        agent = self.directory.agent(agent_id)
        if agent is not None and keys and any(k.endswith(f"/{pending.KEY}") for k in keys):
            done = pending.carry_out(self.context("web:pending"), agent)
            if done is not None:
                logger.warning(
                    "%s: pending request of %s carried out: %s",
                    self.server.name,
                    agent_id,
                    done.status,
                )
                self.refresh(agent_id)


def _getter(fields: dict[str, str]) -> Callable[[str], str]:
    return lambda key: fields.get(key, "")
