"""The one HTTP session every connector uses, and the one place HTTP errors are sorted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core.errors import BoardGoneError, LayoutChangedError, SourceError, TransientSourceError
from core.models import RawPayload, SourceRef

RETRY_STATUSES = (429, 500, 502, 503, 504)


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


def build_session(
    *,
    user_agent: str,
    retries: int = 3,
    backoff: float = 0.5,
    max_retry_after: float = 60.0,
) -> requests.Session:
    """A session with an identifying User-Agent and bounded, Retry-After-aware retries."""
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
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
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


def fetch(
    session: requests.Session,
    source: SourceRef,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    method: str = "GET",
    json_body: dict[str, Any] | None = None,
) -> RawPayload:
    """One request: a RawPayload on success, or a SourceError that says what went wrong."""
    try:
        with session.request(
            method, url, json=json_body, timeout=timeout, stream=True, allow_redirects=True
        ) as response:
            _raise_for_status(response, url)
            body = _read_capped(response, max_bytes, url)
            return RawPayload(
                source=source.name,
                kind=source.kind,
                url=url,
                fetched_at=datetime.now(UTC),
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
                body=body,
            )
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientSourceError(f"network error: {error}", url=url) from error
    except requests.RequestException as error:
        raise SourceError(f"request failed: {error}", url=url) from error


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
