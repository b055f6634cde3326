"""`jobalerts backup DIR` while an ingest runs in another process; restore from the copy."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import Settings
from pipeline.backup import BackupError, Manifest, backup, read_manifest, restore, sha256_of
from tests.conftest import REPO, SAMPLE
from tests.processes import BIN, child_env
from warehouse.db import connect_reader, connect_writer, writer


def restore_and_check(manifest: Manifest, into: Path) -> dict[str, int]:
    """Restore the warehouse copy as the README says (copy the file back), open it as the
    program does, and check it against the manifest; its row counts."""
    [entry] = [f for f in manifest.files if f.method == "duckdb-checkpoint-copy"]
    copy = Path(manifest.folder) / entry.name
    assert sha256_of(copy) == entry.sha256 and copy.stat().st_size == entry.bytes
    into.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copy, into)
    con = connect_writer(into)
    try:
        counts = {t: len(con.execute(f'SELECT 1 FROM "{t}"').fetchall()) for t in entry.rows}
        orphans = con.execute(
            "SELECT count(*) FROM postings p WHERE p.raw_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM raw_payloads r WHERE r.id = p.raw_id)"
        ).fetchone()
    finally:
        con.close()
    assert counts == entry.rows
    assert orphans == (0,)
    return counts


@pytest.mark.slow
def test_backups_taken_while_an_ingest_runs_are_consistent_and_restore(tmp_path: Path) -> None:
    db = tmp_path / "data" / "warehouse.duckdb"
    env = child_env(tmp_path / "prefect", "")
    env.pop("PREFECT_API_URL")  # the CLI's flow starts its own temporary API
    command = [str(BIN / "jobalerts"), "ingest", "--sources", str(SAMPLE / "sources.yaml")]
    command += ["--replay", str(SAMPLE), "--db", str(db)]
    ingest = subprocess.Popen(  # a separate process holding the writer source by source
        command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    settings = Settings(db_path=db, outbox_dir=tmp_path / "outbox")
    during: list[Manifest] = []
    try:
        while ingest.poll() is None:
            if db.is_file():
                during.append(backup(settings, tmp_path / "backups" / str(len(during))))
            else:
                time.sleep(0.2)
        output = ingest.communicate(timeout=60)[0].decode()
    finally:
        if ingest.poll() is None:
            ingest.kill()
    assert ingest.returncode == 0, output
    assert len(during) >= 2, "no backup overlapped the ingest"
    for n, manifest in enumerate(during):
        restore_and_check(manifest, tmp_path / "restored" / str(n) / "warehouse.duckdb")

    final = backup(settings, tmp_path / "backups" / "after")
    restored = restore_and_check(final, tmp_path / "restored" / "after" / "warehouse.duckdb")
    live = connect_reader(db)
    try:
        assert restored["postings"] == live.execute("SELECT count(*) FROM postings").fetchone()[0]  # type: ignore[index]
    finally:
        live.close()
    assert restored["postings"] > 100


def test_the_ops_store_keys_and_journals_are_copied_and_derived_files_left_out(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    db = data / "warehouse.duckdb"
    with writer(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status)"
            " VALUES ('r1', 'ingest', now(), 'ok')"
        )
    ops = sqlite3.connect(data / "ops.sqlite3")
    ops.execute("PRAGMA journal_mode = WAL")
    ops.execute("CREATE TABLE subscriptions (email TEXT)")
    ops.executemany("INSERT INTO subscriptions VALUES (?)", [("a@example.org",), ("b@x.org",)])
    ops.commit()
    ops.execute("BEGIN IMMEDIATE")  # a writer in the middle of a transaction
    ops.execute("INSERT INTO subscriptions VALUES ('uncommitted@example.org')")
    (data / "unsubscribe.key").write_bytes(b"k" * 32)
    (data / "warehouse.duckdb.digest-daily.journal").write_text("sending <m@x>\n")
    (data / "warehouse.duckdb.digest-daily.lock").write_text("")
    connect_writer(data / "snapshot.duckdb").close()
    (data / "http-cache").mkdir()
    try:
        manifest = backup(Settings(db_path=db), tmp_path / "backups")
    finally:
        ops.rollback()
        ops.close()

    folder = Path(manifest.folder)
    by_name = {f.name: f for f in manifest.files}
    assert set(by_name) == {
        "warehouse.duckdb",
        "ops.sqlite3",
        "unsubscribe.key",
        "warehouse.duckdb.digest-daily.journal",
    }
    assert by_name["ops.sqlite3"].rows == {"subscriptions": 2}  # committed rows only
    assert by_name["ops.sqlite3"].method == "sqlite-online-backup"
    assert by_name["warehouse.duckdb"].rows["runs"] == 1
    assert (folder / "unsubscribe.key").read_bytes() == b"k" * 32
    assert set(manifest.skipped) == {
        "snapshot.duckdb",
        "http-cache",
        "warehouse.duckdb.digest-daily.lock",
        "ops.sqlite3-wal",
        "ops.sqlite3-shm",
    }
    for f in manifest.files:
        assert sha256_of(folder / f.name) == f.sha256
        assert stat.S_IMODE((folder / f.name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    written = json.loads((folder / "manifest.json").read_text())
    assert written["created_at"] == manifest.created_at and len(written["files"]) == 4
    restored = sqlite3.connect(folder / "ops.sqlite3")
    assert restored.execute("SELECT count(*) FROM subscriptions").fetchone() == (2,)
    restored.close()


def test_a_postgres_ops_store_is_named_as_left_out(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOBALERTS_OPS_URL", "postgresql+psycopg://app@127.0.0.1/ops")
    db = tmp_path / "warehouse.duckdb"
    connect_writer(db).close()
    manifest = backup(Settings(db_path=db), tmp_path / "b")
    assert "pg_dump" in manifest.skipped["operational store"]


def test_the_backup_command_prints_the_folder_and_refuses_clearly(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    missing = runner.invoke(app, ["backup", str(tmp_path / "b"), "--db", str(db)])
    assert missing.exit_code == 1 and "no warehouse" in missing.output
    connect_writer(db).close()
    done = runner.invoke(app, ["backup", str(tmp_path / "b"), "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "w.duckdb" in done.output and "backup in " in done.output
    (tmp_path / "afile").write_text("")
    refused = runner.invoke(app, ["backup", str(tmp_path / "afile"), "--db", str(db)])
    assert refused.exit_code == 1 and "not a folder" in refused.output
    with pytest.raises(BackupError):
        backup(Settings(db_path=db), tmp_path / "afile")


HOLD_WRITER = (
    "import sys, time; from pathlib import Path; from warehouse.db import connect_writer;"
    "con = connect_writer(Path(sys.argv[1])); print('held', flush=True); time.sleep(30)"
)


def test_restore_puts_the_backup_back_and_moves_the_current_files_aside(tmp_path: Path) -> None:
    import sys

    data = tmp_path / "data"
    db = data / "warehouse.duckdb"
    with writer(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status)"
            " VALUES ('before', 'ingest', now(), 'ok')"
        )
    ops = sqlite3.connect(data / "ops.sqlite3")
    ops.execute("CREATE TABLE subscriptions (email TEXT)")
    ops.execute("INSERT INTO subscriptions VALUES ('kept@example.org')")
    ops.commit()
    ops.close()
    (data / "unsubscribe.key").write_text("old key")
    settings = Settings(db_path=db)
    folder = Path(backup(settings, tmp_path / "backups").folder)

    with writer(db) as con:  # life goes on after the backup
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status)"
            " VALUES ('after', 'ingest', now(), 'ok')"
        )
    (data / "unsubscribe.key").write_text("new key")
    (data / "ops.sqlite3-wal").write_bytes(b"a stale log that must not replay")

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(db)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(BackupError, match="stop the worker"):
            restore(settings, folder)
    finally:
        holder.kill()
        holder.wait()

    moved = restore(settings, folder)
    assert {p.name.split(".before-restore-")[0] for p in moved} == {
        "warehouse.duckdb",
        "ops.sqlite3",
        "ops.sqlite3-wal",
        "unsubscribe.key",
    }
    con = connect_reader(db)
    try:
        assert con.execute("SELECT run_id FROM runs").fetchall() == [("before",)]
    finally:
        con.close()
    assert (data / "unsubscribe.key").read_text() == "old key"
    assert not (data / "ops.sqlite3-wal").exists()
    restored = sqlite3.connect(data / "ops.sqlite3")
    assert restored.execute("SELECT email FROM subscriptions").fetchall() == [("kept@example.org",)]
    restored.close()


def test_restore_refuses_a_backup_that_differs_from_its_manifest(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    connect_writer(db).close()
    folder = Path(backup(Settings(db_path=db), tmp_path / "b").folder)
    with (folder / "warehouse.duckdb").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff")
    with pytest.raises(BackupError, match="differs from the manifest"):
        restore(Settings(db_path=db), folder)
    result = CliRunner().invoke(app, ["restore", str(tmp_path), "--db", str(db)])
    assert result.exit_code == 1 and "not a backup folder" in result.output


def test_restore_replaces_a_warehouse_duckdb_cannot_open(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with writer(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, flow, started_at, status)"
            " VALUES ('r', 'ingest', now(), 'ok')"
        )
    folder = Path(backup(Settings(db_path=db), tmp_path / "b").folder)
    db.write_bytes(b"\0" * 100)  # the disk ate it
    restore(Settings(db_path=db), folder)
    assert restore_and_check(read_manifest(folder), tmp_path / "again.duckdb")["runs"] == 1
