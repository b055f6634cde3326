"""Security for every page: response headers, and CSRF tokens bound to a browser cookie.

CSRF uses a signed double submit: the first page sets a random cookie (`SameSite=Strict`,
`HttpOnly`), every form carries the HMAC of that cookie under the server's secret, and a POST is
accepted only when the two agree. A cross-site page can neither read the cookie nor forge the
HMAC; a POST from a mail client's one-click unsubscribe is the one exception (RFC 8058).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "clinops_csrf"
CSRF_FIELD = "csrf_token"
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "interest-cohort=(), camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def new_cookie_value() -> str:
    """A fresh random CSRF cookie value."""
    return secrets.token_urlsafe(32)


def csrf_token(secret: bytes, cookie_value: str) -> str:
    """The form field that goes with a cookie value: its HMAC under the server's secret."""
    return hmac.new(secret, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, cookie_value: str | None, field_value: str | None) -> bool:
    """True when the form's field is the HMAC of the browser's cookie."""
    if not cookie_value or not field_value or len(cookie_value) > 200:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), str(field_value))
