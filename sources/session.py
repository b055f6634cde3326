"""The one HTTP session every connector uses, and the one place HTTP errors are sorted.

The session identifies itself and takes each host's turn (one request at a time, a minimum
delay). `fetch` retries 429 / 5xx / dropped connections a bounded number of times, sleeping
OUTSIDE the host's turn; a Retry-After beyond the cap defers the source (and its host's other
boards) to the next run; a refused connection or an unknown name marks the host down for the
run. Every attempt has a total deadline; redirects are followed only within the same host, so
keys (query or headers) never cross hosts; every URL stored or reported is redacted. Given a
cache folder, GETs are conditional (ETag / Last-Modified).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from core.errors import (
    BoardGoneError,
    HostDownError,
    LayoutChangedError,
    SourceError,
    TransientSourceError,
)
from core.models import RawPayload, SourceRef
from sources.conditional import ConditionalCache, Validators
from sources.deadline import POOL_CLASSES, Deadline
from sources.options import FetchOptions
from sources.politeness import GATE, HostHealth
from sources.redaction import REDACT, guard_loggers, redact
from sources.redirects import Request, follow, redirect_target
from sources.retries import (
    RetryPolicy,
    TryAgain,
    next_wait,
    refuse_troubled_host,
    retry_after_seconds,
)

RETRY_STATUSES = (429, 500, 502, 503, 504)
T = TypeVar("T")
guard_loggers(("urllib3", "urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry"))


class PoliteAdapter(HTTPAdapter):
    """An HTTP adapter that waits for its host's turn (one request at a time, a minimum delay)
    and whose connections obey the calling thread's Deadline. It never retries by itself."""

    def __init__(self, *, min_host_delay: float, **kwargs: Any) -> None:
        self.min_host_delay = min_host_delay
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Pools whose connections a Deadline can cut."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(POOL_CLASSES)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send when the host is free and its minimum delay has passed."""
        with GATE.turn(request.url or "", self.min_host_delay):
            return super().send(request, *args, **kwargs)


class PoliteSession(requests.Session):
    """A session that may remember validators for conditional GETs, with its retry policy and
    the run's host health (hosts found down or rate-limiting)."""

    conditional: ConditionalCache | None = None
    policy: RetryPolicy = RetryPolicy()
    hosts: HostHealth | None = None


def build_session(
    *,
    user_agent: str,
    retries: int = 3,
    backoff: float = 0.5,
    max_retry_after: float = 60.0,
    min_host_delay: float = 0.0,
    cache_dir: Path | None = None,
    hosts: HostHealth | None = None,
) -> PoliteSession:
    """A session with an identifying User-Agent, bounded retries and per-host politeness."""
    session = PoliteSession()
    session.conditional = ConditionalCache(cache_dir) if cache_dir else None
    session.policy = RetryPolicy(retries, backoff, max_retry_after)
    session.hosts = hosts if hosts is not None else HostHealth()
    adapter = PoliteAdapter(min_host_delay=min_host_delay)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
    return session


_RECEIVED: ContextVar[list[RawPayload] | None] = ContextVar("received", default=None)


@contextmanager
def receiving() -> Iterator[list[RawPayload]]:
    """Collect every payload `fetch` returns inside (in order), whatever the connector does
    with it afterwards: a decode failure or a connector bug never loses a fetched body."""
    received: list[RawPayload] = []
    token = _RECEIVED.set(received)
    try:
        yield received
    finally:
        _RECEIVED.reset(token)


