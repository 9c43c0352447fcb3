"""Claiming a phone: AstDB changed only under Asterisk's own mutex for that phone.

Every login that works at a phone claims it: a hot-desk login and a login on interface 2
(the agent's assigned phone) alike, so of all the sessions at most one is on a phone.

AstDB has no compare-and-set, so the phone's key ``gitops/phone/<id>/agent`` is only changed
while a channel of the door holds the func_lock mutex ``gitops-phone-<id>``, taken with
``${TRYLOCK(gitops-phone-<id>)}`` (``1``: this channel got it, ``0``:
another channel holds it; never waits) and given back with ``${UNLOCK(...)}``. Asterisk frees
a channel's locks when the channel is destroyed, so a server that dies or loses its
connection while holding one cannot keep the phone locked.

A login holds the lock from reading the holder until its session is committed (or rolled
back): a holder is *live* when its own session points at the phone
(``gitops/agent/<holder>/phone``), and a session only starts pointing at a phone inside that
phone's lock, so whoever reads the holder under the lock sees a finished login or a stale
claim, never one half-way. A stale claim (the holder's session is elsewhere or gone, the
holder is no longer an agent of the inventory, or no longer a member of any queue its login
recorded on this Asterisk, as after a move to another server) is free. Freeing a phone
(logout, rollback, moving to another phone) also takes its lock; when that lock is busy the
claim is left, stale, which is as good as free.

The lock is taken and given back as ``runtime.mutex`` says (``TRYLOCK`` only, retried briefly:
a logout or another login on the phone holds it for a few round trips).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from runtime.astdb import agent_family, phone_family, recorded_queues
from runtime.errors import LockUnavailable
from runtime.mutex import LockPolicy, held
from runtime.port import Asterisk
from runtime.queues import member_interface, member_list

logger = logging.getLogger(__name__)


def lock_name(phone_id: str) -> str:
    return f"gitops-phone-{phone_id}"


def phone_locked(port: Asterisk, phone_id: str, policy: LockPolicy) -> AbstractContextManager[bool]:
    """Hold the phone's lock for the block; yields False (holding nothing) if it stayed busy."""
    return held(port, lock_name(phone_id), policy)


def holder(port: Asterisk, phone_id: str) -> str:
    return port.db_get(phone_family(phone_id), "agent") or ""


def _is_live(port: Asterisk, agent_id: str, phone_id: str) -> bool:
    return port.db_get(agent_family(agent_id), "phone") == phone_id


# app_queue's QUEUE_MEMBER_LIST writes into a 4096-byte buffer and stops ("Truncating list")
# near its end: a list this long may have been cut, so it proves nothing either way.
LIST_CUT = 4000


def in_recorded_queues(port: Asterisk, agent_id: str) -> bool:
    """Whether the agent is still a member, on this Asterisk, of a queue its session recorded
    at login (``gitops/agent/<id>/queues``). False only when every recorded queue's member
    list is complete and lacks the agent: e.g. apply removed the agent from this server's
    queues (moved to another server) while its session stayed in AstDB. Nothing recorded, or
    a list possibly cut short, counts as a member. Interfaces compare ignoring ASCII case, as
    app_queue's own lookups (strcasecmp) do."""
    recorded = recorded_queues(port, agent_id)
    wanted = member_interface(agent_id).lower()
    for queue in recorded:
        members = member_list(port, queue)
        if len(members) >= LIST_CUT or wanted in members.lower().split(","):
            return True
        logger.debug("agent %s is not a member of %s here", agent_id, queue)
    return not recorded


def _holds(port: Asterisk, agent_id: str, phone_id: str) -> bool:
    """A live claim: the agent's session is on the phone and it still works queues here."""
    if not _is_live(port, agent_id, phone_id):
        return False
    if in_recorded_queues(port, agent_id):
        return True
    logger.info(
        "phone %s: agent %s's session is on it but the agent is in none of its login's queues "
        "on this Asterisk any more (removed from this server?): the claim is stale",
        phone_id,
        agent_id,
    )
    return False


def live_holder(port: Asterisk, phone_id: str) -> str:
    """The agent holding the phone, if that agent's session is really on it."""
    current = holder(port, phone_id)
    return current if current and _is_live(port, current, phone_id) else ""


def claim_phone(
    port: Asterisk,
    phone_id: str,
    agent_id: str,
    known: Callable[[str], bool] = lambda _agent: True,
    assigned: tuple[str, ...] = (),
) -> bool:
    """Write ``agent_id`` as the holder unless a live agent of the inventory is on the phone.

    Call it holding the phone's lock (``phone_locked``). ``known(agent_id)``: whether that
    agent is still in the inventory. ``assigned``: the agents the phone is assigned to; one
    whose live session is on the phone without a claim (logged in on interface 2 before that
    interface claimed its phone) holds it too."""
    current = holder(port, phone_id)
    if current == agent_id:
        return True
    if current and _holds(port, current, phone_id):
        if known(current):
            logger.info(
                "phone %s is held by agent %s; %s cannot claim it", phone_id, current, agent_id
            )
            return False
        logger.info(
            "phone %s is held by %s, no longer an agent: %s claims it", phone_id, current, agent_id
        )
    for other in assigned:
        if other not in (agent_id, current) and _holds(port, other, phone_id):
            logger.info(
                "phone %s is in use by agent %s (unclaimed); %s cannot claim it",
                phone_id,
                other,
                agent_id,
            )
            return False
    port.db_put(phone_family(phone_id), "agent", agent_id)
    return True


def release_phone(port: Asterisk, phone_id: str, agent_id: str, policy: LockPolicy) -> None:
    """Free the phone if (and only if) this agent holds it, under the phone's lock.

    Call it once the agent's session no longer points at the phone: if the lock stays busy,
    the claim is left behind, stale, and a stale claim is free."""
    if not phone_id:
        return
    try:
        with phone_locked(port, phone_id, policy) as held:
            if not held:
                logger.info("phone %s: lock busy, %s's stale claim is left", phone_id, agent_id)
            elif holder(port, phone_id) == agent_id:
                port.db_del(phone_family(phone_id), "agent")
    except LockUnavailable as e:  # a logout must not fail for want of the lock
        logger.warning("phone %s: %s; %s's stale claim is left", phone_id, e, agent_id)
