"""Opening the DuckDB warehouse: writer or read-only, migrations, lock handling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.errors import WarehouseBusyError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_MARKERS = ("Could not set lock", "Conflicting lock")
# Checkpoint (fold the WAL into the file) every 256 MB instead of 16 MB: bulk ingest commits
# often; the WAL is replayed after a crash and folded in when the writer closes.
CHECKPOINT_THRESHOLD = "256MB"


def _is_lock_error(error: Exception) -> bool:
    return any(marker in str(error) for marker in LOCK_MARKERS)


def _open(
    path: Path, read_only: bool, wait_seconds: float, allow_files: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting up to `wait_seconds` while another process holds it."""
    config: dict[str, str | bool | int | float | list[str]] = (
        {"enable_external_access": allow_files} if read_only else {}
    )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as error:
            if not _is_lock_error(error) or time.monotonic() >= deadline:
                if _is_lock_error(error):
                    raise WarehouseBusyError(
                        f"warehouse {path} is in use by another process "
                        f"(waited {wait_seconds:.0f}s); try again when the running flow ends"
                    ) from error
                raise
            time.sleep(0.2)


def connect_writer(path: Path, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    apply_migrations(con)
    return con


def connect_reader(
    path: Path, wait_seconds: float = 10.0, *, allow_files: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only; other files stay out of reach unless `allow_files`."""
    if not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path}: run `jobalerts ingest` or `make run` first"
        )
    return _open(path, read_only=True, wait_seconds=wait_seconds, allow_files=allow_files)


@contextmanager
def writer(path: Path, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the writer role for the duration of a block, then release the file."""
    con = connect_writer(path, wait_seconds)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def reader(
    path: Path, wait_seconds: float = 10.0, *, allow_files: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for the duration of a block, then the file is released."""
    con = connect_reader(path, wait_seconds, allow_files=allow_files)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The block as one transaction: committed at its end, rolled back on any exception,
    KeyboardInterrupt included. DuckDB cannot nest them: the caller must have none open."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a transaction DuckDB already ended (a failed COMMIT) needs nothing more."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def migration_files() -> list[tuple[int, Path]]:
    """The numbered SQL files, in order."""
    files = sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    return [(int(f.name[:3]), f) for f in files]


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply each migration not yet recorded, once, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    done: list[int] = []
    for version, file in migration_files():
        if version in applied:
            continue
        with transaction(con):
            con.execute(file.read_text())
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, file.name, datetime.now(UTC)],
            )
        done.append(version)
    return done
