"""Bench: postings ingested per second (raw stored, parsed, upserted) against the floor, and
re-runs: unchanged, 1% of each board's postings changed, every posting changed.

    python -m bench.warehouse_ingest [--postings 100000] [--db PATH] [--runs 4]

The floor is measured in the same run on the same payloads: decode each (json.loads), store
its bytes and bulk-upsert one row per posting (its key and a few raw fields) into a fresh
DuckDB, nothing else; then again storing the bodies compressed, as the warehouse does since
issue 13 (the like-for-like floor). Bars (2-core machine): the first ingest at most 3x the
floor; the unchanged re-run (skipped by content hash) under a fifth of the first ingest; a
re-run where 1% of the postings of every board changed (so every payload's bytes) under 15 s.
After the first ingest the read snapshot is published as the flow does (bar: under a tenth of
it).
Every step prints its time and the peak RSS of the process tree (bench/steps.py).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from bench.steps import step
from bench.synthetic import synthetic_boards
from core.models import RawPayload, SourceRef
from pipeline.ingest import FetchResult, store_and_parse_many
from pipeline.parsing import ParsePool
from warehouse.compression import compress
from warehouse.db import CHECKPOINT_THRESHOLD, writer
from warehouse.postings import known_items
from warehouse.raw import still_applied
from warehouse.snapshot import publish

FLOOR_TABLES = (
    "CREATE TABLE payloads (source VARCHAR, url VARCHAR, fetched_at TIMESTAMPTZ,"
    " content_hash VARCHAR, body BLOB)",
    "CREATE TABLE items (source VARCHAR, source_id VARCHAR, title VARCHAR, url VARCHAR,"
    " location VARCHAR, published VARCHAR, PRIMARY KEY (source, source_id))",
)


Boards = list[tuple[SourceRef, RawPayload]]
BATCH = 20  # boards stored together, as the ingest flow stores the fetches done meanwhile


def boards_of(total: int, per_board: int, revision: int = 0, changed: float = 1.0) -> Boards:
    """The synthetic boards of a run, made before it is timed."""
    return list(synthetic_boards(total, per_board, revision, changed))


def floor_once(db: Path, boards: Boards, compressed: bool = False) -> int:
    """The floor: decode the payloads and bulk-upsert their raw rows (the bodies as fetched,
    or `compressed` as the warehouse stores them); return rows stored."""
    stored = 0
    with duckdb.connect(str(db)) as con:
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")  # as the warehouse
        for statement in FLOOR_TABLES:
            con.execute(statement)
        for source, raw in boards:
            jobs = json.loads(raw.body)["jobs"]
            rows = [
                (source.name, j["id"], j.get("title"), j.get("jobUrl"), j.get("location"),
                 j.get("publishedAt"))
                for j in jobs
            ]  # fmt: skip
            body = compress(raw.body)[0] if compressed else raw.body
            with con.cursor() as cur:
                cur.execute("BEGIN")
                cur.execute(
                    "INSERT INTO payloads VALUES (?, ?, ?, ?, ?)",
                    [raw.source, raw.url, raw.fetched_at, raw.content_hash, body],
                )
                appender = cur.appender("items", action="upsert")
                appender.append_rows(rows)
                appender.flush()
                cur.execute("COMMIT")
            stored += len(rows)
    return stored


def ingest_once(db: Path, total: int, per_board: int, **options: Any) -> tuple[int, int]:
    """`ingest_boards` of freshly made synthetic boards."""
    return ingest_boards(db, boards_of(total, per_board), **options)


def ingest_boards(
    db: Path,
    boards: Boards,
    *,
    workers: int = 2,
    progress: bool = False,
    publish_times: list[tuple[float, float]] | None = None,
) -> tuple[int, int]:
    """Ingest every board once (parsing in `workers` processes while this one stores);
    return (new postings, postings parsed). With `publish_times`, then publish the read
    snapshot and append how long that took."""
    new = parsed = 0
    with writer(db) as con, ParsePool(workers) as pool:
        needed = [not applied for applied in still_applied(con, [raw for _, raw in boards])]
        jobs = [
            (source, raw, frozenset(known_items(con, source.name)))
            for (source, raw), need in zip(boards, needed, strict=True)
            if need
        ]
        parses = pool.parse(jobs)
        for start in range(0, len(boards), BATCH):
            part = range(start, min(start + BATCH, len(boards)))
            fetched = [FetchResult(source=boards[i][0], payloads=[boards[i][1]]) for i in part]
            given = [[next(parses)] if needed[i] else None for i in part]
            parsed += sum(len(g[0].postings) for g in given if g)
            outcomes = store_and_parse_many(con, fetched, parses=given)
            new += sum(outcome.new_postings for outcome in outcomes)
            if progress:
                print(f"{part.stop} boards stored", flush=True)
        if publish_times is not None:
            info = publish(con, db, "bench", "ingest: run finished")
            publish_times.append((info.seconds, info.checkpoint_seconds))
    return new, parsed


def main() -> None:
    """Run the bench and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--per-board", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="parsing processes")
    parser.add_argument("--runs", type=int, default=4, help="1 = floor and first ingest only")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--progress", action="store_true", help="a line after each board")
    parser.add_argument("--quiet", action="store_true", help="the first ingest only, no figures")
    args = parser.parse_args()
    total, per_board, workers = args.postings, args.per_board, args.workers
    if args.quiet:
        ingest_once(args.db, total, per_board, workers=workers, progress=args.progress)
        return
    print(f"warehouse ingest of {total:,} postings, {workers} parsing processes,"
          f" load {os.getloadavg()[0]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        boards = boards_of(total, per_board)
        with step("floor (decode + bulk-upsert raw rows)") as floor:
            floor_once(Path(tmp) / "floor.duckdb", boards)
        with step("floor, bodies compressed as the warehouse stores them") as packed:
            floor_once(Path(tmp) / "packed.duckdb", boards, compressed=True)
        db = args.db or Path(tmp) / "bench.duckdb"
        published: list[tuple[float, float]] = []
        with step("first ingest") as first:
            new, _ = ingest_boards(
                db, boards, workers=workers, progress=args.progress, publish_times=published
            )
        ratio, like_for_like = first.seconds / floor.seconds, first.seconds / packed.seconds
        print(f"  {new:,} new postings ({new / first.seconds:,.0f} postings/s);"
              f" first ingest / floor = {ratio:.1f}x (bar: <= 3x);"
              f" / the floor storing compressed bodies = {like_for_like:.1f}x")  # fmt: skip
        seconds, checkpoint = published[0]
        share = 100 * seconds / first.seconds
        print(f"  publishing the read snapshot after it: {seconds:.2f} s ({share:.1f}% of the"
              f" ingest; bar: < 10%), of which {checkpoint:.2f} s folding the WAL in,"
              f" {seconds - checkpoint:.2f} s copying")  # fmt: skip
        if args.runs > 1:
            with step("re-run, unchanged payloads") as again:
                new_again, _ = ingest_boards(db, boards, workers=workers)
            print(f"  {new_again} new ({first.seconds / again.seconds:.1f}x faster than the"
                  f" first; bar: under {first.seconds / 5:.1f} s)")  # fmt: skip
        if args.runs > 2:
            boards = boards_of(total, per_board, revision=1, changed=0.01)
            with step("re-run, 1% of each board's postings changed"):
                _, parsed = ingest_boards(db, boards, workers=workers)
            print(f"  {parsed:,} postings parsed (bar: under 15 s)")  # fmt: skip
        if args.runs > 3:
            boards = boards_of(total, per_board, revision=2)
            with step("re-run, every posting changed") as every:
                _, parsed = ingest_boards(db, boards, workers=workers)
            print(f"  {parsed:,} postings parsed ({parsed / every.seconds:,.0f} postings/s)")
        print(f"load at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
