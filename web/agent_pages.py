"""The agent's page (docs/web-panel.md): logging in (where calls ring, or a free phone),
then their state, pause reasons, unpause and log out. Every post answers with a redirect to
the page (post/redirect/get), which shows the outcome once (the session's notice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime.context import Outcome
from web import operations, panel
from web.http import Problem, service_of
from web.render import page, posted, redirect, render, session_for
from web.sessions import Notice, Principal, WebSession

AGENT_ACTIONS = ("login", "pause", "unpause", "logout")


async def _context(request: Request, session: WebSession) -> dict[str, Any]:
    principal = session.principal
    agent, backend = operations.target(request, principal, principal.id)
    row = operations.row(backend, agent)
    logged_out = row["state"] in ("logged_out", None)
    found = await operations.choices(request, principal, agent.id) if logged_out else None
    inventory = service_of(request).inventory
    return {
        "user": principal,
        "csrf": session.csrf,
        "agent": agent,
        "row": row,
        "rows": panel.rows_json([row]),
        "choices": found,
        "reasons": operations.pause_reasons(backend, agent, principal),
        "choice_label": lambda kind: panel.choice_label(inventory, agent, kind),
        "where": panel.where(inventory, row),
        "state_text": panel.state_text(row),
        "pending": panel.pending_text(row.get("pending")),
    }


@page
async def show(request: Request) -> Response:
    session = session_for(request, "agent")
    shown, session.notice = session.notice, None
    context = await _context(request, session)
    return render(request, "agent.html", notice=shown, **context)


@page
async def live(request: Request) -> Response:
    session = session_for(request, "agent", touch=False)
    return render(request, "agent_live.html", **await _context(request, session))


@page
async def act(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in AGENT_ACTIONS:
        raise Problem(404, "not_found", f"no such action {action!r}")
    session, form = await posted(request, "agent")
    principal = session.principal
    try:
        outcome, done = await _agent_action(request, principal, action, form)
        session.notice = panel.notice(outcome, done, "You are")
    except Problem as e:
        session.notice = panel.refused(e.detail)
    return redirect("/agent")


async def _agent_action(
    request: Request, principal: Principal, action: str, form: Mapping[str, str]
) -> tuple[Outcome, str]:
    me = principal.id
    if action == "login":
        outcome = await operations.log_in(
            request,
            principal,
            me,
            phone=form.get("phone", ""),
            interface=form.get("interface", ""),
            paused=form.get("paused", ""),
        )
        return outcome, "Logged in."
    if action == "pause":
        outcome = await operations.pause(request, principal, me, form.get("reason", ""))
        return outcome, f"Paused: {outcome.reason}."
    if action == "unpause":
        return await operations.unpause(request, principal, me), "Available again."
    return await operations.log_out(request, principal, me), "Logged out of your queues."


async def log_in_if_one_choice(request: Request, principal: Principal) -> Notice | None:
    """Hot desk off, logged out, one place to be rung: the choice screen is skipped."""
    agent, backend = operations.target(request, principal, principal.id)
    row = backend.row(agent.id)
    if agent.hot_desk or row is None or row.state != "logged_out":
        return None
    found = await operations.choices(request, principal, agent.id)
    if len(found.interfaces) != 1:
        return None
    kind = found.interfaces[0]
    outcome = await operations.log_in(request, principal, agent.id, interface=kind)
    label = panel.choice_label(service_of(request).inventory, agent, kind)
    return panel.notice(outcome, f"Logged in: calls ring at {label[:1].lower()}{label[1:]}.")
