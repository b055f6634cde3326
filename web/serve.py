"""Serving the site with uvicorn, and the rule for when it may listen beyond this machine."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_refusal(host: str, *, secret_configured: bool, site_url_configured: bool) -> str | None:
    """Why the server must not listen on `host`, or None when it may.

    Beyond loopback the site is public: its links must point at the real address and its
    secret must be one the operator set (a generated secret lives beside the warehouse; a
    public server restarted on another machine would otherwise break every form).
    """
    if is_loopback(host):
        return None
    missing = []
    if not secret_configured:
        missing.append("JOBALERTS_UNSUBSCRIBE_SECRET (a long random secret)")
    if not site_url_configured:
        missing.append("JOBALERTS_SITE_URL (the public https:// address)")
    if not missing:
        return None
    return f"refusing to listen on {host} without {' and '.join(missing)}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(app: Starlette, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve until Ctrl-C or SIGTERM; trust proxy headers from loopback only (the TLS proxy).

    `announce` is told the address once the socket listens (port 0 picks a free one).
    """
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    config = uvicorn.Config(
        app,
        access_log=False,  # web.app.AccessLog logs without query strings (they hold tokens)
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    announce(f"http://{shown}:{bound_port}")
    # uvicorn shuts down gracefully on Ctrl-C, then raises it again: that is a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
