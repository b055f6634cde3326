"""Raw bodies are stored compressed and come back byte for byte, old uncompressed rows too."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.models import RawPayload
from warehouse.compression import decompress
from warehouse.raw import mark_parsed, payloads_newest_first, store_raw, store_raws

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
ASHBY = Path(__file__).resolve().parents[1] / "sample" / "ashby" / "Abridge.json.gz"


def payload(body: bytes, url: str = "https://x.test/jobs", minutes: int = 0) -> RawPayload:
    fetched = T0 + timedelta(minutes=minutes)
    return RawPayload("ashby-x", "ashby", url, fetched, 200, "application/json", body)


def read_back(db) -> dict[str, bytes]:
    """Every stored body by URL, as the re-parse reads them."""
    return {s.raw.url: s.raw.body for chunk in payloads_newest_first(db, ["ashby"]) for s in chunk}


def test_a_real_board_is_stored_a_fraction_of_its_size_and_read_back_exactly(db) -> None:
    body = gzip.decompress(ASHBY.read_bytes())
    store_raw(db, payload(body))
    [(stored, encoding)] = db.execute("SELECT body, body_encoding FROM raw_payloads").fetchall()
    assert encoding == "zstd"
    assert len(stored) < len(body) / 4
    assert read_back(db) == {"https://x.test/jobs": body}


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\xff\xfe not utf-8 \xed\xa0\x80", os.urandom(4096), b'{"jobs": []}' * 1000],
    ids=["empty", "poison-bytes", "incompressible", "repetitive"],
)
def test_any_bytes_come_back_as_fetched(db, body: bytes) -> None:
    store_raw(db, payload(body))
    assert read_back(db) == {"https://x.test/jobs": body}


def test_rows_stored_before_compression_are_read_as_they_are(db) -> None:
    store_raw(db, payload(b'{"jobs": [2]}', minutes=1))
    db.execute(
        "INSERT INTO raw_payloads (source, kind, url, fetched_at, status, content_hash, body,"
        " body_encoding) VALUES ('ashby-x', 'ashby', 'https://x.test/old', ?, 200, 'h', ?,"
        " 'identity')",
        [T0, b'{"jobs": [1]}'],
    )
    assert read_back(db) == {
        "https://x.test/jobs": b'{"jobs": [2]}',
        "https://x.test/old": b'{"jobs": [1]}',
    }


def test_an_unknown_encoding_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown body encoding 'br'"):
        decompress(b"\x00", "br")


def test_payloads_stored_together_are_stored_once_per_content(db) -> None:
    first, again, other = payload(b"[1]"), payload(b"[1]", minutes=5), payload(b"[2]", "u2")
    stored = store_raws(db, [first, again, other])
    assert stored[0] == stored[1] != stored[2] and not any(applied for _, applied in stored)
    mark_parsed(db, [stored[0][0]], T0)
    assert store_raws(db, [again, other]) == [(stored[0][0], True), stored[2]]
    assert db.execute("SELECT count(*) FROM raw_payloads").fetchone() == (2,)
