"""A consistent copy of the DuckDB warehouse, taken while flows run, and its row counts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import WarehouseBusyError
from warehouse.db import _is_lock_error, connect_reader, writer

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def is_duckdb_file(path: Path) -> bool:
    """True when the file starts like a DuckDB database."""
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


@contextmanager
def held_still(path: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the writer role with everything checkpointed into the file: while the block runs
    the file is complete and no flow can change it (flows wait for the writer, as for any)."""
    with writer(path, wait_seconds) as con:
        con.execute("CHECKPOINT")
        yield


def copy_file(source: Path, target: Path) -> None:
    """Copy bytes and flush them to disk."""
    shutil.copyfile(source, target)
    with target.open("rb+") as handle:
        handle.flush()
        os.fsync(handle.fileno())


def table_counts(path: Path) -> dict[str, int]:
    """Rows of every base table of a warehouse file (opened read-only)."""
    con = connect_reader(path, wait_seconds=0)
    try:
        names = [
            str(row[0])
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        counts = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            row = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()  # noqa: S608
            counts[name] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()


def copy_warehouse(
    source: Path, target: Path, also: Callable[[], None] | None = None, wait_seconds: float = 60
) -> None:
    """Copy the warehouse at a checkpoint, holding the writer; `also` runs under the same hold
    (copies of files that must match the warehouse, such as the send journals)."""
    with held_still(source, wait_seconds):
        copy_file(source, target)
        if also is not None:
            also()


def ensure_unused(path: Path) -> None:
    """Raise WarehouseBusyError when another process holds the warehouse (a worker, a web app).
    A file DuckDB cannot open at all (the reason to restore, perhaps) is not in use."""
    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as error:
        if _is_lock_error(error):
            raise WarehouseBusyError(f"warehouse {path} is in use by another process") from None
