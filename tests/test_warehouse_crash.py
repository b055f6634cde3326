"""Killing the ingest process (SIGKILL) at any moment loses nothing committed and a re-run
completes the work with no duplicates. Runs the real ingest in a subprocess."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from warehouse.db import connect_reader

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
