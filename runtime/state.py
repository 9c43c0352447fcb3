"""The live table of agents: who is logged in, where, available, ringing, on a call or
paused (with the reason and since when), with a pending request, from what Asterisk says.

Built from two readings any door can make: the agents' AstDB sessions
(``gitops/agent/<id>/<key>``) and app_queue's members (the fields of ``QueueMember`` /
``QueueMember*`` AMI events). Pure functions: the HTTP service keeps the table current from
events, ``provisioner agents`` prints it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from provisioner.model import Agent
from runtime.astdb import agent_family
from runtime.queues import agent_of

State = Literal["logged_out", "available", "ringing", "on_call", "paused"]
# app_queue's member Status: the device state of its state interface (ast_device_state)
RINGING = frozenset({6, 7})  # RINGING, RINGINUSE
ON_CALL = frozenset({2, 3, 8})  # INUSE, BUSY, ONHOLD
STATES: tuple[State, ...] = ("logged_out", "available", "ringing", "on_call", "paused")


@dataclass(frozen=True)
class Member:
    """One agent's membership of one queue, as app_queue reports it."""

    queue: str
    agent: str
    paused: bool = False
    reason: str = ""
    last_pause: int = 0  # when the member was last paused (Unix seconds), 0: never
    status: int = 0  # device state of the state interface
    in_call: bool = False
    login_time: int = 0

    @classmethod
    def from_fields(cls, get: Callable[[str], str]) -> Member | None:
        """From the fields of a ``QueueMember`` (QueueStatus) or ``QueueMemberStatus``,
        ``QueueMemberPause``, ``QueueMemberAdded`` event; None for a member that is not an
        agent's (``Local/<id>@gitops-agents``)."""
        agent = agent_of(get("Interface") or get("Location"))
        if not agent:
            return None
        return cls(
            queue=get("Queue"),
            agent=agent,
            paused=get("Paused") == "1",
            reason=get("PausedReason"),
            last_pause=_int(get("LastPause")),
            status=_int(get("Status")),
            in_call=get("InCall") == "1",
            login_time=_int(get("LoginTime")),
        )


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


@dataclass(frozen=True)
class Row:
    """One agent in the live table."""

    agent: str
    name: str
    server: str
    state: State
    interface: str = ""  # internal, phone, hotdesk, mobile ("" logged out)
    phone: str = ""
    queues: tuple[str, ...] = ()  # queues the agent is a member of now
    paused: bool = False
    reason: str = ""
    paused_since: int | None = None
    since: int | None = None  # login time
    pending: str = ""  # "pause:<reason>" or "logout"
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "name": self.name,
            "server": self.server,
            "state": self.state,
            "interface": self.interface or None,
            "phone": self.phone or None,
            "queues": list(self.queues),
            "paused": self.paused,
            "reason": self.reason or None,
            "paused_since": self.paused_since,
            "since": self.since,
            "pending": self.pending or None,
        }


def sessions(db: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``/gitops/agent/<id>/<key>`` = value (as DBGetTree lists them) by agent, by key."""
    prefix = agent_family("")
    found: dict[str, dict[str, str]] = {}
    for path, value in db.items():
        agent, _, key = path.strip("/").removeprefix(prefix).partition("/")
        if path.strip("/").startswith(prefix) and agent and key and "/" not in key:
            found.setdefault(agent, {})[key] = value
    return found


def row(agent: Agent, server: str, session: Mapping[str, str], members: Iterable[Member]) -> Row:
    """The agent's row from their AstDB session and their queue memberships."""
    mine = sorted((m for m in members if m.agent == agent.id), key=lambda m: m.queue)
    logged_in = bool(session.get("since")) or bool(mine)
    if not logged_in:
        return Row(agent.id, agent.name, server, "logged_out", pending=session.get("pending", ""))
    paused = any(m.paused for m in mine) if mine else bool(session.get("paused"))
    reason = next((m.reason for m in mine if m.paused and m.reason), session.get("paused", ""))
    last = max((m.last_pause for m in mine if m.paused), default=0)
    since_text = session.get("paused_since", "")
    paused_since = (last or (int(since_text) if since_text.isdigit() else 0)) or None
    login = session.get("since", "")
    return Row(
        agent=agent.id,
        name=agent.name,
        server=server,
        state=_state(mine, paused),
        interface=session.get("interface", ""),
        phone=session.get("phone", ""),
        queues=tuple(m.queue for m in mine),
        paused=paused,
        reason=reason if paused else "",
        paused_since=paused_since if paused else None,
        since=int(login) if login.isdigit() else min((m.login_time for m in mine), default=None),
        pending=session.get("pending", ""),
    )


def _state(members: list[Member], paused: bool) -> State:
    statuses = {m.status for m in members}
    if statuses & RINGING:
        return "ringing"
    if statuses & ON_CALL or any(m.in_call for m in members):
        return "on_call"
    return "paused" if paused else "available"
