"""Operator alerts, the pure part: which problems are firing, what to open and resolve, and
the email that tells the operator. No I/O here (pipeline/alerting.py does it)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from core.alerts import AlertEpisode, Problem, RunRecord, SourceRecord
from core.runs import RunStatus, SourceStatus
from digests.message import HEADER_POLICY, check_header, mailbox, normalise_message_id

FAILS_IN_A_ROW = 3
# How a run that was cut short ended, as the operator reads it. `running` counts when a newer
# run of the same flow exists (the process died without recording an end); `error` and
# `crashed` are recorded by the flows' failure hooks for runs that could not end normally.
ABORTED = {
    RunStatus.ABORTED: "was aborted",
    RunStatus.CRASHED: "crashed",
    RunStatus.ERROR: "failed with an error",
    RunStatus.RUNNING: "never finished",
}
SUBJECT_PREFIX = "[ClinOps Job Alerts]"
MESSAGE_DOMAIN = "clinops-job-alerts"


def failing_sources(history: Iterable[SourceRecord], limit: int = FAILS_IN_A_ROW) -> list[Problem]:
    """Sources whose latest `limit` outcomes all failed (history newest first per source)."""
    by_source: dict[str, list[SourceRecord]] = defaultdict(list)
    for record in history:
        by_source[record.source].append(record)
    problems = []
    for source, records in sorted(by_source.items()):
        latest = sorted(records, key=lambda r: r.started_at, reverse=True)[:limit]
        if len(latest) == limit and all(r.status == SourceStatus.FAILED for r in latest):
            problems.append(
                Problem(
                    f"source:{source}",
                    f"source {source} failed {limit} runs in a row",
                    f"last error: {latest[0].error or 'unknown'}",
                )
            )
    return problems


def settled_runs(runs: Iterable[RunRecord]) -> dict[str, RunRecord]:
    """Each flow's latest run that is over: finished, or still `running` under a newer run."""
    by_flow: dict[str, list[RunRecord]] = defaultdict(list)
    for run in runs:
        by_flow[run.flow].append(run)
    settled = {}
    for flow, records in by_flow.items():
        newest_first = sorted(records, key=lambda r: r.started_at, reverse=True)
        over = newest_first[1:] if newest_first[0].status == RunStatus.RUNNING else newest_first
        if over:
            settled[flow] = over[0]
    return settled


def run_problems(runs: Iterable[RunRecord]) -> list[Problem]:
    """Flows whose latest settled run was aborted, and digest batches the server stopped."""
    problems = []
    for flow, run in sorted(settled_runs(runs).items()):
        if run.status in ABORTED:
            detail = f"run {run.run_id}, started {_when(run.started_at)}"
            detail += f": {run.error}" if run.error else ""
            problems.append(
                Problem(f"run:{flow}", f"{flow} run {ABORTED[RunStatus(run.status)]}", detail)
            )
        elif flow.startswith("digest-") and run.stopped:
            cadence = flow.removeprefix("digest-")
            problems.append(
                Problem(
                    f"digest:{cadence}",
                    f"{cadence} digests stopped by the mail server",
                    f"{run.stopped} (kept for the next run)",
                )
            )
    return problems


@dataclass(frozen=True)
class Decision:
    """Problems to open an episode for, and keys of open episodes that are over."""

    opened: list[Problem]
    resolved: list[str]


def decide(firing: Sequence[Problem], open_now: Sequence[AlertEpisode]) -> Decision:
    """Open what fires and is not open yet; resolve what is open and no longer fires."""
    open_keys = {episode.key for episode in open_now}
    firing_keys = {problem.key for problem in firing}
    return Decision(
        opened=[p for p in firing if p.key not in open_keys],
        resolved=sorted(open_keys - firing_keys),
    )


def alert_subject(episodes: Sequence[AlertEpisode]) -> str:
    """One line: the problem, or how many opened and resolved."""
    opened = [e for e in episodes if e.resolved_at is None]
    resolved = [e for e in episodes if e.resolved_at is not None]
    if len(episodes) == 1:
        word = "resolved: " if resolved else ""
        return f"{SUBJECT_PREFIX} {word}{episodes[0].summary}"
    parts = [f"{len(opened)} problem(s)"] if opened else []
    parts += [f"{len(resolved)} resolved"] if resolved else []
    return f"{SUBJECT_PREFIX} {', '.join(parts)}"


def alert_text(episodes: Sequence[AlertEpisode]) -> str:
    """The plain-text body: open problems with their detail, then what recovered."""
    lines: list[str] = []
    opened = [e for e in episodes if e.resolved_at is None]
    if opened:
        lines += ["Problems:", ""]
        for e in opened:
            lines.append(f"- {e.summary} (since {_when(e.opened_at)})")
            lines += [f"  {e.detail}"] if e.detail else []
        lines.append("")
    resolved = [e for e in episodes if e.resolved_at is not None]
    if resolved:
        lines += ["Resolved:", ""]
        lines += [
            f"- {e.summary}: {_when(e.opened_at)} to {_when(e.resolved_at)}" for e in resolved
        ]
        lines.append("")
    lines.append("You get one email when a problem starts and one when it is over. History:")
    lines.append('  jobalerts sql "select * from operator_alerts order by opened_at desc"')
    return "\n".join(lines) + "\n"


def alert_message_id(episodes: Sequence[AlertEpisode]) -> str:
    """The same Message-ID for the same notifications (a resend after a failure)."""
    keys = sorted(
        f"{e.key}@{e.opened_at.isoformat()}:{'resolved' if e.resolved_at else 'opened'}"
        for e in episodes
    )
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
    return f"<alert-{digest}@{MESSAGE_DOMAIN}>"


def alert_message(
    episodes: Sequence[AlertEpisode], sender: str, recipient: str, now: datetime
) -> EmailMessage:
    """A plain-text email to the operator about these episodes (headers checked)."""
    subject = " ".join(alert_subject(episodes).replace("\0", " ").split())  # one line, always
    check_header("Subject", subject)
    message = EmailMessage(policy=HEADER_POLICY)  # a long subject stays on one line
    message["From"] = mailbox(sender, "From")
    message["To"] = mailbox(recipient, "To")
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = normalise_message_id(alert_message_id(episodes))
    message.set_content(alert_text(episodes))
    return message


def _when(moment: datetime | None) -> str:
    """A time as the operator reads it, in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "?"
