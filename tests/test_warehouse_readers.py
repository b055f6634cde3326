"""Readers while a flow writes: `jobalerts sql` waits for the writer, or says the file is busy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import hold_writer
from warehouse.db import connect_writer

JOBALERTS = Path(sys.executable).with_name("jobalerts")


def sql(db: Path, wait: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBALERTS_DB_PATH": str(db), "JOBALERTS_READ_WAIT_SECONDS": str(wait)}
    return subprocess.run([str(JOBALERTS), "sql", "select count(*) as n from postings",
                           "--format", "csv"], env=env, capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip


def test_a_reader_waits_for_a_brief_writer_then_answers(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    connect_writer(db).close()
    writer = hold_writer(db, 1.5)
    started = time.monotonic()
    result = sql(db, wait=20)
    writer.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "0"]
    assert time.monotonic() - started >= 1.0  # it really waited for the writer


def test_a_reader_gives_up_with_a_clear_message_when_the_writer_stays(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    connect_writer(db).close()
    writer = hold_writer(db, 8)
    try:
        result = sql(db, wait=0.5)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert result.returncode == 1
    assert "in use by another process" in result.stderr