def _read_capped(response: requests.Response, max_bytes: int, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(f"response larger than {max_bytes} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status in RETRY_STATUSES:
        error = TransientSourceError(f"HTTP {status} after retries", url=url, status=status)
        raise TryAgain(error, retry_after_seconds(response.headers.get("Retry-After")))
    if status == 404:
        raise BoardGoneError("board moved or closed (HTTP 404)", url=url, status=status)
    if status >= 400:
        raise SourceError(f"HTTP {status}", url=url, status=status)


def _payload(
    source: SourceRef,
    url: str,
    status: int,
    content_type: str,
    body: bytes,
    final_url: str = "",
) -> RawPayload:
    """A payload keyed by the URL asked for; `final_url` when a redirect moved it (redacted)."""
    return RawPayload(
        source=source.name,
        kind=source.kind,
        url=redact(url),
        fetched_at=datetime.now(UTC),
        status=status,
        content_type=content_type,
        body=body,
        final_url=redact(final_url) if final_url and final_url != url else "",
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


def _send(session: requests.Session, request: Request, options: FetchOptions) -> requests.Response:
    """Send, following redirects `_follow` allows; the caller closes the answer."""
    while True:
        response = session.request(
            request.method,
            request.url,
            json=request.json_body,
            headers=request.headers,
            timeout=options.timeout,
            stream=True,
            allow_redirects=False,
        )
        target = redirect_target(request, response)
        if target is None:
            return response
        response.close()
        follow(request, target, response.status_code, options.cross_host_redirects)


def _host_down(error: requests.ConnectionError) -> bool:
    """True when the connection never opened: refused, unknown name, connect timeout."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, NewConnectionError | ConnectTimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__ or _reason(seen)
    return False


def _reason(error: BaseException) -> BaseException | None:
    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], BaseException) else None


def _attempt(
    session: requests.Session, source: SourceRef, request: Request, options: FetchOptions
) -> RawPayload:
    """One attempt (redirects included) within the total deadline."""
    cache = _cache_for(session, request.method)
    asked = request.url
    headers = {**request.headers, **(cache.request_headers(asked) if cache else {})}
    attempt = Request(request.method, asked, headers, request.json_body)
    with Deadline(options.deadline) as deadline:
        try:
            with _send(session, attempt, options) as response:
                if response.status_code == 304 and cache is not None:
                    remembered = _remembered(cache, source, asked)
                    if remembered is not None:
                        return remembered
                _check_status(response, attempt.url)
                body = _read_capped(response, options.max_bytes, attempt.url)
        except (requests.RequestException, TryAgain) as error:
            if deadline.expired:
                raise _overdue(options, attempt.url) from None
            raise _sorted(error, attempt.url) from None
        if deadline.expired:
            raise _overdue(options, attempt.url)
    _remember(cache, asked, response, body)
    content_type = response.headers.get("Content-Type", "")
    return _payload(source, asked, response.status_code, content_type, body, attempt.url)


def _overdue(options: FetchOptions, url: str) -> TransientSourceError:
    return TransientSourceError(
        f"no complete answer within the {options.deadline:g} s deadline", url=url
    )


def _sorted(error: BaseException, url: str) -> BaseException:
    """A request library error as the pipeline's error (or TryAgain for another attempt)."""
    if isinstance(error, TryAgain):
        return error
    if isinstance(error, requests.ConnectionError) and _host_down(error):
        return HostDownError(f"network error, host unreachable: {error}", url=url)
    if isinstance(error, requests.Timeout | requests.ConnectionError):
        return TryAgain(TransientSourceError(f"network error: {error}", url=url))
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return TryAgain(TransientSourceError(f"body cut short: {error}", url=url))
    return SourceError(f"request failed: {error}", url=url)


def _hosts(session: requests.Session) -> HostHealth:
    hosts = session.hosts if isinstance(session, PoliteSession) else None
    return hosts if hosts is not None else HostHealth()


def _policy(session: requests.Session) -> RetryPolicy:
    return session.policy if isinstance(session, PoliteSession) else RetryPolicy()


def _with_retries(
    session: requests.Session, source: SourceRef, request: Request, options: FetchOptions
) -> RawPayload:
    """Attempts until one answers, sleeping between them outside the host's turn."""
    hosts, policy = _hosts(session), _policy(session)
    for attempt in range(policy.retries + 1):
        refuse_troubled_host(hosts, request.url)
        try:
            return _attempt(session, source, request, options)
        except HostDownError:
            hosts.mark(request.url, "down", "was unreachable")
            raise
        except TryAgain as retry:
            wait = next_wait(retry, policy, attempt, hosts, request.url)
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _redacted(error: SourceError) -> SourceError:
    """The same error with every credential masked in its message and URL, payloads kept."""
    copy = type(error)(
        redact(str(error)), url=redact(error.url), status=error.status, payloads=error.payloads
    )
    return copy


def fetch(
    session: requests.Session,
    source: SourceRef,
    url: str,
    options: FetchOptions,
    *,
    method: str = "GET",
    json_body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    record: bool = True,
) -> RawPayload:
    """One request: a RawPayload on success, or a SourceError that says what went wrong.

    `headers` are added to this request only (keys never leak to other boards, nor to other
    hosts: redirects stay on the host). A conditional GET the server answers 304 (Not
    Modified) gives the remembered body. The payload's URL is where the body really came from,
    redacted. With `record` (the default), the payload joins the enclosing `receiving()`.
    """
    REDACT.register(options.credentials.values())
    request = Request(method, url, dict(headers or {}), json_body)
    try:
        raw = _with_retries(session, source, request, options)
    except SourceError as error:
        raise _redacted(error) from None
    received = _RECEIVED.get()
    if record and received is not None:
        received.append(raw)
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


def decode_json(raw: RawPayload) -> Any:
    """The JSON document of a payload, or a LayoutChangedError (the drain keeps the payload)."""
    try:
        return json.loads(raw.body)
    except (ValueError, RecursionError) as error:  # bad bytes, bad JSON, absurd nesting
        raise LayoutChangedError(
            f"layout changed: body is not JSON ({error.__class__.__name__}, "
            f"content-type {raw.content_type or 'none'})",
            url=raw.url,
            status=raw.status,
            payloads=[raw],
        ) from error


def require_shape(ok: bool, what: str, raw: RawPayload) -> None:
    """Raise LayoutChangedError when a decoded body lacks what the board always sends."""
    if not ok:
        raise LayoutChangedError(
            f"layout changed: expected {what}", url=raw.url, status=raw.status, payloads=[raw]
        )


def json_object(raw: RawPayload, key: str, what: str = "") -> dict[str, Any]:
    """A JSON object payload holding a list under `key`; LayoutChangedError otherwise."""
    doc = decode_json(raw)
    ok = isinstance(doc, dict) and isinstance(doc.get(key), list)
    require_shape(ok, what or f"an object with a {key!r} list", raw)
    found: dict[str, Any] = doc
    return found


def listed(raw: RawPayload, key: str, what: str = "") -> list[Any]:
    """The list under `key` of a JSON object payload; LayoutChangedError when absent."""
    items: list[Any] = json_object(raw, key, what)[key]
    return items
