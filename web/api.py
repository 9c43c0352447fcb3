"""The JSON API and the event stream of the HTTP service (docs/web-api.md).

Routes are listed explicitly in ``routes()``; each handler checks who is asking
(``web.http.who``), reads its body, runs the runtime's rule on a worker thread against the
agent's server (``web.backend``) and answers the rule's outcome. The rules are the ones the
feature codes follow (``runtime``): same PIN hashes and lockout, same claim of a phone, same
permissions; a pause or logout asked for while the agent is on a call is held as pending.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from provisioner.model import Agent, PauseReason
from runtime import actions, auth, interfaces
from runtime.astdb import Binding
from runtime.context import Outcome
from runtime.session import log_in
from web.backend import Backend
from web.http import (
    Problem,
    body,
    in_thread,
    log_action,
    outcome_response,
    secure,
    service_of,
    session_of,
    set_session_cookie,
    text_field,
    who,
)
from web.hub import CLOSED
from web.openapi import document
from web.sessions import Principal, cleared_cookie

KEEPALIVE = 15.0  # seconds between comments on an idle event stream


def _user(principal: Principal) -> dict[str, str]:
    return {"kind": principal.kind, "id": principal.id, "name": principal.name}


def _origin(request: Request, principal: Principal | None = None) -> str:
    """Who asked, for the logs and the agent's client logs: ``web:supervisor sophie@10.0.0.9``."""
    peer = request.client.host if request.client else "?"
    return f"web:{principal.label if principal else 'login'}@{peer}"


# -- the web session -------------------------------------------------------------------


async def log_in_session(request: Request) -> Response:
    """POST /api/session {user, pin}: agent number (id or extension) or supervisor id."""
    service = service_of(request)
    data = await body(request)
    user, pin = text_field(data, "user", required=True), text_field(data, "pin", required=True)
    agent = service.agent(user)
    supervisor = service.supervisor(user) if agent is None else None
    if agent is not None:
        backend = _backend(request, agent)
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
    ctx = backend.context(_origin(request))

    def check() -> Outcome | None:
        if auth.locked_out(ctx, checked):
            return Outcome("locked", agent=checked.id, detail=auth.LOCKED)
        return auth.check_user_pin(ctx.for_agent(agent) if agent else ctx, checked, pin)

    refused = await in_thread(request, check)
    if refused is not None:
        log_action(principal, "web login", principal.id, refused)
        return outcome_response(refused)
    session = service.sessions.create(principal)
    log_action(principal, "web login", principal.id, Outcome("ok"))
    response = JSONResponse({"status": "ok", "user": _user(principal), "csrf": session.csrf})
    set_session_cookie(response, request, session)
    return response


async def session_info(request: Request) -> Response:
    """GET /api/session: who is logged in, and the CSRF token of the session."""
    principal = who(request)
    session = session_of(request)
    csrf = session.csrf if session is not None else None
    return JSONResponse({"status": "ok", "user": _user(principal), "csrf": csrf})


async def log_out_session(request: Request) -> Response:
    """DELETE /api/session: end the web session (the agent stays in their queues)."""
    who(request)
    session = session_of(request)
    if session is not None:
        service_of(request).sessions.drop(session.id)
    response = JSONResponse({"status": "ok"})
    response.headers.append("set-cookie", cleared_cookie(secure(request)))
    return response


# -- agents ----------------------------------------------------------------------------


def _backend(request: Request, agent: Agent) -> Backend:
    backend = service_of(request).backend_of(agent.id)
    if backend is None:
        raise Problem(503, "error", f"no Asterisk server of this service serves agent {agent.id}")
    return backend


def _target(request: Request, principal: Principal) -> tuple[Agent, Backend]:
    """The agent of the path, if the principal may see them."""
    name = request.path_params["agent"]
    agent = service_of(request).inventory.agent(name)
    if agent is None:
        raise Problem(404, "unknown_agent", f"no agent {name!r}")
    if not principal.sees(agent):
        raise Problem(403, "not_permitted", f"{principal.label} may not act on agent {agent.id}")
    return agent, _backend(request, agent)


