"""Sign-ups under load: 200 concurrent sign-ups over loopback while an ingest runs.

Run: ``python -m bench.web_signups [--clients 200]``.

Starts a real `jobalerts web` (uvicorn) on a temporary warehouse holding the bundled sample,
keeps real `jobalerts ingest` runs (the sample's recordings) going in the background, and has
`--clients` threads each load the sign-up page (cookie and form token) and post one sign-up at
the same moment. It prints the answer times of the posts (median, 95th percentile, worst), how
many sign-ups landed as pending subscriptions in the operational store, and whether an ingest
was running throughout. The bar: all land, 95th percentile under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.steps import step
from tests.helpers import ops_of, ops_rows
from tests.web_site import running_site, seed_warehouse

REPO = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
BAR_P95_MS = 300.0


def ingest_loop(folder: Path, stop: threading.Event, runs: list[float]) -> None:
    """Real ingest runs of the sample, one after another, until told to stop."""
    env = {
        **os.environ,
        "JOBALERTS_DB_PATH": str(folder / "warehouse.duckdb"),
        "JOBALERTS_OUTBOX_DIR": str(folder / "outbox"),
    }
    command = [
        sys.executable, "-m", "cli.main", "ingest",
        "--sources", str(REPO / "sample" / "sources.yaml"), "--replay", str(REPO / "sample"),
    ]  # fmt: skip
    while not stop.is_set():
        started = time.monotonic()
        subprocess.run(command, env=env, capture_output=True, check=False, timeout=600)
        runs.append(time.monotonic() - started)


def one_sign_up(base: str, n: int, start: threading.Barrier) -> tuple[float, int]:
    """Load the form, wait for everyone, post: (answer time in ms, status)."""
    with requests.Session() as http:
        http.trust_env = False
        page = http.get(f"{base}/", timeout=30)
        token = CSRF.search(page.text)
        assert token, "no form token"
        data = {
            "csrf_token": token.group(1),
            "email": f"bench.{n}@example.org",
            "cadence": "weekly" if n % 2 else "daily",
            "levels": ["manager", "senior"],
            "countries": "US",
            "action": "subscribe",
        }
        start.wait()
        began = time.perf_counter()
        answer = http.post(f"{base}/", data=data, timeout=30)
        return (time.perf_counter() - began) * 1000, answer.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        with step("seeding the warehouse"):
            folder = seed_warehouse(Path(tmp))
        limits = {"JOBALERTS_WEB_POSTS_PER_WINDOW": "100000"}
        with running_site(folder, **limits) as site, step("sign-ups during an ingest"):
            stop, runs = threading.Event(), []  # type: ignore[var-annotated]
            ingest = threading.Thread(target=ingest_loop, args=(folder, stop, runs))
            ingest.start()
            time.sleep(3)  # the first ingest is under way
            start = threading.Barrier(args.clients)
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                futures = [
                    pool.submit(one_sign_up, site.base, n, start) for n in range(args.clients)
                ]
                results = [f.result() for f in futures]
            during = ingest.is_alive()
            stop.set()
            ingest.join()
        landed = ops_rows(
            ops_of(folder / "warehouse.duckdb"),
            "SELECT count(*) FROM subscriptions WHERE status = 'pending'",
        )[0][0]
    times = sorted(ms for ms, _ in results)
    ok = sum(1 for _, status in results if status == 200)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"web sign-ups: {args.clients} concurrent posts over loopback during an ingest")
    print(f"  answered 200: {ok}/{args.clients}; landed as pending subscriptions: {landed}")
    print(
        f"  answer time: median {statistics.median(times):.0f} ms, 95th percentile {p95:.0f} ms,"
        f" worst {times[-1]:.0f} ms (bar: 95th < {BAR_P95_MS:.0f} ms)"
    )
    print(
        f"  ingest runs meanwhile: {len(runs) + (1 if during else 0)}, running throughout: {during}"
    )
    print(f"  load: {os.getloadavg()[0]:.1f}")
    return 0 if landed == args.clients and p95 < BAR_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
