"""The runtime core's port (``runtime.port.Asterisk``) over the service's shared AMI
connection to one Asterisk, and its lock channel for the func_lock mutexes.

AMI answers in sentences; the core reads app_queue's statuses, so each answer is mapped to
the status the dialplan application would have set (the sentences are Asterisk 22's,
recorded on the real sandbox: tests/real/test_web_wire.py).
"""

from __future__ import annotations

import logging

from provisioner.targets.ami.client import Action, Reply
from provisioner.targets.ami.errors import AmiError
from provisioner.targets.ami.shared import SharedAmi
from runtime.errors import Lost, Refused
from runtime.port import Member
from web.lockchannel import LockChannel

logger = logging.getLogger(__name__)


class AmiLost(Lost):
    """The AMI connection failed during an operation: its effect is unknown."""


class AmiRefused(Refused):
    """Asterisk answered an action with an error the rules do not expect."""


class AmiPort:
    """The rules' Asterisk over AMI."""

    def __init__(self, ami: SharedAmi, locks: LockChannel) -> None:
        self.ami = ami
        self.locks = locks

    def _send(self, name: str, *headers: tuple[str, str]) -> Reply:
        try:
            return self.ami.request(Action(name, headers))
        except AmiError as e:
            raise AmiLost(f"{name}: {e}") from e

    def _status(self, reply: Reply, ok: str, known: dict[str, str]) -> str:
        if reply.ok:
            return ok
        for sentence, status in known.items():
            if sentence in reply.message:
                return status
        raise AmiRefused(f"Asterisk answered {reply.action}: {reply.message}")

    def db_get(self, family: str, key: str) -> str | None:
        reply = self._send("DBGet", ("Family", family), ("Key", key))
        if not reply.ok:
            return None  # "Database entry not found"
        return next((e.get("Val") for e in reply.events if e.event == "DBGetResponse"), None)

    def db_put(self, family: str, key: str, value: str) -> None:
        reply = self._send("DBPut", ("Family", family), ("Key", key), ("Val", value))
        self._status(reply, "", {})

    def db_del(self, family: str, key: str) -> None:
        reply = self._send("DBDel", ("Family", family), ("Key", key))
        self._status(reply, "", {"could not be deleted": ""})  # not there: done already

    def add_member(self, queue: str, member: Member) -> str:
        headers = [
            ("Queue", queue),
            ("Interface", member.interface),
            ("MemberName", member.name),
            ("Penalty", str(member.penalty)),
        ]
        if member.state_interface:
            headers.append(("StateInterface", member.state_interface))
        if member.paused_reason:  # added paused, in the same action (QueueAdd Paused/Reason)
            headers += [("Paused", "true"), ("Reason", member.paused_reason)]
        reply = self._send("QueueAdd", *headers)
        known = {"Already there": "MEMBERALREADY", "No such queue": "NOSUCHQUEUE"}
        return self._status(reply, "ADDED", known)

    def remove_member(self, queue: str, interface: str) -> str:
        reply = self._send("QueueRemove", ("Queue", queue), ("Interface", interface))
        known = {"Not there": "NOTINQUEUE", "No such queue": "NOSUCHQUEUE"}
        return self._status(reply, "REMOVED", known)

    def pause_member(self, interface: str, reason: str) -> str:
        headers = (("Interface", interface), ("Paused", "true"), ("Reason", reason))
        reply = self._send("QueuePause", *headers)
        return self._status(reply, "PAUSED", {"Interface not found": "NOTFOUND"})

    def unpause_member(self, interface: str) -> str:
        reply = self._send("QueuePause", ("Interface", interface), ("Paused", "false"))
        return self._status(reply, "UNPAUSED", {"Interface not found": "NOTFOUND"})

    def function(self, expression: str) -> str:
        reply = self._send("Getvar", ("Variable", expression))
        if not reply.ok:
            raise AmiRefused(f"Getvar {expression}: {reply.message}")
        return reply.response.get("Value")

    def try_lock(self, name: str) -> bool:
        return self.locks.try_lock(name)

    def unlock(self, name: str) -> bool:
        return self.locks.unlock(name)

    def note(self, message: str) -> None:
        logger.debug("%s", message)
