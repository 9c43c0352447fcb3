"""app_queue membership through EXEC, checking the status variable each application sets."""

from __future__ import annotations

import logging

from agi.channel import Channel

logger = logging.getLogger(__name__)

MEMBER_CONTEXT = "gitops-agents"


def member_interface(agent_id: str) -> str:
    """The queue member interface of an agent (runtime contract: a Local channel)."""
    return f"Local/{agent_id}@{MEMBER_CONTEXT}"


# app.c's __ast_app_separate_args (AST_STANDARD_APP_ARGS: remove_chars on) splits on commas
# outside "..." and outside an open ( or [ (it counts their depth), drops the quotes and takes
# the character after a backslash literally. Unescaped, "Ann (Paris" would keep the split off
# until the end and swallow the state interface into the member name. So a free-text argument
# has every such character backslash-escaped, and commas become blanks (a member name's
# documented form). protocol.quote then doubles the backslashes for res_agi's own parsing.
_APP_TEXT = str.maketrans({",": " "} | {c: "\\" + c for c in '\\"()[]'})


def _arg(text: str) -> str:
    """Free text (member name, pause reason) as one argument app.c reads back literally."""
    return text.translate(_APP_TEXT)


def join(channel: Channel, queue: str, agent_id: str, name: str, penalty: int, device: str) -> str:
    """AddQueueMember; returns AQMSTATUS (ADDED, MEMBERALREADY, NOSUCHQUEUE, ...)."""
    args = [queue, member_interface(agent_id), str(penalty), "", _arg(name), device]
    channel.exec_app("AddQueueMember", args)
    return channel.get_variable("AQMSTATUS")


def leave(channel: Channel, queue: str, agent_id: str) -> str:
    """RemoveQueueMember; returns RQMSTATUS (REMOVED, NOTINQUEUE, NOSUCHQUEUE)."""
    channel.exec_app("RemoveQueueMember", [queue, member_interface(agent_id)])
    return channel.get_variable("RQMSTATUS")


def pause_all(channel: Channel, agent_id: str, reason: str) -> str:
    """PauseQueueMember in every queue the agent is in; returns PQMSTATUS (PAUSED, NOTFOUND)."""
    channel.exec_app("PauseQueueMember", ["", member_interface(agent_id), "", _arg(reason)])
    return channel.get_variable("PQMSTATUS")


def unpause_all(channel: Channel, agent_id: str) -> str:
    """UnpauseQueueMember everywhere; returns UPQMSTATUS (UNPAUSED, NOTFOUND)."""
    channel.exec_app("UnpauseQueueMember", ["", member_interface(agent_id)])
    return channel.get_variable("UPQMSTATUS")
