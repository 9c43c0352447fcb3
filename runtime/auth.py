"""Who is acting: an agent by the endpoint they call from (or the phone they hold), or a
user (an agent, a supervisor of the HTTP service) by number or name and PIN, with the lockout
every door shares.

A PIN is checked, and a wrong one counted, while a channel of the door holds the user's
func_lock mutex ``gitops-pin-<id>`` (``runtime.mutex``): the lockout, the check and the
count are one step for every door and server instance in front of one Asterisk, so
``lockout.attempts`` wrong PINs sent at once, by feature code or over HTTP, get that many
checks, no more. A check that cannot get the lock within the short retry policy is answered
``error`` without a check (fail closed), and so is one where the lock cannot be asked for
(func_lock missing, the HTTP door's lock channel down). Asking for the PIN (a prompt, a form)
is the door's business and happens outside the lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from provisioner.inventory.pins import verify_pin
from provisioner.model import Agent
from runtime.astdb import clear_failures, locked_until, record_failure
from runtime.claim import live_holder
from runtime.context import Context, Outcome
from runtime.errors import LockUnavailable
from runtime.mutex import held
from runtime.session import lock_policy

logger = logging.getLogger(__name__)

LOCKED = "too many wrong PINs: locked out for a while"


@dataclass(frozen=True)
class User:
    """Whoever logs in with a PIN: an agent (``agent`` set, for its client logs) or another
    user of the HTTP service (a supervisor)."""

    id: str
    pin_hash: str
    agent: Agent | None = None

    @classmethod
    def of(cls, agent: Agent) -> User:
        return cls(agent.id, agent.pin_hash, agent)


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


def _trace(ctx: Context, user: User, message: str, level: str = "info") -> None:
    if user.agent is not None:
        ctx.trace(user.agent, message, "warning" if level == "warning" else "info", echo=False)


def locked_out(ctx: Context, agent: Agent | User) -> bool:
    """Whether the user is locked out now (a shortcut before asking the PIN: the check
    under the lock decides)."""
    user = agent if isinstance(agent, User) else User.of(agent)
    if locked_until(ctx.port, user.id) > ctx.now():
        _trace(ctx, user, "login refused: locked out", "warning")
        return True
    return False


def check_pin(ctx: Context, agent: Agent, pin: str) -> Agent | Outcome:
    """The agent if ``pin`` is theirs; else ``bad_pin``, ``locked`` or ``error`` (lock
    busy or unavailable: nothing checked, nothing counted)."""
    refused = check_user_pin(ctx.for_agent(agent), User.of(agent), pin)
    return agent if refused is None else refused


def check_user_pin(ctx: Context, user: User, pin: str) -> Outcome | None:
    """None if ``pin`` is the user's; else ``bad_pin``, ``locked`` or ``error``."""
    name = pin_lock_name(user.id)
    try:
        with held(ctx.port, name, lock_policy(ctx)) as got:
            if got:
                return _verify_and_count(ctx, user, pin)
    except LockUnavailable as e:
        logger.error("PIN of %s not checked: %s", user.id, e)
        _trace(ctx, user, f"PIN not checked: {e}", "warning")
        return Outcome("error", agent=user.id, detail=f"the PIN cannot be checked now: {e}")
    # Fail closed: without the lock the check and its count could race another door's.
    logger.warning(
        "PIN of %s from %s not checked: %s stayed busy (another PIN check for this user)",
        user.id,
        ctx.origin,
        name,
    )
    _trace(ctx, user, "login refused: another PIN check for this agent is running", "warning")
    return Outcome(
        "error", agent=user.id, detail="another PIN check for this user is running: try again"
    )


def _verify_and_count(ctx: Context, user: User, pin: str) -> Outcome | None:
    """Holding the user's PIN lock: lockout, check and count are one step for every door
    in front of this Asterisk, so ``lockout.attempts`` wrong PINs get that many checks."""
    if locked_out(ctx, user):  # locked out by a check that finished while we waited
        return Outcome("locked", agent=user.id, detail=LOCKED)
    if pin and verify_pin(pin, user.pin_hash):
        clear_failures(ctx.port, user.id)
        _trace(ctx, user, "PIN accepted")
        return None
    lockout = ctx.directory.inventory.settings.lockout
    locked = record_failure(ctx.port, user.id, lockout.attempts, lockout.seconds, ctx.now())
    _trace(ctx, user, "wrong PIN, now locked out" if locked else "wrong PIN", "warning")
    logger.warning("wrong PIN for %s from %s", user.id, ctx.origin)
    if locked:
        return Outcome("locked", agent=user.id, detail=LOCKED)
    return Outcome("bad_pin", agent=user.id, detail="wrong PIN")
