"""The one HTTP session every connector uses, and the one place HTTP errors are sorted.

The session identifies itself, retries 429 / 5xx / connection errors a bounded number of times
honouring Retry-After (capped), takes each host's turn (one request at a time, a minimum delay),
and, given a cache folder, makes GETs conditional (ETag / Last-Modified).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core.errors import BoardGoneError, LayoutChangedError, SourceError, TransientSourceError
from core.models import RawPayload, SourceRef
from sources.conditional import ConditionalCache, Validators
from sources.options import FetchOptions
from sources.politeness import GATE

RETRY_STATUSES = (429, 500, 502, 503, 504)
T = TypeVar("T")


class CappedRetry(Retry):
    """urllib3 retries that honour Retry-After, but never wait longer than a cap."""

    max_retry_after: float = 60.0

    def get_retry_after(self, response: Any) -> float | None:
        """The server's Retry-After in seconds, capped."""
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw: Any) -> CappedRetry:
        """Keep the cap when urllib3 copies the policy after each attempt."""
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


class PoliteAdapter(HTTPAdapter):
    """An HTTP adapter that waits for its host's turn (one request at a time, a minimum delay)."""

    def __init__(self, *, min_host_delay: float, **kwargs: Any) -> None:
        self.min_host_delay = min_host_delay
        super().__init__(**kwargs)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send when the host is free and its minimum delay has passed."""
        with GATE.turn(request.url or "", self.min_host_delay):
            return super().send(request, *args, **kwargs)


class PoliteSession(requests.Session):
    """A session that may remember validators for conditional GETs."""

    conditional: ConditionalCache | None = None


def build_session(
    *,
    user_agent: str,
    retries: int = 3,
    backoff: float = 0.5,
    max_retry_after: float = 60.0,
    min_host_delay: float = 0.0,
    cache_dir: Path | None = None,
) -> PoliteSession:
    """A session with an identifying User-Agent, bounded retries and per-host politeness."""
    retry = CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST", "HEAD"}),
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.max_retry_after = max_retry_after
    session = PoliteSession()
    session.conditional = ConditionalCache(cache_dir) if cache_dir else None
    adapter = PoliteAdapter(max_retries=retry, min_host_delay=min_host_delay)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
    return session


def _read_capped(response: requests.Response, max_bytes: int, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(f"response larger than {max_bytes} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status == 404:
        raise BoardGoneError("board moved or closed (HTTP 404)", url=url, status=status)
    if status in RETRY_STATUSES:
        raise TransientSourceError(f"HTTP {status} after retries", url=url, status=status)
    if status >= 400:
        raise SourceError(f"HTTP {status}", url=url, status=status)


def _payload(
    source: SourceRef, url: str, status: int, content_type: str, body: bytes
) -> RawPayload:
    return RawPayload(
        source=source.name,
        kind=source.kind,
        url=url,
        fetched_at=datetime.now(UTC),
        status=status,
        content_type=content_type,
        body=body,
    )


def _cache_for(session: requests.Session, method: str) -> ConditionalCache | None:
    cache = session.conditional if isinstance(session, PoliteSession) else None
    return cache if method == "GET" else None


def _remembered(cache: ConditionalCache, source: SourceRef, url: str) -> RawPayload | None:
    found, body = cache.validators(url), cache.body(url)
    if found is None or body is None:
        return None
    return _payload(source, url, 200, found.content_type, body)


def _remember(
    cache: ConditionalCache | None, url: str, response: requests.Response, body: bytes
) -> None:
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if cache is not None and (etag or modified):
        content_type = response.headers.get("Content-Type", "")
        cache.remember(url, Validators(etag, modified, content_type), body)


def fetch(
    session: requests.Session,
    source: SourceRef,
    url: str,
    options: FetchOptions,
    *,
    method: str = "GET",
    json_body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> RawPayload:
    """One request: a RawPayload on success, or a SourceError that says what went wrong.

    `headers` are added to this request only (keys never leak to other boards). A conditional
    GET the server answers 304 (Not Modified) gives the remembered body.
    """
    cache = _cache_for(session, method)
    headers = {**(headers or {}), **(cache.request_headers(url) if cache else {})}
    try:
        with session.request(
            method,
            url,
            json=json_body,
            headers=headers,
            timeout=options.timeout,
            stream=True,
            allow_redirects=True,
        ) as response:
            if response.status_code == 304 and cache is not None:
                remembered = _remembered(cache, source, url)
                if remembered is not None:
                    return remembered
            _raise_for_status(response, url)
            body = _read_capped(response, options.max_bytes, url)
            _remember(cache, url, response, body)
            content_type = response.headers.get("Content-Type", "")
            return _payload(source, url, response.status_code, content_type, body)
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientSourceError(f"network error: {error}", url=url) from error
    except requests.RequestException as error:
        raise SourceError(f"request failed: {error}", url=url) from error


def fetch_listing(
    session: requests.Session, source: SourceRef, url: str, options: FetchOptions, key: str
) -> RawPayload:
    """One GET of a whole board whose jobs are the list under `key`, shape checked."""
    raw = fetch(session, source, url, options)
    doc = decode_json(raw, [raw])
    ok = isinstance(doc, dict) and isinstance(doc.get(key), list)
    require_shape(ok, f"an object with a {key!r} list", raw, [raw])
    return raw


def other_region_on_404(region: str, regions: tuple[str, ...], attempt: Callable[[str], T]) -> T:
    """Try the configured region; when the board answers 404 there (it may live on the global
    or the EU host), try the others. If none has it, the first 404 stands."""
    try:
        return attempt(region)
    except BoardGoneError as gone:
        for other in (r for r in regions if r != region):
            try:
                return attempt(other)
            except SourceError:
                continue
        raise gone


class Payloads(list[RawPayload]):
    """The payloads of one fetch, in order. `capped` is set when a page cap (max_pages) ended
    a whole-board listing before its last page: the listing is incomplete."""

    capped: bool = False


def collect_payloads(fill: Callable[[Payloads], None]) -> Payloads:
    """Run `fill`, which appends each payload it fetches; a SourceError it raises carries the
    payloads fetched before it, so they are stored all the same."""
    payloads = Payloads()
    try:
        fill(payloads)
    except SourceError as error:
        error.payloads = error.payloads or payloads
        raise
    return payloads


def decode_json(raw: RawPayload, payloads: list[RawPayload]) -> Any:
    """The JSON document of a payload, or a LayoutChangedError that keeps the payloads."""
    try:
        return json.loads(raw.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LayoutChangedError(
            f"layout changed: body is not JSON ({error.__class__.__name__}, "
            f"content-type {raw.content_type or 'none'})",
            url=raw.url,
            status=raw.status,
            payloads=payloads,
        ) from error


def require_shape(ok: bool, what: str, raw: RawPayload, payloads: list[RawPayload]) -> None:
    """Raise LayoutChangedError when a decoded body lacks what the board always sends."""
    if not ok:
        raise LayoutChangedError(
            f"layout changed: expected {what}", url=raw.url, status=raw.status, payloads=payloads
        )
