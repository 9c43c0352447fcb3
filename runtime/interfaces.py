"""Where a logging-in agent will be rung, and whether that phone can ring at all."""

from __future__ import annotations

from provisioner.model import Agent, InterfaceKind, Phone
from runtime.astdb import Binding
from runtime.claim import live_holder
from runtime.context import Context, Outcome
from runtime.directory import Directory


def binding_for(directory: Directory, agent: Agent, kind: InterfaceKind) -> Binding:
    """The agent's interface ``kind`` (hot desk off); one the agent lacks is internal."""
    if kind == "phone" and agent.phone is not None:
        return Binding("phone", f"PJSIP/{agent.phone}", f"PJSIP/{agent.phone}", agent.phone)
    if kind == "mobile" and agent.mobile is not None:
        context = directory.inventory.settings.outbound_context
        return Binding("mobile", f"Local/{agent.mobile}@{context}", "")
    return Binding("internal", f"PJSIP/{agent.id}", f"PJSIP/{agent.id}")


def hotdesk_binding(phone: Phone) -> Binding:
    device = f"PJSIP/{phone.id}"
    return Binding("hotdesk", device, device, phone.id)


def default_kind(agent: Agent) -> InterfaceKind:
    """Where the agent is rung when logging in without choosing (hot desk off)."""
    return agent.default_interface if agent.default_interface in agent.interfaces() else "internal"


def registered(ctx: Context, phone_id: str) -> bool:
    """Whether the phone is registered and reachable (``PJSIP_DIAL_CONTACTS`` not empty,
    which is false for a registered phone that does not answer qualify)."""
    return bool(ctx.port.function(f"PJSIP_DIAL_CONTACTS({phone_id})").strip())


def check_reachable(ctx: Context, agent: Agent, binding: Binding) -> Outcome | None:
    """A login at a phone (hot desk or interface 2, the assigned phone) needs the phone
    registered and reachable: else ``phone_not_registered`` (the agent would get no call)."""
    if not binding.phone or registered(ctx, binding.phone):
        return None
    ctx.trace(agent, f"phone {binding.phone} is not registered or not reachable", "warning")
    return Outcome(
        "phone_not_registered",
        agent=agent.id,
        detail=f"phone {binding.phone} is not registered or not reachable",
    )


def phones_free(ctx: Context, agent: Agent) -> list[Phone]:
    """Phones the agent may log in at now (hot desk): inventory phones of the agent's server
    (the directory is one server's part), registered and reachable, and not held by another
    live agent."""
    found: list[Phone] = []
    for phone in ctx.directory.inventory.phones:
        holder = live_holder(ctx.port, phone.id)
        if holder and holder != agent.id and ctx.directory.agent(holder) is not None:
            continue
        if registered(ctx, phone.id):
            found.append(phone)
    return found
