"""Requirement 2 with real processes: while a real `jobalerts ingest` runs against a slow local
board, 100 sign-ups, confirmations, preference changes and unsubscribes from concurrent clients
(threads using the library, the web server's one-click POST in its own process, and `jobalerts
subscribe` processes) are each answered within a second, and every one lands."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml

from core.settings import Settings
from opstore.db import OpsStore
from opstore.subscriptions import (
    activate_id,
    deactivate_id,
    get_subscription,
    save_subscription,
)
from opstore.tokens import issue_token, resolve_token
from pipeline.stores import ops_store
from subscriptions.input import subscription_from
from tests.helpers import bound_address

# CLI processes report their flows to the session's Prefect API (see conftest.prefect_api).
pytestmark = pytest.mark.usefixtures("prefect_api")

REPO = Path(__file__).resolve().parents[1]
ATOM = (REPO / "tests" / "data" / "recordings" / "feed" / "atom.xml").read_bytes()
BOARDS = 6
BOARD_SECONDS = 4.0  # each board answers this slowly: the ingest runs for a while
ANSWER_SECONDS = 1.0


class SlowBoards(ThreadingHTTPServer):
    daemon_threads = True
    started = threading.Event()


class SlowBoard(BaseHTTPRequestHandler):
    server: SlowBoards

    def do_GET(self) -> None:
        if self.path.startswith("/robots.txt"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.started.set()
        time.sleep(BOARD_SECONDS)
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(ATOM)))
        self.end_headers()
        self.wfile.write(ATOM)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def boards() -> Iterator[SlowBoards]:
    server = SlowBoards(("127.0.0.1", 0), SlowBoard)
    server.started = threading.Event()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def sources_file(folder: Path, port: int) -> Path:
    doc = {
        "version": 1,
        "sources": [
            {"name": f"feed-slow-{n}", "kind": "feed", "board": f"slow{n}",
             "company": f"Slow {n}", "url": f"http://127.0.0.1:{port}/feed-{n}.xml"}
            for n in range(BOARDS)
        ],
    }  # fmt: skip
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def timed(op: Callable[[], object]) -> tuple[float, str]:
    """How long an operation took to be answered, and what it was."""
    started = time.monotonic()
    op()
    return time.monotonic() - started, getattr(op, "kind", "?")


@pytest.mark.slow
def test_100_operations_during_a_running_ingest_answer_fast_and_all_land(
    settings_env: Path, boards: SlowBoards
) -> None:
    db = settings_env / "warehouse.duckdb"
    env = {
        **os.environ,
        "JOBALERTS_DB_PATH": str(db),
        "JOBALERTS_HTTP_CACHE_DIR": str(settings_env / "cache"),
        "JOBALERTS_SOURCE_RETRIES": "0",
        "JOBALERTS_HTTP_RETRIES": "0",
        "JOBALERTS_HTTP_MIN_HOST_DELAY": "0",
        "JOBALERTS_UNSUBSCRIBE_BASE_URL": "https://alerts.example.org/unsubscribe",
    }
    store = ops_store(Settings(db_path=db))
    now = datetime.now(UTC)
    to_confirm, to_change, to_stop = [], [], []
    for n in range(25):
        sub = save_subscription(store, subscription_from({"email": f"c{n}@x.org"}), now)
        deactivate_id(store, sub)
        to_confirm.append((sub, issue_token(store, "confirm", sub, now)))
        to_change.append(save_subscription(store, subscription_from({"email": f"m{n}@x.org"}), now))
        sub = save_subscription(store, subscription_from({"email": f"u{n}@x.org"}), now)
        to_stop.append((sub, issue_token(store, "unsubscribe", sub, now)))

    web = cli("web", "--port", "0", "--db", str(db), env=env)
    ingest = cli("ingest", "--sources", str(sources_file(settings_env, boards.server_port)),
                 "--db", str(db), env=env)  # fmt: skip
    try:
        base, _ = bound_address(web)
        assert boards.started.wait(timeout=120), "the ingest never reached the boards"
        http = requests.Session()
        http.trust_env = False
        ops = operations(store, http, base, to_confirm, to_change, to_stop)
        with ThreadPoolExecutor(max_workers=8) as pool:
            times = list(pool.map(timed, ops))
        subscribers = [
            cli("subscribe", f"cli{n}@x.org", "--db", str(db), env=env) for n in range(4)
        ]
        cli_done = [p.wait(timeout=120) for p in subscribers]
        assert ingest.poll() is None, "the ingest ended before the operations did"
        assert ingest.wait(timeout=300) == 0, ingest.stderr.read() if ingest.stderr else ""
    finally:
        for process in (web, ingest):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert len(times) == 96 and max(times)[0] < ANSWER_SECONDS, sorted(times)[-8:]
    assert cli_done == [0, 0, 0, 0]
    assert_all_landed(store, to_confirm, to_change, to_stop)


def operations(
    store: OpsStore,
    http: requests.Session,
    base: str,
    to_confirm: list[tuple[int, str]],
    to_change: list[int],
    to_stop: list[tuple[int, str]],
) -> list[partial[None]]:
    """21 sign-ups, 25 confirmations, 25 changes, 15 library and 10 web unsubscribes."""

    def sign_up(n: int) -> None:
        sub = subscription_from({"email": f"new{n}@x.org", "levels": ["manager"]})
        save_subscription(store, sub, datetime.now(UTC))

    def confirm(token: str) -> None:
        with store.transaction() as con:
            sub_id = resolve_token(con, token, "confirm", datetime.now(UTC))
            assert sub_id is not None and activate_id(con, sub_id, datetime.now(UTC)) == 1

    def change(sub_id: int) -> None:
        found = get_subscription(store, sub_id)
        assert found is not None
        entry = {"email": found[0].email, "countries": ["GB"], "workplaces": ["remote"]}
        save_subscription(store, subscription_from(entry), datetime.now(UTC))

    def stop(sub_id: int, token: str, by_web: bool) -> None:
        if by_web:
            answer = http.post(f"{base}/unsubscribe?token={token}",
                               data={"List-Unsubscribe": "One-Click"}, timeout=10)  # fmt: skip
            assert answer.status_code == 200 and "You are unsubscribed" in answer.text
            return
        with store.transaction() as con:
            assert resolve_token(con, token, "unsubscribe", datetime.now(UTC)) == sub_id
            assert deactivate_id(con, sub_id) == 1

    ops = [partial(sign_up, n) for n in range(21)]
    ops += [partial(confirm, t) for _, t in to_confirm]
    ops += [partial(change, s) for s in to_change]
    ops += [partial(stop, s, t, n < 10) for n, (s, t) in enumerate(to_stop)]
    for op in ops:
        op.kind = f"{op.func.__name__}{'-web' if op.args[-1] is True else ''}"  # type: ignore[attr-defined]
    return ops


def assert_all_landed(
    store: OpsStore,
    to_confirm: list[tuple[int, str]],
    to_change: list[int],
    to_stop: list[tuple[int, str]],
) -> None:
    from opstore.subscriptions import active_subscriptions

    active = {s.email: s for s in active_subscriptions(store, "daily")}
    assert {f"new{n}@x.org" for n in range(21)} <= set(active)
    assert {f"cli{n}@x.org" for n in range(4)} <= set(active)
    assert all(get_subscription(store, sub)[1] for sub, _ in to_confirm)  # type: ignore[index]
    for sub_id in to_change:
        found = get_subscription(store, sub_id)
        assert found is not None and found[0].countries == ("GB",)
    assert not any(get_subscription(store, sub)[1] for sub, _ in to_stop)  # type: ignore[index]
