"""A hostile HTTP board on 127.0.0.1: each route answers with one fault (or a good body).

Built on the standard library's threaded server because the faults need the raw socket: bodies
cut short, dripped a byte at a time, endless, lying about their length or encoding.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Behaviour = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Routes:
    """Behaviour by path prefix (longest first); what was asked, in order."""

    table: dict[str, Behaviour] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def find(self, path: str) -> Behaviour:
        for prefix in sorted(self.table, key=len, reverse=True):
            if path.startswith(prefix):
                return self.table[prefix]
        return status(404, b"no such route")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        routes: Routes = self.server.routes  # type: ignore[attr-defined]
        with routes.lock:
            routes.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        try:
            routes.find(self.path)(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class Server:
    """A running hostile server and its routes."""

    def __init__(self, routes: Routes, httpd: ThreadingHTTPServer) -> None:
        self.routes = routes
        self.httpd = httpd
        self.port = httpd.server_address[1]

    def url(self, path: str = "", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def hostile_server(table: dict[str, Behaviour] | None = None) -> Iterator[Server]:
    """Serve `table` on 127.0.0.1 (a free port) until the block ends."""
    routes = Routes(dict(table or {}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.routes = routes  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Server(routes, httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    """A port nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Behaviours ------------------------------------------------------------------------------


def _head(
    handler: BaseHTTPRequestHandler, code: int, headers: dict[str, str], length: int | None
) -> None:
    handler.send_response(code)
    for name, value in headers.items():
        handler.send_header(name, value)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    else:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()


def body(
    data: bytes, code: int = 200, content_type: str = "application/json", **headers: str
) -> Behaviour:
    """A complete answer."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        extra = {
            "Content-Type": content_type,
            **{k.replace("_", "-"): v for k, v in headers.items()},
        }
        _head(handler, code, extra, len(data))
        handler.wfile.write(data)

    return serve


def status(code: int, data: bytes = b"", **headers: str) -> Behaviour:
    """A bare status (429, 503, 302...) with optional headers."""
    return body(data, code, "text/plain", **headers)


def truncated(data: bytes, claimed: int) -> Behaviour:
    """Claims `claimed` bytes, sends `data` (fewer), hangs up."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        _head(handler, 200, {"Content-Type": "application/json"}, claimed)
        handler.wfile.write(data)
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    return serve


def endless(chunk: bytes = b"[" * 65536, pause: float = 0.0) -> Behaviour:
    """A body with no length that never ends (until the client hangs up)."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        _head(handler, 200, {"Content-Type": "application/json"}, None)
        while True:
            handler.wfile.write(chunk)
            handler.wfile.flush()
            if pause:
                time.sleep(pause)

    return serve


def drip(pause: float = 0.2) -> Behaviour:
    """A declared body sent one byte per `pause` seconds: never idle long enough to time out."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        data = b'{"results": [], "page_count": 1}' + b" " * 100_000
        _head(handler, 200, {"Content-Type": "application/json"}, len(data))
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(pause)

    return serve


def drip_headers(pause: float = 0.1) -> Behaviour:
    """The status line and headers themselves sent one byte per `pause` seconds."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"x" * 10_000 + b"\r\n\r\n"
        for byte in head:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(pause)

    return serve


def gzip_bomb(decoded_size: int) -> Behaviour:
    """A small gzip body that inflates to `decoded_size` bytes."""
    data = gzip.compress(b" " * decoded_size, compresslevel=9)

    def serve(handler: BaseHTTPRequestHandler) -> None:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        _head(handler, 200, headers, len(data))
        handler.wfile.write(data)

    return serve


def redirect(location: str | Callable[[], str], code: int = 302) -> Behaviour:
    """A redirect to `location` (or what the callable says at request time)."""

    def serve(handler: BaseHTTPRequestHandler) -> None:
        target = location() if callable(location) else location
        _head(handler, code, {"Location": target}, 0)

    return serve
