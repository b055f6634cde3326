"""A board on 127.0.0.1 for stop and crash tests: `/fast.rss` answers a small RSS feed at
once, `/slow.rss` holds the request open (the board a run is stuck on when it is stopped)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>
<item><title>Clinical Research Associate</title><link>https://example.org/jobs/1</link>
<guid>job-1</guid><description>Monitor sites. Boston, MA.</description></item>
</channel></rss>"""


class SlowBoard(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stuck = threading.Event()  # a request reached /slow.rss
        self.release = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: SlowBoard

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            self.server.stuck.set()
            self.server.release.wait(60)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def slow_board() -> Iterator[SlowBoard]:
    server = SlowBoard()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def sources_file(folder: Path, base: str, slow: bool = True) -> Path:
    """A sources file with a fast feed (stored first) and, if `slow`, one that never answers."""
    boards = [{"name": "feed-fast", "kind": "feed", "board": "fast", "company": "Fast",
               "url": f"{base}/fast.rss"}]  # fmt: skip
    if slow:
        boards.append({"name": "feed-slow", "kind": "feed", "board": "slow", "company": "Slow",
                       "url": base.replace("127.0.0.1", "localhost") + "/slow.rss"})  # fmt: skip
    path = folder / ("sources-slow.yaml" if slow else "sources-fast.yaml")
    path.write_text(yaml.safe_dump({"version": 1, "sources": boards}))
    return path
