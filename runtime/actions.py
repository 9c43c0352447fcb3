"""Pause, unpause, logout and status: the rules both doors follow.

``actor`` says who asks: the agent themselves (their inventory ``permissions`` apply) or a
supervisor or integration acting on them (their scope was checked by the door; the agent's
own permissions do not bind them, but the reason must still be one of the inventory's).

A pause or logout asked for with ``defer=True`` while the agent is on a call (a channel of
their queue member ``Local/<id>@gitops-agents`` exists: ringing or talking) is not carried
out: it is recorded as *pending* (``runtime.pending``) and carried out when the call ends,
so the customer is never cut off and the pause starts after the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from provisioner.model import Agent, PauseReason
from runtime import pending, queues
from runtime.astdb import Session, read_session, record_pause, record_unpause
from runtime.context import Context, Outcome
from runtime.session import log_out

Actor = Literal["agent", "supervisor"]


def pause_refused(agent: Agent, reason: PauseReason, actor: Actor) -> Outcome | None:
    """None if ``actor`` may pause ``agent`` for ``reason``; else ``not_permitted``: the
    agent's own permissions bind the agent, not a supervisor."""
    if actor == "agent" and not agent.permissions.pause:
        return Outcome("not_permitted", agent=agent.id, detail=f"agent {agent.id} may not pause")
    allowed = agent.permissions.pause_reasons
    if actor == "agent" and allowed is not None and reason.name not in allowed:
        return Outcome(
            "not_permitted",
            agent=agent.id,
            reason=reason.name,
            detail=f"agent {agent.id} may not pause for {reason.name}",
        )
    return None


def pause(
    ctx: Context, agent: Agent, reason: PauseReason, *, actor: Actor = "agent", defer: bool = False
) -> Outcome:
    ctx = ctx.for_agent(agent)
    refused = pause_refused(agent, reason, actor)
    if refused is not None:
        ctx.trace(agent, f"pause refused: {refused.detail}", "warning")
        return refused
    if defer and pending.on_call(ctx.port, agent.id):
        return pending.hold(ctx, agent, f"pause:{reason.name}")
    status = queues.pause_all(ctx.port, agent.id, reason.name)
    ctx.trace(agent, f"pause {reason.name}: {status}")
    if status == "NOTFOUND":
        return Outcome("not_logged_in", agent=agent.id, detail=f"agent {agent.id} is logged out")
    if status != "PAUSED":
        return Outcome("error", agent=agent.id, detail=f"Asterisk answered {status or 'nothing'}")
    record_pause(ctx.port, agent.id, reason.name, ctx.now())
    return Outcome("ok", agent=agent.id, reason=reason.name)


def unpause(ctx: Context, agent: Agent) -> Outcome:
    """Unpause everywhere; a pending pause is dropped too."""
    ctx = ctx.for_agent(agent)
    pending.drop(ctx, agent, "pause")
    status = queues.unpause_all(ctx.port, agent.id)
    ctx.trace(agent, f"unpause: {status}")
    if status == "NOTFOUND":
        return Outcome("not_logged_in", agent=agent.id, detail=f"agent {agent.id} is logged out")
    if status != "UNPAUSED":
        return Outcome("error", agent=agent.id, detail=f"Asterisk answered {status or 'nothing'}")
    record_unpause(ctx.port, agent.id)
    return Outcome("ok", agent=agent.id)


def logout(ctx: Context, agent: Agent, *, actor: Actor = "agent", defer: bool = False) -> Outcome:
    ctx = ctx.for_agent(agent)
    if actor == "agent" and not agent.permissions.logout:
        ctx.trace(agent, "logout refused: not permitted", "warning")
        return Outcome("not_permitted", agent=agent.id, detail=f"agent {agent.id} may not log out")
    if defer and pending.on_call(ctx.port, agent.id):
        if not read_session(ctx.port, agent.id).logged_in:
            return Outcome(
                "not_logged_in", agent=agent.id, detail=f"agent {agent.id} is logged out"
            )
        return pending.hold(ctx, agent, "logout")
    if not log_out(ctx, agent):
        return Outcome("not_logged_in", agent=agent.id, detail=f"agent {agent.id} is logged out")
    return Outcome("ok", agent=agent.id)


@dataclass(frozen=True)
class Status:
    """What an agent's session is, as both doors tell it."""

    agent: Agent
    session: Session
    phone_extension: str = ""  # of the phone they work at (phone, hotdesk)

    @property
    def logged_in(self) -> bool:
        return self.session.logged_in

    def paused_for(self, now: float) -> int:
        """Seconds paused so far (0 when not paused or unknown)."""
        since = self.session.paused_since
        return max(0, int(now) - int(since)) if self.session.paused and since.isdigit() else 0


def status(ctx: Context, agent: Agent) -> Status:
    session = read_session(ctx.port, agent.id, full=True)
    phone = ctx.directory.phone(session.phone) if session.phone else None
    return Status(agent, session, phone.extension if phone is not None else "")
