"""Pending requests: a pause or logout asked for during a call, carried out when it ends.

Kept in AstDB (``gitops/agent/<id>/pending``: ``pause:<reason>`` or ``logout``), so both
doors and a restarted service see it (docs/runtime-contract.md). The agent is *on a call*
while a channel of their queue member interface exists (``CHANNELS(^Local/<id>@gitops-agents-)``):
the queue is ringing them or they are talking. ``carry_out`` does the request once that is
no longer so; the HTTP service calls it when the member's channel hangs up (and for every
pending request when it starts). A login, a logout or an unpause drops it.
"""

from __future__ import annotations

import re

from provisioner.model import Agent
from runtime import session
from runtime.astdb import agent_family, read_session, record_pause
from runtime.context import Context, Outcome
from runtime.port import Asterisk
from runtime.queues import MEMBER_CONTEXT, pause_all

KEY = "pending"


def on_call(port: Asterisk, agent_id: str) -> bool:
    """Whether a channel of the agent's queue member exists (ringing or talking)."""
    pattern = f"^Local/{re.escape(agent_id)}@{MEMBER_CONTEXT}-"
    return bool(port.function(f"CHANNELS({pattern})").strip())


def hold(ctx: Context, agent: Agent, request: str) -> Outcome:
    """Record ``request`` to be carried out when the agent's call ends."""
    ctx.port.db_put(agent_family(agent.id), KEY, request)
    ctx.trace(agent, f"on a call: {request} held until the call ends")
    kind, _, reason = request.partition(":")
    return Outcome(
        "pending",
        agent=agent.id,
        reason=reason,
        detail=f"agent {agent.id} is on a call: the {kind} takes effect when it ends",
    )


def drop(ctx: Context, agent: Agent, kind: str = "") -> None:
    """Forget a pending request (of ``kind`` only, when given)."""
    family = agent_family(agent.id)
    held = ctx.port.db_get(family, KEY)
    if held and (not kind or held.partition(":")[0] == kind):
        ctx.port.db_del(family, KEY)
        ctx.trace(agent, f"pending {held} dropped")


def carry_out(ctx: Context, agent: Agent) -> Outcome | None:
    """Do the agent's pending request if they are no longer on a call; None when there is
    none, or the call goes on."""
    ctx = ctx.for_agent(agent)
    family = agent_family(agent.id)
    request = ctx.port.db_get(family, KEY)
    if not request or on_call(ctx.port, agent.id):
        return None
    kind, _, reason = request.partition(":")
    ctx.trace(agent, f"call ended: carrying out {request}")
    if kind == "logout":
        done = session.log_out(ctx, agent)
        ctx.port.db_del(family, KEY)
        return Outcome("ok" if done else "not_logged_in", agent=agent.id)
    logged_in = read_session(ctx.port, agent.id).logged_in
    if not logged_in or pause_all(ctx.port, agent.id, reason) != "PAUSED":
        ctx.port.db_del(family, KEY)
        return Outcome("not_logged_in", agent=agent.id)
    record_pause(ctx.port, agent.id, reason, ctx.now())
    return Outcome("ok", agent=agent.id, reason=reason)
