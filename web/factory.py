"""The site assembled from the settings: stores, mailer, secret and limits."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from core.secret_file import app_secret, secret_path
from core.settings import Settings
from pipeline.stores import ops_store
from pipeline.transport import make_mailer
from web.app import create_app
from web.routes import Limits
from web.service import DeskConfig, SubscriberDesk


def site_secret(settings: Settings, db_path: Path) -> bytes:
    """The secret that signs form tokens: the operator's, else one generated beside the
    warehouse (owner-only file), never the shipped placeholder."""
    if not settings.unsubscribe_secret_is_placeholder:
        return settings.unsubscribe_secret.get_secret_value().encode()
    return app_secret(secret_path(db_path))


def build_site(settings: Settings, db_path: Path) -> Starlette:
    """The ASGI app for this warehouse's operational store and the configured mailer."""
    mailer, _ = make_mailer(settings)
    config = DeskConfig(
        site_url=settings.public_site_url,
        mail_from=settings.mail_from,
        db_path=db_path,
        notices_per_day=settings.web_notices_per_address,
        legacy_secret=settings.legacy_token_secret,
    )
    desk = SubscriberDesk(ops_store(settings, db_path), mailer, config)
    limits = Limits(
        posts=settings.web_posts_per_window,
        counts=settings.web_counts_per_window,
        window=settings.web_window_seconds,
    )
    https = settings.public_site_url.startswith("https://")
    return create_app(desk, site_secret(settings, db_path), limits=limits, https=https)
