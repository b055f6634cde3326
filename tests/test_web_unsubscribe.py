"""The one-click unsubscribe and the token pages of the site, served for real by uvicorn on
127.0.0.1 and called with `requests`."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from core.models import Subscription
from digests.unsubscribe import make_token
from opstore.subscriptions import get_subscription, save_subscription
from opstore.tokens import issue_token
from tests.helpers import ops_of
from tests.web_site import desk_app, served_in_thread

SECRET = "test-unsubscribe-secret"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
EVIL_LOCAL = "<script>alert(1)</script>"
EVIL_KEYWORD = '"><img src=x onerror=alert(2)>'


@dataclass
class Site:
    base: str
    db: Path
    http: requests.Session

    def url(self, path: str, token: str) -> str:
        return f"{self.base}{path}?token={quote(token, safe='')}"


def add(db: Path, sub: Subscription) -> int:
    return save_subscription(ops_of(db), sub, datetime.now(UTC))


def is_active(db: Path, sub_id: int, email: str) -> bool:
    found = get_subscription(ops_of(db), sub_id, email)
    assert found is not None
    return found[1]


def token_for(db: Path, sub_id: int, purpose: str = "unsubscribe") -> str:
    """A link token as an email (or a page) carries it."""
    return issue_token(ops_of(db), purpose, sub_id, datetime.now(UTC))


def start(db: Path, legacy_secret: str | None = SECRET) -> AbstractContextManager[str]:
    """A real server on a free loopback port, serving from a thread; it accepts older emails'
    signed links made with SECRET."""
    return served_in_thread(desk_app(db, legacy_secret))


def client() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # no proxy from the environment
    return http


@pytest.fixture
def site(settings_env: Path) -> Iterator[Site]:
    db = settings_env / "warehouse.duckdb"
    add(db, Subscription(email="cra@example.org", cadence="daily"))  # migrate, and a neighbour
    with start(db) as base, client() as http:
        yield Site(base, db, http)


def weekly(site: Site, email: str = "ctm@example.org", **filters: object) -> tuple[int, str]:
    sub_id = add(site.db, Subscription(email=email, cadence="weekly", **filters))  # type: ignore[arg-type]
    return sub_id, token_for(site.db, sub_id)


def test_get_shows_the_address_and_a_button_but_does_not_unsubscribe(site: Site) -> None:
    sub_id, token = weekly(site)
    response = site.http.get(site.url("/unsubscribe", token), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert "ctm@example.org" in page and "weekly digest" in page
    assert '<form method="post" action="unsubscribe?token=' in page
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
    assert ">Unsubscribe</button>" in page
    site.http.get(site.url("/unsubscribe", token), timeout=10)
    site.http.head(site.url("/unsubscribe", token), timeout=10)
    assert is_active(site.db, sub_id, "ctm@example.org")


def test_one_click_post_unsubscribes_once_and_is_idempotent(site: Site) -> None:
    sub_id, token = weekly(site)
    daily_id = add(site.db, Subscription(email="ctm@example.org", cadence="daily"))
    first = site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10)
    assert first.status_code == 200
    assert "You are unsubscribed" in first.text and "weekly digest" in first.text
    assert not is_active(site.db, sub_id, "ctm@example.org")
    assert is_active(site.db, daily_id, "ctm@example.org"), "only the token's subscription stops"
    again = site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10)
    assert again.status_code == 200
    assert "already unsubscribed" in again.text
    shown = site.http.get(site.url("/unsubscribe", token), timeout=10)
    assert shown.status_code == 200 and "already unsubscribed" in shown.text
    assert "<form" not in shown.text


def test_the_link_exactly_as_the_email_builds_it_works(site: Site) -> None:
    """pipeline.digest.unsubscribe_url puts the token in unquoted: the server reads it as is."""
    sub_id, token = weekly(site)
    response = site.http.post(f"{site.base}/unsubscribe?token={token}", data=ONE_CLICK, timeout=10)
    assert response.status_code == 200
    assert not is_active(site.db, sub_id, "ctm@example.org")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: make_token("another-secret", 1, "cra@example.org"),  # signed elsewhere
        lambda t: t[:20],  # cut short
        lambda t: "<b>x</b>.&amp;",  # garbage meant to be echoed
    ],
)
def test_tampered_token_is_400_and_changes_nothing(site: Site, mangle) -> None:
    sub_id, token = weekly(site)
    bad = mangle(token)
    assert bad != token
    for response in (
        site.http.get(site.url("/unsubscribe", bad), timeout=10),
        site.http.post(site.url("/unsubscribe", bad), data=ONE_CLICK, timeout=10),
        site.http.get(site.url("/manage", bad), timeout=10),
    ):
        assert response.status_code == 400
        assert "This link is not valid" in response.text
        assert bad not in response.text and "<b>x</b>" not in response.text
        assert response.headers["Content-Security-Policy"] == CSP
    assert is_active(site.db, sub_id, "ctm@example.org")


def test_missing_token_is_400(site: Site) -> None:
    response = site.http.get(f"{site.base}/unsubscribe", timeout=10)
    assert response.status_code == 400 and "incomplete" in response.text


def test_valid_token_for_a_subscription_that_is_gone_is_400(site: Site) -> None:
    """An erased subscription takes its tokens with it, and an old signed link to it names
    nothing: either way the link is simply not valid (nothing says whether it ever was)."""
    token = make_token(SECRET, 999_999, "nobody@example.org")
    response = site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10)
    assert response.status_code == 400 and "This link is not valid" in response.text


def test_html_in_the_address_and_the_filters_is_escaped(site: Site) -> None:
    email = f'"{EVIL_LOCAL}"@example.org'
    sub_id, token = weekly(
        site,
        email,
        keywords=(EVIL_KEYWORD,),
        companies=("Acme & <Co>",),
        locations=("Boston",),
        levels=("senior",),
    )
    manage_token = token_for(site.db, sub_id, "manage")
    for path, link_token in (("/unsubscribe", token), ("/manage", manage_token)):
        page = site.http.get(site.url(path, link_token), timeout=10).text
        assert EVIL_LOCAL not in page and "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    manage = site.http.get(site.url("/manage", manage_token), timeout=10).text
    assert EVIL_KEYWORD not in manage and "<img" not in manage
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in manage
    assert "Acme &amp; &lt;Co&gt;" in manage
    done = site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10).text
    assert EVIL_LOCAL not in done and "&lt;script&gt;" in done
    assert not is_active(site.db, sub_id, email)


def test_manage_shows_cadence_and_filters_in_the_preference_form(site: Site) -> None:
    sub_id, token = weekly(
        site,
        levels=("senior", "director"),
        workplaces=("remote",),
        countries=("US",),
        exclude_companies=("Big CRO",),
        min_salary_usd=108_000.0,
        min_salary_amount=100_000.0,
        min_salary_currency="EUR",
        include_no_salary=False,
    )
    token = token_for(site.db, sub_id, "manage")
    response = site.http.get(site.url("/manage", token), timeout=10)
    assert response.status_code == 200
    page = response.text
    for text in (
        'name="cadence" value="weekly" checked',
        'name="levels" value="senior" checked',
        'name="levels" value="director" checked',
        'name="workplaces" value="remote" checked',
        'id="countries" name="countries" value="US"',
        'id="exclude_companies" name="exclude_companies" value="Big CRO"',
        'id="min_salary" name="min_salary" inputmode="numeric" value="100000"',
        '<option value="EUR" selected>',
        "paying at least 100,000 EUR a year",
        ">Unsubscribe</button>",
    ):
        assert text in page, text
    assert 'name="include_no_salary" value="1" checked' not in page
    refused = site.http.post(site.url("/manage", token), data=ONE_CLICK, timeout=10)
    assert refused.status_code == 403, "a post without the form's CSRF token changes nothing"
    assert is_active(site.db, sub_id, "ctm@example.org")


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    sub_id, token = weekly(site)
    answers = [
        site.http.get(site.url("/unsubscribe", token), timeout=10),
        site.http.get(site.url("/manage", token_for(site.db, sub_id, "manage")), timeout=10),
        site.http.get(f"{site.base}/nothing-here", timeout=10),
        site.http.get(f"{site.base}/unsubscribe?token=x", timeout=10),
        site.http.put(f"{site.base}/unsubscribe", timeout=10),
        site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10),
    ]
    assert [a.status_code for a in answers] == [200, 200, 404, 400, 405, 200]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == CSP
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Traceback" not in answer.text
    assert site.http.get(f"{site.base}/healthz", timeout=10).text == "ok"


def test_one_log_line_per_request_without_the_token(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    _, token = weekly(site)
    caplog.set_level(logging.DEBUG, logger="web.access")
    site.http.get(site.url("/unsubscribe", token), timeout=10)
    site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10)
    site.http.get(site.url("/manage", token + "x"), timeout=10)

    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]

    deadline = time.monotonic() + 10  # the server logs a request just after answering it
    while len(logged()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = logged()
    assert len(lines) == 3, lines
    assert lines[0].startswith("127.0.0.1 GET /unsubscribe 200 ")
    assert "POST /unsubscribe 200" in lines[1] and "GET /manage 400" in lines[2]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in everything and "token=" not in everything


def test_a_malformed_request_gets_a_page_and_logs_no_token(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="web.access")
    host, port = site.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"GET /unsubscribe?token=SeCrEtVaLuE HTTP/7.1\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"SeCrEtVaLuE" not in answer
    assert "SeCrEtVaLuE" not in "\n".join(r.getMessage() for r in caplog.records)


def test_an_oversized_body_is_refused(site: Site) -> None:
    sub_id, token = weekly(site)
    response = site.http.post(site.url("/unsubscribe", token), data=b"x" * 100_000, timeout=10)
    assert response.status_code == 413
    assert is_active(site.db, sub_id, "ctm@example.org")


# ---------------------------------------------------------------- other processes writing

HOLD_WRITER = (
    "import sys, time, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "con.close()\n"
)
HOLD_STORE = (
    "import sqlite3, sys, time\n"
    "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "con.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "con.execute('COMMIT')\n"
)


def hold(script: str, path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding a lock on `path`, like a running flow."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_a_flow_holding_the_warehouse_does_not_hold_up_the_pages(site: Site) -> None:
    """The pages read and write the operational store: a flow's DuckDB writer lock is no
    reason to answer 503 any more."""
    sub_id, token = weekly(site)
    holder = hold(HOLD_WRITER, site.db, 30)
    try:
        started = time.monotonic()
        shown = site.http.get(site.url("/manage", token_for(site.db, sub_id, "manage")), timeout=10)
        done = site.http.post(site.url("/unsubscribe", token), data=ONE_CLICK, timeout=10)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert shown.status_code == 200 and done.status_code == 200, done.text
    assert took < 2.0 and not is_active(site.db, sub_id, "ctm@example.org")


def test_a_briefly_locked_store_is_waited_for(settings_env: Path) -> None:
    db = settings_env / "warehouse.duckdb"
    sub_id = add(db, Subscription(email="ctm@example.org", cadence="weekly"))
    token = token_for(db, sub_id)
    with start(db) as base:
        holder = hold(HOLD_STORE, db.with_name("ops.sqlite3"), 0.8)
        started = time.monotonic()
        with client() as http:
            response = http.post(f"{base}/unsubscribe?token={token}", data=ONE_CLICK, timeout=15)
        holder.wait(timeout=10)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started >= 0.3
    assert not is_active(db, sub_id, "ctm@example.org")


def test_tokens_work_for_their_own_purpose_only(site: Site) -> None:
    sub_id, unsubscribe = weekly(site)
    manage = token_for(site.db, sub_id, "manage")
    confirm = token_for(site.db, sub_id, "confirm")
    for path, token in (
        ("/manage", unsubscribe),
        ("/unsubscribe", manage),
        ("/manage", confirm),
        ("/unsubscribe", confirm),
    ):
        assert site.http.get(site.url(path, token), timeout=10).status_code == 400
    refused = site.http.post(site.url("/unsubscribe", manage), data=ONE_CLICK, timeout=10)
    assert refused.status_code == 400 and is_active(site.db, sub_id, "ctm@example.org")
    page = site.http.get(site.url("/manage", manage), timeout=10).text
    assert unsubscribe not in page  # the manage page shows no other purpose's token
    assert page.count(manage) == page.count("manage?token=")  # only in its own forms' actions
    assert "ctm@example.org" not in unsubscribe + manage  # opaque: no address in a link


def test_old_signed_links_need_the_real_secret_that_signed_them(settings_env: Path) -> None:
    """Links of emails sent before the token store: accepted with the configured secret,
    refused when none is configured (the placeholder is never one), never for /manage."""
    db = settings_env / "warehouse.duckdb"
    sub_id = add(db, Subscription(email="ctm@example.org", cadence="weekly"))
    old = make_token(SECRET, sub_id, "ctm@example.org")
    placeholder = make_token("change-me-in-production", sub_id, "ctm@example.org")
    for legacy_secret, token, status in (
        (None, old, 400),
        (SECRET, placeholder, 400),
        (SECRET, old, 200),
    ):
        with start(db, legacy_secret) as base, client() as http:
            assert http.get(f"{base}/manage?token={quote(old, safe='')}",
                            timeout=10).status_code == 400  # fmt: skip
            answer = http.post(f"{base}/unsubscribe?token={quote(token, safe='')}",
                               data=ONE_CLICK, timeout=10)  # fmt: skip
        assert answer.status_code == status
    assert not is_active(db, sub_id, "ctm@example.org")
