"""The web panel (docs/web-panel.md): server-rendered pages for agents and supervisors on the
operations of the API (``web.operations``), with the same sessions.

Forms are plain HTML posts carrying the session's CSRF token in a hidden ``csrf`` field (the
API takes it in ``X-CSRF-Token``; a form cannot set a header): without it, or with another,
the post is refused with 403 and nothing is done. Every post answers with a redirect to its
page (post/redirect/get), which shows the outcome once (the session's notice). The live parts
of a page (``id="live"``) are rendered again by ``/agent/live`` and ``/supervisor/live``
when ``static/panel.js`` sees a change on the event stream; those refreshes do not keep a
session alive. Every asset is served here (``/static``): the pages make no other request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from runtime.context import Outcome
from web import operations, panel
from web.http import Problem, secure, service_of, session_of, set_session_cookie
from web.sessions import Notice, Principal, WebSession, cleared_cookie

HERE = Path(__file__).parent
FORM_LIMIT = 16 * 1024  # bytes: the panel's forms are a few fields
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
WHY = {  # the sign-in page's reasons for being shown (never free text from the URL)
    "expired": "Your session expired: sign in again.",
    "signed_out": "You are signed out.",
}
ACTIONS = ("pause", "unpause", "logout")  # what a supervisor does to an agent
AGENT_ACTIONS = ("login", *ACTIONS)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(duration=panel.duration, sentence=panel.sentence)
    env.globals.update(clock=panel.clock, states=panel.STATE_LABELS)
    return env


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.templates
    context.setdefault("user", None)
    context.setdefault("csrf", "")
    context.setdefault("notice", None)
    html = env.get_template(name).render(now=int(time.time()), **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


class SignInFirst(Exception):
    """No live session: to the sign-in page (saying the session expired if it did)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in first")
        self.expired = expired


def _session(request: Request, kind: str, *, touch: bool = True) -> WebSession:
    session = session_of(request, touch=touch)
    if session is None:
        raise SignInFirst(expired=bool(request.cookies.get("gitops_session")))
    if session.principal.kind != kind:
        raise Problem(403, "not_permitted", f"this page is for a {kind}: go to the start page")
    return session


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > FORM_LIMIT:
        raise Problem(413, "bad_request", "the form is too large")
    fields = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0].strip() for key, values in fields.items()}


async def _posted(request: Request, kind: str) -> tuple[WebSession, dict[str, str]]:
    """A form post of a live session of ``kind`` carrying its CSRF token; 403 otherwise."""
    session = _session(request, kind)
    form = await _form(request)
    if not session.csrf_ok(form.get("csrf", "")):
        raise Problem(403, "csrf", "the form did not carry this session's security token")
    return session, form


Handler = Callable[[Request], Awaitable[Response]]


