"""Live queue members and agent sessions over AMI: what ``AmiTarget.change_members`` sends.

``add`` is QueueAdd as the AGI login's AddQueueMember adds (interface, member name, penalty,
state interface, paused with its reason), then the session's recorded ``queues``; ``remove``
QueueRemove; ``penalty`` QueuePenalty; ``forget`` one DBDel per key (never a tree, see
``sessions.py``). A member already gone, or already there, is not an error: agents log in
and out while apply runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from provisioner.errors import TargetError
from provisioner.targets.ami.client import Action, AmiClient, Reply
from provisioner.targets.ami.record import db_del, db_put
from provisioner.targets.base import AGENT_FAMILY, MemberChange

logger = logging.getLogger(__name__)

# DBDel's refusal of a key that is not there (deleted already): nothing left to do
NOT_DELETED = "Database entry could not"
# QueueAdd's refusal of a member already in the queue (ami-04): it logged in again meanwhile
ALREADY_THERE = "Already there"


def change_members(client: AmiClient, name: str, changes: Sequence[MemberChange]) -> None:
    """Send every change (pipelined), check each answer; raise TargetError on a refusal."""
    pairs = [(c, a) for c in changes for a in _actions(c)]
    replies = client.pipeline([a for _, a in pairs])
    for (change, action), reply in zip(pairs, replies, strict=True):
        if change.action == "forget":
            _forgot(name, change, reply)
        elif action.name == "DBPut":
            client.check(reply)
        elif change.action == "add" and reply.message.endswith(ALREADY_THERE):
            logger.info("%s: %s already in %s", name, change.interface, change.queue)
        elif reply.ok:
            logger.info("%s: %s %s in %s", name, change.action, change.interface, change.queue)
        elif _member_gone(reply.message):
            logger.info(
                "%s: %s already left %s (%s)", name, change.interface, change.queue, reply.message
            )
        else:
            raise TargetError(
                f"{name} could not {change.action} member {change.interface} of "
                f"queue {change.queue} ({reply.message})"
            )
    _take_back_if_logged_out(client, name, [c for c in changes if c.action == "add"])


def _take_back_if_logged_out(client: AmiClient, name: str, adds: Sequence[MemberChange]) -> None:
    """An agent who logged out while being added (the session's ``since``, the login's commit
    point, is gone) leaves those queues again, and the ``queues`` written for them goes: a
    logout never leaves a member behind."""
    if not adds:
        return
    agents = sorted({c.agent for c in adds})
    gets = [Action("DBGet", (("Family", f"{AGENT_FAMILY}/{a}"), ("Key", "since"))) for a in agents]
    replies = client.pipeline(gets)
    gone = {agent for agent, reply in zip(agents, replies, strict=True) if not reply.ok}
    undo = [c for c in adds if c.agent in gone]
    actions = [Action("QueueRemove", _member_headers(c)) for c in undo]
    actions += [db_del(family, key) for c in undo for family, key, _ in c.puts]
    client.pipeline(actions)
    for change in undo:
        logger.warning(
            "%s: agent %s logged out while joining queue %s: taken out again",
            name,
            change.agent,
            change.queue,
        )


def _forgot(name: str, change: MemberChange, reply: Reply) -> None:
    if reply.ok or reply.message.startswith(NOT_DELETED):
        return  # deleted, or gone already (logged out meanwhile)
    raise TargetError(
        f"{name} could not forget the session of agent {change.agent} "
        f"({reply.message}); run apply again"
    )


def _actions(change: MemberChange) -> list[Action]:
    if change.action == "forget":
        return [db_del(family, key) for family, key in change.keys]
    if change.action == "add":
        return [_queue_add(change), *(db_put(f, k, v) for f, k, v in change.puts)]
    headers = _member_headers(change)
    if change.action == "remove":
        return [Action("QueueRemove", headers)]
    return [Action("QueuePenalty", (*headers, ("Penalty", str(change.penalty))))]


def _member_headers(change: MemberChange) -> tuple[tuple[str, str], ...]:
    return (("Queue", change.queue), ("Interface", change.interface))


def _queue_add(change: MemberChange) -> Action:
    """QueueAdd as the login's AddQueueMember adds (ami-04: ``Paused``/``Reason`` add the
    member paused; without ``StateInterface`` Asterisk uses the interface itself)."""
    headers = [*_member_headers(change), ("MemberName", change.name)]
    headers.append(("Penalty", str(change.penalty)))
    if change.state_interface:
        headers.append(("StateInterface", change.state_interface))
    if change.paused:
        headers.append(("Paused", "true"))
        if change.pause_reason:
            headers.append(("Reason", change.pause_reason))
    return Action("QueueAdd", tuple(headers))


def _member_gone(message: str) -> bool:
    """The member is no longer there (logged out meanwhile): nothing left to change."""
    return "Not there" in message or message.startswith("Invalid interface")
