"""`jobalerts backup DIR`: a consistent copy of everything that must not be lost, while flows
run, with a manifest (sizes, SHA-256, time, row counts).

- The DuckDB warehouse: the writer role is held (flows wait, as for any writer), everything
  checkpointed into the file, the file copied; the files beside it that must match it (the send
  journals, keys) are copied under the same hold.
- SQLite files (the operational store, `JOBALERTS_OPS_URL`, default `ops.sqlite3` beside the
  warehouse): SQLite's online backup API, a consistent copy while writers go on.
- Left out, and said so: other DuckDB files (read snapshots, rebuilt by the next flow), WAL,
  lock and temporary files, folders (the HTTP cache). A Postgres store is backed up with
  `pg_dump`.

The backup folder and its files are readable by the owner only: they hold secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.errors import WarehouseBusyError
from core.settings import Settings
from warehouse.backup import (
    copy_file,
    copy_warehouse,
    ensure_unused,
    is_duckdb_file,
    table_counts,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
SKIPPED_SUFFIXES = (".wal", ".lock", ".tmp", "-wal", "-shm", "-journal")
MANIFEST = "manifest.json"


class BackupError(ValueError):
    """The backup cannot be made where asked."""


@dataclass(frozen=True)
class BackedUpFile:
    """One file of a backup: where it came from, how it was copied, what it holds."""

    name: str
    source: str
    method: str  # duckdb-checkpoint-copy | sqlite-online-backup | copy
    bytes: int
    sha256: str
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class Manifest:
    """What a backup holds and what it left out, and why."""

    created_at: str
    folder: str
    files: list[BackedUpFile] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def write(self) -> Path:
        path = Path(self.folder) / MANIFEST
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        path.chmod(0o600)
        return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ops_store_path(settings: Settings) -> tuple[Path | None, str | None]:
    """The SQLite operational store's file, or why there is none to copy."""
    url = settings.ops_store_url(settings.db_path)
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///").split("?")[0]), None
    scheme = url.split(":", 1)[0]
    return None, f"operational store is {scheme}: back it up with its own tool (pg_dump)"


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def copy_sqlite(source: Path, target: Path) -> dict[str, int]:
    """SQLite's online backup (consistent while others write), checked; rows per table."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"the copy of {source} fails SQLite's integrity check: {check}")
        names = [
            str(r[0])
            for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {}
        for name in sorted(names):
            quoted = '"' + name.replace('"', '""') + '"'
            counts[name] = int(dst.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])  # noqa: S608
        return counts
    finally:
        src.close()
        dst.close()


def _folder(parent: Path, now: datetime) -> Path:
    if parent.exists() and not parent.is_dir():
        raise BackupError(f"{parent} is not a folder")
    folder = parent / f"clinops-backup-{now:%Y%m%dT%H%M%S}Z"
    try:
        folder.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        raise BackupError(f"{folder} already exists: wait a second and run again") from None
    return folder


def _record(
    manifest: Manifest, source: Path, target: Path, method: str, rows: dict[str, int]
) -> None:
    target.chmod(0o600)
    manifest.files.append(
        BackedUpFile(
            target.name, str(source), method, target.stat().st_size, sha256_of(target), rows
        )
    )


def _beside(settings: Settings, manifest: Manifest, sqlite_files: set[Path]) -> list[Path]:
    """Files beside the warehouse to copy as they are; notes what is left out."""
    wanted = []
    warehouse = settings.db_path.resolve()
    for path in sorted(settings.db_path.parent.iterdir()):
        resolved = path.resolve()
        if resolved == warehouse or resolved in sqlite_files:
            continue
        if path.is_dir():
            manifest.skipped[path.name] = "folder (a cache: rebuilt by the next run)"
        elif path.name.endswith(SKIPPED_SUFFIXES):
            manifest.skipped[path.name] = "write-ahead log, lock or temporary file"
        elif is_duckdb_file(path):
            manifest.skipped[path.name] = "another DuckDB file (a read snapshot: rebuilt by flows)"
        elif is_sqlite_file(path):
            sqlite_files.add(resolved)
        elif path.is_file():
            wanted.append(path)
    return wanted


def backup(settings: Settings, parent: Path, now: datetime | None = None) -> Manifest:
    """Back up the warehouse and what goes with it into a new folder under `parent`."""
    if not settings.db_path.is_file():
        raise BackupError(f"no warehouse at {settings.db_path}: nothing to back up")
    now = now or datetime.now(UTC)
    folder = _folder(parent, now)
    manifest = Manifest(now.isoformat(), str(folder))
    ops_path, ops_note = ops_store_path(settings)
    if ops_note:
        manifest.skipped["operational store"] = ops_note
    sqlite_files = {ops_path.resolve()} if ops_path and ops_path.is_file() else set()
    beside = _beside(settings, manifest, sqlite_files)

    def copy_beside() -> None:
        for path in beside:
            copy_file(path, folder / path.name)

    target = folder / settings.db_path.name
    copy_warehouse(settings.db_path, target, also=copy_beside)
    _record(manifest, settings.db_path, target, "duckdb-checkpoint-copy", table_counts(target))
    for path in beside:
        _record(manifest, path, folder / path.name, "copy", {})
    for path in sorted(sqlite_files):
        copy = folder / path.name
        if copy.exists():
            copy = folder / f"{path.parent.name}-{path.name}"
        _record(manifest, path, copy, "sqlite-online-backup", copy_sqlite(path, copy))
    manifest.write()
    return manifest


# ---------------------------------------------------------------- restore

WAL_SUFFIXES = (".wal", "-wal", "-shm", "-journal")


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a backup folder, every file checked against its size and SHA-256."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: not a backup folder")
    doc = json.loads(path.read_text())
    manifest = Manifest(doc["created_at"], str(folder), skipped=doc.get("skipped", {}))
    manifest.files = [BackedUpFile(**f) for f in doc["files"]]
    for item in manifest.files:
        copy = folder / item.name
        if (
            not copy.is_file()
            or copy.stat().st_size != item.bytes
            or sha256_of(copy) != item.sha256
        ):
            raise BackupError(f"{copy} is missing or differs from the manifest: not restoring")
    return manifest


def _target(settings: Settings, item: BackedUpFile) -> Path:
    """Where a backed-up file goes back: the warehouse path, the store's path, or beside."""
    if item.method == "duckdb-checkpoint-copy":
        return settings.db_path
    if item.method == "sqlite-online-backup":
        return Path(item.source)
    return settings.db_path.parent / item.name


