"""The public site served for real (`jobalerts web`, uvicorn) and used over HTTP: sign-up with
double opt-in, the preference centre, one-click unsubscribe, and the abuse limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.web_site import Site, link_in, local, outbox_messages, running_site

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path, JOBALERTS_WEB_POSTS_PER_WINDOW="50") as running:
        yield running


def csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_up(site: Site, http: requests.Session, **fields: str | list[str]) -> requests.Response:
    data: dict[str, str | list[str]] = {"cadence": "daily", "action": "subscribe", **fields}
    data["csrf_token"] = csrf(http, site.url("/"))
    return http.post(site.url("/"), data=data, timeout=10)


def status_of(site: Site, http: requests.Session, manage_url: str) -> str:
    page = http.get(manage_url, timeout=10)
    found = re.search(r'id="status">([^<]+)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


def confirm(site: Site, http: requests.Session, confirm_url: str) -> requests.Response:
    token = csrf(http, confirm_url)
    return http.post(confirm_url, data={"csrf_token": token}, timeout=10)


def test_the_home_page_is_a_labelled_form_with_the_security_headers(site: Site) -> None:
    page = requests.get(site.url("/"), timeout=10)
    assert page.status_code == 200
    for field in ("email", "locations", "countries", "keywords", "companies", "min_salary"):
        assert f'<label for="{field}"' in page.text
    for group in ("levels", "families", "workplaces"):
        assert f'name="{group}"' in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in page.text.replace('<script src="static/count.js" defer></script>', "")


def test_sign_up_confirm_manage_and_unsubscribe(site: Site) -> None:
    http = site.session()
    answer = sign_up(site, http, email="Lead@Example.org", levels=["senior"], countries="US")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    [message] = outbox_messages(site.folder, expect=1)
    assert message["To"] == "lead@example.org"
    assert "Confirm" in message["Subject"]
    confirm_url = local(link_in(message, "confirm"), site)

    shown = http.get(confirm_url, timeout=10)
    assert shown.status_code == 200 and "Yes, start my alerts" in shown.text
    done = confirm(site, http, confirm_url)
    assert done.status_code == 200 and "Your alerts are on" in done.text
    manage_url = site.url(re.search(r'href="(manage\?token=[^"]+)"', done.text).group(1))  # type: ignore[union-attr]
    assert status_of(site, http, manage_url) == "on"

    assert http.get(confirm_url, timeout=10).status_code == 400, "a confirmation link works once"

    token = csrf(http, manage_url)
    saved = http.post(
        manage_url,
        data={"csrf_token": token, "action": "save", "cadence": "weekly", "keywords": "oncology"},
        timeout=10,
    )
    assert saved.status_code == 200 and "Your changes are saved" in saved.text
    assert "weekly" in saved.text and "oncology" in saved.text

    paused = http.post(manage_url, data={"csrf_token": token, "action": "pause"}, timeout=10)
    assert "paused" in paused.text.lower()
    assert status_of(site, http, manage_url) == "paused"
    http.post(manage_url, data={"csrf_token": token, "action": "resume"}, timeout=10)
    assert status_of(site, http, manage_url) == "on"
    http.post(manage_url, data={"csrf_token": token, "action": "unsubscribe"}, timeout=10)
    assert status_of(site, http, manage_url) == "stopped"


def test_signing_up_a_subscribed_address_sends_a_manage_link_and_answers_the_same(
    site: Site,
) -> None:
    http = site.session()
    first = sign_up(site, http, email="known@example.org")
    confirm(site, http, local(link_in(outbox_messages(site.folder, 1)[0], "confirm"), site))
    again = sign_up(site, http, email="known@example.org", levels=["vp"])
    stranger = sign_up(site, http, email="new@example.org")
    assert first.text.replace("known", "X") == again.text.replace("known", "X")
    assert stranger.status_code == again.status_code == 200
    messages = outbox_messages(site.folder, expect=3)
    to_known = [m for m in messages if m["To"] == "known@example.org"]
    assert "Manage" in to_known[-1]["Subject"]
    manage_url = local(link_in(to_known[-1], "manage"), site)
    page = http.get(manage_url, timeout=10)
    assert 'value="vp" checked' not in page.text, "a stranger's sign-up changed nothing"


def test_a_token_works_only_for_its_own_purpose(site: Site) -> None:
    http = site.session()
    sign_up(site, http, email="purpose@example.org")
    confirm_url = local(link_in(outbox_messages(site.folder, 1)[0], "confirm"), site)
    token = confirm_url.split("token=", 1)[1]
    assert http.get(site.url(f"manage?token={token}"), timeout=10).status_code == 400
    assert http.get(site.url(f"unsubscribe?token={token}"), timeout=10).status_code == 400
    one_click = http.post(
        site.url(f"unsubscribe?token={token}"), data={"List-Unsubscribe": "One-Click"}, timeout=10
    )
    assert one_click.status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-address"),
        ("min_salary", "lots"),
        ("countries", "Atlantis"),
        ("keywords", "x" * 150),
    ],
)
def test_bad_input_is_answered_beside_its_field_and_stores_nothing(
    site: Site, field: str, value: str
) -> None:
    http = site.session()
    fields = {"email": "fine@example.org", field: value}
    answer = sign_up(site, http, **fields)
    assert answer.status_code == 400
    assert f'id="{field}-error"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert outbox_messages(site.folder, settle=0.5) == []


def test_every_value_is_escaped(site: Site) -> None:
    http = site.session()
    evil = '"><script>alert(1)</script>'
    answer = sign_up(site, http, email=f"{evil}@example.org", keywords=evil)
    assert answer.status_code == 400
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;" in answer.text


def test_a_post_without_the_csrf_token_is_refused(site: Site) -> None:
    http = site.session()
    http.get(site.url("/"), timeout=10)
    answer = http.post(site.url("/"), data={"email": "csrf@example.org"}, timeout=10)
    assert answer.status_code == 403
    assert outbox_messages(site.folder, settle=0.5) == []
    other = requests.Session()
    stolen = csrf(other, site.url("/"))
    assert (
        http.post(
            site.url("/"), data={"email": "csrf@example.org", "csrf_token": stolen}, timeout=10
        ).status_code
        == 403
    )


def test_the_honeypot_answers_like_success_and_sends_nothing(site: Site) -> None:
    http = site.session()
    answer = sign_up(site, http, email="bot@example.org", website="http://spam.example")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert outbox_messages(site.folder, settle=0.5) == []


def test_confirmation_emails_to_one_address_are_capped_per_day(site: Site) -> None:
    http = site.session()
    for _ in range(6):
        assert sign_up(site, http, email="victim@example.org").status_code == 200
    assert len(outbox_messages(site.folder, expect=3, settle=0.5)) == 3


def test_one_client_is_limited(tmp_path: Path) -> None:
    with running_site(tmp_path, JOBALERTS_WEB_POSTS_PER_WINDOW="3") as site:
        http = site.session()
        codes = [sign_up(site, http, email=f"c{i}@example.org").status_code for i in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_one_click_unsubscribe_without_a_cookie_and_a_log_without_tokens(site: Site) -> None:
    http = site.session()
    sign_up(site, http, email="oneclick@example.org")
    done = confirm(site, http, local(link_in(outbox_messages(site.folder, 1)[0], "confirm"), site))
    manage_url = site.url(re.search(r'href="(manage\?token=[^"]+)"', done.text).group(1))  # type: ignore[union-attr]
    assert status_of(site, http, manage_url) == "on"
    page = http.get(manage_url, timeout=10)
    assert page.status_code == 200
    tokens = re.findall(r"token=([A-Za-z0-9_-]{20,})", page.text)
    assert tokens
    log = "".join(site.log)
    assert all(token not in log for token in tokens)
    assert "GET /manage 200" in log


def test_a_public_address_is_refused_without_a_secret_and_site_url(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.web_site import site_env

    env = site_env(tmp_path)
    env.pop("JOBALERTS_SITE_URL")
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "web", "--host", "0.0.0.0", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "refusing to listen on 0.0.0.0" in run.stderr
    assert "Traceback" not in run.stderr