def _row(backend: Backend, agent: Agent) -> dict[str, Any]:
    row = backend.row(agent.id)
    if row is None:
        return {"agent": agent.id, "name": agent.name, "server": backend.server.name, "state": None}
    return row.as_json()


async def list_agents(request: Request) -> Response:
    """GET /api/agents: the live table, as far as the principal may see."""
    principal = who(request)
    service = service_of(request)
    rows = []
    for agent in service.visible(principal.sees):
        backend = service.backend_of(agent.id)
        if backend is not None:
            rows.append(_row(backend, agent))
    return JSONResponse({"agents": rows})


async def one_agent(request: Request) -> Response:
    agent, backend = _target(request, who(request))
    return JSONResponse(_row(backend, agent))


async def phones(request: Request) -> Response:
    """GET /api/agents/{agent}/phones: where the agent may log in now."""
    principal = who(request)
    agent, backend = _target(request, principal)
    ctx = backend.context(_origin(request, principal))
    free = (
        await in_thread(request, lambda: interfaces.phones_free(ctx, agent))
        if agent.hot_desk
        else []
    )
    return JSONResponse(
        {
            "agent": agent.id,
            "hot_desk": agent.hot_desk,
            "phones": [
                {"id": p.id, "extension": p.extension, "name": p.name, "site": p.site} for p in free
            ],
            "interfaces": [] if agent.hot_desk else list(agent.interfaces()),
            "default_interface": None if agent.hot_desk else interfaces.default_kind(agent),
            "choose_interface": agent.permissions.choose_interface,
            "login_paused": agent.login_paused,
        }
    )


def _reason(backend: Backend, text: str) -> PauseReason:
    reason = backend.directory.reason_named(text) or backend.directory.reason(text)
    if reason is None:
        known = ", ".join(r.name for r in backend.directory.inventory.settings.pause_reasons)
        raise Problem(422, "bad_reason", f"unknown pause reason {text!r} (known: {known})")
    return reason


def _binding(backend: Backend, agent: Agent, data: dict[str, Any]) -> Binding:
    directory = backend.directory
    if agent.hot_desk:
        wanted = text_field(data, "phone")
        phone = directory.phone_by_extension(wanted) or directory.phone(wanted) if wanted else None
        if phone is None:
            why = f"no phone {wanted!r} of the agent's server" if wanted else "'phone' is required"
            raise Problem(422, "no_phone", f"agent {agent.id} uses hot desk: {why}")
        return interfaces.hotdesk_binding(phone)
    wanted = text_field(data, "interface") or interfaces.default_kind(agent)
    kind = next((k for k in agent.interfaces() if k == wanted), None)
    if kind is None:
        choices = ", ".join(agent.interfaces())
        raise Problem(
            422, "bad_request", f"interface {wanted!r} is not one of agent {agent.id}'s ({choices})"
        )
    if kind != interfaces.default_kind(agent) and not agent.permissions.choose_interface:
        raise Problem(403, "not_permitted", f"agent {agent.id} may not choose the interface")
    return interfaces.binding_for(directory, agent, kind)


async def log_agent_in(request: Request) -> Response:
    """POST /api/agents/{agent}/login {interface | phone, paused}: the agent themselves."""
    principal = who(request)
    agent, backend = _target(request, principal)
    if principal.kind != "agent":
        raise Problem(
            403, "not_permitted", "only the agent logs in: supervisors log out, pause, unpause"
        )
    data = await body(request)
    binding = _binding(backend, agent, data)
    paused = text_field(data, "paused")
    reason = ""
    if paused:
        chosen = _reason(backend, paused)
        refused = actions.pause_refused(agent, chosen, "agent")
        if refused is not None:
            return outcome_response(refused)
        reason = chosen.name
    ctx = backend.context(_origin(request, principal))

    def work() -> Outcome:
        refused = interfaces.check_reachable(ctx, agent, binding)
        return refused or log_in(ctx, agent, binding, reason)

    return await _finish(request, principal, "login", agent, backend, work)


