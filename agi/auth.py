"""Who is calling: by the calling endpoint, by the phone they hold, or by number and PIN."""

from __future__ import annotations

import logging

from agi.astdb import clear_failures, locked_until, record_failure
from agi.claim import live_holder
from agi.context import Call, Outcome
from provisioner.inventory.pins import verify_pin
from provisioner.model import Agent

logger = logging.getLogger(__name__)


def caller_agent(call: Call) -> Agent | None:
    """The agent on this call without asking: own endpoint, hot-desk phone or assigned phone."""
    endpoint = call.request.endpoint
    if endpoint is None:
        return None
    agent = call.directory.agent(endpoint)
    if agent is not None:
        return agent
    if call.directory.phone(endpoint) is None:
        return None
    holder = live_holder(call.channel, endpoint)
    if holder:
        return call.directory.agent(holder)
    assigned = call.directory.assigned.get(endpoint, ())
    return call.directory.agent(assigned[0]) if len(assigned) == 1 else None


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
    return _check_pin(call, agent)


def _check_pin(call: Call, agent: Agent) -> Agent | Outcome:
    lockout = call.directory.inventory.settings.lockout
    if locked_until(call.channel, agent.id) > call.now():
        call.trace(agent, "login refused: locked out")
        return Outcome("locked", agent=agent.id)
    pin = call.channel.get_data(call.options.prompts.pin, call.options.digit_timeout_ms, 12)
    if pin and verify_pin(pin, agent.pin_hash):
        clear_failures(call.channel, agent.id)
        call.trace(agent, "PIN accepted")
        return agent
    locked = record_failure(call.channel, agent.id, lockout.attempts, lockout.seconds, call.now())
    call.trace(agent, "wrong PIN, now locked out" if locked else "wrong PIN")
    logger.warning("wrong PIN for agent %s from %s", agent.id, call.request.channel)
    return Outcome("locked" if locked else "bad_pin", agent=agent.id)
