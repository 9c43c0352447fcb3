"""Logging an agent in and out of their queues, all or nothing.

A login writes where to ring the agent, joins every queue, then writes ``queues`` and
``since`` (the commit point). Any failure before the commit (a queue refusing, Asterisk
refusing a command, ``511`` on a hung-up channel) rolls everything back: the agent leaves
every queue, the session is cleared and claimed phones are freed. An agent is never left in
some queues only; a failed re-login leaves the agent logged out. A caller hanging up does
not stop a commit: it only uses commands Asterisk runs on a hung-up channel.

A login at a phone (hot desk, or interface 2: the agent's assigned phone) runs from reading
the phone's holder to its commit (or rollback) holding the phone's func_lock mutex
(``agi.claim``): of two logins for one phone, exactly one wins, and a phone a live session
is on is ``phone_in_use`` to every other agent, whichever way either of them logged in. A
refused login leaves the agent's standing session as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from agi import queues
from agi.astdb import Binding, Session, clear_session, commit_session, read_session, write_binding
from agi.claim import claim_phone, phone_locked, release_phone
from agi.context import Call, Outcome
from agi.errors import CommandError, ConnectionLost, Hangup, JoinError
from agi.mutex import LockPolicy
from provisioner.model import Agent

logger = logging.getLogger(__name__)


def log_in(call: Call, agent: Agent, binding: Binding) -> Outcome:
    if not binding.phone:
        return _log_in(call, agent, binding, read_session(call.channel, agent.id))
    with phone_locked(call.channel, binding.phone, lock_policy(call)) as held:
        if held:  # from here to the commit, nobody else changes who holds the phone
            previous = read_session(call.channel, agent.id)
            if _claim(call, agent, binding.phone, previous):
                return _log_in(call, agent, binding, previous)
        call.trace(agent, f"phone {binding.phone} is in use")
        return Outcome("phone_in_use", agent=agent.id)


def lock_policy(call: Call) -> LockPolicy:
    options = call.options
    return LockPolicy(options.claim_attempts, options.claim_retry, options.sleep)


def _log_in(call: Call, agent: Agent, binding: Binding, previous: Session) -> Outcome:
    try:
        _move(call, agent, binding, previous)
    except (Hangup, JoinError, CommandError) as e:
        call.trace(agent, f"login failed ({e}); rolling back", echo=False)
        roll_back(call, agent, previous.queues, (binding.phone, previous.phone))
        if isinstance(e, Hangup):
            raise
        return Outcome("error", agent=agent.id)
    call.trace(agent, f"logged in on {binding.interface} ({binding.dial})")
    prompts = (call.options.prompts.logged_in,)
    return Outcome("ok", agent=agent.id, interface=binding.interface, prompts=prompts)


def _claim(call: Call, agent: Agent, phone_id: str, previous: Session) -> bool:
    """Claim the phone (its lock held). If Asterisk fails us half-way, a claim this login may
    have written is freed; one the agent's standing session already had is kept."""
    try:
        return claim_phone(
            call.channel,
            phone_id,
            agent.id,
            known=lambda holder: call.directory.agent(holder) is not None,
            assigned=call.directory.assigned.get(phone_id, ()),
        )
    except ConnectionLost:
        raise
    except (Hangup, CommandError):
        if previous.phone != phone_id:
            free = partial(release_phone, call.channel, phone_id, agent.id, lock_policy(call))
            _run_steps(agent, [("free phone", free)])
        raise


def _move(call: Call, agent: Agent, binding: Binding, previous: Session) -> None:
    channel = call.channel
    if previous.logged_in:
        for queue in previous.queues or tuple(m.queue for m in agent.queues):
            queues.leave(channel, queue, agent.id)
    write_binding(channel, agent.id, binding)
    for membership in agent.queues:
        _join(call, agent, membership.queue, membership.penalty, binding.device)
    if previous.phone and previous.phone != binding.phone:
        release_phone(channel, previous.phone, agent.id, lock_policy(call))
    commit_session(channel, agent.id, tuple(m.queue for m in agent.queues), call.now())


def _join(call: Call, agent: Agent, queue: str, penalty: int, device: str) -> None:
    status = queues.join(call.channel, queue, agent.id, agent.name, penalty, device)
    if status == "MEMBERALREADY":  # a stale membership: its state interface may be old
        queues.leave(call.channel, queue, agent.id)
        status = queues.join(call.channel, queue, agent.id, agent.name, penalty, device)
    call.trace(agent, f"AddQueueMember {queue}: {status}")
    if status != "ADDED":
        raise JoinError(f"queue {queue} answered {status or 'nothing'}")


def log_out(call: Call, agent: Agent) -> bool:
    """Leave every queue, clear the session, free the phone. False if not logged in."""
    channel = call.channel
    session = read_session(channel, agent.id)
    names = _queue_names(agent, session.queues)
    removed = [q for q in names if queues.leave(channel, q, agent.id) == "REMOVED"]
    clear_session(channel, agent.id)
    release_phone(channel, session.phone, agent.id, lock_policy(call))
    call.trace(agent, f"logged out (removed from {', '.join(removed) or 'no queue'})")
    return session.logged_in or bool(removed)


def _queue_names(agent: Agent, recorded: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*recorded, *(m.queue for m in agent.queues))))


def roll_back(call: Call, agent: Agent, recorded: Iterable[str], phones: Iterable[str]) -> None:
    """Undo a login: best effort, step by step, even on a channel that has hung up."""
    channel = call.channel
    steps: list[tuple[str, Callable[[], object]]] = [
        (f"leave {q}", partial(queues.leave, channel, q, agent.id))
        for q in _queue_names(agent, recorded)
    ]
    steps.append(("clear session", partial(clear_session, channel, agent.id)))
    steps.extend(
        (f"free phone {p}", partial(release_phone, channel, p, agent.id, lock_policy(call)))
        for p in dict.fromkeys(phones)
        if p
    )
    _run_steps(agent, steps)


def _run_steps(agent: Agent, steps: list[tuple[str, Callable[[], object]]]) -> None:
    for label, step in steps:
        try:
            step()
        except ConnectionLost:
            logger.error("clean-up of agent %s stopped at %s: connection lost", agent.id, label)
            return
        except (Hangup, CommandError) as e:
            logger.warning("clean-up of agent %s: %s failed: %s", agent.id, label, e)