async def log_agent_out(request: Request) -> Response:
    principal = who(request)
    agent, backend = _target(request, principal)
    await body(request)
    ctx = backend.context(_origin(request, principal))
    actor: actions.Actor = "agent" if principal.kind == "agent" else "supervisor"
    return await _finish(
        request,
        principal,
        "logout",
        agent,
        backend,
        lambda: actions.logout(ctx, agent, actor=actor, defer=True),
    )


async def pause(request: Request) -> Response:
    principal = who(request)
    agent, backend = _target(request, principal)
    data = await body(request)
    reason = _reason(backend, text_field(data, "reason", required=True))
    ctx = backend.context(_origin(request, principal))
    actor: actions.Actor = "agent" if principal.kind == "agent" else "supervisor"
    return await _finish(
        request,
        principal,
        f"pause ({reason.name})",
        agent,
        backend,
        lambda: actions.pause(ctx, agent, reason, actor=actor, defer=True),
    )


async def unpause(request: Request) -> Response:
    principal = who(request)
    agent, backend = _target(request, principal)
    await body(request)
    ctx = backend.context(_origin(request, principal))
    return await _finish(
        request, principal, "unpause", agent, backend, lambda: actions.unpause(ctx, agent)
    )


async def _finish(
    request: Request, principal: Principal, action: str, agent: Agent, backend: Backend, work: Any
) -> Response:
    outcome: Outcome = await in_thread(request, work)
    log_action(principal, action, agent.id, outcome)
    backend.refresh(agent.id)
    return outcome_response(outcome)


# -- the event stream ------------------------------------------------------------------


async def events(request: Request) -> Response:
    """GET /api/events: Server-Sent Events, a ``snapshot`` then one ``agent`` per change."""
    principal = who(request)
    service = service_of(request)
    session = session_of(request)
    visible = {a.id for a in service.visible(principal.sees)}
    subscriber = service.hub.subscribe(visible.__contains__)

    async def stream() -> AsyncIterator[str]:
        try:
            rows = []
            for agent_id in sorted(visible):
                backend = service.backend_of(agent_id)
                agent = service.inventory.agent(agent_id)
                if backend is not None and agent is not None:
                    rows.append(_row(backend, agent))
            yield f"event: snapshot\ndata: {json.dumps(rows, separators=(',', ':'))}\n\n"
            while True:
                try:
                    text = await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE)
                except TimeoutError:
                    if (
                        session is not None
                        and service.sessions.get(session.id, touch=False) is None
                    ):
                        yield 'event: expired\ndata: {"status":"unauthenticated"}\n\n'
                        return
                    yield ": keepalive\n\n"
                    continue
                if text == CLOSED:
                    return
                yield text
        finally:
            service.hub.unsubscribe(subscriber)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


# -- the service -----------------------------------------------------------------------


async def health(request: Request) -> Response:
    """GET /api/health: each server's AMI connection, lock channel and table (no secrets)."""
    service = service_of(request)
    servers = {
        name: {
            "ami": backend.ami.connected,
            "ami_logins": backend.ami.logins,
            "lock_channel": backend.locks.up,
            "agents": len(backend.rows()),
        }
        for name, backend in service.backends.items()
    }
    ok = all(s["ami"] for s in servers.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "servers": servers, "streams": service.hub.count},
        status_code=200 if ok else 503,
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(document())


def routes() -> list[Route]:
    return [
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/session", log_in_session, methods=["POST"]),
        Route("/api/session", session_info, methods=["GET"]),
        Route("/api/session", log_out_session, methods=["DELETE"]),
        Route("/api/agents", list_agents, methods=["GET"]),
        Route("/api/agents/{agent}", one_agent, methods=["GET"]),
        Route("/api/agents/{agent}/phones", phones, methods=["GET"]),
        Route("/api/agents/{agent}/login", log_agent_in, methods=["POST"]),
        Route("/api/agents/{agent}/logout", log_agent_out, methods=["POST"]),
        Route("/api/agents/{agent}/pause", pause, methods=["POST"]),
        Route("/api/agents/{agent}/unpause", unpause, methods=["POST"]),
        Route("/api/events", events, methods=["GET"]),
    ]
