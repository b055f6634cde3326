"""Options every connector takes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchOptions:
    """Timeouts (`timeout` per read, `deadline` per attempt), caps, credentials and base-URL
    overrides (tests point these at a local server).

    `credentials` holds free API keys read from the environment (e.g. `usajobs_api_key`,
    `adzuna_app_id`); a connector whose key is absent raises SourceSkippedError.
    `known_ids` are the source_ids of this source already in the warehouse, so a connector
    may skip fetching their details again or stop paging a newest-first board early.
    `cross_host_redirects` lets a public web page move to another host (never with a key, and
    only the Accept header follows); APIs leave it off: a redirect elsewhere is refused.
    """

    timeout: float = 20.0
    deadline: float = 60.0  # total seconds one attempt may take, however slowly bytes arrive
    max_bytes: int = 50_000_000
    max_pages: int = 50
    base_urls: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    known_ids: frozenset[str] = frozenset()
    cross_host_redirects: bool = False  # web pages (feeds, career pages), never keyed APIs

    def base(self, key: str, default: str) -> str:
        """The base URL for an API, overridden when set."""
        return self.base_urls.get(key, default).rstrip("/")

    def credential(self, key: str) -> str | None:
        """A credential, or None when it is not configured."""
        return self.credentials.get(key) or None
