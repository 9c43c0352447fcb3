"""Claiming a hot-desk phone in AstDB, which has no compare-and-set.

The protocol is Fischer's timed mutual exclusion over the key ``gitops/phone/<id>/agent``:

1. read the holder; a holder whose own session points at this phone
   (``gitops/agent/<holder>/phone``) is live: the phone is in use, unless the holder is no
   longer an agent of the inventory (deleted while logged in: apply removed their queue
   memberships, their AstDB session stays behind and must not lock the phone forever);
2. otherwise write our agent id as holder;
3. wait ``settle`` seconds, then read the holder again: we won only if it is still us.

Guarantee (stated honestly): two contenders cannot both win as long as no contender takes
longer than ``settle`` between its read in step 1 being answered and its write in step 2
reaching Asterisk (one AGI round trip on loopback, well under a millisecond; the default
settle is 200 ms). The login re-checks the holder once more just before it commits, which
turns most residual overlaps into a rollback of the later loser. A contender that loses never
writes again, so a lost claim never evicts the winner. Liveness is not guaranteed under
continuous contention (every contender may lose and retry): each login makes one attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from agi.astdb import agent_family, phone_family
from agi.channel import Channel

logger = logging.getLogger(__name__)


def holder(channel: Channel, phone_id: str) -> str:
    return channel.database_get(phone_family(phone_id), "agent") or ""


def _is_live(channel: Channel, agent_id: str, phone_id: str) -> bool:
    return channel.database_get(agent_family(agent_id), "phone") == phone_id


def live_holder(channel: Channel, phone_id: str) -> str:
    """The agent holding the phone, if that agent's session is really on it."""
    current = holder(channel, phone_id)
    return current if current and _is_live(channel, current, phone_id) else ""


def claim_phone(
    channel: Channel,
    phone_id: str,
    agent_id: str,
    settle: float,
    sleep: Callable[[float], None],
    known: Callable[[str], bool] = lambda _agent: True,
) -> bool:
    """``known(agent_id)``: whether that agent is still in the inventory."""
    current = holder(channel, phone_id)
    if current == agent_id:
        return True
    if current and _is_live(channel, current, phone_id):
        if known(current):
            logger.info(
                "phone %s is held by agent %s; %s cannot claim it", phone_id, current, agent_id
            )
            return False
        logger.info(
            "phone %s is held by %s, no longer an agent: %s claims it", phone_id, current, agent_id
        )
    channel.database_put(phone_family(phone_id), "agent", agent_id)
    sleep(settle)
    won = holder(channel, phone_id) == agent_id
    if not won:
        logger.info("agent %s lost the claim on phone %s", agent_id, phone_id)
    return won


def still_holds(channel: Channel, phone_id: str, agent_id: str) -> bool:
    return holder(channel, phone_id) == agent_id


def release_phone(channel: Channel, phone_id: str, agent_id: str) -> None:
    """Free the phone if (and only if) this agent holds it."""
    if phone_id and holder(channel, phone_id) == agent_id:
        channel.database_del(phone_family(phone_id), "agent")
