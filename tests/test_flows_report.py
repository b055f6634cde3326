"""Each flow run publishes a Markdown artifact; the report escapes what it shows."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest

from core.settings import get_settings
from pipeline.report import cell, digest_report, ingest_report
from tests.helpers import add_broken_boards, subscribe_sample
from warehouse.db import connect_reader


def artifacts_of(run_id: str) -> list[Any]:
    """The artifacts of one flow run, read back through the Prefect client."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> list[Any]:
        async with get_client() as client:
            found = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]))
            return list(await client.read_artifacts(artifact_filter=found))

    return asyncio.run(read())


def last_run_id(flow: str) -> str:
    con = connect_reader(get_settings().db_path)
    try:
        row = con.execute(
            "SELECT run_id FROM runs WHERE flow = ? ORDER BY started_at DESC LIMIT 1", [flow]
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


@pytest.mark.usefixtures("prefect_api")
def test_ingest_and_digest_runs_each_publish_a_markdown_report(settings_env, sample_copy) -> None:
    from flows.digest import digest
    from flows.ingest import ingest

    summary = ingest(sources_file=str(add_broken_boards(sample_copy)), replay_dir=str(sample_copy))
    [report] = artifacts_of(last_run_id("ingest"))
    assert report.type == "markdown" and report.key == "ingest-report"
    text = str(report.data)
    assert f"{summary.new_postings} new" in text
    assert "## Failures" in text and "gh-busyco" in text and "503" in text
    for source in summary.sources:
        assert f"| {cell(source.source)} | {source.status} |" in text

    subscribe_sample(get_settings().db_path)
    sent = digest(cadence="daily")
    [report] = artifacts_of(last_run_id("digest-daily"))
    assert report.key == "digest-daily-report"
    assert f"| sent | {sent.sent} |" in str(report.data) and sent.sent > 0


def test_report_cells_cannot_break_the_table_or_inject_html() -> None:
    hostile = "a|b\n<script>alert(1)</script> [x](javascript:y) `c` & d"
    text = cell(hostile)
    assert "\n" not in text and "<script>" not in text
    assert "|" not in text.replace("\\|", "")
    assert "](" not in text and "`" not in text.replace("\\`", "")
    assert cell(None) == "" and len(cell("x" * 1000)) <= 300


def test_reports_say_what_failed_and_what_stopped() -> None:
    source = {"source": "gh-x", "status": "failed", "error": "HTTP 503 | busy", "postings": 0}
    ingest = ingest_report({"sources": [source], "failed": ["gh-x"], "postings": 0})
    assert "1 failed" in ingest
    assert "- gh-x: HTTP 503 \\| busy" in ingest
    digest = digest_report(
        {
            "cadence": "daily",
            "transport": "smtp://relay:587",
            "sent": 2,
            "failed": ["a@example.org: 550 no"],
            "stopped": "554 relay denied",
        }
    )
    assert "**Stopped**: 554 relay denied" in digest
    assert "| failed | 1 |" in digest and "a@example.org: 550 no" in digest
