"""Bench: `jobalerts backup` on a warehouse of N postings: how long flows wait for the writer
(checkpoint + copy under the hold) and the whole backup (hashes, row counts, manifest).

    python -m bench.backup [--postings 100000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.steps import step
from bench.warehouse_ingest import ingest_once
from core.settings import Settings
from pipeline.backup import backup
from warehouse.backup import copy_warehouse


def main() -> None:
    """Build a warehouse, back it up, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "data" / "warehouse.duckdb"
        with step(f"building a warehouse of {args.postings:,} postings"):
            ingest_once(db, args.postings, 500)
        size = db.stat().st_size
        with step("writer held (checkpoint + copy)") as held:
            copy_warehouse(db, Path(tmp) / "held.duckdb")
        with step("whole backup (hashes, row counts, manifest)") as whole:
            backup(Settings(db_path=db), Path(tmp) / "backups")
    print(f"backup of {args.postings:,} postings ({size / 1e6:,.0f} MB): writer held"
          f" {held.seconds:.1f} s, whole backup {whole.seconds:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
