"""Markdown reports of flow runs (the flows publish them as Prefect artifacts). Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Characters that would end a table cell, start markup or HTML in a Markdown renderer.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")
_NEWLINES = re.compile(r"[\r\n]+")
MAX_CELL = 300

SOURCE_COLUMNS = (
    ("source", "source"),
    ("status", "status"),
    ("payloads", "payloads"),
    ("postings", "postings"),
    ("relevant", "relevant"),
    ("new", "new_postings"),
    ("parse errors", "parse_errors"),
    ("error", "error"),
)
DIGEST_ROWS = (
    ("subscriptions", "subscriptions"),
    ("composed", "composed"),
    ("sent", "sent"),
    ("resent from earlier runs", "retried"),
    ("no-news emails", "no_news"),
    ("cancelled (unsubscribed)", "cancelled"),
)


def cell(value: Any) -> str:
    """A value as one safe Markdown table cell: one line, escaped, bounded."""
    if value is None:
        return ""
    text = _NEWLINES.sub(" ", str(value)).strip()
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    text = text.replace("&", "&amp;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table, every cell escaped."""
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def ingest_report(summary: Mapping[str, Any]) -> str:
    """Sources, their counts and failures, of one ingest run."""
    sources = list(summary.get("sources", []))
    failed = list(summary.get("failed", []))
    lines = [
        "# Ingest",
        "",
        f"{len(sources)} sources: {len(sources) - len(failed)} without failure,"
        f" {len(failed)} failed, {len(summary.get('skipped', []))} skipped.",
        f"{summary.get('postings', 0)} postings listed, {summary.get('new_postings', 0)} new.",
        "",
    ]
    if failed:
        lines += ["## Failures", ""]
        broken = [s for s in sources if s.get("status") == "failed"]
        lines += [f"- {cell(s.get('source'))}: {cell(s.get('error'))}" for s in broken]
        lines.append("")
    lines += ["## Sources", ""]
    lines += table(
        [h for h, _ in SOURCE_COLUMNS], ([s.get(k) for _, k in SOURCE_COLUMNS] for s in sources)
    )
    return "\n".join(lines) + "\n"


def digest_report(summary: Mapping[str, Any]) -> str:
    """What one digest run composed, sent and could not send."""
    failed = list(summary.get("failed", []))
    lines = [f"# {cell(str(summary.get('cadence', '')).capitalize())} digests", ""]
    lines.append(f"Transport: {cell(summary.get('transport'))}.")
    if summary.get("stopped"):
        lines.append(f"**Stopped**: {cell(summary['stopped'])} (kept for the next run).")
    lines.append("")
    rows = [(label, summary.get(key, 0)) for label, key in DIGEST_ROWS]
    lines += table(["", "count"], [*rows, ("failed", len(failed))])
    if failed:
        lines += ["", "## Failed deliveries", ""]
        lines += [f"- {cell(f)}" for f in failed]
    return "\n".join(lines) + "\n"
