"""HTTP plumbing of the API: problems as JSON, who is asking, CSRF, bodies, threads.

Every answer is JSON. A refusal is ``{"status": <word>, "detail": <one sentence>}`` with a
4xx/5xx code; the words are the runtime's (``not_permitted``, ``phone_in_use``...) plus the
service's own (``unauthenticated``, ``csrf``, ``bad_request``...). See docs/web-api.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from runtime.context import Outcome
from web.service import Service
from web.sessions import COOKIE, CSRF_HEADER, Principal, WebSession, cookie, token_principal

logger = logging.getLogger(__name__)
audit = logging.getLogger("web.audit")

T = TypeVar("T")

# The runtime's statuses as HTTP codes.
CODES: dict[str, int] = {
    "ok": 200,
    "pending": 202,
    "unknown_agent": 404,
    "bad_pin": 401,
    "locked": 423,
    "no_phone": 422,
    "bad_reason": 422,
    "phone_not_registered": 409,
    "phone_in_use": 409,
    "not_logged_in": 409,
    "not_permitted": 403,
    "error": 503,
}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Problem(Exception):
    """A refusal, answered as JSON with its HTTP code."""

    def __init__(self, code: int, status: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.status = status
        self.detail = detail


def problem_response(problem: Problem) -> JSONResponse:
    body = {"status": problem.status, "detail": problem.detail}
    return JSONResponse(body, status_code=problem.code)


def outcome_response(outcome: Outcome, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"status": outcome.status}
    if outcome.agent:
        body["agent"] = outcome.agent
    if outcome.interface:
        body["interface"] = outcome.interface
    if outcome.reason:
        body["reason"] = outcome.reason
    if outcome.detail:
        body["detail"] = outcome.detail
    body.update(extra)
    return JSONResponse(body, status_code=CODES.get(outcome.status, 500))


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def secure(request: Request) -> bool:
    """Whether cookies get ``Secure``: behind TLS (``auto``), or as configured."""
    mode = service_of(request).config.secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def session_of(request: Request) -> WebSession | None:
    session_id = request.cookies.get(COOKIE, "")
    return service_of(request).sessions.get(session_id) if session_id else None


def who(request: Request) -> Principal:
    """The principal of the request: a Bearer token, or a live session (whose CSRF token
    must come with every state change). ``Problem`` 401/403 otherwise."""
    service = service_of(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        found = (
            token_principal(service.inventory, token.strip())
            if scheme.lower() == "bearer"
            else None
        )
        if found is None:
            raise Problem(401, "unauthenticated", "the API token is not valid")
        return found
    session = session_of(request)
    if session is None:
        why = "the session expired: log in again" if COOKIE in request.cookies else "log in first"
        raise Problem(401, "unauthenticated", why)
    if request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or sent != session.csrf:
            raise Problem(
                403, "csrf", f"missing or wrong {CSRF_HEADER} header: send the session's csrf token"
            )
    return session.principal


async def body(request: Request) -> dict[str, Any]:
    """The JSON object the request carries (``{}`` when empty); 400 otherwise."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise Problem(400, "bad_request", f"the body is not JSON: {e}") from e
    if not isinstance(value, dict):
        raise Problem(400, "bad_request", "the body must be a JSON object")
    return value


def text_field(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise Problem(400, "bad_request", f"'{name}' is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Problem(400, "bad_request", f"'{name}' must be a string")
    return str(value).strip()


async def in_thread(request: Request, work: Callable[[], T]) -> T:
    """Run blocking work (the rules, talking to Asterisk) on the service's worker threads."""
    limiter: anyio.CapacityLimiter = request.app.state.limiter
    return await anyio.to_thread.run_sync(work, limiter=limiter)


def log_action(principal: Principal, action: str, target: str, outcome: Outcome) -> None:
    """Every action, with who did it (logger ``web.audit``)."""
    detail = f" ({outcome.detail})" if outcome.detail and outcome.status != "ok" else ""
    audit.warning("%s: %s %s: %s%s", principal.label, action, target, outcome.status, detail)


def set_session_cookie(response: JSONResponse, request: Request, session: WebSession) -> None:
    response.headers.append("set-cookie", cookie(session, secure(request)))
