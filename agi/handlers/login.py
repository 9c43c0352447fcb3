"""login: identify the agent, pick where they are rung, join their queues (all or nothing).

``login-paused`` (feature code ``*77``, or ``*77N``) is the same login, started paused for
reason N, the agent's ``login_paused`` reason, or the code keyed at the prompt.
"""

from __future__ import annotations

from agi.context import Call, Outcome
from agi.identify import login_agent
from provisioner.model import Agent, InterfaceKind, PauseReason
from runtime import actions, interfaces
from runtime.astdb import Binding
from runtime.session import log_in

MENU: dict[str, InterfaceKind] = {"1": "internal", "2": "phone", "3": "mobile"}


def handle(call: Call) -> Outcome:
    return _login(call, paused=False)


def handle_paused(call: Call) -> Outcome:
    return _login(call, paused=True)


def _login(call: Call, paused: bool) -> Outcome:
    call.channel.answer()
    agent = login_agent(call)
    if isinstance(agent, Outcome):
        return agent
    reason = ""
    if paused:
        chosen = _paused_reason(call, agent)
        if isinstance(chosen, Outcome):
            return chosen
        reason = chosen.name
    if agent.hot_desk:  # login's parameter is the phone; login-paused's the reason
        keyed = call.request.query.get("phone", "") if paused else call.request.value("phone")
        binding = hotdesk_binding(call, agent, keyed.strip())
    else:
        binding = choose_interface(call, agent)
    if isinstance(binding, Outcome):
        return binding
    refused = interfaces.check_reachable(call.ctx, agent, binding)
    if refused is not None:
        return Outcome.of(refused)
    done = log_in(call.ctx, agent, binding, reason)
    return Outcome.of(done, (call.options.prompts.logged_in,) if done.status == "ok" else ())


def _paused_reason(call: Call, agent: Agent) -> PauseReason | Outcome:
    """Reason code N of ``*77N``, else the agent's ``login_paused``, else the prompt."""
    code = call.request.value("reason")
    if not code and agent.login_paused:
        found = call.directory.reason_named(agent.login_paused)
        if found is not None:
            return found
    if not code:
        prompts = call.options.prompts
        code = call.channel.get_data(prompts.pause_reason, call.options.digit_timeout_ms, 2)
    reason = call.directory.reason(code)
    if reason is None:
        call.trace(agent, f"login refused: unknown reason code {code!r}", "warning")
        return Outcome("bad_reason", agent=agent.id)
    refused = actions.pause_refused(agent, reason, "agent")
    return Outcome.of(refused) if refused is not None else reason


def choose_interface(call: Call, agent: Agent) -> Binding:
    """Hot desk off: 1 internal, 2 phone, 3 mobile; on timeout the agent's default_interface
    (the inventory's "where the agent is rung when logging in without choosing")."""
    choices = agent.interfaces()
    default = interfaces.default_kind(agent)
    if len(choices) == 1 or not agent.permissions.choose_interface:
        return interfaces.binding_for(call.directory, agent, default)
    digit = call.channel.get_data(
        call.options.prompts.interface_menu, call.options.digit_timeout_ms, 1
    )
    kind = MENU.get(digit, "internal") if digit else default
    chosen = kind if kind in choices else "internal"
    call.trace(agent, f"interface menu: keyed {digit or 'nothing'}, using {chosen}")
    return interfaces.binding_for(call.directory, agent, chosen)


def hotdesk_binding(call: Call, agent: Agent, keyed: str) -> Binding | Outcome:
    """Hot desk on: the phone given (``keyed``), the phone dialled from, or the phone whose
    extension the agent keys in."""
    endpoint = call.request.endpoint
    here = call.directory.phone(endpoint) if endpoint else None
    if not keyed and here is None:
        keyed = call.channel.get_data(
            call.options.prompts.phone_extension, call.options.digit_timeout_ms, 10
        )
    phone = call.directory.phone_by_extension(keyed) if keyed else here
    if phone is None:
        call.trace(agent, f"no inventory phone (keyed {keyed!r}, channel {endpoint})", "warning")
        return Outcome("no_phone", agent=agent.id)
    return interfaces.hotdesk_binding(phone)
