"""unpause: in all the agent's queues."""

from __future__ import annotations

from agi.context import Call, Outcome
from agi.identify import caller_agent
from runtime import actions


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    done = actions.unpause(call.ctx, agent)
    return Outcome.of(done, (call.options.prompts.unpaused,) if done.status == "ok" else ())
