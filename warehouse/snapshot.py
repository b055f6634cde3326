"""Read snapshots: a copy of the analytical tables and views that every reader opens.

The flows hold the warehouse's writer; DuckDB lets no other process open a file while one
writes it. So after each write session a flow publishes a snapshot beside the warehouse:
`<name>.snapshot.duckdb`, holding every table except raw payloads and operational data, every
view, and `snapshot_info` (when, by which run and step). It is written to a temporary file in
the same folder, fsynced and swapped in with `os.replace`: a reader that has the old file open
keeps reading it (the inode lives until it closes), a new reader gets the new one, and no
reader ever holds a lock the writer needs.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.errors import WarehouseBusyError
from warehouse.db import connect_writer, migration_files, transaction

SUFFIX = ".snapshot"
# Raw payloads stay in the warehouse (large, and `reparse` reads them there). Subscriptions
# and deliveries are copied while they live in the warehouse: the digest matches against them.
EXCLUDED = frozenset({"raw_payloads"})
INFO_TABLE = "snapshot_info"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot reflects."""

    published_at: datetime
    run_id: str
    step: str
    schema_version: int
    seconds: float = 0.0  # how long publishing took, the checkpoint included
    checkpoint_seconds: float = 0.0  # folding the WAL in (closing the writer does it anyway)

    def age(self, now: datetime | None = None) -> float:
        """Seconds since it was published."""
        return ((now or datetime.now(UTC)) - self.published_at).total_seconds()

    def describe(self, now: datetime | None = None) -> str:
        """`snapshot published 3 min ago (2026-12-06 07:30 UTC) by ingest run 1f2e: ...`."""
        stamp = self.published_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return (
            f"read snapshot published {_ago(self.age(now))} ({stamp}),"
            f" after {self.step} (run {self.run_id})"
        )


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h ago"
    return f"{seconds / 86400:.1f} days ago"


def snapshot_path(db_path: Path) -> Path:
    """`data/warehouse.duckdb` -> `data/warehouse.snapshot.duckdb`."""
    return db_path.with_name(f"{db_path.stem}{SUFFIX}{db_path.suffix or '.duckdb'}")


def latest_schema_version() -> int:
    """The number of the newest migration this code ships."""
    return max((version for version, _ in migration_files()), default=0)


# ---------------------------------------------------------------- publishing


def publish(con: duckdb.DuckDBPyConnection, db_path: Path, run_id: str, step: str) -> SnapshotInfo:
    """Checkpoint the warehouse `con` holds for writing, copy its file, strip the copy to the
    analytical tables and views, stamp it, and swap it in atomically. Call between
    transactions, holding the writer (nothing else can change the file meanwhile)."""
    started = time.perf_counter()
    target = snapshot_path(db_path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):  # a publisher that died
        leftover.unlink(missing_ok=True)  # (only the writer publishes: none is running)
    info = SnapshotInfo(datetime.now(UTC), run_id, step, _schema_version(con))
    con.execute("CHECKPOINT")  # everything committed is in the file, the WAL is empty
    checkpointed = time.perf_counter() - started
    wal = db_path.with_name(db_path.name + ".wal")
    if wal.exists() and wal.stat().st_size:
        raise RuntimeError(f"{wal} is not empty after CHECKPOINT: a transaction is still open")
    try:
        shutil.copyfile(db_path, temp)
        _strip_and_stamp(temp, info)
        _fsync(temp)
        os.replace(temp, target)
    finally:
        _remove(temp)
    _fsync(target.parent)
    seconds = time.perf_counter() - started
    _last_publish[db_path.resolve()] = (time.monotonic(), seconds)
    return SnapshotInfo(info.published_at, run_id, step, info.schema_version, seconds, checkpointed)


# Publishing during a run stays under about a tenth of its time: after a publish that took
# t seconds, the next optional one waits until DUTY_FACTOR * t have passed.
DUTY_FACTOR = 9.0
_last_publish: dict[Path, tuple[float, float]] = {}  # db path -> (monotonic end, seconds)


