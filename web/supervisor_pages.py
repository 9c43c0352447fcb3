"""The supervisor's page (docs/web-panel.md): the live table of their agents with counts per
queue and a filter, and forced logout, pause or unpause after a confirmation page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from web import operations, panel
from web.http import Problem, service_of
from web.render import page, posted, redirect, render, session_for
from web.sessions import WebSession

ACTIONS = ("pause", "unpause", "logout")  # what a supervisor does to an agent


def _context(request: Request, session: WebSession) -> dict[str, Any]:
    service = service_of(request)
    principal = session.principal
    agents = []
    for agent in service.visible(principal.sees):
        backend = service.backend_of(agent.id)
        if backend is not None:
            agents.append((agent, operations.row(backend, agent)))
    queues = sorted({q for agent, _ in agents for q in panel.queues_of(agent)})
    chosen = panel.Filter.of(request.query_params, queues)
    inventory = service.inventory
    shown = [
        {
            "agent": agent,
            "row": row,
            "where": panel.where(inventory, row) if row.get("interface") else "",
            "confirm": "/supervisor/confirm?" + urlencode({"agent": agent.id, **chosen.query}),
            "pending": panel.pending_text(row.get("pending")),
        }
        for agent, row in agents
        if chosen.keeps(agent, row)
    ]
    return {
        "user": principal,
        "csrf": session.csrf,
        "queues": queues,
        "filter": chosen,
        "query": urlencode(chosen.query),
        "counts": panel.counts(agents),
        "shown": shown,
        "rows": panel.rows_json(row for _, row in agents),
    }


@page
async def show(request: Request) -> Response:
    session = session_for(request, "supervisor")
    shown, session.notice = session.notice, None
    context = _context(request, session)
    return render(request, "supervisor.html", notice=shown, **context)


@page
async def live(request: Request) -> Response:
    session = session_for(request, "supervisor", touch=False)
    return render(request, "supervisor_live.html", **_context(request, session))


@page
async def confirm(request: Request) -> Response:
    """Confirm a forced logout, pause (with its reason) or unpause of one agent."""
    session = session_for(request, "supervisor")
    query = request.query_params
    action = query.get("action", "")
    if action not in ACTIONS:
        raise Problem(400, "bad_request", f"no such action {action!r}")
    agent, backend = operations.target(request, session.principal, query.get("agent", ""))
    row = operations.row(backend, agent)
    back = {k: query[k] for k in ("queue", "state") if query.get(k)}
    return render(
        request,
        "confirm.html",
        user=session.principal,
        csrf=session.csrf,
        agent=agent,
        action=action,
        row=row,
        state_text=panel.state_text(row),
        pending=panel.pending_text(row.get("pending")),
        where=panel.where(service_of(request).inventory, row) if row.get("interface") else "",
        reasons=operations.pause_reasons(backend, agent, session.principal),
        back=back,
        back_url="/supervisor" + (f"?{urlencode(back)}" if back else ""),
    )


@page
async def act(request: Request) -> Response:
    session, form = await posted(request, "supervisor")
    principal, action, name = session.principal, form.get("action", ""), form.get("agent", "")
    back = panel.Filter(form.get("queue", ""), form.get("state", "")).query
    try:
        agent, _ = operations.target(request, principal, name)
        if action == "pause":
            outcome = await operations.pause(request, principal, name, form.get("reason", ""))
            done = f"{agent.name} is paused ({outcome.reason})."
        elif action == "unpause":
            outcome = await operations.unpause(request, principal, name)
            done = f"{agent.name} is available again."
        elif action == "logout":
            outcome = await operations.log_out(request, principal, name)
            done = f"{agent.name} is logged out."
        else:
            raise Problem(400, "bad_request", f"no such action {action!r}")
        session.notice = panel.notice(outcome, done, f"{agent.name} is")
    except Problem as e:
        session.notice = panel.refused(e.detail)
    return redirect("/supervisor" + (f"?{urlencode(back)}" if back else ""))
