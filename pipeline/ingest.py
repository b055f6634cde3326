"""Ingest steps: fetch a source, store raw payloads first, parse, upsert. No Prefect here."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import duckdb

from core.errors import RateLimitedError, SourceError, SourceSkippedError
from core.models import BoardParse, ParseError, RawPayload, SourceRef
from pipeline.fetching import FetchResult as FetchResult
from pipeline.fetching import fetch_options as fetch_options
from pipeline.fetching import fetch_source as fetch_source
from pipeline.fetching import make_session as make_session
from pipeline.sanitize import clean_json_escapes, clean_text, cleaned
from sources.registry import lists_whole_board
from warehouse import postings as postings_store
from warehouse import raw as raw_store
from warehouse.db import transaction
from warehouse.runs import SourceOutcome

BoardParser = Callable[..., BoardParse]  # (raw, source[, skip]) -> BoardParse
# A search-based source (aggregators, keyword searches) never lists everything: a posting it
# has not returned for this long is taken as closed.
STALE_AFTER = timedelta(days=14)
CAPPED_NOTE = "listing capped by max_pages before its end: nothing closed this run"


def board_parser(kind: str) -> BoardParser:
    """The payload mapper of a kind of board: `parsers.boards.<kind>.parse_payload(raw, source,
    skip)`; it maps every item but those whose digest is in `skip` (stored unchanged)."""
    parser: BoardParser = importlib.import_module(f"parsers.boards.{kind}").parse_payload
    return parser


def parse_safely(
    source: SourceRef, raw: RawPayload, skip: frozenset[str] = frozenset()
) -> BoardParse:
    """The one way a payload is parsed: text made valid at this boundary (lone surrogate
    escapes in the body, then every string of the result), and a parser that raises becomes
    a parse error of the payload instead of stopping the run. Items whose digest is in `skip`
    are not mapped (their postings are stored unchanged)."""
    body = clean_json_escapes(raw.body)
    safe_raw = raw if body is raw.body else replace(raw, body=body)
    try:
        parser = board_parser(source.kind)
        parsed = parser(safe_raw, source, skip) if skip else parser(safe_raw, source)
    except Exception as error:  # a parser bug or a hostile payload: record it, go on
        message = clean_text(f"parser crashed: {error.__class__.__name__}: {error}")
        return BoardParse(errors=[ParseError(source.name, None, message[:2000])])
    return cleaned(parsed)


@dataclass
class PayloadCounts:
    """What one source's payloads held, added up (a posting in a list and its detail once)."""

    listed: list[str] = field(default_factory=list)
    relevance: dict[str, bool] = field(default_factory=dict)
    new: int = 0
    errors: int = 0
    unchanged: int = 0
    applied: bool = False  # a payload of this fetch was parsed: later ones are applied again
    known: dict[str, tuple[str, bool]] | None = None  # stored item digests, read when needed
    written: set[str] = field(default_factory=set)  # postings written by this fetch
    seen: set[str] = field(default_factory=set)  # postings already marked seen by this fetch

    def skip(self) -> frozenset[str]:
        """Digests of items to leave unparsed: stored, and not rewritten by this fetch (a
        detail page after its list is applied again, as the list replaced its fields)."""
        known = self.known or {}
        return frozenset(d for d, (key, _) in known.items() if key not in self.written)

    @property
    def postings(self) -> int:
        return len(self.relevance)

    @property
    def relevant(self) -> int:
        return sum(self.relevance.values())


def _parse_and_upsert(
    con: duckdb.DuckDBPyConnection,
    source: str,
    parsed: BoardParse,
    raw_id: int,
    now: datetime,
    counts: PayloadCounts,
) -> None:
    """Record a stored payload's parse and upsert its postings, all in one transaction; the
    postings of its unchanged items are only pointed at it (and seen, later)."""
    kept = [(counts.known or {})[digest] for digest in parsed.unchanged]
    with transaction(con):
        errors = [(raw_id, e.source, e.item_id, e.message) for e in parsed.errors]
        raw_store.replace_parse_errors(con, [raw_id], errors, now)
        result = postings_store.merge_postings(con, parsed.postings, raw_id, now, parsed.digests)
        postings_store.refresh_unchanged(con, source, [key for key, _ in kept], raw_id, now)
        raw_store.mark_parsed(con, raw_id, now)
    counts.listed += [p.source_id for p in parsed.postings] + parsed.listed_ids
    counts.listed += [key for key, _ in kept]
    counts.relevance.update(kept)
    counts.relevance.update((p.source_id, p.relevant) for p in parsed.postings)
    counts.written.update(p.source_id for p in parsed.postings)
    counts.seen.update(counts.written)
    counts.seen.update(key for key, _ in kept)
    counts.new += result.new
    counts.applied = True
    counts.errors += len(parsed.errors)


