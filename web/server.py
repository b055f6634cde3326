"""The web endpoint behind the digests' unsubscribe link: stdlib `http.server`, no framework.

- `GET /unsubscribe?token=T` names the address and cadence and offers a button; it never
  unsubscribes by itself (mail scanners follow links).
- `POST /unsubscribe?token=T` is RFC 8058 one-click (`List-Unsubscribe=One-Click`, sent by mail
  clients and by the button): stops that one subscription; idempotent.
- `GET /manage?token=T` shows the subscription's cadence and filters, read-only.
- `GET /healthz` answers `ok` without touching the warehouse.

DuckDB allows one writing process, so the warehouse is opened per request and closed at once:
read-only to look, the writer only for the one UPDATE. Within this process one lock serialises
those openings (a read-only and a read-write connection to one file cannot coexist in a process).
"""

from __future__ import annotations

import logging
import re
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from core.errors import WarehouseBusyError
from core.models import Subscription
from digests.unsubscribe import Secret, verify_token
from warehouse.db import reader, writer
from warehouse.subscriptions import deactivate_id, get_subscription
from web import pages

log = logging.getLogger(__name__)

SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)
MAX_BODY_BYTES = 16_384
MAX_TOKEN_CHARS = 2_048
TOKEN_IN_TEXT = re.compile(r"token=[^&\s'\"]*", re.IGNORECASE)


class _Answer(Exception):
    """Stop handling a request and answer with this page."""

    def __init__(self, status: HTTPStatus, heading: str, message: str, headers: tuple = ()) -> None:
        super().__init__(heading)
        self.status = status
        self.heading = heading
        self.message = message
        self.headers: tuple[tuple[str, str], ...] = headers


@dataclass(frozen=True)
class Verified:
    """A token that verified: the raw token (to post back) and the pair it signs."""

    token: str
    sub_id: int
    email: str


class UnsubscribeServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the warehouse and the token secret."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        db_path: Path,
        secret: Secret,
        *,
        busy_wait: float = 5.0,
        retry_after: int = 30,
    ) -> None:
        if not secret:
            raise ValueError("the unsubscribe secret must not be empty")
        self.db_path = Path(db_path)
        self.secret = secret
        self.busy_wait = busy_wait
        self.retry_after = retry_after
        self.db_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, UnsubscribeHandler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup `HTTPServer.server_bind` does."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


def make_server(
    host: str,
    port: int,
    db_path: Path,
    secret: Secret,
    *,
    busy_wait: float = 5.0,
    retry_after: int = 30,
) -> ThreadingHTTPServer:
    """A bound, not yet serving, server; port 0 picks a free port (see `server_address`).

    `busy_wait`: how long a request waits for another process to release the warehouse before
    answering 503 with `Retry-After: retry_after`.
    """
    return UnsubscribeServer(
        (host, port), db_path, secret, busy_wait=busy_wait, retry_after=retry_after
    )


