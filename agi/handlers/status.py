"""status: tells the agent whether they are logged in, where, and whether paused."""

from __future__ import annotations

from agi.astdb import read_session
from agi.auth import caller_agent
from agi.context import Call, Outcome


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    call.channel.answer()
    session = read_session(call.channel, agent.id, full=True)
    prompts = call.options.prompts
    if not session.logged_in:
        call.trace(agent, "status: not logged in")
        return Outcome("not_logged_in", agent=agent.id)
    call.trace(agent, f"status: logged in on {session.interface}, paused={session.paused or 'no'}")
    said = (prompts.logged_in, prompts.paused if session.paused else prompts.unpaused)
    return Outcome(
        "ok", agent=agent.id, interface=session.interface, reason=session.paused, prompts=said
    )
