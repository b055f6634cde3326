"""`jobalerts web` as a user runs it: a real process serving the link a digest carries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import requests

from core.models import Subscription
from digests.unsubscribe import unsubscribe_url
from opstore.subscriptions import get_subscription, save_subscription
from opstore.tokens import issue_token
from tests.helpers import bound_address, ops_of

SECRET = "command-test-secret"
BASE_URL = "https://alerts.example.org/unsubscribe"


def start_web(db: Path, secret: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "JOBALERTS_UNSUBSCRIBE_SECRET": secret,
        "JOBALERTS_UNSUBSCRIBE_BASE_URL": BASE_URL,
    }
    command = [sys.executable, "-m", "cli.main", "web", "--port", "0", "--db", str(db)]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def test_web_command_serves_the_digest_link_and_stops_on_ctrl_c(settings_env: Path) -> None:
    db = settings_env / "warehouse.duckdb"
    sub_id = save_subscription(
        ops_of(db), Subscription(email="cra@example.org", cadence="daily"), datetime.now(UTC)
    )
    link = unsubscribe_url(
        BASE_URL, issue_token(ops_of(db), "unsubscribe", sub_id, datetime.now(UTC))
    )
    process = start_web(db, SECRET)
    try:
        base, _ = bound_address(process)
        local_link = link.replace(BASE_URL, f"{base}/unsubscribe")
        with requests.Session() as http:
            http.trust_env = False
            assert http.get(f"{base}/healthz", timeout=10).text.strip() == "ok"
            answer = http.post(local_link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
        assert answer.status_code == 200, answer.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    found = get_subscription(ops_of(db), sub_id, "cra@example.org")
    assert found is not None and found[1] is False


def test_web_command_warns_about_the_placeholder_secret(settings_env: Path) -> None:
    process = start_web(settings_env / "warehouse.duckdb", "change-me-in-production")
    try:
        _, printed = bound_address(process)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    assert "warning: JOBALERTS_UNSUBSCRIBE_SECRET is the placeholder" in printed
