"""The web panel's plumbing (docs/web-panel.md): templates, answers, who is asking, forms.

Forms are plain HTML posts carrying the session's CSRF token in a hidden ``csrf`` field (the
API takes it in ``X-CSRF-Token``; a form cannot set a header): without it, or with another,
the post is refused with 403 and nothing is done. Pages are sent with a Content-Security-
Policy allowing nothing but the service itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from web import panel
from web.http import Problem, session_of
from web.sessions import COOKIE, WebSession

HERE = Path(__file__).parent
FORM_LIMIT = 16 * 1024  # bytes: the panel's forms are a few fields
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


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


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.templates
    context.setdefault("user", None)
    context.setdefault("csrf", "")
    context.setdefault("notice", None)
    html = env.get_template(name).render(now=int(time.time()), **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


class SignInFirst(Exception):
    """No live session: to the sign-in page (saying the session expired if it did)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("sign in first")
        self.expired = expired


def session_for(request: Request, kind: str, *, touch: bool = True) -> WebSession:
    session = session_of(request, touch=touch)
    if session is None:
        raise SignInFirst(expired=COOKIE in request.cookies)
    if session.principal.kind != kind:
        raise Problem(403, "not_permitted", f"this page is for a {kind}: go to the start page")
    return session


async def form_fields(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > FORM_LIMIT:
        raise Problem(413, "bad_request", "the form is too large")
    fields = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0].strip() for key, values in fields.items()}


async def posted(request: Request, kind: str) -> tuple[WebSession, dict[str, str]]:
    """A form post of a live session of ``kind`` carrying its CSRF token; 403 otherwise."""
    session = session_for(request, kind)
    form = await form_fields(request)
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
            return redirect("/signin?why=expired" if e.expired else "/signin")
        except Problem as e:
            session = session_of(request, touch=False)
            if session is None:
                return render(request, "error.html", e.code, problem=e)
            user, csrf = session.principal, session.csrf
            return render(request, "error.html", e.code, problem=e, user=user, csrf=csrf)

    return wrapped
