"""Digest delivery end to end against a real SMTP server: once, retried, failures isolated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cli.subscription_file import load_subscriptions
from core.benchmarks import load_benchmarks
from core.settings import Settings
from digests.mailer import SmtpMailer
from pipeline.digest import send_digests
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from sources.registry import load_sources
from tests.conftest import SAMPLE
from tests.smtp_server import CollectingHandler, free_port, smtp_server
from warehouse.subscriptions import save_subscription, subscription_overview


@pytest.fixture
def loaded(db):
    """A warehouse with the sample ingested and the sample subscriptions saved."""
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))
    for sub in load_subscriptions(SAMPLE / "subscriptions.yaml"):
        save_subscription(db, sub, datetime.now(UTC))
    return db


def send(db, port: int, cadence: str = "daily"):
    mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
    return send_digests(db, cadence, Settings(), load_benchmarks(), mailer, "smtp")


def test_a_550_for_one_recipient_does_not_block_the_others(loaded) -> None:
    handler = CollectingHandler(reject={"remote-cra@example.com"})
    with smtp_server(handler) as port:
        outcome = send(loaded, port)
    assert outcome.composed == 2 and outcome.sent == 1
    assert [m["To"] for m in handler.messages] == ["hub-ctm@example.com"]
    assert len(outcome.failed) == 1 and "remote-cra@example.com" in outcome.failed[0]
    status = loaded.execute(
        "SELECT recipient, status FROM deliveries ORDER BY recipient"
    ).fetchall()
    assert status == [("hub-ctm@example.com", "sent"), ("remote-cra@example.com", "failed")]
    errors = {row[1]: row[-1] for row in subscription_overview(loaded)}
    assert errors["remote-cra@example.com"] and errors["hub-ctm@example.com"] is None
    with smtp_server(CollectingHandler()) as port:
        assert send(loaded, port).sent == 0  # a permanent failure is not retried


def test_a_server_that_is_down_is_retried_next_run_without_duplicates(loaded) -> None:
    down = send(loaded, free_port())
    assert down.sent == 0 and len(down.failed) == down.composed == 2
    assert loaded.execute("SELECT DISTINCT status FROM deliveries").fetchall() == [("retry",)]
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        up = send(loaded, port)
        assert up.retried == 2 and up.composed == 0 and up.sent == 2
        assert send(loaded, port).sent == 0
    ids = sorted(m["Message-ID"] for m in handler.messages)
    recorded = sorted(r[0] for r in loaded.execute("SELECT message_id FROM deliveries").fetchall())
    assert ids == recorded


def test_weekly_digest_carries_the_market_by_level_and_hub(loaded) -> None:
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        outcome = send(loaded, port, "weekly")
    assert outcome.sent == 2
    text = handler.messages[0].get_body(("plain",)).get_content()
    assert "Boston" in text or "San Diego" in text
    assert "median" in text.lower()
