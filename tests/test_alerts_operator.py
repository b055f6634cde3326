"""Operator alerts end to end on a real warehouse file and a real SMTP server (aiosmtpd):
one email when a problem starts, one when it ends, none per run in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.alerting import check_alerts
from tests.smtp_server import CollectingHandler, smtp_server
from warehouse.db import connect_reader, writer
from warehouse.runs import SourceOutcome, finish_run, record_source_outcome, start_run

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
OPERATOR = "ops@example.org"


def settings_for(tmp_path: Path, port: int | None, operator: str | None = OPERATOR) -> Settings:
    return Settings(
        db_path=tmp_path / "w.duckdb",
        outbox_dir=tmp_path / "outbox",
        smtp_host="127.0.0.1" if port else None,
        smtp_port=port or 25,
        smtp_security="none",
        operator_email=operator,
    )


def ingest_run(settings: Settings, n: int, statuses: dict[str, str]) -> datetime:
    """Record an ingest run `n` (4 h apart) with each source's status, as the flow does."""
    at = T0 + timedelta(hours=4 * n)
    with writer(settings.db_path) as con:
        start_run(con, f"ingest-{n}", "ingest", at)
        for source, status in statuses.items():
            error = "HTTP 503 from the board" if status == "failed" else None
            record_source_outcome(con, f"ingest-{n}", SourceOutcome(source, status, at, at, error))
        finish_run(con, f"ingest-{n}", "ok", {}, at + timedelta(minutes=1))
    return at + timedelta(minutes=2)


def episodes(settings: Settings) -> list[tuple[str, bool, bool, bool]]:
    con = connect_reader(settings.db_path)
    try:
        rows = con.execute(
            "SELECT alert_key, resolved_at IS NOT NULL, open_notified_at IS NOT NULL,"
            " resolve_notified_at IS NOT NULL FROM operator_alerts ORDER BY opened_at"
        ).fetchall()
    finally:
        con.close()
    return [tuple(r) for r in rows]


def test_one_email_when_a_source_fails_three_runs_in_a_row_and_one_when_it_recovers(
    tmp_path: Path,
) -> None:
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        subjects = []
        for n, status in enumerate(["failed"] * 5 + ["ok", "ok"]):
            now = ingest_run(settings, n, {"gh-acme": status, "gh-fine": "ok"})
            check_alerts(settings, now)
            check_alerts(settings, now + timedelta(seconds=1))  # checks repeat at every run end
            subjects.append([str(m["Subject"]) for m in handler.messages])
    assert [len(s) for s in subjects] == [0, 0, 1, 1, 1, 2, 2]
    opened, recovered = handler.messages
    assert opened["Subject"] == "[ClinOps Job Alerts] source gh-acme failed 3 runs in a row"
    assert opened["To"] == OPERATOR and "HTTP 503 from the board" in opened.get_content()
    assert recovered["Subject"] == (
        "[ClinOps Job Alerts] resolved: source gh-acme failed 3 runs in a row"
    )
    assert episodes(settings) == [("source:gh-acme", True, True, True)]
    # A new streak is a new episode, with its own email.
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        for n in range(7, 10):
            check_alerts(settings, ingest_run(settings, n, {"gh-acme": "failed"}))
    assert len(handler.messages) == 3
    assert [e[:2] for e in episodes(settings)] == [
        ("source:gh-acme", True),
        ("source:gh-acme", False),
    ]


def test_a_stopped_digest_batch_and_a_run_that_died_each_alert_once(tmp_path: Path) -> None:
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        with writer(settings.db_path) as con:
            start_run(con, "d1", "digest-daily", T0)
            finish_run(con, "d1", "failed", {"stopped": "554 5.7.1 Relay access denied"}, T0)
            start_run(con, "i1", "ingest", T0)  # killed: never finished
            start_run(con, "i2", "ingest", T0 + timedelta(hours=4))  # the next one is running
        first = check_alerts(settings, T0 + timedelta(hours=4, minutes=1))
        assert sorted(first.opened) == ["digest:daily", "run:ingest"]
        check_alerts(settings, T0 + timedelta(hours=4, minutes=2))
        assert len(handler.messages) == 1  # both problems in one email, once
        text = handler.messages[0].get_content()
        assert "554 5.7.1 Relay access denied" in text and "ingest run never finished" in text

        with writer(settings.db_path) as con:
            finish_run(con, "i2", "ok", {}, T0 + timedelta(hours=4, minutes=5))
            start_run(con, "d2", "digest-daily", T0 + timedelta(hours=24))
            finish_run(con, "d2", "ok", {"stopped": None}, T0 + timedelta(hours=24))
        done = check_alerts(settings, T0 + timedelta(hours=24, minutes=1))
    assert sorted(done.resolved) == ["digest:daily", "run:ingest"]
    assert len(handler.messages) == 2
    assert handler.messages[1]["Subject"] == "[ClinOps Job Alerts] 2 resolved"


def test_an_alert_the_mail_server_refused_is_kept_in_the_outbox_and_sent_later(
    tmp_path: Path,
) -> None:
    handler = CollectingHandler(reject={OPERATOR})
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        for n in range(3):
            check = check_alerts(settings, ingest_run(settings, n, {"gh-acme": "failed"}))
        assert check.error and "550" in check.error and handler.messages == []
    kept = list((tmp_path / "outbox").glob("*.eml"))
    assert len(kept) == 1 and "gh-acme failed 3 runs" in kept[0].read_text()
    assert episodes(settings) == [("source:gh-acme", False, False, False)]

    handler = CollectingHandler()
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        later = check_alerts(settings, T0 + timedelta(days=1))
    assert later.notified == 1 and later.error is None and len(handler.messages) == 1
    assert episodes(settings) == [("source:gh-acme", False, True, False)]


