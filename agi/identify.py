"""Who is calling: the calling endpoint (or the phone they hold), or agent number and PIN
keyed at the prompts; the PIN check and the lockout are the core's (``runtime.auth``)."""

from __future__ import annotations

import logging

from agi.context import Call, Outcome
from provisioner.model import Agent
from runtime import auth

logger = logging.getLogger(__name__)


def caller_agent(call: Call) -> Agent | None:
    """The agent on this call without asking: own endpoint, hot-desk phone or assigned phone."""
    return auth.agent_at(call.ctx, call.request.endpoint)


def login_agent(call: Call) -> Agent | Outcome:
    """The agent logging in: their own endpoint, or agent number and PIN (with lockout)."""
    endpoint = call.request.endpoint
    own = call.directory.agent(endpoint) if endpoint else None
    if own is not None:
        call.trace(own, f"identified by own endpoint {endpoint}")
        return own
    prompts, timeout = call.options.prompts, call.options.digit_timeout_ms
    number = call.channel.get_data(prompts.agent_number, timeout, 10)
    agent = call.directory.agent_by_number(number)
    if agent is None:
        logger.info("login from %s: unknown agent number %r", call.request.channel, number)
        return Outcome("unknown_agent")
    if auth.locked_out(call.ctx, agent):  # while locked out the PIN is not even asked
        return Outcome("locked", agent=agent.id)
    pin = call.channel.get_data(prompts.pin, timeout, 12)
    checked = auth.check_pin(call.ctx, agent, pin)
    return checked if isinstance(checked, Agent) else Outcome.of(checked)
