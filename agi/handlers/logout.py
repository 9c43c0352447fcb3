"""logout: leave every queue, clear the session, free the phone it worked at."""

from __future__ import annotations

from agi.auth import caller_agent
from agi.context import Call, Outcome
from agi.session import log_out


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    if not agent.permissions.logout:
        call.trace(agent, "logout refused: not permitted")
        return Outcome("not_permitted", agent=agent.id)
    if not log_out(call, agent):
        return Outcome("not_logged_in", agent=agent.id)
    return Outcome("ok", agent=agent.id, prompts=(call.options.prompts.logged_out,))