def test_without_an_operator_address_episodes_are_kept_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, None, operator=None)
    for n in range(3):
        check_alerts(settings, ingest_run(settings, n, {"gh-acme": "failed"}))
    assert episodes(settings) == [("source:gh-acme", False, False, False)]
    assert not (tmp_path / "outbox").exists()


@pytest.mark.usefixtures("prefect_api")
def test_the_ingest_flow_alerts_the_operator_once_for_boards_failing_three_runs(
    settings_env, sample_copy, monkeypatch
) -> None:
    from core.settings import get_settings
    from flows.ingest import ingest
    from tests.helpers import add_broken_boards

    sources = add_broken_boards(sample_copy)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("JOBALERTS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(port))
        monkeypatch.setenv("JOBALERTS_SMTP_SECURITY", "none")
        monkeypatch.setenv("JOBALERTS_OPERATOR_EMAIL", OPERATOR)
        get_settings.cache_clear()
        for _ in range(4):
            ingest(sources_file=str(sources), replay_dir=str(sample_copy))
    [message] = handler.messages
    assert message["Subject"] == "[ClinOps Job Alerts] 3 problem(s)"
    text = message.get_content()
    for board in ("gh-closedco", "gh-brokenco", "gh-busyco"):
        assert f"source {board} failed 3 runs in a row" in text


def test_two_checks_at_once_send_one_email(tmp_path: Path) -> None:
    import threading

    handler = CollectingHandler(delay=0.5)  # the first check is still sending
    with smtp_server(handler) as port:
        settings = settings_for(tmp_path, port)
        for n in range(3):
            now = ingest_run(settings, n, {"gh-acme": "failed"})
        checks = [threading.Thread(target=check_alerts, args=(settings, now)) for _ in range(2)]
        for thread in checks:
            thread.start()
        for thread in checks:
            thread.join(timeout=30)
    assert len(handler.messages) == 1


@pytest.mark.usefixtures("prefect_api")
def test_a_digest_batch_stopped_by_the_server_alerts_once_and_its_recovery_once(
    settings_env, monkeypatch
) -> None:
    from core.settings import get_settings
    from flows.digest import digest
    from flows.ingest import ingest
    from pipeline.digest import DeliveryStoppedError
    from tests.conftest import SAMPLE
    from tests.helpers import subscribe_sample
    from tests.smtp_server import free_port

    ingest(sources_file=str(SAMPLE / "sources.yaml"), replay_dir=str(SAMPLE))
    subscribe_sample(get_settings().db_path)
    monkeypatch.setenv("JOBALERTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JOBALERTS_SMTP_SECURITY", "none")
    monkeypatch.setenv("JOBALERTS_OPERATOR_EMAIL", OPERATOR)
    monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(free_port()))  # nobody listens: refused
    get_settings.cache_clear()
    with pytest.raises(DeliveryStoppedError):
        digest(cadence="daily")
    [kept] = list((settings_env / "outbox").glob("alert-*.eml"))  # the server is the problem
    assert "daily digests stopped by the mail server" in kept.read_text()

    handler = CollectingHandler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(port))
        get_settings.cache_clear()
        sent = digest(cadence="daily")
        digest(cadence="daily")
    alerts = [m for m in handler.messages if m["To"] == OPERATOR]
    assert [str(m["Subject"]) for m in alerts] == [
        "[ClinOps Job Alerts] daily digests stopped by the mail server",
        "[ClinOps Job Alerts] resolved: daily digests stopped by the mail server",
    ]
    assert sent.sent > 0 and len(handler.messages) == sent.sent + 2


@pytest.mark.usefixtures("prefect_api")
def test_an_ingest_that_fails_before_recording_its_end_is_recorded_and_alerted_once(
    settings_env, sample_copy, monkeypatch
) -> None:
    from core.settings import get_settings
    from flows.ingest import ingest

    broken = sample_copy / "broken-sources.yaml"
    broken.write_text("sources: [{name: x}]\n")  # no kind: refused when loaded
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("JOBALERTS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(port))
        monkeypatch.setenv("JOBALERTS_SMTP_SECURITY", "none")
        monkeypatch.setenv("JOBALERTS_OPERATOR_EMAIL", OPERATOR)
        get_settings.cache_clear()
        for _ in range(2):
            with pytest.raises(Exception):  # whatever the loader raises
                ingest(sources_file=str(broken), replay_dir=str(sample_copy))
        assert len(handler.messages) == 1
        ingest(sources_file=str(sample_copy / "sources.yaml"), replay_dir=str(sample_copy))
    con = connect_reader(get_settings().db_path)
    try:
        statuses = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
        error = con.execute("SELECT summary->>'error' FROM runs WHERE status = 'error'").fetchone()
    finally:
        con.close()
    assert statuses == [("error",), ("error",), ("ok",)]
    assert error is not None and error[0]
    opened, resolved = (str(m["Subject"]) for m in handler.messages)
    assert opened == "[ClinOps Job Alerts] ingest run failed with an error"
    assert resolved == "[ClinOps Job Alerts] resolved: ingest run failed with an error"
    assert error[0][:40] in handler.messages[0].get_content()
