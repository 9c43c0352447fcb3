"""pause: with a reason code (feature code suffix or prompted), in all the agent's queues."""

from __future__ import annotations

from agi import queues
from agi.astdb import agent_family
from agi.auth import caller_agent
from agi.context import Call, Outcome


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    if not agent.permissions.pause:
        call.trace(agent, "pause refused: not permitted")
        return Outcome("not_permitted", agent=agent.id)
    code = call.request.value("reason")
    if not code:
        code = call.channel.get_data(
            call.options.prompts.pause_reason, call.options.digit_timeout_ms, 2
        )
    reason = call.directory.reason(code)
    if reason is None:
        call.trace(agent, f"pause refused: unknown reason code {code!r}")
        return Outcome("bad_reason", agent=agent.id)
    allowed = agent.permissions.pause_reasons
    if allowed is not None and reason.name not in allowed:
        call.trace(agent, f"pause refused: reason {reason.name} not permitted")
        return Outcome("not_permitted", agent=agent.id, reason=reason.name)
    status = queues.pause_all(call.channel, agent.id, reason.name)
    call.trace(agent, f"PauseQueueMember {reason.name}: {status}")
    if status == "NOTFOUND":
        return Outcome("not_logged_in", agent=agent.id)
    if status != "PAUSED":
        return Outcome("error", agent=agent.id)
    call.channel.database_put(agent_family(agent.id), "paused", reason.name)
    prompts = (call.options.prompts.paused,)
    return Outcome("ok", agent=agent.id, reason=reason.name, prompts=prompts)
