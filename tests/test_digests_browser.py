"""A weekly digest's HTML rendered by a real headless Chromium: the screenshot is not blank
and shows the header band and the chart colours. Skipped when /usr/bin/chromium is absent."""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.benchmarks import load_benchmarks
from core.settings import Settings
from digests.compose import compose_digest
from digests.render import render_digest
from digests.unsubscribe import unsubscribe_url
from opstore.subscriptions import active_subscriptions, save_subscription
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from sources.registry import load_sources
from subscriptions.input import load_subscriptions, subscription_from
from tests.conftest import SAMPLE
from tests.headless import CHROMIUM, OFFLINE_FLAGS, private_home, profile_flag
from tests.helpers import match, ops_of
from warehouse.matching import market_summary

WIDTH, HEIGHT = 800, 1400
HEADER_BLUE = (0x1D, 0x4E, 0x89)
LEVEL_BAR_BLUE = (0x3B, 0x82, 0xC4)
PAY_BAR_GREEN = (0x1D, 0x8A, 0x5A)
KEEP = (
    Path(os.environ.get("JOBALERTS_SCREENSHOT_DIR", ""))
    if os.environ.get("JOBALERTS_SCREENSHOT_DIR")
    else None
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium not installed (/usr/bin/chromium)"
)


# ---------------------------------------------------------------- PNG without Pillow


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered pixel rows of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up_left = previous[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) & 0xFF
        rows.append(bytes(line) if bpp == 3 else _rgb(bytes(line)))
        previous = line
    return width, height, rows


def _rgb(rgba: bytes) -> bytes:
    return b"".join(rgba[i : i + 3] for i in range(0, len(rgba), 4))


def colours(rows: list[bytes]) -> dict[tuple[int, int, int], int]:
    counts: dict[tuple[int, int, int], int] = {}
    for row in rows:
        for i in range(0, len(row), 3):
            key = (row[i], row[i + 1], row[i + 2])
            counts[key] = counts.get(key, 0) + 1
    return counts


def near(counts: dict[tuple[int, int, int], int], target: tuple[int, int, int]) -> int:
    """Pixels within a small distance of a colour (colour management may shift it a little)."""
    return sum(
        n for c, n in counts.items() if all(abs(a - b) <= 6 for a, b in zip(c, target, strict=True))
    )


# ---------------------------------------------------------------- the test


@pytest.fixture
def weekly_html(db, tmp_path: Path) -> Path:
    """A weekly digest from the real sample boards: one VP role, then the week's market."""
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))
    now = datetime.now(UTC)
    for sub in load_subscriptions(SAMPLE / "subscriptions.yaml"):
        save_subscription(ops_of(db), sub, now)
    wanted = subscription_from(
        {"email": "vp-watch@example.org", "cadence": "weekly", "levels": ["vp"]}
    )
    sub_id = save_subscription(ops_of(db), wanted, now)
    subs = {s.id: s for s in active_subscriptions(ops_of(db), "weekly")}
    matches = match(db, "weekly")
    market = market_summary(db, 7, now)
    digest = compose_digest(subs[sub_id], matches[sub_id], market, load_benchmarks(), "weekly", now)
    link = unsubscribe_url(Settings().unsubscribe_base_url, "A" * 43)
    rendered = render_digest(digest, link)
    assert digest.weekly is not None and digest.weekly.pay and digest.weekly.skills
    path = tmp_path / "weekly.html"
    path.write_text(rendered.html, encoding="utf-8")
    return path


def screenshot(html: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    png = tmp_path / "weekly.png"
    env = private_home(home)
    command = [
        str(CHROMIUM),
        "--headless",
        *OFFLINE_FLAGS,
        profile_flag(home),
        f"--screenshot={png}",
        f"--window-size={WIDTH},{HEIGHT}",
        html.as_uri(),
    ]
    result = subprocess.run(command, env=env, capture_output=True, timeout=90, check=False)
    assert png.exists(), result.stderr.decode(errors="replace")[-2000:]
    return png


def test_weekly_digest_renders_in_headless_chromium(weekly_html: Path, tmp_path: Path) -> None:
    png = screenshot(weekly_html, tmp_path)
    if KEEP is not None:  # to look at it: JOBALERTS_SCREENSHOT_DIR=/tmp/shots pytest ...
        KEEP.mkdir(parents=True, exist_ok=True)
        (KEEP / "weekly-digest.png").write_bytes(png.read_bytes())
        (KEEP / "weekly-digest.html").write_bytes(weekly_html.read_bytes())
    width, height, rows = read_png(png.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    counts = colours(rows)
    assert len(counts) > 50, "the screenshot is (nearly) blank"
    assert near(counts, HEADER_BLUE) > 5_000, "the header band is missing"
    assert near(counts, LEVEL_BAR_BLUE) > 200, "the level chart's bars are missing"
    assert near(counts, PAY_BAR_GREEN) > 200, "the pay chart's bars are missing"
