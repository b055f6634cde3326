"""robots.txt rules against a local server: disallow, allow, missing, cached, unreachable."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from core.errors import SourceError, TransientSourceError
from core.models import SourceRef
from sources import robots
from sources.options import FetchOptions
from sources.session import build_session

SOURCE = SourceRef("jsonld-x", "jsonld", "x", "X")
OPTIONS = FetchOptions(timeout=5)


def session():
    return build_session(user_agent="ClinOpsJobAlerts-test/1", retries=1, backoff=0.01)


def serve_robots(server: HTTPServer, text: str, status: int = 200) -> None:
    server.expect_request("/robots.txt").respond_with_data(
        text, status=status, content_type="text/plain"
    )


def paths(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log]


def test_robots_url_is_at_the_host_root() -> None:
    assert (
        robots.robots_url("https://a.example:8443/jobs/1?x=2")
        == "https://a.example:8443/robots.txt"
    )


def test_a_disallowed_page_raises(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "User-agent: *\nDisallow: /jobs/\n")
    with pytest.raises(SourceError, match=r"robots\.txt disallows"):
        robots.ensure_allowed(session(), SOURCE, httpserver.url_for("/jobs/1"), OPTIONS)
    assert paths(httpserver) == ["/robots.txt"]


def test_rules_for_our_agent_apply_to_us_only(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "User-agent: ClinOpsJobAlerts-test\nDisallow: /\n\nUser-agent: *\n")
    with pytest.raises(SourceError):
        robots.ensure_allowed(session(), SOURCE, httpserver.url_for("/careers"), OPTIONS)
    other = build_session(user_agent="SomeoneElse/2", retries=0)
    robots.ensure_allowed(other, SOURCE, httpserver.url_for("/careers"), OPTIONS)


def test_an_allowed_page_passes_and_rules_are_cached(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "User-agent: *\nDisallow: /admin/\n")
    shared = session()
    for page in ("/careers/1", "/careers/2"):
        robots.ensure_allowed(shared, SOURCE, httpserver.url_for(page), OPTIONS)
    assert paths(httpserver) == ["/robots.txt"]


def test_a_missing_robots_txt_allows(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "not found", status=404)
    robots.ensure_allowed(session(), SOURCE, httpserver.url_for("/careers"), OPTIONS)


def test_a_forbidden_robots_txt_allows(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "no", status=403)
    robots.ensure_allowed(session(), SOURCE, httpserver.url_for("/careers"), OPTIONS)


def test_an_unreachable_robots_txt_is_transient(httpserver: HTTPServer) -> None:
    serve_robots(httpserver, "down", status=503)
    with pytest.raises(TransientSourceError):
        robots.ensure_allowed(session(), SOURCE, httpserver.url_for("/careers"), OPTIONS)
