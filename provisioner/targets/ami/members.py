"""Live queue members and agent sessions on Asterisk: QueueRemove, QueuePenalty, DBDel."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from provisioner.errors import TargetError
from provisioner.targets.ami.client import Action, AmiClient, Reply
from provisioner.targets.base import MemberChange

logger = logging.getLogger(__name__)

# DBDel's refusal of a key that is not there (deleted already): nothing left to do
NOT_DELETED = "Database entry could not"


def change_members(client: AmiClient, changes: Sequence[MemberChange]) -> None:
    """Make each change, pipelined; a member gone meanwhile (logged out) is no error."""
    pairs = [(c, a) for c in changes for a in _member_actions(c)]
    replies = client.pipeline([a for _, a in pairs])
    for (change, _), reply in zip(pairs, replies, strict=True):
        if change.action == "forget":
            _forgot(client, change, reply)
        elif reply.ok:
            logger.info(
                "%s: %s %s in %s", client.name, change.action, change.interface, change.queue
            )
        elif _member_gone(reply.message):
            logger.info(
                "%s: %s already left %s (%s)",
                client.name,
                change.interface,
                change.queue,
                reply.message,
            )
        else:
            raise TargetError(
                f"{client.name} could not {change.action} member {change.interface} of "
                f"queue {change.queue} ({reply.message})"
            )


def _forgot(client: AmiClient, change: MemberChange, reply: Reply) -> None:
    if reply.ok or reply.message.startswith(NOT_DELETED):
        return  # deleted, or gone already (logged out meanwhile)
    raise TargetError(
        f"{client.name} could not forget the session of agent {change.agent} "
        f"({reply.message}); run apply again"
    )


def _member_actions(change: MemberChange) -> list[Action]:
    if change.action == "forget":
        return [Action("DBDel", (("Family", f), ("Key", k))) for f, k in change.keys]
    return [_member_action(change)]


def _member_action(change: MemberChange) -> Action:
    headers = (("Queue", change.queue), ("Interface", change.interface))
    if change.action == "remove":
        return Action("QueueRemove", headers)
    return Action("QueuePenalty", (*headers, ("Penalty", str(change.penalty))))


def _member_gone(message: str) -> bool:
    """The member is no longer there (logged out meanwhile): nothing left to change."""
    return "Not there" in message or message.startswith("Invalid interface")
