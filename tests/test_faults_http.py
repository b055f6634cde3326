"""The HTTP fault matrix: a hostile board on 127.0.0.1 serves each fault to the REAL connectors
through the REAL `jobalerts ingest` (Prefect flow), beside a healthy board on another host.

After each case: the run finished with a recorded status and the README's exit code (2 when a
source failed), the healthy board was stored, the hostile body was kept when it was within the
cap, a re-run adds nothing, and no credential is in any text column of the warehouse, in the
printed output or in the logs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from tests.conftest import SAMPLE
from tests.hostile_server import (
    Behaviour,
    Server,
    body,
    closed_port,
    drip,
    endless,
    gzip_bomb,
    hostile_server,
    redirect,
    status,
    truncated,
)
from warehouse.db import connect_reader

pytestmark = pytest.mark.usefixtures("prefect_api")

MUSE_KEY = "muse-K3y-5ecret-0123"
USA_KEY = "usa-K3y-5ecret-4567"
SECRETS = (MUSE_KEY, USA_KEY)
CAP = 1_000_000
RECORDED = Path(__file__).parent / "data" / "recordings" / "themuse" / "page0.json"
LEVER_BODY = (SAMPLE / "lever" / "meridianclinical.json").read_bytes()
EMPTY_USAJOBS = b'{"SearchResult": {"SearchResultItems": [], "UserArea": {"NumberOfPages": "1"}}}'


def muse_page(title: str = "Clinical Trial Manager") -> bytes:
    """A one-page Muse answer (real shape) whose first job has this title (JSON-escaped)."""
    doc = json.loads(RECORDED.read_text())
    doc["page_count"] = 1
    text = json.dumps(doc)
    return text.replace('"Clinical Trial Manager"', json.dumps(title), 1).encode()


GOOD_MUSE = muse_page()
HTML = b"<html><body><h1>Service unavailable</h1></body></html>"


@dataclass(frozen=True)
class Case:
    """One fault: what the hostile host serves to the Muse board (and to the USAJOBS board when
    `everywhere`), the statuses each may end with, the exit code, whether the body is kept."""

    muse: Behaviour | None
    muse_status: frozenset[str]
    exit_code: int
    kept: bool
    everywhere: bool = False
    usajobs_status: frozenset[str] = frozenset({"ok"})


def _case(
    muse: Behaviour | None,
    muse_status: str | set[str],
    exit_code: int,
    kept: bool,
    usajobs_status: str | set[str] = "ok",
) -> Case:
    def one_of(value: str | set[str]) -> frozenset[str]:
        return frozenset({value} if isinstance(value, str) else value)

    everywhere = one_of(usajobs_status) != {"ok"}
    return Case(muse, one_of(muse_status), exit_code, kept, everywhere, one_of(usajobs_status))


CASES = {
    "malformed": _case(body(b'{"results": [{"id": '), "failed", 2, kept=True),
    "truncated": _case(truncated(GOOD_MUSE[:200], claimed=len(GOOD_MUSE)), "failed", 2, False),
    "html_for_json": _case(body(HTML, content_type="text/html"), "failed", 2, kept=True),
    "oversized": _case(body(b" " * (CAP + 10) + GOOD_MUSE), "failed", 2, kept=False),
    "endless": _case(endless(), "failed", 2, kept=False),
    "gzip_bomb": _case(gzip_bomb(CAP * 20), "failed", 2, kept=False),
    "wrong_charset": _case(
        body(
            muse_page("Clinical Trial Manager Café").decode("unicode_escape").encode("latin-1"),
            content_type="application/json; charset=utf-8",
        ),
        "failed",
        2,
        kept=True,
    ),
    "deep_json": _case(body(b"[" * 200_000 + b"]" * 200_000), "failed", 2, kept=True),
    "surrogates": _case(body(muse_page("Clinical Trial Manager \udc80")), "ok", 0, kept=True),
    "nul": _case(body(muse_page("Clinical Trial\u0000 Manager")), "ok", 0, kept=True),
    "invalid_utf8": _case(
        body(GOOD_MUSE.replace(b"Clinical Trial Manager", b"Clinical \xff\xfe Manager", 1)),
        "failed",
        2,
        kept=True,
    ),
    "429_storm": _case(status(429, Retry_After="0"), "rate_limited", 0, False, "rate_limited"),
    "huge_retry_after": _case(
        status(429, Retry_After="86400"), "rate_limited", 0, False, "rate_limited"
    ),
    "slow_drip": _case(drip(pause=0.05), "failed", 2, kept=False),
    "redirect_other_host": _case(None, "failed", 2, False, "failed"),  # set up per server
    "redirect_loop": _case(None, "failed", 2, False, "failed"),
    "5xx": _case(status(503), "failed", 2, False, "failed"),
    "connection_refused": _case(None, {"failed", "skipped"}, 2, False, {"failed", "skipped"}),
}


def _write_sources(folder: Path) -> Path:
    sources = [
        {"name": "muse-hostile", "kind": "themuse", "board": "muse", "company": "The Muse"},
        {"name": "usajobs-hostile", "kind": "usajobs", "board": "usajobs", "company": "USAJOBS"},
        {"name": "lever-healthy", "kind": "lever", "board": "meridianclinical", "company": "M"},
    ]
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def _configure(monkeypatch: pytest.MonkeyPatch, folder: Path, hostile: str, healthy: str) -> None:
    bases = {
        "themuse": f"{hostile}/muse",
        "usajobs": f"{hostile}/usajobs",
        "lever-global": f"{healthy}/lever",
    }
    env = {
        "HTTP_BASE_URLS": json.dumps(bases),
        "MUSE_API_KEY": MUSE_KEY,
        "USAJOBS_API_KEY": USA_KEY,
        "USAJOBS_EMAIL": "ops@example.org",
        "HTTP_RETRIES": "1",
        "HTTP_BACKOFF": "0.01",
        "HTTP_MAX_RETRY_AFTER": "1",
        "HTTP_TIMEOUT": "2",
        "HTTP_DEADLINE": "1.5",
        "HTTP_MAX_BYTES": str(CAP),
        "HTTP_MIN_HOST_DELAY": "0",
        "HTTP_CACHE_DIR": str(folder / "http-cache"),
        "SOURCE_RETRIES": "0",
    }
    for key, value in env.items():
        monkeypatch.setenv(f"JOBALERTS_{key}", value)
    get_settings.cache_clear()


def _routes(case: Case, name: str, hostile: Server, healthy: Server) -> None:
    muse = case.muse
    if name == "redirect_other_host":
        muse = redirect(healthy.url("/lever/stolen", host="localhost"))
    if name == "redirect_loop":
        muse = redirect(hostile.url("/muse/loop"))
    assert muse is not None
    hostile.routes.table["/muse"] = muse
    hostile.routes.table["/usajobs"] = muse if case.everywhere else body(EMPTY_USAJOBS)


def _statuses(db: Path) -> dict[str, str]:
    con = connect_reader(db)
    try:
        rows = con.execute(
            "SELECT source, status FROM source_runs WHERE run_id ="
            " (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)"
        ).fetchall()
        return dict(rows)
    finally:
        con.close()


def _counts(db: Path) -> dict[str, int]:
    con = connect_reader(db)
    try:
        queries = {
            "postings": "SELECT count(*) FROM postings",
            "healthy_postings": "SELECT count(*) FROM postings WHERE source = 'lever-healthy'",
            "raw": "SELECT count(*) FROM raw_payloads",
            "muse_raw": "SELECT count(*) FROM raw_payloads WHERE source = 'muse-hostile'",
            "running": "SELECT count(*) FROM runs WHERE status = 'running'",
        }
        return {k: int(con.execute(q).fetchone()[0]) for k, q in queries.items()}  # type: ignore[index]
    finally:
        con.close()


def _text_holding_secrets(db: Path) -> list[str]:
    """Every VARCHAR column of every table that holds a credential."""
    con = connect_reader(db)
    try:
        columns = con.execute(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)"
            " WHERE c.data_type = 'VARCHAR' AND t.table_type = 'BASE TABLE'"
        ).fetchall()
        found = []
        for schema, table, column in columns:
            for secret in SECRETS:
                sql = f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains("{column}", ?)'
                if con.execute(sql, [secret]).fetchone() != (0,):
                    found.append(f"{schema}.{table}.{column}")
        return found
    finally:
        con.close()


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_fault_matrix(
    case: Case,
    request: pytest.FixtureRequest,
    settings_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = request.node.callspec.id
    caplog.set_level(logging.DEBUG)
    with hostile_server() as hostile, hostile_server({"/lever/": body(LEVER_BODY)}) as healthy:
        base = hostile.url()
        if name == "connection_refused":
            base = f"http://127.0.0.1:{closed_port()}"
        else:
            _routes(case, name, hostile, healthy)
        _configure(monkeypatch, settings_env, base, healthy.url())
        sources = _write_sources(settings_env)
        db = get_settings().db_path
        runner = CliRunner()

        first = runner.invoke(app, ["ingest", "--sources", str(sources)])
        statuses, after_first = _statuses(db), _counts(db)
        second = runner.invoke(app, ["ingest", "--sources", str(sources)])
        after_second = _counts(db)

    assert first.exit_code == case.exit_code, first.output
    assert second.exit_code == case.exit_code, second.output
    assert statuses["muse-hostile"] in case.muse_status, statuses
    assert statuses["usajobs-hostile"] in case.usajobs_status, statuses
    if name == "connection_refused":
        assert "failed" in statuses.values()
    assert statuses["lever-healthy"] == "ok" and after_first["healthy_postings"] > 0
    assert after_first["running"] == 0  # every run ended with a recorded status
    assert (after_first["muse_raw"] > 0) == case.kept
    assert after_second["postings"] == after_first["postings"]  # a re-run adds no duplicates
    assert after_second["raw"] == after_first["raw"]
    assert _text_holding_secrets(db) == []
    for text in (first.output, second.output, caplog.text):
        assert not any(secret in text for secret in SECRETS)
    seen_elsewhere = " ".join(f"{s.path} {s.headers}" for s in healthy.routes.seen)
    assert not any(secret in seen_elsewhere for secret in SECRETS)


def test_a_host_answering_429_forever_delays_neither_its_neighbours_nor_the_run(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small-scale: 8 boards on a host that answers 429 (Retry-After 2 s) forever, 4 healthy
    boards on another host. The storm's boards end rate-limited (deferred, exit 0) after a
    bounded number of requests; the healthy boards are stored. (Same-host turns during the
    sleeps: test_faults_http_session; the 70-board figure: bench/network_faults.py.)"""
    storm_boards = [
        {"name": f"storm-{i}", "kind": "themuse", "board": f"s{i}", "company": "S"}
        for i in range(8)
    ]
    healthy_boards = [
        {"name": f"lever-{i}", "kind": "lever", "board": f"h{i}", "company": "H"} for i in range(4)
    ]
    path = settings_env / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": storm_boards + healthy_boards}))
    with (
        hostile_server({"/": status(429, Retry_After="2")}) as storm,
        hostile_server({"/lever/": body(LEVER_BODY)}) as healthy,
    ):
        _configure(monkeypatch, settings_env, storm.url(), healthy.url())
        monkeypatch.setenv("JOBALERTS_HTTP_MAX_RETRY_AFTER", "5")
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["ingest", "--sources", str(path)])
        asked = len(storm.routes.seen)
    assert result.exit_code == 0, result.output
    assert "8 source(s) rate-limited" in result.output
    con = connect_reader(get_settings().db_path)
    status_of = dict(con.execute("SELECT source, status FROM source_runs").fetchall())
    con.close()
    assert {status_of[b["name"]] for b in storm_boards} == {"rate_limited"}
    assert {status_of[b["name"]] for b in healthy_boards} == {"ok"}
    assert asked <= len(storm_boards) * 2  # each asked at most once more (http_retries=1)


def test_with_no_network_every_host_fails_once_fast_and_a_summary_is_printed(
    settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names of boards do not resolve (the Prefect API on loopback still does): each host is
    tried once, its other boards are skipped with the reason, and the summary is printed."""
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def offline(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(".invalid"):
            asked.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    boards = [
        {"name": f"{kind}-{i}", "kind": kind, "board": f"b{i}", "company": "C"}
        for kind in ("lever", "themuse")
        for i in range(3)
    ]
    path = settings_env / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": boards}))
    _configure(monkeypatch, settings_env, "http://muse.invalid", "http://lever.invalid")
    monkeypatch.setenv("JOBALERTS_HTTP_RETRIES", "3")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["ingest", "--sources", str(path)])
    assert result.exit_code == 2
    assert "source(s) failed" in result.output and "unreachable" in result.output
    assert len(asked) <= 6  # at most one lookup per board, none retried (3 retries configured)
    statuses = _statuses(get_settings().db_path)
    assert set(statuses.values()) <= {"failed", "skipped"} and "failed" in statuses.values()
