"""Logging an agent in and out of their queues, all or nothing.

A login writes where to ring the agent, joins every queue, then writes ``queues`` and
``since`` (the commit point). Any failure before the commit (a queue refusing, Asterisk
refusing a command, a caller hanging up) rolls everything back: the agent leaves
every queue, the session is cleared and claimed phones are freed. An agent is never left in
some queues only; a failed re-login leaves the agent logged out. A caller hanging up does
not stop a commit: the FastAGI door's port only uses commands Asterisk runs on a hung-up
channel. A login may join every queue paused with a reason (``login_paused``), in the same
step as the join, so no call reaches the agent between the login and the pause.

A login at a phone (hot desk, or interface 2: the agent's assigned phone) runs from reading
the phone's holder to its commit (or rollback) holding the phone's func_lock mutex
(``runtime.claim``): of two logins for one phone, exactly one wins, and a phone a live session
is on is ``phone_in_use`` to every other agent, whichever way either of them logged in. A
refused login leaves the agent's standing session as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from provisioner.model import Agent
from runtime import queues
from runtime.astdb import (
    Binding,
    Session,
    clear_session,
    commit_session,
    read_session,
    record_pause,
    write_binding,
)
from runtime.claim import claim_phone, phone_locked, release_phone
from runtime.context import Context, Outcome
from runtime.errors import Interrupted, JoinError, Lost, Refused
from runtime.mutex import LockPolicy

logger = logging.getLogger(__name__)


def log_in(ctx: Context, agent: Agent, binding: Binding, paused_reason: str = "") -> Outcome:
    """Log the agent in where ``binding`` rings them, in every queue of theirs, paused with
    ``paused_reason`` when given (else their ``login_paused`` default, if any)."""
    ctx = ctx.for_agent(agent)
    reason = paused_reason or (agent.login_paused or "")
    if not binding.phone:
        return _log_in(ctx, agent, binding, read_session(ctx.port, agent.id), reason)
    with phone_locked(ctx.port, binding.phone, lock_policy(ctx)) as held:
        if held:  # from here to the commit, nobody else changes who holds the phone
            previous = read_session(ctx.port, agent.id)
            if _claim(ctx, agent, binding.phone, previous):
                return _log_in(ctx, agent, binding, previous, reason)
        ctx.trace(agent, f"phone {binding.phone} is in use", "warning")
        return Outcome("phone_in_use", agent=agent.id, detail=f"phone {binding.phone} is in use")


def lock_policy(ctx: Context) -> LockPolicy:
    options = ctx.options
    return LockPolicy(options.claim_attempts, options.claim_retry, options.sleep)


def _log_in(
    ctx: Context, agent: Agent, binding: Binding, previous: Session, paused: str
) -> Outcome:
    try:
        _move(ctx, agent, binding, previous, paused)
    except (Interrupted, JoinError, Refused) as e:
        ctx.trace(agent, f"login failed ({e}); rolling back", "error", echo=False)
        roll_back(ctx, agent, previous.queues, (binding.phone, previous.phone))
        if isinstance(e, Interrupted):
            raise
        return Outcome("error", agent=agent.id, detail=f"login failed and was undone: {e}")
    where = f"on {binding.interface} ({binding.dial})"
    ctx.trace(agent, f"logged in {where}" + (f", paused: {paused}" if paused else ""))
    return Outcome("ok", agent=agent.id, interface=binding.interface, reason=paused)


def _claim(ctx: Context, agent: Agent, phone_id: str, previous: Session) -> bool:
    """Claim the phone (its lock held). If Asterisk fails us half-way, a claim this login may
    have written is freed; one the agent's standing session already had is kept."""
    try:
        return claim_phone(
            ctx.port,
            phone_id,
            agent.id,
            known=lambda holder: ctx.directory.agent(holder) is not None,
            assigned=ctx.directory.assigned.get(phone_id, ()),
        )
    except Lost:
        raise
    except (Interrupted, Refused):
        if previous.phone != phone_id:
            free = partial(release_phone, ctx.port, phone_id, agent.id, lock_policy(ctx))
            _run_steps(agent, [("free phone", free)])
        raise


def _move(ctx: Context, agent: Agent, binding: Binding, previous: Session, paused: str) -> None:
    port = ctx.port
    if previous.logged_in:
        for queue in previous.queues or tuple(m.queue for m in agent.queues):
            queues.leave(port, queue, agent.id)
    write_binding(port, agent.id, binding)
    for membership in agent.queues:
        _join(ctx, agent, membership.queue, membership.penalty, binding.device, paused)
    if paused:
        record_pause(port, agent.id, paused, ctx.now())
    if previous.phone and previous.phone != binding.phone:
        release_phone(port, previous.phone, agent.id, lock_policy(ctx))
    commit_session(port, agent.id, tuple(m.queue for m in agent.queues), ctx.now())


def _join(ctx: Context, agent: Agent, queue: str, penalty: int, device: str, paused: str) -> None:
    status = queues.join(ctx.port, queue, agent.id, agent.name, penalty, device, paused)
    if status == "MEMBERALREADY":  # a stale membership: its state interface may be old
        queues.leave(ctx.port, queue, agent.id)
        status = queues.join(ctx.port, queue, agent.id, agent.name, penalty, device, paused)
    ctx.trace(agent, f"join {queue}: {status}")
    if status != "ADDED":
        raise JoinError(f"queue {queue} answered {status or 'nothing'}")


def log_out(ctx: Context, agent: Agent) -> bool:
    """Leave every queue, clear the session, free the phone. False if not logged in."""
    ctx = ctx.for_agent(agent)
    port = ctx.port
    session = read_session(port, agent.id)
    names = _queue_names(agent, session.queues)
    removed = [q for q in names if queues.leave(port, q, agent.id) == "REMOVED"]
    clear_session(port, agent.id)
    release_phone(port, session.phone, agent.id, lock_policy(ctx))
    ctx.trace(agent, f"logged out (removed from {', '.join(removed) or 'no queue'})")
    return session.logged_in or bool(removed)


def _queue_names(agent: Agent, recorded: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*recorded, *(m.queue for m in agent.queues))))


def roll_back(ctx: Context, agent: Agent, recorded: Iterable[str], phones: Iterable[str]) -> None:
    """Undo a login: best effort, step by step, even on a channel that has hung up."""
    port = ctx.port
    steps: list[tuple[str, Callable[[], object]]] = [
        (f"leave {q}", partial(queues.leave, port, q, agent.id))
        for q in _queue_names(agent, recorded)
    ]
    steps.append(("clear session", partial(clear_session, port, agent.id)))
    steps.extend(
        (f"free phone {p}", partial(release_phone, port, p, agent.id, lock_policy(ctx)))
        for p in dict.fromkeys(phones)
        if p
    )
    _run_steps(agent, steps)


def _run_steps(agent: Agent, steps: list[tuple[str, Callable[[], object]]]) -> None:
    for label, step in steps:
        try:
            step()
        except Lost:
            logger.error("clean-up of agent %s stopped at %s: connection lost", agent.id, label)
            return
        except (Interrupted, Refused) as e:
            logger.warning("clean-up of agent %s: %s failed: %s", agent.id, label, e)
