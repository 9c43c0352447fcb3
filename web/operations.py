"""What a user of the service does, whichever way they ask: the JSON API (``web.api``) or the
pages (``web.pages``).

Each operation checks that the principal may see the agent, runs the runtime's rule on a
worker thread against the agent's server (``web.backend``) and returns the rule's
``Outcome``; input that names nothing valid is a ``Problem``. The rules themselves (PINs and
lockout, the claim of a phone, permissions, pending requests) are the runtime's, the same
ones the feature codes follow: nothing here decides about an agent's session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from provisioner.model import Agent, InterfaceKind, PauseReason, Phone
from runtime import actions, auth, interfaces
from runtime.astdb import Binding
from runtime.context import Outcome
from runtime.session import log_in as log_in_at
from web.backend import Backend
from web.http import Problem, in_thread, log_action, service_of
from web.sessions import Principal


def origin(request: Request, principal: Principal | None = None) -> str:
    """Who asked, for the logs and the agent's client logs: ``web:supervisor sophie@10.0.0.9``."""
    peer = request.client.host if request.client else "?"
    return f"web:{principal.label if principal else 'login'}@{peer}"


def actor(principal: Principal) -> actions.Actor:
    return "agent" if principal.kind == "agent" else "supervisor"


# -- signing in ------------------------------------------------------------------------


async def sign_in(request: Request, user: str, pin: str) -> Principal | Outcome:
    """The principal of agent number (id or extension) or supervisor id ``user`` if ``pin``
    is theirs; else the refusal (``bad_pin`` with the tries left, ``locked`` with its end)."""
    service = service_of(request)
    agent = service.agent(user)
    supervisor = service.supervisor(user) if agent is None else None
    if agent is not None:
        backend = backend_of(request, agent)
        checked = auth.User.of(agent)
        principal = Principal("agent", agent.id, agent.name)
    elif supervisor is not None:
        home = service.home_of(supervisor)
        if home is None:
            raise Problem(503, "error", "no Asterisk server is served: the PIN cannot be checked")
        backend, checked = home, auth.User(supervisor.id, supervisor.pin_hash)
        principal = Principal("supervisor", supervisor.id, supervisor.name, supervisor.scope)
    else:
        raise Problem(401, "unknown_agent", f"no agent or supervisor {user!r}")
    ctx = backend.context(origin(request))

    def check() -> Outcome | None:
        refused = auth.lockout(ctx, checked)
        if refused is not None:
            return refused
        return auth.check_user_pin(ctx.for_agent(agent) if agent else ctx, checked, pin)

    refused = await in_thread(request, check)
    log_action(principal, "web login", principal.id, refused or Outcome("ok"))
    return refused or principal


# -- the agents ------------------------------------------------------------------------


def backend_of(request: Request, agent: Agent) -> Backend:
    backend = service_of(request).backend_of(agent.id)
    if backend is None:
        raise Problem(503, "error", f"no Asterisk server of this service serves agent {agent.id}")
    return backend


def target(request: Request, principal: Principal, name: str) -> tuple[Agent, Backend]:
    """Agent ``name`` (id) and their server's backend, if the principal may see them."""
    agent = service_of(request).inventory.agent(name)
    if agent is None:
        raise Problem(404, "unknown_agent", f"no agent {name!r}")
    if not principal.sees(agent):
        raise Problem(403, "not_permitted", f"{principal.label} may not act on agent {agent.id}")
    return agent, backend_of(request, agent)


def row(backend: Backend, agent: Agent) -> dict[str, Any]:
    """The agent's live row (``state`` None until the server has been read once)."""
    found = backend.row(agent.id)
    if found is None:
        return {"agent": agent.id, "name": agent.name, "server": backend.server.name, "state": None}
    return found.as_json()


def visible_rows(request: Request, principal: Principal) -> list[dict[str, Any]]:
    """The live table, as far as the principal may see, in inventory order."""
    service = service_of(request)
    rows = []
    for agent in service.visible(principal.sees):
        backend = service.backend_of(agent.id)
        if backend is not None:
            rows.append(row(backend, agent))
    return rows


def pause_reasons(backend: Backend, agent: Agent, principal: Principal) -> list[PauseReason]:
    """The reasons the principal may pause the agent for (the runtime's permission rule)."""
    reasons = backend.directory.inventory.settings.pause_reasons
    return actions.reasons_for(agent, reasons, actor(principal))


@dataclass(frozen=True)
class Choices:
    """Where the agent may log in now, and the pause reasons the asker may use for them."""

    agent: Agent
    phones: tuple[Phone, ...]  # hot desk: registered, reachable, free
    interfaces: tuple[InterfaceKind, ...]  # hot desk off: usable now
    reasons: tuple[PauseReason, ...]

    @property
    def default_interface(self) -> InterfaceKind | None:
        return None if self.agent.hot_desk else interfaces.default_kind(self.agent)

    def as_json(self) -> dict[str, Any]:
        agent = self.agent
        return {
            "agent": agent.id,
            "hot_desk": agent.hot_desk,
            "phones": [
                {"id": p.id, "extension": p.extension, "name": p.name, "site": p.site}
                for p in self.phones
            ],
            "interfaces": list(self.interfaces),
            "default_interface": self.default_interface,
            "choose_interface": agent.permissions.choose_interface,
            "login_paused": agent.login_paused,
            "pause_reasons": [
                {"code": r.code, "name": r.name, "description": r.description} for r in self.reasons
            ],
        }


