"""Who is acting: an agent by the endpoint they call from (or the phone they hold), or by
agent number and PIN, with the lockout every door shares.

A PIN is checked, and a wrong one counted, while a channel of the door holds the agent's
func_lock mutex ``gitops-pin-<agent>`` (``runtime.mutex``): the lockout, the check and the
count are one step for every door and server instance in front of one Asterisk, so
``lockout.attempts`` wrong PINs sent at once, by feature code or over HTTP, get that many
checks, no more. A check that cannot get the lock within the short retry policy is answered
``error`` without a check (fail closed), and so is one where the lock cannot be asked for
(func_lock missing, the HTTP door's lock channel down). Asking for the PIN (a prompt, a form)
is the door's business and happens outside the lock.
"""

from __future__ import annotations

import logging

from provisioner.inventory.pins import verify_pin
from provisioner.model import Agent
from runtime.astdb import clear_failures, locked_until, record_failure
from runtime.claim import live_holder
from runtime.context import Context, Outcome
from runtime.errors import LockUnavailable
from runtime.mutex import held
from runtime.session import lock_policy

logger = logging.getLogger(__name__)


def agent_at(ctx: Context, endpoint: str | None) -> Agent | None:
    """The agent calling from ``endpoint`` without asking: their own endpoint, or a phone
    they hold (hot desk, interface 2), or a phone assigned to them alone."""
    if endpoint is None:
        return None
    agent = ctx.directory.agent(endpoint)
    if agent is not None:
        return agent
    if ctx.directory.phone(endpoint) is None:
        return None
    holder = live_holder(ctx.port, endpoint)
    if holder:
        return ctx.directory.agent(holder)
    assigned = ctx.directory.assigned.get(endpoint, ())
    return ctx.directory.agent(assigned[0]) if len(assigned) == 1 else None


def pin_lock_name(user_id: str) -> str:
    """The func_lock mutex held around a PIN check (docs/runtime-contract.md)."""
    return f"gitops-pin-{user_id}"


def locked_out(ctx: Context, agent: Agent) -> bool:
    """Whether the agent is locked out now (a shortcut before asking the PIN: the check
    under the lock decides)."""
    if locked_until(ctx.port, agent.id) > ctx.now():
        ctx.trace(agent, "login refused: locked out", "warning")
        return True
    return False


LOCKED = "too many wrong PINs: locked out for a while"


def check_pin(ctx: Context, agent: Agent, pin: str) -> Agent | Outcome:
    """The agent if ``pin`` is theirs; else ``bad_pin``, ``locked`` or ``error`` (lock
    busy or unavailable: nothing checked, nothing counted)."""
    name = pin_lock_name(agent.id)
    try:
        with held(ctx.port, name, lock_policy(ctx)) as got:
            if got:
                return _verify_and_count(ctx, agent, pin)
    except LockUnavailable as e:
        logger.error("PIN of agent %s not checked: %s", agent.id, e)
        ctx.trace(agent, f"PIN not checked: {e}", "error", echo=False)
        return Outcome("error", agent=agent.id, detail=f"the PIN cannot be checked now: {e}")
    # Fail closed: without the lock the check and its count could race another door's.
    logger.warning(
        "PIN of agent %s from %s not checked: %s stayed busy (another PIN check for this agent)",
        agent.id,
        ctx.origin,
        name,
    )
    ctx.trace(agent, "login refused: another PIN check for this agent is running", "warning")
    return Outcome(
        "error", agent=agent.id, detail="another PIN check for this agent is running: try again"
    )


def _verify_and_count(ctx: Context, agent: Agent, pin: str) -> Agent | Outcome:
    """Holding the agent's PIN lock: lockout, check and count are one step for every door
    in front of this Asterisk, so ``lockout.attempts`` wrong PINs get that many checks."""
    if locked_out(ctx, agent):  # locked out by a check that finished while we waited
        return Outcome("locked", agent=agent.id, detail=LOCKED)
    if pin and verify_pin(pin, agent.pin_hash):
        clear_failures(ctx.port, agent.id)
        ctx.trace(agent, "PIN accepted")
        return agent
    lockout = ctx.directory.inventory.settings.lockout
    locked = record_failure(ctx.port, agent.id, lockout.attempts, lockout.seconds, ctx.now())
    ctx.trace(agent, "wrong PIN, now locked out" if locked else "wrong PIN", "warning")
    logger.warning("wrong PIN for agent %s from %s", agent.id, ctx.origin)
    if locked:
        return Outcome("locked", agent=agent.id, detail=LOCKED)
    return Outcome("bad_pin", agent=agent.id, detail="wrong PIN")
