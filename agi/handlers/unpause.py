"""unpause: in all the agent's queues."""

from __future__ import annotations

from agi import queues
from agi.astdb import agent_family
from agi.auth import caller_agent
from agi.context import Call, Outcome


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    status = queues.unpause_all(call.channel, agent.id)
    call.trace(agent, f"UnpauseQueueMember: {status}")
    if status == "NOTFOUND":
        return Outcome("not_logged_in", agent=agent.id)
    if status != "UNPAUSED":
        return Outcome("error", agent=agent.id)
    call.channel.database_del(agent_family(agent.id), "paused")
    return Outcome("ok", agent=agent.id, prompts=(call.options.prompts.unpaused,))
