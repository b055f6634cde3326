"""Politeness and conditional requests against a real local server."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.models import SourceRef
from sources.options import FetchOptions
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
    options = FetchOptions(timeout=5, max_bytes=10_000)
    threads = [
        threading.Thread(target=fetch, args=(session, SOURCE, url, options)) for _ in range(3)
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
    first = fetch(session, SOURCE, url, FetchOptions(timeout=5, max_bytes=10_000))
    second = fetch(session, SOURCE, url, FetchOptions(timeout=5, max_bytes=10_000))
    assert first.body == second.body == b'{"jobs": [1]}'
    assert second.status == 200 and second.content_type == "application/json"
    assert httpserver.log[1][0].headers["If-None-Match"] == '"v1"'
    assert httpserver.log[1][1].status_code == 304


def test_a_304_to_if_modified_since_answers_with_the_remembered_body(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    modified = "Wed, 18 Nov 2026 08:30:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == modified:
            return Response(status=304)
        headers = {"Last-Modified": modified}
        return Response('{"jobs": [2]}', content_type="application/json", headers=headers)

    httpserver.expect_request("/jobs").respond_with_handler(handler)
    session = build_session(user_agent="t", retries=0, cache_dir=tmp_path / "cache")
    url = httpserver.url_for("/jobs")
    first = fetch(session, SOURCE, url, FetchOptions(timeout=5, max_bytes=10_000))
    second = fetch(session, SOURCE, url, FetchOptions(timeout=5, max_bytes=10_000))
    assert first.body == second.body == b'{"jobs": [2]}'
    assert second.status == 200 and second.content_type == "application/json"
    asked = httpserver.log[1][0].headers
    assert asked["If-Modified-Since"] == modified and "If-None-Match" not in asked
    assert httpserver.log[1][1].status_code == 304
    fresh = build_session(user_agent="t", retries=0, cache_dir=tmp_path / "other-cache")
    fetch(fresh, SOURCE, url, FetchOptions(timeout=5, max_bytes=10_000))
    assert "If-Modified-Since" not in httpserver.log[2][0].headers  # nothing remembered there