def publish_if_due(
    con: duckdb.DuckDBPyConnection, db_path: Path, run_id: str, step: str
) -> SnapshotInfo | None:
    """Publish after an intermediate step (a stored source) unless the last publish of this
    process was too recent for its cost; the end of a run always calls `publish`."""
    last = _last_publish.get(db_path.resolve())
    if last is not None and time.monotonic() - last[0] < DUTY_FACTOR * last[1]:
        return None
    try:
        return publish(con, db_path, run_id, step)
    except (OSError, duckdb.Error) as error:  # the run goes on; its final publish will tell
        log.warning("could not publish the read snapshot after %s: %s", step, error)
        return None


def _strip_and_stamp(path: Path, info: SnapshotInfo) -> None:
    """Drop what readers do not get (views over it would break: that is an error) and record
    what the snapshot reflects."""
    with closing(duckdb.connect(str(path))) as copy:
        with transaction(copy):
            for name in table_names(copy):
                if name in EXCLUDED:
                    copy.execute(f"DROP TABLE {_ident(name)}")
            copy.execute(
                f"CREATE TABLE {INFO_TABLE} (published_at TIMESTAMPTZ NOT NULL,"
                " run_id VARCHAR NOT NULL, step VARCHAR NOT NULL,"
                " schema_version INTEGER NOT NULL)"
            )
            copy.execute(
                f"INSERT INTO {INFO_TABLE} VALUES (?, ?, ?, ?)",  # noqa: S608 (a constant)
                [info.published_at, info.run_id, info.step, info.schema_version],
            )
        copy.execute("CHECKPOINT")


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the database `con` opened (temporary ones left out)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


# ---------------------------------------------------------------- reading


def read_info(con: duckdb.DuckDBPyConnection) -> SnapshotInfo:
    """The metadata of the snapshot `con` reads."""
    row = con.execute(
        f"SELECT published_at, run_id, step, schema_version FROM {INFO_TABLE}"  # noqa: S608
    ).fetchone()
    if row is None:
        raise ValueError("the read snapshot carries no snapshot_info")
    published = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
    return SnapshotInfo(published.astimezone(UTC), str(row[1]), str(row[2]), int(row[3]))


Config = dict[str, str | bool | int | float | list[str]]


def connect_snapshot(
    path: Path, *, allow_files: bool = False, config: Config | None = None
) -> duckdb.DuckDBPyConnection:
    """Open a snapshot file read-only; other files stay out of reach unless `allow_files`.
    `config` adds DuckDB settings (a memory limit, say)."""
    settings: Config = {**(config or {}), "enable_external_access": allow_files}
    return duckdb.connect(str(path), read_only=True, config=settings)


def ensure_snapshot(db_path: Path, wait_seconds: float = 10.0) -> Path:
    """The snapshot's path; with none yet, or one older than this code's schema (an upgraded
    install), publish one first, holding the writer briefly (waiting for it while a flow has
    it; an older snapshot is read as it is when the flow keeps the writer)."""
    target = snapshot_path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(
            f"no warehouse at {db_path}: run `jobalerts ingest` or `make run` first"
        )
    if target.exists() and _current(target):
        return target
    try:
        with closing(connect_writer(db_path, wait_seconds)) as con:
            if not (target.exists() and _current(target)):  # another reader may have made it
                publish(con, db_path, "none", "a first read (no current snapshot yet)")
    except WarehouseBusyError as error:
        if target.exists():
            return target
        raise WarehouseBusyError(
            f"{error}; no read snapshot yet (a flow publishes one when it ends)"
        ) from error
    return target


def _current(target: Path) -> bool:
    """True when the snapshot was made with this code's schema."""
    try:
        with closing(connect_snapshot(target)) as con:
            return read_info(con).schema_version >= latest_schema_version()
    except duckdb.ConnectionException:  # open in this process with other settings: in use
        return True
    except (duckdb.Error, ValueError):  # unreadable or unstamped: publish a new one
        return False


@contextmanager
def snapshot_reader(
    db_path: Path,
    wait_seconds: float = 10.0,
    *,
    allow_files: bool = False,
    config: Config | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse's read snapshot, for the duration of a block.
    It never waits for a flow, except to publish the very first snapshot."""
    path = ensure_snapshot(db_path, wait_seconds)
    con = connect_snapshot(path, allow_files=allow_files, config=config)
    try:
        yield con
    finally:
        con.close()
