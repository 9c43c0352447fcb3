"""Who is calling: by the calling endpoint, by the phone they hold, or by number and PIN.

A PIN is checked, and a wrong one counted, while the call's channel holds the agent's
func_lock mutex ``gitops-pin-<agent>`` (``agi.mutex``): the lockout, the check and the count
are one step for every server instance in front of one Asterisk, so ``lockout.attempts``
wrong PINs sent at once get that many checks, no more. A call that cannot get the lock within
the short retry policy is answered ``error`` without a check (fail closed), and so is one
where func_lock is missing. The PIN prompt is outside the lock.
"""

from __future__ import annotations

import logging

from agi.astdb import clear_failures, locked_until, record_failure
from agi.claim import live_holder
from agi.context import Call, Outcome
from agi.errors import LockUnavailable
from agi.mutex import held
from agi.session import lock_policy
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


def pin_lock_name(agent_id: str) -> str:
    """The func_lock mutex held around an agent's PIN check (docs/runtime-contract.md)."""
    return f"gitops-pin-{agent_id}"


def _check_pin(call: Call, agent: Agent) -> Agent | Outcome:
    if _locked_out(call, agent):  # while locked out the PIN is not even asked
        return Outcome("locked", agent=agent.id)
    pin = call.channel.get_data(call.options.prompts.pin, call.options.digit_timeout_ms, 12)
    name = pin_lock_name(agent.id)
    try:
        with held(call.channel, name, lock_policy(call)) as got:
            if got:
                return _verify_and_count(call, agent, pin)
    except LockUnavailable as e:
        logger.error("PIN of agent %s not checked: %s", agent.id, e)
        return Outcome("error", agent=agent.id)
    # Fail closed: without the lock the check and its count could race another server's.
    logger.warning(
        "PIN of agent %s from %s not checked: %s stayed busy (another PIN check for this agent)",
        agent.id,
        call.request.channel,
        name,
    )
    call.trace(agent, "login refused: another PIN check for this agent is running")
    return Outcome("error", agent=agent.id)


def _locked_out(call: Call, agent: Agent) -> bool:
    if locked_until(call.channel, agent.id) > call.now():
        call.trace(agent, "login refused: locked out")
        return True
    return False


def _verify_and_count(call: Call, agent: Agent, pin: str) -> Agent | Outcome:
    """Holding the agent's PIN lock: lockout, check and count are one step for every server
    in front of this Asterisk, so ``lockout.attempts`` wrong PINs get that many checks."""
    if _locked_out(call, agent):  # locked out by a check that finished while we waited
        return Outcome("locked", agent=agent.id)
    if pin and verify_pin(pin, agent.pin_hash):
        clear_failures(call.channel, agent.id)
        call.trace(agent, "PIN accepted")
        return agent
    lockout = call.directory.inventory.settings.lockout
    locked = record_failure(call.channel, agent.id, lockout.attempts, lockout.seconds, call.now())
    call.trace(agent, "wrong PIN, now locked out" if locked else "wrong PIN")
    logger.warning("wrong PIN for agent %s from %s", agent.id, call.request.channel)
    return Outcome("locked" if locked else "bad_pin", agent=agent.id)
