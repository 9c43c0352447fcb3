"""The port: the Asterisk operations the rules of agent sessions need, and nothing else.

Each door implements it over its own transport: the FastAGI door over the call's channel
(``fastagi.port``: ``EXEC AddQueueMember``, ``DATABASE GET``, ``GET FULL VARIABLE``...), the HTTP
service over its shared AMI connection and its lock channel (``web.port``: ``QueueAdd``,
``DBGet``, ``Getvar``...). Statuses are app_queue's own words, whichever door asked.

Every method may raise ``runtime.errors.CoreError`` (a door raises its subclasses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Member:
    """A queue member as a login adds it."""

    interface: str  # Local/<agent>@gitops-agents
    name: str  # the member name (the agent's display name)
    penalty: int
    state_interface: str  # the device rung, "" for a mobile number
    paused_reason: str = ""  # added paused with this reason ("": available)


class Asterisk(Protocol):
    """One Asterisk, as the rules see it."""

    def db_get(self, family: str, key: str) -> str | None: ...

    def db_put(self, family: str, key: str, value: str) -> None: ...

    def db_del(self, family: str, key: str) -> None: ...

    def add_member(self, queue: str, member: Member) -> str:
        """ADDED, MEMBERALREADY or NOSUCHQUEUE (AddQueueMember's AQMSTATUS)."""
        ...

    def remove_member(self, queue: str, interface: str) -> str:
        """REMOVED, NOTINQUEUE or NOSUCHQUEUE (RemoveQueueMember's RQMSTATUS)."""
        ...

    def pause_member(self, interface: str, reason: str) -> str:
        """Pause in every queue: PAUSED or NOTFOUND (PQMSTATUS)."""
        ...

    def unpause_member(self, interface: str) -> str:
        """Unpause in every queue: UNPAUSED or NOTFOUND (UPQMSTATUS)."""
        ...

    def function(self, expression: str) -> str:
        """The value of a dialplan function that is not escalating, e.g.
        ``QUEUE_MEMBER_LIST(sales)``, ``PJSIP_DIAL_CONTACTS(desk-1)``, ``CHANNELS(regex)``."""
        ...

    def try_lock(self, name: str) -> bool:
        """``TRYLOCK(name)`` on a channel this door holds: True if taken, False if another
        channel holds it; ``LockUnavailable`` when it cannot be asked."""
        ...

    def unlock(self, name: str) -> bool:
        """``UNLOCK(name)``: False if this door's channel did not hold it."""
        ...

    def note(self, message: str) -> None:
        """A line for Asterisk's own log about this session (client logs); may do nothing."""
        ...
