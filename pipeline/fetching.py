"""Fetch steps: the run's HTTP session and options, and the one drain that turns a
connector's pages into a fetch result. No Prefect here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from core.errors import LayoutChangedError, SourceError
from core.models import RawPayload, SourceRef
from core.settings import Settings
from sources.options import FetchOptions
from sources.paging import Pages
from sources.politeness import HostHealth
from sources.redaction import redact
from sources.registry import connector_for
from sources.replay import use_replay
from sources.session import build_session, receiving


@dataclass
class FetchResult:
    """Payloads fetched for one source, and the error that stopped it, if any. `capped` when
    a page cap cut a whole-board listing short: it is incomplete and closes nothing."""

    source: SourceRef
    payloads: list[RawPayload] = field(default_factory=list)
    error: SourceError | None = None
    capped: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def make_session(settings: Settings, hosts: HostHealth | None = None) -> requests.Session:
    """The HTTP session for a run: the polite network, or recordings when replay is set.
    `hosts` is the run's record of hosts found down or rate-limiting (shared by its sessions)."""
    if settings.replay_dir is not None:
        return use_replay(build_session(user_agent=settings.user_agent), settings.replay_dir)
    return build_session(
        user_agent=settings.user_agent,
        retries=settings.http_retries,
        backoff=settings.http_backoff,
        max_retry_after=settings.http_max_retry_after,
        min_host_delay=settings.http_min_host_delay,
        cache_dir=settings.http_cache_dir,
        hosts=hosts,
    )


def fetch_options(settings: Settings) -> FetchOptions:
    """Connector options from settings."""
    return FetchOptions(
        timeout=settings.http_timeout,
        deadline=settings.http_deadline,
        max_bytes=settings.http_max_bytes,
        base_urls=dict(settings.http_base_urls),
        credentials=settings.credentials(),
    )


def drain(source: SourceRef, pages: Pages) -> FetchResult:
    """Every page a connector yields, in order, as one fetch result: with the SourceError
    that stopped it (the pages before it kept), `capped` when the connector says max_pages
    cut its whole-board listing short.

    Every body the session returned travels on, whatever the connector did with it: a
    connector that fails to decode a page (or crashes) still hands its payloads to storage.
    A connector bug becomes a LayoutChangedError; messages and URLs are redacted."""
    started = datetime.now(UTC)
    yielded: list[RawPayload] = []
    with receiving() as received:
        try:
            capped = _take_all(pages, yielded)
        except SourceError as error:
            error.payloads = _all_received(received, [*yielded, *error.payloads])
            error.args, error.url = (redact(str(error)),), redact(error.url)
            return FetchResult(source, list(error.payloads), error, started_at=started)
        except Exception as error:  # a connector bug must not lose what was fetched
            message = redact(f"connector failed: {error.__class__.__name__}: {error}")[:500]
            crashed = LayoutChangedError(message, payloads=_all_received(received, yielded))
            return FetchResult(source, list(crashed.payloads), crashed, started_at=started)
    payloads = _all_received(received, yielded)
    return FetchResult(source, payloads, capped=bool(capped), started_at=started)


def _take_all(pages: Pages, into: list[RawPayload]) -> bool | None:
    """Append each page as it comes; the generator's own return value (capped)."""
    while True:
        try:
            into.append(next(pages))
        except StopIteration as end:
            capped: bool | None = end.value
            return capped


def _all_received(received: list[RawPayload], kept: list[RawPayload]) -> list[RawPayload]:
    """Every payload received, in order, then any the connector kept that it made itself."""
    return list({id(raw): raw for raw in [*received, *kept]}.values())


def fetch_source(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> FetchResult:
    """Fetch one board through its connector and `drain`; the SourceError that stopped it
    is raised, carrying every payload fetched before it (the flows retry on it)."""
    fetched = drain(source, connector_for(source.kind)(session, source, options))
    if fetched.error is not None:
        raise fetched.error
    return fetched
