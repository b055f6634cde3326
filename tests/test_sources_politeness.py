"""Politeness and conditional requests against a real local server."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.models import SourceRef
from sources.session import build_session, fetch

SOURCE = SourceRef(name="gh-x", kind="greenhouse", board="x", company="X")


def test_requests_to_one_host_wait_their_turn_and_keep_a_minimum_delay(
    httpserver: HTTPServer,
) -> None:
    starts: list[float] = []

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        time.sleep(0.1)
        return Response('{"jobs": []}', content_type="application/json")

    httpserver.expect_request("/jobs").respond_with_handler(handler)
    session = build_session(user_agent="t", retries=0, min_host_delay=0.3)
    url = httpserver.url_for("/jobs")
    options = {"timeout": 5, "max_bytes": 10_000}
    threads = [
        threading.Thread(target=fetch, args=(session, SOURCE, url), kwargs=options)
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 3 and all(gap >= 0.39 for gap in gaps), gaps  # 0.1 s busy + 0.3 s


def test_a_304_answers_with_the_remembered_body(httpserver: HTTPServer, tmp_path: Path) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response('{"jobs": [1]}', content_type="application/json", headers={"ETag": '"v1"'})

    httpserver.expect_request("/jobs").respond_with_handler(handler)
    session = build_session(user_agent="t", retries=0, cache_dir=tmp_path / "cache")
    url = httpserver.url_for("/jobs")
    first = fetch(session, SOURCE, url, timeout=5, max_bytes=10_000)
    second = fetch(session, SOURCE, url, timeout=5, max_bytes=10_000)
    assert first.body == second.body == b'{"jobs": [1]}'
    assert second.status == 200 and second.content_type == "application/json"
    assert httpserver.log[1][0].headers["If-None-Match"] == '"v1"'
    assert httpserver.log[1][1].status_code == 304
