"""The ASGI application: routes, JSON problems, and the service's life with the app's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from web.api import routes
from web.http import Problem, problem_response
from web.service import Service

logger = logging.getLogger(__name__)


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    words = {404: "not_found", 405: "method_not_allowed"}
    status = words.get(exc.status_code, "bad_request")
    return JSONResponse({"status": status, "detail": str(exc.detail)}, status_code=exc.status_code)


def build(service: Service, *, start: bool = True) -> Starlette:
    """The app of ``service``; with ``start`` the app starts and stops the service."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.hub.bind(asyncio.get_running_loop())
        if start:
            service.start()
        try:
            yield
        finally:
            if start:
                await anyio.to_thread.run_sync(service.stop)

    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        exception_handlers={Problem: _problem, HTTPException: _http},
    )
    app.state.service = service
    app.state.limiter = anyio.CapacityLimiter(service.config.threads)
    return app