def page(handler: Handler) -> Handler:
    """Refusals of a page route as pages: sign in first, or an error page with the code."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except SignInFirst as e:
            return _redirect("/signin?why=expired" if e.expired else "/signin")
        except Problem as e:
            session = session_of(request, touch=False)
            if session is None:
                return _render(request, "error.html", e.code, problem=e)
            user, csrf = session.principal, session.csrf
            return _render(request, "error.html", e.code, problem=e, user=user, csrf=csrf)

    return wrapped


# -- signing in and out ----------------------------------------------------------------


@page
async def home(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return _redirect("/signin")
    return _redirect("/supervisor" if session.principal.kind == "supervisor" else "/agent")


@page
async def signin_page(request: Request) -> Response:
    if session_of(request, touch=False) is not None:
        return _redirect("/")
    message = WHY.get(request.query_params.get("why", ""), "")
    return _render(request, "signin.html", message=message, refused=None, number="")


@page
async def signin(request: Request) -> Response:
    form = await _form(request)
    number, pin = form.get("user", ""), form.get("pin", "")
    found: Principal | Outcome | Problem
    try:
        if not (number and pin):
            raise Problem(400, "bad_request", "enter your number and your PIN")
        found = await operations.sign_in(request, number, pin)
    except Problem as e:
        found = e  # unknown user, no server, empty field: said on the page
    if not isinstance(found, Principal):  # a page saying why (200: not a failed load)
        return _render(request, "signin.html", message="", refused=found, number=number)
    session = service_of(request).sessions.create(found)
    if found.kind == "agent":
        session.notice = await _log_in_if_one_choice(request, found)
    response = _redirect("/")
    set_session_cookie(response, request, session)
    return response


async def _log_in_if_one_choice(request: Request, principal: Principal) -> Notice | None:
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


@page
async def signout(request: Request) -> Response:
    session = session_of(request)
    if session is not None:
        form = await _form(request)
        if not session.csrf_ok(form.get("csrf", "")):
            raise Problem(403, "csrf", "the form did not carry this session's security token")
        service_of(request).sessions.drop(session.id)
    response = _redirect("/signin?why=signed_out")
    response.headers.append("set-cookie", cleared_cookie(secure(request)))
    return response


# -- the agent's page ------------------------------------------------------------------


async def _agent_context(request: Request, session: WebSession) -> dict[str, Any]:
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
async def agent_page(request: Request) -> Response:
    session = _session(request, "agent")
    shown, session.notice = session.notice, None
    context = await _agent_context(request, session)
    return _render(request, "agent.html", notice=shown, **context)


@page
async def agent_live(request: Request) -> Response:
    session = _session(request, "agent", touch=False)
    return _render(request, "agent_live.html", **await _agent_context(request, session))


@page
async def agent_act(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in AGENT_ACTIONS:
        raise Problem(404, "not_found", f"no such action {action!r}")
    session, form = await _posted(request, "agent")
    principal = session.principal
    try:
        outcome, done = await _agent_action(request, principal, action, form)
        session.notice = panel.notice(outcome, done, "You are")
    except Problem as e:
        session.notice = panel.refused(e.detail)
    return _redirect("/agent")


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


# -- the supervisor's page -------------------------------------------------------------


def _supervisor_context(request: Request, session: WebSession) -> dict[str, Any]:
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
async def supervisor_page(request: Request) -> Response:
    session = _session(request, "supervisor")
    shown, session.notice = session.notice, None
    context = _supervisor_context(request, session)
    return _render(request, "supervisor.html", notice=shown, **context)


@page
async def supervisor_live(request: Request) -> Response:
    session = _session(request, "supervisor", touch=False)
    return _render(request, "supervisor_live.html", **_supervisor_context(request, session))


@page
async def confirm_page(request: Request) -> Response:
    """Confirm a forced logout, pause (with its reason) or unpause of one agent."""
    session = _session(request, "supervisor")
    query = request.query_params
    action = query.get("action", "")
    if action not in ACTIONS:
        raise Problem(400, "bad_request", f"no such action {action!r}")
    agent, backend = operations.target(request, session.principal, query.get("agent", ""))
    row = operations.row(backend, agent)
    back = {k: query[k] for k in ("queue", "state") if query.get(k)}
    return _render(
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
async def supervisor_act(request: Request) -> Response:
    session, form = await _posted(request, "supervisor")
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
    return _redirect("/supervisor" + (f"?{urlencode(back)}" if back else ""))


# -- the routes ------------------------------------------------------------------------


async def favicon(request: Request) -> Response:
    return _redirect("/static/icon.svg")


def routes() -> list[Route | Mount]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/agent", agent_page, methods=["GET"]),
        Route("/agent/live", agent_live, methods=["GET"]),
        Route("/agent/{action:str}", agent_act, methods=["POST"]),
        Route("/supervisor", supervisor_page, methods=["GET"]),
        Route("/supervisor/live", supervisor_live, methods=["GET"]),
        Route("/supervisor/confirm", confirm_page, methods=["GET"]),
        Route("/supervisor/act", supervisor_act, methods=["POST"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
