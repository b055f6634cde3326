"""Synthetic ingest load built from real Ashby postings: many boards, unique ids, same shape."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.models import RawPayload, SourceRef

REPO = Path(__file__).resolve().parents[1]
SHARED_ASHBY = REPO.parent / "shared" / "data" / "ashby"
SAMPLE_ASHBY = REPO / "sample" / "ashby"


def real_jobs() -> list[dict[str, Any]]:
    """Every real Ashby job available: ../shared when present, else the bundled sample."""
    folder = SHARED_ASHBY if SHARED_ASHBY.is_dir() else SAMPLE_ASHBY
    jobs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json.gz")):
        jobs.extend(json.loads(gzip.decompress(path.read_bytes()))["jobs"])
    return jobs


def _copy(job: dict[str, Any], board: str, index: int) -> dict[str, Any]:
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{board}/{index}"))
    return {**job, "id": new_id, "jobUrl": f"https://jobs.ashbyhq.com/{board}/{new_id}"}


def synthetic_boards(
    total: int, per_board: int = 500, revision: int = 0, changed: float = 1.0
) -> Iterator[tuple[SourceRef, RawPayload]]:
    """`total` postings over boards of `per_board`, as Ashby board responses.

    A different `revision` changes every board's bytes: the titles of the first `changed`
    share of each board's postings get a suffix (at least one per board), and the board
    carries the revision beside its jobs.
    """
    jobs = real_jobs()
    fetched = datetime.now(UTC)
    for start in range(0, total, per_board):
        board = f"synthetic-{start // per_board:05d}"
        chunk = [_copy(jobs[(start + i) % len(jobs)], board, start + i)
                 for i in range(min(per_board, total - start))]  # fmt: skip
        head: dict[str, Any] = {"apiVersion": "1"}
        if revision:
            touched = max(1, round(len(chunk) * changed))
            chunk[:touched] = [
                {**j, "title": f"{j['title']} (r{revision})"} for j in chunk[:touched]
            ]
            head["revision"] = revision
        body = json.dumps({**head, "jobs": chunk}).encode()
        source = SourceRef(name=f"ashby-{board}", kind="ashby", board=board, company=board)
        url = f"https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true"
        yield source, RawPayload(source.name, "ashby", url, fetched, 200, "application/json", body)
