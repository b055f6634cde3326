"""Errors the pipeline reports to users: each says what failed and where."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.models import RawPayload


class JobAlertsError(Exception):
    """Base class: a failure with a clear one-line message for users."""


class ConfigError(JobAlertsError):
    """A configuration file or setting is missing or invalid."""


class SourceError(JobAlertsError):
    """Fetching one board failed; other boards go on. Payloads fetched before are kept."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        payloads: list[RawPayload] | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.payloads: list[RawPayload] = payloads or []


class TransientSourceError(SourceError):
    """A failure worth retrying later: 429, 5xx, timeout, connection reset."""


class RateLimitedError(TransientSourceError):
    """The host asked us to wait longer than we wait in one run: deferred to the next run."""


class HostDownError(TransientSourceError):
    """The host refused the connection or its name did not resolve: not retried this run."""


class BoardGoneError(SourceError):
    """The board answered 404: it moved or closed."""


class LayoutChangedError(SourceError):
    """The board answered 200 with a body of an unexpected shape."""


class SourceSkippedError(SourceError):
    """The source cannot run here (e.g. its free API key is not set): skipped, not failed."""


class WarehouseBusyError(JobAlertsError):
    """Another process holds the warehouse file."""


class SubscriptionError(JobAlertsError):
    """A subscription is invalid (bad email, unknown level, negative salary...)."""
