"""Postings: idempotent upsert, first/last seen, closing and reopening, raw payload store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.models import Location, Posting, RawPayload, Salary, Workplace
from warehouse.compression import decompress
from warehouse.postings import close_missing, mark_seen, upsert_postings
from warehouse.raw import mark_parsed, store_raw

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def posting(source_id: str, title: str = "Clinical Trial Manager", **kw) -> Posting:
    return Posting(
        source="gh-test",
        source_id=source_id,
        url=f"https://x.test/{source_id}",
        title=title,
        company="Acme Bio",
        locations=[Location(city="Boston", region="MA", country="US", hub="Boston")],
        workplace=Workplace("hybrid"),
        workplace_basis="text",
        relevant=True,
        level="manager",
        salary=Salary(120000, 150000, "USD", "year", 120000, 150000, 120000, 150000, "$120k"),
        salary_basis="board",
        **kw,
    )


def rows(db, sql: str, params=None):
    return db.execute(sql, params or []).fetchall()


def test_upsert_is_idempotent_and_keeps_first_seen(db) -> None:
    first = upsert_postings(db, [posting("1"), posting("2")], None, T0)
    assert (first.new, first.seen) == (2, 0)
    later = T0 + timedelta(hours=4)
    again = upsert_postings(
        db, [posting("1", title="Senior Clinical Trial Manager"), posting("2")], None, later
    )
    assert (again.new, again.seen) == (0, 2)
    assert rows(db, "SELECT count(*) FROM postings") == [(2,)]
    got = rows(
        db,
        "SELECT title, first_seen, last_seen, hub, salary_usd_annual_max"
        " FROM postings WHERE source_id = '1'",
    )
    assert got[0][0] == "Senior Clinical Trial Manager"
    assert got[0][1] == T0 and got[0][2] == later
    assert got[0][3] == "Boston" and got[0][4] == 150000


def test_duplicate_keys_in_one_batch_keep_the_last(db) -> None:
    result = upsert_postings(db, [posting("1", title="old"), posting("1", title="new")], None, T0)
    assert result.new == 1
    assert rows(db, "SELECT title FROM postings") == [("new",)]


def test_postings_no_longer_listed_are_closed_then_reopened(db) -> None:
    upsert_postings(db, [posting("1"), posting("2")], None, T0)
    assert close_missing(db, "gh-test", ["1"], T0 + timedelta(days=1)) == 1
    assert rows(db, "SELECT source_id FROM postings WHERE closed_at IS NOT NULL") == [("2",)]
    upsert_postings(db, [posting("2")], None, T0 + timedelta(days=2))
    assert rows(db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL") == [(0,)]


def test_changes_of_title_and_salary_are_kept_as_history(db) -> None:
    upsert_postings(db, [posting("1")], None, T0)
    cheaper = posting("1", title="Clinical Trial Manager II")
    cheaper.salary = Salary(110000, 130000, "USD", "year", 110000, 130000, 110000, 130000, "")
    upsert_postings(db, [cheaper], None, T0 + timedelta(days=1))
    upsert_postings(db, [cheaper], None, T0 + timedelta(days=2))
    history = rows(db, "SELECT field, old_value, new_value, cause FROM posting_history ORDER BY 1")
    assert history == [
        ("salary_max", "150000.0", "130000.0", "ingest"),
        ("salary_min", "120000.0", "110000.0", "ingest"),
        ("title", "Clinical Trial Manager", "Clinical Trial Manager II", "ingest"),
    ]


def test_a_closed_posting_seen_again_counts_as_a_repost(db) -> None:
    upsert_postings(db, [posting("1"), posting("2")], None, T0)
    close_missing(db, "gh-test", ["2"], T0 + timedelta(days=1))
    mark_seen(db, [("gh-test", "1"), ("gh-test", "2")], T0 + timedelta(days=2))
    close_missing(db, "gh-test", ["2"], T0 + timedelta(days=3))
    upsert_postings(db, [posting("1")], None, T0 + timedelta(days=4))
    assert rows(db, "SELECT source_id, reposts, closed_at FROM postings ORDER BY 1") == [
        ("1", 2, None),
        ("2", 0, None),
    ]


def test_raw_payloads_are_stored_once_per_content(db) -> None:
    raw = RawPayload(
        "gh-test", "greenhouse", "https://x.test/jobs", T0, 200, "application/json", b'{"jobs": []}'
    )
    first_id, parsed = store_raw(db, raw)
    assert not parsed
    assert store_raw(db, raw) == (first_id, False)  # stored once, still waiting to be parsed
    mark_parsed(db, [first_id], T0)
    assert store_raw(db, raw) == (first_id, True)  # unchanged and parsed: ingest may skip it
    changed = RawPayload(
        "gh-test", "greenhouse", raw.url, T0 + timedelta(hours=1), 200, "", b'{"jobs": [1]}'
    )
    store_raw(db, changed)
    [(body, encoding)] = rows(
        db, "SELECT body, body_encoding FROM raw_payloads ORDER BY fetched_at DESC LIMIT 1"
    )
    assert encoding == "zstd" and decompress(body, encoding) == b'{"jobs": [1]}'
    assert rows(db, "SELECT count(*) FROM raw_payloads") == [(2,)]


def test_locations_keep_every_character_through_the_stage(db) -> None:
    odd = [
        Location(city='Kraków "Old Town"', region="Małopolska\\", country="PL"),
        Location(city=None, region=None, country="US", hub=None),
        Location(city="東京 🧪", region="{}", country="JP", hub="[]"),
    ]
    upsert_postings(db, [replace(posting("1"), locations=odd)], None, T0)
    stored = rows(db, "SELECT locations, city FROM postings")[0]
    as_dicts = [
        {"city": p.city, "region": p.region, "country": p.country, "hub": p.hub} for p in odd
    ]
    assert stored == (as_dicts, 'Kraków "Old Town"')
    upsert_postings(db, [replace(posting("1"), locations=odd[::-1])], None, T0)  # replaced
    assert rows(db, "SELECT locations FROM postings") == [(as_dicts[::-1],)]
    upsert_postings(db, [replace(posting("1"), locations=[])], None, T0)
    assert rows(db, "SELECT locations, city FROM postings") == [([], None)]
