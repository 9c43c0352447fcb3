"""app_queue membership of an agent, through the port (statuses in app_queue's words)."""

from __future__ import annotations

from runtime.port import Asterisk, Member

MEMBER_CONTEXT = "gitops-agents"


def member_interface(agent_id: str) -> str:
    """The queue member interface of an agent (runtime contract: a Local channel)."""
    return f"Local/{agent_id}@{MEMBER_CONTEXT}"


def agent_of(interface: str) -> str:
    """The agent id of a member interface ``Local/<id>@gitops-agents`` ("" for others).
    app_queue compares interfaces ignoring case; so does this."""
    tech, _, rest = interface.partition("/")
    agent, _, context = rest.partition("@")
    if tech.lower() != "local" or context.lower() != MEMBER_CONTEXT:
        return ""
    return agent


def join(
    port: Asterisk,
    queue: str,
    agent_id: str,
    name: str,
    penalty: int,
    device: str,
    paused_reason: str = "",
) -> str:
    """Add the agent (paused with ``paused_reason`` when given, in the same step); returns
    ADDED, MEMBERALREADY, NOSUCHQUEUE..."""
    member = Member(member_interface(agent_id), name, penalty, device, paused_reason)
    return port.add_member(queue, member)


def leave(port: Asterisk, queue: str, agent_id: str) -> str:
    """Returns REMOVED, NOTINQUEUE, NOSUCHQUEUE."""
    return port.remove_member(queue, member_interface(agent_id))


def pause_all(port: Asterisk, agent_id: str, reason: str) -> str:
    """Pause in every queue the agent is in; returns PAUSED or NOTFOUND."""
    return port.pause_member(member_interface(agent_id), reason)


def unpause_all(port: Asterisk, agent_id: str) -> str:
    """Unpause everywhere; returns UNPAUSED or NOTFOUND."""
    return port.unpause_member(member_interface(agent_id))


def member_list(port: Asterisk, queue: str) -> str:
    """``QUEUE_MEMBER_LIST(queue)``: the member interfaces, comma-separated."""
    return port.function(f"QUEUE_MEMBER_LIST({queue})")
