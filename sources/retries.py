"""Retrying in `fetch`: the policy, the server's Retry-After, and when to give up: a wait
beyond the cap, or retries spent on 429, defers the source and marks its host for the run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from core.errors import RateLimitedError, SourceError, SourceSkippedError
from sources.politeness import HostHealth, host_of


@dataclass(frozen=True)
class RetryPolicy:
    """How `fetch` retries: attempts after the first, backoff base, longest Retry-After slept."""

    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 60.0


class TryAgain(Exception):
    """An answer worth another attempt: 429/5xx (with the server's Retry-After) or a dropped
    connection."""

    def __init__(self, error: SourceError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def refuse_troubled_host(hosts: HostHealth, url: str) -> None:
    """Skip a host found down or rate-limiting earlier in this run."""
    trouble = hosts.trouble(url)
    if trouble is None:
        return
    message = f"{host_of(url)} {trouble.reason} earlier in this run"
    if trouble.kind == "rate_limited":
        raise RateLimitedError(f"deferred to the next run: {message}", url=url)
    raise SourceSkippedError(f"skipped: {message}", url=url)


def next_wait(
    retry: TryAgain, policy: RetryPolicy, attempt: int, hosts: HostHealth, url: str
) -> float:
    """Seconds to sleep before the next attempt, or the error that ends the fetch."""
    error, after = retry.error, retry.retry_after
    if after is not None and after > policy.max_retry_after:
        hosts.mark(url, "rate_limited", f"asked to wait {after:g} s")
        raise RateLimitedError(
            f"rate-limited: Retry-After {after:g} s is beyond the {policy.max_retry_after:g} s"
            " cap; deferred to the next run",
            url=error.url,
            status=error.status,
        )
    if attempt >= policy.retries:
        if error.status == 429:
            hosts.mark(url, "rate_limited", "kept answering 429")
            raise RateLimitedError(
                "rate-limited: HTTP 429 after retries; deferred to the next run",
                url=error.url,
                status=429,
            )
        raise error
    return after if after is not None else policy.backoff * 2**attempt
