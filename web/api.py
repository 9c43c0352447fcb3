"""The JSON API and the event stream of the HTTP service (docs/web-api.md).

Routes are listed explicitly in ``routes()``; each handler checks who is asking
(``web.http.who``), reads its body and answers the outcome of the operation
(``web.operations``, shared with the pages), which runs the runtime's rule on a worker thread
against the agent's server. The rules are the ones the
feature codes follow (``runtime``): same PIN hashes and lockout, same claim of a phone, same
permissions; a pause or logout asked for while the agent is on a call is held as pending.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from runtime.context import Outcome
from web import operations
from web.http import (
    body,
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


# -- the web session -------------------------------------------------------------------


async def log_in_session(request: Request) -> Response:
    """POST /api/session {user, pin}: agent number (id or extension) or supervisor id."""
    data = await body(request)
    user, pin = text_field(data, "user", required=True), text_field(data, "pin", required=True)
    principal = await operations.sign_in(request, user, pin)
    if isinstance(principal, Outcome):
        return outcome_response(principal)
    session = service_of(request).sessions.create(principal)
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


async def list_agents(request: Request) -> Response:
    """GET /api/agents: the live table, as far as the principal may see."""
    return JSONResponse({"agents": operations.visible_rows(request, who(request))})


async def one_agent(request: Request) -> Response:
    agent, backend = operations.target(request, who(request), request.path_params["agent"])
    return JSONResponse(operations.row(backend, agent))


async def phones(request: Request) -> Response:
    """GET /api/agents/{agent}/phones: where the agent may log in now."""
    found = await operations.choices(request, who(request), request.path_params["agent"])
    return JSONResponse(found.as_json())


async def log_agent_in(request: Request) -> Response:
    """POST /api/agents/{agent}/login {interface | phone, paused}: the agent themselves."""
    principal = who(request)
    data = await body(request)
    outcome = await operations.log_in(
        request,
        principal,
        request.path_params["agent"],
        phone=text_field(data, "phone"),
        interface=text_field(data, "interface"),
        paused=text_field(data, "paused"),
    )
    return outcome_response(outcome)


async def log_agent_out(request: Request) -> Response:
    principal = who(request)
    await body(request)
    return outcome_response(
        await operations.log_out(request, principal, request.path_params["agent"])
    )


async def pause(request: Request) -> Response:
    principal = who(request)
    reason = text_field(await body(request), "reason", required=True)
    return outcome_response(
        await operations.pause(request, principal, request.path_params["agent"], reason)
    )


async def unpause(request: Request) -> Response:
    principal = who(request)
    await body(request)
    return outcome_response(
        await operations.unpause(request, principal, request.path_params["agent"])
    )


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
                    rows.append(operations.row(backend, agent))
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
