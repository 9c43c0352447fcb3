"""Queue member operations of the fake Asterisk, shared by AMI actions and AGI ``EXEC``.

Results use the dialplan applications' status words (``ADDED``, ``MEMBERALREADY``, ...); the
AMI layer maps them to its messages. Events and device states follow ami-04 and ami-10.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from tests.fakes.events import DEVICE_STATE_NAMES
from tests.fakes.queues import NOT_INUSE, Member, Queue, member_fields

INUSE = 2


class QueueOps:
    """Mixin of FakeAsterisk: queue members, their events and the ``Queue:`` device states."""

    lock: threading.RLock
    queues: dict[str, Queue]
    device_states: dict[str, int]
    emit: Callable[[str, str, list[tuple[str, str]]], None]
    now: Callable[[], int]
    device_state: Callable[[str], int]

    def queue(self, name: str) -> Queue | None:
        with self.lock:
            return self.queues.get(name)

    def members(self, queue: str) -> list[Member]:
        """Copies of the queue's members, sorted by interface (empty if no such queue)."""
        with self.lock:
            found = self.queues.get(queue)
            return [dataclasses.replace(m) for m in found.sorted_members()] if found else []

    def member_status(self, member: Member) -> int:
        return self.device_state(member.state_interface)

    def set_device_state(self, device: str, state: int) -> None:
        """Set a device state, raising DeviceStateChange when it changes."""
        with self.lock:
            if self.device_states.get(device) == state:
                return
            self.device_states[device] = state
            self.emit(
                "DeviceStateChange",
                "call",
                [("Device", device), ("State", DEVICE_STATE_NAMES[state])],
            )

    def refresh_queue_states(self, queue: Queue) -> None:
        available = any(
            not m.paused and self.member_status(m) == NOT_INUSE for m in queue.members.values()
        )
        self.set_device_state(f"Queue:{queue.name}_avail", NOT_INUSE if available else INUSE)

    def device_changed(self, device: str) -> None:
        """A device changed state: QueueMemberStatus for its members, then queue availability."""
        with self.lock:
            for queue in self.queues.values():
                for member in queue.sorted_members():
                    if member.state_interface == device:
                        self._member_event("QueueMemberStatus", queue, member)
                self.refresh_queue_states(queue)

    def _member_event(self, name: str, queue: Queue, member: Member, reason: str = "") -> None:
        fields = member_fields(queue, member, self.member_status(member))
        if reason:
            fields = [(k, reason if k == "PausedReason" else v) for k, v in fields]
        self.emit(name, "agent", fields)

    def _pause_device(self, queue: Queue, member: Member) -> None:
        device = f"Queue:{queue.name}_pause_{member.interface}"
        self.set_device_state(device, INUSE if member.paused else NOT_INUSE)

    def _holding(self, queue: str | None, interface: str) -> list[Queue]:
        """The queues (one, or all when ``queue`` is empty) where interface is a member."""
        return [
            q
            for q in self.queues.values()
            if (not queue or q.name == queue) and interface in q.members
        ]

    def queue_add(
        self,
        queue: str,
        interface: str,
        *,
        member_name: str = "",
        state_interface: str = "",
        penalty: int = 0,
        paused: bool = False,
        reason: str = "",
        wrapuptime: int = 0,
        callid: str = "MANAGER",
    ) -> str:
        """Add a dynamic member: ``ADDED``, ``MEMBERALREADY`` or ``NOSUCHQUEUE``.

        ``callid`` goes to the queue log: ``MANAGER`` for AMI, the channel's unique id for
        the dialplan application."""
        with self.lock:
            found = self.queues.get(queue)
            if found is None:
                return "NOSUCHQUEUE"
            if interface in found.members:
                return "MEMBERALREADY"
            now = self.now()
            member = Member(
                interface=interface,
                name=member_name or interface,
                state_interface=state_interface or interface,
                penalty=penalty,
                paused=paused,
                reason=reason if paused else "",
                login_time=now,
                last_pause=now if paused else 0,
                wrapuptime=wrapuptime,
                ringinuse=found.ringinuse,
            )
            found.members[interface] = member
            self.log_queue(queue, callid, interface, "ADDMEMBER", "PAUSED" if paused else "")
            self._pause_device(found, member)
            self._member_event("QueueMemberAdded", found, member)
            self.refresh_queue_states(found)
            return "ADDED"

    def queue_remove(self, queue: str, interface: str, callid: str = "MANAGER") -> str:
        """``REMOVED``, ``NOTINQUEUE``, ``NOSUCHQUEUE`` or ``NOTDYNAMIC``."""
        with self.lock:
            found = self.queues.get(queue)
            if found is None:
                return "NOSUCHQUEUE"
            member = found.members.get(interface)
            if member is None:
                return "NOTINQUEUE"
            if not member.dynamic:
                return "NOTDYNAMIC"
            del found.members[interface]
            self.log_queue(queue, callid, interface, "REMOVEMEMBER", "")
            self._member_event("QueueMemberRemoved", found, member)
            self.refresh_queue_states(found)
            return "REMOVED"

    def queue_pause(
        self, queue: str | None, interface: str, paused: bool, reason: str = ""
    ) -> bool:
        """Pause/unpause in one queue or (queue None or empty) all; False if no such member."""
        with self.lock:
            targets = self._holding(queue, interface)
            if targets and not queue:
                self.log_queue(
                    "NONE", "NONE", interface, "PAUSEALL" if paused else "UNPAUSEALL", reason
                )
            for target in targets:
                member = target.members[interface]
                self.log_queue(
                    target.name, "NONE", member.name, "PAUSE" if paused else "UNPAUSE", reason
                )
                member.paused = paused
                if paused:
                    member.last_pause = self.now()
                member.reason = reason if paused else ""
                self._pause_device(target, member)
                self._member_event("QueueMemberPause", target, member, reason)
                self.refresh_queue_states(target)
            return bool(targets)

    def queue_penalty(self, queue: str | None, interface: str, penalty: int) -> bool:
        """Set a member's penalty in one queue or all; False if no such member."""
        with self.lock:
            targets = self._holding(queue, interface)
            for target in targets:
                member = target.members[interface]
                self.log_queue(target.name, "NONE", interface, "PENALTY", str(penalty))
                member.penalty = penalty
                self._member_event("QueueMemberPenalty", target, member)
            return bool(targets)

    def log_queue(self, queue: str, callid: str, agent: str, event: str, data: str = "") -> None:
        """Record a queue_log line: ``(time, callid, queue, agent, event, data)``."""
        with self.lock:
            self.queue_log.append((str(self.now()), callid, queue, agent, event, data))

    queue_log: list[tuple[str, ...]]
