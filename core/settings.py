"""Settings: code defaults, then JOBALERTS_* environment variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER_UNSUBSCRIBE_SECRET = "change-me-in-production"  # noqa: S105  (warned about)
PLACEHOLDER_SITE = "https://clinops-job-alerts.example/"


class Settings(BaseSettings):
    """Everything configurable, with defaults that work offline."""

    model_config = SettingsConfigDict(env_prefix="JOBALERTS_", env_file=".env", extra="ignore")

    db_path: Path = REPO_ROOT / "data" / "warehouse.duckdb"
    # The operational store (subscriptions, deliveries, tokens): a SQLAlchemy URL such as
    # postgresql+psycopg://user:pass@host/db; unset: SQLite `ops.sqlite3` beside the warehouse.
    ops_url: SecretStr | None = None
    outbox_dir: Path = REPO_ROOT / "outbox"
    sources_file: Path = REPO_ROOT / "config" / "sources.yaml"
    benchmarks_file: Path = REPO_ROOT / "config" / "benchmarks.yaml"
    replay_dir: Path | None = None
    read_wait_seconds: float = 10.0
    # `jobalerts sql` / `export`: what one query may use (locked: a query cannot lift them)
    sql_timeout_seconds: float = 60.0
    sql_memory_limit: str = "1GB"
    sql_threads: int = 2
    sql_max_rows: int = 10_000  # rows `jobalerts sql` prints; `export` writes them all
    user_agent: str = (
        "ClinOpsJobAlerts/0.1 (+https://github.com/clinops-job-alerts; jobs@example.org)"
    )
    http_timeout: float = 20.0
    http_deadline: float = 60.0  # total seconds per request attempt (a slow drip is cut)
    http_base_urls: dict[str, str] = {}  # API base-URL overrides by connector key (JSON)
    http_retries: int = 3
    http_backoff: float = 0.5  # seconds before the first retry (doubling), without Retry-After
    http_max_retry_after: float = 60.0
    http_max_bytes: int = 50_000_000
    http_min_host_delay: float = 1.0
    http_cache_dir: Path = REPO_ROOT / "data" / "http-cache"
    source_retries: int = 2
    source_retry_delay: float = 30.0

    usajobs_api_key: SecretStr | None = None
    usajobs_email: str | None = None
    adzuna_app_id: str | None = None
    adzuna_app_key: SecretStr | None = None
    muse_api_key: SecretStr | None = None

    smtp_block: str | None = None  # a Prefect Secret block holding SMTP settings as JSON
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: str = "starttls"
    smtp_timeout: float = 30.0
    smtp_ca_file: Path | None = None  # PEM of the CA(s) that signed a private relay's certificate
    mail_from: str = "ClinOps Job Alerts <alerts@clinops-job-alerts.example>"
    unsubscribe_base_url: str = PLACEHOLDER_SITE + "unsubscribe"
    # The public web app (sign-up, confirmation, preferences); unset: the unsubscribe link's site.
    site_url: str | None = None
    web_posts_per_window: int = 20  # form posts per client address per window
    web_counts_per_window: int = 120  # live-count requests per client address per window
    web_window_seconds: float = 600.0
    web_notices_per_address: int = 3  # sign-up emails per address per day
    unsubscribe_secret: SecretStr = SecretStr(PLACEHOLDER_UNSUBSCRIBE_SECRET)
    operator_email: str | None = None  # gets one email when a problem starts and when it ends

    def credentials(self) -> dict[str, str]:
        """Free API keys for the sources that need them, only those that are set."""
        values = {
            "usajobs_api_key": self.usajobs_api_key,
            "usajobs_email": self.usajobs_email,
            "adzuna_app_id": self.adzuna_app_id,
            "adzuna_app_key": self.adzuna_app_key,
            "muse_api_key": self.muse_api_key,
        }
        plain = {
            k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in values.items()
        }
        return {k: v for k, v in plain.items() if v}

    @property
    def unsubscribe_secret_is_placeholder(self) -> bool:
        """True while the signing secret is still the shipped placeholder."""
        return self.unsubscribe_secret.get_secret_value() == PLACEHOLDER_UNSUBSCRIBE_SECRET

    def ops_store_url(self, db_path: Path | None = None) -> str:
        """The operational store's URL: JOBALERTS_OPS_URL, else SQLite beside the warehouse."""
        if self.ops_url is not None:
            return self.ops_url.get_secret_value()
        return f"sqlite:///{ops_file_beside(db_path or self.db_path)}"

    @property
    def legacy_token_secret(self) -> str | None:
        """The secret that signed old emails' unsubscribe links, only if a real one was set."""
        if self.unsubscribe_secret_is_placeholder:
            return None
        return self.unsubscribe_secret.get_secret_value() or None

    @property
    def public_site_url(self) -> str:
        """The web app's address, ending in `/`: JOBALERTS_SITE_URL, else the folder of the
        unsubscribe link (`https://x.org/unsubscribe` → `https://x.org/`)."""
        if self.site_url:
            return self.site_url.rstrip("/") + "/"
        return self.unsubscribe_base_url.split("?", 1)[0].rsplit("/", 1)[0] + "/"

    @property
    def site_url_is_set(self) -> bool:
        """True when the operator told us where the web app is reached."""
        return self.public_site_url != PLACEHOLDER_SITE

    @property
    def smtp_enabled(self) -> bool:
        """True when an SMTP host is configured; otherwise mail goes to the outbox."""
        return bool(self.smtp_host)


def ops_file_beside(db_path: Path) -> Path:
    """`ops.sqlite3` in the warehouse's folder."""
    return db_path.with_name("ops.sqlite3")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
