"""Ingest steps: fetch a source, store raw payloads first, parse, upsert. No Prefect here."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Sequence
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

    def kept(self, parsed: BoardParse) -> list[tuple[str, bool]]:
        """(source_id, relevant) of the postings whose items a parse left unchanged."""
        known = self.known or {}
        return [known[digest] for digest in parsed.unchanged]

    def take(self, parsed: BoardParse, kept: list[tuple[str, bool]], new: int) -> None:
        """Count a payload whose parse is now stored (`kept`: its postings left unchanged;
        `new`: postings new among its own)."""
        written = [p.source_id for p in parsed.postings]
        kept_ids = [key for key, _ in kept]
        self.listed += written + parsed.listed_ids + kept_ids
        self.relevance.update(kept)
        self.relevance.update((p.source_id, p.relevant) for p in parsed.postings)
        self.written.update(written)
        self.seen.update(written)
        self.seen.update(kept_ids)
        self.new += new
        self.applied = True
        self.errors += len(parsed.errors)

    @property
    def postings(self) -> int:
        return len(self.relevance)

    @property
    def relevant(self) -> int:
        return sum(self.relevance.values())


@dataclass
class _Applying:
    """A stored payload and its parse, to be applied with the others of its round."""

    source: SourceRef
    raw_id: int
    parsed: BoardParse
    counts: PayloadCounts
    kept: list[tuple[str, bool]]  # (source_id, relevant) of the postings left unchanged


def _apply(con: duckdb.DuckDBPyConnection, due: list[_Applying], now: datetime) -> None:
    """Apply the parses of a round in one transaction: their parse errors, postings, unchanged
    postings seen and payloads marked parsed commit together. When the warehouse refuses the
    rows, each payload is tried alone, so only the refused one is recorded as unstorable."""
    if not due:
        return
    try:
        with transaction(con):
            new = _merge_round(con, due, now)
    except duckdb.Error as error:  # the warehouse refused some payload's rows
        if len(due) == 1:
            _record_unstorable(con, due[0], error, now)
            return
        for one in due:
            _apply(con, [one], now)
        return
    for one in due:
        one.counts.take(one.parsed, one.kept, new.get(one.source.name, 0))


def _merge_round(
    con: duckdb.DuckDBPyConnection, due: list[_Applying], now: datetime
) -> dict[str, int]:
    """The statements of `_apply` (call inside a transaction); new postings by source."""
    errors = [(a.raw_id, e.source, e.item_id, e.message) for a in due for e in a.parsed.errors]
    raw_store.replace_parse_errors(con, [a.raw_id for a in due], errors, now)
    parses = [postings_store.PostingsOf(a.parsed.postings, a.raw_id, a.parsed.digests) for a in due]
    result = postings_store.merge_postings(con, parses, now)
    unchanged = [(a.source.name, key, a.raw_id) for a in due for key, _ in a.kept]
    postings_store.refresh_unchanged(con, unchanged, now)
    raw_store.mark_parsed(con, [a.raw_id for a in due], now)
    return result.new_by_source


@dataclass
class _SourceStore:
    """One source's fetch being stored: its payloads go one per round, in order, so a
    payload is prepared after the one before it was applied."""

    fetched: FetchResult
    given: list[BoardParse | None]
    counts: PayloadCounts = field(default_factory=PayloadCounts)

    def prepare(
        self, con: duckdb.DuckDBPyConnection, index: int, stored: tuple[int, bool]
    ) -> _Applying | None:
        """Payload `index`, stored raw (`stored`: its id, and whether the same bytes are still
        applied): its parse to apply, unless the same bytes are still applied. Once a payload
        of this fetch was parsed, later ones are applied again even when unchanged: they
        refine earlier ones (a Greenhouse detail's pay over its list's text). Same bytes still
        list their postings: those they mapped, or, for a list page that maps none (ids
        only), the ids it names."""
        source, raw, counts = self.fetched.source, self.fetched.payloads[index], self.counts
        raw_id, still_applied = stored
        if still_applied and not counts.applied:
            mapped = postings_store.payload_postings(con, raw_id)
            counts.listed += [source_id for source_id, _ in mapped] or _listed_ids(source, raw)
            counts.relevance.update(mapped)
            counts.unchanged += 1
            return None
        if counts.known is None:
            counts.known = postings_store.known_items(con, source.name)
        skip, parsed = counts.skip(), self.given[index]
        if parsed is None or not skip.issuperset(parsed.unchanged):
            parsed = parse_safely(source, raw, skip)  # made here, or made before a rewrite
        return _Applying(source, raw_id, parsed, counts, counts.kept(parsed))

    def unseen(self) -> list[tuple[str, str]]:
        """(source, source_id) of what the board still lists and this fetch has not yet
        marked seen (an unchanged payload's postings, the ids a list page names)."""
        name, counts = self.fetched.source.name, self.counts
        return [(name, i) for i in counts.listed if i not in counts.seen]

    def finish(self, con: duckdb.DuckDBPyConnection, now: datetime) -> SourceOutcome:
        """Close what the board dropped (call once its listed postings are seen)."""
        _close(con, self.fetched, self.counts, now)
        return _outcome(self.fetched, self.counts)


def _record_unstorable(
    con: duckdb.DuckDBPyConnection, refused: _Applying, error: duckdb.Error, now: datetime
) -> None:
    """A payload whose postings the warehouse refused: a parse error beside it (the payload
    stays unparsed, so a later run or `reparse` tries it again); the run goes on."""
    message = clean_text(f"could not store its postings: {str(error).splitlines()[0]}")[:2000]
    error_row = (refused.raw_id, refused.source.name, None, message)
    raw_store.replace_parse_errors(con, [refused.raw_id], [error_row], now)
    refused.counts.errors += 1


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


def _outcome(fetched: FetchResult, counts: PayloadCounts) -> SourceOutcome:
    error = fetched.error
    return SourceOutcome(
        source=fetched.source.name,
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


def store_and_parse_many(
    con: duckdb.DuckDBPyConnection,
    fetched: Sequence[FetchResult],
    now: datetime | None = None,
    parses: Sequence[list[BoardParse] | None] | None = None,
) -> list[SourceOutcome]:
    """Store the fetches of distinct sources together: every payload raw first (committed),
    then its parse (given, e.g. from worker processes, or made here). Round k stores the k-th
    payload of every source, then applies them in one transaction, so a source's payloads
    still apply in order while the warehouse's statements are shared by all; then what the
    boards list is seen, and each source closes what its board dropped."""
    names = [f.source.name for f in fetched]
    if len(set(names)) != len(names):
        raise ValueError("store_and_parse_many takes each source once")
    now = now or datetime.now(UTC)
    stores = [
        _SourceStore(f, list(given) if given else [None] * len(f.payloads))
        for f, given in zip(fetched, parses or [None] * len(fetched), strict=True)
    ]
    for index in range(max((len(f.payloads) for f in fetched), default=0)):
        active = [s for s in stores if index < len(s.fetched.payloads)]
        stored = raw_store.store_raws(con, [s.fetched.payloads[index] for s in active])
        due = [s.prepare(con, index, kept) for s, kept in zip(active, stored, strict=True)]
        _apply(con, [one for one in due if one is not None], now)
    postings_store.mark_seen(con, [pair for store in stores for pair in store.unseen()], now)
    return [store.finish(con, now) for store in stores]


def store_and_parse(
    con: duckdb.DuckDBPyConnection,
    fetched: FetchResult,
    now: datetime | None = None,
    parses: list[BoardParse] | None = None,
) -> SourceOutcome:
    """`store_and_parse_many` of one source: store every payload, then its parse; upsert
    postings, close what the board dropped."""
    return store_and_parse_many(con, [fetched], now, [parses] if parses else None)[0]


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


def store_or_fail_many(
    con: duckdb.DuckDBPyConnection, fetched: Sequence[FetchResult]
) -> list[SourceOutcome]:
    """`store_and_parse_many`; when storing itself breaks, each source again on its own
    (`store_or_fail`: what was committed stays, and is seen as stored), so one source never
    stops the others."""
    try:
        return store_and_parse_many(con, fetched)
    except Exception:
        _rollback_if_open(con)
        return [store_or_fail(con, one) for one in fetched]


def _rollback_if_open(con: duckdb.DuckDBPyConnection) -> None:
    """End a transaction an error left open (DuckDB refuses anything else until then)."""
    with contextlib.suppress(duckdb.Error):  # none was open
        con.execute("ROLLBACK")
