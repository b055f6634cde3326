"""Bench: postings ingested per second (raw stored, parsed, upserted), and an unchanged re-run.

    python -m bench.warehouse_ingest [--postings 100000] [--db PATH] [--runs 3]

The bar: 100,000 postings in under 120 s on this 2-core machine; the re-run over unchanged
payloads (skipped by content hash) in under a fifth of that. A third run changes every board's
bytes, so every posting is parsed again and goes through the update path. After the first
ingest, the read snapshot is published as the flow does at the end of a run (bar: under a
tenth of that ingest's time).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.synthetic import synthetic_boards
from pipeline.ingest import FetchResult, store_and_parse
from pipeline.parsing import ParsePool
from warehouse.db import writer
from warehouse.raw import is_parsed
from warehouse.snapshot import publish


def ingest_once(
    db: Path,
    total: int,
    per_board: int,
    *,
    workers: int = 2,
    progress: bool = False,
    revision: int = 0,
    publish_times: list[tuple[float, float]] | None = None,
) -> tuple[float, int]:
    """Ingest every synthetic board once (parsing in `workers` processes while this one
    stores); return (seconds, new postings). Another `revision` changes every board's bytes.
    With `publish_times`, then publish the read snapshot and append how long that took."""
    boards = list(synthetic_boards(total, per_board, revision))
    started = time.perf_counter()
    new = 0
    with writer(db) as con, ParsePool(workers) as pool:
        needed = [not is_parsed(con, raw) for _, raw in boards]
        parses = pool.parse(board for board, need in zip(boards, needed, strict=True) if need)
        for index, ((source, raw), need) in enumerate(zip(boards, needed, strict=True)):
            fetched = FetchResult(source=source, payloads=[raw])
            parsed = [next(parses)] if need else None
            new += store_and_parse(con, fetched, parses=parsed).new_postings
            if progress:
                print(f"board {index + 1} stored", flush=True)
        seconds = time.perf_counter() - started
        if publish_times is not None:
            info = publish(con, db, "bench", "ingest: run finished")
            publish_times.append((info.seconds, info.checkpoint_seconds))
    return seconds, new


def main() -> None:
    """Run the bench and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--per-board", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="parsing processes")
    parser.add_argument("--runs", type=int, default=3, help="1 = first ingest only")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--progress", action="store_true", help="a line after each board")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        published: list[tuple[float, float]] = []
        first, new = ingest_once(
            db, args.postings, args.per_board, workers=args.workers, progress=args.progress,
            publish_times=published,
        )  # fmt: skip
        if not args.quiet:
            rate = new / first
            print(f"ingest: {new:,} new postings in {first:.1f} s ({rate:,.0f} postings/s;"
                  f" bar: {args.postings:,} in < 120 s)")  # fmt: skip
            seconds, checkpoint = published[0]
            print(f"publishing the read snapshot after it: {seconds:.2f} s"
                  f" ({100 * seconds / first:.1f}% of the ingest; bar: < 10%), of which"
                  f" {checkpoint:.2f} s folding the WAL in (closing the writer does it anyway)"
                  f" and {seconds - checkpoint:.2f} s copying")  # fmt: skip
        if args.runs > 1:
            again, new_again = ingest_once(db, args.postings, args.per_board, workers=args.workers)
            if not args.quiet:
                print(f"re-run over unchanged payloads: {again:.1f} s, {new_again} new "
                      f"({first / again:.1f}x faster; bar: under {first / 5:.1f} s)")  # fmt: skip
        if args.runs > 2:
            changed, _ = ingest_once(
                db, args.postings, args.per_board, workers=args.workers, revision=1
            )
            if not args.quiet:
                rate = args.postings / changed
                print(f"re-run with every board changed (every posting updated): "
                      f"{changed:.1f} s ({rate:,.0f} postings/s)")  # fmt: skip


if __name__ == "__main__":
    main()
