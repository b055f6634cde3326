"""Killing the ingest process (SIGKILL) at any moment loses nothing committed and a re-run
completes the work with no duplicates. Runs the real ingest in a subprocess."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.smtp_server import CollectingHandler, smtp_server
from warehouse.db import connect_reader

# CLI processes report their flows to the session's Prefect API (see conftest.prefect_api).
pytestmark = pytest.mark.usefixtures("prefect_api")

REPO = Path(__file__).resolve().parents[1]
POSTINGS, PER_BOARD = 2400, 100
BOARDS = POSTINGS // PER_BOARD


def ingest_command(db: Path) -> list[str]:
    return [sys.executable, "-m", "bench.warehouse_ingest", "--postings", str(POSTINGS),
            "--per-board", str(PER_BOARD), "--runs", "1", "--db", str(db), "--quiet",
            "--progress"]  # fmt: skip


def kill_after(db: Path, boards_stored: int, extra_delay: float) -> int:
    """Start an ingest, SIGKILL it once it reports `boards_stored` boards (plus a delay);
    its parsing workers must then leave by themselves."""
    process = subprocess.Popen(
        ingest_command(db), cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:
        seen += line.startswith("board ")
        if seen >= boards_stored:
            break
    time.sleep(extra_delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert group_empties(process.pid, within=10.0), "parsing workers outlived the killed ingest"
    return seen


def group_empties(group: int, within: float) -> bool:
    """True once no process is left in the process group (the killed ingest's workers)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)  # do not leave them behind for the next test
    return False


def counts(db: Path) -> tuple[int, int, int, int]:
    con = connect_reader(db)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM postings),"
            " (SELECT count(DISTINCT (source, source_id)) FROM postings),"
            " (SELECT count(*) FROM raw_payloads),"
            " (SELECT count(*) FROM raw_payloads WHERE parsed_at IS NULL)"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


def test_sigkill_mid_ingest_then_rerun_completes_without_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    rng = random.Random(7)
    stored_before = 0
    for boards in (2, 6, 11):
        reported = kill_after(db, boards, rng.uniform(0.0, 0.15))
        postings, distinct, raw, _ = counts(db)  # the file opens after every kill
        assert postings == distinct
        assert raw >= max(stored_before, reported)  # every committed payload survived
        stored_before = raw
    finished = subprocess.run(ingest_command(db), cwd=REPO, capture_output=True, text=True,
                              check=False, timeout=300)  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    assert counts(db) == (POSTINGS, POSTINGS, BOARDS, 0)


# Crash points of the real commands: SIGKILL of `jobalerts ingest` and `jobalerts digest`
# subprocesses (and their temporary Prefect server) at seeded random moments, then a re-run.
SAMPLE = REPO / "sample"
KILLS = 5
SUBSCRIBERS = 30


HOMES: list[Path] = []  # one Prefect home for every command here: migrated once


@pytest.fixture(scope="module", autouse=True)
def _shared_prefect_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    HOMES[:] = [tmp_path_factory.mktemp("crash-prefect-home")]


def cli_env(folder: Path, **extra: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "JOBALERTS_DB_PATH": str(folder / "w.duckdb"),
            "JOBALERTS_OUTBOX_DIR": str(folder / "outbox"), "PREFECT_HOME": str(HOMES[0]),
            **extra}  # fmt: skip


def jobalerts(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def kill_command_when(args: list[str], env: dict[str, str], ready: Callable[[str], bool],
                      delay: float) -> None:  # fmt: skip
    """Start `jobalerts ARGS`, wait until `ready(stderr line)` says it is at work, then
    `delay` seconds more, then SIGKILL its whole process group."""
    process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               start_new_session=True)  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if ready(line):
            break
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert group_empties(process.pid, within=10.0)


def ingest_args() -> list[str]:
    return ["ingest", "--sources", str(SAMPLE / "sources.yaml"), "--replay", str(SAMPLE)]


def flow_began(line: str) -> bool:
    return "Beginning flow run" in line


def test_sigkill_of_jobalerts_ingest_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    assert jobalerts(ingest_args(), cli_env(reference)).returncode == 0
    expected = counts(reference / "w.duckdb")
    folder = tmp_path / "killed"
    env = cli_env(folder)
    rng = random.Random(11)
    raw_before = 0
    for _ in range(KILLS):
        kill_command_when(ingest_args(), env, flow_began, rng.uniform(0.0, 2.5))
        if (folder / "w.duckdb").exists():
            postings, distinct, raw, _ = counts(folder / "w.duckdb")
            assert postings == distinct  # never a duplicate posting
            assert raw >= raw_before  # nothing committed is lost
            raw_before = raw
    rerun = jobalerts(ingest_args(), env)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert counts(folder / "w.duckdb") == expected  # every payload, no duplicate, all parsed
    statuses = runs_by_status(folder / "w.duckdb")
    assert statuses.get("ok", 0) >= 1 and "running" not in statuses


def runs_by_status(db: Path) -> dict[str, int]:
    con = connect_reader(db)
    try:
        return dict(con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall())
    finally:
        con.close()


def many_subscribers(folder: Path) -> Path:
    path = folder / "subscribers.yaml"
    # TrialPath's relevant postings fit in one digest (25 at most): a second one would be news
    subs = [{"email": f"reader{i}@example.org", "cadence": "daily", "companies": ["TrialPath"]}
            for i in range(SUBSCRIBERS)]  # fmt: skip
    path.write_text(yaml.safe_dump({"version": 1, "subscriptions": subs}))
    return path


def test_sigkill_of_jobalerts_digest_at_random_moments_at_most_one_duplicate_per_kill(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path)
    assert jobalerts(ingest_args(), env).returncode == 0
    subscribed = jobalerts(["subscribe", "--from", str(many_subscribers(tmp_path))], env)
    assert subscribed.returncode == 0, subscribed.stderr
    handler = CollectingHandler(delay=0.15)
    rng = random.Random(5)
    with smtp_server(handler) as port:
        smtp = {**env, "JOBALERTS_SMTP_HOST": "127.0.0.1", "JOBALERTS_SMTP_PORT": str(port),
                "JOBALERTS_SMTP_SECURITY": "none"}  # fmt: skip
        for _ in range(KILLS):
            handler.receiving.clear()
            sent_before = len(handler.messages)

            def sending(line: str) -> bool:
                return handler.receiving.wait(0) or "Finished in state" in line

            kill_command_when(["digest", "--cadence", "daily"], smtp, sending,
                              rng.uniform(0.0, 1.0))  # fmt: skip
            assert len(handler.messages) >= sent_before
        final = jobalerts(["digest", "--cadence", "daily"], smtp)
        assert final.returncode == 0, final.stderr[-2000:]
    received = [(str(m["To"]), str(m["Message-ID"])) for m in handler.messages]
    recipients = {to for to, _ in received}
    assert recipients == {f"reader{i}@example.org" for i in range(SUBSCRIBERS)}  # none lost
    per_recipient = {to: {mid for t, mid in received if t == to} for to in recipients}
    assert all(len(ids) == 1 for ids in per_recipient.values())  # a duplicate: same Message-ID
    duplicates = len(received) - len(recipients)
    assert duplicates <= KILLS
