"""Read snapshots with real processes: an analyst holding the snapshot for as long as they like
never blocks a real `jobalerts ingest`, and a digest runs while an ingest is in progress.

The boards are RSS feeds on local HTTP servers; one can be held back by the test, so the
ingest stays in progress for as long as the test needs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from core.models import SourceRef
from core.settings import get_settings
from opstore.subscriptions import save_subscription
from pipeline.ingest import fetch_source, make_session, store_and_parse
from pipeline.stores import ops_store
from sources.options import FetchOptions
from subscriptions.input import subscription_from
from warehouse.db import writer
from warehouse.runs import record_source_outcome
from warehouse.snapshot import connect_snapshot, publish, read_info, snapshot_path

REPO = Path(__file__).resolve().parents[1]
JOBALERTS = Path(sys.executable).with_name("jobalerts")
# CLI processes report their flows to the session's Prefect API (see conftest.prefect_api).
pytestmark = pytest.mark.usefixtures("prefect_api")
# The recorded feed, dated today as a live feed is (digests take roles posted in their window).
RSS = re.sub(
    r"<pubDate>[^<]*</pubDate>",
    f"<pubDate>{format_datetime(datetime.now(UTC))}</pubDate>",
    (Path(__file__).parent / "data" / "recordings" / "feed" / "teamtailor.rss").read_text(),
)

# The analyst: opens the snapshot read-only, says what it sees, then runs a long query again
# and again, checking that what it sees never changes, until told to stop on stdin.
ANALYST = """
import sys, threading
from pathlib import Path
from warehouse.snapshot import connect_snapshot

con = connect_snapshot(Path(sys.argv[1]))
def state():
    return con.execute(
        "SELECT (SELECT count(*) FROM postings), (SELECT count(*) FROM current_postings),"
        " (SELECT published_at FROM snapshot_info)").fetchone()
first = state()
print("ready", first[0], flush=True)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
rounds = 0
while not stop.is_set():
    con.execute("SELECT sum(hash(i)) FROM range(3000000) t(i)").fetchone()  # a long query
    assert state() == first, (state(), first)
    rounds += 1
print("consistent", rounds, first[0], flush=True)
"""


class FeedHandler(BaseHTTPRequestHandler):
    """`/<name>.rss`: the recorded feed with ids and titles of its own; `/held-*` waits until
    the test releases it."""

    release = threading.Event()
    held = threading.Event()

    def do_GET(self) -> None:
        name = self.path.strip("/").split(".")[0]
        if name.startswith("held"):
            type(self).held.set()
            type(self).release.wait(120)
        body = RSS.replace("<guid>", f"<guid>{name}-").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feeds() -> Iterator[str]:
    """A local feed server; its base URL."""
    FeedHandler.release = threading.Event()
    FeedHandler.held = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    FeedHandler.release.set()
    server.shutdown()
    server.server_close()


def sources_file(path: Path, base: str, names: list[str]) -> Path:
    """A sources file of feed boards, one per name (a `held-` name waits for the test)."""
    entries = [
        {"name": f"feed-{n}", "kind": "feed", "board": n, "company": f"Vireo {n}",
         "url": f"{base}/{n}.rss"}
        for n in names
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({"version": 1, "sources": entries}))
    return path


def env_for(tmp: Path, db: Path, role: str) -> dict[str, str]:
    """A process's environment: its own Prefect home, fast polite settings, no retries."""
    return {
        **os.environ,
        "PREFECT_HOME": str(tmp / f"prefect-{role}"),
        "JOBALERTS_DB_PATH": str(db),
        "JOBALERTS_OUTBOX_DIR": str(tmp / "outbox"),
        "JOBALERTS_HTTP_CACHE_DIR": str(tmp / "http-cache"),
        "JOBALERTS_HTTP_MIN_HOST_DELAY": "0",
        "JOBALERTS_HTTP_TIMEOUT": "150",
        "JOBALERTS_SOURCE_RETRIES": "0",
        "JOBALERTS_SMTP_HOST": "",
    }


def seed(db: Path, base: str) -> int:
    """Ingest one feed in this process and publish the first snapshot; its posting count."""
    source = SourceRef("feed-seed", "feed", "seed", "Vireo seed", url=f"{base}/seed.rss")
    with make_session_for_tests() as session:
        fetched = fetch_source(session, source, FetchOptions(timeout=10))
    with writer(db) as con:
        outcome = store_and_parse(con, fetched)
        record_source_outcome(con, "seed", outcome)
        publish(con, db, "seed", "seed")
    return outcome.postings


def make_session_for_tests():
    from core.settings import get_settings

    settings = get_settings().model_copy(update={"http_min_host_delay": 0.0})
    return make_session(settings)


def start(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip


def test_an_analyst_holding_the_snapshot_never_blocks_an_ingest(
    settings_env, feeds: str, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    seeded = seed(db, feeds)
    assert seeded > 0
    analyst = start([sys.executable, "-c", ANALYST, str(snapshot_path(db))],
                    env_for(tmp_path, db, "analyst"), stdin=subprocess.PIPE)  # fmt: skip
    try:
        assert analyst.stdout is not None and analyst.stdout.readline().split() == [
            "ready",
            str(seeded),
        ]
        sources = sources_file(tmp_path / "sources.yaml", feeds, ["one", "two", "three"])
        started = time.monotonic()
        ingest = subprocess.run(
            [str(JOBALERTS), "ingest", "--sources", str(sources)],
            cwd=REPO, env=env_for(tmp_path, db, "ingest"), capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        took = time.monotonic() - started
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        assert analyst.poll() is None  # still holding its connection, still querying
        # DuckDB's writer would have failed after 30 s against a reader of the same file
        assert took < 150, took
    finally:
        out, err = analyst.communicate("stop\n", timeout=120)
    assert analyst.returncode == 0, err
    word, rounds, count = out.split()
    assert word == "consistent" and int(rounds) >= 1 and int(count) == seeded

    # a new reader sees the ingest, and is told how old the snapshot is
    after = subprocess.run(
        [str(JOBALERTS), "sql", "select count(*) as n from postings", "--format", "csv"],
        cwd=REPO, env=env_for(tmp_path, db, "sql"), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert after.returncode == 0, after.stderr
    assert after.stdout.splitlines() == ["n", str(seeded * 4)]
    assert "read snapshot published" in after.stderr
    assert "after ingest: run finished" in after.stderr


def test_a_digest_runs_while_an_ingest_is_in_progress(
    settings_env, feeds: str, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    seed(db, feeds)
    with ops_store(get_settings(), db).transaction() as con:
        save_subscription(con, subscription_from({"email": "cra@example.org"}), datetime.now(UTC))
    sources = sources_file(tmp_path / "sources.yaml", feeds, ["held-one", "quick"])
    ingest = start([str(JOBALERTS), "ingest", "--sources", str(sources)],
                   env_for(tmp_path, db, "ingest"))  # fmt: skip
    try:
        assert FeedHandler.held.wait(120), "the ingest never asked for the held board"
        digest = subprocess.run(
            [str(JOBALERTS), "digest", "--cadence", "daily"],
            cwd=REPO, env=env_for(tmp_path, db, "digest"), capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert ingest.poll() is None, "the ingest ended before the digest did"
        assert digest.returncode == 0, digest.stdout + digest.stderr
        assert list((tmp_path / "outbox").glob("*.eml"))
    finally:
        FeedHandler.release.set()
        out, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, out + err
    with connect_snapshot(snapshot_path(db)) as con:
        assert read_info(con).step == "ingest: run finished"
