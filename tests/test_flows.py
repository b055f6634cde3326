"""True Prefect flow runs (temporary local API): ingest with failing boards, digests by SMTP."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from core.settings import get_settings
from tests.conftest import SAMPLE
from tests.helpers import add_broken_boards, subscribe_sample
from tests.smtp_server import CollectingHandler, smtp_server
from warehouse.db import connect_reader

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_ingest_goes_on_past_failing_boards_and_is_idempotent(settings_env, sample_copy) -> None:
    from flows.ingest import ingest

    sources = add_broken_boards(sample_copy)
    first = ingest(sources_file=str(sources), replay_dir=str(sample_copy))
    failed = {s.source: s for s in first.sources if s.status != "ok"}
    assert set(failed) == {"gh-closedco", "gh-brokenco", "gh-busyco"}
    assert "moved or closed" in str(failed["gh-closedco"].error)
    assert "layout changed" in str(failed["gh-brokenco"].error)
    assert "503" in str(failed["gh-busyco"].error)
    assert first.new_postings == first.postings > 100
    assert "gh-disabled" not in {s.source for s in first.sources}

    db = get_settings().db_path
    con = connect_reader(db)
    assert con.execute(
        "SELECT count(*) FROM raw_payloads WHERE source = 'gh-brokenco'"
    ).fetchone() == (1,)
    recorded = con.execute(
        "SELECT source, status, http_status FROM source_runs WHERE status = 'failed' ORDER BY 1"
    ).fetchall()
    assert recorded == [
        ("gh-brokenco", "failed", 200),
        ("gh-busyco", "failed", 503),
        ("gh-closedco", "failed", 404),
    ]
    postings_before = con.execute("SELECT count(*) FROM postings").fetchone()
    compared = con.execute(
        "SELECT count(*) FROM postings_vs_benchmark WHERE benchmark_usd IS NOT NULL"
    ).fetchone()
    con.close()
    assert compared is not None and compared[0] > 0  # the guide's figures are there after ingest

    second = ingest(sources_file=str(sources), replay_dir=str(sample_copy))
    assert second.new_postings == 0 and second.postings == first.postings
    con = connect_reader(db)
    assert con.execute("SELECT count(*) FROM postings").fetchone() == postings_before
    assert con.execute(
        "SELECT count(*) FROM runs WHERE flow = 'ingest' AND status = 'partial'"
    ).fetchone() == (2,)
    con.close()


def test_digest_flow_sends_by_smtp_once(settings_env, monkeypatch) -> None:
    from flows.digest import digest
    from flows.ingest import ingest

    ingest(sources_file=str(SAMPLE / "sources.yaml"), replay_dir=str(SAMPLE))
    db = get_settings().db_path
    subscribe_sample(db)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("JOBALERTS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(port))
        monkeypatch.setenv("JOBALERTS_SMTP_SECURITY", "none")
        get_settings.cache_clear()
        daily = digest(cadence="daily")
        assert daily.sent == daily.composed > 0 and not daily.failed
        assert len(handler.messages) == daily.sent
        again = digest(cadence="daily")
        assert again.sent == 0 and len(handler.messages) == daily.sent
    message = handler.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    plain = message.get_body(("plain",))
    assert plain is not None and "Guide: " in plain.get_content()  # a comparison, or why none
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not (settings_env / "outbox").exists()


def test_digest_flow_rejects_an_unknown_cadence(settings_env) -> None:
    from flows.digest import digest

    with pytest.raises(ValueError, match="unknown cadence"):
        digest(cadence="hourly")


def test_digest_flow_reads_smtp_settings_from_a_prefect_secret_block(
    settings_env, monkeypatch
) -> None:
    from prefect.blocks.system import Secret

    from flows.digest import digest
    from flows.ingest import ingest

    ingest(sources_file=str(SAMPLE / "sources.yaml"), replay_dir=str(SAMPLE))
    subscribe_sample(get_settings().db_path)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        block = {"host": "127.0.0.1", "port": port, "security": "none", "password": "s3cret"}
        secret: Secret[str] = Secret(value=SecretStr(json.dumps(block)))
        secret.save("clinops-smtp-test", overwrite=True)
        monkeypatch.setenv("JOBALERTS_SMTP_BLOCK", "clinops-smtp-test")
        get_settings.cache_clear()
        summary = digest(cadence="daily")
    assert summary.transport == f"smtp://127.0.0.1:{port}"
    assert summary.sent == len(handler.messages) > 0
    assert "s3cret" not in str(summary)
