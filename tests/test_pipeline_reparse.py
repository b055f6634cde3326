"""Re-parse rebuilds postings from raw payloads, offline, and says what changed."""

from __future__ import annotations

from core.settings import Settings
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from pipeline.reparse import reparse_all
from sources.registry import load_sources
from tests.conftest import SAMPLE


def ingest_sample(db) -> None:
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))


def test_reparse_restores_fields_and_reports_the_gain(db) -> None:
    ingest_sample(db)
    before = db.execute(
        "SELECT count(salary_usd_annual_min), max(last_seen), count(*) FROM postings"
    ).fetchone()
    lost = db.execute(
        "SELECT count(salary_usd_annual_min) FROM postings WHERE source = 'greenhouse-northwindbio'"
    ).fetchone()[0]
    db.execute(  # as an older parser would have left them
        "UPDATE postings SET salary_min = NULL, salary_max = NULL, salary_usd_annual_min = NULL,"
        " salary_usd_annual_max = NULL, level = NULL WHERE source = 'greenhouse-northwindbio'"
    )
    result = reparse_all(db, {})
    after = db.execute(
        "SELECT count(salary_usd_annual_min), max(last_seen), count(*) FROM postings"
    ).fetchone()
    assert after == before  # restored, and last_seen untouched by a re-parse
    assert lost > 0
    assert f"salary filled on {lost} more postings" in result.changes()
    assert any(line.startswith("level known on") for line in result.changes())
    assert result.payloads == 8 and result.parse_errors == 0
    history = db.execute("SELECT DISTINCT cause FROM posting_history").fetchall()
    assert history == [("reparse",)]
