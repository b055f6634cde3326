"""Operator alerts, the pure decisions: what fires, what opens, what resolves, the email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.alerts import AlertEpisode, Problem, RunRecord, SourceRecord
from digests.mailer import HeaderInjectionError
from pipeline.alerts import (
    alert_message,
    alert_message_id,
    decide,
    failing_sources,
    run_problems,
    settled_runs,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def history(source: str, statuses: str) -> list[SourceRecord]:
    """Outcomes oldest first from a string: f = failed, o = ok, s = skipped."""
    names = {"f": "failed", "o": "ok", "s": "skipped"}
    return [
        SourceRecord(source, T0 + timedelta(hours=4 * i), names[c], f"HTTP 503 #{i}")
        for i, c in enumerate(statuses)
    ]


@pytest.mark.parametrize(
    ("statuses", "fires"),
    [
        ("fff", True),
        ("offf", True),
        ("ff", False),
        ("ffo", False),
        ("fof", False),
        ("ffsf", False),  # skipped (no credentials) breaks the streak: it is not a failure
        ("", False),
    ],
)
def test_a_source_fires_after_three_failed_runs_in_a_row(statuses: str, fires: bool) -> None:
    records = history("gh-acme", statuses)
    found = failing_sources(reversed(records))  # order does not matter
    assert [p.key for p in found] == (["source:gh-acme"] if fires else [])
    if fires:
        assert found[0].detail == f"last error: HTTP 503 #{len(statuses) - 1}"


def run(flow: str, hours: int, status: str, stopped: str | None = None) -> RunRecord:
    return RunRecord(f"{flow}-{hours}", flow, T0 + timedelta(hours=hours), status, stopped)


def test_a_run_still_running_counts_only_once_a_newer_run_of_its_flow_exists() -> None:
    alive = [run("ingest", 1, "running"), run("ingest", 0, "ok")]
    assert settled_runs(alive)["ingest"].status == "ok"
    assert run_problems(alive) == []
    dead = [run("ingest", 2, "running"), run("ingest", 1, "running")]
    [problem] = run_problems(dead)
    assert problem.key == "run:ingest" and "never finished" in problem.summary
    assert run_problems([run("ingest", 0, "running")]) == []  # alone: may be running now


def test_aborted_runs_and_stopped_digest_batches_fire_until_a_later_run_ends_well() -> None:
    runs = [
        run("ingest", 1, "aborted"),
        run("digest-daily", 2, "failed", stopped="554 relay access denied"),
        run("digest-weekly", 2, "cancelled"),  # an operator's own cancel is no alarm
    ]
    found = {p.key: p for p in run_problems(runs)}
    assert set(found) == {"run:ingest", "digest:daily"}
    assert "554 relay access denied" in found["digest:daily"].detail
    later = [*runs, run("ingest", 5, "partial"), run("digest-daily", 6, "ok")]
    assert run_problems(later) == []


def episode(key: str, resolved: bool = False) -> AlertEpisode:
    return AlertEpisode(
        key, f"{key} broke", "detail", T0, T0 + timedelta(hours=8) if resolved else None
    )


def test_decide_opens_only_new_problems_and_resolves_only_what_stopped_firing() -> None:
    firing = [Problem("source:a", "a"), Problem("source:b", "b")]
    decision = decide(firing, [episode("source:a"), episode("run:ingest")])
    assert [p.key for p in decision.opened] == ["source:b"]
    assert decision.resolved == ["run:ingest"]
    assert decide(firing, [episode("source:a"), episode("source:b")]).opened == []


def test_the_alert_email_names_problems_and_recoveries_and_is_the_same_on_resend() -> None:
    pending = [episode("source:gh-acme"), episode("digest:daily", resolved=True)]
    message = alert_message(pending, "Alerts <alerts@example.org>", "ops@example.org", T0)
    assert message["Subject"] == "[ClinOps Job Alerts] 1 problem(s), 1 resolved"
    text = message.get_content()
    assert "Problems:\n\n- source:gh-acme broke (since 2026-12-01 08:00 UTC)" in text
    assert "Resolved:\n\n- digest:daily broke: 2026-12-01 08:00 UTC to 2026-12-01 16:00 UTC" in text
    again = alert_message(list(reversed(pending)), "alerts@example.org", "ops@example.org", T0)
    assert again["Message-ID"] == message["Message-ID"] == alert_message_id(pending)
    assert alert_message_id(pending[:1]) != message["Message-ID"]
    one = alert_message(pending[:1], "alerts@example.org", "ops@example.org", T0)
    assert one["Subject"] == "[ClinOps Job Alerts] source:gh-acme broke"


def test_the_alert_email_keeps_a_hostile_name_on_one_subject_line() -> None:
    hostile = [AlertEpisode("source:x", "source x\r\nBcc: victim@example.org failed", None, T0)]
    message = alert_message(hostile, "alerts@example.org", "ops@example.org", T0)
    assert "\n" not in message["Subject"] and message["Bcc"] is None
    with pytest.raises((HeaderInjectionError, ValueError)):
        alert_message(hostile, "alerts@example.org", "ops@example.org\r\nBcc: x@y.org", T0)