def _store_payload(
    con: duckdb.DuckDBPyConnection,
    source: SourceRef,
    raw: RawPayload,
    parsed: BoardParse | None,
    now: datetime,
    counts: PayloadCounts,
) -> None:
    """Store the raw payload first (committed); use its parse unless the same bytes are still
    applied. Once a payload of this fetch was parsed, later ones are applied again even when
    unchanged: they refine earlier ones (a Greenhouse detail's pay over its list's text).

    Same bytes still list their postings: those they mapped, or, for a list page that maps
    none (ids only), the ids it names.
    """
    raw_id, still_applied = raw_store.store_raw(con, raw)
    if not still_applied or counts.applied:
        if counts.known is None:
            counts.known = postings_store.known_items(con, source.name)
        skip = counts.skip()
        if parsed is None or not skip.issuperset(parsed.unchanged):
            parsed = parse_safely(source, raw, skip)  # made here, or made before a rewrite
        try:
            _parse_and_upsert(con, source.name, parsed, raw_id, now, counts)
        except duckdb.Error as error:  # the warehouse refused this payload's rows: record it
            _record_unstorable(con, source, raw_id, error, now)
            counts.errors += 1
        return
    mapped = postings_store.payload_postings(con, raw_id)
    counts.listed += [source_id for source_id, _ in mapped] or _listed_ids(source, raw)
    counts.relevance.update(mapped)
    counts.unchanged += 1


def _record_unstorable(
    con: duckdb.DuckDBPyConnection,
    source: SourceRef,
    raw_id: int,
    error: duckdb.Error,
    now: datetime,
) -> None:
    """A payload whose postings the warehouse refused: a parse error beside it (the payload
    stays unparsed, so a later run or `reparse` tries it again); the run goes on."""
    message = clean_text(f"could not store its postings: {str(error).splitlines()[0]}")[:2000]
    raw_store.replace_parse_errors(con, [raw_id], [(raw_id, source.name, None, message)], now)


def _listed_ids(source: SourceRef, raw: RawPayload) -> list[str]:
    """The ids a list page names: it maps no postings, so the warehouse holds none for it."""
    return parse_safely(source, raw).listed_ids


def _close(
    con: duckdb.DuckDBPyConnection, fetched: FetchResult, counts: PayloadCounts, now: datetime
) -> None:
    """Close what a complete listing dropped; for searches, what has not been seen for a while.
    A failed, empty, capped or partly unreadable fetch closes nothing."""
    if fetched.error is not None or fetched.capped or not fetched.payloads or counts.errors:
        return
    if lists_whole_board(fetched.source.kind):
        postings_store.close_missing(con, fetched.source.name, counts.listed, now)
    else:
        postings_store.close_stale(con, fetched.source.name, now - STALE_AFTER)


def _status(error: SourceError | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    return "skipped" if isinstance(error, SourceSkippedError) else "failed"


def store_and_parse(
    con: duckdb.DuckDBPyConnection,
    fetched: FetchResult,
    now: datetime | None = None,
    parses: list[BoardParse] | None = None,
) -> SourceOutcome:
    """Store every payload, then its parse (given, e.g. from worker processes, or made here);
    upsert postings, close what the board dropped."""
    now = now or datetime.now(UTC)
    source = fetched.source
    counts = PayloadCounts()
    given: list[BoardParse | None] = list(parses) if parses else [None] * len(fetched.payloads)
    for raw, parsed in zip(fetched.payloads, given, strict=True):
        _store_payload(con, source, raw, parsed, now, counts)
    error = fetched.error
    unseen = [source_id for source_id in counts.listed if source_id not in counts.seen]
    postings_store.mark_seen(con, source.name, unseen, now)
    _close(con, fetched, counts, now)
    return SourceOutcome(
        source=source.name,
        status=_status(error),
        started_at=fetched.started_at,
        finished_at=datetime.now(UTC),
        error=str(error) if error else (CAPPED_NOTE if fetched.capped else None),
        url=error.url if error else None,
        http_status=error.status if error else None,
        payloads=len(fetched.payloads),
        postings=counts.postings,
        relevant=counts.relevant,
        new_postings=counts.new,
        parse_errors=counts.errors,
        unchanged_payloads=counts.unchanged,
    )


def store_or_fail(con: duckdb.DuckDBPyConnection, fetched: FetchResult) -> SourceOutcome:
    """`store_and_parse`, or, when storing itself breaks, a failed outcome saying why (what
    was committed before stays): one source never stops the others."""
    try:
        return store_and_parse(con, fetched)
    except Exception as error:
        _rollback_if_open(con)
        first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        return SourceOutcome(
            source=fetched.source.name,
            status="failed",
            started_at=fetched.started_at,
            finished_at=datetime.now(UTC),
            error=clean_text(f"could not store: {first}")[:2000],
            payloads=len(fetched.payloads),
        )


def _rollback_if_open(con: duckdb.DuckDBPyConnection) -> None:
    """End a transaction an error left open (DuckDB refuses anything else until then)."""
    with contextlib.suppress(duckdb.Error):  # none was open
        con.execute("ROLLBACK")
