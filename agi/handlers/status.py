"""status: says whether the agent is logged in, where, and whether paused, for what reason
and for how long (stock sounds for numbers and units, shipped prompts for the rest)."""

from __future__ import annotations

from agi.context import Call, Outcome, Prompts
from agi.identify import caller_agent
from agi.numbers import digits, duration, number
from runtime import actions


def handle(call: Call) -> Outcome:
    agent = caller_agent(call)
    if agent is None:
        return Outcome("unknown_agent")
    call.channel.answer()
    found = actions.status(call.ctx, agent)
    session = found.session
    if not found.logged_in:
        call.trace(agent, "status: not logged in")
        return Outcome("not_logged_in", agent=agent.id)
    paused_for = found.paused_for(call.now())
    said = f", paused: {session.paused} for {paused_for} s" if session.paused else ""
    call.trace(agent, f"status: logged in on {session.interface}{said}")
    spoken = speech(call.options.prompts, found, paused_for, call)
    return Outcome(
        "ok", agent=agent.id, interface=session.interface, reason=session.paused, prompts=spoken
    )


def speech(prompts: Prompts, found: actions.Status, paused_for: int, call: Call) -> tuple[str, ...]:
    """Logged in; where (this line, phone <extension>, mobile); paused for reason <code> for
    <duration>, or available."""
    session = found.session
    said: list[str] = [prompts.logged_in]
    if session.interface in ("phone", "hotdesk"):
        said += [prompts.at_phone, *digits(found.phone_extension)]
    elif session.interface == "mobile":
        said.append(prompts.on_mobile)
    else:
        said.append(prompts.on_internal)
    if not session.paused:
        return (*said, prompts.available)
    said.append(prompts.paused)
    reason = call.directory.reason_named(session.paused)
    if reason is not None:
        said += [prompts.reason, *number(reason.code)]
    if session.paused_since:
        said += [prompts.for_, *duration(paused_for, prompts)]
    return tuple(said)
