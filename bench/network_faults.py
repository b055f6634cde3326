"""Bench: a run of 70 boards where one host answers 429 forever (issue 9, item 5).

    python -m bench.network_faults [--boards 70] [--storm 10] [--retry-after 5]

`--storm` boards of the 70 live on a host that answers every request 429 with the given
Retry-After; the others on a healthy loopback host serving a real Lever board. Default HTTP
settings (3 retries, 60 s Retry-After cap) except a 0.1 s politeness delay, since the healthy
boards here share one host where real ones do not. The bar: the run finishes in a few minutes,
the storm's boards end `rate_limited`, every healthy board is stored.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _sources(folder: Path, boards: int, storm: int) -> Path:
    entries = [
        {"name": f"storm-{i}", "kind": "themuse", "board": f"s{i}", "company": "S"}
        for i in range(storm)
    ] + [
        {"name": f"lever-{i}", "kind": "lever", "board": f"h{i}", "company": "H"}
        for i in range(boards - storm)
    ]
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boards", type=int, default=70)
    parser.add_argument("--storm", type=int, default=10)
    parser.add_argument("--retry-after", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    os.environ.setdefault("PREFECT_HOME", str(folder / "prefect"))
    from tests.hostile_server import body, hostile_server, status

    lever = (REPO / "sample" / "lever" / "meridianclinical.json").read_bytes()
    storm_answer = status(429, Retry_After=str(args.retry_after))
    with (
        hostile_server({"/": storm_answer}) as storm,
        hostile_server({"/lever/": body(lever)}) as healthy,
    ):
        bases = {"themuse": f"{storm.url()}/muse", "lever-global": f"{healthy.url()}/lever"}
        os.environ.update(
            JOBALERTS_DB_PATH=str(folder / "w.duckdb"),
            JOBALERTS_HTTP_BASE_URLS=json.dumps(bases),
            JOBALERTS_HTTP_MIN_HOST_DELAY="0.1",
            JOBALERTS_HTTP_CACHE_DIR=str(folder / "cache"),
            JOBALERTS_SOURCE_RETRY_DELAY="0",
        )
        import flows  # noqa: F401  (quiet Prefect defaults)
        from flows.ingest import ingest

        started = time.perf_counter()
        summary = ingest(sources_file=str(_sources(folder, args.boards, args.storm)))
        seconds = time.perf_counter() - started
        asked = len(storm.routes.seen)
    statuses = [s.status for s in summary.sources]
    print(
        f"{args.boards} boards, {args.storm} on a host answering 429 (Retry-After "
        f"{args.retry_after} s) forever: run {seconds:.1f} s; "
        f"{statuses.count('rate_limited')} rate-limited after {asked} requests to that host, "
        f"{statuses.count('ok')} ok, {statuses.count('failed')} failed"
    )


if __name__ == "__main__":
    main()
