"""Where a logging-in agent will be rung: hot-desk phone or the interface menu."""

from __future__ import annotations

from agi.astdb import Binding
from agi.context import Call, Outcome
from provisioner.model import Agent, InterfaceKind, Phone

MENU: dict[str, InterfaceKind] = {"1": "internal", "2": "phone", "3": "mobile"}


def binding_for(call: Call, agent: Agent, kind: InterfaceKind) -> Binding:
    if kind == "phone" and agent.phone is not None:
        return Binding("phone", f"PJSIP/{agent.phone}", f"PJSIP/{agent.phone}", agent.phone)
    if kind == "mobile" and agent.mobile is not None:
        context = call.directory.inventory.settings.outbound_context
        return Binding("mobile", f"Local/{agent.mobile}@{context}", "")
    return Binding("internal", f"PJSIP/{agent.id}", f"PJSIP/{agent.id}")


def choose_interface(call: Call, agent: Agent) -> Binding:
    """Hot desk off: 1 internal, 2 phone, 3 mobile; on timeout the agent's default_interface
    (the inventory's "where the agent is rung when logging in without choosing")."""
    choices = agent.interfaces()
    default = agent.default_interface if agent.default_interface in choices else "internal"
    if len(choices) == 1 or not agent.permissions.choose_interface:
        return binding_for(call, agent, default)
    digit = call.channel.get_data(
        call.options.prompts.interface_menu, call.options.digit_timeout_ms, 1
    )
    kind = MENU.get(digit, "internal") if digit else default
    chosen = kind if kind in choices else "internal"
    call.trace(agent, f"interface menu: keyed {digit or 'nothing'}, using {chosen}")
    return binding_for(call, agent, chosen)


def hotdesk_phone(call: Call, agent: Agent) -> Phone | Outcome:
    """Hot desk on: the phone dialled from, or the phone whose extension the agent keys in."""
    keyed = call.request.value("phone")
    endpoint = call.request.endpoint
    here = call.directory.phone(endpoint) if endpoint else None
    if not keyed and here is None:
        keyed = call.channel.get_data(
            call.options.prompts.phone_extension, call.options.digit_timeout_ms, 10
        )
    phone = call.directory.phone_by_extension(keyed) if keyed else here
    if phone is None:
        call.trace(agent, f"no inventory phone (keyed {keyed!r}, channel {endpoint})")
        return Outcome("no_phone", agent=agent.id)
    contacts = call.channel.get_full_variable(f"${{PJSIP_DIAL_CONTACTS({phone.id})}}")
    if not contacts.strip():
        call.trace(agent, f"phone {phone.id} is not registered or not reachable")
        return Outcome("phone_not_registered", agent=agent.id)
    return phone