async def choices(request: Request, principal: Principal, name: str) -> Choices:
    agent, backend = target(request, principal, name)
    ctx = backend.context(origin(request, principal))

    def read() -> tuple[tuple[Phone, ...], tuple[InterfaceKind, ...]]:
        if agent.hot_desk:
            return tuple(interfaces.phones_free(ctx, agent)), ()
        return (), interfaces.interfaces_now(ctx, agent)

    phones, kinds = await in_thread(request, read)
    return Choices(agent, phones, kinds, tuple(pause_reasons(backend, agent, principal)))


def reason_of(backend: Backend, text: str) -> PauseReason:
    """A pause reason of the inventory by name or code; 422 ``bad_reason`` otherwise."""
    reason = backend.directory.reason_named(text) or backend.directory.reason(text)
    if reason is None:
        known = ", ".join(r.name for r in backend.directory.inventory.settings.pause_reasons)
        raise Problem(422, "bad_reason", f"unknown pause reason {text!r} (known: {known})")
    return reason


def _binding(backend: Backend, agent: Agent, phone: str, interface: str) -> Binding:
    directory = backend.directory
    if agent.hot_desk:
        found = directory.phone_by_extension(phone) or directory.phone(phone) if phone else None
        if found is None:
            why = f"no phone {phone!r} of the agent's server" if phone else "'phone' is required"
            raise Problem(422, "no_phone", f"agent {agent.id} uses hot desk: {why}")
        return interfaces.hotdesk_binding(found)
    wanted = interface or interfaces.default_kind(agent)
    kind = next((k for k in agent.interfaces() if k == wanted), None)
    if kind is None:
        choices = ", ".join(agent.interfaces())
        raise Problem(
            422, "bad_request", f"interface {wanted!r} is not one of agent {agent.id}'s ({choices})"
        )
    if kind != interfaces.default_kind(agent) and not agent.permissions.choose_interface:
        raise Problem(403, "not_permitted", f"agent {agent.id} may not choose the interface")
    return interfaces.binding_for(directory, agent, kind)


async def log_in(
    request: Request,
    principal: Principal,
    name: str,
    *,
    phone: str = "",
    interface: str = "",
    paused: str = "",
) -> Outcome:
    """The agent themselves logs in: at ``phone`` (hot desk) or on ``interface`` (default:
    their default interface), paused for ``paused`` when given."""
    agent, backend = target(request, principal, name)
    if principal.kind != "agent":
        raise Problem(
            403, "not_permitted", "only the agent logs in: supervisors log out, pause, unpause"
        )
    binding = _binding(backend, agent, phone, interface)
    reason = ""
    if paused:
        chosen = reason_of(backend, paused)
        refused = actions.pause_refused(agent, chosen, "agent")
        if refused is not None:
            return refused
        reason = chosen.name
    ctx = backend.context(origin(request, principal))

    def work() -> Outcome:
        refused = interfaces.check_reachable(ctx, agent, binding)
        return refused or log_in_at(ctx, agent, binding, reason)

    return await _run(request, principal, "login", agent, backend, work)


async def log_out(request: Request, principal: Principal, name: str) -> Outcome:
    agent, backend = target(request, principal, name)
    ctx = backend.context(origin(request, principal))
    who = actor(principal)
    return await _run(
        request,
        principal,
        "logout",
        agent,
        backend,
        lambda: actions.logout(ctx, agent, actor=who, defer=True),
    )


async def pause(request: Request, principal: Principal, name: str, reason_text: str) -> Outcome:
    agent, backend = target(request, principal, name)
    if not reason_text:
        raise Problem(400, "bad_request", "'reason' is required")
    reason = reason_of(backend, reason_text)
    ctx = backend.context(origin(request, principal))
    who = actor(principal)
    return await _run(
        request,
        principal,
        f"pause ({reason.name})",
        agent,
        backend,
        lambda: actions.pause(ctx, agent, reason, actor=who, defer=True),
    )


async def unpause(request: Request, principal: Principal, name: str) -> Outcome:
    agent, backend = target(request, principal, name)
    ctx = backend.context(origin(request, principal))
    return await _run(
        request, principal, "unpause", agent, backend, lambda: actions.unpause(ctx, agent)
    )


async def _run(
    request: Request,
    principal: Principal,
    action: str,
    agent: Agent,
    backend: Backend,
    work: Callable[[], Outcome],
) -> Outcome:
    def work_and_read() -> Outcome:
        outcome = work()
        backend.reread(agent.id)
        return outcome

    outcome = await in_thread(request, work_and_read)
    log_action(principal, action, agent.id, outcome)
    return outcome
