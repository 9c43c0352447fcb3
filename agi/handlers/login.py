"""login: identify the agent, pick where they are rung, join their queues (all or nothing)."""

from __future__ import annotations

from agi.astdb import Binding
from agi.auth import login_agent
from agi.context import Call, Outcome
from agi.interfaces import choose_interface, hotdesk_phone
from agi.session import log_in


def handle(call: Call) -> Outcome:
    call.channel.answer()
    agent = login_agent(call)
    if isinstance(agent, Outcome):
        return agent
    if agent.hot_desk:
        phone = hotdesk_phone(call, agent)
        if isinstance(phone, Outcome):
            return phone
        device = f"PJSIP/{phone.id}"
        binding = Binding("hotdesk", device, device, phone.id)
    else:
        binding = choose_interface(call, agent)
    return log_in(call, agent, binding)
