"""The web panel (docs/web-panel.md): server-rendered pages for agents and supervisors on the
operations of the API (``web.operations``), with the same sessions: signing in and out, and
every route of the panel. The live parts of a page (``id="live"``) are rendered again by
``/agent/live`` and ``/supervisor/live`` when ``static/panel.js`` sees a change on the event
stream; those refreshes do not keep a session alive. Every asset is served here
(``/static``): the pages make no other request.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from runtime.context import Outcome
from web import agent_pages, operations, supervisor_pages
from web.http import Problem, secure, service_of, session_of, set_session_cookie
from web.render import HERE, form_fields, page, redirect, render
from web.sessions import Principal, cleared_cookie

WHY = {  # the sign-in page's reasons for being shown (never free text from the URL)
    "expired": "Your session expired: sign in again.",
    "signed_out": "You are signed out.",
}


@page
async def home(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return redirect("/signin")
    return redirect("/supervisor" if session.principal.kind == "supervisor" else "/agent")


@page
async def signin_page(request: Request) -> Response:
    if session_of(request, touch=False) is not None:
        return redirect("/")
    message = WHY.get(request.query_params.get("why", ""), "")
    return render(request, "signin.html", message=message, refused=None, number="")


@page
async def signin(request: Request) -> Response:
    form = await form_fields(request)
    number, pin = form.get("user", ""), form.get("pin", "")
    found: Principal | Outcome | Problem
    try:
        if not (number and pin):
            raise Problem(400, "bad_request", "enter your number and your PIN")
        found = await operations.sign_in(request, number, pin)
    except Problem as e:
        found = e  # unknown user, no server, empty field: said on the page
    if not isinstance(found, Principal):  # a page saying why (200: not a failed load)
        return render(request, "signin.html", message="", refused=found, number=number)
    session = service_of(request).sessions.create(found)
    if found.kind == "agent":
        session.notice = await agent_pages.log_in_if_one_choice(request, found)
    response = redirect("/")
    set_session_cookie(response, request, session)
    return response


@page
async def signout(request: Request) -> Response:
    session = session_of(request)
    if session is not None:
        form = await form_fields(request)
        if not session.csrf_ok(form.get("csrf", "")):
            raise Problem(403, "csrf", "the form did not carry this session's security token")
        service_of(request).sessions.drop(session.id)
    response = redirect("/signin?why=signed_out")
    response.headers.append("set-cookie", cleared_cookie(secure(request)))
    return response


async def favicon(request: Request) -> Response:
    return redirect("/static/icon.svg")


def routes() -> list[Route | Mount]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/agent", agent_pages.show, methods=["GET"]),
        Route("/agent/live", agent_pages.live, methods=["GET"]),
        Route("/agent/{action:str}", agent_pages.act, methods=["POST"]),
        Route("/supervisor", supervisor_pages.show, methods=["GET"]),
        Route("/supervisor/live", supervisor_pages.live, methods=["GET"]),
        Route("/supervisor/confirm", supervisor_pages.confirm, methods=["GET"]),
        Route("/supervisor/act", supervisor_pages.act, methods=["POST"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
