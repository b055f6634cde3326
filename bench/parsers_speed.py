"""Throughput of the text parsers on real Ashby postings, and worst-case input timing.

Run: ``python -m bench.parsers_speed [--ashby-dir ../shared/data/ashby]``.

Times are this process's CPU time (``time.process_time``): the parsers are single-threaded, so
that is the work of one core, and it does not count the time other programs on a shared
machine take the core away (wall-clock figures under load are printed beside them).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.accuracy import DEFAULT_ASHBY, load_jobs
from bench.steps import step
from parsers.location import forget_places, parse_locations
from parsers.salary import parse_salary
from parsers.title import parse_title
from parsers.workplace import parse_workplace

ADVERSARIAL_SIZE = 1_000_000


def adversarial_inputs(size: int = ADVERSARIAL_SIZE) -> dict[str, str]:
    """Strings built to provoke regex backtracking or per-match overhead."""
    return {
        "dollar-digits": ("$1," * (size // 3))[:size],
        "digits": ("9" * size),
        "ranges": ("$1-" * (size // 3))[:size],
        "k-runs": ("10k " * (size // 4))[:size],
        "spaces": ("$" + " " * (size - 2) + "1"),
        "words": ("remote salary base per hour " * (size // 28))[:size],
        "separators": ("1,000.000,00 " * (size // 13))[:size],
    }


def time_adversarial(size: int = ADVERSARIAL_SIZE) -> dict[str, tuple[float, float]]:
    """(CPU, wall) seconds all four parsers take on each adversarial string."""
    results: dict[str, tuple[float, float]] = {}
    for name, text in adversarial_inputs(size).items():
        cpu, wall = time.process_time(), time.perf_counter()
        parse_salary(text)
        parse_workplace("", text[:2000], text)
        parse_locations(text)
        parse_title(text)
        results[name] = (time.process_time() - cpu, time.perf_counter() - wall)
    return results


def cold(func: Callable[[], object]) -> Callable[[], object]:
    """``func`` run with no location string parsed before (the parser keeps what it found)."""

    def run() -> object:
        forget_places()
        return func()

    return run


def rate(func: Callable[[], object], count: int, peaks: dict[str, float], name: str) -> float:
    """Items per CPU-second of ``func`` over ``count`` items; its peak RSS (MB) into `peaks`."""
    with step(name, quiet=True) as figures:
        start = time.process_time()
        func()
        elapsed = time.process_time() - start
    peaks[name] = figures.peak_mb
    return count / elapsed if elapsed else float("inf")


def main(argv: list[str] | None = None) -> int:
    """Print postings/second per parser and the adversarial timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ashby-dir", type=Path, default=DEFAULT_ASHBY)
    args = parser.parse_args(argv)
    parse_locations("Boston, MA")  # load the gazetteer outside the timing
    if args.ashby_dir.is_dir():
        jobs = [j.data for j in load_jobs(args.ashby_dir)]
        texts = [j.get("descriptionPlain") or "" for j in jobs]
        locs = [j.get("location") or "" for j in jobs]
        titles = [j.get("title") or "" for j in jobs]
        n = len(jobs)
        peaks: dict[str, float] = {}
        rows = {
            "salary (description)": rate(
                lambda: [parse_salary(t) for t in texts], n, peaks, "salary (description)"
            ),
            "workplace (all fields)": rate(
                cold(
                    lambda: [
                        parse_workplace(a, b, c)
                        for a, b, c in zip(titles, locs, texts, strict=True)
                    ]
                ),
                n,
                peaks,
                "workplace (all fields)",
            ),
            "location": rate(
                cold(lambda: [parse_locations(t) for t in locs]), n, peaks, "location"
            ),
            "title": rate(lambda: [parse_title(t) for t in titles], n, peaks, "title"),
        }
        distinct = sorted(set(locs))
        uncached = rate(
            cold(lambda: [parse_locations(t) for t in distinct]), len(distinct), peaks, "distinct"
        )
        rows["all four together"] = 1 / sum(1 / v for v in rows.values())
        peaks["all four together"] = max(peaks.values())
        print(f"{n} real postings, one core (CPU time)")
        for name, value in rows.items():
            print(f"  {name:<24}{value:>12,.0f} postings/s, peak RSS {peaks[name]:,.0f} MB")
        print(f"  (a location string is parsed once per process, a board's repeats come from the"
              f" cache; each of the {len(distinct):,} distinct strings parsed once:"
              f" {uncached:,.0f}/s)")  # fmt: skip
    else:
        print(f"skipped: Ashby data {args.ashby_dir} not found")
    print(f"adversarial {ADVERSARIAL_SIZE:,}-character strings (all four parsers), CPU / wall:")
    with step("adversarial strings", quiet=True) as adversarial:
        timings = time_adversarial()
    for name, (cpu, wall) in timings.items():
        print(f"  {name:<24}{cpu * 1000:>10.1f} ms {wall * 1000:>10.1f} ms")
    print(f"  peak RSS {adversarial.peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
