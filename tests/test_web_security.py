"""CSRF tokens, rate limits and the rule for listening beyond loopback."""

from __future__ import annotations

import pytest

from web.ratelimit import SlidingWindowLimiter
from web.security import csrf_ok, csrf_token, new_cookie_value
from web.serve import is_loopback, listen_refusal

SECRET = b"s" * 32


def test_a_form_token_matches_only_its_own_cookie_and_secret() -> None:
    cookie = new_cookie_value()
    token = csrf_token(SECRET, cookie)
    assert csrf_ok(SECRET, cookie, token)
    assert not csrf_ok(SECRET, new_cookie_value(), token)
    assert not csrf_ok(b"t" * 32, cookie, token)
    assert not csrf_ok(SECRET, cookie, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert not csrf_ok(SECRET, None, token)
    assert not csrf_ok(SECRET, cookie, "")


def test_the_limiter_allows_the_limit_then_refuses_until_the_window_passes() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(3, 60.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    now[0] = 60.5
    assert limiter.allow("a")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.0.1", "::1", "[::1]", "localhost"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)
    assert listen_refusal(host, secret_configured=False, site_url_configured=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_a_public_address_needs_the_secret_and_the_site_url(host: str) -> None:
    assert not is_loopback(host)
    both = listen_refusal(host, secret_configured=False, site_url_configured=False)
    assert both is not None and "SECRET" in both and "SITE_URL" in both
    only_url = listen_refusal(host, secret_configured=True, site_url_configured=False)
    assert only_url is not None and "SECRET" not in only_url
    assert listen_refusal(host, secret_configured=True, site_url_configured=True) is None
