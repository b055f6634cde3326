"""The offline sample's digests, as `make run` sends them, show both references with counts."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from core.benchmarks import load_benchmarks
from core.settings import Settings
from digests.mailer import OutboxMailer
from opstore.subscriptions import save_subscription
from pipeline.digest import send_digests
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from sources.registry import load_sources
from subscriptions.input import load_subscriptions
from tests.conftest import SAMPLE
from tests.helpers import ops_of
from warehouse.benchmarks import store_benchmarks


def sample_digests(db, tmp_path: Path, cadence: str) -> dict[str, str]:
    """Ingest the sample, save its subscribers, send one cadence to an outbox: text by address."""
    settings = Settings(replay_dir=SAMPLE)
    store_benchmarks(db, load_benchmarks())
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))
    for sub in load_subscriptions(SAMPLE / "subscriptions.yaml"):
        save_subscription(ops_of(db), sub, datetime.now(UTC))
    outbox = tmp_path / "outbox"
    send_digests(db, cadence, Settings(), load_benchmarks(), OutboxMailer(outbox), "outbox")
    texts = {}
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        texts[str(message["To"])] = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return texts


def test_weekly_sample_digest_shows_guide_and_market_with_counts(db, tmp_path) -> None:
    text = sample_digests(db, tmp_path, "weekly")["ops-leaders@example.com"]
    assert "Guide: +39% vs the guide's Director of Clinical Operations median, US, $180k" in text
    assert "Market: 88th percentile of 4 director-level clinical operations postings in the US" in (
        text
    )
    assert "Director, the US: median posted $202k (n = 3), +13% vs the guide's Director" in text
    assert "VP, the US: too few to say (n = 1)." in text
    assert "MEDIAN POSTED PAY VS THE GUIDE" in text
    assert "new roles posted this week." in text


def test_daily_sample_digests_compare_no_entry_role_with_the_guide(db, tmp_path) -> None:
    texts = sample_digests(db, tmp_path, "daily")
    cra = texts["remote-cra@example.com"]
    cra_postings = cra.split("THE MARKET")[0]
    assert "Assistant median" not in cra
    assert "Clinical Operations Manager median" not in cra_postings
    assert cra.count("Guide: no comparison (the guide gives no figure for entry roles") == 2
    assert "Market: too few to say (2 CRA postings in the US, 90 days)" in cra
    hub = texts["hub-ctm@example.com"]
    assert "Guide: +14% vs the guide's Clinical Operations Manager median, US, $110k" in hub
    assert "Market: 50th percentile of 3 manager-level clinical trial management postings" in hub
    assert "6 new roles posted in the last day." in hub
    assert "20 more first listed in the last day but posted earlier." in hub
