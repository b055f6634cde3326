"""Stopping runs: SIGTERM or Ctrl-C (SIGINT) stops a real `jobalerts ingest`, `run` and
`digest` within 5 s, marks the run `cancelled` and keeps what was committed; a run left
`running` by a killed process is marked `aborted` when the next run starts, and `stats` says
so. Real subprocesses, a real board on 127.0.0.1 that never answers, a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.slow_board import slow_board, sources_file
from tests.smtp_server import CollectingHandler, smtp_server
from warehouse.db import connect_reader

# CLI processes report their flows to the session's Prefect API (see conftest.prefect_api).
pytestmark = pytest.mark.usefixtures("prefect_api")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
STOP_WITHIN = 5.0


def cli_env(folder: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "JOBALERTS_DB_PATH": str(folder / "w.duckdb"),
            "JOBALERTS_OUTBOX_DIR": str(folder / "outbox"), "JOBALERTS_HTTP_MIN_HOST_DELAY": "0",
            "PREFECT_HOME": str(folder / "prefect"), **extra}  # fmt: skip


def start(args: list[str], env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env, start_new_session=True,
        stdout=(folder / "out.txt").open("wb"), stderr=(folder / "err.txt").open("wb"),
    )  # fmt: skip


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240, check=False)  # fmt: skip


def stop(process: subprocess.Popen[bytes], signum: int) -> float:
    """Send the signal; return how long the process (and its group) took to be gone."""
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        process.wait(timeout=30)
    finally:
        _empty_group(process.pid)
    return time.monotonic() - sent


def _empty_group(group: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("processes of the stopped command were left behind")


def runs(folder: Path) -> list[tuple[str, str]]:
    con = connect_reader(folder / "w.duckdb")
    try:
        return con.execute("SELECT flow, status FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def stored_sources(folder: Path) -> list[str]:
    con = connect_reader(folder / "w.duckdb")
    try:
        return [r[0] for r in con.execute("SELECT DISTINCT source FROM raw_payloads").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("command", "signum", "code"),
    [("ingest", signal.SIGTERM, 143), ("ingest", signal.SIGINT, 130), ("run", signal.SIGTERM, 143)],
)
def test_a_stuck_ingest_stops_within_seconds_and_is_cancelled(
    tmp_path: Path, command: str, signum: int, code: int
) -> None:
    with slow_board() as board:
        sources = sources_file(tmp_path, board.base)
        process = start([command, "--sources", str(sources)], cli_env(tmp_path), tmp_path)
        assert board.stuck.wait(120), (tmp_path / "err.txt").read_text()[-2000:]
        time.sleep(0.5)
        took = stop(process, signum)
    err = (tmp_path / "err.txt").read_text()
    assert took < STOP_WITHIN, err[-2000:]
    assert process.returncode == code
    assert "stopped by" in err and "cancelled" in err
    assert runs(tmp_path)[0] == ("ingest", "cancelled")
    assert stored_sources(tmp_path) == ["feed-fast"]  # committed before the stop: kept


def test_a_digest_stops_mid_batch_and_the_rest_waits(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert run(["ingest", "--sources", str(SAMPLE / "sources.yaml"), "--replay", str(SAMPLE)],
               env).returncode == 0  # fmt: skip
    assert run(["subscribe", "--from", str(SAMPLE / "subscriptions.yaml")], env).returncode == 0
    handler = CollectingHandler(delay=60)
    with smtp_server(handler) as port:
        smtp = {"JOBALERTS_SMTP_HOST": "127.0.0.1", "JOBALERTS_SMTP_PORT": str(port),
                "JOBALERTS_SMTP_SECURITY": "none"}  # fmt: skip
        process = start(["digest", "--cadence", "daily"], {**env, **smtp}, tmp_path)
        assert handler.receiving.wait(120), (tmp_path / "err.txt").read_text()[-2000:]
        took = stop(process, signal.SIGTERM)
    err = (tmp_path / "err.txt").read_text()
    assert took < STOP_WITHIN, err[-2000:]
    assert process.returncode == 143
    assert runs(tmp_path)[-1] == ("digest-daily", "cancelled")


def test_a_killed_run_is_aborted_when_the_next_starts_and_stats_says_so(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    with slow_board() as board:
        process = start(["ingest", "--sources", str(sources_file(tmp_path, board.base))], env,
                        tmp_path)  # fmt: skip
        assert board.stuck.wait(120), (tmp_path / "err.txt").read_text()[-2000:]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert runs(tmp_path) == [("ingest", "running")]
        fast = sources_file(tmp_path, board.base, slow=False)
        assert run(["ingest", "--sources", str(fast)], env).returncode == 0
    assert runs(tmp_path) == [("ingest", "aborted"), ("ingest", "ok")]
    stats = run(["stats"], env)
    assert stats.returncode == 0, stats.stderr
    assert "aborted" in stats.stdout
