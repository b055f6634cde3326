"""The bench's step measure: time and the peak memory of the process and its children."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.steps import (
    SAMPLE_AT_LEAST_EVERY,
    SAMPLE_EVERY,
    SAMPLE_SHARE,
    step,
    tree_rss,
    wait_after,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")

MB = 2**20


def own_rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_step_sees_memory_held_only_inside_it() -> None:
    before = own_rss()  # not the tree: other tests' child processes come and go
    with step("allocate", quiet=True) as figures:
        block = bytearray(200 * MB)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
        del block
    assert figures.seconds > 0
    assert figures.peak_rss >= before + 150 * MB


def test_a_step_counts_its_child_processes() -> None:
    # The child holds its memory for longer than the sampler ever waits, however slow a sample
    # of this (large, late in a test run) process is.
    hold = 2 * SAMPLE_AT_LEAST_EVERY + 0.5
    code = (
        "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]);"
        f" import time; time.sleep({hold})"
    )
    with step("child", quiet=True) as figures:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert figures.peak_rss >= tree_rss() + 120 * MB


def test_the_line_names_the_step_time_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    with step("parse"):
        pass
    out = capsys.readouterr().out
    assert out.startswith("parse: 0.0 s, peak RSS ")
    assert out.rstrip().endswith(" MB")


def test_slow_samples_are_taken_less_often() -> None:
    assert wait_after(0.001) == SAMPLE_EVERY  # a small tree: every 50 ms
    slow = 0.046  # a 3 GB process's Pss, read here
    assert wait_after(slow) == pytest.approx(slow / SAMPLE_SHARE)
    assert slow / (slow + wait_after(slow)) < SAMPLE_SHARE  # the sampler's share of a core
    assert wait_after(0.5) == SAMPLE_AT_LEAST_EVERY  # a huge tree is still sampled every second
