"""The ASGI application: routes, static files, security headers, a log that never holds tokens."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.desk import Desk
from web.routes import Limits, Site
from web.security import SecurityHeaders

log = logging.getLogger("web.access")
STATIC_DIR = Path(__file__).parent / "static"


class AccessLog:
    """Log method, path (never the query string: it holds tokens), status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and log one line when it is answered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            client = (scope.get("client") or ("-",))[0]
            log.info("%s %s %s %d %.0fms", client, scope["method"], scope["path"], status, elapsed)


def create_app(
    desk: Desk, secret: bytes, *, limits: Limits | None = None, https: bool = False
) -> Starlette:
    """The site for one desk (stores + mailer) and one secret."""
    site = Site(desk, secret, limits or Limits(), https=https)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return PlainTextResponse(
                "method not allowed", 405, headers=getattr(exc, "headers", None)
            )
        heading = "Page not found" if status == 404 else "Something went wrong"
        return site.message(request, heading, "Go to the home page to sign up for alerts.", status)

    routes = [
        Route("/", site.signup_page, methods=["GET"]),
        Route("/", site.signup, methods=["POST"]),
        Route("/count", site.count, methods=["GET"]),
        Route("/confirm", site.confirm_page, methods=["GET"]),
        Route("/confirm", site.confirm, methods=["POST"]),
        Route("/manage", site.manage_page, methods=["GET"]),
        Route("/manage", site.manage, methods=["POST"]),
        Route("/unsubscribe", site.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe", site.unsubscribe, methods=["POST"]),
        Route("/healthz", site.healthz, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        desk.close()  # store queued sign-ups, send waiting emails

    return Starlette(
        lifespan=lifespan,
        routes=routes,
        middleware=[Middleware(AccessLog), Middleware(SecurityHeaders, https=https)],
        exception_handlers={HTTPException: http_error, 500: http_error},
    )
