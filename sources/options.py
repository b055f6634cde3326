"""Options every connector takes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchOptions:
    """Timeouts, caps and base-URL overrides (tests point these at a local server)."""

    timeout: float = 20.0
    max_bytes: int = 50_000_000
    max_pages: int = 50
    base_urls: dict[str, str] = field(default_factory=dict)

    def base(self, key: str, default: str) -> str:
        """The base URL for an API, overridden when set."""
        return self.base_urls.get(key, default).rstrip("/")