def _put_back(copy: Path, target: Path, aside: str) -> list[Path]:
    """Move the current file and its write-ahead logs aside, then copy the backup in place."""
    moved = []
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in [target, *(target.with_name(target.name + s) for s in WAL_SUFFIXES)]:
        if old.exists():
            kept = old.with_name(f"{old.name}.{aside}")
            old.rename(kept)
            moved.append(kept)
    temporary = target.with_name(f".{target.name}.restoring")
    copy_file(copy, temporary)
    os.replace(temporary, target)
    return moved


def restore(settings: Settings, folder: Path, now: datetime | None = None) -> list[Path]:
    """Put a backup back in place, once nothing holds the warehouse; the files moved aside.

    Refuses a folder whose files differ from its manifest; checks the restored warehouse's
    row counts against it.
    """
    manifest = read_manifest(folder)
    try:
        ensure_unused(settings.db_path)
    except WarehouseBusyError as error:
        raise BackupError(
            f"{error}: stop the worker, `make serve` and `jobalerts web` first"
        ) from None
    aside = f"before-restore-{(now or datetime.now(UTC)):%Y%m%dT%H%M%S}Z"
    moved: list[Path] = []
    for item in manifest.files:
        moved += _put_back(folder / item.name, _target(settings, item), aside)
    [warehouse] = [f for f in manifest.files if f.method == "duckdb-checkpoint-copy"]
    if table_counts(settings.db_path) != warehouse.rows:
        raise BackupError(
            f"restored {settings.db_path} but its row counts differ from the manifest"
        )
    return moved
