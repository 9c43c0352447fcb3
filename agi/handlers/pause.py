"""pause: with a reason code (feature code suffix or prompted), in all the agent's queues."""

from __future__ import annotations

from agi.context import Call, Outcome
from agi.identify import caller_agent
from runtime import actions


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    if not agent.permissions.pause:
        call.trace(agent, "pause refused: not permitted", "warning")
        return Outcome("not_permitted", agent=agent.id)
    code = call.request.value("reason")
    if not code:
        code = call.channel.get_data(
            call.options.prompts.pause_reason, call.options.digit_timeout_ms, 2
        )
    reason = call.directory.reason(code)
    if reason is None:
        call.trace(agent, f"pause refused: unknown reason code {code!r}", "warning")
        return Outcome("bad_reason", agent=agent.id)
    done = actions.pause(call.ctx, agent, reason)
    return Outcome.of(done, (call.options.prompts.paused,) if done.status == "ok" else ())
