"""Time and peak memory of a bench step: `with step("ingest") as figures: ...`.

Peak RSS is the larger of this process's own high-water mark (`VmHWM`, reset at the start of
the step through `/proc/self/clear_refs`) and the memory of this process and its children
(parsing workers) sampled every 50 ms, or less often when sampling is slow (`wait_after`), but
at least once a second, so memory a child holds for longer than that is always seen.
Children forked from one server share its pages, so the tree is summed as proportional set
sizes (`Pss`: a shared page counts once over the processes sharing it), not as RSS, which
would count the shared parsers' data once per worker. Where
`/proc` is missing (not Linux) only the time is measured.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
SAMPLE_EVERY = 0.05
# Reading a large process's Pss walks its page tables (about 15 ms a GB here, holding that
# process's memory map meanwhile): sampling a 3 GB ingest every 50 ms took half a core from
# the step it measured. The sampler waits long enough to stay under this share of one core.
SAMPLE_SHARE = 0.05
# ... but never waits longer than this, so no step's peak held this long goes unseen.
SAMPLE_AT_LEAST_EVERY = 1.0


@dataclass
class StepFigures:
    """What one step cost: wall seconds and the peak resident memory seen, in bytes."""

    name: str
    seconds: float = 0.0
    peak_rss: int = 0

    @property
    def peak_mb(self) -> float:
        """Peak resident memory in MiB."""
        return self.peak_rss / 2**20

    def line(self) -> str:
        """One printable line: `name: 12.3 s, peak RSS 456 MB`."""
        return f"{self.name}: {self.seconds:.1f} s, peak RSS {self.peak_mb:,.0f} MB"


def _kib_field(path: Path, key: str) -> int:
    """Bytes of a `Key:  1234 kB` line of a /proc file (0 when unreadable or absent)."""
    try:
        text = path.read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


def _pss_of(pid: int) -> int:
    """Proportional resident bytes of one process (0 when it is gone or unreadable)."""
    return _kib_field(PROC / str(pid) / "smaps_rollup", "Pss:")


def _children_of(pid: int) -> list[int]:
    """Every live descendant of `pid`, found through `/proc/<pid>/task/*/children`."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in (PROC / str(parent) / "task").glob("*/children"):
            try:
                kids = [int(kid) for kid in task.read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def tree_rss(pid: int | None = None) -> int:
    """Resident bytes of a process and all its descendants now, shared pages counted once."""
    root = pid or os.getpid()
    return sum(_pss_of(each) for each in [root, *_children_of(root)])


def _reset_high_water_mark() -> None:
    """Start this process's `VmHWM` again from its current RSS (Linux 4.0+)."""
    with suppress(OSError):
        (PROC / "self" / "clear_refs").write_text("5")


def own_high_water_mark() -> int:
    """This process's peak resident bytes since the last reset (0 when unknown)."""
    return _kib_field(PROC / "self" / "status", "VmHWM:")


class _Sampler(threading.Thread):
    """Samples the process tree's RSS until stopped, keeping the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.peak = tree_rss()
        self.stopping = threading.Event()

    def run(self) -> None:
        wait = SAMPLE_EVERY
        while not self.stopping.wait(wait):
            started = time.perf_counter()
            self.peak = max(self.peak, tree_rss())
            wait = wait_after(time.perf_counter() - started)


def wait_after(sample_seconds: float) -> float:
    """Seconds until the next sample: every SAMPLE_EVERY, or less often when a sample is slow
    (keeping the sampler's cost under SAMPLE_SHARE of a core), at most SAMPLE_AT_LEAST_EVERY."""
    return min(max(SAMPLE_EVERY, sample_seconds / SAMPLE_SHARE), SAMPLE_AT_LEAST_EVERY)


@contextmanager
def step(name: str, *, quiet: bool = False) -> Iterator[StepFigures]:
    """Measure the block; print its line at the end unless `quiet`."""
    figures = StepFigures(name)
    sampler = _Sampler() if PROC.exists() else None
    if sampler is not None:
        _reset_high_water_mark()
        sampler.start()
    started = time.perf_counter()
    try:
        yield figures
    finally:
        figures.seconds = time.perf_counter() - started
        if sampler is not None:
            sampler.stopping.set()
            sampler.join()
            figures.peak_rss = max(sampler.peak, tree_rss(), own_high_water_mark())
        if not quiet:
            print(figures.line(), flush=True)