def serve(host: str, port: int, db_path: Path, secret: Secret, *, busy_wait: float = 5.0) -> None:
    """Serve until interrupted (Ctrl-C), then close the socket."""
    server = make_server(host, port, db_path, secret, busy_wait=busy_wait)
    bound_host, bound_port = server.server_address[:2]
    log.info("serving unsubscribe pages on http://%s:%s", bound_host, bound_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()


def redact(text: str) -> str:
    """Text with any `token=...` value removed, for logs."""
    return TOKEN_IN_TEXT.sub("token=[redacted]", text)


class UnsubscribeHandler(BaseHTTPRequestHandler):
    """One request: route, answer a page with the security headers, log one line."""

    server: UnsubscribeServer
    server_version = "ClinOpsJobAlerts"
    timeout = 15  # seconds a slow client may take per read

    # ------------------------------------------------------------ methods

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        self._started = time.monotonic()
        try:
            status, html, headers = self._route()
        except _Answer as answer:
            status, headers = answer.status, answer.headers
            html = pages.error_page(answer.heading, answer.message)
        except Exception:
            log.exception("%s %s failed", self.command, self._log_path())
            status, headers = HTTPStatus.INTERNAL_SERVER_ERROR, ()
            html = pages.error_page(
                "Something went wrong", "Sorry, we could not do that. Please try again later."
            )
        self._respond(status, html, headers, head=head)

    def _route(self) -> tuple[HTTPStatus, str, tuple[tuple[str, str], ...]]:
        path = urlsplit(self.path).path
        if path == "/healthz" and self.command in ("GET", "HEAD"):
            return HTTPStatus.OK, "ok", (("Content-Type", "text/plain; charset=utf-8"),)
        if path == "/unsubscribe":
            if self.command == "POST":
                return self._post_unsubscribe()
            return self._get_unsubscribe()
        if path == "/manage":
            if self.command == "POST":
                raise _Answer(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    "Not allowed",
                    "This page can only be viewed.",
                    (("Allow", "GET, HEAD"),),
                )
            return self._get_manage()
        raise _Answer(HTTPStatus.NOT_FOUND, "Page not found", "There is no page at this address.")

    # ------------------------------------------------------------ pages

    def _get_unsubscribe(self) -> tuple[HTTPStatus, str, tuple]:
        verified = self._verified()
        sub, active = self._lookup(verified)
        return HTTPStatus.OK, pages.unsubscribe_page(sub, active, verified.token), ()

    def _get_manage(self) -> tuple[HTTPStatus, str, tuple]:
        verified = self._verified()
        sub, active = self._lookup(verified)
        return HTTPStatus.OK, pages.manage_page(sub, active, verified.token), ()

    def _post_unsubscribe(self) -> tuple[HTTPStatus, str, tuple]:
        verified = self._verified()
        self._read_body()
        sub, active = self._lookup(verified)
        changed = 0
        if active:
            changed = self._deactivate(verified)
        return HTTPStatus.OK, pages.done_page(sub, sub.email, already=changed == 0), ()

    # ------------------------------------------------------------ helpers

    def _verified(self) -> Verified:
        values = parse_qs(urlsplit(self.path).query).get("token", [])
        if len(values) != 1 or not values[0]:
            raise _Answer(
                HTTPStatus.BAD_REQUEST,
                "This link is incomplete",
                "The link has no unsubscribe token. Use the complete link from the email.",
            )
        token = values[0]
        result = verify_token(self.server.secret, token) if len(token) <= MAX_TOKEN_CHARS else None
        if result is None:
            raise _Answer(
                HTTPStatus.BAD_REQUEST,
                "This link is not valid",
                "The unsubscribe link is invalid or was changed. Use the complete link from "
                "the latest email, or reply to it to be removed by hand.",
            )
        return Verified(token, result[0], result[1])

    def _read_body(self) -> bytes:
        """Read (and discard) the form body, e.g. `List-Unsubscribe=One-Click`; bounded."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise _Answer(
                HTTPStatus.BAD_REQUEST, "Bad request", "The request body is not acceptable."
            )
        return self.rfile.read(length) if length else b""

    def _busy(self) -> _Answer:
        return _Answer(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "Busy, please retry",
            "The service is busy for a moment. Please try again in a minute.",
            (("Retry-After", str(self.server.retry_after)),),
        )

    def _lookup(self, verified: Verified) -> tuple[Subscription, bool]:
        """The subscription a token names and whether it is active: read-only, then closed."""
        with self.server.db_lock:
            try:
                with reader(self.server.db_path, self.server.busy_wait) as con:
                    found = get_subscription(con, verified.sub_id, verified.email)
            except WarehouseBusyError as error:
                raise self._busy() from error
        if found is None:
            raise _Answer(
                HTTPStatus.NOT_FOUND,
                "Subscription not found",
                "This subscription no longer exists: no digests are sent for it.",
            )
        return found

    def _deactivate(self, verified: Verified) -> int:
        """Stop the subscription, holding the writer only for that statement."""
        with self.server.db_lock:
            try:
                with writer(self.server.db_path, self.server.busy_wait) as con:
                    return deactivate_id(con, verified.sub_id, verified.email)
            except WarehouseBusyError as error:
                raise self._busy() from error

    def _respond(
        self,
        status: HTTPStatus,
        body_text: str,
        headers: tuple[tuple[str, str], ...] = (),
        *,
        head: bool = False,
    ) -> None:
        body = body_text.encode("utf-8")
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        if "content-type" not in names:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in (*SECURITY_HEADERS, *headers):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (bad request line, unsupported method...) as our own page."""
        self.close_connection = True
        try:
            status = HTTPStatus(code)
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        html = pages.error_page(status.phrase, "The request could not be handled.")
        if status == HTTPStatus.NOT_IMPLEMENTED:
            self._respond(status, html, (("Allow", "GET, HEAD, POST"),))
        else:
            self._respond(status, html, head=self.command == "HEAD")

    def version_string(self) -> str:
        """The Server header: the name only, no Python version."""
        return self.server_version

    # ------------------------------------------------------------ logging

    def _log_path(self) -> str:
        path = urlsplit(getattr(self, "path", "") or "").path[:200]
        return path.encode("unicode_escape").decode("ascii") or "-"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request: client, method, path (never the query), status, time."""
        status = code.value if isinstance(code, HTTPStatus) else code
        started = getattr(self, "_started", None)
        took = f" {1000 * (time.monotonic() - started):.0f}ms" if started else ""
        log.info(
            "%s %s %s %s%s",
            self.client_address[0],
            self.command or "-",
            self._log_path(),
            status,
            took,
        )

    def log_message(self, format: str, *args: object) -> None:
        """http.server's other messages (protocol errors): debug level, tokens removed."""
        log.debug("%s", redact(format % args))
