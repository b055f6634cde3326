"""The session's defences, one mechanism at a time, against a hostile server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.errors import (
    HostDownError,
    LayoutChangedError,
    RateLimitedError,
    SourceError,
    SourceSkippedError,
    TransientSourceError,
)
from core.models import SourceRef
from pipeline.ingest import fetch_source, store_and_parse
from sources.boards import themuse, usajobs
from sources.options import FetchOptions
from sources.politeness import HostHealth
from sources.retries import retry_after_seconds
from sources.session import build_session, fetch
from tests.helpers import fetch_board
from tests.hostile_server import (
    Behaviour,
    body,
    closed_port,
    drip,
    drip_headers,
    hostile_server,
    redirect,
    status,
    truncated,
)

MUSE = SourceRef(name="muse", kind="themuse", board="muse", company="The Muse")
USAJOBS = SourceRef(name="usajobs", kind="usajobs", board="usajobs", company="USAJOBS")
MUSE_KEY = "muse-K3y-0123456789"
USA_KEY = "usa-K3y-9876543210"
KEYS = {"muse_api_key": MUSE_KEY, "usajobs_api_key": USA_KEY, "usajobs_email": "ops@example.org"}
EMPTY_MUSE = b'{"page": 0, "page_count": 1, "results": []}'
EMPTY_USAJOBS = b'{"SearchResult": {"SearchResultItems": [], "UserArea": {"NumberOfPages": "1"}}}'


def options(base: str, **kw: object) -> FetchOptions:
    urls = {"themuse": f"{base}/muse", "usajobs": f"{base}/usajobs"}
    settings: dict[str, object] = {"timeout": 5.0, "deadline": 5.0, "max_bytes": 1_000_000}
    return FetchOptions(base_urls=urls, credentials=KEYS, **{**settings, **kw})  # type: ignore[arg-type]


def session(retries: int = 2, hosts: HostHealth | None = None, max_retry_after: float = 5.0):
    return build_session(
        user_agent="t", retries=retries, backoff=0.01, max_retry_after=max_retry_after, hosts=hosts
    )


def test_a_200000_deep_json_body_keeps_its_payload_and_is_recorded(db) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    with (
        hostile_server({"/muse": body(deep)}) as server,
        pytest.raises(LayoutChangedError, match="not JSON") as caught,
    ):
        fetch_source(session(), MUSE, options(server.url()))
    assert [p.body for p in caught.value.payloads] == [deep]
    from pipeline.ingest import FetchResult

    fetched = FetchResult(MUSE, payloads=caught.value.payloads, error=caught.value)
    outcome = store_and_parse(db, fetched)  # no RecursionError: a recorded parse error
    assert outcome.status == "failed" and outcome.parse_errors == 1
    assert db.execute("SELECT count(*) FROM raw_payloads").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM parse_errors").fetchone() == (1,)


def test_a_body_shorter_than_its_content_length_is_transient() -> None:
    with (
        hostile_server({"/muse": truncated(b'{"results": [', claimed=5000)}) as server,
        pytest.raises(TransientSourceError, match="body cut short"),
    ):
        fetch_board(themuse, session(retries=0), MUSE, options(server.url()))


@pytest.mark.parametrize("slow", [drip(pause=0.1), drip_headers(pause=0.1)], ids=["body", "head"])
def test_a_slow_drip_is_cut_at_the_total_deadline(slow: Behaviour) -> None:
    with hostile_server({"/muse": slow}) as server:
        started = time.monotonic()
        with pytest.raises(TransientSourceError, match="deadline"):
            fetch_board(themuse, session(retries=0), MUSE, options(server.url(), deadline=1.0))
        elapsed = time.monotonic() - started
    assert elapsed < 5.0  # the 5 s idle timeout never fired: only the 1 s deadline can cut it


def test_a_retry_after_beyond_the_cap_defers_the_source_and_its_host() -> None:
    hosts = HostHealth()
    with hostile_server({"/": status(429, Retry_After="86400")}) as server:
        with pytest.raises(RateLimitedError, match="86400 s is beyond the 5 s cap"):
            fetch_board(themuse, session(hosts=hosts), MUSE, options(server.url()))
        assert len(server.routes.seen) == 1  # not retried: deferred to the next run
        with pytest.raises(RateLimitedError, match="deferred to the next run"):
            fetch_board(usajobs, session(hosts=hosts), USAJOBS, options(server.url()))
        assert len(server.routes.seen) == 1  # the host's other board did not ask again


def test_a_429_storm_ends_rate_limited_after_bounded_retries() -> None:
    with hostile_server({"/": status(429, Retry_After="0")}) as server:
        with pytest.raises(RateLimitedError, match="429 after retries") as caught:
            fetch_board(themuse, session(retries=2), MUSE, options(server.url()))
        assert len(server.routes.seen) == 3
    assert caught.value.status == 429


def test_sleeping_on_retry_after_does_not_hold_the_host_turn() -> None:
    table = {"/muse": status(429, Retry_After="2"), "/usajobs": body(EMPTY_USAJOBS)}
    done: dict[str, float] = {}
    with hostile_server(table) as server:
        opts = options(server.url())

        def storm() -> None:
            with pytest.raises(RateLimitedError):
                fetch_board(themuse, session(retries=1), MUSE, opts)
            done["storm"] = time.monotonic()

        started = time.monotonic()
        thread = threading.Thread(target=storm)
        thread.start()
        while not server.routes.seen:
            time.sleep(0.01)
        fetch_board(usajobs, session(), USAJOBS, opts)  # same host, while the storm sleeps
        done["healthy"] = time.monotonic()
        thread.join()
    assert done["healthy"] < done["storm"]
    assert done["healthy"] - started < 1.5  # did not wait out the other board's 2 s sleep


def test_connection_refused_fails_fast_and_skips_the_hosts_other_boards() -> None:
    hosts = HostHealth()
    base = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(HostDownError, match="unreachable"):
        fetch_board(themuse, session(retries=3, hosts=hosts), MUSE, options(base))
    with pytest.raises(SourceSkippedError, match="unreachable earlier in this run"):
        fetch_board(usajobs, session(retries=3, hosts=hosts), USAJOBS, options(base))
    assert time.monotonic() - started < 1.0  # no backoff between connection attempts


def test_a_name_that_does_not_resolve_is_a_host_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: object, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(HostDownError, match="unreachable"):
        fetch_board(themuse, session(retries=3), MUSE, options("http://board.invalid"))


def test_a_redirect_to_another_host_is_refused_and_carries_no_key() -> None:
    with hostile_server({"/": body(EMPTY_USAJOBS)}) as other:
        elsewhere = other.url("/usajobs", host="localhost")
        with hostile_server({"/": redirect(elsewhere)}) as server:
            with pytest.raises(SourceError, match="another host") as caught:
                fetch_board(usajobs, session(), USAJOBS, options(server.url()))
            with pytest.raises(SourceError, match="another host"):
                fetch_board(themuse, session(), MUSE, options(server.url()))
    assert other.routes.seen == []  # neither the header key nor the query key went there
    assert not isinstance(caught.value, TransientSourceError)


def test_a_same_host_redirect_is_followed_and_the_payload_says_where_it_came_from() -> None:
    with hostile_server() as server:
        server.routes.table["/muse"] = redirect(server.url("/moved/muse"), code=301)
        server.routes.table["/moved/muse"] = body(EMPTY_MUSE)
        [raw] = fetch_board(themuse, session(), MUSE, options(server.url()))
    assert raw.url.startswith(server.url("/muse?")) and MUSE_KEY not in raw.url
    assert raw.final_url == server.url("/moved/muse")
    assert raw.body == EMPTY_MUSE


def test_a_redirect_loop_is_an_error() -> None:
    with hostile_server() as server:
        server.routes.table["/"] = redirect(server.url("/muse/again"))
        with pytest.raises(SourceError, match="redirect loop"):
            fetch_board(themuse, session(), MUSE, options(server.url()))


def test_credentials_are_masked_in_payloads_errors_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    with hostile_server({"/muse": body(EMPTY_MUSE)}) as server:
        [raw] = fetch_board(themuse, session(), MUSE, options(server.url()))
        server.routes.table["/muse"] = status(500)
        with pytest.raises(TransientSourceError) as caught:
            fetch_board(themuse, session(retries=1), MUSE, options(server.url()))
        assert MUSE_KEY in server.routes.seen[0].path  # the board did get its key
    assert "api_key=REDACTED" in raw.url
    for text in (raw.url, str(caught.value), caught.value.url, caplog.text):
        assert MUSE_KEY not in text
    assert "/muse?" in caplog.text  # urllib3 did log the URL, masked


def test_a_secret_named_parameter_is_masked_even_when_not_configured() -> None:
    with hostile_server({"/x": body(b"{}")}) as server:
        url = server.url("/x?page=1&api_key=unregistered-secret&token=abc123")
        raw = fetch(session(), MUSE, url, FetchOptions(timeout=5))
    assert "unregistered-secret" not in raw.url and "abc123" not in raw.url
    assert raw.url.endswith("page=1&api_key=REDACTED&token=REDACTED")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Sun, 06 Dec 2026 08:01:00 GMT", now) == 60.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_an_oversized_body_is_refused_not_stored(tmp_path: Path) -> None:
    with (
        hostile_server({"/muse": body(b" " * 20_000 + EMPTY_MUSE)}) as server,
        pytest.raises(SourceError, match="larger than") as caught,
    ):
        fetch_source(session(), MUSE, options(server.url(), max_bytes=10_000))
    assert caught.value.payloads == []


def test_robots_rules_are_not_kept_as_a_payload_of_the_board() -> None:
    table = {"/robots.txt": body(b"User-agent: *\nAllow: /\n", content_type="text/plain")}
    table["/careers"] = body(b'{"not": "html"}')
    with hostile_server(table) as server:
        page = SourceRef(
            name="jl", kind="jsonld", board="jl", company="J", url=server.url("/careers")
        )
        with pytest.raises(LayoutChangedError) as caught:
            fetch_source(session(), page, FetchOptions(timeout=5))
    assert [p.url for p in caught.value.payloads] == [server.url("/careers")]


def test_a_public_feed_may_move_to_another_host_but_a_keyed_api_may_not() -> None:
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'
    with hostile_server({"/jobs.rss": body(feed, content_type="application/rss+xml")}) as other:
        moved = other.url("/jobs.rss", host="localhost")
        with hostile_server({"/": redirect(moved)}) as server:
            page = SourceRef(name="f", kind="feed", board="f", company="F", url=server.url("/rss"))
            [raw] = fetch_source(session(), page, options(server.url())).payloads
            with pytest.raises(SourceError, match="another host"):
                fetch_board(themuse, session(), MUSE, options(server.url()))
    assert raw.body == feed and raw.final_url == moved
    assert raw.url == server.url("/rss")
    assert [s.path for s in other.routes.seen] == ["/jobs.rss"]  # the API never went there


def test_a_connectors_own_error_is_masked_too() -> None:
    secret_page = f"/careers?token={MUSE_KEY}"
    with hostile_server({"/robots.txt": status(404), "/careers": body(b"{}")}) as server:
        page = SourceRef(
            name="jl", kind="jsonld", board="jl", company="J", url=server.url(secret_page)
        )
        with pytest.raises(LayoutChangedError) as caught:
            fetch_source(session(), page, options(server.url()))
    assert MUSE_KEY not in str(caught.value) and MUSE_KEY not in caught.value.url


def test_keys_stored_before_the_upgrade_are_masked_by_migration_9(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warehouse import db as warehouse_db

    every = warehouse_db.migration_files()
    monkeypatch.setattr(warehouse_db, "migration_files", lambda: [m for m in every if m[0] < 9])
    con = warehouse_db.connect_writer(tmp_path / "old.duckdb")
    leaky = "https://www.themuse.com/api/public/jobs?page=0&api_key=OLDKEY123"
    now = datetime.now(UTC)
    for raw_id, url in ((1, leaky), (2, leaky.replace("OLDKEY123", "ROTATED99"))):
        con.execute(
            "INSERT INTO raw_payloads (id, source, kind, url, fetched_at, status, content_type,"
            " content_hash, body) VALUES (?, 'muse', 'themuse', ?, ?, 200, '', 'h', '')",
            [raw_id, url, now],
        )
    summary = json.dumps({"sources": [{"url": leaky}]})
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, finished_at, status, summary)"
        " VALUES ('r', 'ingest', ?, ?, 'ok', ?)",
        [now, now, summary],
    )
    con.execute(
        "INSERT INTO source_runs (run_id, source, started_at, finished_at, status, error, url)"
        " VALUES ('r', 'muse', ?, ?, 'failed', ?, ?)",
        [now, now, f"HTTP 500: {leaky} failed", leaky],
    )
    monkeypatch.setattr(warehouse_db, "migration_files", lambda: every)
    assert 9 in warehouse_db.apply_migrations(con)
    text = con.execute(
        "SELECT string_agg(url, ' ') FROM raw_payloads UNION ALL"
        " SELECT string_agg(url || error, ' ') FROM source_runs UNION ALL"
        " SELECT string_agg(summary, ' ') FROM runs"
    ).fetchall()
    con.close()
    assert "OLDKEY123" not in str(text) and "ROTATED99" not in str(text)
    assert "api_key=REDACTED#2" in str(text) and "api_key=REDACTED failed" in str(text)
